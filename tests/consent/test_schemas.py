"""The response schemas the consent views dump their answers through."""

from __future__ import annotations

import datetime as dt

from consent.schemas import ConsentEventsResponse, OBReadConsentResponse1

CREATED = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def document(**data):
    return {"Data": {"ConsentId": "aac-1", "Status": "AWAU", "StatusReason": [],
                     "CreationDateTime": CREATED, "StatusUpdateDateTime": CREATED,
                     "Permissions": ["ReadBalances"], **data},
            "Risk": {}, "Links": {"Self": "https://x/aac-1"}, "Meta": {"TotalPages": 1}}


def test_times_are_utc_to_the_second_with_an_offset():
    paris = dt.timezone(dt.timedelta(hours=1))  # CET in January
    data = OBReadConsentResponse1().dump(document(
        ExpirationDateTime=dt.datetime(2027, 1, 1, 1, 0, tzinfo=paris)))["Data"]
    assert data["CreationDateTime"] == "2026-03-01T09:30:15+00:00"
    assert data["ExpirationDateTime"] == "2027-01-01T00:00:00+00:00"


def test_a_replayed_answer_holding_text_is_sent_as_first_written():
    first = OBReadConsentResponse1().dump(document())
    assert OBReadConsentResponse1().dump(first) == first


def test_members_in_their_published_order_and_nothing_undeclared():
    data = OBReadConsentResponse1().dump(document(TransactionFromDateTime=CREATED,
                                                  _internal="x"))["Data"]
    assert list(data) == ["ConsentId", "Status", "StatusReason", "CreationDateTime",
                          "StatusUpdateDateTime", "Permissions", "TransactionFromDateTime"]


def test_events_keep_their_hash_chain_members():
    event = {"Sequence": 1, "DateTime": "2026-03-01T09:30:15+00:00", "Actor": "psu",
             "Action": "consent.authorised", "Details": {"accounts": 2},
             "InteractionId": None, "PreviousHash": "0" * 64, "Hash": "a" * 64}
    body = {"Data": {"ConsentId": "aac-1", "Event": [event]}, "Links": {"Self": "s"},
            "Meta": {"TotalPages": 1}}
    assert ConsentEventsResponse().dump(body) == body
