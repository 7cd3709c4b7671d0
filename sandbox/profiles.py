"""How strict a sandbox Berlin Group bank is, per bank: its SCA approach, whether every request
must be signed with the TPP's QSealC, and whether calls must come over mutual TLS.

Set from `SANDBOX_BANK_PROFILES`, a JSON object by bank id, e.g.
`{"rheinfeld": {"sca_approach": "decoupled", "signing_required": true}}`; tests set
`bank.profile` directly. The default is the lenient redirect with the OAuth2 pre-step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from typing import Any

SCA_APPROACHES = ("redirect-oauth", "redirect", "decoupled")


@dataclass(frozen=True)
class BgProfile:
    sca_approach: str = "redirect-oauth"  # redirect-oauth | redirect | decoupled
    signing_required: bool = False  # Digest + Signature + TPP-Signature-Certificate
    mtls_required: bool = False  # a client certificate on the TLS connection
    poll_seconds: int = 2  # Retry-After on a decoupled authorisation's status
    tpp_ca_pem: bytes = b""  # CA certificates whose TPP certificates the bank trusts

    @property
    def oauth(self) -> bool:
        return self.sca_approach == "redirect-oauth"

    def with_changes(self, changes: dict[str, Any]) -> BgProfile:
        known = {f.name for f in fields(self)} - {"tpp_ca_pem"}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown bank profile switch {sorted(unknown)[0]!r}; "
                             f"known: {', '.join(sorted(known))}")
        if changes.get("sca_approach", self.sca_approach) not in SCA_APPROACHES:
            raise ValueError(f"sca_approach is one of {', '.join(SCA_APPROACHES)}")
        for name in ("signing_required", "mtls_required"):
            if not isinstance(changes.get(name, False), bool):
                raise ValueError(f"{name} is true or false")
        poll = changes.get("poll_seconds", self.poll_seconds)
        if isinstance(poll, bool) or not isinstance(poll, int) or not 0 <= poll <= 600:
            raise ValueError("poll_seconds is a whole number from 0 to 600")
        return replace(self, **changes)


def bank_profiles(value: str) -> dict[str, dict[str, Any]]:
    """The `SANDBOX_BANK_PROFILES` setting: {bank id: {switch: value}}, each switch checked."""
    if not value.strip():
        return {}
    try:
        parsed = json.loads(value)
    except ValueError:
        raise ValueError('a JSON object, e.g. {"rheinfeld": {"sca_approach": "decoupled"}}'
                         ) from None
    if not isinstance(parsed, dict) or not all(isinstance(v, dict) for v in parsed.values()):
        raise ValueError('a JSON object of objects, e.g. {"rheinfeld": {"signing_required": '
                         'true}}')
    for switches in parsed.values():
        BgProfile().with_changes(switches)
    return parsed
