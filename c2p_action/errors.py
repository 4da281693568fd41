"""Every error this library raises, in one tree.

::

    C2PError                     root: catch this to catch everything below
    ├── ConfigurationError       bad settings, unknown transport or key scheme, missing extra
    ├── KeyLoadError             a key or certificate cannot be loaded or is unfit (size, type)
    │   └── KeyProviderError     an HSM or KMS refused or failed an operation (``retryable``)
    ├── CodecError               a token or message could not be produced or accepted
    │   ├── TokenFormatError     malformed compact token, forbidden header, over the size cap
    │   ├── SignatureError       the outer JWS signature does not verify with the peer's key
    │   ├── DecryptionError      the inner JWE could not be decrypted with our key
    │   ├── XmlError             decrypted XML that is malformed, hostile or off-schema
    │   └── ValidationError      a model breaks a schema rule (raised before encryption)
    ├── TransportError           the request got no complete HTTP answer (``retryable``)
    │   └── HttpStatusError      the gateway answered with a non-2xx HTTP status
    └── GatewayError             a verified answer whose code is not 00 (success) or 42 (pending)
        ├── NotFoundError             unknown transaction or merchant (01, 03, 14-16, 53)
        ├── InvalidRequestError       refused as malformed (02, 04, 05, 10, 11, 13, 17)
        ├── NotAllowedError           not allowed in the transaction's state (12, 21, 29, 31 ...)
        ├── AmountError               an amount problem (18, 30, 37, 40, 47, 49 ...)
        ├── IdempotencyConflictError  the idempotencyID was used differently (50, 51)
        └── GatewayFailureError       the gateway failed or timed out (25, 35, 45, 95-99 ...)

Messages name the step that failed and never contain key material, plaintext or whole tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from c2p_action.schemas import PaymentProcessResponse

__all__ = [
    "AmountError",
    "C2PError",
    "CodecError",
    "ConfigurationError",
    "DecryptionError",
    "GatewayError",
    "GatewayFailureError",
    "HttpStatusError",
    "IdempotencyConflictError",
    "InvalidRequestError",
    "KeyLoadError",
    "KeyProviderError",
    "NotAllowedError",
    "NotFoundError",
    "SignatureError",
    "TokenFormatError",
    "TransportError",
    "ValidationError",
    "XmlError",
]


class C2PError(Exception):
    """Root of every error raised by ``c2p_action``.

    ``idempotency_id`` is set by the clients on any error of a call that carried one, so a
    caller can persist it and retry the same logical operation safely.
    """

    idempotency_id: str | None = None


class ConfigurationError(C2PError):
    """The library was configured with something it cannot use."""


class KeyLoadError(C2PError):
    """A key or certificate could not be loaded, or is unfit for this API."""


class KeyProviderError(KeyLoadError):
    """An HSM or KMS refused or failed a key operation."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class CodecError(C2PError):
    """A token or message could not be produced or accepted."""


class TokenFormatError(CodecError):
    """The input is not an acceptable compact JWS(JWE) token."""


class SignatureError(CodecError):
    """The outer signature does not verify with the peer's public key."""


class DecryptionError(CodecError):
    """The inner JWE could not be decrypted (wrong key or tampered content)."""


class XmlError(CodecError):
    """Decrypted XML that is malformed, hostile, or does not fit the message schema."""


class ValidationError(CodecError):
    """A message model breaks a schema rule; raised before anything is encrypted."""


class TransportError(C2PError):
    """The request did not reach the gateway or no complete answer came back."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class HttpStatusError(TransportError):
    """The gateway answered with a non-2xx HTTP status; 5xx are retryable."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or f"gateway answered HTTP {status}", retryable=status >= 500)
        self.status = status


class GatewayError(C2PError):
    """A verified gateway response whose code is neither success (00) nor pending (42).

    ``response`` is the verified, decrypted response; ``idempotency_id`` is the id the request
    carried (persist it to retry the same logical operation safely).
    """

    def __init__(
        self,
        code: str,
        description: str,
        response: PaymentProcessResponse | None = None,
        *,
        idempotency_id: str | None = None,
    ) -> None:
        super().__init__(f"gateway refused the request: {code} {description}".rstrip())
        self.code = code
        self.description = description
        self.response = response
        self.idempotency_id = idempotency_id


class NotFoundError(GatewayError):
    """The transaction, stored card or merchant is unknown to the gateway."""


class InvalidRequestError(GatewayError):
    """The gateway refused the request as malformed or incomplete."""


class NotAllowedError(GatewayError):
    """The action is not allowed in the transaction's current state."""


class AmountError(GatewayError):
    """The amount is invalid or exceeds what the transaction allows."""


class IdempotencyConflictError(GatewayError):
    """The idempotencyID was already used for another type, or its original is pending."""


class GatewayFailureError(GatewayError):
    """The gateway failed or timed out; 2C2P marks some of these codes as retryable."""
