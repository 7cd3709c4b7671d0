"""How strict a sandbox Berlin Group bank is, per bank: its SCA approach, whether every request
must be signed with the TPP's QSealC, and whether calls must come over mutual TLS.

Set from `SANDBOX_BG_PROFILES`, `bank=switches` with the switches joined by `+`, e.g.
`rheinfeld=decoupled+signing+poll:3`; tests set `bank.bg_profile` directly. The default is the
lenient redirect with the OAuth2 pre-step, unsigned, without a client certificate.
`embedded` is a bank whose only approach is the embedded one (the PSU's credentials and
one-time password pass through the TPP), which this service refuses to run: it is there so
the refusal can be seen.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

SCA_APPROACHES = ("redirect-oauth", "redirect", "decoupled", "embedded")


@dataclass(frozen=True)
class BgProfile:
    sca_approach: str = "redirect-oauth"  # redirect-oauth | redirect | decoupled | embedded
    signing_required: bool = False  # Digest + Signature + TPP-Signature-Certificate
    mtls_required: bool = False  # a client certificate on the TLS connection
    poll_seconds: int = 2  # Retry-After on a decoupled authorisation's status
    tpp_ca_pem: bytes = b""  # CA certificates whose TPP certificates the bank trusts

    @property
    def oauth(self) -> bool:
        return self.sca_approach == "redirect-oauth"

    @classmethod
    def parse(cls, switches: str) -> BgProfile:
        """`decoupled+signing+mtls+poll:3`, `redirect`, …: the words in any order."""
        words = {w.strip() for w in switches.split("+") if w.strip()}
        approaches = words & set(SCA_APPROACHES)
        polls = {w for w in words if w.startswith("poll:")}
        unknown = words - approaches - polls - {"signing", "mtls"}
        if unknown or len(approaches) > 1 or len(polls) > 1:
            raise ValueError(f"switches are redirect-oauth|redirect|decoupled|embedded, signing, "
                             f"mtls, poll:N; got {switches!r}")
        poll = polls.pop()[5:] if polls else "2"
        if not poll.isdigit():
            raise ValueError(f"poll:N takes whole seconds; got {switches!r}")
        return cls().with_changes({
            "sca_approach": approaches.pop() if approaches else "redirect-oauth",
            "signing_required": "signing" in words, "mtls_required": "mtls" in words,
            "poll_seconds": int(poll)})

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
