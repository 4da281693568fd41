"""The key-provider contract: the public delegated-key base, one way for a password to reach any
provider, and ``KeyProviderError.retryable`` honoured by a real client call (FakeKms).

FakeKms is not AWS (see ``tests/_fake_kms.py``); the providers here are real objects registered
through the same hook a third-party plugin uses.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from _fake_kms import FakeKey, FakeKms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import c2p_action.keys
import c2p_action.plugins
from c2p_action import Client, Codec, Emulator, InProcessTransport, RetryPolicy
from c2p_action.errors import (
    ConfigurationError,
    DecryptionError,
    KeyLoadError,
    KeyProviderError,
)
from c2p_action.keys import DelegatedRSAPrivateKey, certificate_for
from c2p_action.plugins import KeyProvider, PluginManager, hookimpl

MERCHANT = "JT01"
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303


class LocalDelegatedKey(DelegatedRSAPrivateKey):
    """A provider author's key: only the three documented methods, over a local key."""

    backend = "test backend"

    def __init__(self, inner: rsa.RSAPrivateKey) -> None:
        super().__init__(inner.public_key(), "local:test")
        self._inner = inner
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _count(self, name: str) -> None:
        with self._lock:
            self.calls[name] += 1

    def sign_pss_sha256(self, message: bytes) -> bytes:
        self._count("pss")
        return self._inner.sign(message, PSS, hashes.SHA256())

    def sign_pkcs1v15_sha256(self, message: bytes) -> bytes:
        self._count("pkcs1v15")
        return self._inner.sign(message, padding.PKCS1v15(), hashes.SHA256())

    def decrypt_oaep_sha1(self, ciphertext: bytes) -> bytes:
        self._count("oaep")
        try:
            return self._inner.decrypt(ciphertext, OAEP)
        except ValueError:
            raise DecryptionError("test backend rejected the ciphertext") from None


def test_the_delegated_base_is_public_in_keys_and_plugins() -> None:
    assert c2p_action.keys.DelegatedRSAPrivateKey is c2p_action.plugins.DelegatedRSAPrivateKey
    assert "DelegatedRSAPrivateKey" in c2p_action.keys.__all__
    assert "DelegatedRSAPrivateKey" in c2p_action.plugins.__all__
    # The three methods a provider writes are the whole abstract surface.
    assert DelegatedRSAPrivateKey.__abstractmethods__ == {
        "sign_pss_sha256",
        "sign_pkcs1v15_sha256",
        "decrypt_oaep_sha1",
    }
    for name in ("sign_pss_sha256", "sign_pkcs1v15_sha256", "decrypt_oaep_sha1"):
        assert getattr(DelegatedRSAPrivateKey, name).__doc__


def test_a_three_method_subclass_serves_the_codec_and_certificates(
    merchant_private: rsa.RSAPrivateKey, gateway_codec: Codec, gateway_public: rsa.RSAPublicKey
) -> None:
    key = LocalDelegatedKey(merchant_private)
    merchant = Codec(key, gateway_public)

    assert gateway_codec.open(merchant.seal(b"<request/>")) == b"<request/>"
    assert merchant.open(gateway_codec.seal(b"<response/>")) == b"<response/>"
    cert = certificate_for(key)
    public = cert.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA256())
    assert isinstance(cert, x509.Certificate)
    assert key.calls == Counter({"pss": 1, "oaep": 1, "pkcs1v15": 1})
    assert repr(key) == "<LocalDelegatedKey RSA-4096 local:test>"


def test_the_base_refuses_other_algorithms_and_export(merchant_private: rsa.RSAPrivateKey) -> None:
    key = LocalDelegatedKey(merchant_private)
    max_salt = padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH)
    oaep256 = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)

    with pytest.raises(KeyProviderError, match="test backend key local:test: signing with EMSA"):
        key.sign(b"m", max_salt, hashes.SHA256())
    with pytest.raises(KeyProviderError, match="sha384 is not supported; only SHA-256"):
        key.sign(b"m", PSS, hashes.SHA384())
    with pytest.raises(KeyProviderError, match="only OAEP with SHA-1"):
        key.decrypt(b"\0" * 512, oaep256)
    with pytest.raises(DecryptionError, match="ciphertext is 3 bytes, RSA-4096 needs 512"):
        key.decrypt(b"abc", OAEP)
    with pytest.raises(KeyProviderError, match="not exportable"):
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    assert not key.calls  # nothing reached the backend


# -- one way for a password to reach any provider ------------------------------------------------


class RecordingProvider:
    """Records what the manager hands it; keys live in memory under names."""

    def __init__(self, keys: dict[str, rsa.RSAPrivateKey]) -> None:
        self.keys = keys
        self.seen: list[tuple[str, bytes | None]] = []

    def load_private_key(self, uri: str, password: bytes | None) -> rsa.RSAPrivateKey:
        self.seen.append((uri, password))
        return self.keys[uri.removeprefix("memory:")]

    def load_public_key(self, uri: str) -> rsa.RSAPublicKey:
        return self.keys[uri.removeprefix("memory:")].public_key()


def _plugin(scheme: str, provider: object) -> object:
    class Plugin:
        @hookimpl
        def register_key_providers(self, register: Callable[[str, KeyProvider], None]) -> None:
            register(scheme, provider)  # type: ignore[arg-type]

    return Plugin()


