"""The balance-type vocabularies, mapped to the one internal vocabulary and back."""

import pytest

from aggregation.connectors import vocabulary as v
from aggregation.domain import BalanceType


@pytest.mark.parametrize(("table", "out"), [(v.OB_V4, v.to_ob_v4), (v.OB_V31, v.to_ob_v31),
                                            (v.BERLIN_GROUP, v.to_berlin_group)])
def test_each_vocabulary_round_trips(table, out):
    assert len(set(table.values())) == len(table)  # one-to-one
    for word, balance_type in table.items():
        assert out(balance_type) == word


def test_the_same_balance_in_three_vocabularies():
    assert v.from_ob("ITAV") is v.from_ob("InterimAvailable") \
        is v.from_berlin_group("interimAvailable") is BalanceType.INTERIM_AVAILABLE
    assert v.from_ob("CLBD") is v.from_berlin_group("closingBooked") is BalanceType.CLOSING_BOOKED
    assert v.from_ob("XPCD") is v.from_ob("Expected") is v.from_berlin_group("expected")
    assert v.from_ob("PRCD") is BalanceType.PREVIOUSLY_CLOSED_BOOKED


def test_words_a_vocabulary_lacks():
    assert v.to_ob_v4(BalanceType.INTERIM_CLEARED) is None
    assert v.to_ob_v31(BalanceType.INTERIM_CLEARED) == "InterimCleared"
    assert v.to_berlin_group(BalanceType.INFORMATION) is None
    assert v.to_ob_v4(BalanceType.NON_INVOICED) is None
    assert v.from_ob("interimAvailable") is None and v.from_berlin_group("ITAV") is None


def test_every_internal_type_has_a_word_somewhere():
    words = set(v.OB_V4.values()) | set(v.OB_V31.values()) | set(v.BERLIN_GROUP.values())
    assert words == set(BalanceType)
