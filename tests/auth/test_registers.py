"""Reading the EBA PSD2 register and FCA register files: formats, keys, streaming."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auth import register_formats, registers
from auth.registers import RegisterFormatError


def eba_entity(ref="123456", *, owner="DE_BAFIN", kind="PSD_PI", dates=("2018-01-13",),
               services=({"DE": ["PS_070", "PS_080"]},), name="Zahl GmbH"):
    return {"CA_OwnerID": owner, "EntityCode": f"{owner}!{ref}", "EntityType": kind,
            "Properties": [{"ENT_NAM": name}, {"ENT_NAT_REF_COD": ref},
                           {"ENT_COU_RES": owner[:2]}, {"ENT_AUT": list(dates)}],
            "Services": list(services)}


def eba_file(*entities) -> bytes:
    return json.dumps([[{"disclaimer": "EBA"}], list(entities)]).encode()


def test_eba_entity_becomes_an_entry_keyed_like_an_organisation_identifier():
    entry = registers.eba_entry(eba_entity(services=({"DE": ["PS_070", "PS_080"]},
                                                     {"AT": "PS_080"})))
    assert entry.register_key == "PSDDE-BAFIN-123456"
    assert entry.authority == "DE-BAFIN"
    assert entry.psd2_roles == ("PSP_PI", "PSP_AI")
    assert entry.authorised


def test_withdrawn_when_the_dates_end_with_a_withdrawal():
    assert not registers.eba_entry(eba_entity(dates=("2018-01-13", "2024-05-01"))).authorised
    assert registers.eba_entry(eba_entity(dates=("2018-01-13", "2019-01-01",
                                                 "2020-01-01"))).authorised


@pytest.mark.parametrize("kind", ["PSD_AG", "PSD_BR", "PSD_EPI", "PSD_EXC"])
def test_agents_branches_and_exempted_are_not_authorisations(kind):
    assert registers.eba_entry(eba_entity(kind=kind)) is None


def test_punctuation_in_reference_numbers_does_not_matter():
    entry = registers.eba_entry(eba_entity("0111027-9", owner="FI_FIN-FSA"))
    assert entry.register_key == registers.key_of_organization_identifier(
        "PSDFI-FINFSA-0111027-9")


def test_eba_file_streams_every_entity():
    data = eba_file(*(eba_entity(str(n)) for n in range(500)))
    seen = []
    entries = list(registers.eba_entries(io.BytesIO(data), seen.append))
    assert len(entries) == 500 and sum(seen) == len(data)


@given(st.lists(st.integers(1, 10**9), max_size=30), st.integers(1, 64))
def test_stream_reader_does_not_depend_on_chunk_boundaries(refs, chunk):
    data = eba_file(*(eba_entity(str(r)) for r in refs))
    original = registers.CHUNK
    registers.CHUNK = chunk
    try:
        keys = [e.register_key for e in registers.eba_entries(io.BytesIO(data))]
    finally:
        registers.CHUNK = original
    assert keys == [f"PSDDE-BAFIN-{r}" for r in refs]


@pytest.mark.parametrize("data", [b"[[{]]", b'{"not": "an array"}', b"[[{}]"])
def test_broken_eba_files_are_a_format_error(data):
    with pytest.raises(RegisterFormatError):
        list(registers.eba_entries(io.BytesIO(data)))


def fca_line(frn="123456", status="Authorised", permissions=("Account Information Services",)):
    firm = {"Status": "FSR-API-02-01-00", "Message": "Ok. Firm Found",
            "Data": [{"FRN": frn, "Organisation Name": "Example TPP Ltd", "Status": status}]}
    perms = {"Status": "FSR-API-02-03-00", "Data": {p: [{"Limitation Not Found": ["-"]}]
                                                    for p in permissions}}
    return json.dumps({"firm": firm, "permissions": perms}).encode() + b"\n"


def test_fca_lines():
    data = fca_line() + b"\n" + fca_line("7", "No longer authorised",
                                         ("Payment Initiation Services",))
    first, second = registers.fca_entries(io.BytesIO(data))
    assert (first.register_key, first.psd2_roles, first.authorised) == (
        "PSDGB-FCA-123456", ("PSP_AI",), True)
    assert (second.psd2_roles, second.authorised) == (("PSP_PI",), False)


def test_fca_line_without_frn_names_its_line():
    with pytest.raises(RegisterFormatError, match="line 2"):
        list(registers.fca_entries(io.BytesIO(fca_line() + b'{"firm": {}}\n')))


def test_format_is_detected():
    assert register_formats.detect(io.BytesIO(b"  [[]]")) == "eba"
    assert register_formats.detect(io.BytesIO(fca_line())) == "fca"
