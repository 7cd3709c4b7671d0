"""`core.kv.round_trip`: several commands in one write, their raw replies in order, on Redis
and on the embedded backend alike."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from core import kv

SCRIPT = 'return {redis.call("incrby", KEYS[1], ARGV[1]), redis.call("ttl", KEYS[1])}'


@pytest.fixture()
def client():
    return kv.make_redis(os.environ.get("REDIS_URL", ""))


def test_replies_come_back_raw_and_in_order(client):
    key, other = f"kv-test:{uuid.uuid4()}", f"kv-test:{uuid.uuid4()}"
    first = kv.round_trip(client, [("SET", key, 1, "NX", "EX", 60), ("MGET", key, other),
                                   ("EVAL", SCRIPT, 1, other, 2)])
    assert first == [b"OK", [b"1", None], [2, -1]]
    again = kv.round_trip(client, [("SET", key, 1, "NX", "EX", 60)])
    assert again == [None]  # SET NX refuses a key that exists: the replay check's answer


def test_an_error_reply_is_raised_after_every_reply_is_read(client):
    word, counter = f"kv-test:{uuid.uuid4()}", f"kv-test:{uuid.uuid4()}"
    client.set(word, "not a number", ex=60)
    with pytest.raises(redis.ResponseError):
        kv.round_trip(client, [("INCR", word), ("SET", counter, 7, "EX", 60)])
    assert client.get(counter) == b"7"  # the command after the error ran
    assert kv.round_trip(client, [("GET", counter)]) == [b"7"]  # the connection is in step


def test_a_failed_connection_is_retried_once_on_a_fresh_one(client, monkeypatch):
    key = f"kv-test:{uuid.uuid4()}"
    send, calls = kv._send, []

    def fails_first(redis_client, commands):
        calls.append(commands)
        if len(calls) == 1:
            raise redis.ConnectionError("connection reset")
        return send(redis_client, commands)

    monkeypatch.setattr(kv, "_send", fails_first)
    assert kv.round_trip(client, [("SET", key, 1, "EX", 60)]) == [b"OK"]
    assert len(calls) == 2



def test_a_connection_failing_twice_raises(client, monkeypatch):
    def down(_client, _commands):
        raise redis.ConnectionError("down")

    monkeypatch.setattr(kv, "_send", down)
    with pytest.raises(redis.ConnectionError):
        kv.round_trip(client, [("GET", "kv-test:any")])
