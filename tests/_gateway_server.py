"""A scripted, test-only gateway stand-in speaking the real envelope with real keys.

It decodes every request with the gateway's codec (so the merchant side is checked for real),
records it, and answers with the next scripted :class:`Step` (success when the script is
empty). The same logic serves three ways: over HTTP on 127.0.0.1 (a ``ThreadingHTTPServer`` in
a background thread), and as sync and async handlers for ``InProcessTransport``.
Behaviours that only exist on a socket (a trickling body, a connection cut mid-body) are
HTTP-only. The real emulator is another issue's work; this one stays small.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from c2p_action import Codec
from c2p_action.codec import decode_request, encode_response
from c2p_action.errors import CodecError
from c2p_action.schemas import PaymentProcessRequest, PaymentProcessResponse
from c2p_action.transports import TransportRequest, TransportResponse


@dataclass(frozen=True)
class Step:
    """What the stand-in does with one request."""

    code: str = "00"
    description: str = "Success"
    status: str = "A"
    http_status: int = 200
    body: bytes | None = None  # a literal body instead of a token (garbage)
    delay: float = 0.0  # seconds before answering
    wrong_key: bool = False  # sign the answer with an unrelated key
    truncate: int | None = None  # keep only this many token bytes (Content-Length matches)
    cut_connection: bool = False  # HTTP only: announce the full length, send half, close
    trickle: float = 0.0  # HTTP only: seconds between 16-byte chunks of the body


@dataclass(frozen=True)
class Answer:
    """A planned answer: the bytes and how to deliver them."""

    status: int
    body: bytes
    step: Step


class GatewayStandIn:
    """Decode, record, answer per script. Thread-safe (HTTP handlers run in threads)."""

    def __init__(self, codec: Codec, wrong_codec: Codec) -> None:
        self._codec = codec
        self._wrong_codec = wrong_codec
        self._lock = threading.Lock()
        self._script: deque[Step] = deque()
        self.received: list[PaymentProcessRequest] = []

    def reset(self, *steps: Step) -> None:
        """Forget what was received and script the next answers."""
        with self._lock:
            self._script = deque(steps)
            self.received = []

    @property
    def idempotency_ids(self) -> list[str | None]:
        """The idempotencyID of every request received, in order."""
        with self._lock:
            return [request.idempotency_id for request in self.received]

    def plan(self, body: bytes) -> Answer:
        """Decode ``body`` and prepare the scripted answer (no waiting here)."""
        try:
            request = decode_request(self._codec, body)
        except CodecError:
            return Answer(400, b"bad request", Step())
        except Exception:  # a bug on the gateway side: answer like a crashed server would
            return Answer(500, b"internal error", Step())
        with self._lock:
            self.received.append(request)
            step = self._script.popleft() if self._script else Step()
        if step.body is not None or step.http_status != 200:
            return Answer(step.http_status, step.body or b"error", step)
        response = PaymentProcessResponse(
            version="3.8",
            time_stamp="270526103000",
            resp_code=step.code,
            resp_desc=step.description,
            process_type=request.process_type.value,
            invoice_no=request.invoice_no,
            amount=request.action_amount,
            status=step.status,
            reference_no="REF123",
            refund_reference_no="RREF9" if request.process_type.value == "R" else None,
        )
        codec = self._wrong_codec if step.wrong_key else self._codec
        token = encode_response(codec, response).encode("ascii")
        if step.truncate is not None:
            token = token[: step.truncate]
        return Answer(200, token, step)

    def handle(self, request: TransportRequest) -> TransportResponse:
        """Sync handler for ``InProcessTransport``."""
        answer = self.plan(request.body)
        time.sleep(answer.step.delay)
        return TransportResponse(answer.status, answer.body, {"Content-Type": "text/plain"})

    async def ahandle(self, request: TransportRequest) -> TransportResponse:
        """Async handler for ``InProcessTransport`` (RSA work off the loop, like a real app)."""
        answer = await asyncio.to_thread(self.plan, request.body)
        await asyncio.sleep(answer.step.delay)
        return TransportResponse(answer.status, answer.body, {"Content-Type": "text/plain"})


def _handler_class(gateway: GatewayStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            answer = gateway.plan(body)
            step = answer.step
            time.sleep(step.delay)
            self.send_response(answer.status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if step.cut_connection:
                self.wfile.write(answer.body[: len(answer.body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if step.trickle:
                for start in range(0, len(answer.body), 16):
                    self.wfile.write(answer.body[start : start + 16])
                    self.wfile.flush()
                    time.sleep(step.trickle)
                return
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet."""

    return Handler


@contextmanager
def serve(gateway: GatewayStandIn) -> Iterator[str]:
    """Serve ``gateway`` over HTTP on 127.0.0.1 (any path); yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(gateway))
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, name="gateway-stand-in", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def refused_url() -> str:
    """A loopback URL where nothing listens (the port was just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
