"""Egress through an HTTP proxy: the setting, both transports, both clients, doctor, the CLI.

Everything goes through a real ``CONNECT`` proxy on loopback (``tests/_proxy.py``) to the
emulator over HTTPS with its own CA: the proxy records the tunnels it opened, so a test proves
the traffic went through it. The proxy's password is scanned for in every message, repr, JSON
report and DEBUG log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import urllib3
from _gateway_server import refused_url
from _tls import Pki
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.cli._common import settings_from
from c2p_action.client import AsyncClient, Client, Settings
from c2p_action.doctor import Level, Report, run_checks
from c2p_action.emulator import Emulator
from c2p_action.emulator.server import RunningServer
from c2p_action.errors import ConfigurationError, TransportError
from c2p_action.keys import certificate_for
from c2p_action.testing.proxy import connect_proxy
from c2p_action.transports import ProxyURL, TransportOptions, TransportRequest, TransportResponse
from c2p_action.transports._aiohttp import AiohttpTransport
from c2p_action.transports._urllib3 import Urllib3Transport

MERCHANT = "JT01"
USER = "merchant-egress"
SECRET = "pr0xy-s3cret-Pa55"
CREDENTIALS = f"{USER}:{SECRET}"
KINDS = ["urllib3", "aiohttp"]
CLI = [sys.executable, "-m", "c2p_action.cli"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("proxy-pki"))


@pytest.fixture(scope="module")
def emulator(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[Emulator]:
    emulator = Emulator(gateway_private, {MERCHANT: merchant_public})
    yield emulator
    emulator.close()


@pytest.fixture(scope="module")
def server(emulator: Emulator, pki: Pki) -> Iterator[RunningServer]:
    with emulator.start_server(ssl_context=pki.context("emulator")) as running:
        assert running.base_url.startswith("https://127.0.0.1:")
        yield running


def target(server: RunningServer) -> str:
    return server.base_url.removeprefix("https://")


# -- the setting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (f"https://{CREDENTIALS}@proxy.example:3128", "https:// is not supported"),
        ("socks5://proxy.example:1080", "socks5:// is not supported"),
        ("proxy.example:3128", "not supported"),
        (f"http://{CREDENTIALS}@proxy.example:3128/path", "no path"),
        ("http://proxy.example:3128?x=1", "no path, query"),
        (f"http://{CREDENTIALS}@proxy.example", "no port"),
        ("http://:3128", "no host"),
        (f"http://{CREDENTIALS}@proxy.example:99999", "does not parse"),
    ],
)
def test_proxy_urls_other_than_http_host_port_are_refused(url: str, words: str) -> None:
    for make in (
        lambda: TransportOptions(proxy=url),
        lambda: Settings(merchant_id=MERCHANT, merchant_key="k.pem", proxy=url),
    ):
        with pytest.raises(ConfigurationError) as refused:
            make()
        message = str(refused.value)
        assert "http://[user:password@]host:port" in message
        assert words in message
        assert SECRET not in message


def test_credentials_are_parsed_and_never_shown() -> None:
    url = "http://us%40er:p%3As%2Fs@127.0.0.1:3128"
    proxy = ProxyURL.parse(url)
    assert (proxy.host, proxy.port, proxy.username, proxy.password) == (
        "127.0.0.1",
        3128,
        "us@er",
        "p:s/s",
    )
    assert proxy.url == "http://127.0.0.1:3128"
    assert proxy.address == "127.0.0.1:3128"
    assert proxy.masked == "http://us@er:***@127.0.0.1:3128"
    shown = [
        repr(proxy),
        repr(TransportOptions(proxy=url)),
        repr(Settings(merchant_id=MERCHANT, merchant_key="k.pem", proxy=url)),
        repr(Urllib3Transport(TransportOptions(proxy=url))),
        repr(AiohttpTransport(TransportOptions(proxy=url))),
    ]
    for text in shown:
        assert "p:s/s" not in text, text
        assert "p%3As%2Fs" not in text, text
    assert "***" in shown[1]
    assert "***" in shown[2]
    assert ProxyURL.parse("http://[::1]:3128").url == "http://[::1]:3128"


def test_c2p_proxy_flows_from_the_environment_and_the_cli(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"http://{CREDENTIALS}@127.0.0.1:3128"
    env = {"C2P_MERCHANT_ID": MERCHANT, "C2P_MERCHANT_KEY": "k.pem", "C2P_PROXY": url}
    settings = Settings.from_env(env)
    assert settings.proxy == url
    assert settings.transport_options.proxy == url
    assert Settings.from_env({**env, "C2P_PROXY": ""}).proxy is None
    # The CLI's --proxy wins over C2P_PROXY, as every connection flag does.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert settings_from({"proxy": "http://127.0.0.1:8080"}).proxy == "http://127.0.0.1:8080"
    assert settings_from({}).proxy == url
    # Proxy variables are never read.
    monkeypatch.delenv("C2P_PROXY")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    assert settings_from({}).transport_options.proxy is None
    monkeypatch.setenv("C2P_PROXY", f"https://{CREDENTIALS}@127.0.0.1:3128")
    with pytest.raises(ConfigurationError) as refused:
        settings_from({})
    assert SECRET not in str(refused.value)


# -- both clients, a real refund through the proxy ----------------------------------------------


def test_both_clients_refund_through_the_proxy(
    server: RunningServer,
    emulator: Emulator,
    pki: Pki,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, urllib3's, aiohttp's
    emulator.seed("PX-1", "100.00", status="S")
    with connect_proxy(auth=(USER, SECRET)) as proxy:
        url, base, ca_file = proxy.url(CREDENTIALS), server.base_url, str(pki.ca_file)
        with Client(
            MERCHANT,
            merchant_private,
            gateway_public,
            environment=base,
            transport="urllib3",
            proxy=url,
            ca_file=ca_file,
        ) as client:
            sync = client.refund("PX-1", Decimal("10.00"))
            shown = repr(client)

        async def run() -> tuple[str, str]:
            async with AsyncClient(
                MERCHANT,
                merchant_private,
                gateway_public,
                environment=base,
                transport="aiohttp",
                proxy=url,
                ca_file=ca_file,
            ) as aclient:
                result = await aclient.refund("PX-1", Decimal("5.00"))
                return result.code, repr(aclient)

        acode, ashown = asyncio.run(run())
    assert (sync.code, acode) == ("00", "00")
    # The traffic really went through the proxy: two tunnels to the emulator, authenticated.
    assert proxy.seen == [target(server), target(server)]
    assert proxy.tunnels == 2
    assert all(a and a.startswith("Basic ") for a in proxy.authorizations)
    for text in (caplog.text, shown, ashown):
        assert SECRET not in text


def _drive(kind: str, options: TransportOptions, request: TransportRequest) -> object:
    """One exchange over a transport of ``kind``: the answer or the TransportError."""
    if kind == "urllib3":
        transport = Urllib3Transport(options)
        try:
            return transport.send(request)
        except TransportError as error:
            return error
        finally:
            transport.close()

    async def run() -> TransportResponse | TransportError:
        atransport = AiohttpTransport(options)
        try:
            return await atransport.asend(request)
        except TransportError as error:
            return error
        finally:
            await atransport.aclose()

    return asyncio.run(run())


def _post(url: str, timeout: float = 10.0) -> TransportRequest:
    return TransportRequest(url, b"not a token", {"Content-Type": "text/plain"}, timeout)


@pytest.mark.parametrize(
    ("behaviour", "credentials", "words"),
    [
        ({"auth": (USER, SECRET)}, "", "refused the tunnel (HTTP 407): proxy authentication"),
        ({"auth": (USER, SECRET)}, f"{USER}:w-{SECRET}", "refused the tunnel (HTTP 407): proxy"),
        ({"refuse": 403}, CREDENTIALS, "refused the tunnel (HTTP 403)"),
    ],
    ids=["407-no-credentials", "407-wrong-password", "403"],
)
@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_tunnel_is_not_retryable_and_names_the_status(
    server: RunningServer,
    pki: Pki,
    kind: str,
    behaviour: dict[str, object],
    credentials: str,
    words: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with connect_proxy(**behaviour) as proxy:
        options = TransportOptions(proxy=proxy.url(credentials), ca_file=str(pki.ca_file))
        result = _drive(kind, options, _post(server.base_url + "/payment/4.3/action"))
    assert isinstance(result, TransportError), result
    assert not result.retryable
    assert f"proxy {proxy.address} {words}" in str(result)
    assert proxy.seen == [target(server)]  # one CONNECT: nothing repeated
    assert proxy.tunnels == 0
    for text in (str(result), repr(result), caplog.text):
        assert SECRET not in text


def test_the_client_does_not_repeat_a_refused_tunnel(
    server: RunningServer,
    pki: Pki,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    with connect_proxy(auth=(USER, SECRET)) as proxy:
        client = Client(
            MERCHANT,
            merchant_private,
            gateway_public,
            environment=server.base_url,
            transport="urllib3",
            proxy=proxy.url(f"{USER}:nope"),
            ca_file=str(pki.ca_file),
            max_attempts=3,
        )
        with client, pytest.raises(TransportError) as refused:
            client.inquiry("PX-1")
    assert "407" in str(refused.value)
    assert proxy.seen == [target(server)]


@pytest.mark.parametrize("kind", KINDS)
def test_credentials_beyond_latin_1_are_sent_as_utf_8(
    server: RunningServer, pki: Pki, kind: str
) -> None:
    password = "€uro-s3cret"  # urllib3's make_headers would raise UnicodeEncodeError here
    with connect_proxy(auth=(USER, password)) as proxy:
        options = TransportOptions(
            proxy=proxy.url(f"{USER}:%E2%82%ACuro-s3cret"), ca_file=str(pki.ca_file)
        )
        result = _drive(kind, options, _post(server.base_url + "/payment/4.3/action"))
    assert isinstance(result, TransportResponse), result  # the emulator's own answer
    assert proxy.tunnels == 1


def test_a_pool_that_would_go_around_the_proxy_is_refused() -> None:
    options = TransportOptions(proxy=f"http://{CREDENTIALS}@127.0.0.1:3128")
    with pytest.raises(ConfigurationError, match=r"not a urllib3\.ProxyManager") as refused:
        Urllib3Transport(options, pool=urllib3.PoolManager())
    assert SECRET not in str(refused.value)
    own = urllib3.ProxyManager("http://127.0.0.1:3128")
    assert Urllib3Transport(options, pool=own)._pool is own


@pytest.mark.parametrize("kind", KINDS)
def test_an_unreachable_proxy_is_retryable(server: RunningServer, kind: str) -> None:
    nobody = refused_url()
    result = _drive(kind, TransportOptions(proxy=nobody), _post(server.base_url + "/x"))
    assert isinstance(result, TransportError), result
    assert result.retryable
    assert str(result) == f"could not connect to proxy {nobody.removeprefix('http://')}"


# The deadline covers the proxy: the same pattern (and bounds) as tests/test_transports.py.
DEADLINE = 1.0
# A correctness bound, not a performance claim: generous for a loaded 2-core machine. Without
# a real deadline a trickled CONNECT answer holds the caller about 12 s.
MARGIN = 3.0


@pytest.mark.parametrize("behaviour", ["stall", "trickle"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_proxy_that_never_answers_connect_ends_at_the_deadline(
    server: RunningServer, kind: str, behaviour: str
) -> None:
    with connect_proxy(**{behaviour: True}) as proxy:
        start = time.monotonic()
        result = _drive(kind, TransportOptions(proxy=proxy.url()), _post(server.base_url, DEADLINE))
        elapsed = time.monotonic() - start
    assert isinstance(result, TransportError), result
    assert result.retryable
    assert f"did not answer within {DEADLINE:g}s" in str(result)
    assert DEADLINE <= elapsed < DEADLINE + MARGIN, elapsed
    assert proxy.seen == [target(server)]


# -- doctor ------------------------------------------------------------------------------------


def _names(report: Report) -> list[str]:
    return [check.name for check in report.checks]


def _check(report: Report, name: str) -> tuple[Level, str, str]:
    [found] = [c for c in report.checks if c.name == name]
    return found.level, found.message, found.advice


def _settings(
    server: RunningServer,
    pki: Pki,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    proxy: str,
) -> Settings:
    return Settings(
        merchant_id=MERCHANT,
        merchant_key=merchant_private,
        gateway_key=gateway_public,
        environment=server.base_url,
        ca_file=str(pki.ca_file),
        proxy=proxy,
        timeout=10.0,
    )


def test_doctor_checks_every_step_through_the_proxy(
    server: RunningServer,
    emulator: Emulator,
    pki: Pki,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # configured wins: no warning
    emulator.seed("PX-DOC", "10.00", status="A")
    with connect_proxy(auth=(USER, SECRET)) as proxy:
        settings = _settings(server, pki, merchant_private, gateway_public, proxy.url(CREDENTIALS))
        report = run_checks(settings, live_invoice="PX-DOC")
    assert report.ok, report.as_dict()
    assert _names(report)[-7:] == [
        "DNS",
        "TCP",
        "proxy",
        "TLS",
        "endpoint",
        "clock",
        "live inquiry",
    ]
    assert _check(report, "TCP")[1] == f"connected to proxy 127.0.0.1:{proxy.port}"
    assert _check(report, "proxy") == (
        Level.OK,
        f"{proxy.address} opened a tunnel to {target(server)}",
        "",
    )
    assert "issued by CN=c2p test CA" in _check(report, "TLS")[1]
    # The CONNECT check, the endpoint probe and the live inquiry each went through it.
    assert proxy.seen == [target(server)] * 3
    text = json.dumps(report.as_dict())
    assert proxy.address in text
    assert SECRET not in text


@pytest.mark.parametrize(
    ("behaviour", "credentials", "status", "words"),
    [
        ({"auth": (USER, SECRET)}, f"{USER}:bad", 407, "proxy authentication failed"),
        ({"refuse": 403}, "", 403, "403 Forbidden"),
    ],
    ids=["407", "403"],
)
def test_doctor_names_the_proxy_refusing_the_tunnel(
    server: RunningServer,
    pki: Pki,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    behaviour: dict[str, object],
    credentials: str,
    status: int,
    words: str,
) -> None:
    with connect_proxy(**behaviour) as proxy:
        settings = _settings(server, pki, merchant_private, gateway_public, proxy.url(credentials))
        report = run_checks(settings)
    assert not report.ok
    assert _names(report)[-1] == "proxy"  # nothing piled up after it
    level, message, advice = _check(report, "proxy")
    assert level is Level.ERROR
    assert f"HTTP/1.1 {status}" in message
    assert words in message
    assert advice
    assert report.checks[-1].details["proxy_status"] == status


# A trickled answer restarts a per-read socket timeout with every byte: doctor reads the
# CONNECT answer under one deadline, so it is the same error as silence.
@pytest.mark.parametrize("behaviour", ["stall", "trickle"])
def test_doctor_with_a_proxy_that_never_answers_is_a_proxy_error(
    server: RunningServer,
    pki: Pki,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    behaviour: str,
) -> None:
    with connect_proxy(**{behaviour: True}) as proxy:
        settings = _settings(server, pki, merchant_private, gateway_public, proxy.url())
        report = run_checks(settings.replace(timeout=DEADLINE))
    level, message, advice = _check(report, "proxy")
    assert level is Level.ERROR
    assert f"proxy {proxy.address} did not answer CONNECT {target(server)}" in message
    assert "C2P_PROXY" in advice
    assert _names(report)[-1] == "proxy"


def test_doctor_with_an_unreachable_proxy_is_a_tcp_error(
    server: RunningServer,
    pki: Pki,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    nobody = refused_url()
    report = run_checks(_settings(server, pki, merchant_private, gateway_public, nobody))
    level, message, advice = _check(report, "TCP")
    assert level is Level.ERROR
    assert f"cannot connect to proxy {nobody.removeprefix('http://')}" in message
    assert "C2P_PROXY" in advice


def test_doctor_warns_of_proxy_variables_when_no_proxy_is_configured(
    server: RunningServer,
    pki: Pki,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    settings = _settings(server, pki, merchant_private, gateway_public, "http://h:1")
    report = run_checks(settings.replace(proxy=None))
    level, _, advice = _check(report, "proxy")
    assert level is Level.WARNING
    assert "set C2P_PROXY=" in advice
    assert "--proxy" in advice
    assert _check(report, "TLS")[0] is Level.OK  # connected directly


# -- the command, in real subprocesses -----------------------------------------------------------


@pytest.fixture(scope="module")
def key_files(
    tmp_path_factory: pytest.TempPathFactory,
    merchant_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("proxy-keys")
    key, cert = folder / "merchant.key.pem", folder / "gateway.cer"
    key.write_bytes(
        merchant_private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert.write_bytes(certificate_for(gateway_private).public_bytes(serialization.Encoding.PEM))
    return key, cert


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


def test_doctor_command_through_the_proxy(
    server: RunningServer, pki: Pki, key_files: tuple[Path, Path]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    env.update(
        C2P_MERCHANT_ID=MERCHANT,
        C2P_MERCHANT_KEY=str(key_files[0]),
        C2P_GATEWAY_KEY=str(key_files[1]),
        C2P_ENVIRONMENT=server.base_url,
        C2P_CA_FILE=str(pki.ca_file),
    )
    with connect_proxy(auth=(USER, SECRET)) as proxy:
        good = _run(["-vv", "doctor", "--json", "--proxy", proxy.url(CREDENTIALS)], env)
        bad = _run(
            ["-vv", "doctor"],
            {**env, "C2P_PROXY": proxy.url(f"{USER}:not-{SECRET}")},
        )
    assert good.returncode == 0, good.stdout + good.stderr
    record = json.loads(good.stdout)
    levels = {c["name"]: c["level"] for c in record["checks"]}
    assert levels["proxy"] == levels["TLS"] == levels["endpoint"] == "ok"
    assert {c["details"].get("proxy") for c in record["checks"] if c["name"] == "TCP"} == {
        proxy.address
    }
    assert bad.returncode == 3, bad.stdout + bad.stderr
    [line] = [line for line in bad.stdout.splitlines() if line.startswith("error")]
    assert "407" in line
    assert "proxy authentication failed" in line
    assert proxy.seen[:2] == [target(server)] * 2
    for output in (good.stdout, good.stderr, bad.stdout, bad.stderr):
        assert SECRET not in output
