"""Checks against a real database: every directory outcome, both schemes, bulk, audit, jobs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cop import service
from cop.codes import EuCode, UkReason
from cop.errors import DisclosureLimited
from cop.matcher_pool import MatcherPool
from cop.models import CheckAudit
from cop.service import EU, UK, CopAdapters, EuCheck, UkCheck, keyed_hash

from .conftest import DE_BUSINESS_IBAN, DE_IBAN

KEY = b"k" * 32


@pytest.fixture
def adapters():
    return CopAdapters(audit_key=KEY)


def audit_count(session) -> int:
    """Read outside the services' transactions, then end the read transaction."""
    count = session.scalar(select(func.count()).select_from(CheckAudit))
    session.rollback()
    return count


def uk(number, name, kind="personal", sort_code="040004", secondary=None, ref=None):
    return UkCheck(sort_code, number, kind, name, secondary, ref)


@pytest.mark.parametrize(
    ("number", "name", "kind", "matched", "reason", "disclosed"),
    [
        ("12345678", "John Smith", "personal", True, None, None),
        ("12345678", "Mr J Smith", "personal", False, UkReason.MBAM, "John Andrew Smith"),
        ("12345678", "Andrew Smith", "personal", False, UkReason.ANNM, None),
        ("12345678", "John Smith", "business", False, UkReason.PANM, None),
        ("12345678", "Jon Smith", "business", False, UkReason.PAMM, "John Andrew Smith"),
        ("23456789", "Aoife Murphy", "personal", True, None, None),
        ("23456789", "Ciara Murphy", "personal", False, UkReason.ANNM, None),
        ("34567890", "Oakfield Smiles", "business", True, None, None),
        ("34567890", "Oakfield Dental Ltd", "personal", False, UkReason.BANM, None),
        ("34567890", "Oakfield Dental", "personal", False, UkReason.BAMM, "Oakfield Dental Ltd"),
        ("45678901", "Elizabeth Turner", "personal", False, UkReason.OPTO, None),
        ("56789012", "Gareth Evans", "personal", False, UkReason.AC01, None),
        ("67890123", "Rhys Hughes", "personal", False, UkReason.CASS, None),
        ("78901234", "Margaret Thornton", "personal", False, UkReason.IVCR, None),
        ("89012345", "Amy Price", "personal", False, UkReason.ACNS, None),
        ("99999999", "John Smith", "personal", False, UkReason.AC01, None),
    ],
)
def test_uk_outcomes(seeded, adapters, number, name, kind, matched, reason, disclosed):
    report = service.check_payee(seeded, "tpp-1", UK, uk(number, name, kind), adapters)
    assert (report.matched, report.reason_code, report.name) == (matched, reason, disclosed)


def test_unknown_sort_code_is_scns(seeded, adapters):
    report = service.check_payee(seeded, "tpp-1", UK,
                                 uk("12345678", "John Smith", sort_code="990000"), adapters)
    assert report.reason_code is UkReason.SCNS


def test_secondary_reference_given_matches(seeded, adapters):
    report = service.check_payee(seeded, "tpp-1", UK,
                                 uk("78901234", "Margaret Thornton", secondary="roll 123456"),
                                 adapters)
    assert report.matched


@pytest.mark.parametrize(
    ("iban", "name", "ids", "name_code", "id_code", "matched_name"),
    [
        (DE_IBAN, "Juergen Mueller", {}, EuCode.MTCH, None, None),
        (DE_IBAN, "Jurgen Muler", {}, EuCode.CMTC, None, "Jürgen Müller"),
        (DE_IBAN, "Hans Schmidt", {}, EuCode.NMTC, None, None),
        (DE_BUSINESS_IBAN, None, {"LEI": "529900T8BM49AURSDO55"}, None, EuCode.MTCH, None),
        (DE_BUSINESS_IBAN, None, {"LEI": "5493001KJTIIGC8Y1R12"}, None, EuCode.NMTC, None),
        (DE_BUSINESS_IBAN, "Baeckerei Schulz GmbH", {"DUNS": "123456789"}, EuCode.MTCH, EuCode.NOAP,
         None),
        ("DE02120300000000202051", "Anyone", {}, EuCode.NOAP, None, None),
    ],
)
def test_eu_outcomes(seeded, adapters, iban, name, ids, name_code, id_code, matched_name):
    result = service.check_payee(seeded, "tpp-1", EU, EuCheck(iban, name, ids), adapters)
    assert (result.party_name_match, result.party_id_match, result.matched_name) == (
        name_code, id_code, matched_name)


def test_audit_keeps_hashes_not_names(seeded, adapters):
    service.check_payee(seeded, "tpp-1", UK, uk("12345678", "Jon Smith"), adapters, "req-1")
    rows = seeded.scalars(select(CheckAudit)).all()
    seeded.rollback()
    assert len(rows) == 1
    row = rows[0]
    assert row.name_hash == keyed_hash(KEY, "jon smith")
    assert row.account_hash == keyed_hash(KEY, "UK:04000412345678")
    assert (row.outcome, row.reason_code, row.rule, row.name_disclosed) == (
        "CLOSE_MATCH", "MBAM", "variant-spelling", True)
    stored = " ".join(str(v) for v in vars(row).values())
    assert "Jon" not in stored and "12345678" not in stored