def test_a_password_reaches_a_third_party_provider_like_the_file_one(
    merchant_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> None:
    provider = RecordingProvider({"m": merchant_private})
    plugins = PluginManager(allow=())
    plugins.register(_plugin("memory", provider))
    emulator = Emulator(gateway_private, {MERCHANT: merchant_private.public_key()})
    emulator.seed("INV-PW-1", "10.00", status="S")
    transport = InProcessTransport(emulator.handle)

    with Client(
        MERCHANT,
        "memory:m",
        gateway_private.public_key(),
        merchant_key_password="s3cret",
        transport=transport,
        plugins=plugins,
    ) as client:
        assert client.inquiry("INV-PW-1").code == "00"
    assert provider.seen == [("memory:m", b"s3cret")]
    emulator.close()


def test_the_file_provider_takes_the_password_through_the_same_call(
    tmp_path: Path, other_private: rsa.RSAPrivateKey
) -> None:
    path = tmp_path / "m.pem"
    path.write_bytes(
        other_private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw-1"),
        )
    )
    plugins = PluginManager(allow=())

    for reference in (str(path), f"file:{path}"):
        key = plugins.load_private_key(reference, b"pw-1")
        assert key.public_key() == other_private.public_key()
        assert plugins.key_provider("file").load_private_key(reference, b"pw-1").key_size == 2048
    with pytest.raises(KeyLoadError, match="needs a password"):
        plugins.load_private_key(str(path), None)


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("pkcs11:token=t;object=merchant", "does not apply to pkcs11: keys"),
        ("aws-kms:?sign=alias/s&decrypt=alias/d", "does not apply to aws-kms: keys"),
    ],
)
def test_providers_that_cannot_use_a_password_refuse_it(uri: str, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says) as refused:
        PluginManager(allow=()).load_private_key(uri, b"never-shown")
    assert "never-shown" not in str(refused.value)


def test_a_provider_without_the_password_parameter_is_refused_at_registration(
    merchant_private: rsa.RSAPrivateKey,
) -> None:
    class OldStyle:
        def load_private_key(self, uri: str) -> rsa.RSAPrivateKey:
            return merchant_private

        def load_public_key(self, uri: str) -> rsa.RSAPublicKey:
            return merchant_private.public_key()

    plugins = PluginManager(allow=())
    with pytest.raises(ConfigurationError, match=r"must accept \(uri, password\)"):
        plugins.register(_plugin("old", OldStyle()))
    assert "old" not in plugins.key_schemes()


# -- KeyProviderError.retryable and the client's retry policy (FakeKms) --------------------------


@pytest.fixture
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials, no shared config, and botocore's own retries off: one call each."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFAKEKMSTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")


@pytest.fixture
def kms_client(
    aws_environment: None,
    merchant_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> Iterator[tuple[Client, FakeKms, Emulator, tuple[FakeKey, FakeKey]]]:
    pytest.importorskip("boto3", reason="the kms extra is not installed")
    emulator = Emulator(gateway_private, {MERCHANT: merchant_private.public_key()})
    with FakeKms() as kms:
        pair = (
            kms.add_key(merchant_private, "SIGN_VERIFY"),
            kms.add_key(merchant_private, "ENCRYPT_DECRYPT"),
        )
        with Client(
            MERCHANT,
            kms.uri(*pair),
            gateway_private.public_key(),
            transport=InProcessTransport(emulator.handle),
            retry=RetryPolicy(max_attempts=3, backoff_base=0),
        ) as client:
            kms.calls.clear()
            yield client, kms, emulator, pair
    emulator.close()


def test_a_throttled_kms_sign_is_retried_by_the_client(
    kms_client: tuple[Client, FakeKms, Emulator, tuple[FakeKey, FakeKey]],
) -> None:
    client, kms, emulator, _ = kms_client
    emulator.seed("INV-KMS-R1", "100.00", status="S")
    kms.throttle_next = 1  # the first Sign is throttled, as AWS answers under load

    result = client.refund("INV-KMS-R1", "25.00")

    assert (result.code, result.status, result.amount) == ("00", "RF", Decimal("25.00"))
    # The throttled signature never left this process: one HTTP attempt, two Sign calls.
    assert result.attempts == 1
    assert kms.calls == Counter({"Sign": 2, "Decrypt": 1})
    assert [r.amount for r in emulator.ledger.refunds(MERCHANT, "INV-KMS-R1")] == [Decimal("25.00")]


def test_a_refused_kms_call_is_not_retried(
    kms_client: tuple[Client, FakeKms, Emulator, tuple[FakeKey, FakeKey]],
) -> None:
    client, kms, emulator, pair = kms_client
    emulator.seed("INV-KMS-R2", "100.00", status="S")
    pair[0].denied.add("Sign")

    with pytest.raises(KeyProviderError, match="access denied") as refused:
        client.refund("INV-KMS-R2", "25.00")

    assert not refused.value.retryable
    assert kms.calls == Counter({"Sign": 1})
    assert refused.value.idempotency_id  # kept for a later retry of the same refund


def test_a_kms_that_keeps_throttling_is_given_up_after_max_attempts(
    kms_client: tuple[Client, FakeKms, Emulator, tuple[FakeKey, FakeKey]],
) -> None:
    client, kms, emulator, _ = kms_client
    emulator.seed("INV-KMS-R3", "100.00", status="S")
    kms.throttle_next = 10  # far more than max_attempts=3

    with pytest.raises(KeyProviderError, match="throttled") as throttled:
        client.refund("INV-KMS-R3", "25.00")

    assert throttled.value.retryable
    assert kms.calls == Counter({"Sign": 3})
