"""The built-in transports against the published contract suite (c2p_action.testing.transports).

urllib3 and aiohttp are built by name through a plugin manager, exactly as a client builds them;
the in-process transport serves the scripted server's socket-free routes from a handler. The
example plugin's transport runs the same suite in test_plugins.py. Last, the suite is shown to
fail careless transports (a pytest run in a subprocess).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from c2p_action.plugins import PluginManager
from c2p_action.testing.transports import (
    ExchangeContract,
    ScriptedServer,
    TransportContract,
    TransportFactory,
)
from c2p_action.transports import InProcessTransport, TransportOptions


class TestUrllib3(TransportContract):
    modes = ("sync",)

    @pytest.fixture
    def transport_factory(self) -> TransportFactory:
        plugins = PluginManager(allow=())
        return lambda options: plugins.sync_transport("urllib3", options)


class TestAiohttp(TransportContract):
    modes = ("async",)

    @pytest.fixture
    def transport_factory(self) -> TransportFactory:
        pytest.importorskip("aiohttp", reason="the aiohttp extra is not installed")
        plugins = PluginManager(allow=())
        return lambda options: plugins.async_transport("aiohttp", options)


class TestInProcess(ExchangeContract):
    modes = ("sync", "async")
    # A sync handler runs in the caller's thread until it returns: a short hold keeps it quick.
    deadline = 0.25

    @pytest.fixture
    def transport_factory(self, gateway: ScriptedServer) -> TransportFactory:
        def factory(options: TransportOptions) -> InProcessTransport:
            return InProcessTransport(gateway.handle)

        return factory


# --------------------------------------------------------------------------------------------
# The suite itself fails transports that break the contract
# --------------------------------------------------------------------------------------------

_CARELESS = '''
import dataclasses
import http.client
from urllib.parse import urlsplit

import pytest
import urllib3

from c2p_action.errors import TransportError
from c2p_action.testing.transports import TransportContract
from c2p_action.transports import TransportResponse
from c2p_action.transports._urllib3 import Urllib3Transport


class PlainHttp:
    """The example plugin as it was: every URL over plain HTTP, the options ignored."""

    def __init__(self, options):
        pass

    def send(self, request):
        parts = urlsplit(request.url)
        connection = http.client.HTTPConnection(
            parts.hostname or "", parts.port, timeout=request.timeout
        )
        try:
            connection.request("POST", parts.path, body=request.body, headers=dict(request.headers))
            response = connection.getresponse()
            return TransportResponse(response.status, response.read(), dict(response.getheaders()))
        except OSError as exc:
            raise TransportError(f"failed: {type(exc).__name__}", retryable=True) from None
        finally:
            connection.close()

    def close(self):
        pass


class RetriesOnce(PlainHttp):
    """Tries a failed POST again behind the caller's back."""

    def send(self, request):
        try:
            return super().send(request)
        except TransportError:
            return super().send(request)


class Urllib3Defaults:
    """urllib3 as it comes: redirects followed."""

    def __init__(self, options):
        self.pool = urllib3.PoolManager()

    def send(self, request):
        response = self.pool.request(
            "POST", request.url, body=request.body, headers=request.headers
        )
        return TransportResponse(response.status, response.data, dict(response.headers))

    def close(self):
        self.pool.clear()


class IgnoresProxy(Urllib3Transport):
    """The built-in transport handed the options without their proxy: it goes around it."""

    def __init__(self, options):
        super().__init__(dataclasses.replace(options, proxy=None))


class TestIgnoresProxy(TransportContract):
    modes = ("sync",)

    @pytest.fixture
    def transport_factory(self):
        return IgnoresProxy


class TestPlainHttp(TransportContract):
    modes = ("sync",)


    @pytest.fixture
    def transport_factory(self):
        return PlainHttp


class TestRetriesOnce(TransportContract):
    modes = ("sync",)


    @pytest.fixture
    def transport_factory(self):
        return RetriesOnce


class TestUrllib3Defaults(TransportContract):
    modes = ("sync",)


    @pytest.fixture
    def transport_factory(self):
        return Urllib3Defaults
'''


def test_the_suite_fails_transports_that_break_the_contract(tmp_path: Path) -> None:
    (tmp_path / "test_careless.py").write_text(_CARELESS)
    cases = {
        "TestPlainHttp::test_connection_refused_is_retryable[sync]": "passed",
        # It drops the query string: the server never sees the request's tag.
        "TestPlainHttp::test_the_request_arrives_as_given[sync]": "failed",
        "TestPlainHttp::test_tls_trusts_the_ca_file[sync]": "failed",
        "TestPlainHttp::test_tls_is_verified_against_the_system_store_by_default[sync]": "failed",
        "TestPlainHttp::test_an_oversized_answer_is_refused_without_retry[sync-bytes]": "failed",
        "TestPlainHttp::test_an_unusable_url_is_not_retryable[sync-ftp://127.0.0.1:21/echo]": (
            "failed"
        ),
        "TestRetriesOnce::test_a_connection_lost_before_a_complete_answer_is_retryable"
        "[sync-/close]": "failed",
        "TestUrllib3Defaults::test_redirects_are_returned_not_followed[sync-307]": "failed",
        "TestUrllib3Defaults::test_any_status_is_returned_not_raised_and_not_retried"
        "[sync-503]": "passed",
        # Straight to the gateway: it answers, but the proxy never saw a CONNECT.
        "TestIgnoresProxy::test_a_proxy_carries_the_exchange[sync]": "failed",
        "TestIgnoresProxy::test_a_proxy_refusing_the_tunnel_is_not_retryable[sync]": "failed",
        "TestIgnoresProxy::test_tls_trusts_the_ca_file[sync]": "passed",
    }

    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rA",
            "--junitxml",
            str(tmp_path / "report.xml"),
            *(f"test_careless.py::{case}" for case in cases),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    outcomes: dict[str, str] = {}
    report = ElementTree.parse(tmp_path / "report.xml")  # noqa: S314 - our own pytest's output
    for case in report.iter("testcase"):
        name = f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}"
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[name] = "failed" if failed else "passed"
    assert outcomes == cases