def test_audit_relaxes_durability_of_its_own_transaction_only(seeded):
    if seeded.get_bind().dialect.name != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    from sqlalchemy import text

    from cop import lookups

    with seeded.begin():
        assert seeded.scalar(text("SHOW synchronous_commit")) == "on"
        lookups.insert_audit(seeded, {"client_id": "tpp-1", "scheme": "UK", "request_id": None,
                                      "created_at": service.utcnow()},
                             [{"account_hash": "a", "name_hash": None, "outcome": "MATCH",
                               "reason_code": None, "rule": "exact", "name_disclosed": False}])
        assert seeded.scalar(text("SHOW synchronous_commit")) == "off"
    assert seeded.scalar(text("SHOW synchronous_commit")) == "on"
    seeded.rollback()


@pytest.mark.parametrize("count", [1, 3])
def test_audit_rows_are_stored_as_given(seeded, count):
    """NULLs, booleans and order survive the trip (on PostgreSQL, as separator-joined text)."""
    from cop import lookups

    rows = [{"account_hash": f"acct-{i}", "name_hash": None if i % 2 == 0 else f"name-{i}",
             "outcome": "MATCH" if i else "NOT_FOUND", "reason_code": None if i else "AC01",
             "rule": None if i % 2 == 0 else "exact", "name_disclosed": i == 1}
            for i in range(count)]
    with seeded.begin():
        lookups.insert_audit(seeded, {"client_id": "tpp-audit", "scheme": "UK",
                                      "request_id": None, "created_at": service.utcnow()}, rows)
    stored = seeded.scalars(select(CheckAudit).where(CheckAudit.client_id == "tpp-audit")
                            .order_by(CheckAudit.account_hash)).all()
    assert [{c: getattr(a, c) for c in lookups.AUDIT_COLUMNS} for a in stored] == rows
    seeded.rollback()


def test_a_check_opens_no_transaction_on_postgres(seeded, adapters, monkeypatch):
    """Lookup and audit INSERT each commit themselves: no BEGIN/COMMIT round trips."""
    if seeded.get_bind().dialect.name != "postgresql":
        pytest.skip("autocommit checks are PostgreSQL's")
    import psycopg

    engine = seeded.get_bind()
    autocommit = []
    execute = psycopg.Cursor.execute

    def seen(cursor, *args, **kwargs):
        autocommit.append(cursor.connection.autocommit)
        return execute(cursor, *args, **kwargs)

    before = audit_count(seeded)
    monkeypatch.setattr(psycopg.Cursor, "execute", seen)
    assert service.check_payee(seeded, "tpp-1", UK, uk("12345678", "John Smith"), adapters).matched
    monkeypatch.undo()
    assert len(autocommit) == 2 and all(autocommit)  # the lookup and the audit INSERT
    assert not seeded.in_transaction()
    assert audit_count(seeded) == before + 1
    with engine.connect() as conn:  # the pooled connection is transactional again
        assert conn.connection.dbapi_connection.autocommit is False


def test_disclosure_gate_refuses_and_writes_nothing(seeded):
    adapters = CopAdapters(audit_key=KEY, disclosure_gate=lambda client, count: 42)
    with pytest.raises(DisclosureLimited) as raised:
        service.check_payee(seeded, "tpp-1", UK, uk("12345678", "Jon Smith"), adapters)
    assert raised.value.headers == {"Retry-After": "42"}
    assert audit_count(seeded) == 0
    # a plain match discloses nothing and passes the gate
    assert service.check_payee(seeded, "tpp-1", UK, uk("12345678", "John Smith"), adapters).matched


def test_bulk_answers_in_order_and_counts_disclosures_once(seeded):
    calls = []
    adapters = CopAdapters(audit_key=KEY,
                           disclosure_gate=lambda client, count: calls.append(count))
    checks = [uk("12345678", "John Smith", ref="a"), uk("99999999", "X Y", ref="b"),
              uk("12345678", "Jon Smith", ref="c"), uk("23456789", "Sean Murpy", ref="d")]
    reports = service.check_payees(seeded, "tpp-1", UK, checks, adapters)
    assert [r.reason_code for r in reports] == [None, UkReason.AC01, UkReason.MBAM,
                                                UkReason.MBAM]
    assert calls == [2]
    assert audit_count(seeded) == 4


