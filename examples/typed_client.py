"""Typed use of both clients against a tiny in-process gateway; runs as a script.

The test suite type-checks this file with ``mypy --strict`` (tests/test_client_typing.py), so
it doubles as a check that the public API stays precisely typed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import AsyncClient, Client, PaymentResult, RetryPolicy
from c2p_action.codec import decode_request, encode_response
from c2p_action.errors import GatewayError, TransportError
from c2p_action.schemas import PaymentProcessResponse
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse


def tiny_gateway(
    gateway_key: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Callable[[TransportRequest], TransportResponse]:
    """A handler that approves everything, speaking the real envelope."""
    codec = Codec(gateway_key, merchant_public)

    def handle(request: TransportRequest) -> TransportResponse:
        incoming = decode_request(codec, request.body)
        answer = PaymentProcessResponse(
            version="3.8",
            resp_code="00",
            resp_desc="Success",
            process_type=incoming.process_type.value,
            invoice_no=incoming.invoice_no,
            amount=incoming.action_amount,
            status="RF" if incoming.process_type.value == "R" else "A",
        )
        return TransportResponse(200, encode_response(codec, answer).encode("ascii"))

    return handle


def refund_once(client: Client, invoice: str) -> str | None:
    """A refund with optional fields; returns the idempotencyID to persist."""
    try:
        result: PaymentResult = client.refund(
            invoice,
            Decimal("25.00"),
            notify_url="https://merchant.example/2c2p/notify",
            user_defined=["order-77"],
            sub_merchants={"SUB01": "20.00", "SUB02": "5.00"},
        )
    except GatewayError as error:
        print(f"refused: {error.code} {error.description} (id {error.idempotency_id})")
        return error.idempotency_id
    except TransportError as error:
        print(f"no answer (retryable={error.retryable})")
        return None
    amount: Decimal | None = result.amount
    print(f"refund {result.code} status={result.status} amount={amount}")
    return result.idempotency_id


async def inquire_many(client: AsyncClient, invoices: list[str]) -> list[str | None]:
    """Concurrent inquiries; the RSA work runs in the client's thread pool."""
    results = await asyncio.gather(*(client.inquiry(invoice) for invoice in invoices))
    # status is a TransactionStatus (a str enum); .value is the raw code.
    return [None if result.status is None else result.status.value for result in results]


def main() -> None:
    """Generate throwaway keys, then call both clients against the tiny gateway."""
    merchant = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    gateway = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    transport = InProcessTransport(tiny_gateway(gateway, merchant.public_key()))

    with Client(
        "JT01", merchant, gateway.public_key(), transport=transport, retry=RetryPolicy.never()
    ) as client:
        print("idempotencyID:", refund_once(client, "INV-1001"))

    async def run() -> None:
        async with AsyncClient("JT01", merchant, gateway.public_key(), transport=transport) as ac:
            print("statuses:", await inquire_many(ac, ["INV-1", "INV-2", "INV-3"]))

    asyncio.run(run())


if __name__ == "__main__":
    main()
