"""Helpers shared by the emulator and notification tests (this module holds no tests)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import urllib3

from c2p_action import Codec
from c2p_action.codec.messages import decode_response, encode_request
from c2p_action.emulator import ACTION_PATH
from c2p_action.schemas import PaymentProcessRequest, PaymentProcessResponse, ProcessType
from c2p_action.transports.base import TransportRequest, TransportResponse

MERCHANT = "JT01"
OTHER_MERCHANT = "JT02"

Handler = Callable[[TransportRequest], TransportResponse]


def build(
    kind: str, invoice: str, amount: str | None = None, **fields: Any
) -> PaymentProcessRequest:
    """A request of merchant JT01 unless ``merchant_id`` says otherwise."""
    fields.setdefault("merchant_id", MERCHANT)
    return PaymentProcessRequest(
        process_type=ProcessType(kind),
        invoice_no=invoice,
        action_amount=None if amount is None else Decimal(amount),
        **fields,
    )


def wire(token: str | bytes) -> TransportRequest:
    """A transport request carrying ``token`` as the body."""
    body = token.encode("ascii") if isinstance(token, str) else token
    return TransportRequest(f"http://emulator.invalid{ACTION_PATH}", body, {}, 10.0)


def exchange(
    handler: Handler,
    codec: Codec,
    kind: str,
    invoice: str,
    amount: str | None = None,
    **fields: Any,
) -> PaymentProcessResponse:
    """Encode a request, hand it to ``handler``, verify and decode the 200 answer."""
    answer = handler(wire(encode_request(codec, build(kind, invoice, amount, **fields))))
    assert answer.status == 200, answer.body
    return decode_response(codec, answer.body, PaymentProcessResponse)


def http_post(
    url: str, body: bytes, *, content_type: str = "text/plain"
) -> urllib3.BaseHTTPResponse:
    """One real HTTP POST without retries."""
    return urllib3.request(
        "POST", url, body=body, headers={"Content-Type": content_type}, retries=False, timeout=30
    )
