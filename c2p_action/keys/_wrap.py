"""Thin wrappers that give loaded keys a safe ``repr`` and a cached fingerprint.

The wrappers ARE cryptography RSA key objects (subclasses of the ABCs), so they go anywhere a key
goes; each method is a single delegating call, which is noise next to one RSA operation.
"""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric import utils as asym_utils
from cryptography.hazmat.primitives.asymmetric.padding import AsymmetricPadding

__all__ = ["LoadedPrivateKey", "LoadedPublicKey", "fingerprint"]

_MEMORY = "<memory>"
# Enough to tell keys apart at a glance; fingerprint() and .fingerprint give all 64 hex digits.
_SHORT = 16


def _spki_sha256(public: rsa.RSAPublicKey) -> str:
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def fingerprint(key: rsa.RSAPublicKey | rsa.RSAPrivateKey | x509.Certificate) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo, as 64 lowercase hex digits.

    Same value as ``openssl pkey -pubout -outform DER | sha256sum``; a private key and its
    certificate have the same fingerprint. Cached on keys returned by this package.
    """
    if isinstance(key, LoadedPrivateKey | LoadedPublicKey):
        return key.fingerprint
    if isinstance(key, rsa.RSAPrivateKey | x509.Certificate):
        public = key.public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            raise TypeError(f"fingerprint() needs an RSA key, not {type(public).__name__}")
        return _spki_sha256(public)
    return _spki_sha256(key)


def _describe(kind: str, size: int, print_: str, source: str) -> str:
    return f"<{kind} RSA-{size} sha256:{print_[:_SHORT]} from {source!r}>"


class LoadedPublicKey(rsa.RSAPublicKey):
    """An RSA public key with a safe ``repr``, its fingerprint and (if any) its certificate.

    Equal to, and hashed consistently with, any RSA public key with the same SubjectPublicKeyInfo.
    """

    __slots__ = ("_certificate", "_fingerprint", "_key", "_key_size", "_source")
    _certificate: x509.Certificate | None
    _fingerprint: str
    _key: rsa.RSAPublicKey
    _key_size: int
    _source: str

    def __init__(
        self,
        key: rsa.RSAPublicKey,
        *,
        source: str = _MEMORY,
        certificate: x509.Certificate | None = None,
    ) -> None:
        if isinstance(key, LoadedPublicKey):
            certificate = certificate or key._certificate
            key = key._key
        self._key = key
        self._key_size = key.key_size
        self._fingerprint = _spki_sha256(key)
        self._source = source
        self._certificate = certificate

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the DER SubjectPublicKeyInfo (64 hex digits)."""
        return self._fingerprint

    @property
    def source(self) -> str:
        """Where the key came from: a path, ``"<bytes>"`` or ``"<memory>"``."""
        return self._source

    @property
    def certificate(self) -> x509.Certificate | None:
        """The X.509 certificate the key was read from, if it came from one."""
        return self._certificate

    @property
    def key_size(self) -> int:
        """The bit length of the modulus."""
        return self._key_size

    def encrypt(self, plaintext: bytes, padding: AsymmetricPadding) -> bytes:
        """Encrypt with the wrapped key."""
        return self._key.encrypt(plaintext, padding)

    def verify(
        self,
        signature: bytes,
        data: bytes,
        padding: AsymmetricPadding,
        algorithm: asym_utils.Prehashed | hashes.HashAlgorithm,
    ) -> None:
        """Verify with the wrapped key; raises ``InvalidSignature`` on mismatch."""
        self._key.verify(signature, data, padding, algorithm)

    def recover_data_from_signature(
        self,
        signature: bytes,
        padding: AsymmetricPadding,
        algorithm: hashes.HashAlgorithm | asym_utils.NoDigestInfo | None,
    ) -> bytes:
        """Recover signed data with the wrapped key."""
        return self._key.recover_data_from_signature(signature, padding, algorithm)

    def public_numbers(self) -> rsa.RSAPublicNumbers:
        """The modulus and public exponent."""
        return self._key.public_numbers()

    def public_bytes(
        self, encoding: serialization.Encoding, format: serialization.PublicFormat
    ) -> bytes:
        """Serialize the wrapped key."""
        return self._key.public_bytes(encoding, format)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LoadedPublicKey):
            return self._fingerprint == other._fingerprint
        if isinstance(other, rsa.RSAPublicKey):
            return self._fingerprint == _spki_sha256(other)
        return NotImplemented

    def __hash__(self) -> int:
        # cryptography's own public keys are unhashable; equal wrappers share a fingerprint.
        return hash(self._fingerprint)

    def __copy__(self) -> LoadedPublicKey:
        # Immutable, like cryptography's keys, which also return themselves.
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> LoadedPublicKey:
        return self

    def __repr__(self) -> str:
        return _describe("LoadedPublicKey", self._key_size, self._fingerprint, self._source)

    __str__ = __repr__


class LoadedPrivateKey(rsa.RSAPrivateKey):
    """An RSA private key whose ``repr``/``str`` show only its size, fingerprint and source.

    ``public_key()`` returns a cached :class:`LoadedPublicKey`. Wraps any ``RSAPrivateKey``
    (file keys, HSM handles); wrapping a wrapper reuses the inner key.
    """

    __slots__ = ("_key", "_key_size", "_public", "_source")
    _key: rsa.RSAPrivateKey
    _key_size: int
    _public: LoadedPublicKey
    _source: str

    def __init__(self, key: rsa.RSAPrivateKey, *, source: str = _MEMORY) -> None:
        if isinstance(key, LoadedPrivateKey):
            key = key._key
        self._key = key
        self._key_size = key.key_size
        self._public = LoadedPublicKey(key.public_key(), source=source)
        self._source = source

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the public half's DER SubjectPublicKeyInfo (64 hex digits)."""
        return self._public.fingerprint

    @property
    def source(self) -> str:
        """Where the key came from: a path, ``"<bytes>"`` or ``"<memory>"``."""
        return self._source

    @property
    def key_size(self) -> int:
        """The bit length of the modulus."""
        return self._key_size

    def public_key(self) -> LoadedPublicKey:
        """The public half (cached, not recomputed)."""
        return self._public

    def sign(
        self,
        data: bytes,
        padding: AsymmetricPadding,
        algorithm: asym_utils.Prehashed | hashes.HashAlgorithm | asym_utils.NoDigestInfo,
    ) -> bytes:
        """Sign with the wrapped key."""
        return self._key.sign(data, padding, algorithm)

    def decrypt(self, ciphertext: bytes, padding: AsymmetricPadding) -> bytes:
        """Decrypt with the wrapped key."""
        return self._key.decrypt(ciphertext, padding)

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        """The secret numbers (delegated; HSM keys refuse)."""
        return self._key.private_numbers()

    def private_bytes(
        self,
        encoding: serialization.Encoding,
        format: serialization.PrivateFormat,
        encryption_algorithm: serialization.KeySerializationEncryption,
    ) -> bytes:
        """Serialize the wrapped key (delegated; HSM keys refuse)."""
        return self._key.private_bytes(encoding, format, encryption_algorithm)

    def __copy__(self) -> LoadedPrivateKey:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> LoadedPrivateKey:
        return self

    def __repr__(self) -> str:
        return _describe("LoadedPrivateKey", self._key_size, self.fingerprint, self._source)

    __str__ = __repr__
