"""eIDAS certificates with PSD2 attributes (ETSI TS 119 495): what a QWAC or QSealC says.

A qualified certificate for PSD2 carries, in its QC statements extension (RFC 3739,
1.3.6.1.5.5.7.1.3), the statement `id-etsi-psd2-qcStatement` 0.4.0.19495.2:

    PSD2QcType ::= SEQUENCE { rolesOfPSP RolesOfPSP, nCAName NCAName, nCAId NCAId }
    RolesOfPSP ::= SEQUENCE OF SEQUENCE { roleOfPspOid OBJECT IDENTIFIER,
                                          roleOfPspName UTF8String (SIZE(1..256)) }

with the roles 0.4.0.19495.1.1 PSP_AS, .1.2 PSP_PI, .1.3 PSP_AI, .1.4 PSP_IC (§5.1), and in its
subject the `organizationIdentifier` (2.5.4.97) `PSD` + country + `-` + authority + `-` +
authorisation number, e.g. `PSDGB-FCA-123456` (§5.2.1). A role whose OID and name disagree is
refused rather than guessed at (some published snippets pair PSP_AI with .1.1).

This module only reads and writes these values; whether the certificate is to be trusted is
`auth.eidas_trust`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from auth import der

QC_STATEMENTS_OID = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")
PSD2_STATEMENT = "0.4.0.19495.2"
ROLE_OIDS = {
    "PSP_AS": "0.4.0.19495.1.1",
    "PSP_PI": "0.4.0.19495.1.2",
    "PSP_AI": "0.4.0.19495.1.3",
    "PSP_IC": "0.4.0.19495.1.4",
}
ROLE_BY_OID = {oid: name for name, oid in ROLE_OIDS.items()}
NCA_ID = re.compile(r"^[A-Z]{2}-[A-Z]{2,8}$")
ORGANIZATION_IDENTIFIER = re.compile(r"^PSD([A-Z]{2})-([A-Z]{2,8})-(.+)$")

# What each PSD2 role may do here, and why:
# - PSP_AI (account information, PSD2 Art. 67) is the only role that reads accounts: AISP.
# - PSP_PI (payment initiation, Art. 66) initiates payments to payees, which is what the UK
#   Confirmation of Payee and EU Verification of Payee (Regulation (EU) 2024/886, Art. 5c)
#   protect: COP, the payee check.
# - PSP_AS (account servicing) is a bank: it maintains its holders in the payee directory
#   (ASPSP) and, as the payer's PSP that VoP obliges to check, checks payees (COP).
# - PSP_IC (card-based instrument issuers, Art. 65) asks for confirmation of funds, which this
#   service does not offer: no role.
PSD2_SERVICE_ROLES: dict[str, tuple[str, ...]] = {
    "PSP_AI": ("AISP",),
    "PSP_PI": ("COP",),
    "PSP_AS": ("ASPSP", "COP"),
    "PSP_IC": (),
}


class Psd2AttributeError(ValueError):
    """The certificate's PSD2 attributes are present but malformed."""


@dataclass(frozen=True)
class Psd2Statement:
    roles: tuple[str, ...]
    nca_name: str
    nca_id: str


@dataclass(frozen=True)
class Psd2Identity:
    """What a PSD2 certificate says about its holder."""

    organization_identifier: str | None
    statement: Psd2Statement | None
    subject: str

    @property
    def psd2_roles(self) -> tuple[str, ...]:
        return self.statement.roles if self.statement else ()

    @property
    def service_roles(self) -> tuple[str, ...]:
        return service_roles(self.psd2_roles)


def service_roles(psd2_roles) -> tuple[str, ...]:
    """This service's roles (auth.scopes) that the PSD2 roles allow, in a stable order."""
    roles: dict[str, None] = {}
    for role in psd2_roles:
        roles.update(dict.fromkeys(PSD2_SERVICE_ROLES.get(role, ())))
    return tuple(roles)


