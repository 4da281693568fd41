"""Load RSA keys from the files merchants actually have: PEM, DER, PKCS#12 and X.509 ``.cer``.

Every failure is a :class:`~c2p_action.errors.KeyLoadError` that names the file (or
``<bytes>``) and what was wrong with it. Messages never contain key bytes or passwords; causes
are chained only from cryptography's and the OS's own messages, which contain neither.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from c2p_action.codec.jose import MIN_KEY_BITS
from c2p_action.errors import KeyLoadError
from c2p_action.keys._sniff import Item, Kind, items
from c2p_action.keys._wrap import LoadedPrivateKey, LoadedPublicKey

__all__ = ["MIN_RSA_BITS", "KeySource", "Password", "load_private_key", "load_public_key"]

#: A path (``str`` or ``os.PathLike``) or the file's contents (``bytes``, ``bytearray``,
#: ``memoryview``). A ``str`` that contains a PEM header is PEM text, not a file name.
KeySource = str | os.PathLike[str] | bytes | bytearray | memoryview
Password = str | bytes | None

#: Smallest modulus accepted (the gateway's own key is RSA-2048).
MIN_RSA_BITS = MIN_KEY_BITS  # one floor for loading and for the codec
# Key files are a few KiB; a cap keeps a wrong path (a log, a disk image) from being read whole.
_MAX_FILE_BYTES = 1 << 20

_PRIVATE_KINDS = (Kind.PKCS12, Kind.PRIVATE, Kind.ENCRYPTED_PRIVATE, Kind.LEGACY_PEM_PRIVATE)
_PUBLIC_ORDER = (Kind.CERTIFICATE, Kind.PUBLIC, *_PRIVATE_KINDS)
_ENCRYPTED_KINDS = frozenset({Kind.PKCS12, Kind.ENCRYPTED_PRIVATE, Kind.LEGACY_PEM_PRIVATE})


@dataclass(frozen=True, slots=True)
class _Opened:
    private: PrivateKeyTypes | None
    public: PublicKeyTypes
    certificate: x509.Certificate | None


def load_private_key(source: KeySource, password: Password = None) -> LoadedPrivateKey:
    """Load an RSA private key (2048 bits or more) from a file or bytes.

    Reads PEM (PKCS#1, PKCS#8, encrypted PKCS#8, legacy encrypted PEM), DER (PKCS#8, encrypted
    PKCS#8, PKCS#1) and PKCS#12 (``.p12``/``.pfx``). ``password`` (``str`` or ``bytes``) is used
    if the key is encrypted and ignored if it is not; ``""`` means no password. In a PEM file
    holding several blocks, the first private key is used.

    Raises:
        KeyLoadError: missing/unreadable file, unknown format, missing or wrong password,
            not an RSA key, or an RSA key under 2048 bits.
    """
    where, data = _read(source)
    opened = _open(_pick(items(data), _PRIVATE_KINDS, where, "a private key"), password, where)
    if opened.private is None:
        raise KeyLoadError(f"{where}: the PKCS#12 file holds a certificate but no private key")
    if not isinstance(opened.private, rsa.RSAPrivateKey):
        raise KeyLoadError(f"{where}: holds {_key_type(opened.public)}; this API needs RSA")
    _check_rsa(opened.public, where)
    return LoadedPrivateKey(opened.private, source=where)


def load_public_key(source: KeySource, password: Password = None) -> LoadedPublicKey:
    """Load an RSA public key (2048 bits or more) from a certificate, public key or private key.

    Reads X.509 certificates in PEM or DER (the ``.cer`` files from 2C2P), SubjectPublicKeyInfo
    PEM/DER, PKCS#1 public keys, and every private key format :func:`load_private_key` reads
    (their public half; ``password`` for encrypted ones). In a PEM file holding several
    blocks, a certificate is preferred, then a public key, then a private key. The returned
    key's ``certificate`` is set when it came from one. Validity dates are not checked: JOSE
    does not use them.

    Raises:
        KeyLoadError: as for :func:`load_private_key`.
    """
    where, data = _read(source)
    item = _pick(items(data), _PUBLIC_ORDER, where, "a key or certificate")
    opened = _open(item, password, where)
    public = _check_rsa(opened.public, where)
    return LoadedPublicKey(public, source=where, certificate=opened.certificate)


def _read(source: KeySource) -> tuple[str, bytes]:
    """(what to call the source in messages, its bytes)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return "<bytes>", bytes(source)
    if isinstance(source, str) and "-----BEGIN " in source:
        # Never echo it: it is key text, not a name.
        return "<PEM text>", source.encode("utf-8")
    if not isinstance(source, str | os.PathLike):
        raise KeyLoadError(
            f"a key source must be a path or the key's bytes, not {type(source).__name__}"
        )
    where = os.fsdecode(source)
    try:
        with open(source, "rb") as file:
            data = file.read(_MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise KeyLoadError(f"{where}: cannot read the key file ({exc.strerror or exc})") from exc
    if len(data) > _MAX_FILE_BYTES:
        raise KeyLoadError(f"{where}: over {_MAX_FILE_BYTES} bytes, too large for a key file")
    return where, data


def _pick(found: list[Item], order: tuple[Kind, ...], where: str, wanted: str) -> Item:
    for kind in order:
        for item in found:
            if item.kind is kind:
                return item
    raise KeyLoadError(f"{where}: {_problem(found)}; expected {wanted}")


def _problem(found: list[Item]) -> str:
    if not found:
        return "has a PEM header but no complete PEM block"
    first = found[0]
    if first.kind is not Kind.UNKNOWN:
        return f"holds {first.kind.value}"
    if first.label:
        return f"PEM block {first.label!r} is damaged or not a key or certificate"
    if not first.data.strip():
        return "is empty"
    return "is not a PEM, DER or PKCS#12 key file"


def _open(item: Item, password: Password, where: str) -> _Opened:
    secret = password.encode("utf-8") if isinstance(password, str) else password
    secret = secret or None
    try:
        return _OPENERS[item.kind](item.data, secret)
    except _NeedsPassword:
        raise KeyLoadError(f"{where}: {item.kind.value} needs a password; none was given") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        if secret is not None and item.kind in _ENCRYPTED_KINDS:
            problem = f"wrong password for {item.kind.value} (or the file is damaged)"
        else:
            problem = f"{item.kind.value} that is damaged or unsupported"
        raise KeyLoadError(f"{where}: {problem}") from exc


class _NeedsPassword(Exception):
    pass


def _from_private(key: PrivateKeyTypes) -> _Opened:
    return _Opened(key, key.public_key(), None)


def _open_plain(der: bytes, secret: bytes | None) -> _Opened:
    # A password for an unencrypted key is ignored: one configuration then serves both.
    return _from_private(serialization.load_der_private_key(der, None))


def _open_encrypted(der: bytes, secret: bytes | None) -> _Opened:
    if secret is None:
        raise _NeedsPassword
    return _from_private(serialization.load_der_private_key(der, secret))


def _open_legacy_pem(block: bytes, secret: bytes | None) -> _Opened:
    if secret is None:
        raise _NeedsPassword
    return _from_private(serialization.load_pem_private_key(block, secret))


def _open_pkcs12(der: bytes, secret: bytes | None) -> _Opened:
    try:
        key, cert, others = pkcs12.load_key_and_certificates(der, secret)
    except ValueError:
        if secret is None:
            # cryptography gives one message for "needs a password" and "damaged".
            raise _NeedsPassword from None
        raise
    # Without a key, no certificate is "the" key's: cryptography lists them all as extras.
    cert = cert or next(iter(others), None)
    public: PublicKeyTypes
    if key is not None:
        public = key.public_key()
    elif cert is not None:
        public = cert.public_key()
    else:
        raise ValueError("PKCS#12 file holds neither a key nor a certificate")
    return _Opened(key, public, cert)


def _open_certificate(der: bytes, secret: bytes | None) -> _Opened:
    cert = x509.load_der_x509_certificate(der)
    return _Opened(None, cert.public_key(), cert)


def _open_public(der: bytes, secret: bytes | None) -> _Opened:
    return _Opened(None, serialization.load_der_public_key(der), None)


_OPENERS = {
    Kind.PKCS12: _open_pkcs12,
    Kind.PRIVATE: _open_plain,
    Kind.ENCRYPTED_PRIVATE: _open_encrypted,
    Kind.LEGACY_PEM_PRIVATE: _open_legacy_pem,
    Kind.CERTIFICATE: _open_certificate,
    Kind.PUBLIC: _open_public,
}


def _check_rsa(public: PublicKeyTypes, where: str) -> rsa.RSAPublicKey:
    if not isinstance(public, rsa.RSAPublicKey):
        raise KeyLoadError(f"{where}: holds {_key_type(public)}; this API needs RSA")
    if public.key_size < MIN_RSA_BITS:
        raise KeyLoadError(
            f"{where}: RSA-{public.key_size} is too small; at least {MIN_RSA_BITS} bits needed"
        )
    exponent = public.public_numbers().e
    if exponent < 3 or exponent % 2 == 0:
        raise KeyLoadError(f"{where}: RSA public exponent {exponent} is unusable")
    return public


def _key_type(public: PublicKeyTypes) -> str:
    if isinstance(public, ec.EllipticCurvePublicKey):
        name = f"EC {public.curve.name}"
    else:
        name = type(public).__name__.removesuffix("PublicKey").lstrip("_")
    return f"a non-RSA key ({name})"
