"""`flask cop import`, `flask cop bank add`, `flask cop evaluate`."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from cop.models import DirectoryAccount

from .conftest import UK_BIC

HERE = Path(__file__).parent


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_bank_add_then_import_csv(app, session, tmp_path):
    result = run(app, "cop", "bank", "add", "CSV Bank", UK_BIC, "--sort-codes", "040004-040099")
    assert result.exit_code == 0, result.output
    path = tmp_path / "accounts.csv"
    path.write_text(
        "sort_code,account_number,holder_type,holder_names,opted_out\n"
        "040004,12345678,personal,John Smith|Mary Smith,no\n"
        "040004,1234,personal,Secret Name,no\n"
        "990000,12345679,personal,Other Name,no\n"
        "040004,12345680,business,Acme Ltd,yes\n", encoding="utf-8")
    result = run(app, "cop", "import", str(path), "--bank", UK_BIC)
    assert result.exit_code == 1, result.output + result.stderr  # rows were rejected
    assert "created 2, updated 0, rejected 2" in result.output
    assert "account_number must be 8 digits (lines 3)" in result.output
    assert "sort_code is not in a range" in result.output
    assert "Secret Name" not in result.output + result.stderr
    assert "1234" not in result.output.replace("lines", "")
    assert session.scalar(select(func.count()).select_from(DirectoryAccount)) == 2


def test_import_jsonl_updates_and_reports_bad_json(app, seeded, tmp_path):
    path = tmp_path / "accounts.jsonl"
    lines = [
        json.dumps({"sort_code": "040004", "account_number": "12345678",
                    "holder_type": "personal", "holder_names": ["John A Smith"]}),
        "{not json",
        json.dumps(["a list"]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(app, "cop", "import", str(path), "--bank", UK_BIC)
    assert result.exit_code == 1, result.output
    assert "created 0, updated 1, rejected 2" in result.output
    assert "not valid JSON (lines 2)" in result.output


def test_import_needs_a_known_bank(app, tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text("", encoding="utf-8")
    result = run(app, "cop", "import", str(path), "--bank", "NONEGB2LXXX")
    assert result.exit_code != 0
    assert "no participating bank" in result.stderr


def test_evaluate_prints_matrix_and_accuracy(app):
    result = run(app, "cop", "evaluate", str(HERE / "holdout.jsonl"))
    assert result.exit_code == 0, result.output
    assert "expected \\ outcome" in result.output
    assert "accuracy" in result.output


def test_evaluate_json_writes_one_line_per_case(app, tmp_path):
    path = tmp_path / "cases.jsonl"
    cases = [
        {"id": "1", "holder_name": "John Smith", "holder_type": "personal",
         "entered_name": "Jon Smith", "entered_type": "personal", "expected": "CLOSE_MATCH"},
        {"id": "2", "holder_name": "John Smith", "holder_type": "personal",
         "entered_name": "John Smith", "entered_type": "business", "expected": "MATCH"},
    ]
    path.write_text("\n".join(json.dumps(c) for c in cases), encoding="utf-8")
    result = run(app, "cop", "evaluate", str(path), "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == [
        {"id": "1", "outcome": "CLOSE_MATCH", "reason_code": "MBAM",
         "matched_name": "John Smith", "rule": "variant-spelling"},
        {"id": "2", "outcome": "CLOSE_MATCH", "reason_code": "PANM", "matched_name": None,
         "rule": "exact"},
    ]
    assert "accuracy 50.00%" in result.stderr


def test_evaluate_rejects_a_bad_case_with_its_line(app, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "1"}\n', encoding="utf-8")
    result = run(app, "cop", "evaluate", str(path))
    assert result.exit_code != 0
    assert "line 1" in result.stderr


def test_participant_add_list_remove(app, make_tpp):
    a = make_tpp(roles=("COP",), name="PSP A").client_id
    b = make_tpp(roles=("COP",), name="PSP B").client_id
    bank = make_tpp(roles=("ASPSP",), name="A Bank").client_id
    result = run(app, "cop", "participant", "add", "bnpafrpp", a)
    assert result.exit_code == 0 and f"BNPAFRPPXXX -> {a}" in result.output
    refused = run(app, "cop", "participant", "add", "BNPAFRPPXXX", b)
    assert refused.exit_code != 0 and "another client" in refused.output
    moved = run(app, "cop", "participant", "add", "BNPAFRPPXXX", b, "--replace")
    assert moved.exit_code == 0, moved.output
    assert run(app, "cop", "participant", "list").output == f"BNPAFRPPXXX {b}\n"
    assert run(app, "cop", "participant", "add", "NOT-A-BIC", a).exit_code != 0
    unknown = run(app, "cop", "participant", "add", "COBADEFF", "no-such-client")
    assert unknown.exit_code != 0 and "no TPP client" in unknown.output
    not_cop = run(app, "cop", "participant", "add", "COBADEFF", bank)
    assert not_cop.exit_code != 0 and "role COP" in not_cop.output
    assert run(app, "cop", "participant", "remove", "BNPAFRPP").exit_code == 0
    assert run(app, "cop", "participant", "remove", "BNPAFRPP").exit_code != 0
    assert run(app, "cop", "participant", "list").output == ""


def test_a_clean_import_exits_0(app, seeded, tmp_path):
    path = tmp_path / "accounts.jsonl"
    path.write_text(json.dumps({"sort_code": "040004", "account_number": "12345678",
                                "holder_type": "personal", "holder_names": ["John A Smith"]})
                    + "\n", encoding="utf-8")
    result = run(app, "cop", "import", str(path), "--bank", UK_BIC)
    assert result.exit_code == 0, result.output
    assert "rejected 0" in result.output


def test_format_comes_from_the_content_not_the_name(app, seeded, tmp_path):
    path = tmp_path / "accounts.txt"
    path.write_text("sort_code,account_number,holder_type,holder_names\n"
                    "040004,12345678,personal,John A Smith\n", encoding="utf-8")
    result = run(app, "cop", "import", str(path), "--bank", UK_BIC)
    assert result.exit_code == 0, result.output + result.stderr
    assert "created 0, updated 1, rejected 0" in result.output


def test_a_file_that_is_neither_format_is_refused(app, seeded, tmp_path):
    path = tmp_path / "accounts.txt"
    path.write_text("Dear bank,\nplease find our accounts below.\n", encoding="utf-8")
    result = run(app, "cop", "import", str(path), "--bank", UK_BIC)
    assert result.exit_code == 1
    assert "cannot tell the format of accounts.txt" in result.stderr
    assert "--format" in result.stderr


def test_a_wrong_csv_header_names_every_missing_column(app, seeded, tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("sortcode,account_number,holder_name\n040004,12345678,X\n",
                    encoding="utf-8")
    result = run(app, "cop", "import", str(path), "--bank", UK_BIC)
    assert result.exit_code == 1
    message = result.stderr
    assert "lacks holder_type; holder_names; iban, or sort_code and account_number" in message
    assert "unknown columns holder_name, sortcode" in message
