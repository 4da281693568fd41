"""Coverage-guided fuzzing of every outside-facing entry point with atheris (not run in CI).

    pip install atheris
    python fuzz/fuzz_entry_points.py -runs=1000000 -max_len=65536 fuzz/corpus

The first input byte picks the target: ``inspect``, ``Codec.open``, ``from_xml`` (request and
response), ``decode_response`` of sealed XML, ``parse_notification``, the emulator's
``handle``, ``load_private_key``/``load_public_key`` (key files: PEM framing, DER headers), or
raw bytes sent to the emulator's HTTP server on 127.0.0.1 (request lines, headers, false gzip,
chunking). Anything but a ``C2PError`` (or, from ``handle``, a ``TransportResponse``; over HTTP,
any status below 500) is a crash that atheris reports with the input that caused it. Keys are
``handle``, ``from_json`` (the funds family's request and response models) or the emulator's
funds endpoints (a signed JSON body). Anything but a ``C2PError`` (or, from ``handle``, a
``TransportResponse``) is a crash that atheris reports with the input that caused it. The
customer-token and agent-status JSON models (``from_json``) and their emulator paths (a sealed
JSON body) are targets too. Keys are fresh RSA-2048 pairs per run.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Callable

import atheris

with atheris.instrument_imports():
    from cryptography.hazmat.primitives.asymmetric import rsa

    from c2p_action import Codec, inspect
    from c2p_action.codec import decode_response, from_json, from_xml
    from c2p_action.emulator import Emulator
    from c2p_action.emulator.funds import BALANCE_PATH, WITHDRAW_PATH, FundsLedger
    from c2p_action.errors import C2PError
    from c2p_action.keys import load_private_key, load_public_key
    from c2p_action.notifications import parse_notification
    from c2p_action.schemas import (
        AgentStatusResponse,
        BalanceInquiryResponse,
        CustomerTokenAddRequest,
        CustomerTokenResponse,
        PaymentProcessRequest,
        PaymentProcessResponse,
        WithdrawOptionResponse,
        WithdrawRequest,
        WithdrawResponse,
    )
    from c2p_action.transports.base import TransportRequest, TransportResponse

_MERCHANT = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_GATEWAY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
MERCHANT_CODEC = Codec(_MERCHANT, _GATEWAY.public_key())
GATEWAY_CODEC = Codec(_GATEWAY, _MERCHANT.public_key())
EMULATOR = Emulator(_GATEWAY, {"JT01": _MERCHANT.public_key()})
EMULATOR.seed("INV-F", "100.00", status="S")
FundsLedger(EMULATOR.ledger).set_balance("JT01", "1000.00")
_FORM = "application/x-www-form-urlencoded"


# Short bounds, so that an input that never completes a request costs a fraction of a second.
SERVER = EMULATOR.start_server(header_timeout=0.2, body_timeout=0.2)


def _http(data: bytes) -> object:
    """Send raw bytes to the HTTP emulator; a 5xx answer is a crash."""
    with socket.create_connection(("127.0.0.1", SERVER.port), timeout=10) as conn:
        with contextlib.suppress(OSError):
            conn.sendall(data)
        answer = b""
        with contextlib.suppress(OSError):
            while len(answer) < 12 and (chunk := conn.recv(4096)):
                answer += chunk
    status = answer[9:12]
    if answer.startswith(b"HTTP/") and status.isdigit() and int(status) >= 500:
        raise AssertionError(f"HTTP {int(status)} for this input")
    return answer


def _handle(data: bytes, sealed: bool) -> object:
    body = MERCHANT_CODEC.seal(data).encode() if sealed else data
    answer = EMULATOR.handle(TransportRequest("http://127.0.0.1/", body, {}, 10.0))
    if not isinstance(answer, TransportResponse):
        raise AssertionError(f"handle returned {type(answer).__name__}")
    return answer


def _funds(data: bytes, path: str) -> object:
    body = MERCHANT_CODEC.sign(data).encode()
    answer = EMULATOR.handle(TransportRequest(f"http://127.0.0.1{path}", body, {}, 10.0))
    if answer.status != 200:
        raise AssertionError(f"a signed funds request got HTTP {answer.status}")
    return from_json(MERCHANT_CODEC.verify_payload(answer.body), WithdrawResponse)


def _sealed_json(data: bytes, path: str, model: type[object]) -> object:
    body = MERCHANT_CODEC.seal(data).encode()
    answer = EMULATOR.handle(TransportRequest(f"http://127.0.0.1{path}", body, {}, 10.0))
    if answer.status != 200:
        raise AssertionError(f"a sealed request to {path} got HTTP {answer.status}")
    return from_json(MERCHANT_CODEC.open(answer.body), model)


TARGETS: list[Callable[[bytes], object]] = [
    inspect,
    MERCHANT_CODEC.open,
    lambda data: from_xml(data, PaymentProcessRequest),
    lambda data: from_xml(data, PaymentProcessResponse),
    lambda data: decode_response(MERCHANT_CODEC, GATEWAY_CODEC.seal(data)),
    lambda data: parse_notification(MERCHANT_CODEC, data),
    lambda data: parse_notification(MERCHANT_CODEC, data, _FORM),
    lambda data: _handle(data, sealed=False),
    lambda data: _handle(data, sealed=True),
    load_private_key,
    load_public_key,
    _http,
    lambda data: from_json(data, BalanceInquiryResponse),
    lambda data: from_json(data, WithdrawOptionResponse),
    lambda data: from_json(data, WithdrawResponse),
    lambda data: from_json(data, WithdrawRequest),
    lambda data: _funds(data, BALANCE_PATH),
    lambda data: _funds(data, WITHDRAW_PATH),
    lambda data: from_json(data, CustomerTokenAddRequest),
    lambda data: from_json(data, CustomerTokenResponse),
    lambda data: from_json(data, AgentStatusResponse),
    lambda data: _sealed_json(data, "/customertoken/3.0/CustomerToken/add", CustomerTokenResponse),
    lambda data: _sealed_json(data, "/AgentStatus/v1/Inquiry", AgentStatusResponse),
]


def test_one_input(data: bytes) -> None:
    """One fuzz iteration: the first byte picks the target, the rest is its input."""
    if not data:
        return
    target = TARGETS[data[0] % len(TARGETS)]
    with contextlib.suppress(C2PError):
        target(data[1:])


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
