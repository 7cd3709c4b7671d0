"""A consent mid-flow at a UK bank survives a deploy: the PSU went to the bank from one
instance of the service and comes back to another (a restarted process, a new worker, another
host behind the load balancer) sharing only the database and Redis. The flow's state, nonce
and PKCE verifier are in the database (sealed), never in a process; the answer is checked
against the state consent kept with the flow, so a flow sealed by an earlier release that kept
no copy of it among its secrets completes too, instead of failing once at the deploy."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

import consent
from consent import records
from consent.crypto import Sealed
from consent.models import ConsentBank
from core.app import create_app
from tests.consent import test_live_strict_banks as strict
from tests.consent.test_live_banks import to_consent_screen
from tests.consent.test_live_strict_banks import STRICT, statuses, to_bank_and_back

SHARED = ("DATABASE_URL", "REDIS_URL", "ISSUER", "SIGNING_KEYS_DIR", "TOKEN_ENCRYPTION_KEYS",
          "TESTING", "DEMO_DIR", "BANKS_FILE")


# the same live app: served on a free port, its strict UK banks mounted in it
port, app_settings, live = strict.port, strict.app_settings, strict.live


def after_deploy(app, base):
    """Another instance of the service: same settings and database, the banks where they
    were (here, mounted in the first instance)."""
    other = create_app({**{key: app.config[key] for key in SHARED},
                        "SANDBOX_BANKS_ENABLED": False, "SANDBOX_BASE_URL": base})
    if not app.config["REDIS_URL"]:
        other.extensions["redis"] = app.extensions["redis"]
    return other


def sealed_by_an_earlier_release(app, consent_id: str, bank_id: str) -> None:
    """Reseal the flow's secrets as the release before kept them: without `state`."""
    cipher = consent.adapters(app).cipher
    context = records.token_context(consent_id, bank_id, "flow")
    with app.extensions["session_factory"]() as session, session.begin():
        row = session.query(ConsentBank).filter_by(consent_id=consent_id,
                                                   bank_id=bank_id).one()
        key_id, _, ciphertext = row.flow_secrets.partition(":")
        flow = json.loads(cipher.open(Sealed(key_id, ciphertext), context))
        assert flow.pop("state")
        sealed = cipher.seal(json.dumps(flow), context)
        row.flow_secrets = f"{sealed.key_id}:{sealed.ciphertext}"


@pytest.mark.parametrize("earlier_release", [False, True])
@pytest.mark.parametrize("bank_id", sorted(STRICT))
def test_the_bank_answer_is_checked_by_an_instance_that_did_not_start_the_flow(
        live, bank_id, earlier_release):
    app, base, client = live
    on = to_consent_screen(base, client)
    back = to_bank_and_back(on.browser, on.screen, base, bank_id)
    if earlier_release:
        sealed_by_an_earlier_release(app, on.consent_id, bank_id)
    other = after_deploy(app, base)
    try:
        url = urlsplit(back)
        answer = dict(parse_qsl(url.fragment or url.query))
        answered = other.test_client().post(url.path, data=answer)
        assert answered.status_code == 303, answered.get_data(as_text=True)[:500]
        assert statuses(app, on.consent_id) == {bank_id: ("authorised", None)}
    finally:
        other.extensions["banks"].close()
        other.extensions["engine"].dispose()
    on.browser.close()