def decode_psd2_type(value: bytes) -> Psd2Statement:
    """PSD2QcType from its DER encoding (the statementInfo of 0.4.0.19495.2)."""
    parts = der.children(der.read_one(value, der.SEQUENCE))
    if len(parts) != 3 or parts[0][0] != der.SEQUENCE:
        raise Psd2AttributeError("PSD2QcType must be rolesOfPSP, nCAName, nCAId")
    roles = []
    for tag, role in der.children(parts[0][1]):
        fields = der.children(role) if tag == der.SEQUENCE else []
        if len(fields) != 2 or fields[0][0] != der.OID:
            raise Psd2AttributeError("RoleOfPSP must be roleOfPspOid, roleOfPspName")
        oid, name = der.decode_oid(fields[0][1]), der.decode_string(*fields[1])
        if ROLE_BY_OID.get(oid) != name and (oid in ROLE_BY_OID or name in ROLE_OIDS):
            raise Psd2AttributeError(f"role OID {oid} does not match its name {name!r}")
        if oid in ROLE_BY_OID and name not in roles:
            roles.append(name)
    nca_name, nca_id = der.decode_string(*parts[1]), der.decode_string(*parts[2])
    if not 1 <= len(nca_name) <= 256:
        raise Psd2AttributeError("nCAName must be 1 to 256 characters")
    if not NCA_ID.match(nca_id):
        raise Psd2AttributeError(f"nCAId {nca_id!r} is not country-authority, e.g. GB-FCA")
    return Psd2Statement(tuple(roles), nca_name, nca_id)


def decode_qc_statements(value: bytes) -> Psd2Statement | None:
    """The PSD2 statement among a QCStatements extension's statements, or None."""
    try:
        for tag, statement in der.children(der.read_one(value, der.SEQUENCE)):
            fields = der.children(statement) if tag == der.SEQUENCE else []
            if not fields or fields[0][0] != der.OID or len(fields) > 2:
                raise Psd2AttributeError("QCStatement must be statementId, statementInfo")
            if der.decode_oid(fields[0][1]) == PSD2_STATEMENT:
                if len(fields) != 2:
                    raise Psd2AttributeError("the PSD2 QC statement has no statementInfo")
                return decode_psd2_type(der.encode_tlv(*fields[1]))
    except der.DerError as exc:
        raise Psd2AttributeError(f"QC statements: {exc}") from exc
    return None


def encode_psd2_type(statement: Psd2Statement) -> bytes:
    roles = der.encode_sequence(*(der.encode_sequence(der.encode_oid(ROLE_OIDS[role]),
                                                      der.encode_utf8(role))
                                  for role in statement.roles))
    return der.encode_sequence(roles, der.encode_utf8(statement.nca_name),
                               der.encode_utf8(statement.nca_id))


def encode_qc_statements(statement: Psd2Statement) -> bytes:
    """The QCStatements extension value holding the PSD2 statement (for issuing certificates)."""
    return der.encode_sequence(der.encode_sequence(der.encode_oid(PSD2_STATEMENT),
                                                   encode_psd2_type(statement)))


def qc_statements_extension(statement: Psd2Statement) -> x509.UnrecognizedExtension:
    return x509.UnrecognizedExtension(QC_STATEMENTS_OID, encode_qc_statements(statement))


def parse_organization_identifier(value: str) -> tuple[str, str, str]:
    """(country, authority, authorisation number) of `PSDGB-FCA-123456`."""
    match = ORGANIZATION_IDENTIFIER.match(value or "")
    if not match:
        raise Psd2AttributeError(f"organizationIdentifier {value!r} is not PSD<CC>-<NCA>-<id>")
    return match.group(1), match.group(2), match.group(3)


def psd2_identity(cert: x509.Certificate) -> Psd2Identity:
    """The PSD2 attributes of a certificate (absent ones are None); malformed ones raise."""
    try:
        ext = cert.extensions.get_extension_for_oid(QC_STATEMENTS_OID)
    except x509.ExtensionNotFound:
        statement = None
    except ValueError as exc:
        raise Psd2AttributeError(f"the certificate's extensions do not parse: {exc}") from exc
    else:
        raw = ext.value.value if isinstance(ext.value, x509.UnrecognizedExtension) else b""
        statement = decode_qc_statements(raw)
    ids = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)
    org_id = str(ids[0].value) if ids else None
    if org_id is not None and org_id.startswith("PSD"):
        parse_organization_identifier(org_id)
    return Psd2Identity(org_id, statement, cert.subject.rfc4514_string())
