"""The OAuth 2.0 authorisation server (FAPI 2.0 Security Profile) and the TPP registry.

`init_app` wires it into the app: signing keys, the OAuth and PSU-facing blueprints, the
OpenAPI security schemes, the `tpp` CLI and the demo seeder. Its settings are the rows of
`auth.settings`, parsed when the app is created. Other packages use
`auth.resource.require_token` / `current_access`, `auth.hooks` and `auth.service`.
"""

from __future__ import annotations

from auth import (
    cli,
    directory_cli,
    directory_pages,
    eidas_registration,
    mtls,
    nonce_web,
    openapi,
    portal,
    proxies,
    psu_views,
    register_cli,
    revocation,
    seed,
    views,
)
from auth.jwks_fetch import JwksFetcher, parse_allow_hosts
from auth.keys import SigningKeys
from auth.personal_data import Profile, Tokens
from auth.sandbox_directory import CRL_PATH, SandboxDirectory, trust_in_demo
from auth.seed import demo_dir
from auth.server import AuthServer
from core.personal_data import register


def init_app(app, api) -> None:
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
    server = app.extensions["auth"]
    server.eidas = eidas_registration.setup_from_config(app.config, server.jwks_fetcher)
    proxies.guard_certificate_header(app, proxies.TrustedProxies(app.config["TRUSTED_PROXIES"]),
                                     app.config["CLIENT_CERT_HEADER"])
    revocation.register(app.extensions["engine"], app.extensions["auth"].revocations)
    nonce_web.init_app(app, app.extensions["auth"].keys)
    app.extensions.setdefault("auth.authorization_handlers", [])
    openapi.register_security_schemes(api)
    api.register_blueprint(views.blp)
    app.register_blueprint(psu_views.blp)
    if app.config["DEMO_DATA"]:
        # the portal console's demo sign-in and the sandbox directory; absent wherever demo
        # data is off
        app.register_blueprint(portal.blp)
        sandbox = SandboxDirectory(demo_dir(app) / "directory", app.config["ISSUER"] + CRL_PATH)
        app.extensions["auth.sandbox_directory"] = sandbox
        trust_in_demo(server.eidas, sandbox)
        app.register_blueprint(directory_pages.blp)
    cli.init_app(app)
    register_cli.init_app(app)
    directory_cli.init_app(app)
    app.extensions["demo_seeders"].append(("auth", seed.seed_demo))
    register(app, Profile())
    register(app, Tokens(app.extensions["redis"]))
