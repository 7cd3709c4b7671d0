"""This package's rows of the settings table (see core.config.load_settings):
name -> (default, parser, description), parsed once when the app is created."""

from __future__ import annotations

from typing import Any

from auth.dpop_nonce import parse_mode
from auth.eidas_trust import REVOCATION_MODES
from auth.jose import ALGORITHMS
from auth.proxies import parse_trusted_proxies
from core.config import SettingError, boolean, number, one_of, whole_number

# Access tokens stay short-lived; a revoked token's Redis marker lives as long as the token
# could (auth.revocation), so the ceiling also bounds what Redis keeps.
MAX_ACCESS_TOKEN_LIFETIME = 600


def text(description: str) -> tuple[str, type, str]:
    """A row whose value is free text and whose empty default means "not configured"."""
    return ("", str, description)


SETTINGS = {
    "ACCESS_TOKEN_LIFETIME": (300, whole_number, "Access token lifetime in seconds (at most "
                              "600)"),
    "REFRESH_TOKEN_LIFETIME": (90 * 86400, whole_number, "Refresh token lifetime in seconds"),
    "SIGNING_ALG": ("ES256", one_of(*ALGORITHMS), "Algorithm of the key that signs access "
                    "tokens: ES256 or PS256"),
    "DEMO_PSU_PASSWORD": ("open-banking-demo", str, "Password of the demo PSUs alice, bob, "
                          "carol"),
    "CLIENT_CACHE_SECONDS": (30.0, number, "How long a worker reuses a TPP's name and roles"),
    "DEMO_DIR": text("Where `demo load` writes demo client keys (default instance/demo)"),
    "TRUSTED_PROXIES": text("Addresses/CIDRs of the TLS-terminating proxies that may send "
                            "CLIENT_CERT_HEADER, or none (unset: loopback if the issuer is on "
                            "loopback, else nobody)"),
    "TLS_CLIENT_CA_BUNDLE": text("PEM file of the CAs that issue tls_client_auth "
                                 "certificates (directory / eIDAS QTSP CAs)"),
    "JWKS_FETCH_ALLOW_HOSTS": text("Comma-separated host or host:port whose jwks_uri may "
                                   "be on a loopback or private address (test set-ups only)"),
    "DPOP_NONCE": ("token", parse_mode, "Where DPoP proofs must carry a server nonce (RFC 9449 "
                   "§8, §9): off, token (/token and /par) or all (also resource endpoints)"),
    "DPOP_NONCE_WINDOW": (300, whole_number, "Seconds each DPoP nonce is issued for; the "
                          "previous window's nonce stays accepted"),
    "DPOP_NONCE_SECRET": text("HMAC key of the DPoP nonces; empty = derived from the "
                              "signing keys (set it when hosts hold different signing keys)"),
    "EIDAS_REQUIRED": (False, boolean, "Require an eIDAS QWAC with the PSD2 QC statement at "
                       "registration, and an eIDAS identity for clients with role AISP or COP"),
    "EIDAS_TRUST_ANCHORS": text("PEM file or directory of the QTSP CA certificates eIDAS "
                                "certificates must chain to (unset: certificates are not checked)"),
    "EIDAS_REVOCATION": ("crl", one_of(*REVOCATION_MODES), "How eIDAS certificates are checked "
                         "for revocation: off, crl, ocsp or ocsp,crl"),
    "EIDAS_FAIL_CLOSED": (True, boolean, "Refuse an eIDAS certificate whose revocation status "
                          "cannot be fetched (false: accept and log)"),
    "EIDAS_REVOCATION_CACHE_SECONDS": (3600, whole_number, "How long a CRL is reused (at most "
                                       "until its nextUpdate)"),
    "SOFTWARE_STATEMENT_ISSUER": text("The `iss` of the directory whose software "
                                      "statements /register accepts (unset: none accepted)"),
    "SOFTWARE_STATEMENT_JWKS": text("The directory's signing keys: a JWK Set file or an "
                                    "https URL"),
    "REGISTER_WEBHOOK_URL": text("URL the operator's webhook receives register events at "
                                 "(a TPP cut off or reinstated); unset: events are only stored"),
}
SECRETS = {"DPOP_NONCE_SECRET"}


def derive(settings: dict[str, Any]) -> None:
    """TRUSTED_PROXIES becomes networks (its default depends on ISSUER); the access token
    lifetime is checked against its ceiling."""
    settings["TRUSTED_PROXIES"] = parse_trusted_proxies(settings["TRUSTED_PROXIES"],
                                                        settings["ISSUER"])
    if not 0 < int(settings["ACCESS_TOKEN_LIFETIME"]) <= MAX_ACCESS_TOKEN_LIFETIME:
        raise SettingError("ACCESS_TOKEN_LIFETIME", "a number of seconds from 1 to 600",
                           "is out of range")
