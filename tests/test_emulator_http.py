"""The emulator over real HTTP on 127.0.0.1, driven with urllib3."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
import urllib3
from _emulator_support import MERCHANT, build, http_post
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.codec.messages import decode_response, encode_request
from c2p_action.emulator import ACTION_PATH, Emulator, Faults, Trigger
from c2p_action.emulator.server import RunningServer
from c2p_action.errors import ConfigurationError
from c2p_action.schemas import PaymentProcessResponse


@pytest.fixture
def emulator(gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey) -> Emulator:
    emu = Emulator(gateway_private, {MERCHANT: merchant_public})
    emu.seed("INV-H", "100.00", status="S")
    return emu


@pytest.fixture
def server(emulator: Emulator) -> Iterator[RunningServer]:
    with emulator.start_server() as running:
        yield running


def post_request(
    server: RunningServer, codec: Codec, kind: str, amount: str | None = None, **fields: object
) -> PaymentProcessResponse:
    answer = http_post(
        server.url, encode_request(codec, build(kind, "INV-H", amount, **fields)).encode()
    )
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    return decode_response(codec, answer.data, PaymentProcessResponse)


def test_serves_the_real_path(server: RunningServer, merchant_codec: Codec) -> None:
    assert server.url.endswith(ACTION_PATH)
    assert server.url.startswith("http://127.0.0.1:")
    answer = post_request(server, merchant_codec, "I")
    assert (answer.resp_code, answer.status) == ("00", "S")


def test_http_errors(server: RunningServer, merchant_codec: Codec) -> None:
    base = server.url.removesuffix(ACTION_PATH)
    token = encode_request(merchant_codec, build("I", "INV-H")).encode()
    assert http_post(base + "/PaymentAction/2.0/other", token).status == 404
    assert urllib3.request("GET", server.url, retries=False).status == 405
    assert http_post(server.url, b"garbage").status == 400


def test_concurrent_refunds_never_exceed_the_original(
    emulator: Emulator, server: RunningServer, merchant_codec: Codec
) -> None:
    tokens = [
        encode_request(merchant_codec, build("R", "INV-H", "7.00", idempotency_id=f"c-{n}"))
        for n in range(24)
    ]
    start = threading.Barrier(len(tokens))

    def fire(token: str) -> str:
        start.wait()
        answer = http_post(server.url, token.encode())
        assert answer.status == 200
        return str(decode_response(merchant_codec, answer.data).resp_code)

    with ThreadPoolExecutor(len(tokens)) as pool:
        codes = list(pool.map(fire, tokens))
    assert codes.count("00") == 14  # 14 x 7.00 = 98.00; a 15th would make 105.00
    assert set(codes) == {"00", "30"}
    refunded = sum(r.amount for r in emulator.ledger.refunds(MERCHANT, "INV-H"))
    assert refunded == Decimal("98.00")


def test_dropped_connection_after_commit_then_retry(
    emulator: Emulator, server: RunningServer, merchant_codec: Codec
) -> None:
    emulator.faults = Faults(drop_after_commit=Trigger(times=1))
    token = encode_request(merchant_codec, build("R", "INV-H", "40.00", idempotency_id="d-1"))
    with pytest.raises(urllib3.exceptions.ProtocolError):
        http_post(server.url, token.encode())
    # The refund was committed although no answer came back...
    assert len(emulator.ledger.refunds(MERCHANT, "INV-H")) == 1
    # ...and the retry with the same idempotencyID answers it without refunding again.
    retried = http_post(server.url, token.encode())
    assert decode_response(merchant_codec, retried.data).resp_code == "00"
    assert [r.amount for r in emulator.ledger.refunds(MERCHANT, "INV-H")] == [Decimal("40.00")]


def test_5xx_fault_over_http(
    emulator: Emulator, server: RunningServer, merchant_codec: Codec
) -> None:
    emulator.faults = Faults.parse(["error_before=1x"])
    token = encode_request(merchant_codec, build("R", "INV-H", "1.00")).encode()
    assert http_post(server.url, token).status == 503
    assert emulator.ledger.refunds(MERCHANT, "INV-H") == []
    assert http_post(server.url, token).status == 200


def test_server_restart_keeps_the_ledger(
    tmp_path: Path,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
) -> None:
    path = tmp_path / "emulator.sqlite"
    first = Emulator(gateway_private, {MERCHANT: merchant_public}, ledger=path)
    first.seed("INV-H", "100.00", status="S")
    with first.start_server() as running:
        assert post_request(running, merchant_codec, "R", "60.00").resp_code == "00"
    first.close()
    second = Emulator(gateway_private, {MERCHANT: merchant_public}, ledger=path)
    with second.start_server() as running:
        assert post_request(running, merchant_codec, "R", "60.00").resp_code == "30"
        status = post_request(running, merchant_codec, "RS", "100.00")
    assert status.refund_list is not None
    assert [r.amount for r in status.refund_list.refund] == [Decimal("60.00")]
    second.close()


def test_port_in_use_is_a_clear_error(emulator: Emulator, server: RunningServer) -> None:
    with pytest.raises(ConfigurationError, match="could not start"):
        emulator.start_server(port=server.port)