def _statements(engine, run):
    """Every statement sent to the database while `run` runs (the check path calls psycopg
    directly on PostgreSQL, so there the driver's cursor is watched, not SQLAlchemy's)."""
    from sqlalchemy import event

    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()).lower())

    if engine.dialect.name == "postgresql":
        import psycopg

        execute = psycopg.Cursor.execute

        def watched(cursor, query, *args, **kwargs):
            record(None, cursor, str(query))
            return execute(cursor, query, *args, **kwargs)

        psycopg.Cursor.execute = watched
        try:
            run()
        finally:
            psycopg.Cursor.execute = execute
        return seen
    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_a_check_reads_the_directory_once(app, seeded, adapters):
    engine = app.extensions["engine"]
    seen = _statements(engine, lambda: service.check_payee(
        seeded, "tpp-1", UK, uk("12345678", "John Smith"), adapters))
    reads = [s for s in seen if s.startswith("select") and "cop_accounts" in s]
    assert len(reads) == 1
    assert not [s for s in seen if "cop_sort_code_ranges" in s]  # only read on a miss


def test_a_batch_reads_the_directory_once_per_thousand(app, seeded, adapters):
    engine = app.extensions["engine"]
    checks = [uk(f"{n:08d}", "Any Name") for n in range(2500)]
    seen = _statements(engine, lambda: service.check_payees(seeded, "tpp-1", UK, checks,
                                                            adapters))
    reads = [s for s in seen if s.startswith("select") and "cop_accounts" in s]
    assert len(reads) == (1 if engine.dialect.name == "postgresql" else 3)


def test_postgres_lookup_uses_the_unique_index(app, seeded):
    engine = app.extensions["engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL plan")
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(r[0] for r in conn.execute(text(
            "EXPLAIN SELECT a.holder_names FROM unnest(CAST(:s AS VARCHAR[]), "
            "CAST(:n AS VARCHAR[])) AS k(sc, an) JOIN cop_accounts AS a "
            "ON a.sort_code = k.sc AND a.account_number = k.an"),
            {"s": ["040004"], "n": ["12345678"]}))
    assert "uq_cop_accounts_scan" in plan


def test_eu_account_at_another_bank_than_addressed_is_noap(seeded, adapters):
    ours = service.check_payee(seeded, "tpp-1", EU, EuCheck(
        DE_IBAN, "Juergen Mueller", party_agent="TESTDEFF"), adapters)
    other = service.check_payee(seeded, "tpp-1", EU, EuCheck(
        DE_IBAN, "Juergen Mueller", party_agent="COBADEFFXXX"), adapters)
    assert (ours.party_name_match, other.party_name_match) == (EuCode.MTCH, EuCode.NOAP)


def test_a_refused_check_hands_its_connection_back_transactional(seeded, monkeypatch):
    """The gate refuses after the lookup: nothing is written and the borrowed connection
    leaves autocommit before it goes back to the pool."""
    if seeded.get_bind().dialect.name != "postgresql":
        pytest.skip("autocommit checks are PostgreSQL's")
    engine = seeded.get_bind()
    adapters = CopAdapters(audit_key=KEY, disclosure_gate=lambda client, count: 42)
    for _ in range(engine.pool.size() + 1):  # more than the pool holds: every one is seen
        with pytest.raises(DisclosureLimited):
            service.check_payee(seeded, "tpp-1", UK, uk("12345678", "Jon Smith"), adapters)
    assert audit_count(seeded) == 0
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection.autocommit is False


def test_a_miss_reads_sort_code_ranges_in_autocommit_too(seeded, adapters, monkeypatch):
    """Unknown account at a served sort code: AC01; at a sort code no bank serves: SCNS. On
    PostgreSQL the range lookup is a third autocommit statement, no transaction opened."""
    import psycopg

    autocommit = []
    execute = psycopg.Cursor.execute

    def seen(cursor, *args, **kwargs):
        autocommit.append(cursor.connection.autocommit)
        return execute(cursor, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", seen)
    assert service.check_payee(seeded, "tpp-1", UK, uk("99999999", "John Smith"),
                               adapters).reason_code == "AC01"
    assert service.check_payee(seeded, "tpp-1", UK,
                               uk("12345678", "John Smith", sort_code="990000"),
                               adapters).reason_code == "SCNS"
    monkeypatch.undo()
    assert not seeded.in_transaction()
    if seeded.get_bind().dialect.name == "postgresql":
        assert len(autocommit) == 6 and all(autocommit)  # lookup, ranges, audit, twice


def test_a_matcher_pool_decides_as_the_worker_alone(seeded):
    """Names decided by the pool's processes get the same answers and audit rows as names
    decided in the calling thread."""
    checks = [uk("12345678", name, ref=str(i)) for i, name in enumerate(
        ["John Smith", "Mr J Smith", "Andrew Smith", "Jon Smith", "J A Smith"] * 3)]
    alone = service.check_payees(seeded, "tpp-1", UK, checks, CopAdapters(audit_key=KEY))
    pool = MatcherPool(2, minimum=1)
    try:
        pooled = service.check_payees(seeded, "tpp-1", UK, checks,
                                      CopAdapters(audit_key=KEY, decide_all=pool))
    finally:
        pool.close()
    assert pooled == alone
    rows = seeded.execute(select(CheckAudit.outcome, CheckAudit.rule, CheckAudit.name_hash)
                          .order_by(CheckAudit.id)).all()
    seeded.rollback()
    assert rows[len(checks):] == rows[:len(checks)]
