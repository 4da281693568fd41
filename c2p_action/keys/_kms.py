"""RSA keys that stay inside AWS KMS, through ``boto3`` (the ``kms`` extra).

URI::

    aws-kms:?sign=<key>&decrypt=<key>[&region=<region>][&endpoint-url=<url>][&profile=<name>]

``<key>`` is a key id, key ARN, ``alias/<name>`` or alias ARN. A KMS key has one usage, so two
keys are named: a ``SIGN_VERIFY`` key (``RSASSA_PSS_SHA_256``, the digest computed here and
sent with ``MessageType=DIGEST``) and an ``ENCRYPT_DECRYPT`` key (``RSAES_OAEP_SHA_1``). 2C2P
knows one merchant public key, so both KMS keys must hold the same imported RSA key material:
loading fetches both public keys once (``GetPublicKey``) and refuses to run if they differ.
After that each signature costs one ``Sign`` call and each decryption one ``Decrypt`` call.

Credentials, retries and timeouts come from the usual AWS configuration (environment, shared
files, ``profile``); the region defaults to the one in the sign key's ARN.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.errors import (
    ConfigurationError,
    DecryptionError,
    KeyLoadError,
    KeyProviderError,
)
from c2p_action.keys._delegated import DelegatedRSAPrivateKey

__all__ = ["AwsKmsKeyProvider", "KmsPrivateKey", "KmsUri", "parse_kms_uri"]

SCHEME: Final = "aws-kms"
PSS_ALGORITHM: Final = "RSASSA_PSS_SHA_256"
PKCS1_ALGORITHM: Final = "RSASSA_PKCS1_V1_5_SHA_256"
OAEP_ALGORITHM: Final = "RSAES_OAEP_SHA_1"
MIN_KEY_BITS: Final = 2048
_PARAMS: Final = ("sign", "decrypt", "region", "endpoint-url", "profile")

# KMS error codes whose cause is transient: a later attempt may succeed.
_RETRYABLE: Final = frozenset(
    {
        "ThrottlingException",
        "LimitExceededException",
        "KMSInternalException",
        "DependencyTimeoutException",
        "KeyUnavailableException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "InternalFailure",
    }
)
_EXPLAINED: Final = {
    "AccessDeniedException": "access denied",
    "ThrottlingException": "throttled",
    "DisabledException": "the key is disabled",
    "InvalidKeyUsageException": "the key's usage or algorithms do not allow this operation",
    "NotFoundException": "no such key",
    "KMSInvalidStateException": "the key is not in a usable state (pending deletion or import?)",
    "KeyUnavailableException": "the key is unavailable",
    "UnrecognizedClientException": "the credentials were not recognised",
    "InvalidSignatureException": "the request signature was refused (check credentials)",
}


@dataclass(frozen=True, slots=True)
class KmsUri:
    """A parsed ``aws-kms:`` URI."""

    sign: str
    decrypt: str
    region: str | None = None
    endpoint_url: str | None = None
    profile: str | None = None

    def __str__(self) -> str:
        return f"{SCHEME}:?sign={self.sign}&decrypt={self.decrypt}"


def parse_kms_uri(text: str) -> KmsUri:
    """Parse ``aws-kms:?sign=...&decrypt=...``; raise :class:`KeyLoadError` on any problem."""
    prefix = f"{SCHEME}:?"
    if not text[: len(prefix)].lower() == prefix:
        raise KeyLoadError(f"AWS KMS key URI must start with {prefix!r}")
    try:
        pairs = parse_qsl(text[len(prefix) :], strict_parsing=True, max_num_fields=len(_PARAMS))
    except ValueError:
        raise KeyLoadError("AWS KMS key URI: the query is not name=value&...") from None
    values: dict[str, str] = {}
    for name, value in pairs:
        if name not in _PARAMS:
            known = ", ".join(_PARAMS)
            raise KeyLoadError(f"AWS KMS key URI: unknown parameter {name!r} ({known})")
        if name in values:
            raise KeyLoadError(f"AWS KMS key URI: {name!r} appears twice")
        values[name] = value
    if "sign" not in values or "decrypt" not in values:
        raise KeyLoadError("AWS KMS key URI needs both sign=<key> and decrypt=<key>")
    return KmsUri(
        sign=values["sign"],
        decrypt=values["decrypt"],
        region=values.get("region") or _arn_region(values["sign"]),
        endpoint_url=values.get("endpoint-url"),
        profile=values.get("profile"),
    )


def _arn_region(key: str) -> str | None:
    parts = key.split(":")
    return parts[3] if key.startswith("arn:") and len(parts) > 3 and parts[3] else None


def _boto3() -> Any:
    try:
        import boto3
    except ImportError:
        raise ConfigurationError(
            "AWS KMS keys need boto3: pip install '2c2p-payment-action[kms]'"
        ) from None
    return boto3


def _kms_call(step: str, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one KMS API call; map botocore failures to library errors (KeyProviderError)."""
    from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, NoCredentialsError

    try:
        return call()
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "UnknownError"))
        if code in ("InvalidCiphertextException", "IncorrectKeyException"):
            raise DecryptionError(
                f"AWS KMS {step}: the ciphertext was rejected (encrypted to another key, or"
                " tampered)"
            ) from None
        why = _EXPLAINED.get(code, "refused")
        raise KeyProviderError(
            f"AWS KMS {step} failed: {why} ({code})", retryable=code in _RETRYABLE
        ) from None
    except NoCredentialsError:
        raise KeyProviderError(f"AWS KMS {step} failed: no AWS credentials found") from None
    except ConnectionError as exc:
        raise KeyProviderError(
            f"AWS KMS {step} failed: {type(exc).__name__}", retryable=True
        ) from None
    except BotoCoreError as exc:
        raise KeyProviderError(f"AWS KMS {step} failed: {type(exc).__name__}") from None


