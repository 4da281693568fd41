"""The client contract, run over every transport, sync and async, against a real envelope.

Network transports talk to the stand-in over HTTP on 127.0.0.1; the in-process ones hand
the same stand-in's handler to ``InProcessTransport``. Keys are real (session fixtures).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from _gateway_server import GatewayStandIn, Step, refused_url, serve
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import AsyncClient, Client, PaymentResult, RetryPolicy
from c2p_action.errors import (
    AmountError,
    CodecError,
    GatewayError,
    GatewayFailureError,
    HttpStatusError,
    IdempotencyConflictError,
    InvalidRequestError,
    NotAllowedError,
    NotFoundError,
    SignatureError,
    TokenFormatError,
    TransportError,
)
from c2p_action.plugins import PluginManager
from c2p_action.schemas import PaymentProcessResponse
from c2p_action.transports import InProcessTransport

# No waiting between attempts in tests; the backoff arithmetic is tested in test_retry.py.
FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.0)


@pytest.fixture(scope="module")
def gateway(
    gateway_codec: Codec, other_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> GatewayStandIn:
    return GatewayStandIn(gateway_codec, Codec(other_private, merchant_public))


@pytest.fixture(scope="module")
def http_url(gateway: GatewayStandIn) -> Iterator[str]:
    with serve(gateway) as url:
        yield url


@pytest.fixture(scope="module")
def plugins() -> PluginManager:
    return PluginManager(allow=())


@dataclass
class Harness:
    """Runs one client call the way a user would, sync or async, over one transport."""

    name: str
    gateway: GatewayStandIn
    base: dict[str, Any]
    environment: str
    is_async: bool
    network: bool

    def client_kwargs(self, **overrides: Any) -> dict[str, Any]:
        kwargs = {"environment": self.environment, "retry": FAST_RETRY, "timeout": 5.0, **self.base}
        if not self.network:
            gateway = self.gateway
            handler = gateway.ahandle if self.name == "inprocess-async" else gateway.handle
            kwargs["transport"] = InProcessTransport(handler)
        else:
            kwargs["transport"] = "aiohttp" if self.is_async else "urllib3"
        kwargs.update(overrides)
        return kwargs

    def call(self, operation: str, *args: Any, client: dict[str, Any] | None = None,
             **kwargs: Any) -> PaymentResult:
        options = self.client_kwargs(**(client or {}))
        if not self.is_async:
            with Client(**options) as sync_client:
                result: PaymentResult = getattr(sync_client, operation)(*args, **kwargs)
                return result

        async def run() -> PaymentResult:
            async with AsyncClient(**options) as async_client:
                result: PaymentResult = await getattr(async_client, operation)(*args, **kwargs)
                return result

        return asyncio.run(run())


# name, async?, network?
TRANSPORTS = [
    ("urllib3", False, True),
    ("inprocess-sync", False, False),
    ("aiohttp", True, True),
    ("inprocess-thread", True, False),
    ("inprocess-async", True, False),
]
NETWORK = [t for t in TRANSPORTS if t[2]]


def _harness(
    param: tuple[str, bool, bool],
    gateway: GatewayStandIn,
    http_url: str,
    plugins: PluginManager,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> Harness:
    name, is_async, network = param
    gateway.reset()
    base = {
        "merchant_id": "JT01",
        "merchant_key": merchant_private,
        "gateway_key": gateway_public,
        "plugins": plugins,
    }
    environment = http_url if network else "http://127.0.0.1:9"
    return Harness(name, gateway, base, environment, is_async, network)


@pytest.fixture(params=TRANSPORTS, ids=[t[0] for t in TRANSPORTS])
def harness(
    request: pytest.FixtureRequest,
    gateway: GatewayStandIn,
    http_url: str,
    plugins: PluginManager,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> Harness:
    return _harness(request.param, gateway, http_url, plugins, merchant_private, gateway_public)


@pytest.fixture(params=NETWORK, ids=[t[0] for t in NETWORK])
def net_harness(
    request: pytest.FixtureRequest,
    gateway: GatewayStandIn,
    http_url: str,
    plugins: PluginManager,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> Harness:
    return _harness(request.param, gateway, http_url, plugins, merchant_private, gateway_public)


def test_refund_success_carries_the_idempotency_id_the_gateway_saw(harness: Harness) -> None:
    result = harness.call("refund", "INV-1", "12.50", notes="partial", user_defined=["a", "b"])

    assert result.code == "00"
    assert result.amount == Decimal("12.50")
    assert result.invoice_no == "INV-1"
    assert result.refund_reference_no == "RREF9"
    assert result.attempts == 1
    [received] = harness.gateway.received
    assert received.idempotency_id == result.idempotency_id
    assert result.idempotency_id is not None
    assert 0 < len(result.idempotency_id) <= 100
    assert (received.notes, received.user_defined1, received.user_defined2) == ("partial", "a", "b")
    assert received.merchant_id == "JT01"


def test_pending_refund_returns_normally(harness: Harness) -> None:
    harness.gateway.reset(Step(code="42", description="Refund pending", status="RP"))

    result = harness.call("refund", "INV-2", Decimal("5"))

    assert result.pending
    assert (result.code, result.status) == ("42", "RP")


@pytest.mark.parametrize("operation", ["inquiry", "refund_status", "void", "settle"])
def test_each_operation_sends_its_process_type(harness: Harness, operation: str) -> None:
    expected = {"inquiry": "I", "refund_status": "RS", "void": "V", "settle": "S"}[operation]

    result = harness.call(operation, "INV-3", "10.00")

    [received] = harness.gateway.received
    assert received.process_type.value == expected
    assert received.action_amount == Decimal("10.00")
    # Only voids get an automatic idempotencyID (refunds too, tested above).
    assert (received.idempotency_id is not None) is (operation == "void")
    assert result.idempotency_id == received.idempotency_id


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("16", NotFoundError),
        ("02", InvalidRequestError),
        ("41", NotAllowedError),
        ("40", AmountError),
        ("50", IdempotencyConflictError),
        ("99", GatewayFailureError),
        ("77", GatewayError),
    ],
)
def test_refused_codes_raise_their_error_with_the_verified_response(
    harness: Harness, code: str, error: type[GatewayError]
) -> None:
    harness.gateway.reset(Step(code=code, description=f"desc {code}", status="RFF"))

    with pytest.raises(error) as raised:
        harness.call("refund", "INV-4", "1.00")

    assert type(raised.value) is error
    assert (raised.value.code, raised.value.description) == (code, f"desc {code}")
    assert isinstance(raised.value.response, PaymentProcessResponse)
    assert raised.value.response.invoice_no == "INV-4"
    assert raised.value.idempotency_id == harness.gateway.idempotency_ids[0]
    assert len(harness.gateway.received) == 1  # not a retryable code


def test_5xx_then_success_retries_with_the_same_idempotency_id(harness: Harness) -> None:
    harness.gateway.reset(Step(http_status=503), Step(http_status=502), Step())

    result = harness.call("refund", "INV-5", "3.00")

    ids = harness.gateway.idempotency_ids
    assert len(ids) == 3
    assert ids == [result.idempotency_id] * 3
    assert result.attempts == 3


def test_caller_idempotency_id_is_sent_and_reused(harness: Harness) -> None:
    harness.gateway.reset(Step(http_status=500), Step())

    result = harness.call("settle", "INV-6", "3.00", idempotency_id="settle-INV-6-1")

    assert harness.gateway.idempotency_ids == ["settle-INV-6-1", "settle-INV-6-1"]
    assert result.idempotency_id == "settle-INV-6-1"


def test_settle_without_idempotency_id_is_never_retried(harness: Harness) -> None:
    harness.gateway.reset(Step(http_status=503), Step())

    with pytest.raises(HttpStatusError) as raised:
        harness.call("settle", "INV-7", "3.00")

    assert raised.value.status == 503
    assert raised.value.retryable
    assert len(harness.gateway.received) == 1


def test_gateway_timeout_code_is_retried_then_gives_up(harness: Harness) -> None:
    harness.gateway.reset(*[Step(code="95", description="Request timed out")] * 3)

    with pytest.raises(GatewayFailureError) as raised:
        harness.call("void", "INV-8", "9.99")

    ids = harness.gateway.idempotency_ids
    assert len(ids) == 3
    assert len(set(ids)) == 1
    assert raised.value.idempotency_id == ids[0]


def test_garbage_body_raises_a_codec_error(harness: Harness) -> None:
    harness.gateway.reset(Step(body=b"<html>maintenance</html>"))

    with pytest.raises(TokenFormatError) as raised:
        harness.call("refund", "INV-9", "1.00")

    # The client sets the id on every error it raises (not only on GatewayError).
    assert vars(raised.value)["idempotency_id"] == harness.gateway.idempotency_ids[0]


def test_truncated_token_raises_a_codec_error(harness: Harness) -> None:
    harness.gateway.reset(Step(truncate=300))

    with pytest.raises(CodecError):
        harness.call("inquiry", "INV-10")

    assert len(harness.gateway.received) == 1  # codec failures are not retried


def test_answer_signed_by_the_wrong_key_is_refused(harness: Harness) -> None:
    harness.gateway.reset(Step(wrong_key=True))

    with pytest.raises(SignatureError):
        harness.call("refund", "INV-11", "1.00")


def test_timeout_raises_a_retryable_transport_error(harness: Harness) -> None:
    harness.gateway.reset(Step(delay=1.5))

    with pytest.raises(TransportError) as raised:
        harness.call("inquiry", "INV-12", client={"timeout": 0.3, "retry": RetryPolicy.never()})

    assert raised.value.retryable
    assert not isinstance(raised.value, HttpStatusError)


def test_connection_refused_is_retried_then_raised_with_the_id(net_harness: Harness) -> None:
    with pytest.raises(TransportError) as raised:
        net_harness.call("refund", "INV-13", "1.00", client={"environment": refused_url()})

    assert raised.value.retryable
    assert "could not connect" in str(raised.value)
    assert vars(raised.value)["idempotency_id"]


def test_slow_body_hits_the_deadline(net_harness: Harness) -> None:
    net_harness.gateway.reset(Step(trickle=0.05))  # ~100 chunks: several seconds in all

    with pytest.raises(TransportError) as raised:
        net_harness.call(
            "inquiry", "INV-14", client={"timeout": 0.5, "retry": RetryPolicy.never()}
        )

    assert raised.value.retryable


def test_connection_cut_mid_body_is_a_retryable_transport_error(net_harness: Harness) -> None:
    net_harness.gateway.reset(Step(cut_connection=True), Step())

    result = net_harness.call("refund_status", "INV-15")

    assert result.attempts == 2
    assert len(net_harness.gateway.received) == 2
