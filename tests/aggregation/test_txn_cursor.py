"""Page cursors: what is encoded comes back; any change to a cursor is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregation import txn_cursor
from aggregation.txn_cursor import Cursor, InvalidCursor, Walk

KEY = b"k" * 32
moments = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),
                       timezones=st.just(dt.UTC))
ids = st.text("0123456789abcdef", min_size=1, max_size=40)
cursors = st.builds(Cursor, ids, st.one_of(st.just("*"), ids), st.none() | moments,
                    st.none() | moments, st.sampled_from(list(Walk)),
                    st.none() | st.tuples(moments, ids, ids))


@given(cursors)
def test_a_cursor_comes_back_as_made(cursor):
    assert txn_cursor.decode(KEY, txn_cursor.encode(KEY, cursor)) == cursor


@given(cursors, st.data())
def test_any_changed_character_is_refused(cursor, data):
    token = txn_cursor.encode(KEY, cursor)
    at = data.draw(st.integers(0, len(token) - 1))
    swapped = "A" if token[at] != "A" else "B"
    forged = token[:at] + swapped + token[at + 1:]
    with pytest.raises(InvalidCursor):
        txn_cursor.decode(KEY, forged)


@given(st.text(max_size=200))
def test_garbage_is_refused_never_crashes(text):
    with pytest.raises(InvalidCursor):
        txn_cursor.decode(KEY, text)


def test_another_key_does_not_verify():
    token = txn_cursor.encode(KEY, Cursor("c", "*", None, None, Walk.OLDEST))
    with pytest.raises(InvalidCursor):
        txn_cursor.decode(b"x" * 32, token)
