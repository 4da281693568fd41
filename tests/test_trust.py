"""Every answer bound to its request, end to end: both clients against the real emulator.

Issue 10, points 1 and 2: a repeated idempotencyID on another invoice is answered (as 2C2P
documents) with the original response, which must never be reported as this call's success;
and a pending refund whose answer was lost is reported as pending when the retry is answered
with 51, so nobody refunds again under a new id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.cli.demo import InProcessReceiver
from c2p_action.client import AsyncClient, Client, PaymentResult, RetryPolicy
from c2p_action.emulator import Emulator, Faults, Method, Trigger
from c2p_action.errors import ResponseMismatchError
from c2p_action.plugins import PluginManager
from c2p_action.schemas import PaymentProcessResponse, RespCode
from c2p_action.transports import InProcessTransport

MID = "JT01"
NO_WAIT = RetryPolicy(max_attempts=3, backoff_base=0.0)


@pytest.fixture
def receiver(merchant_codec: Codec) -> InProcessReceiver:
    # Hands each notification to parse_notification in process (verified, then decrypted).
    return InProcessReceiver(merchant_codec)


@pytest.fixture
def emulator(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    receiver: InProcessReceiver,
) -> Iterator[Emulator]:
    emulator = Emulator(gateway_private, {MID: merchant_public}, notifier=receiver)
    yield emulator
    emulator.close()


def _run(
    asynchronous: bool,
    emulator: Emulator,
    keys: tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey],
    body: Callable[[Any], Any],
) -> Any:
    """Run ``body(client)`` with a sync client, or awaited with an async one."""
    options: dict[str, Any] = {"retry": NO_WAIT, "plugins": PluginManager(allow=())}
    if not asynchronous:
        with Client(MID, *keys, transport=InProcessTransport(emulator.handle), **options) as c:
            return body(c)

    async def run() -> Any:
        transport = InProcessTransport(emulator.ahandle)
        async with AsyncClient(MID, *keys, transport=transport, **options) as client:
            outcome = body(client)
            return await outcome if asyncio.iscoroutine(outcome) else outcome

    return asyncio.run(run())


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_an_idempotency_id_reused_for_another_invoice_is_never_success(
    emulator: Emulator,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    asynchronous: bool,
) -> None:
    emulator.seed("INV-A", "100.00", status="S")
    emulator.seed("INV-B", "100.00", status="S")
    keys = (merchant_private, gateway_public)

    async def both_async(client: AsyncClient) -> Any:
        await client.refund("INV-A", "10.00", idempotency_id="K1")
        try:
            return await client.refund("INV-B", "55.00", idempotency_id="K1")
        except ResponseMismatchError as error:
            return error

    def both_sync(client: Client) -> Any:
        client.refund("INV-A", "10.00", idempotency_id="K1")
        try:
            return client.refund("INV-B", "55.00", idempotency_id="K1")
        except ResponseMismatchError as error:
            return error

    outcome = _run(asynchronous, emulator, keys, both_async if asynchronous else both_sync)

    assert isinstance(outcome, ResponseMismatchError), f"reported as {outcome!r}"
    assert "idempotencyID 'K1' was already used" in str(outcome)
    assert "INV-A" in str(outcome)
    # The verified original is kept for the caller.
    assert isinstance(outcome.response, PaymentProcessResponse)
    assert outcome.response.invoice_no == "INV-A"
    assert emulator.ledger.refunds(MID, "INV-B") == []  # and indeed nothing happened to INV-B
    assert len(emulator.ledger.refunds(MID, "INV-A")) == 1


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_a_lost_answer_to_a_pending_refund_is_pending_on_retry_not_a_failure(
    emulator: Emulator,
    receiver: InProcessReceiver,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    asynchronous: bool,
) -> None:
    emulator.seed("APM-1", "80.00", method=Method.APM, status="S")
    # The gateway commits the pending refund, then the connection drops: no answer arrives.
    emulator.faults = Faults(drop_after_commit=Trigger(times=1))
    keys = (merchant_private, gateway_public)

    def refund(client: Any) -> Any:
        return client.refund("APM-1", "30.00", notify_url="https://merchant.example/notify")

    result: PaymentResult = _run(asynchronous, emulator, keys, refund)

    # The retry, with the same idempotencyID, was answered 51: the original is pending.
    assert result.attempts == 2
    assert result.code is RespCode.IDEMPOTENCY_KEY_PENDING
    assert result.pending
    assert result.replayed
    refunds = emulator.ledger.refunds(MID, "APM-1")
    assert [(r.amount, r.status) for r in refunds] == [(Decimal("30.00"), "RP")]

    status = _run(asynchronous, emulator, keys, lambda client: client.refund_status("APM-1"))
    assert [(r.amount, r.status) for r in status.refunds] == [(Decimal("30.00"), "RP")]

    emulator.complete_pending_refunds(invoice_no="APM-1")
    assert [d.delivered for d in emulator.deliver_notifications()] == [True]
    ((_, notification),) = receiver.received
    assert (notification.resp_code, notification.status) == ("00", "RF")
    assert notification.invoice_no == "APM-1"

    final = _run(asynchronous, emulator, keys, lambda client: client.refund_status("APM-1"))
    assert [(r.amount, r.status) for r in final.refunds] == [(Decimal("30.00"), "RF")]


def test_the_same_id_for_the_same_refund_in_a_later_process_is_the_original_answer(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    # A card refund is final at once: a later process that kept the id gets the original 00.
    emulator.seed("INV-C", "50.00", status="S")
    keys = (merchant_private, gateway_public)
    first = _run(False, emulator, keys, lambda c: c.refund("INV-C", "20.00", idempotency_id="K9"))
    again = _run(False, emulator, keys, lambda c: c.refund("INV-C", "20.00", idempotency_id="K9"))
    assert (first.code, again.code) == ("00", "00")
    assert again.refund_reference_no == first.refund_reference_no
    assert len(emulator.ledger.refunds(MID, "INV-C")) == 1
