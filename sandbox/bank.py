"""A sandbox bank's configuration: who it is, which standard it speaks, which clients it
knows, its seeded accounts, the PSU password, and its initial fault switches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.db import utcnow
from sandbox.profiles import BgProfile
from sandbox.seed import SEED, SeedAccount

OB = "ob-uk-4.0"
BG = "berlin-group-1.3"


def iso_utc(moment: dt.datetime) -> str:
    """UTC ISO 8601 with a `Z`, as the banks write times."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass
class SandboxClient:
    """A TPP registered at the bank. `secret` for client_secret_basic/post; `jwks` (public keys,
    JWK dicts) for private_key_jwt, verified ES256/PS256 only."""

    client_id: str
    secret: str | None = None
    jwks: list[dict[str, Any]] = field(default_factory=list)
    tls_subject: str | None = None  # tls_client_auth: the certificate's subject DN (RFC 4514)

    @property
    def auth_methods(self) -> tuple[str, ...]:
        methods = ("client_secret_basic", "client_secret_post") if self.secret else ()
        return methods + (("private_key_jwt",) if self.jwks else ()) + \
            (("tls_client_auth",) if self.tls_subject else ())


RESPONSES = ("hybrid", "jarm")


@dataclass(frozen=True)
class Profile:
    """A UK bank's security profile switches (FAPI 1.0 Advanced / the OB security profile):
    the authorisation answer (`hybrid`: `code id_token` in the fragment; `jarm`: `code` with
    `response_mode=jwt`), whether the request object must come through PAR, and whether every
    call must present a client certificate (mutual TLS)."""

    response: str = "hybrid"
    par: bool = False
    mtls: bool = False

    def __post_init__(self) -> None:
        if self.response not in RESPONSES:
            raise ValueError(f"response is one of {RESPONSES}, not {self.response!r}")

    @classmethod
    def parse(cls, switches: str) -> Profile:
        """`jarm+par+mtls`, `hybrid`, `hybrid+mtls` …: the words in any order."""
        words = {w.strip() for w in switches.split("+") if w.strip()}
        unknown = words - {*RESPONSES, "par", "by-value", "mtls"}
        if unknown or len(words & set(RESPONSES)) > 1:
            raise ValueError(f"profile switches are hybrid|jarm, par|by-value, mtls; "
                             f"got {switches!r}")
        return cls("jarm" if "jarm" in words else "hybrid", "par" in words, "mtls" in words)


@dataclass
class SandboxBank:
    id: str
    name: str
    standard: str  # ob-uk-4.0 | berlin-group-1.3
    country: str
    bic: str
    accounts: tuple[SeedAccount, ...] = ()
    clients: dict[str, SandboxClient] = field(default_factory=dict)
    psu_password: str = "sandbox"
    token_ttl: int = 300  # seconds an access token lives
    code_ttl: int = 60  # seconds an authorisation code lives (FAPI: ≤ 60)
    unattended_reads_per_day: int = 4  # OB; a BG consent carries its own frequencyPerDay
    transaction_page_size: int = 500  # transactions per page of a listing
    faults: dict[str, Any] = field(default_factory=dict)  # initial switches (see faults.py)
    admin_token: str | None = None  # when set, the admin calls need it as a bearer token
    profile: Profile | None = None  # OB banks: the strict security profile, when set
    bg_profile: BgProfile = field(default_factory=BgProfile)  # Berlin Group strictness
    clock: Callable[[], dt.datetime] = utcnow

    def register(self, client: SandboxClient) -> None:
        self.clients[client.client_id] = client


def default_banks(psu_password: str = "sandbox") -> list[SandboxBank]:
    """Northgate Bank and Thames & Moor (UK OB v4.0), Rheinfeld Sparkasse (Berlin Group)."""
    return [
        SandboxBank("northgate", "Northgate Bank", OB, "GB", "NGTEGB21", SEED["northgate"],
                    psu_password=psu_password),
        SandboxBank("thamesmoor", "Thames & Moor Building Society", OB, "GB", "TMBSGB21",
                    SEED["thamesmoor"],
                    clients={"obhub-at-thamesmoor": SandboxClient(
                        "obhub-at-thamesmoor", secret="thamesmoor-sandbox-secret")},
                    psu_password=psu_password),
        SandboxBank("rheinfeld", "Rheinfeld Sparkasse", BG, "DE", "RHFDDEFFXXX",
                    SEED["rheinfeld"], transaction_page_size=1000,
                    clients={"obhub-at-rheinfeld": SandboxClient(
                        "obhub-at-rheinfeld", secret="rheinfeld-sandbox-secret")},
                    psu_password=psu_password),
    ]