class KmsPrivateKey(DelegatedRSAPrivateKey):
    """A merchant key held by two AWS KMS keys (one for signing, one for decryption)."""

    backend = "AWS KMS"

    def __init__(self, client: Any, uri: KmsUri, public_key: rsa.RSAPublicKey) -> None:
        super().__init__(public_key, str(uri))
        # boto3 clients are thread-safe, so the async client's thread pool may share this key.
        self._client = client
        self._uri = uri

    def sign_pss_sha256(self, message: bytes) -> bytes:
        """One KMS ``Sign`` call with ``RSASSA_PSS_SHA_256`` over the message's digest."""
        return self._sign(message, PSS_ALGORITHM)

    def sign_pkcs1v15_sha256(self, message: bytes) -> bytes:
        """One KMS ``Sign`` call with ``RSASSA_PKCS1_V1_5_SHA_256`` (certificates)."""
        return self._sign(message, PKCS1_ALGORITHM)

    def _sign(self, message: bytes, algorithm: str) -> bytes:
        # Hash here: KMS accepts at most 4 KiB of RAW message, and a digest is 32 bytes.
        digest = hashlib.sha256(message).digest()
        answer = _kms_call(
            "Sign",
            lambda: self._client.sign(
                KeyId=self._uri.sign,
                Message=digest,
                MessageType="DIGEST",
                SigningAlgorithm=algorithm,
            ),
        )
        return bytes(answer["Signature"])

    def decrypt_oaep_sha1(self, ciphertext: bytes) -> bytes:
        """One KMS ``Decrypt`` call with ``RSAES_OAEP_SHA_1``."""
        answer = _kms_call(
            "Decrypt",
            lambda: self._client.decrypt(
                KeyId=self._uri.decrypt,
                CiphertextBlob=ciphertext,
                EncryptionAlgorithm=OAEP_ALGORITHM,
            ),
        )
        return bytes(answer["Plaintext"])


class AwsKmsKeyProvider:
    """Key provider for ``aws-kms:`` URIs.

    ``client_factory(uri)`` builds the boto3 KMS client; the default uses a fresh
    ``boto3.session.Session(profile_name=uri.profile)`` with the URI's region and endpoint.
    """

    scheme = SCHEME

    def __init__(self, *, client_factory: Callable[[KmsUri], Any] | None = None) -> None:
        self._client_factory = client_factory or _default_client

    def load_private_key(self, uri: str, password: bytes | None = None) -> rsa.RSAPrivateKey:
        """Check both KMS keys (usage, algorithms, same public key) and return the key object.

        KMS keys have no password (AWS credentials come from the AWS configuration), so a
        ``password`` is refused with :class:`~c2p_action.errors.ConfigurationError`.
        """
        if password is not None:
            raise ConfigurationError(
                "a key password does not apply to aws-kms: keys; AWS credentials come from the"
                " AWS configuration (unset C2P_MERCHANT_KEY_PASSWORD)"
            )
        parsed = parse_kms_uri(uri)
        client = self._client_factory(parsed)
        return KmsPrivateKey(client, parsed, _checked_public_key(client, parsed))

    def load_public_key(self, uri: str) -> rsa.RSAPublicKey:
        """The merchant public key both KMS keys hold (the same checks as for the private key)."""
        parsed = parse_kms_uri(uri)
        return _checked_public_key(self._client_factory(parsed), parsed)


def _default_client(uri: KmsUri) -> Any:
    boto3 = _boto3()
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.session.Session(profile_name=uri.profile)
        return session.client(
            "kms",
            region_name=uri.region,
            endpoint_url=uri.endpoint_url,
            config=Config(connect_timeout=5, read_timeout=15),
        )
    except BotoCoreError as exc:
        raise KeyLoadError(f"AWS KMS client could not be created: {exc}") from None


def _checked_public_key(client: Any, uri: KmsUri) -> rsa.RSAPublicKey:
    sign = _fetch_public(client, uri.sign, "SIGN_VERIFY", "SigningAlgorithms", PSS_ALGORITHM)
    decrypt = _fetch_public(
        client, uri.decrypt, "ENCRYPT_DECRYPT", "EncryptionAlgorithms", OAEP_ALGORITHM
    )
    if _spki(sign) != _spki(decrypt):
        raise KeyLoadError(
            "AWS KMS: the sign and decrypt keys hold different public keys; 2C2P knows one"
            " merchant key, so import the same RSA key material into both"
        )
    if sign.key_size < MIN_KEY_BITS:
        raise KeyLoadError(f"AWS KMS: the key is RSA-{sign.key_size}; {MIN_KEY_BITS} needed")
    return sign


def _fetch_public(
    client: Any, key_id: str, usage: str, algorithms_field: str, algorithm: str
) -> rsa.RSAPublicKey:
    answer = _kms_call("GetPublicKey", lambda: client.get_public_key(KeyId=key_id))
    if answer.get("KeyUsage") != usage:
        raise KeyLoadError(
            f"AWS KMS key {key_id} has usage {answer.get('KeyUsage')}; {usage} is needed"
        )
    if algorithm not in answer.get(algorithms_field, ()):
        raise KeyLoadError(f"AWS KMS key {key_id} does not allow {algorithm}")
    try:
        public = serialization.load_der_public_key(bytes(answer["PublicKey"]))
    except (KeyError, ValueError):
        raise KeyLoadError(f"AWS KMS key {key_id}: GetPublicKey returned no usable key") from None
    if not isinstance(public, rsa.RSAPublicKey):
        raise KeyLoadError(f"AWS KMS key {key_id} is not an RSA key")
    return public


def _spki(public: rsa.RSAPublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
