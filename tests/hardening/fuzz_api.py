"""`make fuzz`: schemathesis over every operation of the OpenAPI document, in-process.

Named `fuzz_api.py`, not `test_*.py`, so `make test` leaves it out: it runs once in CI through
`make fuzz`, with a fixed seed (`derandomize`) and a bounded number of examples per operation.

Each operation gets positive cases (valid by the schema, so they must succeed or fail with a
documented status) and negative ones (which must be refused, never a 5xx); a stateful phase
follows the consent links create → read → events → delete. Every answer goes through all of
schemathesis's checks: no 5xx, documented status, content type and schema, headers. The tally
(requests per operation, statuses, distinct failures) is written to `FUZZ_REPORT`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.hardening.fuzzing import (
    Credentials,
    Tally,
    load_schema,
    load_spec_dict,
    send,
    state_machine,
)

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
MIN_REQUESTS = 1000
REPORT = Path(os.environ.get("FUZZ_REPORT", "instance/fuzz-report.json"))
FUZZ_SETTINGS = dict(derandomize=True, database=None, deadline=None, print_blob=False,
                     suppress_health_check=list(HealthCheck),
                     phases=[Phase.explicit, Phase.generate])
TALLY = Tally()


@pytest.fixture(scope="module")
def fuzz_app(database_url, redis_url, tmp_path_factory):
    from core.app import create_app

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                      "ISSUER": "http://localhost", "TESTING": True, "RATELIMIT_ENABLED": False,
                      "SIGNING_KEYS_DIR": str(tmp_path_factory.mktemp("fuzz-keys"))})
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture(scope="module")
def credentials(fuzz_app):
    return Credentials(fuzz_app)


@pytest.fixture(scope="module")
def schema(fuzz_app):
    return load_schema(fuzz_app, load_spec_dict(fuzz_app))


def _labels() -> list[tuple[str, str]]:
    spec = json.loads((Path(__file__).resolve().parents[2] / "openapi/openapi.json").read_text())
    return [(path, method) for path, item in spec["paths"].items()
            for method in item if method in {"get", "post", "put", "patch", "delete"}]


def _cases() -> list[tuple[str, str, GenerationMode]]:
    """Positive cases for every operation; negative ones where there is input to negate."""
    spec = json.loads((Path(__file__).resolve().parents[2] / "openapi/openapi.json").read_text())
    cases = []
    for path, method in _labels():
        cases.append((path, method, GenerationMode.POSITIVE))
        operation = spec["paths"][path][method]
        if operation.get("parameters") or operation.get("requestBody") or "{" in path:
            cases.append((path, method, GenerationMode.NEGATIVE))
    return cases


def _fuzz(schema, credentials, path: str, method: str, mode: GenerationMode) -> None:
    operation = schema[path][method]

    @settings(max_examples=EXAMPLES, **FUZZ_SETTINGS)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        send(case, credentials, TALLY)

    try:
        run()
    except Unsatisfiable:
        # e.g. a free-form string path parameter: every value is valid, none can be negated
        pytest.skip(f"{method.upper()} {path}: no input the schema forbids")


@pytest.mark.parametrize("path,method,mode", _cases(),
                         ids=lambda v: getattr(v, "value", v))
def test_operation(schema, credentials, path, method, mode):
    _fuzz(schema, credentials, path, method, mode)
    label = f"{method.upper()} {path}"
    assert not TALLY.failures.get(label), "\n".join(TALLY.failures[label])


def test_operations_not_in_the_committed_document(schema, credentials):
    """With FUZZ_SPEC=app: what the code serves but the committed document lacks."""
    committed = set(_labels())
    results = list(schema.get_all_operations())
    broken = [str(r.err()) for r in results if not hasattr(r, "ok")]
    assert not broken, broken
    extra = [(op.path, op.method) for op in (r.ok() for r in results)
             if (op.path, op.method) not in committed]
    for path, method in extra:
        _fuzz(schema, credentials, path, method, GenerationMode.POSITIVE)
        operation = schema[path][method]
        if list(operation.iter_parameters()) or operation.body or "{" in path:
            _fuzz(schema, credentials, path, method, GenerationMode.NEGATIVE)
    labels = {f"{m.upper()} {p}" for p, m in extra}
    failed = {k: v for k, v in TALLY.failures.items() if k in labels}
    assert not failed, json.dumps(failed, indent=1)


def test_stateful_consent_lifecycle(schema, credentials):
    """Create → read → events → delete along the links, then a read of the deleted one."""
    ops = {k: schema[p][m] for k, (p, m) in {
        "create": (f"{AIS}/account-access-consents", "post"),
        "read": (AIS + "/account-access-consents/{ConsentId}", "get"),
        "events": (AIS + "/account-access-consents/{ConsentId}/events", "get"),
        "delete": (AIS + "/account-access-consents/{ConsentId}", "delete")}.items()}

    @settings(max_examples=EXAMPLES, **FUZZ_SETTINGS)
    @given(data=st.data())
    def run(data):
        created = send(data.draw(ops["create"].as_strategy()), credentials, TALLY)
        if created.status_code != 201:
            return
        consent_id = json.loads(created.content)["Data"]["ConsentId"]
        for step in ("read", "events", "delete", "read"):
            case = data.draw(ops[step].as_strategy(path_parameters={"ConsentId": consent_id}))
            answer = send(case, credentials, TALLY)
            assert answer.status_code in (200, 204), (step, answer.status_code,
                                                       answer.content[:300])
        assert json.loads(answer.content)["Data"]["Status"] == "CANC"

    run()
    assert not any(k.startswith(tuple(f"{m} {AIS}/account" for m in ("POST", "GET", "DELETE")))
                   and v for k, v in TALLY.failures.items()), TALLY.failures


def test_stateful_links(schema, credentials):
    """schemathesis's own state machine, following the links declared for consents."""
    machine = state_machine(schema, credentials, TALLY)
    machine.run(settings=settings(max_examples=EXAMPLES, stateful_step_count=6,
                                  **FUZZ_SETTINGS))
    assert not TALLY.failures, json.dumps(TALLY.failures, indent=1)


def unreached_statuses(summary: dict) -> dict[str, list[str]]:
    """Documented status codes the run never saw, per operation: each is either reachable only
    under a fault (503, 429 — the fault suite's job) or a candidate for removal."""
    spec = json.loads((Path(__file__).resolve().parents[2] / "openapi/openapi.json").read_text())
    unreached = {}
    for path, method in _labels():
        label = f"{method.upper()} {path}"
        seen = {str(code) for code in summary["statuses_by_operation"].get(label, {})}
        documented = {c for c in spec["paths"][path][method]["responses"] if c != "default"}
        if documented - seen:
            unreached[label] = sorted(documented - seen)
    return unreached


def test_request_budget_and_report():
    """Runs last (file order): the run sent enough requests; the tally is written out."""
    summary = TALLY.summary()
    summary["documented_but_unreached"] = unreached_statuses(summary)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(summary, indent=2))
    print(f"\nfuzz: {summary['requests']} requests, statuses {summary['statuses']}, "
          f"{sum(len(v) for v in summary['failures'].values())} distinct failures")
    assert summary["requests"] >= MIN_REQUESTS, summary["requests"]
