"""Finding the status runtime from code that was not handed one (aggregation's calls into
`service.record_bank_call`): the current app's, else the last app initialised in this process
(worker threads outside a request)."""

from __future__ import annotations

from flask import current_app, has_app_context

from status.runtime import StatusRuntime

_last: StatusRuntime | None = None


def remember(runtime: StatusRuntime) -> None:
    global _last
    _last = runtime


def current_runtime() -> StatusRuntime:
    if has_app_context() and "status" in current_app.extensions:
        return current_app.extensions["status"]
    if _last is None:
        raise RuntimeError("the status package is not initialised in this process")
    return _last
