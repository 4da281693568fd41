"""The plugin manager: hooks, built-ins, errors that name what is known, allow-listed discovery,
key providers, and a real third-party distribution installed and used by name: its transport
passes the contract suite, its key provider serves a real client call."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _gateway_server import GatewayStandIn, serve
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import AsyncClient, Client, PaymentResult
from c2p_action.errors import ConfigurationError, KeyLoadError, KeyProviderError
from c2p_action.keys import DelegatedRSAPrivateKey, certificate_for, fingerprint
from c2p_action.plugins import KeyProvider, PluginManager, hookimpl, hookspecs
from c2p_action.plugins.builtin import FileKeyProvider, parse_file_uri
from c2p_action.plugins.manager import ALLOW_ENV, allowed_distributions, split_scheme
from c2p_action.testing.transports import TransportContract, TransportFactory
from c2p_action.transports import TransportOptions, TransportRequest

PLUGIN_DIST = Path(__file__).parent / "plugin_dist"
PLUGIN_NAME = "c2p-action-test-plugin"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test distribution, really installed (offline) into a private target directory."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-build-isolation",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(PLUGIN_DIST),
        ],
        check=True,
    )
    return target


@pytest.fixture(scope="module")
def http_url(
    gateway_codec: Codec, other_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[str]:
    with serve(GatewayStandIn(gateway_codec, Codec(other_private, merchant_public))) as url:
        yield url


def test_every_hook_is_documented_and_tested() -> None:
    hooks = {name for name in dir(hookspecs) if name.startswith("register_")}
    assert hooks == {"register_transports", "register_key_providers"}
    for name in hooks:
        assert getattr(hookspecs, name).__doc__
        assert name in Path(__file__).read_text()


def test_builtins_come_through_the_hooks() -> None:
    plugins = PluginManager(allow=())

    assert plugins.transport_names() == ["aiohttp", "urllib3"]
    # pkcs11 / aws-kms join when their built-in modules are listed in BUILTIN_PLUGINS.
    assert "file" in plugins.key_schemes()
    assert set(plugins.key_schemes()) <= {"file", "pkcs11", "aws-kms"}
    assert plugins.loaded_distributions == ()
    assert isinstance(plugins.key_provider("FILE"), FileKeyProvider)


def test_unknown_names_list_the_known_ones() -> None:
    plugins = PluginManager(allow=())
    options = TransportOptions()

    known = "unknown transport 'requests'; known: aiohttp, urllib3"
    with pytest.raises(ConfigurationError, match=known):
        plugins.sync_transport("requests", options)
    with pytest.raises(ConfigurationError, match=r"unknown key scheme 'vault'; known: .*file"):
        plugins.load_private_key("vault:secret/merchant")


class _Misspelt:
    @hookimpl
    def register_transport(self, register: object) -> None:  # the spec is register_transports
        """A typo a plugin author could make."""


def test_misspelt_hooks_fail_loudly_and_leave_the_manager_usable() -> None:
    plugins = PluginManager(allow=())

    with pytest.raises(ConfigurationError, match="register_transport"):
        plugins.register(_Misspelt(), name="typo")

    assert plugins.transport_names() == ["aiohttp", "urllib3"]


class _MemoryKeys:
    """A fake HSM: keys held in memory under names, reached through a ``memory:`` URI."""

    def __init__(self, keys: dict[str, rsa.RSAPrivateKey]) -> None:
        self.keys = keys

    def load_private_key(self, uri: str, password: bytes | None) -> rsa.RSAPrivateKey:
        if password is not None:
            raise ConfigurationError("memory: keys take no password")
        return self.keys[uri.removeprefix("memory:")]

    def load_public_key(self, uri: str) -> rsa.RSAPublicKey:
        return self.keys[uri.removeprefix("memory:")].public_key()


def _key_plugin(provider: KeyProvider, scheme: str = "memory") -> object:
    class Plugin:
        @hookimpl
        def register_key_providers(self, register: Callable[[str, KeyProvider], None]) -> None:
            register(scheme, provider)

    return Plugin()


def test_a_key_provider_plugin_feeds_a_client(
    merchant_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey, http_url: str
) -> None:
    plugins = PluginManager(allow=())
    plugins.register(_key_plugin(_MemoryKeys({"m": merchant_private, "g": gateway_private})))
    other = PluginManager(allow=())

    with Client("JT01", "memory:m", "memory:g", environment=http_url, plugins=plugins) as client:
        assert client.inquiry("INV-KEY").code == "00"
    assert "memory" not in other.key_schemes()  # managers are isolated
    with pytest.raises(ConfigurationError, match="memory: keys take no password"):
        plugins.load_private_key("memory:m", b"password")


def test_duplicate_and_invalid_registrations_are_refused(
    merchant_private: rsa.RSAPrivateKey,
) -> None:
    plugins = PluginManager(allow=())
    before = plugins.key_schemes()
    with pytest.raises(ConfigurationError, match="registered twice"):
        plugins.register(_key_plugin(FileKeyProvider(), "FILE"))

    class NotAProvider:
        pass

    with pytest.raises(ConfigurationError, match="lacks the load methods"):
        plugins.register(_key_plugin(NotAProvider()))  # type: ignore[arg-type]
    assert plugins.key_schemes() == before


@pytest.mark.parametrize(
    ("uri", "scheme"),
    [
        ("pkcs11:token=t;object=k", "pkcs11"),
        ("AWS-KMS:arn:aws:kms:eu-west-1:1:key/x", "aws-kms"),
        ("/keys/m.pem", None),
        ("C:\\keys\\m.pem", None),
        ("keys/m.pem", None),
    ],
)
def test_key_uri_schemes(uri: str, scheme: str | None) -> None:
    assert split_scheme(uri) == scheme


def test_file_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "pass"
    secret.write_bytes(b"from-file\n")
    monkeypatch.setenv("KEY_PASS", "from-env")

    assert parse_file_uri("/k/m.pem") == (Path("/k/m.pem"), None)
    assert parse_file_uri("file:///k/my%20key.p12") == (Path("/k/my key.p12"), None)
    assert parse_file_uri("file:/k/m.p12?password-env=KEY_PASS") == (Path("/k/m.p12"), b"from-env")
    assert parse_file_uri(f"file:/k/m.p12?password-file={secret}")[1] == b"from-file"
    two = "file:/k?password-env=A&password-env=B"
    for bad in ("file://host/k.pem", "file:/k.pem?password=x", two):
        with pytest.raises(ConfigurationError):
            parse_file_uri(bad)
    with pytest.raises(KeyLoadError, match="cannot read key password file"):
        parse_file_uri(f"file:/k.pem?password-file={tmp_path / 'missing'}")


def test_allow_list_parsing() -> None:
    assert allowed_distributions({}) == frozenset()
    assert allowed_distributions({ALLOW_ENV: " "}) == frozenset()
    assert allowed_distributions({ALLOW_ENV: "C2P_Action.Test-Plugin, other"}) == {
        PLUGIN_NAME,
        "other",
    }


def test_installed_plugin_loads_only_when_allow_listed(
    plugin_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(plugin_path))

    monkeypatch.delenv(ALLOW_ENV, raising=False)
    assert "stdlib-http" not in PluginManager().transport_names()
    monkeypatch.setenv(ALLOW_ENV, "")
    assert "stdlib-http" not in PluginManager().transport_names()

    monkeypatch.setenv(ALLOW_ENV, PLUGIN_NAME.upper())
    plugins = PluginManager()
    assert plugins.transport_names() == ["aiohttp", "stdlib-http", "urllib3"]
    assert "audited-file" in plugins.key_schemes()
    assert plugins.loaded_distributions == (PLUGIN_NAME,)
    assert PLUGIN_NAME not in plugins.not_allowed

    with pytest.raises(ConfigurationError, match="no-such-dist"):
        PluginManager(allow=[PLUGIN_NAME, "no-such-dist"])


def test_clients_use_the_installed_plugin_by_name(
    plugin_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    http_url: str,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    monkeypatch.syspath_prepend(str(plugin_path))
    monkeypatch.setenv(ALLOW_ENV, PLUGIN_NAME)
    keys = (merchant_private, gateway_public)

    with Client("JT01", *keys, environment=http_url, transport="stdlib-http") as client:
        assert type(client._transport).__module__ == "c2p_action_test_plugin.transport"
        sync_result = client.refund("INV-P1", "2.00")

    async def run() -> PaymentResult:
        aclient = AsyncClient("JT01", *keys, environment=http_url, transport="stdlib-http")
        async with aclient:
            return await aclient.refund("INV-P2", "3.00")

    assert sync_result.code == "00"
    assert asyncio.run(run()).code == "00"


def test_missing_optional_transport_library_names_the_extra() -> None:
    script = (
        "import sys; sys.modules['aiohttp'] = None\n"
        "from c2p_action.plugins import PluginManager\n"
        "from c2p_action.transports import TransportOptions\n"
        "from c2p_action.errors import ConfigurationError\n"
        "try:\n"
        "    PluginManager(allow=()).async_transport('aiohttp', TransportOptions())\n"
        "except ConfigurationError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout

    assert "pip install '2c2p-payment-action[aiohttp]'" in out


def test_a_plugin_installed_but_not_allowed_is_named_with_how_to_allow_it(
    plugin_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(plugin_path))
    monkeypatch.delenv(ALLOW_ENV, raising=False)

    plugins = PluginManager()

    assert plugins.not_allowed[PLUGIN_NAME] == ("audited_file", "stdlib_http")
    how = [
        f"installed plugins that are not allowed, so not loaded: {PLUGIN_NAME}",
        f"{ALLOW_ENV}={PLUGIN_NAME}",
        f"PluginManager(allow=['{PLUGIN_NAME}'])",
    ]
    with pytest.raises(ConfigurationError) as transport:
        plugins.sync_transport("stdlib-http", TransportOptions())
    with pytest.raises(ConfigurationError) as scheme:
        plugins.load_private_key("audited-file:/k.pem?audit-log=/tmp/audit.log")
    known = "unknown transport 'stdlib-http'; known: aiohttp, urllib3"
    assert str(transport.value).startswith(known)
    assert str(scheme.value).startswith("unknown key scheme 'audited-file'")
    for message in (str(transport.value), str(scheme.value)):
        for part in how:
            assert part in message
    # Allowed, nothing is reported as not allowed and the names resolve.
    allowed = PluginManager(allow=[PLUGIN_NAME])
    assert PLUGIN_NAME not in allowed.not_allowed
    assert "stdlib-http" in allowed.transport_names()


def test_finding_plugins_that_are_not_allowed_runs_none_of_their_code(plugin_path: Path) -> None:
    script = (
        "import sys\n"
        "from c2p_action.plugins import PluginManager\n"
        "plugins = PluginManager(allow=())\n"
        f"assert {PLUGIN_NAME!r} in plugins.not_allowed, plugins.not_allowed\n"
        "print(sorted(m for m in sys.modules if m.startswith('c2p_action_test_plugin')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(plugin_path)}
    env.pop(ALLOW_ENV, None)
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, env=env
    ).stdout

    assert out.strip() == "[]"


class TestExamplePluginTransport(TransportContract):
    """The example distribution's transport, installed and built by name, passes the contract."""

    modes = ("sync", "async")

    @pytest.fixture
    def transport_factory(
        self, plugin_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
    ) -> TransportFactory:
        monkeypatch.syspath_prepend(str(plugin_path))
        plugins = PluginManager(allow=[PLUGIN_NAME])
        if mode == "sync":
            return lambda options: plugins.sync_transport("stdlib-http", options)
        return lambda options: plugins.async_transport("stdlib-http", options)


