"""Every OB v4.0 AIS operation, success and each error, through HTTP with real tokens, each
answer validated against the schema derived from the official v4.0 file (ob_v4_schemas.py).

A TPP with a client generated from the official file validates exactly this: the status the
profile names, the body schema of that status (none for 204), `x-fapi-interaction-id` on every
answer. CASES is the matrix of operations × outcomes; every row is one validated answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from aggregation import api as aggregation_api
from tests.aggregation.test_api import TEST_KEYS, authorise
from tests.conformance.ob_v4_schemas import violations
from tests.consent.conftest import consent_body

AIS = "/open-banking/v4.0/aisp"
CONSENTS = f"{AIS}/account-access-consents"
PSU_IP = {"x-fapi-customer-ip-address": "203.0.113.9"}


@pytest.fixture
def app_settings():
    return {"TOKEN_ENCRYPTION_KEYS": TEST_KEYS, "RATELIMIT_ENABLED": False}


@pytest.fixture
def agg_app(app):
    if "aggregation" not in app.blueprints:
        app.extensions["api"].register_blueprint(aggregation_api.blp)
    yield app
    app.extensions["aggregation"].fanout.shutdown()


@dataclass
class World:
    """What a case may need: the TPP (client-credentials tokens), a consent a PSU authorised
    at two banks with its DPoP-bound token, and one of its AccountIds."""

    app: object
    make_tpp: Callable
    make_psu: Callable
    _setup: object = None

    @property
    def setup(self):
        if self._setup is None:
            self._setup = authorise(self.app, self.make_tpp, self.make_psu, ["alpha", "beta"])
        return self._setup

    @property
    def tpp(self):
        return self.setup.tpp

    def psu(self, method, path, headers=None):
        return self.tpp.request(method, path, token=self.setup.token,
                                headers={**PSU_IP, **(headers or {})})

    def cc(self, method, path, headers=None, json=None):
        return self.tpp.request(method, path, scope="accounts", headers=headers, json=json)

    def account_id(self) -> str:
        return self.psu("GET", f"{AIS}/accounts").get_json()["Data"]["Account"][0]["AccountId"]

    def raw(self, method, path, *, data: bytes, content_type: str):
        """A body that is not JSON, sent with the same token and DPoP proof as any request."""
        token = self.tpp.token("accounts")
        headers = {"Authorization": f"DPoP {token}", "Content-Type": content_type,
                   **self.tpp.binding_headers(method, path, token)}
        return self.tpp.client.open(path, method=method, data=data, headers=headers)


@pytest.fixture
def world(agg_app, make_tpp, make_psu):
    return World(agg_app, make_tpp, make_psu)


def _reduced_consent(world: World):
    """A PSU token whose consent lacks ReadBalances."""
    setup = authorise(world.app, world.make_tpp, world.make_psu, ["alpha"],
                      permissions=("ReadAccountsBasic",), username="bob")
    return setup.tpp.request("GET", f"{AIS}/balances", token=setup.token, headers=PSU_IP)


def _created(world: World):
    return world.cc("POST", CONSENTS, json=consent_body())


def _consent_id(world: World) -> str:
    return _created(world).get_json()["Data"]["ConsentId"]


def _reuse_key(world: World):
    world.cc("POST", CONSENTS, headers={"x-idempotency-key": "k-1"}, json=consent_body())
    return world.cc("POST", CONSENTS, headers={"x-idempotency-key": "k-1"},
                    json=consent_body(("ReadAccountsDetail",)))


ERROR = "OBErrorResponse1"
# (operation, outcome, call, status, schema of the body or None, ErrorCode expected or None)
CASES = [
    ("CreateAccountAccessConsents", "created", _created, 201, "OBReadConsentResponse1", None),
    ("CreateAccountAccessConsents", "invalid permissions",
     lambda w: w.cc("POST", CONSENTS, json=consent_body(("ReadNothing",))), 400, ERROR, "U002"),
    ("CreateAccountAccessConsents", "unknown member",
     lambda w: w.cc("POST", CONSENTS, json={**consent_body(), "Extra": {}}), 400, ERROR, "U005"),
    ("CreateAccountAccessConsents", "body not JSON",
     lambda w: w.raw("POST", CONSENTS, data=b"<xml/>", content_type="application/xml"),
     415, ERROR, "U006"),
    ("CreateAccountAccessConsents", "Accept application/xml",
     lambda w: w.cc("POST", CONSENTS, headers={"Accept": "application/xml"},
                    json=consent_body()), 406, ERROR, "U006"),
    ("CreateAccountAccessConsents", "no token",
     lambda w: w.app.test_client().post(CONSENTS, json=consent_body()), 401, ERROR, "TK01"),
    ("CreateAccountAccessConsents", "role without AISP",
     lambda w: w.make_tpp(roles=("COP",), name="Checker").request(
         "POST", CONSENTS, scope="payee-checks", json=consent_body()), 403, ERROR, None),
    ("CreateAccountAccessConsents", "idempotency key reused", _reuse_key, 409, ERROR, "U029"),
    ("CreateAccountAccessConsents", "bad x-fapi-interaction-id",
     lambda w: w.cc("POST", CONSENTS, headers={"x-fapi-interaction-id": "not-a-uuid"},
                    json=consent_body()), 400, ERROR, "U006"),
    ("CreateAccountAccessConsents", "bad x-fapi-auth-date",
     lambda w: w.cc("POST", CONSENTS, headers={"x-fapi-auth-date": "2017-09-10T19:43:31Z"},
                    json=consent_body()), 400, ERROR, "U006"),
    ("CreateAccountAccessConsents", "method not allowed",
     lambda w: w.cc("PUT", CONSENTS, json=consent_body()), 405, ERROR, None),
    ("GetAccountAccessConsentsConsentId", "read",
     lambda w: w.cc("GET", f"{CONSENTS}/{_consent_id(w)}"), 200, "OBReadConsentResponse1",
     None),
    ("GetAccountAccessConsentsConsentId", "unknown ConsentId",
     lambda w: w.cc("GET", f"{CONSENTS}/aac-{uuid.uuid4()}"), 400, ERROR, "U011"),
    ("GetAccountAccessConsentsConsentId", "Accept application/xml",
     lambda w: w.cc("GET", f"{CONSENTS}/{_consent_id(w)}", headers={"Accept": "application/xml"}),
     406, ERROR, "U006"),
    ("DeleteAccountAccessConsentsConsentId", "deleted",
     lambda w: w.cc("DELETE", f"{CONSENTS}/{_consent_id(w)}"), 204, None, None),
    ("DeleteAccountAccessConsentsConsentId", "unknown ConsentId",
     lambda w: w.cc("DELETE", f"{CONSENTS}/aac-{uuid.uuid4()}"), 400, ERROR, "U011"),
    ("GetAccounts", "read", lambda w: w.psu("GET", f"{AIS}/accounts"), 200, "OBReadAccount6",
     None),
    ("GetAccounts", "client-credentials token",
     lambda w: w.cc("GET", f"{AIS}/accounts"), 403, ERROR, None),
    ("GetAccounts", "no token",
     lambda w: w.app.test_client().get(f"{AIS}/accounts"), 401, ERROR, "TK01"),
    ("GetAccounts", "invalid x-fapi-customer-ip-address",
     lambda w: w.psu("GET", f"{AIS}/accounts", {"x-fapi-customer-ip-address": "not-an-ip"}),
     400, ERROR, "U006"),
    ("GetAccounts", "Accept application/xml",
     lambda w: w.psu("GET", f"{AIS}/accounts", {"Accept": "application/xml"}), 406, ERROR,
     "U006"),
    ("GetAccountsAccountId", "read",
     lambda w: w.psu("GET", f"{AIS}/accounts/{w.account_id()}"), 200, "OBReadAccount6", None),
    ("GetAccountsAccountId", "unknown AccountId",
     lambda w: w.psu("GET", f"{AIS}/accounts/acc-unknown"), 400, ERROR, "U011"),
    ("GetAccountsAccountIdBalances", "read",
     lambda w: w.psu("GET", f"{AIS}/accounts/{w.account_id()}/balances"), 200,
     "OBReadBalance1", None),
    ("GetAccountsAccountIdBalances", "unknown AccountId",
     lambda w: w.psu("GET", f"{AIS}/accounts/acc-unknown/balances"), 400, ERROR, "U011"),
    ("GetBalances", "read", lambda w: w.psu("GET", f"{AIS}/balances"), 200, "OBReadBalance1",
     None),
    ("GetBalances", "unattended read (no PSU IP)",
     lambda w: w.tpp.request("GET", f"{AIS}/balances", token=w.setup.token), 200,
     "OBReadBalance1", None),
    ("GetBalances", "client-credentials token",
     lambda w: w.cc("GET", f"{AIS}/balances"), 403, ERROR, None),
    ("GetBalances", "consent without ReadBalances", _reduced_consent, 403, ERROR, "U008"),
    ("GetBalances", "no token",
     lambda w: w.app.test_client().get(f"{AIS}/balances"), 401, ERROR, "TK01"),
    ("GetBalances", "invalid x-fapi-customer-ip-address",
     lambda w: w.psu("GET", f"{AIS}/balances", {"x-fapi-customer-ip-address": "not-an-ip"}),
     400, ERROR, "U006"),
    ("GetBalances", "bad x-fapi-auth-date",
     lambda w: w.psu("GET", f"{AIS}/balances", {"x-fapi-auth-date": "yesterday"}), 400, ERROR,
     "U006"),
    ("GetBalances", "Accept application/xml",
     lambda w: w.psu("GET", f"{AIS}/balances", {"Accept": "application/xml"}), 406, ERROR,
     "U006"),
    ("GetBalances", "method not allowed",
     lambda w: w.app.test_client().post(f"{AIS}/balances", json={}), 405, ERROR, None),
    ("(no such endpoint)", "unknown path",
     lambda w: w.app.test_client().get(f"{AIS}/no-such-resource"), 404, ERROR, None),
]


@pytest.mark.parametrize(("operation", "outcome", "call", "status", "schema", "code"),
                         CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_answer_is_valid_against_the_v4_schema(world, operation, outcome, call, status, schema,
                                               code):
    answer = call(world)
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    assert answer.headers.get("x-fapi-interaction-id")
    if schema is None:
        assert answer.get_data() == b""
        return
    assert answer.mimetype == "application/json"
    body = answer.get_json()
    assert violations(body, schema) == []
    if code is not None:
        assert code in [e["ErrorCode"] for e in body["Errors"]]


def test_aggregation_extras_only_when_asked(world):
    plain = world.psu("GET", f"{AIS}/balances").get_json()
    assert "Aggregation" not in plain and set(plain["Meta"]) == {"TotalPages"}
    extra = world.psu("GET", f"{AIS}/balances?include=aggregation").get_json()
    assert {b["BankId"] for b in extra["Aggregation"]["Banks"]} == {"alpha", "beta"}
    assert extra["Aggregation"]["PsuPresent"] is True and extra["Aggregation"]["Totals"]
    assert extra["Data"] == plain["Data"]
    refused = world.psu("GET", f"{AIS}/balances?include=everything")
    assert refused.status_code == 400
    assert refused.get_json()["Errors"][0] == {
        "ErrorCode": "U002", "Message": "Only 'aggregation' is known", "Path": "include"}


def test_an_invalid_customer_ip_is_not_psu_present(world):
    """Refused before the read, so it never counts as present nor spends the allowance."""
    calls = sum(len(c.calls) for c in world.setup.connectors.values())
    answer = world.psu("GET", f"{AIS}/balances?include=aggregation",
                       {"x-fapi-customer-ip-address": "not-an-ip"})
    assert answer.status_code == 400
    assert sum(len(c.calls) for c in world.setup.connectors.values()) == calls


def test_the_schemas_catch_what_the_official_file_refuses():
    """The derived schemas are strict where the official one is: a v3.1 name, a member of
    ours in Meta, an RFC 9457 member beside Errors, a product name as AccountTypeCode."""
    account = {"Data": {"Account": [{"AccountId": "a1", "AccountType": "Personal"}]}}
    assert violations(account, "OBReadAccount6")
    girokonto = {"Data": {"Account": [{"AccountId": "a1", "AccountTypeCode": "Girokonto"}]}}
    assert violations(girokonto, "OBReadAccount6")
    meta = {"Data": {"Balance": []}, "Meta": {"TotalPages": 1, "Banks": []}}
    assert len(violations(meta, "OBReadBalance1")) == 2  # Banks, and Balance needs an item
    problem = {"type": "/problems/x", "Errors": [{"ErrorCode": "U011"}]}
    assert violations(problem, "OBErrorResponse1")
    assert violations({"Errors": [{"ErrorCode": "UK.OBIE.Resource.NotFound"}]},
                      "OBErrorResponse1")
    assert violations({"Errors": []}, "OBErrorResponse1")


def test_the_openapi_document_describes_ob_errors_as_ob_error_response_1(client):
    """A client generated from our document parses every OB error: each error response of
    each OB operation is OBErrorResponse1, which admits no member beside the four."""
    spec = client.get("/openapi.json").get_json()
    error_schema = spec["components"]["schemas"]["OBErrorResponse1"]
    assert error_schema["additionalProperties"] is False
    assert set(error_schema["properties"]) == {"Id", "Code", "Message", "Errors"}
    operations = [(path, method, op) for path, ops in spec["paths"].items()
                  if path.startswith(AIS) for method, op in ops.items() if method != "parameters"]
    assert len(operations) == 10  # consents (4), accounts (2), balances (2), transactions (2)
    for path, method, operation in operations:
        for code, response in operation["responses"].items():
            if code == "default" or code.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/OBErrorResponse1"}, (
                    path, method, code)
