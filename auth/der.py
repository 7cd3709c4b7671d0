"""The few DER (X.690) rules the PSD2 QC statement needs: TLVs, OBJECT IDENTIFIERs, strings.

`cryptography` hands an unknown extension over as raw bytes (`UnrecognizedExtension`), and the
QC statements extension (RFC 3739) is one. Reading it needs only SEQUENCE, OID and the string
types, so a small strict reader is used rather than a general ASN.1 dependency. Strict: definite
lengths in their shortest form, single-byte tags, nothing left over — anything else is a
`DerError`, never an IndexError or a crash, whatever bytes arrive.
"""

from __future__ import annotations

SEQUENCE = 0x30
OID = 0x06
UTF8_STRING = 0x0C
PRINTABLE_STRING = 0x13
STRING_TAGS = (UTF8_STRING, PRINTABLE_STRING)
MAX_LENGTH = 1 << 20


class DerError(ValueError):
    """The bytes are not the DER this reader expects."""


def read_tlv(data: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """(tag, value, offset after it) of the TLV starting at `offset`."""
    if offset + 2 > len(data):
        raise DerError("truncated TLV")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not expected here")
    first = data[offset + 1]
    offset += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 3:
            raise DerError("indefinite or oversized length")
        if offset + count > len(data):
            raise DerError("truncated length")
        length = int.from_bytes(data[offset:offset + count], "big")
        if length < 0x80 or data[offset] == 0:
            raise DerError("length not in its shortest form")
        offset += count
    if length > MAX_LENGTH or offset + length > len(data):
        raise DerError("value runs past the end")
    return tag, bytes(data[offset:offset + length]), offset + length


def read_one(data: bytes, expected_tag: int) -> bytes:
    """The value of the single TLV that makes up `data`."""
    tag, value, end = read_tlv(data)
    if tag != expected_tag:
        raise DerError(f"expected tag 0x{expected_tag:02x}, found 0x{tag:02x}")
    if end != len(data):
        raise DerError("bytes left after the value")
    return value


def children(value: bytes) -> list[tuple[int, bytes]]:
    """The TLVs inside a constructed value, in order."""
    items, offset = [], 0
    while offset < len(value):
        tag, inner, offset = read_tlv(value, offset)
        items.append((tag, inner))
    return items


def decode_oid(value: bytes) -> str:
    if not value or value[-1] & 0x80:
        raise DerError("malformed OBJECT IDENTIFIER")
    arcs, current, fresh = [], 0, True
    for byte in value:
        if fresh and byte == 0x80:
            raise DerError("OBJECT IDENTIFIER arc not in its shortest form")
        current = (current << 7) | (byte & 0x7F)
        fresh = not byte & 0x80
        if fresh:
            arcs.append(current)
            current = 0
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(arc) for arc in head + arcs[1:])


def decode_string(tag: int, value: bytes) -> str:
    if tag not in STRING_TAGS:
        raise DerError(f"expected a string, found tag 0x{tag:02x}")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DerError("string is not UTF-8") from exc


def encode_tlv(tag: int, value: bytes) -> bytes:
    length = len(value)
    if length < 0x80:
        return bytes((tag, length)) + value
    size = (length.bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + length.to_bytes(size, "big") + value


def encode_oid(dotted: str) -> bytes:
    arcs = [int(part) for part in dotted.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise ValueError(f"not an OBJECT IDENTIFIER: {dotted}")
    body = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return encode_tlv(OID, bytes(body))


def encode_utf8(text: str) -> bytes:
    return encode_tlv(UTF8_STRING, text.encode("utf-8"))


def encode_sequence(*items: bytes) -> bytes:
    return encode_tlv(SEQUENCE, b"".join(items))
