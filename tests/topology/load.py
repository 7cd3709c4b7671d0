"""Steady mixed traffic through the proxy for the soak: payee checks, consents written and
read back, the status summary and the caller's registration, each thread at a fixed pace.
Every answer is recorded with when it was asked, so what happened around each restart can be
read off afterwards."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx

from tests.topology.clients import dpop_tpp

AIS = "/open-banking/v4.0/aisp"
CHECK = {"SchemeName": "SortCodeAccountNumber", "AccountType": "Personal",
         "Identification": "04000412345678", "Name": "J Smith"}


@dataclass(frozen=True)
class Answer:
    at: float  # monotonic time the request was sent
    done: float  # … and answered
    op: str
    status: int  # 0: no answer (connection failed, timed out)
    retry_after: bool
    detail: str = ""


@dataclass
class Load:
    top: object
    threads: int = 4
    per_second: float = 6.0  # per thread
    mix: tuple[str, ...] = ("check", "consent", "read", "check", "status", "whoami")
    answers: list[Answer] = field(default_factory=list)
    consents: dict[str, float] = field(default_factory=dict)  # acknowledged id -> when
    checks_acknowledged: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for n in range(self.threads):
            worker = threading.Thread(target=self._run, args=(n,), daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)

    def _run(self, n: int) -> None:
        aisp = dpop_tpp(self.top.http(), self.top.demo["budgeting"])
        cop = dpop_tpp(self.top.http(), self.top.demo["payments"])
        accounts = aisp.client_token("accounts status")
        checks = cop.client_token("payee-checks")
        mine: list[str] = []
        ops = itertools.cycle(self.mix)
        period, next_at = 1 / self.per_second, time.monotonic() + n * 0.03
        while not self._stop.is_set():
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at += period
            op = next(ops)
            sent = time.monotonic()
            try:
                resp = self._send(op, aisp, cop, accounts, checks, mine)
                status, retry_after = resp.status_code, "Retry-After" in resp.headers
                detail = "" if status < 300 else resp.text[:200]
            except httpx.HTTPError as exc:
                resp, status, retry_after, detail = None, 0, False, repr(exc)
            answered = time.monotonic()
            with self._lock:
                self.answers.append(Answer(sent, answered, op, status, retry_after, detail))
                if op == "consent" and status == 201:
                    consent_id = resp.json()["Data"]["ConsentId"]
                    self.consents[consent_id] = answered
                    mine.append(consent_id)
                if op == "check" and status == 200:
                    self.checks_acknowledged += 1

    def _send(self, op, aisp, cop, accounts, checks, mine) -> httpx.Response:
        if op == "check":
            return cop.call("/cop/v1/name-verifications", checks, "POST", json={"Data": CHECK})
        if op == "consent":
            return aisp.call(f"{AIS}/account-access-consents", accounts, "POST", json={
                "Data": {"Permissions": ["ReadAccountsDetail", "ReadBalances"]}, "Risk": {}},
                headers={"x-idempotency-key": str(uuid.uuid4())})
        if op == "read" and mine:
            return aisp.call(f"{AIS}/account-access-consents/{mine[-1]}", accounts)
        if op == "whoami":
            return aisp.call("/tpp/client", accounts)
        return aisp.http.get("/status/v1/summary")

    def between(self, start: float, end: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if start <= a.at < end]
