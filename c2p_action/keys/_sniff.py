"""Tell what a key file holds before handing it to a parser, so errors can say what went wrong.

cryptography's loaders report "wrong password" and "not this format" with the same exception,
so the container is recognised here first: PEM by its labels, DER by the shape of its first
two ASN.1 elements (enough to separate PKCS#12, PKCS#8, PKCS#1, SPKI and X.509).
"""

from __future__ import annotations

import binascii
import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["Item", "Kind", "items"]


class Kind(enum.Enum):
    """What one PEM block or DER blob holds."""

    PKCS12 = "a PKCS#12 file"
    PRIVATE = "a private key"
    ENCRYPTED_PRIVATE = "an encrypted private key"
    LEGACY_PEM_PRIVATE = "an encrypted (legacy PEM) private key"
    CERTIFICATE = "an X.509 certificate"
    PUBLIC = "a public key"
    UNKNOWN = "nothing recognisable"


@dataclass(frozen=True, slots=True)
class Item:
    """One recognised object: DER bytes, except the PEM block itself for ``LEGACY_PEM_PRIVATE``."""

    kind: Kind
    data: bytes = field(repr=False)  # key material stays out of reprs and tracebacks
    label: str = ""


# PEM framing, found by a linear scan (``bytes.find``), never by a regular expression: a
# backtracking pattern over a multi-megabyte body without its END line needed ~180 MiB of
# match state. The rules are those of the old pattern ``-----BEGIN (L)-----\r?\n(B)-----END
# (L)-----``: a label L is 1-64 characters of [A-Z0-9 ], and the body B never contains "-----".
_DASHES = b"-----"
_BEGIN = b"-----BEGIN "
_END = b"-----END "
_MAX_LABEL = 64
_LABEL_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")
# Whitespace that base64 bodies may be folded with; removed in one pass with bytes.translate.
_FOLDING = b" \t\n\r\x0b\x0c"

_LABELS = {
    "CERTIFICATE": Kind.CERTIFICATE,
    "X509 CERTIFICATE": Kind.CERTIFICATE,
    "PUBLIC KEY": Kind.PUBLIC,
    "RSA PUBLIC KEY": Kind.PUBLIC,
    "PRIVATE KEY": Kind.PRIVATE,
    "RSA PRIVATE KEY": Kind.PRIVATE,
    "EC PRIVATE KEY": Kind.PRIVATE,
    "DSA PRIVATE KEY": Kind.PRIVATE,
    "ENCRYPTED PRIVATE KEY": Kind.ENCRYPTED_PRIVATE,
}

_INTEGER, _BIT_STRING, _OCTET_STRING, _SEQUENCE = 0x02, 0x03, 0x04, 0x30


def items(data: bytes) -> list[Item]:
    """What ``data`` holds: the first PEM block of each kind, in file order, or the DER blob.

    Only the first block of a kind is kept (callers pick by kind, and the first one wins), so
    a file of thousands of tiny blocks costs no more than one of each. Time and memory are
    linear in ``len(data)`` for any content.
    """
    if _BEGIN not in data:
        return [Item(_der_kind(data), data)]
    found: list[Item] = []
    seen: set[Kind] = set()
    for start, begin, body, end, stop in _pem_blocks(data):
        item = _pem_item(data, start, begin, body, end, stop)
        if item.kind not in seen:
            seen.add(item.kind)
            found.append(item)
    return found


