"""PSD2 attributes of eIDAS certificates (ETSI TS 119 495): parsing, round trips, garbage."""

from __future__ import annotations

import pytest
from cryptography import x509
from hypothesis import given
from hypothesis import strategies as st

from auth import der, eidas
from auth.eidas import Psd2AttributeError, Psd2Statement
from auth.eidas_ca import SandboxCa

ROLES = st.lists(st.sampled_from(sorted(eidas.ROLE_OIDS)), unique=True, max_size=4)
NCA_NAMES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)
NCA_IDS = st.from_regex(r"\A[A-Z]{2}-[A-Z]{2,8}\Z")


@pytest.fixture(scope="module")
def ca():
    return SandboxCa.create("Test QTSP")


def test_reads_roles_authority_and_organisation_identifier(ca):
    statement = Psd2Statement(("PSP_AI", "PSP_PI"), "Financial Conduct Authority", "GB-FCA")
    cert, _ = ca.issue(organisation="Example TPP Ltd", organization_identifier="PSDGB-FCA-123456",
                       statement=statement)
    identity = eidas.psd2_identity(cert)
    assert identity.statement == statement
    assert identity.organization_identifier == "PSDGB-FCA-123456"
    assert identity.psd2_roles == ("PSP_AI", "PSP_PI")
    assert identity.service_roles == ("AISP", "COP")
    assert eidas.parse_organization_identifier("PSDGB-FCA-123456") == ("GB", "FCA", "123456")


def test_certificate_without_qc_statement(ca):
    cert, _ = ca.issue(organisation="Plain Ltd", organization_identifier=None, statement=None)
    identity = eidas.psd2_identity(cert)
    assert identity.statement is None and identity.organization_identifier is None
    assert identity.service_roles == ()


@pytest.mark.parametrize(("psd2", "roles"), [
    (("PSP_AI",), ("AISP",)), (("PSP_PI",), ("COP",)), (("PSP_AS",), ("ASPSP", "COP")),
    (("PSP_IC",), ()), (("PSP_PI", "PSP_AS"), ("COP", "ASPSP")),
])
def test_roles_to_service_roles(psd2, roles):
    assert eidas.service_roles(psd2) == roles


def test_role_oid_and_name_must_agree():
    # PSP_AI named with PSP_AS's OID: a trap some published snippets fall into
    role = der.encode_sequence(der.encode_oid("0.4.0.19495.1.1"), der.encode_utf8("PSP_AI"))
    value = der.encode_sequence(der.encode_sequence(role), der.encode_utf8("FCA"),
                                der.encode_utf8("GB-FCA"))
    with pytest.raises(Psd2AttributeError, match="does not match"):
        eidas.decode_psd2_type(value)


def test_bad_nca_id_and_organisation_identifier():
    with pytest.raises(Psd2AttributeError):
        eidas.decode_psd2_type(eidas.encode_psd2_type(Psd2Statement((), "FCA", "gb-fca")))
    with pytest.raises(Psd2AttributeError):
        eidas.parse_organization_identifier("GB-FCA-123456")


def test_other_qc_statements_are_skipped():
    compliance = der.encode_sequence(der.encode_oid("0.4.0.1862.1.1"))
    psd2 = der.encode_sequence(der.encode_oid(eidas.PSD2_STATEMENT),
                               eidas.encode_psd2_type(Psd2Statement(("PSP_AI",), "FCA", "GB-FCA")))
    assert eidas.decode_qc_statements(der.encode_sequence(compliance, psd2)).roles == ("PSP_AI",)
    assert eidas.decode_qc_statements(der.encode_sequence(compliance)) is None


@given(ROLES, NCA_NAMES, NCA_IDS)
def test_round_trip(roles, nca_name, nca_id):
    statement = Psd2Statement(tuple(roles), nca_name, nca_id)
    assert eidas.decode_qc_statements(eidas.encode_qc_statements(statement)) == statement


@given(st.lists(st.integers(0, 2**40), min_size=1, max_size=8), st.integers(0, 2),
       st.integers(0, 39))
def test_oid_round_trip(tail, first, second):
    dotted = ".".join(map(str, [first, second, *tail]))
    assert der.decode_oid(der.read_one(der.encode_oid(dotted), der.OID)) == dotted


@given(st.binary(max_size=300))
def test_garbage_never_crashes(data):
    try:
        eidas.decode_qc_statements(data)
    except Psd2AttributeError:
        pass


@given(ROLES, st.data())
def test_mutated_encodings_never_crash(roles, data):
    encoded = bytearray(eidas.encode_qc_statements(Psd2Statement(tuple(roles), "FCA", "GB-FCA")))
    index = data.draw(st.integers(0, len(encoded) - 1))
    encoded[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(encoded)))
    try:
        eidas.decode_qc_statements(bytes(encoded[:cut]))
    except Psd2AttributeError:
        pass


def test_unrecognised_extension_is_read_from_a_real_certificate(ca):
    cert, _ = ca.issue(organisation="T", organization_identifier="PSDDE-BAFIN-1",
                       statement=Psd2Statement(("PSP_IC",), "BaFin", "DE-BAFIN"))
    ext = cert.extensions.get_extension_for_oid(eidas.QC_STATEMENTS_OID)
    assert isinstance(ext.value, x509.UnrecognizedExtension)
    assert eidas.psd2_identity(cert).statement.nca_id == "DE-BAFIN"
