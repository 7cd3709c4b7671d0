"""Webhook subscriptions for TPPs: any role, token scope `status`. The signing secret is in
the 201 answer only; deliveries and their results are listed per subscription."""

from __future__ import annotations

import math

from flask import current_app, request
from flask_smorest import Blueprint

from auth.resource import current_access, require_token
from core.web import db_session, json_only
from status import subscriptions
from status.api import page_links
from status.schemas import (
    DeliveryList,
    DeliveryQuery,
    SubscriptionCreate,
    SubscriptionList,
    SubscriptionSchema,
)

blp = Blueprint("status-webhooks", __name__, url_prefix="/status/v1/subscriptions",
                description="Availability: webhook subscriptions (any TPP, scope `status`)")
json_only(blp)


def runtime():
    return current_app.extensions["status"]


def subscription_document(sub, secret: str | None = None) -> dict:
    body = {"id": sub.id, "url": sub.url, "events": sub.events, "created_at": sub.created_at}
    if secret:
        body["secret"] = secret
    return body


@blp.post("")
@require_token(scope="status")
@blp.arguments(SubscriptionCreate)
@blp.response(201, SubscriptionSchema)
def create_subscription(body):
    """Subscribe an https URL to events. Keep the `secret`: it verifies our signatures and
    is never shown again. 422 `webhook-url-invalid` / `unknown-event-type` otherwise."""
    access = current_access()
    sub, secret = subscriptions.create(runtime(), db_session(), client_id=access.client_id,
                                       client_name=access.client_name, url=body["url"],
                                       events=body["events"])
    return subscription_document(sub, secret)


@blp.get("")
@require_token(scope="status")
@blp.response(200, SubscriptionList)
def list_subscriptions():
    """Your active subscriptions."""
    subs = subscriptions.list_for(db_session(), current_access().client_id)
    return {"data": [subscription_document(s) for s in subs]}


@blp.get("/<subscription_id>")
@require_token(scope="status")
@blp.response(200, SubscriptionSchema)
@blp.alt_response(404, response="NOT_FOUND", description="Not one of your subscriptions")
def get_subscription(subscription_id: str):
    """One of your subscriptions."""
    sub = subscriptions.get(db_session(), current_access().client_id, subscription_id)
    return subscription_document(sub)


@blp.delete("/<subscription_id>")
@require_token(scope="status")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND", description="Not one of your subscriptions")
def delete_subscription(subscription_id: str):
    """Unsubscribe; deliveries not yet sent are cancelled."""
    subscriptions.delete(db_session(), current_access().client_id, subscription_id)


@blp.get("/<subscription_id>/deliveries")
@require_token(scope="status")
@blp.arguments(DeliveryQuery, location="query", as_kwargs=True)
@blp.response(200, DeliveryList)
@blp.alt_response(404, response="NOT_FOUND", description="Not one of your subscriptions")
def list_deliveries(subscription_id: str, page: int, page_size: int):
    """Deliveries to this subscription, newest first: attempts, last HTTP status, errors."""
    rows, total = subscriptions.deliveries(db_session(), current_access().client_id,
                                           subscription_id, page=page, page_size=page_size)
    return {
        "data": [{"id": d.id, "event_id": d.event_id, "event_type": d.event.type,
                  "status": d.status, "attempts": d.attempts,
                  "next_attempt_at": d.next_attempt_at if d.status == "pending" else None,
                  "last_attempt_at": d.last_attempt_at, "last_status_code": d.last_status_code,
                  "last_error": d.last_error, "delivered_at": d.delivered_at,
                  "created_at": d.created_at} for d in rows],
        "links": page_links(request.path, {"page_size": page_size}, page, page_size, total),
        "meta": {"total": total, "page": page, "page_size": page_size,
                 "pages": max(1, math.ceil(total / page_size))},
    }
