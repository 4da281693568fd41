"""``2c2p listen``: a real subprocess receiving the emulator's notifications over HTTP.

The emulator posts with its own HTTP notifier (raw token or ``notifyResponse=`` form);
forwarded payloads land on a small HTTP server in the test. The last test runs everything as
subprocesses: ``emulator serve``, ``emulator seed``, ``listen`` and ``refund --wait``.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from _emulator_support import http_post
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import Client, RetryPolicy
from c2p_action.codec import encode_response
from c2p_action.emulator import DeliverySchedule as NotifyRetry
from c2p_action.emulator import Emulator, Method, NotificationFormat, Notifier
from c2p_action.errors import ConfigurationError, TokenFormatError
from c2p_action.keys import certificate_for
from c2p_action.listen import FORWARD_FORMAT, Forwarder, read_notification
from c2p_action.schemas import PaymentProcessResponse
from c2p_action.transports import InProcessTransport

MID = "JT01"
CLI = [sys.executable, "-m", "c2p_action.cli"]
WAIT = 60.0  # seconds to wait for a line that should come; a bound, not a measurement


@dataclass(frozen=True)
class Keys:
    merchant_key: Path
    merchant_cert: Path
    gateway_key: Path
    gateway_cert: Path


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture(scope="module")
def keys(
    tmp_path_factory: pytest.TempPathFactory,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> Keys:
    folder = tmp_path_factory.mktemp("listen")
    files = Keys(*(folder / n for n in ("m.pem", "m.cer", "g.pem", "g.cer")))
    for key, path, cert in (
        (other_private, files.merchant_key, files.merchant_cert),
        (gateway_private, files.gateway_key, files.gateway_cert),
    ):
        path.write_bytes(_pem(key))
        cert.write_bytes(certificate_for(key).public_bytes(serialization.Encoding.PEM))
    return files


def env_for(keys: Keys, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    env.update(
        C2P_MERCHANT_ID=MID,
        C2P_MERCHANT_KEY=str(keys.merchant_key),
        C2P_GATEWAY_KEY=str(keys.gateway_cert),
        **extra,
    )
    return env


class Lines:
    """A subprocess's stdout, line by line, read in a background thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self._queue: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout

        def pump() -> None:
            for line in stdout:
                self._queue.put(line)

        threading.Thread(target=pump, daemon=True).start()

    def next(self) -> str:
        return self._queue.get(timeout=WAIT)

    def until(self, words: str) -> list[str]:
        seen = []
        while True:
            line = self.next()
            seen.append(line)
            if words in line:
                return seen


