"""Both clients against the real gateway emulator, in-process: the README quick start path."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.client import AsyncClient, Client, PaymentResult
from c2p_action.emulator import Emulator
from c2p_action.errors import AmountError, NotAllowedError
from c2p_action.plugins import PluginManager
from c2p_action.transports import InProcessTransport


@pytest.fixture
def emulator(gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey) -> Iterator[
    Emulator
]:
    emulator = Emulator(gateway_private, {"JT01": merchant_public})
    yield emulator
    emulator.close()


def test_quick_start_flow(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    emulator.seed("INV-1001", "100.00", status="S")  # a settled card payment
    transport = InProcessTransport(emulator.handle)

    with Client("JT01", merchant_private, gateway_public, transport=transport,
                plugins=PluginManager(allow=())) as client:
        refund = client.refund("INV-1001", Decimal("25.00"), notes="damaged item")
        with pytest.raises(AmountError) as too_much:
            client.refund("INV-1001", "500.00")
        status = client.refund_status("INV-1001")

    assert (refund.code, refund.status, refund.amount) == ("00", "RF", Decimal("25.00"))
    assert too_much.value.code == "40"
    assert [(r.amount, r.status) for r in status.refunds] == [(Decimal("25.00"), "RF")]


def test_async_client_against_the_emulator(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    emulator.seed("INV-2001", "40.00")  # approved, not settled yet
    transport = InProcessTransport(emulator.handle)

    async def run() -> tuple[PaymentResult, PaymentResult, str]:
        async with AsyncClient("JT01", merchant_private, gateway_public, transport=transport,
                               plugins=PluginManager(allow=())) as client:
            inquiry, void = await asyncio.gather(
                client.inquiry("INV-2001"), client.void("INV-2001", "40.00")
            )
            try:
                await client.refund("INV-2001", "1.00")
            except NotAllowedError as error:
                return inquiry, void, error.code
            raise AssertionError("refund of a voided payment was accepted")

    inquiry, void, refused = asyncio.run(run())

    assert inquiry.code == "00"
    assert (void.code, void.status) == ("00", "V")
    assert void.idempotency_id is not None
    assert refused != "00"
