"""Roles decide scopes. One table, read by the token endpoint, DCR, the consent screen and docs."""

from __future__ import annotations

ROLES = ("AISP", "COP", "ASPSP", "STATUS_ADMIN")

# Every role may also subscribe to status webhooks: the `status` scope.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "AISP": frozenset({"accounts"}),
    "COP": frozenset({"payee-checks"}),
    "ASPSP": frozenset({"payee-directory"}),
    "STATUS_ADMIN": frozenset({"status-admin"}),
}
COMMON_SCOPES = frozenset({"status"})

SCOPE_DESCRIPTIONS: dict[str, str] = {
    "accounts": "Read account information the customer consented to (role AISP)",
    "payee-checks": "Check a payee's name against the account holder (role COP)",
    "payee-directory": "Maintain the account-holder directory of a participating bank (role ASPSP)",
    "status-admin": "Publish downtime notices (role STATUS_ADMIN)",
    "status": "Subscribe to availability notices by webhook (every role)",
}

# Scopes that need a customer (PSU) behind the token, i.e. the authorization_code grant.
PSU_SCOPES = frozenset({"accounts"})


def allowed_scopes(roles) -> frozenset[str]:
    scopes = set(COMMON_SCOPES) if roles else set()
    for role in roles:
        scopes |= ROLE_SCOPES.get(role, frozenset())
    return frozenset(scopes)


def parse_scope(value: str | None) -> frozenset[str]:
    return frozenset((value or "").split())


def format_scope(scopes) -> str:
    return " ".join(sorted(scopes))


def validate_roles(roles) -> tuple[str, ...]:
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise ValueError(f"roles must be some of {', '.join(ROLES)}; got {', '.join(roles)}")
    return tuple(dict.fromkeys(roles))
