"""Every error this library raises, in one tree.

::

    C2PError                     root: catch this to catch everything below
    ├── ConfigurationError       bad settings, unknown transport or key scheme, missing extra
    ├── ValidationError          our own bad input, refused before anything is sent
    │   └── UnknownOptionError   a misspelt or unsupported keyword option (also a TypeError)
    ├── KeyLoadError             a key or certificate cannot be loaded or is unfit (size, type)
    │   └── KeyProviderError     an HSM or KMS refused or failed an operation (``retryable``)
    ├── CodecError               a token or message from the other side was not acceptable
    │   ├── TokenFormatError     malformed compact token, forbidden header, over the size cap
    │   ├── SignatureError       the outer JWS signature does not verify with the peer's key
    │   ├── DecryptionError      the inner JWE could not be decrypted with our key
    │   ├── XmlError             decrypted XML that is malformed, hostile or off-schema
    │   └── JsonError            a JSON body that is malformed, hostile or off-schema
    ├── ResponseMismatchError    a verified answer about another request (never retried blindly)
    ├── TransportError           the request got no complete HTTP answer (``retryable``)
    │   └── HttpStatusError      the gateway answered with a non-2xx HTTP status
    └── GatewayError             a verified answer whose code is neither success nor pending
        ├── NotFoundError             unknown transaction or merchant (01, 03, 14-16, 53)
        ├── InvalidRequestError       refused as malformed (02, 04, 05, 10, 11, 13, 17)
        ├── NotAllowedError           not allowed in the transaction's state (12, 21, 29, 31 ...)
        ├── AmountError               an amount problem (18, 30, 37, 40, 47, 49 ...)
        ├── IdempotencyConflictError  the idempotencyID was used differently (50, 51)
        └── GatewayFailureError       the gateway failed or timed out (25, 35, 45, 95-99 ...)

``CodecError`` means "what came from the other side did not verify, decrypt or parse";
``ValidationError`` means "what we were asked to send breaks a rule" and is deliberately not a
``CodecError``, so an application that maps ``CodecError`` to "the gateway's answer is not
trustworthy" never catches its own bad input. Each message family maps its own response codes
onto the ``GatewayError`` subclasses (its operations table says how); ``GatewayError.code`` is
that family's code enum, which can also hold codes this version does not know.

Messages name the step that failed and never contain key material, plaintext or whole tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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
    "JsonError",
    "KeyLoadError",
    "KeyProviderError",
    "Mismatch",
    "NotAllowedError",
    "NotFoundError",
    "ResponseMismatchError",
    "SignatureError",
    "TokenFormatError",
    "TransportError",
    "UnknownOptionError",
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


class JsonError(CodecError):
    """A JSON body that is malformed, hostile, or does not fit the message model."""


class ValidationError(C2PError):
    """Our own input breaks a rule (a model, an amount, an option); nothing was sent."""


class UnknownOptionError(ValidationError, TypeError):
    """A keyword option the operation does not know: a typo or an option of another call.

    It is also a ``TypeError``, which is what Python raises for an unexpected keyword argument,
    so both ``except ValidationError`` and ``except TypeError`` catch it.
    """

    def __init__(self, operation: str, unknown: Iterable[str], known: Iterable[str]) -> None:
        self.operation = operation
        self.unknown = tuple(sorted(unknown))
        self.known = tuple(sorted(known))
        names = ", ".join(self.unknown)
        plural = "s" if len(self.unknown) > 1 else ""
        super().__init__(
            f"{operation}() got unknown option{plural} {names}; known: {', '.join(self.known)}"
        )


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One field in which a verified answer disagrees with the request it answers."""

    field: str
    sent: str
    received: str | None


class ResponseMismatchError(C2PError):
    """A verified, decrypted answer that is not about the request that was sent.

    The gateway signed it, so it is genuine, but reporting it as the outcome of this request
    would be wrong: for example a repeated idempotencyID answered with the original response
    about another invoice. ``mismatches`` lists the fields that differ; ``response`` is the
    verified answer. It is never retried blindly: resending the same request gets the same
    answer.
    """

    def __init__(
        self,
        operation: str,
        mismatches: Iterable[Mismatch],
        response: object,
        *,
        hint: str = "",
        idempotency_id: str | None = None,
    ) -> None:
        self.operation = operation
        self.mismatches = tuple(mismatches)
        self.response = response
        self.idempotency_id = idempotency_id
        parts = "; ".join(
            f"{m.field} {m.received!r} instead of {m.sent!r}"
            if m.received is not None
            else f"no {m.field} (sent {m.sent!r})"
            for m in self.mismatches
        )
        message = f"{operation}: the verified answer does not match the request: {parts}"
        super().__init__(f"{message}. {hint}" if hint else message)


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
    """A verified gateway answer whose code is neither success nor pending.

    ``code`` is the code as the family's enum (``RespCode`` for the Payment Action XML
    operations ...; a code this version does not know is still an enum member, with
    ``.known`` false, and compares equal to the raw string); ``description`` is the gateway's
    own text; ``response`` is the verified, decrypted response model; ``operation`` names the
    call; ``idempotency_id`` is the id the request carried (persist it to retry the same
    logical operation safely).
    """

    def __init__(
        self,
        code: str,
        description: str,
        response: object = None,
        *,
        idempotency_id: str | None = None,
        operation: str | None = None,
    ) -> None:
        super().__init__(f"gateway refused the request: {code} {description}".rstrip())
        self.code = code
        self.description = description
        self.response = response
        self.idempotency_id = idempotency_id
        self.operation = operation


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