def test_the_example_transport_uses_the_default_port_of_each_scheme(
    plugin_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The old example sent https:// to port 80 in plain HTTP. No connection is opened here.
    monkeypatch.syspath_prepend(str(plugin_path))
    transport = PluginManager(allow=[PLUGIN_NAME]).sync_transport("stdlib-http", TransportOptions())
    found = {}
    for url in (
        "https://gateway.test/a/b?c=1",
        "http://gateway.test/",
        "https://gateway.test:8443",
    ):
        connection, target = transport._connect(TransportRequest(url, b"", {}, 1.0))  # type: ignore[attr-defined]
        found[url] = (type(connection).__name__, connection.port, target)

    assert found == {
        "https://gateway.test/a/b?c=1": ("HTTPSConnection", 443, "/a/b?c=1"),
        "http://gateway.test/": ("HTTPConnection", 80, "/"),
        "https://gateway.test:8443": ("HTTPSConnection", 8443, "/"),
    }


def _encrypted_pem(key: rsa.RSAPrivateKey, path: Path, password: bytes) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password),
        )
    )
    return path


def test_the_example_key_provider_serves_a_client_and_audits_each_use(
    plugin_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    http_url: str,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    monkeypatch.syspath_prepend(str(plugin_path))
    key_file = _encrypted_pem(merchant_private, tmp_path / "merchant.pem", b"pem-pass-1")
    audit = tmp_path / "audit.log"
    uri = f"audited-file:{key_file}?audit-log={audit}"
    plugins = PluginManager(allow=[PLUGIN_NAME])

    with Client(
        "JT01",
        uri,
        gateway_public,
        environment=http_url,
        merchant_key_password="pem-pass-1",
        plugins=plugins,
    ) as client:
        result = client.refund("INV-AUDIT-1", "4.00")

    assert result.code == "00"
    lines = audit.read_text().splitlines()
    assert [line.split()[1] for line in lines] == ["sign-PS256", "decrypt-RSA-OAEP"]
    assert all(f"key={fingerprint(merchant_private.public_key())}" in line for line in lines)
    assert "pem-pass-1" not in audit.read_text()

    # The portal certificate of an audited key is signed through the same audit.
    loaded = plugins.load_private_key(uri, b"pem-pass-1")
    assert isinstance(loaded, DelegatedRSAPrivateKey)
    certificate_for(loaded)
    assert audit.read_text().splitlines()[-1].split()[1] == "sign-RS256"
    with pytest.raises(KeyLoadError, match="wrong password"):
        plugins.load_private_key(uri, b"not-it")
    with pytest.raises(KeyProviderError, match="not exportable"):
        loaded.private_numbers()
