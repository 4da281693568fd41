"""Settings: arguments and C2P_* variables, environments, secrets kept out of reprs, lifecycle."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from _gateway_server import GatewayStandIn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import (
    ENVIRONMENTS,
    SANDBOX_CERTIFICATE,
    AsyncClient,
    Client,
    RetryPolicy,
    Settings,
)
from c2p_action.errors import ConfigurationError, KeyLoadError, UnknownOptionError
from c2p_action.keys import load_public_key
from c2p_action.operations.payment import REFUND
from c2p_action.plugins import PluginManager, hookimpl
from c2p_action.transports import InProcessTransport, TransportOptions

SANDBOX = "https://demo2.2c2p.com/2C2PFrontend/PaymentAction/2.0/action"
PRODUCTION = "https://t.2c2p.com/PaymentAction/2.0/action"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def key_files(
    tmp_path_factory: pytest.TempPathFactory,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("keys")
    merchant = directory / "merchant key.pem"  # a space, to exercise percent-decoding
    merchant.write_bytes(
        merchant_private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    gateway = directory / "gateway.pem"
    gateway.write_bytes(
        gateway_public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return merchant, gateway


@pytest.fixture(scope="module")
def stand_in(
    gateway_codec: Codec, other_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> GatewayStandIn:
    return GatewayStandIn(gateway_codec, Codec(other_private, merchant_public))


def _settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"merchant_id": "JT01", "merchant_key": "m", "gateway_key": "g"}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def test_sandbox_is_the_default_and_production_needs_asking() -> None:
    assert set(ENVIRONMENTS) == {"sandbox", "production"}
    assert _settings().url_for(REFUND.endpoint) == SANDBOX
    assert _settings(environment="production").url_for(REFUND.endpoint) == PRODUCTION
    assert _settings(environment="Production").environment == "production"
    custom = _settings(environment="https://pgwid.2c2p.com/")
    assert custom.url_for(REFUND.endpoint) == "https://pgwid.2c2p.com/2C2PFrontend/PaymentAction/2.0/action"
    assert _settings(environment="http://127.0.0.1:8080").environment == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    "environment",
    ["prod", "http://t.2c2p.com", "ftp://x", "", "https://", "https://t.2c2p.com/PaymentAction/2.0/action"],
)
def test_unusable_environments_are_refused(environment: str) -> None:
    with pytest.raises(ConfigurationError, match="environment"):
        _settings(environment=environment)


def test_the_old_endpoint_setting_is_refused_not_ignored() -> None:
    with pytest.raises(ConfigurationError, match="renamed 'environment'"):
        Settings.from_env({}, merchant_id="JT01", merchant_key="m", endpoint="production")
    with pytest.raises(ConfigurationError, match="C2P_ENDPOINT was renamed C2P_ENVIRONMENT"):
        Settings.from_env({"C2P_ENDPOINT": "production", "C2P_MERCHANT_ID": "a"})


def test_the_sandbox_certificate_is_the_default_gateway_key_in_the_sandbox_only() -> None:
    # 2C2P's published sandbox certificate, shipped with the library.
    assert _settings(gateway_key=None).gateway_keys == (SANDBOX_CERTIFICATE,)
    certificate = load_public_key(SANDBOX_CERTIFICATE).certificate
    assert certificate is not None
    assert certificate.subject.rfc4514_string() == "CN=2c2p,OU=2c2p,O=2C2P Demo,L=SG,ST=SG,C=SG"
    assert certificate.not_valid_after_utc.year == 2030
    for environment in ("production", "https://proxy.example"):
        with pytest.raises(ConfigurationError, match="gateway_key"):
            _settings(gateway_key=None, environment=environment)


def test_max_attempts_is_a_setting_like_its_variable() -> None:
    assert _settings(max_attempts=5).retry.max_attempts == 5
    policy = RetryPolicy(max_attempts=2, backoff_base=0.0)
    combined = _settings(retry=policy, max_attempts=4).retry
    assert (combined.max_attempts, combined.backoff_base) == (4, 0.0)
    with pytest.raises(ConfigurationError, match="max_attempts"):
        _settings(max_attempts=0)


def test_unknown_client_settings_are_refused_by_name(
    merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    for client_class in (Client, AsyncClient):
        with pytest.raises(UnknownOptionError, match="max_atempts") as raised:
            client_class(  # type: ignore[call-arg]
                "JT01", merchant_private, gateway_public, max_atempts=3,
                plugins=PluginManager(allow=()),
            )
        assert "max_attempts" in raised.value.known
    with pytest.raises(UnknownOptionError):
        _settings().replace(timout=3)
    with pytest.raises(UnknownOptionError):
        Settings.from_env({}, merchant_id="a", merchant_key="m", timout=3)


def test_key_lists_for_rotation_from_the_environment() -> None:
    env = {
        "C2P_MERCHANT_ID": "JT01",
        "C2P_MERCHANT_KEY": "new.p12, old.p12",
        "C2P_GATEWAY_KEY": "current.cer,next.cer",
    }
    settings = Settings.from_env(env)
    assert settings.merchant_keys == ("new.p12", "old.p12")
    assert settings.gateway_keys == ("current.cer", "next.cer")


@pytest.mark.parametrize(
    ("field", "value"), [("merchant_id", ""), ("merchant_id", "X" * 16), ("timeout", 0.0)]
)
def test_bad_settings_are_refused(field: str, value: object) -> None:
    with pytest.raises(ConfigurationError):
        _settings(**{field: value})


def test_from_env_reads_every_variable_and_overrides_win() -> None:
    env = {
        "C2P_MERCHANT_ID": "JT02",
        "C2P_MERCHANT_KEY": "file:/keys/m.p12?password-env=P",
        "C2P_MERCHANT_KEY_PASSWORD": "pw",
        "C2P_GATEWAY_KEY": "/keys/g.cer",
        "C2P_ENVIRONMENT": "production",
        "C2P_TRANSPORT": "aiohttp",
        "C2P_TIMEOUT": "12.5",
        "C2P_MAX_ATTEMPTS": "5",
        "C2P_CONTENT_TYPE": "application/*+json",
        "C2P_CA_FILE": "/etc/ca.pem",
    }
    settings = Settings.from_env(env, transport="urllib3")

    assert settings.merchant_id == "JT02"
    assert settings.merchant_key == "file:/keys/m.p12?password-env=P"
    assert settings.key_password == b"pw"
    assert settings.url_for(REFUND.endpoint) == PRODUCTION
    assert settings.transport == "urllib3"
    assert settings.timeout == 12.5
    assert settings.retry.max_attempts == 5
    assert settings.transport_options == TransportOptions(
        timeout=12.5, content_type="application/*+json", ca_file="/etc/ca.pem"
    )


def test_from_env_names_what_is_missing_and_hides_bad_values() -> None:
    with pytest.raises(ConfigurationError, match="C2P_MERCHANT_KEY") as raised:
        Settings.from_env({"C2P_MERCHANT_ID": "JT01", "C2P_GATEWAY_KEY": "g"})
    assert "C2P_GATEWAY_KEY" not in str(raised.value)
    with pytest.raises(ConfigurationError, match="C2P_GATEWAY_KEY"):
        Settings.from_env({"C2P_MERCHANT_ID": "a", "C2P_MERCHANT_KEY": "m",
                           "C2P_ENVIRONMENT": "production"})

    env = {"C2P_MERCHANT_ID": "a", "C2P_MERCHANT_KEY": "m", "C2P_GATEWAY_KEY": "g"}
    with pytest.raises(ConfigurationError, match="C2P_TIMEOUT") as raised:
        Settings.from_env({**env, "C2P_TIMEOUT": "s3cr3t-ish"})
    assert "s3cr3t-ish" not in str(raised.value)


def test_reprs_show_no_key_or_password(
    merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    settings = Settings(
        merchant_id="JT01",
        merchant_key=merchant_private,
        gateway_key=gateway_public,
        merchant_key_password=PASSWORD,
    )
    numbers = merchant_private.private_numbers()
    text = repr(settings) + repr(Client(settings=settings, plugins=PluginManager(allow=())))

    assert PASSWORD not in text
    assert "RSA-4096" in text
    assert str(numbers.p)[:20] not in text
    assert str(numbers.public_numbers.n)[:20] not in text


def test_client_from_env_with_encrypted_key_files(
    monkeypatch: pytest.MonkeyPatch, key_files: tuple[Path, Path], stand_in: GatewayStandIn
) -> None:
    merchant, gateway = key_files
    monkeypatch.setenv("C2P_MERCHANT_ID", "JT01")
    monkeypatch.setenv("C2P_MERCHANT_KEY", str(merchant))
    monkeypatch.setenv("C2P_MERCHANT_KEY_PASSWORD", PASSWORD)
    monkeypatch.setenv("C2P_GATEWAY_KEY", gateway.as_uri())
    monkeypatch.delenv("C2P_ACTION_PLUGINS", raising=False)
    stand_in.reset()

    with Client.from_env(transport=InProcessTransport(stand_in.handle)) as client:
        result = client.inquiry("INV-ENV")

    assert result.code == "00"
    assert stand_in.received[0].merchant_id == "JT01"


def test_password_env_in_the_key_uri(
    monkeypatch: pytest.MonkeyPatch, key_files: tuple[Path, Path]
) -> None:
    merchant, gateway = key_files
    uri = merchant.as_uri() + "?password-env=MY_KEY_PASS"
    plugins = PluginManager(allow=())

    with pytest.raises(KeyLoadError, match="MY_KEY_PASS is not set"):
        Client("JT01", uri, str(gateway), plugins=plugins)

    monkeypatch.setenv("MY_KEY_PASS", PASSWORD)
    client = Client("JT01", uri, str(gateway), plugins=plugins)
    client.close()
    with pytest.raises(ConfigurationError, match="both"):
        Client("JT01", uri, gateway, merchant_key_password=PASSWORD, plugins=plugins)


class _RecordingTransport(InProcessTransport):
    """A fake transport (records whether it was closed); the handler is never called here."""

    created: list[_RecordingTransport] = []  # noqa: RUF012 - test-only record

    def __init__(self, options: TransportOptions) -> None:
        super().__init__(lambda request: None)  # type: ignore[arg-type,return-value]
        self.options = options
        _RecordingTransport.created.append(self)


class _RecordingPlugin:
    @hookimpl
    def register_transports(self, register: object) -> None:
        register("recording", _RecordingTransport, _RecordingTransport)  # type: ignore[operator]


def test_clients_close_what_they_opened_and_only_that(
    merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    plugins = PluginManager(allow=())
    plugins.register(_RecordingPlugin(), name="recording")
    mine = InProcessTransport(lambda request: None)  # type: ignore[arg-type,return-value]

    def sync_client(transport: str | InProcessTransport) -> Client:
        return Client("JT01", merchant_private, gateway_public, transport=transport,
                      max_connections=3, plugins=plugins)

    def async_client(transport: str | InProcessTransport) -> AsyncClient:
        return AsyncClient("JT01", merchant_private, gateway_public, transport=transport,
                           plugins=plugins)

    for transport in ("recording", mine):
        with sync_client(transport):
            pass

    async def run_async() -> None:
        for transport in ("recording", mine):
            async with async_client(transport):
                pass

    asyncio.run(run_async())

    sync_made, async_made = _RecordingTransport.created[-2:]
    assert sync_made.closed
    assert async_made.closed
    assert sync_made.options.max_connections == 3
    assert not mine.closed


def test_a_transport_of_the_wrong_kind_is_refused(
    merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    from c2p_action.transports._urllib3 import Urllib3Transport

    refused = "Urllib3Transport does not implement AsyncTransport"
    with pytest.raises(ConfigurationError, match=refused):
        AsyncClient(
            "JT01", merchant_private, gateway_public, transport=Urllib3Transport(),
            plugins=PluginManager(allow=()),
        )
    with pytest.raises(ConfigurationError, match="no sync variant"):
        Client("JT01", merchant_private, gateway_public, transport="aiohttp",
               plugins=PluginManager(allow=()))


def test_from_env_in_the_sandbox_uses_the_bundled_certificate_and_url(
    monkeypatch: pytest.MonkeyPatch, key_files: tuple[Path, Path]
) -> None:
    merchant, _ = key_files
    for name in ("C2P_GATEWAY_KEY", "C2P_ENVIRONMENT", "C2P_ACTION_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("C2P_MERCHANT_ID", "JT01")
    monkeypatch.setenv("C2P_MERCHANT_KEY", str(merchant))
    monkeypatch.setenv("C2P_MERCHANT_KEY_PASSWORD", PASSWORD)
    sent: list[str] = []

    def record(request: object) -> object:
        sent.append(request.url)  # type: ignore[attr-defined]
        raise ConfigurationError("recorded; nothing to answer")

    with Client.from_env(transport=InProcessTransport(record)) as client:  # type: ignore[arg-type]
        sandbox = load_public_key(SANDBOX_CERTIFICATE)
        assert client.codec.peer_keys[0].public_numbers() == sandbox.public_numbers()
        with pytest.raises(ConfigurationError, match="recorded"):
            client.inquiry("INV-SANDBOX")
    assert sent == [SANDBOX]


def test_no_test_reads_outside_the_repository() -> None:
    # A user's clone has only the repository: everything the tests read lives in tests/data.
    # The markers are assembled, so that this file names no path outside the repository.
    root = Path(__file__).resolve().parents[1]
    outside = "shared"
    markers = ("parents[" + "2]", "../" + outside, outside + "/reference")
    for path in [*root.joinpath("tests").rglob("*.py"), *root.joinpath("docs").rglob("*.md")]:
        text = path.read_text(encoding="utf-8")
        for marker in markers:
            assert marker not in text, (path, marker)
