"""What both clients share: configuration, keys and codec, and the steps of one exchange.

A call is build -> encode (once) -> [send -> check HTTP -> decode -> interpret] repeated under
the retry policy. Everything but "send" and "wait" lives here; ``_sync.py`` and ``_async.py``
only do those two things their own way.
"""

from __future__ import annotations

import logging
import time
from typing import Any, ClassVar, Generic, Self, TypedDict, TypeVar, Unpack, cast

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from c2p_action.client._build import PreparedCall, prepare
from c2p_action.client._config import PrivateKeySource, PublicKeySource, Settings
from c2p_action.client._logging import log_outcome, log_xml, logger
from c2p_action.client._outcomes import raise_for_code
from c2p_action.client._results import PaymentResult
from c2p_action.client._retry import RetryPolicy
from c2p_action.codec import Codec, from_xml, to_xml
from c2p_action.errors import C2PError, ConfigurationError, GatewayError, HttpStatusError
from c2p_action.plugins.manager import PluginManager
from c2p_action.schemas import PaymentProcessRequest, PaymentProcessResponse
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
    endpoint: str
    transport: str | Transport | AsyncTransport
    timeout: float
    retry: RetryPolicy
    content_type: str
    accept: str
    max_connections: int
    ca_file: str
    version: str
    max_token_bytes: int


_TransportT = TypeVar("_TransportT", Transport, AsyncTransport)


def _attach_idempotency_id(error: C2PError, idempotency_id: str | None) -> None:
    # Set on every error of the call, not only GatewayError: the refund may have landed
    # before a timeout, and the caller needs the id to retry the same logical operation.
    if idempotency_id is not None and error.idempotency_id is None:
        error.idempotency_id = idempotency_id


class Exchange:
    """One logical call: the request fixed once (and its idempotencyID), and attempt counting."""

    def __init__(self, settings: Settings, request: PaymentProcessRequest) -> None:
        self.call: PreparedCall = prepare(request)
        self.attempts = 0
        self._settings = settings
        self._started = time.monotonic()
        headers = {"Content-Type": settings.content_type}
        if settings.accept:
            headers["Accept"] = settings.accept
        self._headers = headers

    def request(self, token: str) -> TransportRequest:
        """The transport request for the next attempt (the same token on every attempt)."""
        self.attempts += 1
        return TransportRequest(
            url=self._settings.endpoint,
            body=token.encode("ascii"),
            headers=self._headers,
            timeout=self._settings.timeout,
        )

    def finish(self, response: PaymentProcessResponse) -> PaymentResult:
        """Map the verified response to a result, or raise its ``GatewayError``."""
        raise_for_code(response, idempotency_id=self.call.idempotency_id)
        log_outcome(
            self.call,
            attempts=self.attempts,
            seconds=time.monotonic() - self._started,
            code=response.resp_code,
        )
        return PaymentResult(response, self.call.idempotency_id, self.attempts)

    def retry_delay(self, error: C2PError) -> float | None:
        """Seconds to wait before trying again, or ``None`` when ``error`` is final."""
        delay = self._settings.retry.delay_before_retry(
            error, self.attempts, safe=self.call.safe_to_retry
        )
        if delay is not None:
            logger.debug(
                "%s attempt %d failed (%s); retrying in %.2fs",
                self.call.operation,
                self.attempts,
                type(error).__name__,
                delay,
            )
            return delay
        _attach_idempotency_id(error, self.call.idempotency_id)
        log_outcome(
            self.call,
            attempts=self.attempts,
            seconds=time.monotonic() - self._started,
            code=error.code if isinstance(error, GatewayError) else None,
            error=error,
        )
        return None


def encode(codec: Codec, call: PreparedCall) -> str:
    """Validate, serialise and seal the request (RSA work: the async client offloads it)."""
    xml = to_xml(call.request)
    if logger.isEnabledFor(logging.DEBUG):
        log_xml("request", call, xml)
    return codec.seal(xml)


def decode(codec: Codec, call: PreparedCall, raw: TransportResponse) -> PaymentProcessResponse:
    """Check the HTTP status, then verify, decrypt and parse the answer."""
    if not 200 <= raw.status < 300:
        raise HttpStatusError(raw.status)
    xml = codec.open(raw.body)
    if logger.isEnabledFor(logging.DEBUG):
        log_xml("response", call, xml)
    return from_xml(xml, PaymentProcessResponse)


class ClientBase(Generic[_TransportT]):
    """Construction shared by both clients: settings, plugins, keys and the codec.

    Pass ``merchant_id``, ``merchant_key`` and ``gateway_key`` plus keyword settings, or a
    ready ``settings`` object (keywords then override its fields). Keys may be key objects,
    paths, or key URIs resolved by the plugin manager (``file:``, ``pkcs11:`` ...).
    """

    _default_transport: ClassVar[str]
    #: The transport protocol this client drives (a class may implement both).
    _protocol: ClassVar[type[Transport] | type[AsyncTransport]]

    _transport: _TransportT
    _owns_transport: bool

    def __init__(
        self,
        merchant_id: str | None = None,
        merchant_key: PrivateKeySource | None = None,
        gateway_key: PublicKeySource | None = None,
        *,
        settings: Settings | None = None,
        plugins: PluginManager | None = None,
        **options: Unpack[SettingsOptions],
    ) -> None:
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
            settings = Settings(**given, **options)  # type: ignore[arg-type]
        elif given or options:
            settings = settings.replace(**given, **options)
        self.settings = settings
        self.plugins = plugins if plugins is not None else PluginManager()
        self._codec = Codec(
            self._private_key(), self._public_key(), max_token_bytes=settings.max_token_bytes
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

    def _private_key(self) -> RSAPrivateKey:
        key = self.settings.merchant_key
        if isinstance(key, RSAPrivateKey):
            return key
        return self.plugins.load_private_key(str(key), self.settings.key_password)

    def _public_key(self) -> RSAPublicKey:
        key = self.settings.gateway_key
        if isinstance(key, RSAPublicKey):
            return key
        return self.plugins.load_public_key(str(key))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings!r})"
