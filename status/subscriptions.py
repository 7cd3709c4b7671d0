"""Webhook subscriptions of TPPs, and which URLs we agree to call.

A subscription belongs to one client; another client's is a 404, never a 403, so ids do not
leak. URLs must be https and must not point into our own network: the delivery worker is a
server-side request a TPP controls. `http://127.0.0.1`/`localhost` is accepted only when
STATUS_WEBHOOKS_ALLOW_HTTP_LOOPBACK is on (tests and local demos).
"""

from __future__ import annotations

import ipaddress
import socket
import uuid
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.errors import NotFound
from status import signing
from status.errors import UnknownEventType, WebhookUrlInvalid
from status.models import Delivery, Subscription
from status.outbox import EVENT_TYPES
from status.runtime import StatusRuntime

MAX_URL = 2000
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _internal(ip) -> bool:
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
            or ip.is_multicast or ip.is_unspecified)


def is_loopback_host(host: str) -> bool:
    ip = _ip(host)
    return host.lower() in LOOPBACK_NAMES or (ip is not None and ip.is_loopback)


def check_url(url: str, allow_http_loopback: bool) -> str:
    """The URL, or WebhookUrlInvalid saying what to change."""
    if not url or len(url) > MAX_URL:
        raise WebhookUrlInvalid(f"url must be 1 to {MAX_URL} characters.")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.username or parts.password:
        raise WebhookUrlInvalid("url must not carry credentials.")
    if parts.fragment:
        raise WebhookUrlInvalid("url must not have a fragment.")
    if not host:
        raise WebhookUrlInvalid("url needs a host.")
    loopback_ok = allow_http_loopback and is_loopback_host(host)
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not loopback_ok):
        raise WebhookUrlInvalid("url must use https.")
    ip = _ip(host)
    if not loopback_ok and (host.lower() in LOOPBACK_NAMES or (ip is not None and _internal(ip))):
        raise WebhookUrlInvalid("url must point to a public address, not a private network.")
    return url


def check_resolved(url: str, allow_http_loopback: bool) -> None:
    """At send time: refuse a public name that resolves into a private network."""
    host = urlsplit(url).hostname or ""
    if allow_http_loopback and is_loopback_host(host):
        return
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    if any(_internal(ipaddress.ip_address(info[4][0].split("%")[0])) for info in infos):
        raise WebhookUrlInvalid("url resolves to a private address.")


def check_events(events) -> list[str]:
    events = list(dict.fromkeys(events or ()))
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown or not events:
        raise UnknownEventType(unknown or ["(none given)"], list(EVENT_TYPES))
    return events


def create(rt: StatusRuntime, session: Session, *, client_id: str, client_name: str, url: str,
           events) -> tuple[Subscription, str]:
    """The subscription and its signing secret; the secret is never shown again."""
    url = check_url(url, rt.settings.allow_http_loopback)
    events = check_events(events)
    secret = signing.new_secret()
    with unit_of_work(session):
        sub = Subscription(id=f"whs_{uuid.uuid4().hex}", client_id=client_id,
                           client_name=client_name, url=url, events=events, secret=secret,
                           active=True, created_at=rt.now())
        session.add(sub)
    return sub, secret


def list_for(session: Session, client_id: str) -> list[Subscription]:
    return list(session.scalars(select(Subscription).where(
        Subscription.client_id == client_id, Subscription.active.is_(True))
        .order_by(Subscription.created_at, Subscription.id)))


def get(session: Session, client_id: str, subscription_id: str) -> Subscription:
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.client_id != client_id or not sub.active:
        raise NotFound(f"No webhook subscription {subscription_id}.")
    return sub


def delete(session: Session, client_id: str, subscription_id: str) -> None:
    """Deactivate (deliveries stay listed for the record) and stop what is still pending."""
    with unit_of_work(session):
        sub = get(session, client_id, subscription_id)
        sub.active = False
        session.execute(update(Delivery).where(Delivery.subscription_id == sub.id,
                                               Delivery.status == "pending")
                        .values(status="cancelled"))


def deliveries(session: Session, client_id: str, subscription_id: str, *, page: int = 1,
               page_size: int = 50) -> tuple[list[Delivery], int]:
    sub = get(session, client_id, subscription_id)
    query = select(Delivery).where(Delivery.subscription_id == sub.id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Delivery.id.desc())
                           .offset((page - 1) * page_size).limit(page_size)).all()
    return list(rows), int(total or 0)
