"""Tell what a key file holds before handing it to a parser, so errors can say what went wrong.

cryptography's loaders report "wrong password" and "not this format" with the same exception,
so the container is recognised here first: PEM by its labels, DER by the shape of its first
two ASN.1 elements (enough to separate PKCS#12, PKCS#8, PKCS#1, SPKI and X.509).
"""

from __future__ import annotations

import binascii
import enum
import re
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


# The body may not contain "-----", so a BEGIN without its END costs one scan to the next
# dash run, never to the end of the file (no quadratic blow-up on hostile input).
_PEM = re.compile(
    rb"-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n((?:[^-]|-(?!----))*)-----END ([A-Z0-9 ]{1,64})-----"
)
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
    """Every object found in ``data``: each PEM block in order, or the single DER blob."""
    if b"-----BEGIN " not in data:
        return [Item(_der_kind(data), data)]
    return [_pem_item(match) for match in _PEM.finditer(data)]


def _pem_item(match: re.Match[bytes]) -> Item:
    begin, body, end = match.group(1, 2, 3)
    label = begin.decode("ascii")
    kind = _LABELS.get(label, Kind.UNKNOWN) if begin == end else Kind.UNKNOWN
    if kind is Kind.PRIVATE and b"Proc-Type:" in body:
        # OpenSSL's pre-PKCS#8 encryption lives in PEM headers and has no DER form.
        return Item(Kind.LEGACY_PEM_PRIVATE, match.group(0), label)
    try:
        der = binascii.a2b_base64(b"".join(body.split()), strict_mode=True)
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
