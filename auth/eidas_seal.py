"""QSealCs behind a TPP's message signatures: whose seal is it, and for which PSD2 roles.

A signed message (`x-jws-signature`, the OB message-signing profile) is verified with the key
its `kid` names in the TPP's registered JWK Set. A key whose JWK carries `x5c` is bound to that
certificate (RFC 7517 §4.7: the first certificate holds the JWK's public key); when the
certificate claims PSD2 attributes it is a QSealC, and ETSI TS 119 495 ties it to one
organisation and its roles. For a TPP registered with an eIDAS identity, each such seal must:

- hold the JWK's own public key;
- be valid, chain to a configured QTSP and not be revoked (when `EIDAS_TRUST_ANCHORS` is set);
- name the TPP's `organizationIdentifier`, and
- carry every PSD2 role the TPP uses here (those recorded on its identity).

Otherwise the TPP's signatures are refused with `UK.OBIE.Signature.Invalid` until it registers
keys with its own seal: a key in its set that claims to be another organisation's, or to be
authorised for less than the TPP does, is not one to trust with any of its messages. Keys
without `x5c`, or whose certificate claims nothing of PSD2 (a self-signed TLS certificate of
RFC 8705 §2.2), are the TPP's registered keys as before; a client without an eIDAS identity has
no organisation to compare with.
"""

from __future__ import annotations

import base64
import binascii

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from auth.eidas import Psd2AttributeError, psd2_identity
from auth.eidas_trust import EidasError, EidasVerifier
from auth.identity_models import TppIdentity
from auth.jose import MalformedJwt, import_public_jwk

NOT_SIGNING = ("enc", "tls")


class SealRefused(ValueError):
    """A QSealC in the TPP's keys does not belong to it; the message names the key and why."""


def _chain(key: dict) -> list[x509.Certificate]:
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(c, validate=True))
                for c in key["x5c"]]
    except (ValueError, TypeError, binascii.Error) as exc:
        raise SealRefused(f"the x5c of key {key.get('kid')!r} is not a base64 DER certificate "
                          "chain") from exc


def _spki(public_key) -> bytes:
    return public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _holds_the_key(key: dict, cert: x509.Certificate) -> bool:
    try:
        jwk = import_public_jwk({k: v for k, v in key.items() if k != "x5c"})
    except MalformedJwt:
        return False
    return _spki(jwk.public_key) == _spki(cert.public_key())


def _claims_psd2(cert: x509.Certificate) -> bool:
    try:
        identity = psd2_identity(cert)
    except Psd2AttributeError:
        return True  # a malformed claim is still a claim: the check refuses it
    return identity.statement is not None or identity.organization_identifier is not None


def check_seals(jwks: dict, identity: TppIdentity | None,
                verifier: EidasVerifier | None) -> None:
    """Raise SealRefused for the first signing key whose QSealC is not the TPP's own."""
    if identity is None:
        return
    for key in jwks.get("keys", []) if isinstance(jwks, dict) else []:
        if not isinstance(key, dict) or not key.get("x5c") or key.get("use") in NOT_SIGNING:
            continue
        if not isinstance(key["x5c"], list):
            raise SealRefused(f"the x5c of key {key.get('kid')!r} must be a list")
        chain = _chain(key)
        if _claims_psd2(chain[0]):
            _check_seal(key.get("kid"), key, chain, identity, verifier)


def _check_seal(kid, key: dict, chain: list[x509.Certificate], identity: TppIdentity,
                verifier: EidasVerifier | None) -> None:
    if not _holds_the_key(key, chain[0]):
        raise SealRefused(f"the QSealC in the x5c of key {kid!r} is for another key")
    try:
        seal = (verifier.verify(chain, purpose="qseal") if verifier and verifier.configured
                else psd2_identity(chain[0]))
    except (EidasError, Psd2AttributeError) as exc:
        raise SealRefused(f"the QSealC of key {kid!r} is refused: {exc}") from exc
    if seal.organization_identifier != identity.organization_identifier:
        raise SealRefused(f"the QSealC of key {kid!r} names {seal.organization_identifier}, "
                          f"not this TPP's {identity.organization_identifier}")
    missing = sorted(set(identity.psd2_roles) - set(seal.psd2_roles))
    if missing:
        raise SealRefused(f"the QSealC of key {kid!r} lacks the PSD2 role(s) "
                          f"{', '.join(missing)} this TPP uses")
