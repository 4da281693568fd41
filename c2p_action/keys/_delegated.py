"""An RSA private key whose private half lives elsewhere (an HSM or a KMS).

The codec uses its own key only for PS256 signatures and RSA-OAEP (SHA-1) decryption, so a
delegated key accepts exactly those, plus PKCS#1 v1.5 with SHA-256 (``sha256WithRSAEncryption``,
which ``certificate_for`` uses for the self-signed portal certificate, the form every X.509
consumer accepts), and refuses everything else by name instead of silently using different
parameters. Parameters are compared with the padding objects' public
``==`` (``cryptography`` defines equality on ``PSS``, ``OAEP`` and ``MGF1``), never by reading
their private attributes.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, NoReturn

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from cryptography.hazmat.primitives.asymmetric.padding import AsymmetricPadding

from c2p_action.errors import DecryptionError, KeyProviderError

__all__ = ["DelegatedRSAPrivateKey"]

_SHA256 = hashes.SHA256()
_MGF1_SHA256 = padding.MGF1(_SHA256)
# Salt length 32 may be spelt as the number or as DIGEST_LENGTH; both mean the same for SHA-256.
_PSS_ACCEPTED = (
    padding.PSS(mgf=_MGF1_SHA256, salt_length=_SHA256.digest_size),
    padding.PSS(mgf=_MGF1_SHA256, salt_length=padding.PSS.DIGEST_LENGTH),
)
_PKCS1V15 = padding.PKCS1v15()
# An empty label and no label are the same OAEP encoding.
_OAEP_ACCEPTED = tuple(
    padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=label)  # noqa: S303
    for label in (None, b"")
)


class DelegatedRSAPrivateKey(rsa.RSAPrivateKey):
    """Base for keys that sign and decrypt inside an HSM or KMS.

    Subclasses implement :meth:`_sign_pss_sha256` (RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32),
    :meth:`_sign_pkcs1v15_sha256` and :meth:`_decrypt_oaep_sha1`. The public key is fetched
    once when the key is loaded and cached here.
    """

    #: Names the backend in error messages, e.g. ``"PKCS#11 token"``.
    backend = "remote key"

    def __init__(self, public_key: rsa.RSAPublicKey, description: str) -> None:
        self._public = public_key
        self._description = description

    def __repr__(self) -> str:
        return f"<{type(self).__name__} RSA-{self.key_size} {self._description}>"

    @property
    def key_size(self) -> int:
        """Modulus size in bits, from the cached public key."""
        return self._public.key_size

    def public_key(self) -> rsa.RSAPublicKey:
        """The cached public key (no call to the HSM/KMS)."""
        return self._public

    def sign(
        self,
        data: bytes,
        padding: AsymmetricPadding,
        algorithm: utils.Prehashed | hashes.HashAlgorithm | utils.NoDigestInfo,
    ) -> bytes:
        """Sign inside the backend: PSS (MGF1-SHA-256, salt 32) or PKCS#1 v1.5, with SHA-256."""
        pss = padding in _PSS_ACCEPTED
        if not pss and padding != _PKCS1V15:
            self._refuse(
                f"signing with {padding.name} and these parameters is not supported; only PSS"
                " with MGF1-SHA-256 and salt length 32 (PS256), or PKCS#1 v1.5 (certificates)"
            )
        # A Prehashed algorithm carries its hash only in a private attribute, and the codec
        # never pre-hashes, so only the plain SHA-256 instance is accepted.
        if not isinstance(algorithm, hashes.SHA256):
            shown = algorithm.name if isinstance(algorithm, hashes.HashAlgorithm) else "a prehash"
            self._refuse(f"signing with {shown} is not supported; only SHA-256")
        if pss:
            return self._sign_pss_sha256(bytes(data))
        return self._sign_pkcs1v15_sha256(bytes(data))

    def decrypt(self, ciphertext: bytes, padding: AsymmetricPadding) -> bytes:
        """Decrypt RSA-OAEP (SHA-1, MGF1-SHA-1, no label) inside the backend."""
        if padding not in _OAEP_ACCEPTED:
            self._refuse(
                f"decrypting with {padding.name} and these parameters is not supported;"
                " only OAEP with SHA-1, MGF1-SHA-1 and no label (JOSE RSA-OAEP)"
            )
        if len(ciphertext) != (self.key_size + 7) // 8:
            # Same early refusal a file key gives, without a round trip to the backend.
            raise DecryptionError(
                f"{self.backend} decryption: ciphertext is {len(ciphertext)} bytes,"
                f" RSA-{self.key_size} needs {(self.key_size + 7) // 8}"
            )
        return self._decrypt_oaep_sha1(bytes(ciphertext))

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        """Always refused: the private key never leaves the backend."""
        self._not_exportable()

    def private_bytes(self, *args: Any, **kwargs: Any) -> bytes:
        """Always refused: the private key never leaves the backend."""
        self._not_exportable()

    def __copy__(self) -> DelegatedRSAPrivateKey:
        # The object is only a handle; copies share the backend key.
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> DelegatedRSAPrivateKey:
        return self

    @abstractmethod
    def _sign_pss_sha256(self, message: bytes) -> bytes:
        """Return the PS256 signature of ``message``."""

    @abstractmethod
    def _sign_pkcs1v15_sha256(self, message: bytes) -> bytes:
        """Return the RSASSA-PKCS1-v1_5 SHA-256 signature of ``message``."""

    @abstractmethod
    def _decrypt_oaep_sha1(self, ciphertext: bytes) -> bytes:
        """Return the OAEP plaintext; raise DecryptionError if the backend rejects it."""

    def _refuse(self, why: str) -> NoReturn:
        raise KeyProviderError(f"{self.backend} key {self._description}: {why}")

    def _not_exportable(self) -> NoReturn:
        raise KeyProviderError(
            f"{self.backend} key {self._description} is not exportable: the private key never"
            " leaves the device; use public_key() for the public half"
        )