@contextmanager
def listening(args: list[str], env: dict[str, str]) -> Iterator[tuple[str, Lines]]:
    with subprocess.Popen(
        [*CLI, "listen", "--port", "0", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        lines = Lines(process)
        first = lines.next()
        try:
            url = json.loads(first)["listening"] if "--json" in args else first.split()[2]
            yield url, lines
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=30)
        assert process.returncode == 0, errors


@dataclass
class Sink:
    """What the forward target received; ``status`` is what it answers."""

    status: int = 200
    received: list[dict[str, Any]] | None = None


@contextmanager
def forward_target(sink: Sink) -> Iterator[str]:
    sink.received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            assert sink.received is not None
            sink.received.append(
                {"type": self.headers.get("Content-Type"), "body": json.loads(body)}
            )
            self.send_response(sink.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/2c2p"
    finally:
        server.shutdown()
        server.server_close()


def _emulator(
    other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey, form: bool = False
) -> Emulator:
    notifier = Notifier(
        format=NotificationFormat.FORM if form else NotificationFormat.TOKEN,
        retry=NotifyRetry(max_attempts=1),
    )
    emulator = Emulator(gateway_private, {MID: other_private.public_key()}, notifier=notifier)
    emulator.seed("L-1", Decimal("90.00"), method=Method.APM, status="S")
    return emulator


def _pending_refund(
    emulator: Emulator,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
    url: str,
    amount: str,
) -> str:
    with Client(
        MID,
        other_private,
        gateway_private.public_key(),
        retry=RetryPolicy.never(),
        transport=InProcessTransport(emulator.handle),
    ) as client:
        result = client.refund("L-1", amount, notify_url=url)
    assert result.pending
    assert result.refund_reference_no is not None
    return result.refund_reference_no


def test_listen_verifies_prints_and_forwards(
    keys: Keys, other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> None:
    sink = Sink()
    emulator = _emulator(other_private, gateway_private)
    with (
        forward_target(sink) as target,
        listening(["--json", "--forward-to", target], env_for(keys)) as (url, lines),
    ):
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/2c2p/notify")
        reference = _pending_refund(emulator, other_private, gateway_private, url, "30.00")
        emulator.complete_pending_refunds()
        deliveries = emulator.deliver_notifications()
        assert [d.error for d in deliveries] == [None]  # answered 200 after processing
        printed = json.loads(lines.next())

        # The forward target refuses: the gateway gets 502, so it posts again later.
        sink.status = 500
        _pending_refund(emulator, other_private, gateway_private, url, "20.00")
        emulator.complete_pending_refunds(status="RR1")
        refused = emulator.deliver_notifications()
        assert [d.error for d in refused] == ["answered HTTP 502"]
        second = json.loads(lines.next())
    emulator.close()

    assert printed["format"] == FORWARD_FORMAT
    assert (printed["kind"], printed["verified"], printed["forwarded"]) == ("refund", True, True)
    assert printed["notification"]["refundReferenceNo"] == reference
    assert (printed["notification"]["status"], printed["notification"]["respCode"]) == ("RF", "00")
    assert sink.received is not None
    forwarded = sink.received[0]
    assert forwarded["type"] == "application/json"
    assert forwarded["body"]["notification"] == printed["notification"]
    assert forwarded["body"]["verified"] is True
    assert (second["forwarded"], second["notification"]["status"]) == (False, "RR1")
    assert "HTTP 500" in second["forward_error"]


def test_listen_answers_bad_notifications_with_4xx_and_takes_forms(
    keys: Keys, other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> None:
    emulator = _emulator(other_private, gateway_private, form=True)
    forged = encode_response(
        Codec(other_private, other_private.public_key()),  # signed by the wrong key
        PaymentProcessResponse(resp_code="00", invoice_no="L-1", status="RF"),
    )
    with listening([], env_for(keys)) as (url, lines):
        assert http_post(url, b"not a token").status == 400
        assert http_post(url, forged.encode()).status == 401
        assert (
            http_post(
                url, b"notifyResponse=", content_type=("application/x-www-form-urlencoded")
            ).status
            == 400
        )
        _pending_refund(emulator, other_private, gateway_private, url, "10.00")
        emulator.complete_pending_refunds()
        assert [d.error for d in emulator.deliver_notifications()] == [None]
        shown = lines.until("signature verified")
        shown += lines.until("status")
    emulator.close()
    text = "".join(shown)
    assert "refund at " in text
    assert "RF" in text


def test_read_notification_and_forwarder_refuse_what_they_cannot_use(
    merchant_codec: Codec,
) -> None:
    with pytest.raises(TokenFormatError):
        read_notification(merchant_codec, b"abc")
    with pytest.raises(ConfigurationError):
        Forwarder("http://192.0.2.1/hooks")  # plain http only on loopback
    with pytest.raises(ConfigurationError):
        Forwarder("sandbox")


def test_every_step_as_a_subprocess_with_refund_wait(tmp_path: Path, keys: Keys) -> None:
    ledger = tmp_path / "ledger.sqlite"
    base = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    seeded = subprocess.run(
        [
            *CLI,
            "emulator",
            "seed",
            "--ledger",
            str(ledger),
            "--merchant-id",
            MID,
            "L-CLI",
            "60.00",
            "--status",
            "S",
            "--method",
            "apm",
        ],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    with subprocess.Popen(
        [
            *CLI,
            "emulator",
            "serve",
            "--port",
            "0",
            "--ledger",
            str(ledger),
            "--merchant",
            f"{MID}={keys.merchant_cert}",
            "--gateway-key",
            str(keys.gateway_key),
            "--apm-refund-delay",
            "0.5",
            "--poll-interval",
            "0.1",
            "--json",
        ],
        env=base,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        assert server.stdout is not None
        environment = json.loads(server.stdout.readline())["environment"]
        try:
            with listening([], env_for(keys)) as (url, lines):
                refund = subprocess.run(
                    [
                        *CLI,
                        "refund",
                        "L-CLI",
                        "15.00",
                        "--notify-url",
                        url,
                        "--wait",
                        "--poll",
                        "0.2",
                        "--wait-timeout",
                        "60",
                        "--json",
                    ],
                    env=env_for(keys, C2P_ENVIRONMENT=environment),
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                shown = "".join(lines.until("status"))
        finally:
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=30)
    assert refund.returncode == 0, refund.stderr
    record = json.loads(refund.stdout)
    assert (record["code"], record["pending"]) == ("42", True)
    assert (record["wait"]["status"], record["wait"]["succeeded"]) == ("RF", True)
    assert record["wait"]["reference"] == record["refund_reference_no"]
    assert "refund" in shown
    assert "RF" in shown
