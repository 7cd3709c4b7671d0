"""What the status package tells a read (planned downtime per bank) and what a read tells it
(each bank call's result), so neither can slow down or fail a read."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy.orm import Session

from aggregation.fanout import Outcome, Status
from core.db import unit_of_work
from core.logging import get_logger

HEALTH = {Status.OK: True, Status.TIMEOUT: False, Status.ERROR: False}
DOWNTIME_SECONDS = 10.0  # how long a planned-downtime answer is reused in this process

log = get_logger("aggregation.service")


class StatusExchange:
    """Part of `service.Aggregator`: uses its `planned_downtime`, `record_calls`,
    `report_calls`, `session_factory` and `utcnow`, and keeps `_downtime`."""

    def _under_downtime(self, session: Session, bank_id: str, now: dt.datetime) -> bool:
        """Asks the status package, in a transaction of its own (so a read it begins never
        swallows the audit write that follows); if it cannot answer, the bank is called."""
        if self.planned_downtime is None:
            return False
        remembered = self._downtime.get(bank_id)
        if remembered is not None and remembered[0] > time.monotonic():
            return remembered[1]
        if remembered is not None and self.report_calls is not None and self.session_factory:
            # Stale: answer with it and refresh off the request thread (a query per bank,
            # serial before the fan-out, was a visible share of a cold read's latency).
            self._downtime[bank_id] = (time.monotonic() + DOWNTIME_SECONDS, remembered[1])
            self.report_calls(lambda: self._refresh_downtime(bank_id))
            return remembered[1]
        verdict = self._ask_downtime(session, bank_id, now)
        self._downtime[bank_id] = (time.monotonic() + DOWNTIME_SECONDS, verdict)
        return verdict

    def _refresh_downtime(self, bank_id: str) -> None:
        with self.session_factory() as session:
            verdict = self._ask_downtime(session, bank_id, self.utcnow())
        self._downtime[bank_id] = (time.monotonic() + DOWNTIME_SECONDS, verdict)

    def _ask_downtime(self, session: Session, bank_id: str, now: dt.datetime) -> bool:
        try:
            with unit_of_work(session):
                return bool(self.planned_downtime(session, bank_id, now))
        except Exception as exc:  # noqa: BLE001 - availability data must not fail a read
            log.warning("planned_downtime_unavailable", bank_id=bank_id,
                        error_type=type(exc).__name__)
            return False

    def _report_calls(self, outcomes: dict[str, Outcome]) -> None:
        """Tell the status package each call's result: one Redis round trip for the read, in
        production off the request thread (`report_calls`)."""
        for bank_id, outcome in outcomes.items():
            if outcome.attempts > 1:  # a bank that needed retries: worth seeing in the logs
                log.info("bank_call_retried", bank_id=bank_id, attempts=outcome.attempts,
                         status=str(outcome.status), error_type=outcome.error_type,
                         latency_ms=outcome.latency_ms)
        record = self.record_calls
        reports = [(b, o.ok, o.latency_ms or 0.0) for b, o in outcomes.items()
                   if o.status in HEALTH]
        if record is None or not reports:
            return

        def report() -> None:
            try:
                record(reports)
            except Exception as exc:  # noqa: BLE001 - measuring must not fail a read
                log.warning("record_bank_calls_failed", banks=len(reports),
                            error_type=type(exc).__name__)

        if self.report_calls is None:
            report()
        else:
            self.report_calls(report)

