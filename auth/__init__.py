"""The OAuth 2.0 authorisation server (FAPI 2.0 Security Profile) and the TPP registry.

`init_app` wires it into the app: settings, signing keys, the OAuth and PSU-facing blueprints,
the OpenAPI security schemes, the `tpp` CLI and the demo seeder. Other packages use
`auth.resource.require_token` / `current_access`, `auth.hooks` and `auth.service`.
"""

from __future__ import annotations

import os

from auth.keys import SigningKeys
from auth.server import AuthServer

# name -> (default, parser, description); read from the environment like core's settings.
SETTINGS = {
    "ACCESS_TOKEN_LIFETIME": (300, int, "Access token lifetime in seconds (at most 600)"),
    "REFRESH_TOKEN_LIFETIME": (90 * 86400, int, "Refresh token lifetime in seconds"),
    "SIGNING_ALG": ("ES256", str, "Algorithm of the key that signs access tokens: ES256 or PS256"),
    "FAPI_STRICT_AUDIENCE": (False, lambda v: v.lower() in ("1", "true", "yes"),
                             "Accept only the issuer as client-assertion aud (FAPI 2.0 Final)"),
    "DEMO_PSU_PASSWORD": ("open-banking-demo", str, "Password of the demo PSUs alice, bob, carol"),
    "CLIENT_CACHE_SECONDS": (30.0, float, "How long a worker reuses a TPP's name and roles"),
    "DEMO_DIR": ("", str, "Where `demo load` writes demo client keys (default instance/demo)"),
}
MAX_ACCESS_TOKEN_LIFETIME = 600


def _settings(app) -> None:
    for name, (default, parser, _) in SETTINGS.items():
        if name not in app.config:
            raw = os.environ.get(name)
            app.config[name] = parser(raw) if raw not in (None, "") else default
    if not 0 < int(app.config["ACCESS_TOKEN_LIFETIME"]) <= MAX_ACCESS_TOKEN_LIFETIME:
        raise ValueError("ACCESS_TOKEN_LIFETIME must be between 1 and 600 seconds")


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
        strict_audience=bool(app.config["FAPI_STRICT_AUDIENCE"]),
        client_cache_seconds=float(app.config["CLIENT_CACHE_SECONDS"]),
        session_factory=app.extensions["session_factory"],
    )
    revocation.register(app.extensions["engine"], app.extensions["auth"].revocations)
    app.extensions.setdefault("auth.authorization_handlers", [])
    openapi.register_security_schemes(api)
    api.register_blueprint(views.blp)
    app.register_blueprint(psu_views.blp)
    if app.config["DEMO_DATA"]:
        # the portal console's demo sign-in; absent wherever demo data is off
        app.register_blueprint(portal.blp)
    cli.init_app(app)
    app.extensions["demo_seeders"].append(("auth", seed.seed_demo))
