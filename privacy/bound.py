"""The privacy use cases bound to one app's adapters (its key, its registered sources, consent's
revocation path, the access-log flusher, its metrics): what the CLI and the dashboard call."""

from __future__ import annotations

from functools import partial
from typing import Any

from prometheus_client import Counter
from sqlalchemy.orm import Session

from consent import access_log
from consent import adapters as consent_adapters
from consent import service as consent_service
from core.db import utcnow
from core.personal_data import hash_key, sources
from privacy import erasure, export, retention


def init_metrics(app: Any) -> None:
    registry = app.extensions["metrics"].registry
    app.extensions["privacy_metrics"] = {
        "purged": Counter("retention_purged_records_total",
                          "Records the retention purge removed, by kind of personal data",
                          ["kind"], registry=registry),
        "batches": Counter("retention_purge_batches_total",
                           "Purge batches committed, by kind of personal data", ["kind"],
                           registry=registry),
        "erasures": Counter("psu_erasures_total", "PSU erasures finished", registry=registry),
    }


def export_psu(app: Any, session: Session, psu_id: str) -> dict[str, Any]:
    access_log.for_app(app).flush()  # the access log up to this moment
    return export.export_psu(session, psu_id, key=hash_key(app), sources=sources(app),
                             now=utcnow())


def erase_psu(app: Any, session: Session, psu_id: str, *, requested_by: str,
              after_step=lambda _step: None) -> erasure.ErasureResult:
    access_log.for_app(app).flush()  # queued reads join the trail before the consents change
    end = partial(_end_consents, consent_adapters(app))
    result = erasure.erase_psu(session, psu_id, key=hash_key(app), sources=sources(app),
                               end_consents=end, requested_by=requested_by, now=utcnow(),
                               after_step=after_step)
    if not result.already_done:
        app.extensions["privacy_metrics"]["erasures"].inc()
    return result


def _end_consents(adapters, session: Session, subject) -> int:
    return consent_service.end_all_for_psu(session, subject, adapters=adapters)


def purge(app: Any) -> retention.PurgeReport:
    counters = app.extensions["privacy_metrics"]

    def count(kind: str, removed: int) -> None:
        counters["purged"].labels(kind).inc(removed)
        counters["batches"].labels(kind).inc()

    return retention.purge(app.extensions["session_factory"], sources(app), config=app.config,
                           now=utcnow(), batch=app.config["RETENTION_PURGE_BATCH"],
                           on_batch=count)
