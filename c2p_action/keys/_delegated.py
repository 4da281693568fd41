"""A public base class for RSA private keys whose private half lives elsewhere (HSM, KMS, ...).

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
    """Base for RSA private keys that sign and decrypt somewhere else (an HSM, a KMS, a vault).

    It is a complete ``cryptography`` :class:`~cryptography.hazmat.primitives.asymmetric.rsa.
    RSAPrivateKey`: give it to :class:`~c2p_action.Codec`, a client or
    :func:`~c2p_action.keys.certificate_for` like any other key. A subclass implements three
    methods, each given exactly the bytes to work on, with the algorithm already checked:

    ``sign_pss_sha256(message)``
        RSASSA-PSS over SHA-256, MGF1 with SHA-256, salt length 32 (JOSE ``PS256``): every
        request the codec sends. ``message`` is the whole signing input (hash it yourself, or
        hand it to a backend that hashes).
    ``decrypt_oaep_sha1(ciphertext)``
        RSAES-OAEP with SHA-1 and MGF1-SHA-1, no label (JOSE ``RSA-OAEP``): the content key of
        every response. ``ciphertext`` is already checked to be one modulus long.
    ``sign_pkcs1v15_sha256(message)``
        RSASSA-PKCS1-v1_5 over SHA-256: only for the self-signed certificate that
        :func:`~c2p_action.keys.certificate_for` makes for the merchant portal. A backend that
        cannot do it raises :class:`~c2p_action.errors.KeyProviderError` saying so.

    Every other padding, hash or parameter is refused with ``KeyProviderError`` before a
    subclass method runs, and the private key is never exportable (``private_bytes`` and
    ``private_numbers`` raise ``KeyProviderError``).

    Errors a subclass raises:

    - :class:`~c2p_action.errors.KeyProviderError` when the backend refuses or fails. Set
      ``retryable=True`` only when the same call may succeed later unchanged (throttling, a
      timeout, a dropped connection, a backend briefly unavailable): the client's retry policy
      then retries the whole call, with backoff, when the call is safe to repeat (an inquiry,
      or an operation with an idempotencyID). Access denied, a disabled or deleted key, a
      wrong key type: ``retryable=False``.
    - :class:`~c2p_action.errors.DecryptionError` from ``decrypt_oaep_sha1`` when the backend
      rejects the ciphertext itself (encrypted to another key, or tampered): the answer is
      then reported as undecryptable, like a file key would report it.
    - Never put key material, PINs, passwords, plaintext or whole tokens in a message: it
      reaches logs and the CLI's output.

    Thread safety: one key object is shared by every thread of a :class:`~c2p_action.Client`
    and by the worker threads in which :class:`~c2p_action.AsyncClient` runs RSA work, so the
    three methods must be safe to call concurrently (serialise inside them if the backend's
    handle is not). They may block: the async client never calls them on its event loop.

    ``public_key`` is the key's public half, fetched once when the provider loads the key (no
    backend call afterwards). ``description`` names the key in ``repr`` and error messages (a
    URI without secrets, a key id); set the class attribute :attr:`backend` to name the kind
    of backend (``"PKCS#11"``, ``"AWS KMS"``). Copies share the backend key.
    """

    #: Names the backend in error messages, e.g. ``"PKCS#11"``.
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
        """The cached public key (no call to the backend)."""
        return self._public

    def sign(
        self,
        data: bytes,
        padding: AsymmetricPadding,
        algorithm: utils.Prehashed | hashes.HashAlgorithm | utils.NoDigestInfo,
    ) -> bytes:
        """Sign in the backend: PSS (MGF1-SHA-256, salt 32) or PKCS#1 v1.5, with SHA-256."""
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
            return self.sign_pss_sha256(bytes(data))
        return self.sign_pkcs1v15_sha256(bytes(data))

    def decrypt(self, ciphertext: bytes, padding: AsymmetricPadding) -> bytes:
        """Decrypt RSA-OAEP (SHA-1, MGF1-SHA-1, no label) in the backend."""
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
        return self.decrypt_oaep_sha1(bytes(ciphertext))

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
    def sign_pss_sha256(self, message: bytes) -> bytes:
        """Return the PS256 signature of ``message`` (PSS, SHA-256, MGF1-SHA-256, salt 32)."""

    @abstractmethod
    def sign_pkcs1v15_sha256(self, message: bytes) -> bytes:
        """Return the RSASSA-PKCS1-v1_5 SHA-256 signature of ``message`` (certificates)."""

    @abstractmethod
    def decrypt_oaep_sha1(self, ciphertext: bytes) -> bytes:
        """Return the OAEP (SHA-1) plaintext; raise DecryptionError if the backend rejects it."""

    def _refuse(self, why: str) -> NoReturn:
        raise KeyProviderError(f"{self.backend} key {self._description}: {why}")

    def _not_exportable(self) -> NoReturn:
        raise KeyProviderError(
            f"{self.backend} key {self._description} is not exportable: the private key never"
            " leaves the device; use public_key() for the public half"
        )
