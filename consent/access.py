"""The TPP's identity on a resource call, from the authorisation server (`auth.resource`)."""

from __future__ import annotations

from flask import g

from auth.resource import current_access, require_token
from consent.audit import Actor
from consent.service import Tpp

__all__ = ["require_token", "tpp", "tpp_actor"]


def tpp() -> Tpp:
    access = current_access()
    return Tpp(access.client_id, access.client_name or access.client_id)


def tpp_actor() -> Actor:
    return Actor("tpp", current_access().client_id, getattr(g, "interaction_id", None))
