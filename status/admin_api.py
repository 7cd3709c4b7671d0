"""Operator API: publish and run downtime notices. Clients with the STATUS_ADMIN role and a
token with scope `status-admin`. Every change also goes out as a webhook."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from auth.resource import current_access, require_token
from core.web import db_session, json_only
from status import service
from status.representation import notice_document
from status.schemas import NoticeCreate, NoticeEdit, NoticeSchema, NoticeUpdateCreate, StatusChange

blp = Blueprint("status-admin", __name__, url_prefix="/status/v1/notices",
                description="Availability: publishing notices (operators, role STATUS_ADMIN)")
json_only(blp)
ADMIN = {"scope": "status-admin", "roles": ("STATUS_ADMIN",)}
TARGETS = {"start": "in_progress", "complete": "completed", "cancel": "cancelled"}


def runtime():
    return current_app.extensions["status"]


def actor() -> str:
    access = current_access()
    return f"{access.client_name} ({access.client_id})"


def document(notice):
    return notice_document(notice, runtime().base_url)


def notice_change(arguments, status: int, conflict: str):
    """What every change to an existing notice declares: the operator's token, the body, the
    notice it answers with, 404 for an unknown notice and 409 (`conflict` says when)."""
    def decorate(view):
        view = blp.alt_response(409, response="CONFLICT", description=conflict)(view)
        view = blp.alt_response(404, response="NOT_FOUND", description="No such notice")(view)
        view = blp.response(status, NoticeSchema)(view)
        view = blp.arguments(arguments)(view)
        return require_token(**ADMIN)(view)
    return decorate


CLOSED = "`notice-closed`: completed/cancelled"


@blp.post("")
@require_token(**ADMIN)
@blp.arguments(NoticeCreate)
@blp.response(201, NoticeSchema)
@blp.alt_response(409, response="CONFLICT", description="Illegal status change")
def create_notice(body):
    """Publish a notice: planned maintenance (scheduled) or an incident (in progress).
    422 `notice-window-invalid`, `unknown-component` or `notice-invalid` name the field."""
    data = service.NoticeInput(**{**body, "components": tuple(body["components"]),
                                  "banks": tuple(body["banks"])})
    return document(service.create_notice(runtime(), db_session(), data, actor=actor()))


@blp.patch("/<notice_id>")
@notice_change(NoticeEdit, 200, CLOSED)
def edit_notice(body, notice_id: str):
    """Correct a notice that is not closed (window only before work starts)."""
    return document(service.edit_notice(runtime(), db_session(), notice_id, body,
                                        actor=actor()))


@blp.post("/<notice_id>/updates")
@notice_change(NoticeUpdateCreate, 201, CLOSED)
def add_update(body, notice_id: str):
    """Post an update to the notice's public timeline."""
    return document(service.add_update(runtime(), db_session(), notice_id, body["body"],
                                       actor=actor(), severity=body.get("severity")))


def _status_view(action: str):
    @notice_change(StatusChange, 200,
                   "`notice-transition-invalid`, with the allowed statuses")
    def view(body, notice_id: str):
        return document(service.change_status(runtime(), db_session(), notice_id,
                                              TARGETS[action], actor=actor(),
                                              message=body.get("message"), at=body.get("at")))

    view.__name__ = f"{action}_notice"
    view.__doc__ = {
        "start": "Mark the work started (scheduled → in_progress).",
        "complete": "Mark it over (in_progress → completed).",
        "cancel": "Call planned work off before it starts (scheduled → cancelled).",
    }[action]
    blp.route(f"/<notice_id>/{action}", methods=["POST"])(view)


for _action in TARGETS:
    _status_view(_action)
