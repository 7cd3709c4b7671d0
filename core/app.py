"""The application factory."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import flask_swagger_ui
from flask import Blueprint, Flask

from core import cli, health, home, pagesecurity, problems
from core.apidoc import FapiApi
from core.config import load_settings
from core.db import make_engine, make_session_factory
from core.kv import make_redis
from core.logging import configure_logging
from core.metrics import Metrics
from core.ratelimit import init_limiter
from core.warm import core_warmers
from core.web import init_request_hooks

API_TITLE = "Open Banking Hub"
API_VERSION = "1.0.0"

# Feature packages, each exposing init_app(app, api). Order decides OpenAPI tag order; the
# sandbox banks come after aggregation, whose registry says which clients they trust.
FEATURE_PACKAGES: tuple[str, ...] = ("auth", "aggregation", "consent", "cop", "status",
                                     "privacy", "sandbox")

SWAGGER_DIST = os.path.join(os.path.dirname(flask_swagger_ui.__file__), "dist")

API_DESCRIPTION = """\
Payee checks (UK Confirmation of Payee, EU Verification of Payee), consent-managed account
information across banks (UK Open Banking v4.0 shapes), and availability notices, behind an
OAuth 2.0 authorisation server that follows the FAPI 2.0 Security Profile.

Every error is `application/problem+json` (RFC 9457) with a stable `type`; every response carries
`x-fapi-interaction-id` (echoed when you send a valid UUID, generated otherwise).
"""


class ServiceApp(Flask):
    """Flask, remembering for each hook and view whether it must be wrapped as a coroutine:
    Flask asks `inspect` again for every hook on every request (eighteen times for a payee
    check), and the answer cannot change once the app is built."""

    SYNC_CACHE_LIMIT = 4096  # hooks and views are a few hundred; a bound on surprises

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synced: dict[Any, Any] = {}

    def ensure_sync(self, func):
        try:
            return self._synced[func]
        except KeyError:
            synced = super().ensure_sync(func)
            if len(self._synced) < self.SYNC_CACHE_LIMIT:
                self._synced[func] = synced
            return synced
        except TypeError:  # an unhashable callable: ask Flask each time
            return super().ensure_sync(func)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    settings = load_settings(overrides, FEATURE_PACKAGES)
    configure_logging(settings["LOG_LEVEL"])

    instance = Path(settings["INSTANCE_DIR"])
    instance.mkdir(parents=True, exist_ok=True)
    app = ServiceApp(__name__, instance_path=str(instance))
    app.config.update(settings)
    app.config.update(
        API_TITLE=API_TITLE,
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/docs/assets/swagger-ui/",
        OPENAPI_SWAGGER_UI_CONFIG={"deepLinking": True, "displayRequestDuration": True},
        API_SPEC_OPTIONS={"info": {"description": API_DESCRIPTION}},
        MAX_CONTENT_LENGTH=settings.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
    )

    engine = make_engine(settings["DATABASE_URL"])
    app.extensions["engine"] = engine
    app.extensions["session_factory"] = make_session_factory(engine)
    app.extensions["redis"] = make_redis(settings["REDIS_URL"])
    app.extensions["metrics"] = Metrics()
    app.extensions["demo_seeders"] = []
    core_warmers(app)

    app.json.sort_keys = False
    init_request_hooks(app)
    pagesecurity.init_app(app)
    init_limiter(app, settings["REDIS_URL"])
    api = FapiApi(app)
    app.extensions["api"] = api

    api.register_blueprint(health.blp)
    app.register_blueprint(problems.blp)
    app.register_blueprint(home.blp)
    app.register_blueprint(
        Blueprint(
            "docs_assets",
            __name__,
            static_folder=SWAGGER_DIST,
            static_url_path="/docs/assets/swagger-ui",
        )
    )
    cli.init_app(app)

    for name in FEATURE_PACKAGES:
        importlib.import_module(name).init_app(app, api)
    # Fast paths a package puts in front of Flask's dispatch (status: its public answers,
    # the same for every caller), each wrapping the app's WSGI callable.
    for fast_path in app.extensions.get("wsgi_fast_paths", ()):
        app.wsgi_app = fast_path(app.wsgi_app)
    return app
