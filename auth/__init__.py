"""The OAuth 2.0 authorisation server (FAPI 2.0 Security Profile) and the TPP registry.

`init_app` wires it into the app: settings, signing keys, the OAuth and PSU-facing blueprints,
the OpenAPI security schemes, the `tpp` CLI and the demo seeder. Other packages use
`auth.resource.require_token` / `current_access`, `auth.hooks` and `auth.service`.
"""

from __future__ import annotations

import os

from auth import dpop_nonce, mtls, nonce_web, proxies
from auth.jwks_fetch import JwksFetcher, parse_allow_hosts
from auth.keys import SigningKeys
from auth.server import AuthServer
from core.config import SettingError, parse_setting

# name -> (default, parser, description); read from the environment like core's settings.
SETTINGS = {
    "ACCESS_TOKEN_LIFETIME": (300, int, "Access token lifetime in seconds (at most 600)"),
    "REFRESH_TOKEN_LIFETIME": (90 * 86400, int, "Refresh token lifetime in seconds"),
    "SIGNING_ALG": ("ES256", str, "Algorithm of the key that signs access tokens: ES256 or PS256"),
    "DEMO_PSU_PASSWORD": ("open-banking-demo", str, "Password of the demo PSUs alice, bob, carol"),
    "CLIENT_CACHE_SECONDS": (30.0, float, "How long a worker reuses a TPP's name and roles"),
    "DEMO_DIR": ("", str, "Where `demo load` writes demo client keys (default instance/demo)"),
    "TRUSTED_PROXIES": ("", str, "Addresses/CIDRs of the TLS-terminating proxies that may send "
                        "CLIENT_CERT_HEADER, or none (unset: loopback if the issuer is on "
                        "loopback, else nobody)"),
    "TLS_CLIENT_CA_BUNDLE": ("", str, "PEM file of the CAs that issue tls_client_auth "
                             "certificates (directory / eIDAS QTSP CAs)"),
    "JWKS_FETCH_ALLOW_HOSTS": ("", str, "Comma-separated host or host:port whose jwks_uri may be "
                               "on a loopback or private address (test set-ups only)"),
}
SETTINGS.update(dpop_nonce.SETTINGS)
MAX_ACCESS_TOKEN_LIFETIME = 600


def _settings(app) -> None:
    for name, (default, parser, _) in SETTINGS.items():
        if name not in app.config:
            raw = os.environ.get(name)
            app.config[name] = default if raw in (None, "") else parse_setting(name, raw, parser)
    app.config["TRUSTED_PROXIES"] = proxies.parse_trusted_proxies(
        app.config["TRUSTED_PROXIES"], app.config["ISSUER"])
    if not 0 < int(app.config["ACCESS_TOKEN_LIFETIME"]) <= MAX_ACCESS_TOKEN_LIFETIME:
        raise SettingError("ACCESS_TOKEN_LIFETIME", "a number of seconds from 1 to 600",
                           "is out of range")


def init_app(app, api) -> None:
    from auth import cli, openapi, portal, psu_views, revocation, seed, views

    _settings(app)
    app.extensions["auth"] = AuthServer(
        issuer=app.config["ISSUER"],
        keys=SigningKeys(app.config["SIGNING_KEYS_DIR"], app.config["SIGNING_ALG"]),
        redis=app.extensions["redis"],
        cert_header=app.config["CLIENT_CERT_HEADER"],
        access_token_lifetime=int(app.config["ACCESS_TOKEN_LIFETIME"]),
        refresh_token_lifetime=int(app.config["REFRESH_TOKEN_LIFETIME"]),
        client_cache_seconds=float(app.config["CLIENT_CACHE_SECONDS"]),
        session_factory=app.extensions["session_factory"],
        jwks_fetcher=JwksFetcher(
            allow_hosts=parse_allow_hosts(app.config["JWKS_FETCH_ALLOW_HOSTS"])),
        client_ca_store=mtls.load_ca_bundle(app.config["TLS_CLIENT_CA_BUNDLE"]),
    )
    proxies.guard_certificate_header(app, proxies.TrustedProxies(app.config["TRUSTED_PROXIES"]),
                                     app.config["CLIENT_CERT_HEADER"])
    revocation.register(app.extensions["engine"], app.extensions["auth"].revocations)
    nonce_web.init_app(app, app.extensions["auth"].keys)
    app.extensions.setdefault("auth.authorization_handlers", [])
    openapi.register_security_schemes(api)
    api.register_blueprint(views.blp)
    app.register_blueprint(psu_views.blp)
    if app.config["DEMO_DATA"]:
        # the portal console's demo sign-in; absent wherever demo data is off
        app.register_blueprint(portal.blp)
    cli.init_app(app)
    app.extensions["demo_seeders"].append(("auth", seed.seed_demo))
