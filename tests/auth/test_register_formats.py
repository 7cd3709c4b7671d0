"""The register files as their publishers give them out: the EBA's zip, the FCA register's API
answers (JSON Lines, one answer, an array of firms) and a CSV extract; each is detected."""

from __future__ import annotations

import codecs
import io
import json
import zipfile

import pytest

from auth import register_formats
from auth.registers import RegisterFormatError
from tests.auth.eidas_helpers import Pki
from tests.auth.test_register_import import registered_tpp, run_import
from tests.auth.test_registers import eba_entity, eba_file, fca_line

AIS, PIS = "Account Information Services", "Payment Initiation Services"


def zipped(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def read(data: bytes, kind: str | None = None):
    stream = io.BytesIO(data)
    kind = kind or register_formats.detect(stream)
    seen: list[int] = []
    entries = list(register_formats.READERS[kind](stream, seen.append))
    return kind, entries, sum(seen)


def firm(frn="123456", status="Authorised", activities=(AIS,)):
    return {"FRN": frn, "Organisation Name": "Example TPP Ltd", "Status": status,
            "Permissions": {a: [{"Limitation Not Found": ["-"]}] for a in activities}}


def test_the_ebas_zip_is_read_as_served():
    data = zipped(("pir_20261201.json", eba_file(*(eba_entity(str(n)) for n in range(300)))))
    kind, entries, progress = read(data)
    assert kind == "eba" and len(entries) == 300
    assert entries[0].register_key == "PSDDE-BAFIN-0"
    assert abs(progress - len(data)) < len(data) * 0.1  # the bar counts the zip's bytes


@pytest.mark.parametrize("members", [(), (("a.json", b"[[]]"), ("b.json", b"[[]]"))])
def test_a_zip_without_exactly_one_json_file_is_refused(members):
    with pytest.raises(RegisterFormatError, match="exactly one .json"):
        read(zipped(("readme.txt", b"x"), *members), "eba")


def test_eba_json_with_a_byte_order_mark():
    kind, entries, _ = read(codecs.BOM_UTF8 + eba_file(eba_entity()))
    assert kind == "eba" and [e.register_key for e in entries] == ["PSDDE-BAFIN-123456"]


def test_one_fca_firm_answer():
    answer = {"Status": "FSR-API-02-01-00", "ResultInfo": {"page": "1"},
              "Message": "Ok. Firm Found", "Data": [firm(activities=(AIS, PIS))]}
    kind, entries, _ = read(json.dumps(answer, indent=2).encode())
    assert kind == "fca-json"
    assert [(e.register_key, e.psd2_roles, e.authorised, e.source) for e in entries] == [
        ("PSDGB-FCA-123456", ("PSP_AI", "PSP_PI"), True, "fca")]


def test_an_array_of_fca_firms():
    kind, entries, _ = read(json.dumps([firm(), firm("7", "Cancelled", (PIS,))]).encode())
    assert kind == "fca-json"
    assert [(e.register_key, e.psd2_roles, e.authorised) for e in entries] == [
        ("PSDGB-FCA-123456", ("PSP_AI",), True), ("PSDGB-FCA-7", ("PSP_PI",), False)]


def test_an_fca_firm_without_frn_is_named():
    with pytest.raises(RegisterFormatError, match="firm 2: a firm without FRN"):
        read(json.dumps([firm(), {"Status": "Authorised"}]).encode())


def test_fca_csv_one_activity_a_row():
    data = (codecs.BOM_UTF8
            + "Firm Reference Number,Firm Name,Current Status,Regulated Activity\r\n"
            f"123456,Example TPP Ltd,Authorised,{AIS}\r\n"
            f"123456,Example TPP Ltd,Authorised,{PIS}\r\n"
            "\r\n"
            f'7,"Other, Ltd",No longer authorised,{PIS}\r\n'.encode())
    kind, entries, progress = read(data)
    assert kind == "fca-csv" and progress == len(data)
    assert [(e.register_key, e.name, e.psd2_roles, e.authorised) for e in entries] == [
        ("PSDGB-FCA-123456", "Example TPP Ltd", ("PSP_AI", "PSP_PI"), True),
        ("PSDGB-FCA-7", "Other, Ltd", ("PSP_PI",), False)]


def test_fca_csv_activities_in_one_cell():
    data = f"FRN,Organisation Name,Status,Permissions\n123456,X,Registered,{AIS}; {PIS}\n"
    _, [entry], _ = read(data.encode())
    assert entry.psd2_roles == ("PSP_AI", "PSP_PI") and entry.authorised


@pytest.mark.parametrize("data, message", [
    (b"", "empty"), (b"Name,Status\nX,Authorised\n", "FRN"),
    (b"FRN,Status\n,Authorised\n", "line 2: a row without FRN")])
def test_broken_fca_csv_says_what_is_wrong(data, message):
    with pytest.raises(RegisterFormatError, match=message):
        read(data, "fca-csv")


@pytest.mark.parametrize("data, kind", [
    (b"[[{}]]", "eba"), (b"PK\x03\x04rest", "eba"), (b"[]", "fca-json"),
    (b' [ {"FRN": "1"}]', "fca-json"), (b'{"Status": "FSR-API-02-01-00"}', "fca-json"),
    (fca_line(), "fca"), (b"FRN,Status\n", "fca-csv")])
def test_formats_are_told_apart(data, kind):
    assert register_formats.detect(io.BytesIO(data)) == kind


@pytest.fixture
def app_settings(pki):
    return pki.settings()


@pytest.fixture
def pki(tmp_path):
    return Pki(tmp_path)


def test_a_csv_extract_cuts_off_and_records_the_fca_register(app, pki, tmp_path):
    pki.install(app)
    tpp, _ = registered_tpp(app, pki)
    output = run_import(app, tmp_path / "fca.csv",
                        f"FRN,Organisation Name,Status,Permission\n123456,X,Authorised,{PIS}\n"
                        .encode())
    assert f"cut off\t{tpp.client_id}" in output
    status = app.test_cli_runner().invoke(args=["registers", "status"]).output
    assert "last import\tfca\t" in status
