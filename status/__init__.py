"""Availability for TPPs: downtime notices (planned and unplanned), measured availability of
our APIs and of each bank, the status page, an Atom feed, JSON for machines, and signed
webhooks sent from a transactional outbox."""

from __future__ import annotations

from status import (
    admin_api,
    cli,
    context,
    fastpath,
    observer,
    pages,
    publiccache,
    seed,
    webhooks_api,
)
from status import api as public_api
from status.measure import Recorder
from status.runtime import StatusRuntime, StatusSettings
from status.worker import BackgroundWorker


def init_app(app, api) -> None:
    runtime = StatusRuntime(
        session_factory=app.extensions["session_factory"],
        redis=app.extensions["redis"],
        settings=StatusSettings.from_config(app.config),
        base_url=app.config["ISSUER"],
        banks_provider=lambda: app.extensions.get("banks"),
    )
    runtime.recorder = Recorder(runtime.redis, runtime.settings.measure_flush_seconds)
    runtime.public_cache = publiccache.PublicCache(runtime.redis)
    publiccache.watch(app.extensions["session_factory"], runtime.public_cache)
    app.extensions["status"] = runtime
    context.remember(runtime)

    api.register_blueprint(public_api.blp)
    api.register_blueprint(admin_api.blp)
    api.register_blueprint(webhooks_api.blp)
    app.register_blueprint(pages.blp)
    observer.init_app(app, runtime)
    fastpath.mount(app)
    cli.init_app(app)
    app.extensions["demo_seeders"].append(("status", seed.seed))

    worker = BackgroundWorker(runtime)
    app.extensions["status_worker"] = worker
    if worker.wanted(app.testing or app.config.get("TESTING", False)):
        app.before_request(worker.ensure_started)
