"""The HTTP emulator against abusive clients, over real sockets on 127.0.0.1.

False content encodings, hostile request lines, headers and bodies (a hypothesis fuzz target:
no input may get a 5xx), slow-loris heads and bodies, connection floods, and the same bounds
through ``2c2p emulator serve``.
"""

from __future__ import annotations

import contextlib
import gzip
import inspect
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _emulator_support import MERCHANT, build
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from c2p_action import Codec
from c2p_action.codec.messages import decode_response, encode_request
from c2p_action.emulator import ACTION_PATH, Emulator
from c2p_action.emulator.limits import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
)
from c2p_action.emulator.server import RunningServer
from c2p_action.keys import certificate_for

_OVERRIDE = int(os.environ.get("C2P_FUZZ_EXAMPLES", "0"))


@pytest.fixture(scope="module")
def emulator(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[Emulator]:
    emu = Emulator(gateway_private, {MERCHANT: merchant_public})
    emu.seed("INV-A", "100.00", status="S")
    yield emu
    emu.close()


@pytest.fixture(scope="module")
def server(emulator: Emulator) -> Iterator[RunningServer]:
    # Short bounds, so that a fuzzed request that never completes is answered quickly.
    with emulator.start_server(header_timeout=0.5, body_timeout=0.5) as running:
        yield running


@pytest.fixture(scope="module")
def token(merchant_codec: Codec) -> bytes:
    return encode_request(merchant_codec, build("I", "INV-A")).encode()


def exchange(port: int, data: bytes, *, timeout: float = 20.0) -> bytes:
    """Send raw bytes; read the first answer (by its Content-Length) or until the server closes.

    The socket is not half-closed: aiohttp takes that as the client leaving and drops the
    request. An incomplete request gets an answer or a close within the server's bounds.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        with contextlib.suppress(OSError):  # the server may answer and close before we finish
            conn.sendall(data)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while not _complete(received) and (chunk := conn.recv(65536)):
                received += chunk
        return received


def _complete(received: bytes) -> bool:
    head, separator, body = received.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return len(body) >= int(value)
    return False


def status_of(answer: bytes) -> int | None:
    """The status code of the first answer in ``answer`` (None when there is none)."""
    first = answer.split(b"\r\n", 1)[0].split()
    return int(first[1]) if len(first) >= 2 and first[1].isdigit() else None


def post(path: str, body: bytes, **headers: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# --- content encodings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        pytest.param("gzip", b"not gzip at all", id="gzip-that-is-not-gzip"),
        pytest.param("gzip", gzip.compress(b"x" * 100)[:-8], id="gzip-truncated"),
        pytest.param("deflate", b"not deflate either", id="deflate-that-is-not-deflate"),
        pytest.param("gzip, gzip", b"x", id="two-encodings"),
        pytest.param("br", b"x", id="brotli-not-installed"),
        pytest.param("zstd", b"x", id="zstd-not-installed"),
        pytest.param("compress", b"x", id="unknown-encoding"),
    ],
)
def test_a_body_its_encoding_cannot_decode_is_400(
    server: RunningServer, emulator: Emulator, encoding: str, body: bytes
) -> None:
    answer = exchange(server.port, post(ACTION_PATH, body, Content_Encoding=encoding))
    assert status_of(answer) == 400, answer[:200]
    assert emulator.ledger.refunds(MERCHANT, "INV-A") == []


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_really_compressed_token_is_answered(
    server: RunningServer, merchant_codec: Codec, token: bytes, encoding: str
) -> None:
    packed = gzip.compress(token) if encoding == "gzip" else zlib.compress(token)
    answer = exchange(
        server.port, post(ACTION_PATH, packed, Content_Encoding=encoding, Connection="close")
    )
    assert status_of(answer) == 200, answer[:200]
    body = answer.split(b"\r\n\r\n", 1)[1]
    assert decode_response(merchant_codec, body).resp_code == "00"


def test_a_compression_bomb_is_413_without_inflating_it(server: RunningServer) -> None:
    bomb = gzip.compress(b"A" * (64 << 20))  # 64 MiB in about 64 KiB
    answer = exchange(server.port, post(ACTION_PATH, bomb, Content_Encoding="gzip"))
    assert status_of(answer) == 413


@pytest.mark.parametrize("host", ["x:99999", "[::1]:x", "::::"])
def test_a_host_header_that_is_not_a_url_authority_is_not_a_500(
    server: RunningServer, token: bytes, host: str
) -> None:
    # aiohttp parses Host lazily, in request.url, which raised ValueError (HTTP 500).
    answer = exchange(server.port, post(ACTION_PATH, token).replace(b"127.0.0.1", host.encode()))
    assert status_of(answer) == 200, answer[:200]


# --- fuzzing the HTTP layer -------------------------------------------------------------------

_METHODS = st.sampled_from(["POST", "GET", "PUT", "HEAD", "OPTIONS", "DELETE", "PATCH", "PRI"])
_PATHS = st.one_of(
    st.sampled_from(
        [
            ACTION_PATH,
            ACTION_PATH + "?x=1",
            ACTION_PATH + "/",
            ACTION_PATH.upper(),
            "/",
            "*",
            "//" + ACTION_PATH,
            ACTION_PATH.replace("/", "%2F"),
            "/%00",
            "/../" * 20,
            "http://evil.example" + ACTION_PATH,
            "/" + "a" * 9000,
        ]
    ),
    st.text(alphabet=st.characters(codec="latin-1", exclude_characters="\r\n "), max_size=40),
)
_VERSIONS = st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/0.9", "HTTP/1.1x", ""])
_HOSTS = st.tuples(
    st.just("Host"),
    st.sampled_from(
        ["", "[::1", "a b", "x:99999", "[::1]:x", "::::", "%zz", "[v7.x]", "é.example", "a" * 300]
    ),
)
_HEADER = st.one_of(
    _HOSTS,
    st.tuples(
        st.just("Content-Length"),
        st.sampled_from(["0", "5", "-1", "+5", "5, 5", "5,6", "0x10", "99999999999999999999", ""]),
    ),
    st.tuples(
        st.just("Transfer-Encoding"),
        st.sampled_from(["chunked", "gzip, chunked", "chunked, chunked", "identity", "x"]),
    ),
    st.tuples(
        st.just("Content-Encoding"),
        st.sampled_from(["gzip", "deflate", "br", "zstd", "identity", "x", "gzip, deflate"]),
    ),
    st.tuples(
        st.sampled_from(["Content-Type", "Expect", "Connection", "Upgrade", "Cookie"]),
        st.sampled_from(
            ["text/plain", "100-continue", "close", "keep-alive, Upgrade", "websocket", "a=b"]
        ),
    ),
    st.tuples(
        st.text(alphabet=st.characters(codec="latin-1", exclude_characters=":\r\n"), max_size=20),
        st.text(alphabet=st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=40),
    ),
    st.tuples(st.just("X-Long"), st.just("v" * 10_000)),
)


def _bodies(token: bytes) -> st.SearchStrategy[tuple[str | None, bytes]]:
    """(Content-Encoding to declare, body): honest, false and broken encodings and chunking."""
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(token), token)
    return st.one_of(
        st.just((None, token)),
        st.just(("gzip", gzip.compress(token))),
        st.just(("deflate", zlib.compress(token))),
        st.just((None, b"")),
        st.just((None, chunked)),
        st.just((None, b"5\r\nab\r\n0\r\n\r\n")),  # a chunk shorter than it says
        st.just((None, b"zz\r\nab\r\n")),  # a chunk size that is not hex
        st.tuples(st.none(), st.binary(max_size=300)),
        st.tuples(st.sampled_from(["gzip", "deflate", "x"]), st.binary(max_size=300)),
        st.tuples(st.just("gzip"), st.binary(max_size=40).map(gzip.compress)),
        st.tuples(st.just("gzip"), st.binary(max_size=40).map(lambda b: gzip.compress(b)[:-3])),
    )


@st.composite
def _requests(draw: st.DrawFn, token: bytes) -> bytes:
    """Mostly well-formed requests with a few hostile parts, so both sides are reached."""
    method = draw(st.one_of(st.just("POST"), _METHODS))
    path = draw(st.one_of(st.just(ACTION_PATH), _PATHS))
    version = draw(st.one_of(st.just("HTTP/1.1"), _VERSIONS))
    encoding, body = draw(_bodies(token))
    headers = [draw(st.one_of(st.just(("Host", "127.0.0.1")), _HOSTS))]
    if encoding is not None:
        headers.append(("Content-Encoding", encoding))
    if body.endswith((b"0\r\n\r\n", b"ab\r\n")):
        headers.append(("Transfer-Encoding", "chunked"))
    elif draw(st.integers(0, 3)):
        headers.append(("Content-Length", str(len(body))))
    headers += draw(st.lists(_HEADER, max_size=3))
    line = f"{method} {path} {version}".encode("latin-1")
    head = b"".join(f"{name}: {value}\r\n".encode("latin-1", "replace") for name, value in headers)
    separator = draw(st.one_of(st.just(b"\r\n"), st.sampled_from([b"\n", b"\r\n\r\n"])))
    return line + b"\r\n" + head + separator + body


def test_fuzz_the_http_layer_never_answers_5xx(
    server: RunningServer, token: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    answers: list[int | None] = []

    @settings(
        max_examples=_OVERRIDE or 300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=_requests(token))
    def run(data: bytes) -> None:
        answer = exchange(server.port, data)
        status = status_of(answer)
        answers.append(status)
        # Any status but a 5xx, or a closed connection for what is not HTTP at all.
        assert status is None or status < 500, (data[:300], answer[:300])

    with caplog.at_level(logging.ERROR, logger="c2p_action"):
        run()
    assert not [r for r in caplog.records if r.name.startswith("c2p_action")]
    # The generator reaches both sides.
    assert 200 in answers
    assert 400 in answers


# --- slow clients and floods ------------------------------------------------------------------


def _closed_by_server(conn: socket.socket, within: float) -> float | None:
    """Seconds until the server closed ``conn`` (None if it did not within ``within``)."""
    start = time.monotonic()
    conn.settimeout(within)
    try:
        while conn.recv(4096):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - start


def test_a_slow_request_head_is_dropped_after_the_header_timeout(emulator: Emulator) -> None:
    with (
        emulator.start_server(header_timeout=1.0) as running,
        socket.create_connection(("127.0.0.1", running.port)) as slow,
    ):
        slow.sendall(b"POST " + ACTION_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n")
        closed = _closed_by_server(slow, within=10.0)
    # Without the bound aiohttp keeps such a connection for its keep-alive default (an hour).
    assert closed is not None
    assert 0.5 <= closed < 5.0


def test_a_slow_body_is_answered_408(emulator: Emulator) -> None:
    with (
        emulator.start_server(body_timeout=1.0) as running,
        socket.create_connection(("127.0.0.1", running.port)) as slow,
    ):
        slow.sendall(post(ACTION_PATH, b"x" * 100)[:-98])  # 2 bytes of a 100-byte body
        slow.settimeout(10.0)
        answer = slow.recv(4096)
    assert status_of(answer) == 408


def test_connections_past_the_limit_get_503_and_the_rest_are_served(
    emulator: Emulator, merchant_codec: Codec, token: bytes
) -> None:
    with emulator.start_server(max_connections=5, header_timeout=1.5) as running:
        idle = [socket.create_connection(("127.0.0.1", running.port)) for _ in range(5)]
        try:
            time.sleep(0.2)  # let the server register them
            refused = exchange(running.port, post(ACTION_PATH, token))
            assert status_of(refused) == 503
            # The idle ones are dropped at the header timeout, which frees their slots.
            for conn in idle:
                assert _closed_by_server(conn, within=10.0) is not None
            served = exchange(running.port, post(ACTION_PATH, token, Connection="close"))
            assert status_of(served) == 200
        finally:
            for conn in idle:
                conn.close()


def test_a_flood_of_slow_connections_is_bounded_and_drained(emulator: Emulator) -> None:
    # The finding: 350 slow connections were all held open indefinitely.
    with emulator.start_server(max_connections=100, header_timeout=1.0) as running:
        slow = []
        try:
            for _ in range(150):
                conn = socket.create_connection(("127.0.0.1", running.port))
                conn.sendall(b"POST / HTTP/1.1\r\n")
                slow.append(conn)
            closed = [_closed_by_server(conn, within=10.0) for conn in slow]
        finally:
            for conn in slow:
                conn.close()
    assert all(seconds is not None for seconds in closed)


def test_the_emulator_serves_with_bounds_by_default(emulator: Emulator) -> None:
    with emulator.start_server() as running:
        assert (running.header_timeout, running.max_connections) == (
            DEFAULT_HEADER_TIMEOUT,
            DEFAULT_MAX_CONNECTIONS,
        )
    parameters = inspect.signature(emulator.start_server).parameters
    assert parameters["body_timeout"].default == DEFAULT_BODY_TIMEOUT
    assert DEFAULT_HEADER_TIMEOUT <= 60
    assert DEFAULT_BODY_TIMEOUT <= 60


# --- the same through `2c2p emulator serve` ---------------------------------------------------


@pytest.fixture
def served(tmp_path: Path, merchant_private: rsa.RSAPrivateKey) -> Iterator[dict[str, Any]]:
    cert = tmp_path / "merchant.cer"
    cert.write_bytes(certificate_for(merchant_private).public_bytes(serialization.Encoding.PEM))
    command = [
        sys.executable, "-m", "c2p_action.cli", "emulator", "serve", "--port", "0",
        "--merchant", f"{MERCHANT}={cert}", "--write-gateway-cert", str(tmp_path / "gw.cer"),
        "--header-timeout", "0.5", "--body-timeout", "0.5", "--max-connections", "2",
        "--notify-allow-host", "127.0.0.1:8443", "--notify-allow-host", "merchant.example",
        "--json",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        try:
            assert first, "emulator serve printed nothing"
            yield json.loads(first)
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=30)
        assert process.returncode == 0, errors


def test_serve_options_set_the_bounds(served: dict[str, Any]) -> None:
    assert served["limits"] == {
        "header_timeout": 0.5,
        "body_timeout": 0.5,
        "max_connections": 2,
        "notify_allowed_hosts": ["127.0.0.1:8443", "merchant.example"],
    }
    port = int(served["url"].split(":")[2].split("/")[0])
    first = socket.create_connection(("127.0.0.1", port))
    second = socket.create_connection(("127.0.0.1", port))
    try:
        time.sleep(0.2)
        assert status_of(exchange(port, post(ACTION_PATH, b"x"))) == 503
        assert _closed_by_server(first, within=10.0) is not None
        assert _closed_by_server(second, within=10.0) is not None
    finally:
        first.close()
        second.close()


def test_serve_refuses_a_malformed_allowed_host(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "c2p_action.cli", "emulator", "serve", "--merchant", "JT01=x",
         "--notify-allow-host", "http://a/b"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
