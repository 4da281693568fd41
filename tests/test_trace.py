"""Traces: what they record, that nothing secret reaches them, and reading them back.

One module-scoped run drives both clients (in process and over real HTTP) against the
emulator with a trace file: an APM refund carrying a bank account, card refunds, refusals,
retries after a 503, a corrupted answer, an IIS-style HTML page and a port nobody listens on.
The merchant key is a password-protected PKCS#12 file. The secret scan then looks in the
trace for the key's numbers, its PEM text, the password, the account number and holder name,
and any 40-character piece of any token that crossed the wire. Card data (PAN, expiry,
holder) is checked through a card-token-shaped request model.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from _gateway_server import refused_url
from _tls import IIS_401, Canned, serve_canned
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.client import (
    AsyncClient,
    Client,
    RetryPolicy,
    TraceWriter,
    read_trace,
)
from c2p_action.client._trace import model_record
from c2p_action.emulator import Emulator, Faults, Method, Trigger
from c2p_action.errors import C2PError, GatewayError, ValidationError
from c2p_action.keys import GeneratedKeys, certificate_for, generate_merchant_keys
from c2p_action.operations import (
    BodyFormat,
    CodeTable,
    Endpoint,
    Envelope,
    Evidence,
    Mask,
    Operation,
    RetrySafety,
    prepare,
)
from c2p_action.operations.payment import PaymentResult
from c2p_action.schemas import PaymentProcessRequest, ProcessType, RespCode
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

MID = "JT01"
PASSWORD = "trace-Tr0ub4dor&3"
ACCOUNT = "998877665544"
HOLDER = "Jane Q Customer"
PAN = "4111111111111111"
CHUNK = 40
CLI = [sys.executable, "-m", "c2p_action.cli"]


class Recording:
    """A transport wrapper keeping every body that crossed it (the tokens)."""

    def __init__(self, inner: InProcessTransport) -> None:
        self.inner = inner
        self.bodies: list[bytes] = []

    def send(self, request: TransportRequest) -> TransportResponse:
        self.bodies.append(request.body)
        response = self.inner.send(request)
        self.bodies.append(response.body)
        return response

    def close(self) -> None:
        self.inner.close()


@dataclass
class Run:
    keys: GeneratedKeys
    trace: Path
    tokens: list[bytes] = field(default_factory=list)
    errors: list[C2PError] = field(default_factory=list)
    results: list[PaymentResult] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.trace.read_text(encoding="utf-8")

    @property
    def records(self) -> list[dict[str, Any]]:
        return list(read_trace(self.trace))


def _keep(run: Run, call: Any) -> None:
    try:
        run.results.append(call())
    except C2PError as error:
        run.errors.append(error)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, gateway_private: rsa.RSAPrivateKey) -> Run:
    folder = tmp_path_factory.mktemp("trace")
    keys = generate_merchant_keys(folder, password=PASSWORD, key_size=2048)
    run = Run(keys, folder / "calls.jsonl")
    emulator = Emulator(gateway_private, {MID: keys.private_key.public_key()})
    emulator.seed("T-APM", Decimal("80.00"), method=Method.APM, status="S")
    emulator.seed("T-CARD", Decimal("50.00"), status="S")
    gateway = gateway_private.public_key()
    recording = Recording(InProcessTransport(emulator.handle))
    common: dict[str, Any] = {"merchant_key_password": PASSWORD, "trace": run.trace}
    with Client(MID, str(keys.pkcs12_path), gateway, transport=recording, **common) as client:
        _keep(
            run,
            lambda: client.refund(
                "T-APM",
                "30.00",
                account_number=ACCOUNT,
                account_name=HOLDER,
                bank_code="BBL",
                notes="trace test",
            ),
        )
        _keep(run, lambda: client.refund("T-CARD", "10.00"))
        _keep(run, lambda: client.refund("T-NONE", "10.00"))
        emulator.faults = Faults(error_before=Trigger(times=1))
        _keep(run, lambda: client.inquiry("T-CARD"))  # 503, then the answer
        emulator.faults = Faults(corrupt_response=Trigger(times=1))
        _keep(run, lambda: client.refund_status("T-CARD"))
        emulator.faults = Faults()
    run.tokens = recording.bodies

    with Client(
        MID,
        str(keys.pkcs12_path),
        gateway,
        environment=refused_url(),
        retry=RetryPolicy.never(),
        **common,
    ) as client:
        _keep(run, lambda: client.inquiry("T-CARD"))
    with (
        serve_canned(Canned(401, IIS_401, {"Content-Type": "text/html"})) as url,
        Client(
            MID,
            str(keys.pkcs12_path),
            gateway,
            environment=url,
            retry=RetryPolicy.never(),
            **common,
        ) as client,
    ):
        _keep(run, lambda: client.inquiry("T-CARD"))

    async def over_http() -> None:
        with emulator.start_server() as server:
            async with AsyncClient(
                MID, str(keys.pkcs12_path), gateway, environment=server.base_url, **common
            ) as client:
                run.results.append(await client.refund("T-CARD", "5.00"))
                try:
                    await client.void("T-CARD", "50.00")
                except GatewayError as error:
                    run.errors.append(error)

    asyncio.run(over_http())
    emulator.close()
    return run


def test_every_call_is_one_record(run: Run) -> None:
    records = run.records
    assert [r["operation"] for r in records] == [
        "refund",
        "refund",
        "refund",
        "inquiry",
        "refund_status",
        "inquiry",
        "inquiry",
        "refund",
        "void",
    ]
    assert [r["outcome"] for r in records] == [
        "pending",
        "success",
        "error",
        "success",
        "error",
        "error",
        "error",
        "success",
        "error",
    ]
    for record in records:
        assert record["trace"] == "c2p_action.trace/1"
        assert record["duration_ms"] >= 0
        assert record["endpoint"].endswith("/2C2PFrontend/PaymentAction/2.0/action")


def test_a_record_holds_headers_sizes_models_and_the_explanation(run: Run) -> None:
    apm = run.records[0]
    (attempt,) = apm["attempts"]
    sent = attempt["request_token"]
    assert sent["jws_header"] == {"alg": "PS256", "typ": "JWT"}
    assert sent["jwe_header"] == {"alg": "RSA-OAEP", "enc": "A256GCM"}
    assert sent["jws_sizes"]["signature"] == 256
    assert attempt["http_status"] == 200
    assert attempt["response"]["kind"] == "token"
    assert attempt["response"]["token"]["jwe_header"]["enc"] == "A256GCM"
    assert apm["verified"] is True
    assert apm["response"]["respCode"] == "42"
    assert apm["code"] == "42"
    assert apm["explanation"]["kind"] == "pending"
    assert apm["request"]["accountNumber"] == "********5544"
    assert apm["request"]["accountName"] == "***"
    assert apm["request"]["notes"] == "trace test"
    assert apm["idempotency_id"] == run.results[0].idempotency_id

    refused = run.records[2]
    assert refused["code"] == "16"
    assert refused["error"]["type"] == "NotFoundError"
    assert refused["explanation"]["summary"].startswith("No transaction")
    assert refused["response"]["respCode"] == "16"


def test_retries_failures_and_html_pages_are_recorded(run: Run) -> None:
    retried = run.records[3]
    first, second = retried["attempts"]
    assert (first["http_status"], first["error"]["type"]) == (503, "HttpStatusError")
    assert (second["http_status"], "error" in second) == (200, False)

    corrupted = run.records[4]
    assert corrupted["verified"] is False
    assert corrupted["error"]["type"] == "SignatureError"

    unreachable = run.records[5]
    assert "http_status" not in unreachable["attempts"][0]
    assert unreachable["attempts"][0]["error"]["type"] == "TransportError"

    html = run.records[6]
    answer = html["attempts"][0]["response"]
    assert (answer["kind"], html["attempts"][0]["http_status"]) == ("html", 401)
    assert answer["title"].startswith("401 - Unauthorized")


def _secrets(run: Run) -> dict[str, str]:
    key = run.keys.private_key
    numbers = key.private_numbers()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    body = "".join(line for line in pem.splitlines() if "-----" not in line)
    found = {
        "password": PASSWORD,
        "account number": ACCOUNT,
        "holder name": HOLDER,
        "d": str(numbers.d),
        "p": str(numbers.p),
        "q": str(numbers.q),
        "d hex": format(numbers.d, "x"),
        "p hex": format(numbers.p, "x"),
    }
    found.update(
        {f"pem chunk {i}": body[i : i + CHUNK] for i in range(0, len(body) - CHUNK, CHUNK)}
    )
    return found


def test_no_secret_reaches_the_trace(run: Run) -> None:
    text = run.text
    assert len(run.tokens) >= 10
    for name, secret in _secrets(run).items():
        assert secret not in text, f"{name} is in the trace"
    for token in run.tokens:
        if not token.startswith(b"ey"):
            continue
        ascii_token = token.decode("ascii")
        for start in range(0, len(ascii_token) - CHUNK, CHUNK // 2):
            assert ascii_token[start : start + CHUNK] not in text, "a piece of a token leaked"


# -- card data through a card-token-shaped model -----------------------------------------------


@dataclass(kw_only=True)
class CardRequest:
    version: str = "2.3"
    store_card_unique_id: str | None = field(default=None, metadata={"name": "storeCardUniqueID"})
    pan: str = field(metadata={"name": "pan"})
    pan_expiry: str = field(metadata={"name": "panExpiry"})
    cardholder_name: str = field(metadata={"name": "cardholderName"})


def _card_operation(masked: dict[str, Mask]) -> Operation[Any, Any]:
    return Operation(
        name="cardtoken.add",
        summary="test only",
        request_type=CardRequest,
        response_type=CardRequest,
        endpoint=Endpoint("frontend", "/x", "/x"),
        envelope=Envelope.NESTED,
        body=BodyFormat.XML,
        codes=CodeTable(RespCode, "resp_code", "resp_desc", frozenset({"00"}), {}),
        result=PaymentResult,
        retry=RetrySafety.NEVER,
        evidence=Evidence.INFERRED,
        masked=masked,
    )


@pytest.mark.parametrize(
    "masked",
    [{"pan": Mask.PAN, "panExpiry": Mask.ALL, "cardholderName": Mask.ALL}, {}],
    ids=["declared", "safety-net"],
)
def test_card_fields_are_masked_declared_or_not(tmp_path: Path, masked: dict[str, Mask]) -> None:
    request = CardRequest(
        pan=PAN, pan_expiry="0931", cardholder_name=HOLDER, store_card_unique_id="ST0123456789"
    )
    writer = TraceWriter(tmp_path / "cards.jsonl")
    exchange = SimpleNamespace(
        call=prepare(_card_operation(masked), request), url="https://x.invalid/x", attempts=1
    )
    writer.sent(exchange, TransportRequest("https://x.invalid/x", b"not a token", {}, 1.0))  # type: ignore[arg-type]
    writer.failed(exchange, GatewayError("99", "x", response=request), final=True)  # type: ignore[arg-type]
    (record,) = read_trace(writer.path)
    text = writer.path.read_text()
    assert PAN not in text
    assert HOLDER not in text
    assert '"0931"' not in text
    assert record["request"]["pan"] == "411111XXXXXX1111"
    assert record["request"]["panExpiry"] == "***"
    assert record["response"]["cardholderName"] == "***"
    assert record["request"]["storeCardUniqueID"] == "ST0123456789"
    assert record["attempts"][0]["request_token"]["parsed"] is False


def test_model_record_reads_wire_names_and_masks_unknown_elements() -> None:
    from xsdata.formats.dataclass.models.generics import AnyElement

    request = PaymentProcessRequest(
        version="3.8",
        merchant_id=MID,
        process_type=ProcessType.R,
        invoice_no="I-1",
        action_amount=Decimal("1.50"),
        account_number=ACCOUNT,
    )
    record = model_record(request, {"accountNumber": Mask.LAST4})
    assert record["merchantID"] == MID
    assert record["actionAmount"] == "1.50"
    assert record["processType"] == "R"
    assert record["accountNumber"] == "********5544"
    hidden = model_record({"extra": [AnyElement(qname="pan", text=PAN)]})
    assert hidden == {"extra": [{"element": "pan", "text": "411111XXXXXX1111"}]}


# -- reading it back -------------------------------------------------------------------------


def test_read_trace_refuses_what_is_not_a_trace(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"trace": "c2p_action.trace/1"}\nnot json\n')
    with pytest.raises(ValidationError, match=r"bad.jsonl:2: not a JSON line"):
        list(read_trace(bad))
    bad.write_text('{"trace": "other/9"}\n')
    with pytest.raises(ValidationError, match=r"not a c2p_action\.trace/1 record"):
        list(read_trace(bad))


def _env(**values: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("C2P_")} | values


def test_the_cli_writes_a_trace_and_decode_reads_it_back(
    run: Run,
    tmp_path: Path,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> None:
    shown = subprocess.run(
        [*CLI, "decode", "--trace", str(run.trace)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert "call 9" in shown.stdout
    assert "an HTML page (401 - Unauthorized" in shown.stdout
    assert "HTTP 503" in shown.stdout
    assert "No transaction with this invoice number" in shown.stdout
    as_json = subprocess.run(
        [*CLI, "decode", "--trace", str(run.trace), "--json"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert len(json.loads(as_json.stdout)["calls"]) == 9

    key = tmp_path / "m.pem"
    key.write_bytes(
        other_private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert = tmp_path / "g.cer"
    cert.write_bytes(certificate_for(gateway_private).public_bytes(serialization.Encoding.PEM))
    emulator = Emulator(gateway_private, {MID: other_private.public_key()})
    emulator.seed("T-CLI", Decimal("9.00"), status="A")
    trace = tmp_path / "cli.jsonl"
    with emulator.start_server() as server:
        env = _env(
            C2P_MERCHANT_ID=MID,
            C2P_MERCHANT_KEY=str(key),
            C2P_GATEWAY_KEY=str(cert),
            C2P_ENVIRONMENT=server.base_url,
        )
        done = subprocess.run(
            [*CLI, "inquiry", "T-CLI", "--trace", str(trace)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    emulator.close()
    assert done.returncode == 0, done.stderr
    (record,) = read_trace(trace)
    assert (record["operation"], record["code"], record["response"]["status"]) == (
        "inquiry",
        "00",
        "A",
    )
    both = subprocess.run(
        [*CLI, "decode", "TOKEN", "--trace", str(trace)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert both.returncode == 2


def test_a_trace_needs_a_path_or_a_recorder(
    other_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    from c2p_action.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="trace must be"):
        Client(MID, other_private, gateway_public, trace=42)  # type: ignore[arg-type]
