"""JSON log lines carrying the interaction id, with secrets and identifiers masked."""

from __future__ import annotations

import json
import logging

from hypothesis import given
from hypothesis import strategies as st

from core.logging import get_logger, mask_text, redact

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path


def test_every_line_of_a_request_carries_its_interaction_id(client, capsys):
    iid = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    client.get("/healthz", headers={"x-fapi-interaction-id": iid})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    request_lines = [line for line in lines if line.get("event") == "request"]
    assert request_lines and all(line["interaction_id"] == iid for line in request_lines)
    assert request_lines[-1]["status"] == 200


def test_sensitive_keys_and_values_are_masked(capsys):
    logging.getLogger().setLevel(logging.INFO)
    get_logger("t").info(
        "check",
        access_token="eyJhbGciOi.eyJzdWIiOi.sig",
        holder_name="Jane Doe",
        note="paid GB82WEST12345698765432 and 12345678 with Bearer abc.def",
    )
    out = capsys.readouterr().out
    line = json.loads(out.strip().splitlines()[-1])
    assert line["access_token"] == "[REDACTED]"
    assert line["holder_name"] == "[REDACTED]"
    for secret in ("Jane", "GB82WEST", "12345678", "abc.def", "eyJ"):
        assert secret not in out


@given(st.text())
def test_mask_text_never_raises(text):
    assert isinstance(mask_text(text), str)


def test_redact_keeps_safe_keys():
    event = redact(None, "info", {"event": "x", "status": 200, "endpoint": f"{AIS}/accounts"})
    assert event == {"event": "x", "status": 200, "endpoint": f"{AIS}/accounts"}


def test_an_interaction_id_with_an_all_digit_group_is_logged_whole(client, capsys):
    iid = "12345678-5717-4562-b3fc-2c963f66afa6"  # its first group looks like an account number
    client.get("/healthz", headers={"x-fapi-interaction-id": iid})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert [line["interaction_id"] for line in lines if line.get("event") == "request"] == [iid]


def test_ids_that_are_wholly_uuids_are_logged_whole_and_nothing_else_is():
    consent_id = "aac-12345678-5717-4562-b3fc-2c963f66afa6"
    event = redact(None, "info", {
        "event": "x", "consent_id": consent_id, "request_id": consent_id[4:],
        "detail": f"consent {consent_id} for account 12345678",
        "token": consent_id})
    assert event["consent_id"] == consent_id and event["request_id"] == consent_id[4:]
    assert "12345678" not in event["detail"]  # a UUID inside other text: masked as before
    assert event["token"] == "[REDACTED]"  # a sensitive key stays redacted, UUID or not


@given(st.uuids(), st.sampled_from(["", "aac-", "job-"]))
def test_any_uuid_id_survives_redaction(value, prefix):
    assert redact(None, "info", {"consent_id": f"{prefix}{value}"})["consent_id"] == \
        f"{prefix}{value}"
