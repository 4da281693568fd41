"""The HTTP emulator's control endpoint (``/_emulator/``), over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import urllib3
from _emulator_support import MERCHANT, build, http_post
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.codec.messages import decode_response, encode_request
from c2p_action.emulator import ACTION_PATH, CONTROL_PREFIX, Emulator
from c2p_action.emulator.server import RunningServer
from c2p_action.schemas import PaymentProcessResponse


@pytest.fixture
def emulator(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[Emulator]:
    emu = Emulator(gateway_private, {MERCHANT: merchant_public})
    yield emu
    emu.close()


@pytest.fixture
def server(emulator: Emulator) -> Iterator[RunningServer]:
    with emulator.start_server(poll_interval=60) as running:
        yield running


def control(server: RunningServer, method: str, path: str, body: object = None) -> tuple[int, Any]:
    url = server.url.removesuffix(ACTION_PATH) + CONTROL_PREFIX + path
    data = None if body is None else json.dumps(body).encode()
    answer = urllib3.request(method, url, body=data, retries=False, timeout=30)
    return answer.status, json.loads(answer.data)


def gateway(
    server: RunningServer, codec: Codec, kind: str, invoice: str, amount: str | None = None
) -> PaymentProcessResponse:
    answer = http_post(server.url, encode_request(codec, build(kind, invoice, amount)).encode())
    assert answer.status == 200
    return decode_response(codec, answer.data, PaymentProcessResponse)


def test_scripted_answers_over_http(server: RunningServer, merchant_codec: Codec) -> None:
    status, body = control(server, "POST", "/payments", {"invoice": "C-1", "amount": "50.00"})
    assert status == 201
    assert body["payments"][0]["status"] == "A"
    status, body = control(
        server, "POST", "/answers", [{"code": "95", "process_type": "I", "times": 2}]
    )
    assert (status, body["answers"][0]["times"]) == (201, 2)
    first = gateway(server, merchant_codec, "I", "C-1")
    assert (first.resp_code, first.resp_desc, first.status) == ("95", "Request timed out", "A")
    assert control(server, "GET", "/answers")[1]["answers"][0]["times"] == 1
    assert control(server, "DELETE", "/answers") == (200, {"answers": []})
    assert gateway(server, merchant_codec, "I", "C-1").resp_code == "00"


def test_payments_settlement_and_completions_over_http(
    server: RunningServer, merchant_codec: Codec
) -> None:
    status, body = control(
        server,
        "POST",
        "/payments",
        [
            {"invoice": "P-1", "amount": "80.00"},
            {"invoice": "P-2", "amount": "20.00", "method": "apm", "status": "S"},
            {"invoice": "P-3", "amount": "9.00", "method": "apm", "status": "AP",
             "void_pending": True},
        ],
    )  # fmt: skip
    assert (status, [p["invoice_no"] for p in body["payments"]]) == (201, ["P-1", "P-2", "P-3"])
    assert gateway(server, merchant_codec, "S", "P-1").status == "RS"
    assert control(server, "POST", "/settlement", {"invoice_no": "P-1"}) == (
        200,
        {"settled": ["P-1"]},
    )
    assert gateway(server, merchant_codec, "R", "P-1", "10.00").resp_code == "00"
    assert gateway(server, merchant_codec, "R", "P-2", "5.00").resp_code == "42"
    status, body = control(server, "POST", "/refunds/complete", {"status": "RR"})
    assert [(r["amount"], r["status"]) for r in body["completed"]] == [("5.00", "RR")]
    assert gateway(server, merchant_codec, "V", "P-3").status == "VP"
    assert control(server, "POST", "/voids/complete", {}) == (200, {"completed": ["P-3"]})
    payments = {p["invoice_no"]: p for p in control(server, "GET", "/payments")[1]["payments"]}
    assert payments["P-1"]["refunds"][0]["amount"] == "10.00"
    assert payments["P-3"]["status"] == "V"


def test_faults_over_http(server: RunningServer, merchant_codec: Codec) -> None:
    status, body = control(server, "POST", "/faults", {"faults": ["error_before=1x"]})
    assert status == 200
    assert "error_before" in body["faults"]
    token = encode_request(merchant_codec, build("I", "X")).encode()
    assert http_post(server.url, token).status == 503
    assert http_post(server.url, token).status == 200
    assert control(server, "POST", "/faults", {"faults": []})[0] == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/answers", {"code": "9"}),
        ("POST", "/answers", {"code": "95", "colour": "red"}),
        ("POST", "/answers", []),
        ("POST", "/payments", {"invoice": "Z", "amount": 10.5}),  # a float amount
        (
            "POST",
            "/payments",
            [{"invoice": "Z", "amount": "1.00"}, {"invoice": "Z", "amount": "2.00"}],
        ),
        ("POST", "/faults", {"faults": ["bogus"]}),
        ("POST", "/faults", {"faults": "error_before"}),
        ("POST", "/settlement", {"invoice_no": 7}),
        ("POST", "/refunds/complete", {"status": "RP"}),
    ],
)
def test_bad_control_requests_answer_400_and_change_nothing(
    server: RunningServer, emulator: Emulator, method: str, path: str, body: object
) -> None:
    status, answer = control(server, method, path, body)
    assert status == 400
    assert answer["error"]
    assert emulator.script.pending() == []
    assert emulator.ledger.transactions() == []  # the duplicate list seeded nothing at all


def test_a_body_that_is_not_json_answers_400(server: RunningServer) -> None:
    url = server.url.removesuffix(ACTION_PATH) + CONTROL_PREFIX + "/answers"
    answer = urllib3.request("POST", url, body=b"{nope", retries=False, timeout=30)
    assert answer.status == 400


def test_the_control_endpoint_can_be_switched_off(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("OFF-1", "10.00")
    with emulator.start_server(poll_interval=60, control=False) as running:
        base = running.url.removesuffix(ACTION_PATH)
        answer = urllib3.request("GET", base + CONTROL_PREFIX + "/answers", retries=False)
        assert answer.status == 404
        assert gateway(running, merchant_codec, "I", "OFF-1").amount == Decimal("10.00")