def _pem_blocks(data: bytes) -> Iterator[tuple[int, bytes, tuple[int, int], bytes, int]]:
    """(block start, BEGIN label, body span, END label, block end) of each PEM block.

    Every ``find`` starts where the previous one stopped, so each byte is looked at a bounded
    number of times whatever the input (a BEGIN without END, thousands of BEGIN lines...).
    """
    position = 0
    while (start := data.find(_BEGIN, position)) >= 0:
        begin, body_start = _label(data, start + len(_BEGIN))
        if begin is None:
            position = start + 1
            continue
        if data.startswith(b"\r\n", body_start):
            body_start += 2
        elif data.startswith(b"\n", body_start):
            body_start += 1
        else:
            position = start + 1
            continue
        # The body ends at the first "-----": a block only if that is an END line.
        body_end = data.find(_DASHES, body_start)
        if body_end < 0:
            return  # no END anywhere after this point: no block can complete
        if not data.startswith(_END, body_end):
            position = body_end  # perhaps the next BEGIN
            continue
        end, stop = _label(data, body_end + len(_END))
        if end is None:
            position = body_end + 1
            continue
        yield start, begin, (body_start, body_end), end, stop
        position = stop


def _label(data: bytes, at: int) -> tuple[bytes | None, int]:
    """The label at ``at`` up to its closing "-----", and the position after those dashes."""
    close = data.find(_DASHES, at, at + _MAX_LABEL + len(_DASHES))
    label = data[at:close]
    if close <= at or not _LABEL_BYTES.issuperset(label):
        return None, at
    return label, close + len(_DASHES)


def _pem_item(
    data: bytes, start: int, begin: bytes, span: tuple[int, int], end: bytes, stop: int
) -> Item:
    label = begin.decode("ascii")
    kind = _LABELS.get(label, Kind.UNKNOWN) if begin == end else Kind.UNKNOWN
    body = data[span[0] : span[1]]
    if kind is Kind.PRIVATE and b"Proc-Type:" in body:
        # OpenSSL's pre-PKCS#8 encryption lives in PEM headers and has no DER form.
        return Item(Kind.LEGACY_PEM_PRIVATE, data[start:stop], label)
    try:
        der = binascii.a2b_base64(body.translate(None, _FOLDING), strict_mode=True)
    except binascii.Error:
        return Item(Kind.UNKNOWN, b"", label)
    return Item(kind, der, label)


def _header(der: bytes, pos: int) -> tuple[int, int, int | None]:
    """(tag, start of content, end of content or None if indefinite) of the element at ``pos``."""
    tag, first = der[pos], der[pos + 1]
    pos += 2
    if first < 0x80:
        return tag, pos, pos + first
    if first == 0x80:
        return tag, pos, None
    count = first & 0x7F
    if count > 4:
        raise ValueError("length too long for a key file")
    length = int.from_bytes(der[pos : pos + count], "big")
    return tag, pos + count, pos + count + length


def _der_kind(der: bytes) -> Kind:
    try:
        outer, start, _ = _header(der, 0)
        first, content, end = _header(der, start)
        if outer != _SEQUENCE or end is None:
            return Kind.UNKNOWN
        second = der[end]
    except (IndexError, ValueError):
        return Kind.UNKNOWN
    if first == _SEQUENCE:
        # SPKI and EncryptedPrivateKeyInfo: AlgorithmIdentifier, then BIT/OCTET STRING;
        # Certificate: TBSCertificate, then the signature AlgorithmIdentifier.
        return {
            _BIT_STRING: Kind.PUBLIC,
            _OCTET_STRING: Kind.ENCRYPTED_PRIVATE,
            _SEQUENCE: Kind.CERTIFICATE,
        }.get(second, Kind.UNKNOWN)
    if first != _INTEGER:
        return Kind.UNKNOWN
    version = int.from_bytes(der[content:end], "big")
    if second == _SEQUENCE:
        # PFX is version 3; PKCS#8 PrivateKeyInfo is 0 (or 1 for OneAsymmetricKey).
        return Kind.PKCS12 if version == 3 else Kind.PRIVATE
    if second == _INTEGER:
        # PKCS#1 RSAPrivateKey starts with version 0 (1 = multi-prime); RSAPublicKey with n.
        return Kind.PRIVATE if version in (0, 1) else Kind.PUBLIC
    if second == _OCTET_STRING:
        return Kind.PRIVATE  # SEC1 EC key: refused later as not RSA, with its curve named
    return Kind.UNKNOWN
