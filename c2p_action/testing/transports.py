"""The transport contract as a pytest suite: run the tests the built-in transports pass.

The contract itself is written down in :mod:`c2p_action.transports.base`. In a test file of
your own project, subclass :class:`TransportContract` (a transport that talks HTTP over a
socket) or :class:`ExchangeContract` (one that does not: an in-process handler, a recorder)
and give it a ``transport_factory`` fixture: a callable that builds your transport from
:class:`~c2p_action.transports.base.TransportOptions`, exactly as the plugin manager will::

    import pytest
    from c2p_action.testing.transports import TransportContract
    from my_plugin import MyTransport

    class TestMyTransport(TransportContract):
        modes = ("sync", "async")  # which of send()/asend() MyTransport implements

        @pytest.fixture
        def transport_factory(self):
            return MyTransport

Each test runs once per mode. The servers are real, on 127.0.0.1 only: plain HTTP, and HTTPS
with a certificate authority generated for the run (one certificate for ``127.0.0.1``, one for
another host name). Cases that need time (deadlines) take a few seconds in all, never because
of a threshold on the clock: a transport fails them by returning an answer it should not have
waited for. A known gap is declared, never hidden: ``expected_failures = {"test_name":
"why"}`` turns those tests into strict expected failures, which fail as soon as they pass.

This module imports ``pytest``; nothing in the library imports this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, TypeAlias
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from c2p_action.errors import ConfigurationError, TransportError
from c2p_action.testing.proxy import connect_proxy
from c2p_action.transports.base import (
    AsyncTransport,
    Transport,
    TransportOptions,
    TransportRequest,
    TransportResponse,
)

__all__ = [
    "ContractCertificates",
    "ExchangeContract",
    "ScriptedServer",
    "SeenRequest",
    "TransportContract",
    "TransportFactory",
    "make_certificates",
]

TransportFactory: TypeAlias = Callable[[TransportOptions], Transport | AsyncTransport]
"""What a ``transport_factory`` fixture returns: the factory given to ``register(...)``."""

_MODES = ("sync", "async")
# Bytes trickled in a "slow" part; with TRICKLE_INTERVAL this sets how long it lasts.
_TRICKLE_BYTES = 60


# --------------------------------------------------------------------------------------------
# Certificates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractCertificates:
    """PEM files of a throwaway CA and two server certificates it signed."""

    ca_file: Path
    #: Certificate and key for ``127.0.0.1`` (IP address SAN).
    loopback: tuple[Path, Path]
    #: Certificate and key for ``wrong-host.invalid``: valid, but not for ``127.0.0.1``.
    wrong_host: tuple[Path, Path]


def make_certificates(directory: Path) -> ContractCertificates:
    """Write a CA and two server certificates (EC P-256: quick to make) into ``directory``."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "c2p_action contract test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))

    def leaf(stem: str, name: x509.GeneralName) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, stem)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([name]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cert_path, key_path

    return ContractCertificates(
        ca_file=ca_file,
        loopback=leaf("loopback", x509.IPAddress(ipaddress.ip_address("127.0.0.1"))),
        wrong_host=leaf("wrong-host", x509.DNSName("wrong-host.invalid")),
    )


# --------------------------------------------------------------------------------------------
# The scripted server
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeenRequest:
    """One request as the server received it (header names lower-cased)."""

    method: str
    path: str
    tag: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class _Plan:
    status: int
    body: bytes
    headers: Mapping[str, str]


class ScriptedServer:
    """A loopback HTTP(S) server whose answers are chosen by the request path.

    Routes (each request carries ``?tag=<id>`` so a test finds its own requests):

    - ``/echo``: 200, the request body back, header ``X-Contract-Echo`` = the request's
      ``X-Contract-Id``;
    - ``/status/<n>``: status ``n``; ``/redirect/<n>``: status ``n``, ``Location: /echo``;
    - ``/bytes/<n>``: ``n`` bytes with ``Content-Length``; ``/chunked/<n>``: ``n`` bytes chunked;
    - ``/slow``: nothing for ``hold`` seconds, then a complete 200;
    - ``/trickle/status``, ``/trickle/headers``, ``/trickle/body``: that part one byte at a
      time, ``interval`` apart, for ``hold`` seconds in all, then the rest: a complete 200;
    - ``/cut``: announces 1000 bytes, sends 100, closes; ``/close``: closes without answering.

    :meth:`handle` serves the routes that need no socket (echo, status, redirect, slow) to an
    in-process transport, recording them the same way.
    """

    def __init__(
        self,
        tls: ssl.SSLContext | None = None,
        *,
        hold: float = 3.0,
        interval: float = 0.05,
    ) -> None:
        self.hold = hold
        self.interval = interval
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._seen: list[SeenRequest] = []
        self._completed: set[str] = set()
        self._httpd = _Httpd(("127.0.0.1", 0), _handler_for(self), tls)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.scheme = "https" if tls is not None else "http"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()  # wakes handlers that are holding or trickling
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    @property
    def port(self) -> int:
        """The port bound on 127.0.0.1."""
        return int(self._httpd.server_address[1])

    def url(self, path: str, tag: str) -> str:
        """The URL of ``path`` on this server, tagged."""
        return f"{self.scheme}://127.0.0.1:{self.port}{path}?tag={tag}"

    def seen(self, tag: str) -> list[SeenRequest]:
        """The requests received with ``tag``, in order."""
        with self._lock:
            return [request for request in self._seen if request.tag == tag]

    def completed(self, tag: str) -> bool:
        """Whether the server finished sending the slow or trickled answer tagged ``tag``."""
        with self._lock:
            return tag in self._completed

    def _complete(self, tag: str) -> None:
        with self._lock:
            self._completed.add(tag)

    def _record(self, request: SeenRequest) -> None:
        """Remember one received request."""
        with self._lock:
            self._seen.append(request)

    def _wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; ``True`` if the server is stopping."""
        return self._stop.wait(seconds)

    def _plan(self, path: str, headers: Mapping[str, str], body: bytes) -> _Plan | None:
        """The answer of a route that needs no socket tricks (``None`` for the others)."""
        parts = path.strip("/").split("/")
        if parts == ["echo"]:
            echo = headers.get("x-contract-id", "")
            return _Plan(200, body, {"X-Contract-Echo": echo, "Content-Type": "text/plain"})
        if len(parts) == 2 and parts[1].isdigit():
            number = int(parts[1])
            if parts[0] == "status":
                return _Plan(number, f"status {number}".encode(), {"Content-Type": "text/plain"})
            if parts[0] == "redirect":
                return _Plan(number, b"moved", {"Location": "/echo?tag=followed"})
        return None

    def handle(self, request: TransportRequest) -> TransportResponse:
        """A sync handler for ``InProcessTransport`` serving the socket-free routes."""
        parts = urlsplit(request.url)
        tag = parse_qs(parts.query).get("tag", [""])[0]
        headers = {name.lower(): value for name, value in request.headers.items()}
        self._record(SeenRequest("POST", parts.path, tag, headers, request.body))
        if parts.path == "/slow":
            self._wait(self.hold)
            return TransportResponse(200, b"late", {"Content-Type": "text/plain"})
        plan = self._plan(parts.path, headers, request.body)
        if plan is None:
            raise AssertionError(f"{parts.path} needs a socket; use TransportContract")
        return TransportResponse(plan.status, plan.body, dict(plan.headers))


class _Httpd(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # handlers holding a connection must not delay shutdown
    # Room for every concurrent test connection: an overflowing backlog costs a client a
    # one-second SYN retry.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        tls: ssl.SSLContext | None,
    ) -> None:
        super().__init__(address, handler)
        self.tls = tls

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: clients failing a handshake or hanging up early is what the tests do."""


def _handler_for(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            httpd = self.server
            assert isinstance(httpd, _Httpd)
            self.request.settimeout(server.hold + 10)
            if httpd.tls is not None:
                # The handshake runs here, in the connection's thread, not in accept().
                self.request = httpd.tls.wrap_socket(self.request, server_side=True)
            super().setup()

        def finish(self) -> None:
            try:
                super().finish()
            finally:
                # socketserver closes the socket it accepted, which wrapping detached.
                if isinstance(self.request, ssl.SSLSocket):
                    self.request.close()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_POST(self) -> None:
            body = self._read_body()
            parts = urlsplit(self.path)
            tag = parse_qs(parts.query).get("tag", [""])[0]
            headers = {name.lower(): value for name, value in self.headers.items()}
            server._record(SeenRequest("POST", parts.path, tag, headers, body))
            try:
                self._answer(parts.path, headers, body)
            except OSError:
                self.close_connection = True  # the client gave up; nothing more to say
            else:
                if parts.path == "/slow" or parts.path.startswith("/trickle/"):
                    server._complete(tag)

        def _read_body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline().strip():
                    pass  # trailers
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))

        def _answer(self, path: str, headers: Mapping[str, str], body: bytes) -> None:
            plan = server._plan(path, headers, body)
            if plan is not None:
                self._send(plan.status, plan.body, plan.headers)
            elif path.startswith("/bytes/"):
                self._send(200, b"x" * int(path.rsplit("/", 1)[1]), {})
            elif path.startswith("/chunked/"):
                self._chunked(int(path.rsplit("/", 1)[1]))
            elif path == "/slow":
                if server._wait(server.hold):
                    raise ConnectionAbortedError("server stopping")
                self._send(200, b"late", {})
            elif path.startswith("/trickle/"):
                self._trickle(path.rsplit("/", 1)[1])
            elif path == "/cut":
                self._raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100)
                self._hang_up()
            elif path == "/close":
                self._hang_up()
            else:
                self._send(404, b"no such route", {})

        def _send(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _chunked(self, size: int) -> None:
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, size, 300):
                chunk = b"x" * min(300, size - start)
                self._raw(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self._raw(b"0\r\n\r\n")

        def _trickle(self, part: str) -> None:
            pad = b"x" * _TRICKLE_BYTES
            status = b"HTTP/1.1 200 " + pad + b"\r\n"
            head = b"Content-Type: text/plain\r\nX-Pad: " + pad + b"\r\n"
            body = b"t" * _TRICKLE_BYTES
            length = b"Content-Length: %d\r\n\r\n" % len(body)
            slow = {"status": status, "headers": head, "body": body}[part]
            before = {"status": b"", "headers": status, "body": status + head + length}[part]
            self._raw(before)
            for index in range(len(slow)):
                if server._wait(server.interval):
                    raise ConnectionAbortedError("server stopping")
                self._raw(slow[index : index + 1])
            after = {"status": head + length + body, "headers": length + body, "body": b""}[part]
            self._raw(after)

        def _raw(self, data: bytes) -> None:
            self.wfile.write(data)
            self.wfile.flush()

        def _hang_up(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler


# --------------------------------------------------------------------------------------------
# The suites
# --------------------------------------------------------------------------------------------


def _exchange(
    factory: TransportFactory,
    mode: str,
    request: TransportRequest,
    options: TransportOptions | None = None,
) -> TransportResponse:
    """Build a transport, send one request in ``mode``, close it; the answer or the error."""
    return _exchange_many(factory, mode, [request], options)[0]


def _exchange_many(
    factory: TransportFactory,
    mode: str,
    requests: list[TransportRequest],
    options: TransportOptions | None = None,
    *,
    concurrently: bool = False,
) -> list[TransportResponse]:
    options = options or TransportOptions()
    if mode == "sync":
        transport = factory(options)
        if not isinstance(transport, Transport):
            pytest.fail(f"{transport!r} has no send()/close(): declare modes = ('async',)")
        try:
            if concurrently:
                with ThreadPoolExecutor(max_workers=8) as pool:
                    return list(pool.map(transport.send, requests))
            return [transport.send(request) for request in requests]
        finally:
            transport.close()
            transport.close()  # closing twice is part of the contract

    async def run() -> list[TransportResponse]:
        transport = factory(options)
        if not isinstance(transport, AsyncTransport):
            pytest.fail(f"{transport!r} has no asend()/aclose(): declare modes = ('sync',)")
        try:
            if concurrently:
                return list(await asyncio.gather(*(transport.asend(r) for r in requests)))
            return [await transport.asend(request) for request in requests]
        finally:
            await transport.aclose()
            await transport.aclose()

    return asyncio.run(run())


def _tag() -> str:
    return uuid.uuid4().hex


def _request(url: str, timeout: float = 30.0, **headers: str) -> TransportRequest:
    return TransportRequest(url, b"token", {"Content-Type": "text/plain", **headers}, timeout)


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


class ExchangeContract:
    """The cases every transport passes, network or not; subclass and give ``transport_factory``.

    The request reaches the server as given, the whole answer comes back, any status is
    returned (not raised) with no retry, redirects are not followed, ``request.timeout`` bounds
    the exchange, calls may run concurrently on one transport, and closing twice is harmless.
    A transport that never touches a socket serves ``gateway.handle`` (see
    :class:`ScriptedServer`) from its factory.
    """

    #: The transport's variants this class tests: ``"sync"`` (``send``), ``"async"`` (``asend``).
    modes: ClassVar[tuple[str, ...]] = _MODES
    #: Known gaps, test name -> reason: run as strict expected failures (xfail, strict=True).
    expected_failures: ClassVar[Mapping[str, str]] = {}
    #: The ``request.timeout`` (seconds) of the deadline cases; the server holds 6 times longer.
    deadline: ClassVar[float] = 0.5
    # Whether the call must return at the deadline, while the server is still sending (over a
    # socket it can); a handler called in the caller's thread can only be judged late after it.
    _interrupts: ClassVar[bool] = False

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Run each test once per mode in :attr:`modes`, with :attr:`expected_failures`."""
        unknown = sorted(set(self.modes) - set(_MODES)) + sorted(
            name for name in self.expected_failures if not hasattr(type(self), name)
        )
        if unknown:
            raise ValueError(f"{type(self).__name__}: unknown modes or test names {unknown}")
        if "mode" not in metafunc.fixturenames:
            return
        reason = self.expected_failures.get(metafunc.function.__name__)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        metafunc.parametrize("mode", [pytest.param(m, marks=marks, id=m) for m in self.modes])

    @pytest.fixture
    def transport_factory(self) -> TransportFactory:
        """Override: return the factory that builds your transport from TransportOptions."""
        raise NotImplementedError(f"{type(self).__name__} must define a transport_factory fixture")

    @pytest.fixture(scope="class")
    @classmethod
    def gateway(cls) -> Iterator[ScriptedServer]:
        """A plain-HTTP scripted server on 127.0.0.1."""
        with ScriptedServer(hold=cls.deadline * 6) as server:
            yield server

    def test_the_request_arrives_as_given(
        self, transport_factory: TransportFactory, mode: str, gateway: ScriptedServer
    ) -> None:
        """POST, the path and query, the exact body bytes and the given headers."""
        tag = _tag()
        body = b"eyJhbGciOiJQUzI1NiJ9.\x00\xff binary-safe"
        request = TransportRequest(
            gateway.url("/echo", tag),
            body,
            {"Content-Type": "text/plain", "X-Contract-Id": tag},
            30.0,
        )

        response = _exchange(transport_factory, mode, request)

        [seen] = gateway.seen(tag)
        assert (seen.method, seen.path, seen.body) == ("POST", "/echo", body)
        assert seen.headers["content-type"] == "text/plain"
        assert seen.headers["x-contract-id"] == tag
        assert response.status == 200
        assert response.body == body
        assert _lower(response.headers)["x-contract-echo"] == tag

    @pytest.mark.parametrize("status", [400, 404, 500, 502, 503])
    def test_any_status_is_returned_not_raised_and_not_retried(
        self, transport_factory: TransportFactory, mode: str, gateway: ScriptedServer, status: int
    ) -> None:
        """Non-2xx answers come back as responses; exactly one request reaches the server."""
        tag = _tag()
        request = _request(gateway.url(f"/status/{status}", tag))

        response = _exchange(transport_factory, mode, request)

        assert (response.status, response.body) == (status, f"status {status}".encode())
        assert len(gateway.seen(tag)) == 1

    @pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
    def test_redirects_are_returned_not_followed(
        self, transport_factory: TransportFactory, mode: str, gateway: ScriptedServer, status: int
    ) -> None:
        """A redirect is the answer: its status and Location come back; nothing is followed."""
        tag = _tag()

        response = _exchange(
            transport_factory, mode, _request(gateway.url(f"/redirect/{status}", tag))
        )

        assert response.status == status
        assert _lower(response.headers)["location"] == "/echo?tag=followed"
        assert len(gateway.seen(tag)) == 1
        assert gateway.seen("followed") == []

    def test_the_deadline_covers_a_slow_answer(
        self, transport_factory: TransportFactory, mode: str, gateway: ScriptedServer
    ) -> None:
        """``request.timeout`` (not the options' 60 s) ends the wait: a retryable error."""
        tag = _tag()
        request = _request(gateway.url("/slow", tag), timeout=self.deadline)

        with pytest.raises(TransportError) as failed:
            _exchange(transport_factory, mode, request, TransportOptions(timeout=60.0))

        if self._interrupts:
            assert not gateway.completed(tag), "the call waited for the late answer"
        assert failed.value.retryable
        assert len(gateway.seen(tag)) == 1

    def test_calls_may_run_concurrently_on_one_transport(
        self, transport_factory: TransportFactory, mode: str, gateway: ScriptedServer
    ) -> None:
        """Threads (sync) or tasks (async) share one transport; no answer is mixed up."""
        tags = [_tag() for _ in range(24)]
        requests = [
            TransportRequest(gateway.url("/echo", tag), tag.encode(), {"X-Contract-Id": tag}, 30.0)
            for tag in tags
        ]

        responses = _exchange_many(transport_factory, mode, requests, concurrently=True)

        assert [r.body for r in responses] == [tag.encode() for tag in tags]
        assert [_lower(r.headers)["x-contract-echo"] for r in responses] == tags


class TransportContract(ExchangeContract):
    """The whole contract for a transport that speaks HTTP over a socket.

    Adds to :class:`ExchangeContract`: connection failures (refused, closed, cut) are
    retryable; the deadline covers a trickled status line, headers and body;
    ``max_response_bytes`` is enforced with and without ``Content-Length``; TLS verifies the
    chain and the host name, trusts ``ca_file``, and can be turned off; unusable URLs fail
    without a retry; ``proxy`` is honoured (a ``CONNECT`` tunnel; a refusal is not retryable,
    an unreachable proxy is) or, with :attr:`proxy` false, refused.
    """

    _interrupts = True
    #: Whether the transport goes through ``TransportOptions.proxy`` (the built-ins do). One
    #: that cannot sets ``False`` and must refuse options naming a proxy with
    #: ``ConfigurationError``: its proxy cases then check that refusal and report as xfail.
    proxy: ClassVar[bool] = True

    @pytest.fixture(scope="class")
    @classmethod
    def certificates(cls, tmp_path_factory: pytest.TempPathFactory) -> ContractCertificates:
        """A CA and server certificates generated for this test class."""
        return make_certificates(tmp_path_factory.mktemp("contract-tls"))

    @classmethod
    def _tls_server(cls, pair: tuple[Path, Path]) -> ScriptedServer:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*pair)
        return ScriptedServer(context, hold=cls.deadline * 6)

    @pytest.fixture(scope="class")
    @classmethod
    def tls_gateway(cls, certificates: ContractCertificates) -> Iterator[ScriptedServer]:
        """HTTPS on 127.0.0.1 with a certificate for 127.0.0.1 from the test CA."""
        with cls._tls_server(certificates.loopback) as server:
            yield server

    @pytest.fixture(scope="class")
    @classmethod
    def wrong_host_gateway(cls, certificates: ContractCertificates) -> Iterator[ScriptedServer]:
        """HTTPS on 127.0.0.1 with a certificate from the test CA for another host name."""
        with cls._tls_server(certificates.wrong_host) as server:
            yield server

    # -- connection failures ------------------------------------------------------------------

    def test_connection_refused_is_retryable(
        self, transport_factory: TransportFactory, mode: str
    ) -> None:
        """Nothing listens on the port: a retryable error."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]  # closed again below: a port nobody listens on

        with pytest.raises(TransportError) as failed:
            _exchange(transport_factory, mode, _request(f"http://127.0.0.1:{port}/echo"))

        assert failed.value.retryable

    @pytest.mark.parametrize("route", ["/close", "/cut"])
    def test_a_connection_lost_before_a_complete_answer_is_retryable(
        self, transport_factory: TransportFactory, mode: str, gateway: ScriptedServer, route: str
    ) -> None:
        """Closed without an answer, or cut mid-body: retryable, and sent once only."""
        tag = _tag()

        with pytest.raises(TransportError) as failed:
            _exchange(transport_factory, mode, _request(gateway.url(route, tag)))

        assert failed.value.retryable
        assert len(gateway.seen(tag)) == 1

    # -- the deadline -------------------------------------------------------------------------

    def _trickled(
        self, transport_factory: TransportFactory, mode: str, server: ScriptedServer, part: str
    ) -> None:
        tag = _tag()
        request = _request(server.url(f"/trickle/{part}", tag), timeout=self.deadline)
        # Each byte comes well within the deadline, the whole part long after it: only a
        # deadline on the whole exchange ends the call while the server is still sending.
        # (Ordering, not a threshold: the server needs six deadlines to finish.)
        with pytest.raises(TransportError) as failed:
            _exchange(transport_factory, mode, request)
        assert not server.completed(tag), f"the call waited for the whole trickled {part}"
        assert failed.value.retryable

    def test_the_deadline_covers_a_trickled_status_line(
        self, transport_factory: TransportFactory, mode: str, gateway: ScriptedServer
    ) -> None:
        """A status line sent one byte at a time does not hold the caller past the deadline."""
        self._trickled(transport_factory, mode, gateway, "status")

    def test_the_deadline_covers_trickled_headers(
        self, transport_factory: TransportFactory, mode: str, gateway: ScriptedServer
    ) -> None:
        """Headers sent one byte at a time do not hold the caller past the deadline."""
        self._trickled(transport_factory, mode, gateway, "headers")

    def test_the_deadline_covers_a_trickled_body(
        self, transport_factory: TransportFactory, mode: str, gateway: ScriptedServer
    ) -> None:
        """A body sent one byte at a time does not hold the caller past the deadline."""
        self._trickled(transport_factory, mode, gateway, "body")

    # -- size ---------------------------------------------------------------------------------

    @pytest.mark.parametrize("framing", ["bytes", "chunked"])
    def test_an_answer_of_exactly_max_response_bytes_is_accepted(
        self, transport_factory: TransportFactory, mode: str, gateway: ScriptedServer, framing: str
    ) -> None:
        """The limit is inclusive, with Content-Length or chunked."""
        request = _request(gateway.url(f"/{framing}/1000", _tag()))

        response = _exchange(
            transport_factory, mode, request, TransportOptions(max_response_bytes=1000)
        )

        assert (response.status, response.body) == (200, b"x" * 1000)

    @pytest.mark.parametrize("framing", ["bytes", "chunked"])
    def test_an_oversized_answer_is_refused_without_retry(
        self, transport_factory: TransportFactory, mode: str, gateway: ScriptedServer, framing: str
    ) -> None:
        """One byte over ``max_response_bytes``: refused, not retryable."""
        request = _request(gateway.url(f"/{framing}/1001", _tag()))

        with pytest.raises(TransportError) as failed:
            _exchange(transport_factory, mode, request, TransportOptions(max_response_bytes=1000))

        assert not failed.value.retryable

    # -- TLS ----------------------------------------------------------------------------------

    def test_tls_is_verified_against_the_system_store_by_default(
        self, transport_factory: TransportFactory, mode: str, tls_gateway: ScriptedServer
    ) -> None:
        """A certificate from an unknown CA is refused, not retryable, before any request."""
        tag = _tag()

        with pytest.raises(TransportError) as failed:
            _exchange(transport_factory, mode, _request(tls_gateway.url("/echo", tag)))

        assert not failed.value.retryable
        assert tls_gateway.seen(tag) == []

    def test_tls_trusts_the_ca_file(
        self,
        transport_factory: TransportFactory,
        mode: str,
        tls_gateway: ScriptedServer,
        certificates: ContractCertificates,
    ) -> None:
        """``ca_file`` makes the test CA trusted."""
        tag = _tag()
        options = TransportOptions(ca_file=str(certificates.ca_file))

        response = _exchange(
            transport_factory, mode, _request(tls_gateway.url("/echo", tag)), options
        )

        assert (response.status, response.body) == (200, b"token")

    def test_tls_checks_the_host_name(
        self,
        transport_factory: TransportFactory,
        mode: str,
        wrong_host_gateway: ScriptedServer,
        certificates: ContractCertificates,
    ) -> None:
        """A trusted certificate for another host name is refused, not retryable."""
        tag = _tag()
        options = TransportOptions(ca_file=str(certificates.ca_file))

        with pytest.raises(TransportError) as failed:
            _exchange(
                transport_factory, mode, _request(wrong_host_gateway.url("/echo", tag)), options
            )

        assert not failed.value.retryable
        assert wrong_host_gateway.seen(tag) == []

    def test_tls_verification_can_be_turned_off(
        self, transport_factory: TransportFactory, mode: str, wrong_host_gateway: ScriptedServer
    ) -> None:
        """``verify_tls=False`` accepts any certificate (tests only; a warning is allowed)."""
        tag = _tag()
        options = TransportOptions(verify_tls=False)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # urllib3 warns on every unverified request
            response = _exchange(
                transport_factory, mode, _request(wrong_host_gateway.url("/echo", tag)), options
            )

        assert (response.status, response.body) == (200, b"token")

    # -- URLs ---------------------------------------------------------------------------------

    @pytest.mark.parametrize("url", ["ftp://127.0.0.1:21/echo", "http:///echo", "not a url"])
    def test_an_unusable_url_is_not_retryable(
        self, transport_factory: TransportFactory, mode: str, url: str
    ) -> None:
        """Not http(s), no host, no scheme: refused, not retryable."""
        with pytest.raises(TransportError) as failed:
            _exchange(transport_factory, mode, _request(url))

        assert not failed.value.retryable

    def test_a_malformed_url_is_a_transport_error(
        self, transport_factory: TransportFactory, mode: str
    ) -> None:
        """A URL that does not even parse (an unclosed IPv6 bracket): refused, not retryable."""
        with pytest.raises(TransportError) as failed:
            _exchange(transport_factory, mode, _request("https://[::1/echo"))

        assert not failed.value.retryable

    # -- proxy --------------------------------------------------------------------------------

    def _through_proxy(
        self,
        factory: TransportFactory,
        mode: str,
        request: TransportRequest,
        proxy_url: str,
        certificates: ContractCertificates,
    ) -> TransportResponse:
        options = TransportOptions(ca_file=str(certificates.ca_file), proxy=proxy_url)
        if self.proxy:
            return _exchange(factory, mode, request, options)
        with pytest.raises(ConfigurationError):
            _exchange(factory, mode, request, options)
        pytest.xfail("declared proxy = False: the options naming a proxy were refused")

    def test_a_proxy_carries_the_exchange(
        self,
        transport_factory: TransportFactory,
        mode: str,
        tls_gateway: ScriptedServer,
        certificates: ContractCertificates,
    ) -> None:
        """With ``proxy``, HTTPS goes through a ``CONNECT`` tunnel to the gateway's host and
        port, the gateway's certificate still verified; never around the proxy."""
        tag = _tag()
        with connect_proxy() as proxy:
            response = self._through_proxy(
                transport_factory,
                mode,
                _request(tls_gateway.url("/echo", tag)),
                proxy.url(),
                certificates,
            )
        assert (response.status, response.body) == (200, b"token")
        assert proxy.seen == [f"127.0.0.1:{tls_gateway.port}"]
        assert len(tls_gateway.seen(tag)) == 1

    def test_a_proxy_refusing_the_tunnel_is_not_retryable(
        self,
        transport_factory: TransportFactory,
        mode: str,
        tls_gateway: ScriptedServer,
        certificates: ContractCertificates,
    ) -> None:
        """A proxy answering ``CONNECT`` with 403: refused, not retryable, the gateway
        untouched (a proxy's refusal is a policy, not a passing fault)."""
        tag = _tag()
        with connect_proxy(refuse=403) as proxy, pytest.raises(TransportError) as failed:
            self._through_proxy(
                transport_factory,
                mode,
                _request(tls_gateway.url("/echo", tag)),
                proxy.url(),
                certificates,
            )
        assert not failed.value.retryable
        assert tls_gateway.seen(tag) == []

    def test_an_unreachable_proxy_is_retryable(
        self,
        transport_factory: TransportFactory,
        mode: str,
        tls_gateway: ScriptedServer,
        certificates: ContractCertificates,
    ) -> None:
        """Nothing listens where the proxy should be: retryable, never a direct connection."""
        tag = _tag()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]  # closed again below: a port nobody listens on
        with pytest.raises(TransportError) as failed:
            self._through_proxy(
                transport_factory,
                mode,
                _request(tls_gateway.url("/echo", tag)),
                f"http://127.0.0.1:{port}",
                certificates,
            )
        assert failed.value.retryable
        assert tls_gateway.seen(tag) == []
