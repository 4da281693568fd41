"""What both clients share: configuration, keys and codec, and the steps of one exchange.

Every operation of every family takes the same path: prepare (once) -> encode (once) ->
[send -> check HTTP -> decode -> interpret] repeated under the retry policy. Everything but
"send" and "wait" lives here; ``_sync.py`` and ``_async.py`` do only those two their own way.
The operations table (:mod:`c2p_action.operations`) says, per operation, where it goes, how it
is sealed, how its answer is bound to the request and how its code is read: nothing here names
a message family.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, Self, TypedDict, TypeVar, Unpack, cast

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from c2p_action.client._config import (
    PrivateKeySource,
    PublicKeySource,
    Settings,
)
from c2p_action.client._logging import log_body, log_outcome, logger
from c2p_action.client._retry import RetryPolicy
from c2p_action.client._trace import Recorder, TraceWriter
from c2p_action.codec import Codec, Envelope
from c2p_action.codec.messages import decode_body, encode_body
from c2p_action.errors import (
    C2PError,
    ConfigurationError,
    GatewayError,
    HttpStatusError,
    OutcomeUnknownError,
    TransportError,
    UnknownOptionError,
    ValidationError,
)
from c2p_action.operations import (
    AmountLike,
    Operation,
    PreparedCall,
    RetrySafety,
    check_options,
    interpret,
    operation_for,
    payment,
    prepare,
)
from c2p_action.operations.payment import (
    ActionOptions,
    CallOptions,
    InquiryOptions,
    RefundOptions,
    SettleOptions,
    build_action,
    build_refund,
)
from c2p_action.plugins.manager import PluginManager
from c2p_action.schemas import PaymentProcessRequest, ProcessType
from c2p_action.transports.base import (
    AsyncTransport,
    Transport,
    TransportRequest,
    TransportResponse,
)

__all__ = ["ClientBase", "Exchange", "SettingsOptions", "decode", "encode"]


class SettingsOptions(TypedDict, total=False):
    """Keyword settings both clients accept besides merchant id and keys (see ``Settings``)."""

    merchant_key_password: bytes | str
    environment: str
    transport: str | Transport | AsyncTransport
    timeout: float
    retry: RetryPolicy
    max_attempts: int
    content_type: str
    accept: str
    max_connections: int
    ca_file: str
    proxy: str
    version: str
    max_token_bytes: int


_TransportT = TypeVar("_TransportT", Transport, AsyncTransport)
ResultT = TypeVar("ResultT")

#: A call ready for the client's loop: the operation, the request model and the call options.
Call = tuple[Operation[Any, ResultT], object, CallOptions]


def _attach_idempotency_id(error: C2PError, idempotency_id: str | None) -> None:
    # Set on every error of the call, not only GatewayError: the refund may have landed
    # before a timeout, and the caller needs the id to retry the same logical operation.
    if idempotency_id is not None and error.idempotency_id is None:
        error.idempotency_id = idempotency_id


def _call_timeout(options: CallOptions, default: float) -> float:
    timeout = options.get("timeout", default)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise ValidationError("timeout must be a positive number of seconds")
    return float(timeout)


class Exchange:
    """One logical call: the request fixed once (and its idempotencyID), and attempt counting.

    ``attempts`` counts HTTP attempts (what results report); ``tries`` counts every try,
    including one that failed before anything was sent (an HSM or KMS refusing to sign), so
    ``max_attempts`` bounds those too.
    ``recorder`` (optional, see :mod:`c2p_action.client._trace`) is told of each attempt, each
    HTTP answer, each failure and the result.
    """

    def __init__(
        self,
        settings: Settings,
        operation: Operation[Any, Any],
        request: object,
        options: CallOptions,
        recorder: Recorder | None = None,
    ) -> None:
        self.call: PreparedCall = prepare(operation, request)
        self.attempts = 0
        self.tries = 0
        self._settings = settings
        self._recorder = recorder
        self._url = settings.url_for(operation.endpoint)
        self._timeout = _call_timeout(options, settings.timeout)
        self._started = time.monotonic()
        headers = {"Content-Type": settings.content_type}
        if settings.accept:
            headers["Accept"] = settings.accept
        self._headers = headers

    @property
    def url(self) -> str:
        """Where this call is posted."""
        return self._url

    def request(self, token: str) -> TransportRequest:
        """The transport request for the next attempt (the same token on every attempt)."""
        self.attempts += 1
        request = TransportRequest(
            url=self._url,
            body=token.encode("ascii"),
            headers=self._headers,
            timeout=self._timeout,
        )
        if self._recorder is not None:
            self._recorder.sent(self, request)
        return request

    def received(self, raw: TransportResponse) -> TransportResponse:
        """Note an HTTP answer (for the recorder) and hand it on."""
        if self._recorder is not None:
            self._recorder.received(self, raw)
        return raw

    def finish(self, response: object) -> Any:
        """Bind the verified response to the request and map it to a result, or raise."""
        result = interpret(self.call, response, attempts=self.attempts)
        log_outcome(
            self.call,
            attempts=self.attempts,
            seconds=time.monotonic() - self._started,
            code=result.code.value,
        )
        if self._recorder is not None:
            self._recorder.finished(self, result)
        return result

    def retry_delay(self, error: C2PError) -> float | None:
        """Seconds to wait before trying again, or ``None`` when ``error`` is final.

        A try that failed before the first request was sent is safe to repeat whatever the
        operation: nothing reached the gateway. Raises
        :class:`~c2p_action.errors.OutcomeUnknownError` (from ``error``) instead when the final
        error is a lost answer to an operation that is never repeated.
        """
        self.tries += 1
        safe = self.call.safe_to_retry or self.attempts == 0
        delay = self._settings.retry.delay_before_retry(error, self.tries, safe=safe)
        if self._recorder is not None:
            self._recorder.failed(self, error, final=delay is None)
        if delay is not None:
            logger.debug(
                "%s try %d failed (%s); retrying in %.2fs",
                self.call.operation.name,
                self.tries,
                type(error).__name__,
                delay,
            )
            return delay
        _attach_idempotency_id(error, self.call.idempotency_id)
        lost = self._lost_answer(error)
        log_outcome(
            self.call,
            attempts=self.attempts,
            seconds=time.monotonic() - self._started,
            code=str(error.code) if isinstance(error, GatewayError) else None,
            error=lost or error,
        )
        if lost is not None:
            raise lost from error
        return None

    def _lost_answer(self, error: C2PError) -> OutcomeUnknownError | None:
        """The error to report when a never-repeated request may have been carried out."""
        operation = self.call.operation
        if operation.retry is not RetrySafety.NEVER or not isinstance(error, TransportError):
            return None
        if isinstance(error, OutcomeUnknownError):
            return None
        if isinstance(error, HttpStatusError) and error.status < 500:
            return None  # refused at the HTTP level: not carried out
        # The transports cannot tell "never left" from "sent, answer lost": assume the worst.
        return OutcomeUnknownError(operation.name, operation.lost_answer, error)


def encode(codec: Codec, call: PreparedCall) -> str:
    """Validate, serialise and seal (or sign) the request; the async client offloads it."""
    operation = call.operation
    body = encode_body(call.request, operation.body)
    if logger.isEnabledFor(logging.DEBUG):
        log_body("request", call, body)
    try:
        return codec.seal(body) if operation.envelope is Envelope.NESTED else codec.sign(body)
    except C2PError as error:
        # The plaintext, card data included, is a local of this frame and of the codec's (a
        # key provider failing to sign): a traceback rendered with its locals must not show
        # it. The provider's own error stays attached as the cause.
        del body
        raise error.with_traceback(None)  # noqa: B904 (the same error, not a new one)


def decode(codec: Codec, call: PreparedCall, raw: TransportResponse) -> object:
    """Check the HTTP status, then verify (and decrypt) and parse the answer."""
    if not 200 <= raw.status < 300:
        raise HttpStatusError(raw.status)
    operation = call.operation
    if operation.envelope is Envelope.NESTED:
        body = codec.open(raw.body)
    else:
        body = codec.verify_payload(raw.body)
    if logger.isEnabledFor(logging.DEBUG):
        log_body("response", call, body)
    return decode_body(body, operation.response_type, operation.body)


def _recorder(trace: str | os.PathLike[str] | Recorder | None) -> Recorder | None:
    if trace is None or isinstance(trace, Recorder):
        return trace
    if isinstance(trace, str | os.PathLike):
        return TraceWriter(trace)
    raise ConfigurationError("trace must be a file path or a Recorder")


class ClientBase(Generic[_TransportT]):
    """Construction and request building shared by both clients.

    Pass ``merchant_id`` and ``merchant_key`` (and ``gateway_key`` outside the sandbox) plus
    keyword settings, or a ready ``settings`` object (keywords then override its fields). Keys
    may be key objects, paths, or key URIs resolved by the plugin manager (``file:``,
    ``pkcs11:`` ...), or lists of them while keys rotate. An unknown keyword raises
    :class:`~c2p_action.errors.UnknownOptionError`. ``trace`` records every call: a file path
    (one JSON line per call, safe to share: see :mod:`c2p_action.client._trace`) or a
    :class:`~c2p_action.client.Recorder`.
    """

    _default_transport: ClassVar[str]
    #: The transport protocol this client drives (a class may implement both).
    _protocol: ClassVar[type[Transport] | type[AsyncTransport]]

    _transport: _TransportT
    _owns_transport: bool

    def __init__(
        self,
        merchant_id: str | None = None,
        merchant_key: PrivateKeySource | Sequence[PrivateKeySource] | None = None,
        gateway_key: PublicKeySource | Sequence[PublicKeySource] | None = None,
        *,
        settings: Settings | None = None,
        plugins: PluginManager | None = None,
        trace: str | os.PathLike[str] | Recorder | None = None,
        **options: Unpack[SettingsOptions],
    ) -> None:
        unknown = set(options) - set(SettingsOptions.__annotations__)
        if unknown:
            if "endpoint" in unknown:
                raise ConfigurationError(
                    "'endpoint' was renamed 'environment' (sandbox, production or a base URL)"
                )
            raise UnknownOptionError(type(self).__name__, unknown, SettingsOptions.__annotations__)
        given = {
            name: value
            for name, value in (
                ("merchant_id", merchant_id),
                ("merchant_key", merchant_key),
                ("gateway_key", gateway_key),
            )
            if value is not None
        }
        if settings is None:
            if "merchant_id" not in given or "merchant_key" not in given:
                raise ConfigurationError(
                    "a client needs merchant_id and merchant_key (or settings=, or from_env())"
                )
            settings = Settings(**given, **options)  # type: ignore[arg-type]
        elif given or options:
            settings = settings.replace(**given, **options)
        self.settings = settings
        self.plugins = plugins if plugins is not None else PluginManager()
        self.recorder = _recorder(trace)
        self._codec = Codec(
            self._private_keys(), self._public_keys(), max_token_bytes=settings.max_token_bytes
        )
        self._open_transport()

    def _open_transport(self) -> None:
        transport = self.settings.transport
        if transport is None or isinstance(transport, str):
            self._transport = self._create_transport(transport or self._default_transport)
            self._owns_transport = True
        elif isinstance(transport, self._protocol):
            self._transport = cast(_TransportT, transport)
            self._owns_transport = False
        else:
            raise ConfigurationError(
                f"{type(transport).__name__} does not implement {self._protocol.__name__}"
            )

    def _create_transport(self, name: str) -> _TransportT:
        """A new transport of this client's protocol, by registered name."""
        raise NotImplementedError

    @classmethod
    def from_env(cls, *, plugins: PluginManager | None = None, **overrides: Any) -> Self:
        """A client configured from ``C2P_*`` variables; keyword ``overrides`` win."""
        return cls(settings=Settings.from_env(**overrides), plugins=plugins)

    def _private_keys(self) -> list[RSAPrivateKey]:
        password = self.settings.key_password
        return [
            key
            if isinstance(key, RSAPrivateKey)
            else self.plugins.load_private_key(str(key), password)
            for key in self.settings.merchant_keys
        ]

    def _public_keys(self) -> list[RSAPublicKey]:
        return [
            key if isinstance(key, RSAPublicKey) else self.plugins.load_public_key(str(key))
            for key in self.settings.gateway_keys
        ]

    @property
    def codec(self) -> Codec:
        """The codec this client seals requests and opens answers with."""
        return self._codec

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings!r})"

    # -- the payment family's calls, built once for both clients ---------------------------

    def _payment(
        self,
        operation: Operation[PaymentProcessRequest, payment.PaymentResult],
        process_type: ProcessType,
        invoice_no: str,
        amount: AmountLike | None,
        options: ActionOptions | InquiryOptions | SettleOptions,
        allowed: type[Any],
    ) -> Call[payment.PaymentResult]:
        check_options(operation.name, options, allowed)
        request = build_action(
            self.settings.merchant_id,
            self.settings.version,
            process_type,
            invoice_no,
            amount,
            idempotency_id=options.get("idempotency_id"),  # type: ignore[arg-type]
            child_merchant_id=options.get("child_merchant_id"),
        )
        return operation, request, options

    def _refund_call(
        self, invoice_no: str, amount: AmountLike, options: RefundOptions
    ) -> Call[payment.PaymentResult]:
        check_options("refund", options, RefundOptions)
        request = build_refund(
            self.settings.merchant_id, self.settings.version, invoice_no, amount, options
        )
        return payment.REFUND, request, options

    def _void_call(
        self, invoice_no: str, amount: AmountLike, options: ActionOptions
    ) -> Call[payment.PaymentResult]:
        return self._payment(
            payment.VOID, ProcessType.V, invoice_no, amount, options, ActionOptions
        )

    def _settle_call(
        self, invoice_no: str, amount: AmountLike | None, options: SettleOptions
    ) -> Call[payment.PaymentResult]:
        return self._payment(
            payment.SETTLE, ProcessType.S, invoice_no, amount, options, SettleOptions
        )

    def _inquiry_call(
        self, invoice_no: str, amount: AmountLike | None, options: InquiryOptions
    ) -> Call[payment.PaymentResult]:
        return self._payment(
            payment.INQUIRY, ProcessType.I, invoice_no, amount, options, InquiryOptions
        )

    def _refund_status_call(
        self, invoice_no: str, amount: AmountLike | None, options: InquiryOptions
    ) -> Call[payment.PaymentResult]:
        return self._payment(
            payment.REFUND_STATUS, ProcessType.RS, invoice_no, amount, options, InquiryOptions
        )

    def _send_call(self, request: object, options: CallOptions) -> Call[Any]:
        check_options("send", options, CallOptions)
        return operation_for(request), request, options

