"""Look for values in every table and every Redis key: what "nothing of them remains" means."""

from __future__ import annotations

from sqlalchemy import inspect, text


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def database_hits(engine, values: list[str]) -> list[str]:
    hits = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                blob = " ".join(_text(v) for v in row if v is not None)
                hits += [f"{table}: {v!r}" for v in values if v in blob]
    return hits


def redis_hits(client, values: list[str]) -> list[str]:
    hits = []
    for key in client.scan_iter(count=1000):
        kind = _text(client.type(key))
        if kind == "string":
            content = [client.get(key)]
        elif kind == "hash":
            content = [x for kv in client.hgetall(key).items() for x in kv]
        elif kind == "list":
            content = client.lrange(key, 0, -1)
        elif kind in ("set", "zset"):
            content = list(client.smembers(key)) if kind == "set" else client.zrange(key, 0, -1)
        elif kind == "stream":
            content = [x for _, fields in client.xrange(key) for kv in fields.items()
                       for x in kv]
        else:
            content = []
        blob = _text(key) + " " + " ".join(_text(c) for c in content if c is not None)
        hits += [f"redis {_text(key)}: {v!r}" for v in values if v in blob]
    return hits
