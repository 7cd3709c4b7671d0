"""The TPP's identity on a resource call, from the authorisation server (`auth.resource`).

If the authorisation server is not installed, every call is refused: a consent API without
token checks must never be served.
"""

from __future__ import annotations

import functools

from flask import g

from consent.audit import Actor
from consent.service import Tpp
from core.errors import Problem

try:  # auth lands separately; see the module docstring
    from auth.resource import current_access, require_token
except ImportError:  # pragma: no cover - only while auth is absent
    current_access = None

    def require_token(*_args, **_kwargs):
        def decorate(view):
            @functools.wraps(view)
            def refuse(*args, **kwargs):
                raise Problem("The authorisation server is not installed.", slug="unauthorized")
            return refuse
        return decorate


def tpp() -> Tpp:
    access = current_access()
    return Tpp(access.client_id, access.client_name or access.client_id)


def tpp_actor() -> Actor:
    return Actor("tpp", current_access().client_id, getattr(g, "interaction_id", None))
