"""What `make fuzz` needs around schemathesis: the spec, real credentials, a tally.

Generated requests are worthless if they all stop at the token check, so every case is sent as
a real TPP would send it: a DPoP-bound access token of the role the operation's scope belongs
to, and a DPoP proof minted for that very request (method, URL, `ath`, fresh `jti`). The OAuth
endpoints get a valid client assertion in place of the generated one, so the generated grant
parameters reach the grant logic instead of failing client authentication.

The spec is the committed `openapi/openapi.json` (what TPP developers read); `FUZZ_SPEC=app`
fuzzes the document the running code serves instead, so endpoints not yet committed are covered.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import schemathesis
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from auth import registry
from tests.fixtures.auth import ISSUER, TestTpp, new_key

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
ROLE_OF_SCOPE = {"accounts": "AISP", "payee-checks": "COP", "payee-directory": "ASPSP",
                 "status-admin": "STATUS_ADMIN", "status": "AISP"}
OAUTH_FORMS = {"/par", "/token", "/introspect", "/revoke"}
TOKEN_TTL = 200  # seconds; access tokens live 300 s, and a fuzz run must not outlive one


def load_spec_dict(app) -> dict:
    if os.environ.get("FUZZ_SPEC") == "app":
        return app.test_client().get("/openapi.json").get_json()
    return json.loads(SPEC_PATH.read_text())


def with_consent_links(spec: dict) -> dict:
    """OpenAPI links for the consent lifecycle (create → read, events, delete), so the
    stateful phase walks real consents rather than guessing ids."""
    spec = copy.deepcopy(spec)
    paths = spec.get("paths", {})
    created = paths.get(f"{AIS}/account-access-consents", {}).get("post", {}).get("responses", {})
    if "201" not in created:
        return spec
    param = {"ConsentId": "$response.body#/Data/ConsentId"}
    links = {}
    one = AIS + "/account-access-consents/{ConsentId}"
    for name, (path, method) in {"ReadConsent": (one, "get"),
                                 "ConsentEvents": (one + "/events", "get"),
                                 "DeleteConsent": (one, "delete")}.items():
        if method in paths.get(path, {}):
            links[name] = {"operationRef": f"#/paths/{path.replace('/', '~1')}/{method}",
                           "parameters": param}
    created["201"]["links"] = links
    return spec


def make_fuzz_tpp(app, roles: tuple[str, ...], name: str) -> TestTpp:
    key = new_key("ES256")
    key_dict = {**key.as_dict(private=False), "kid": key.thumbprint()}
    from joserfc import jwk

    key = jwk.import_key({**key.as_dict(private=True), "kid": key_dict["kid"]})
    with app.extensions["session_factory"]() as session, session.begin():
        client = registry.register_client(
            session, name=name, roles=roles, jwks={"keys": [key_dict]},
            redirect_uris=["https://tpp.example/callback"], auth_method="private_key_jwt")
        client_id = client.client_id
    tpp = TestTpp(app, client_id=client_id, name=name, roles=roles, key=key, alg="ES256",
                  binding="dpop", cert=None, redirect_uri="https://tpp.example/callback")
    tpp.auth_method = "private_key_jwt"
    return tpp


@dataclass
class Tally:
    """Requests sent and distinct failures, by operation."""

    requests: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    by_status: dict[str, Counter] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)

    def record_failure(self, label: str, text: str) -> None:
        seen = self.failures.setdefault(label, [])
        if text not in seen and len(seen) < 20:
            seen.append(text)

    def summary(self) -> dict:
        return {"requests": sum(self.requests.values()), "by_operation": dict(self.requests),
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "statuses_by_operation": {k: dict(sorted(v.items()))
                                          for k, v in self.by_status.items()},
                "failures": self.failures}


class Credentials:
    """One TPP per role, tokens refreshed before they expire, a proof per request."""

    def __init__(self, app):
        self.app = app
        self.tpps = {role: make_fuzz_tpp(app, (role,), f"Fuzz {role}")
                     for role in ("AISP", "COP", "ASPSP", "STATUS_ADMIN")}
        self._tokens: dict[str, tuple[float, str]] = {}

    def token(self, scope: str) -> tuple[TestTpp, str]:
        tpp = self.tpps[ROLE_OF_SCOPE.get(scope, "AISP")]
        minted = self._tokens.get(scope)
        if minted is None or time.monotonic() - minted[0] > TOKEN_TTL:
            minted = (time.monotonic(), tpp.token(scope))
            self._tokens[scope] = minted
        return tpp, minted[1]

    def psu_token(self) -> tuple[TestTpp, str]:
        """A token alice authorised for a consent (account data needs a PSU behind it)."""
        if not hasattr(self, "_psu"):
            from auth import psu
            from tests.fixtures.auth import PSU_PASSWORD
            from tests.hardening.flows import authorised_consent, install_bank

            install_bank(self.app)
            with self.app.extensions["session_factory"]() as session, session.begin():
                psu.create_psu(session, "fuzz-alice", PSU_PASSWORD)
            granted = authorised_consent(self.tpps["AISP"], "fuzz-alice")
            self._psu = (self.tpps["AISP"], granted.psu_token)
        return self._psu

    def registration_token(self) -> str:
        with self.app.extensions["session_factory"]() as session, session.begin():
            return registry.issue_registration_token(session, ("AISP",))

    def apply(self, case) -> None:
        """Put real credentials on a generated case, leaving the generated rest alone."""
        op = case.operation
        headers = dict(case.headers or {})
        scopes = [s for req in (op.definition.raw.get("security") or [])
                  for name, s in req.items() if name == "oauth2"]
        if scopes:
            scope = (scopes[0] or ["status"])[0]
            if scope == "accounts" and not op.path.startswith(f"{AIS}/account-access-consents"):
                tpp, token = self.psu_token()
            else:
                tpp, token = self.token(scope)
            headers["Authorization"] = f"DPoP {token}"
            headers["DPoP"] = tpp.dpop_proof(op.method.upper(), ISSUER + case.formatted_path,
                                             token)
        elif op.path == "/register":
            headers["Authorization"] = f"Bearer {self.registration_token()}"
        elif op.path in OAUTH_FORMS and isinstance(case.body, dict):
            tpp = self.tpps["AISP"]
            case.body = {**case.body, **tpp.auth_form()}
            case.body.pop("client_id", None)
            if op.path in ("/par", "/token"):
                headers["DPoP"] = tpp.dpop_proof("POST", ISSUER + op.path)
        case.headers = headers


# Schema-valid is not valid: a generated authorisation code, an expiry in the past or an OB
# permission set without ReadAccountsBasic are refused with a documented 400, correctly.
EXCLUDED_CHECKS = [positive_data_acceptance]


def record(case, response, tally: Tally, validate) -> None:
    """Count one answer and run every schemathesis check on it, keeping distinct failures."""
    label = f"{case.operation.method.upper()} {case.operation.path}"
    tally.requests[label] += 1
    tally.statuses[response.status_code] += 1
    tally.by_status.setdefault(label, Counter())[response.status_code] += 1
    try:
        validate()
    except FailureGroup as group:
        for failure in group.exceptions:
            tally.record_failure(label, f"{type(failure).__name__}: {failure.title} "
                                        f"[{response.status_code}] {failure.message[:300]}")
    except AssertionError as exc:  # a single failed check
        tally.record_failure(label, f"[{response.status_code}] {str(exc)[:400]}")


def send(case, credentials: Credentials, tally: Tally):
    """Send one case in-process with real credentials; check and count the answer."""
    credentials.apply(case)
    response = case.call()
    record(case, response, tally,
           lambda: case.validate_response(response, excluded_checks=EXCLUDED_CHECKS))
    return response


def state_machine(schema, credentials: Credentials, tally: Tally):
    """schemathesis's stateful test along the spec's links, with our credentials per call."""
    base = schema.as_state_machine()

    class Machine(base):
        def before_call(self, case):
            credentials.apply(case)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            record(case, response, tally, lambda: case.validate_response(
                response, excluded_checks=EXCLUDED_CHECKS, transport_kwargs=kwargs or None))

    return Machine


def load_schema(app, spec: dict):
    schema = schemathesis.openapi.from_dict(with_consent_links(spec))
    schema.app = app
    return schema
