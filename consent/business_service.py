"""Business customers' use cases: membership (operators, `flask business …`), granting a
consent for a business on the consent screen, and the business's dashboard (its consents and
access log; revoking for administrators). Every action is audited on the consent's trail with
the acting user (by pseudonym) and, in the details, the business and the role acted in."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import domain, revocation
from consent.access_log import ACTION as ACCESS_ACTION
from consent.business import Action, NotPermitted, Role, check_limit, require
from consent.domain import ConsentStatus as S
from consent.errors import ConsentNotFound
from consent.models import Business, BusinessUser, Consent, ConsentEvent
from consent.ports import Adapters
from core.db import unit_of_work


@dataclass(frozen=True)
class Membership:
    business_id: str
    name: str
    role: str
    max_consent_days: int | None


@dataclass(frozen=True)
class Member:
    """One person acting for a business, as an access review lists them."""

    membership: Membership
    psu_id: str
    created_at: dt.datetime
    last_active_at: dt.datetime | None


@dataclass(frozen=True)
class BusinessView:
    membership: Membership
    consents: list[Consent]
    access_log: list[dict]


def create_business(session: Session, name: str) -> str:
    with unit_of_work(session):
        business_id = f"biz-{uuid.uuid4()}"
        session.add(Business(id=business_id, name=name))
    return business_id


def set_member(session: Session, business_id: str, psu_id: str, role: str,
               max_consent_days: int | None = None) -> None:
    """Add a user to the business, or change their role and limit."""
    Role(role)  # ValueError for an unknown role
    with unit_of_work(session):
        if session.get(Business, business_id) is None:
            raise ConsentNotFound(business_id)
        member = _member(session, business_id, psu_id)
        if member is None:
            member = BusinessUser(business_id=business_id, psu_id=psu_id)
            session.add(member)
        member.role, member.max_consent_days = role, max_consent_days


def remove_member(session: Session, business_id: str, psu_id: str) -> bool:
    with unit_of_work(session):
        member = _member(session, business_id, psu_id)
        if member is not None:
            session.delete(member)
        return member is not None


def _member(session: Session, business_id: str, psu_id: str) -> BusinessUser | None:
    return session.scalars(select(BusinessUser).where(
        BusinessUser.business_id == business_id, BusinessUser.psu_id == psu_id)).one_or_none()


def memberships(session: Session, psu_id: str) -> list[Membership]:
    with unit_of_work(session):
        rows = session.execute(select(BusinessUser, Business.name).join(
            Business, Business.id == BusinessUser.business_id).where(
            BusinessUser.psu_id == psu_id).order_by(Business.name)).all()
        return [Membership(m.business_id, name, m.role, m.max_consent_days) for m, name in rows]


def all_members(session: Session) -> list[Member]:
    """Every person acting for every business, by business id."""
    with unit_of_work(session):
        rows = session.execute(select(BusinessUser, Business.name).join(
            Business, Business.id == BusinessUser.business_id).order_by(Business.id)).all()
        return [Member(Membership(m.business_id, name, m.role, m.max_consent_days), m.psu_id,
                       m.created_at, m.last_active_at) for m, name in rows]


def _acting(session: Session, psu_id: str, business_id: str, action: Action,
            now: dt.datetime) -> BusinessUser:
    """The user's membership, if their role allows `action` (else NotPermitted; a business
    they do not belong to is as unknown as a missing one)."""
    member = _member(session, business_id, psu_id)
    if member is None:
        raise ConsentNotFound(business_id)
    require(member.role, action)
    member.last_active_at = now
    return member


def owner_for_grant(session: Session, user_id: str, act_for: str | None, consent: Consent,
                    now: dt.datetime) -> tuple[str, dict]:
    """Inside the consent screen's decision: whose consent this becomes (the user's own, or a
    business's if they act for one and their role and limit allow it), and the details the
    authorisation event records."""
    if not act_for or act_for == user_id:
        return user_id, {}
    member = _acting(session, user_id, act_for, Action.GRANT, now)
    check_limit(member.role, member.max_consent_days, consent.expiration_at, now)
    return act_for, {"on_behalf_of": act_for, "role": member.role}


def business_view(session: Session, psu_id: str, business_id: str, *, adapters: Adapters
                  ) -> BusinessView:
    now = adapters.now()
    with unit_of_work(session):
        member = _acting(session, psu_id, business_id, Action.VIEW, now)
        consents = list(session.scalars(select(Consent).where(
            Consent.psu_id == business_id, Consent.status == S.AUTH.value)
            .order_by(Consent.created_at)))
        ids = [c.id for c in consents]
        events = session.scalars(select(ConsentEvent).where(
            ConsentEvent.consent_id.in_(ids), ConsentEvent.action == ACCESS_ACTION)
            .order_by(ConsentEvent.occurred_at.desc()).limit(100))
        names = {c.id: c.client_name for c in consents}
        log = [{"at": e.occurred_at, "client_name": names[e.consent_id],
                "resource": json.loads(e.details).get("resource")} for e in events]
        name = session.get(Business, business_id).name
        membership = Membership(business_id, name, member.role, member.max_consent_days)
    return BusinessView(membership, consents, log)


def revoke_for_business(session: Session, psu_id: str, business_id: str, consent_id: str, *,
                        adapters: Adapters, interaction_id: str | None = None) -> Consent:
    with unit_of_work(session):
        member = _acting(session, psu_id, business_id, Action.REVOKE, adapters.now())
        role = member.role
    return revocation.cancel(session, consent_id, actor=adapters.psu_actor(psu_id, interaction_id),
                             adapters=adapters, reason=domain.REVOKED_BY_PSU,
                             action="consent.revoked_by_psu", psu_id=business_id,
                             details={"on_behalf_of": business_id, "role": role})


__all__ = ["NotPermitted"]
