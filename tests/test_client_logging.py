"""Logging: one line per call at INFO, redacted XML only at DEBUG, no tokens or secrets."""

from __future__ import annotations

import logging

import pytest
from _gateway_server import GatewayStandIn, Step
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import Client, RetryPolicy
from c2p_action.client._logging import redact_xml
from c2p_action.errors import NotAllowedError
from c2p_action.plugins import PluginManager
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse


@pytest.fixture(scope="module")
def stand_in(
    gateway_codec: Codec, other_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> GatewayStandIn:
    return GatewayStandIn(gateway_codec, Codec(other_private, merchant_public))


class _Recorder:
    """Keeps every body on the wire so the test can look for tokens in the logs."""

    def __init__(self, gateway: GatewayStandIn) -> None:
        self.gateway = gateway
        self.tokens: list[bytes] = []

    def __call__(self, request: TransportRequest) -> TransportResponse:
        response = self.gateway.handle(request)
        self.tokens += [request.body, response.body]
        return response


def _client(
    recorder: _Recorder, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> Client:
    return Client(
        "JT01",
        merchant_private,
        gateway_public,
        transport=InProcessTransport(recorder),
        retry=RetryPolicy.never(),
        plugins=PluginManager(allow=()),
    )


def test_debug_logs_redacted_xml_and_never_tokens(
    caplog: pytest.LogCaptureFixture,
    stand_in: GatewayStandIn,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    stand_in.reset()
    recorder = _Recorder(stand_in)
    caplog.set_level(logging.DEBUG, logger="c2p_action")

    with _client(recorder, merchant_private, gateway_public) as client:
        client.refund(
            "INV-LOG", "12.00", bank_code="BBL", account_name="Somchai Jaidee",
            account_number="1234567890",
        )

    text = caplog.text
    assert "<accountNumber>******7890</accountNumber>" in text
    assert "1234567890" not in text
    assert "Somchai" not in text
    assert "<invoiceNo>INV-LOG</invoiceNo>" in text  # the XML itself is there at DEBUG
    assert "<respCode>00</respCode>" in text
    for token in recorder.tokens:
        assert token.decode()[:60] not in text


def test_info_is_one_line_per_call_without_xml(
    caplog: pytest.LogCaptureFixture,
    stand_in: GatewayStandIn,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    stand_in.reset(Step(), Step(code="41", description="Refund not allowed"))
    caplog.set_level(logging.INFO, logger="c2p_action")

    with _client(_Recorder(stand_in), merchant_private, gateway_public) as client:
        result = client.refund("INV-A", "5.00")
        with pytest.raises(NotAllowedError):
            client.inquiry("INV-B")

    records = [r for r in caplog.records if r.name.startswith("c2p_action")]
    assert [r.levelno for r in records] == [logging.INFO, logging.INFO]
    ok, failed = (r.getMessage() for r in records)
    assert ok.startswith("refund invoice=INV-A amount=5.00 code=00 attempts=1 duration_ms=")
    assert f"idempotency_id={result.idempotency_id}" in ok
    assert failed.startswith("inquiry invoice=INV-B amount=- code=41 attempts=1")
    assert "NotAllowedError" in failed
    assert "<" not in ok + failed


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (b"<accountNumber>12345678</accountNumber>", "<accountNumber>****5678</accountNumber>"),
        (b"<accountNumber>1234567</accountNumber>", "<accountNumber>*******</accountNumber>"),
        (b"<p:accountName>A B</p:accountName>", "<p:accountName>***</p:accountName>"),
        (b"<accountNumber></accountNumber>", "<accountNumber></accountNumber>"),
    ],
)
def test_redaction(xml: bytes, expected: str) -> None:
    assert redact_xml(xml) == expected
