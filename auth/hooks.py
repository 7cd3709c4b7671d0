"""The extension point of the authorisation page, for the consent package.

After the PSU signs in, each registered handler is called with an `AuthorizationContext`. A
handler that owns the request (say, it names a consent) returns a Flask response — its own
consent screen, a redirect to a bank — and later finishes with
`auth.service.finish_authorization(...)`. A handler returning None passes; when none answers,
the default approval page is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from auth.par import PushedRequest
from auth.psu import Psu


@dataclass(frozen=True)
class AuthorizationContext:
    request_uri: str
    interaction: str          # secret of this sign-in; pass it back to finish_authorization
    request: PushedRequest    # every pushed parameter, and the consent_id it names
    client_id: str
    client_name: str
    psu: Psu

    @property
    def consent_id(self) -> str | None:
        return self.request.consent_id


AuthorizationHandler = Callable[[AuthorizationContext], object | None]


def register_authorization_handler(app, handler: AuthorizationHandler) -> None:
    app.extensions.setdefault("auth.authorization_handlers", []).append(handler)


def run_handlers(context: AuthorizationContext):
    for handler in current_app.extensions.get("auth.authorization_handlers", []):
        response = handler(context)
        if response is not None:
            return response
    return None
