"""AWS KMS keys through boto3, against FakeKms (a KMS-compatible server on 127.0.0.1).

FakeKms is not AWS: it performs the operations with ``cryptography`` as AWS documents them.
Real AWS KMS has not been exercised by these tests.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from _fake_kms import FakeKey, FakeKms
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from c2p_action import Client, Codec, Emulator, InProcessTransport
from c2p_action.errors import DecryptionError, KeyLoadError, KeyProviderError
from c2p_action.keys._kms import AwsKmsKeyProvider, KmsPrivateKey, parse_kms_uri
from c2p_action.plugins import kms as kms_plugin

PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials, no shared config, one attempt per call (no retry sleeps)."""
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


@pytest.fixture(scope="module")
def fake_kms() -> Iterator[FakeKms]:
    with FakeKms() as server:
        yield server


@pytest.fixture
def key_pair(fake_kms: FakeKms, merchant_private: rsa.RSAPrivateKey) -> tuple[FakeKey, FakeKey]:
    """Fresh sign and decrypt KMS keys holding the merchant key material."""
    return (
        fake_kms.add_key(merchant_private, "SIGN_VERIFY"),
        fake_kms.add_key(merchant_private, "ENCRYPT_DECRYPT"),
    )


@pytest.fixture
def kms_key(fake_kms: FakeKms, key_pair: tuple[FakeKey, FakeKey]) -> rsa.RSAPrivateKey:
    key = AwsKmsKeyProvider().load_private_key(fake_kms.uri(*key_pair))
    fake_kms.calls.clear()
    return key


def test_load_checks_both_public_keys_once(
    fake_kms: FakeKms, key_pair: tuple[FakeKey, FakeKey], merchant_public: rsa.RSAPublicKey
) -> None:
    fake_kms.calls.clear()
    key = AwsKmsKeyProvider().load_private_key(fake_kms.uri(*key_pair))
    assert isinstance(key, KmsPrivateKey)
    assert fake_kms.calls == {"GetPublicKey": 2}
    assert key.public_key() == merchant_public
    assert key.key_size == 4096


def test_sign_costs_one_call_and_verifies_with_salt_32(
    fake_kms: FakeKms, kms_key: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    signature = kms_key.sign(b"signing input", PSS, hashes.SHA256())
    assert fake_kms.calls == {"Sign": 1}
    merchant_public.verify(signature, b"signing input", PSS, hashes.SHA256())
    # The fake signs like AWS (salt = digest length), not with the maximum salt.
    max_salt = padding.PSS(padding.MGF1(hashes.SHA256()), 512 - 32 - 2)
    with pytest.raises(InvalidSignature):
        merchant_public.verify(signature, b"signing input", max_salt, hashes.SHA256())


def test_decrypt_costs_one_call(
    fake_kms: FakeKms, kms_key: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    cek = os.urandom(32)
    assert kms_key.decrypt(merchant_public.encrypt(cek, OAEP), OAEP) == cek
    assert fake_kms.calls == {"Decrypt": 1}


def test_codec_round_trip_with_the_merchant_key_in_kms(
    kms_key: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey, gateway_codec: Codec
) -> None:
    merchant = Codec(kms_key, gateway_public)
    assert gateway_codec.open(merchant.seal(b"<request/>")) == b"<request/>"
    assert merchant.open(gateway_codec.seal(b"<response/>")) == b"<response/>"


def test_client_round_trip_against_the_emulator_with_the_merchant_key_in_kms(
    fake_kms: FakeKms,
    key_pair: tuple[FakeKey, FakeKey],
    merchant_public: rsa.RSAPublicKey,
    gateway_private: rsa.RSAPrivateKey,
) -> None:
    # Named by URI, as in C2P_MERCHANT_KEY; the plugin manager resolves the aws-kms: scheme.
    emulator = Emulator(gateway_private, {"JT01": merchant_public})
    emulator.seed("INV-KMS-1", "100.00", status="S")
    transport = InProcessTransport(emulator.handle)
    uri = fake_kms.uri(*key_pair)
    with Client("JT01", uri, gateway_private.public_key(), transport=transport) as client:
        fake_kms.calls.clear()
        result = client.refund("INV-KMS-1", "25.00")
    assert (result.code, result.status, result.amount) == ("00", "RF", Decimal("25.00"))
    # One message each way: exactly one Sign and one Decrypt.
    assert fake_kms.calls == Counter({"Sign": 1, "Decrypt": 1})


def test_aliases_and_public_key_loading(
    fake_kms: FakeKms, merchant_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    fake_kms.add_key(merchant_private, "SIGN_VERIFY", alias="alias/c2p-sign")
    fake_kms.add_key(merchant_private, "ENCRYPT_DECRYPT", alias="alias/c2p-decrypt")
    uri = fake_kms.uri("alias/c2p-sign", "alias/c2p-decrypt")
    assert AwsKmsKeyProvider().load_public_key(uri) == merchant_public


def test_different_key_material_is_refused_at_start(
    fake_kms: FakeKms, merchant_private: rsa.RSAPrivateKey, other_private: rsa.RSAPrivateKey
) -> None:
    sign = fake_kms.add_key(merchant_private, "SIGN_VERIFY")
    decrypt = fake_kms.add_key(other_private, "ENCRYPT_DECRYPT")
    with pytest.raises(KeyLoadError, match="different public keys"):
        AwsKmsKeyProvider().load_private_key(fake_kms.uri(sign, decrypt))


def test_wrong_key_usage_is_refused_at_start(
    fake_kms: FakeKms, key_pair: tuple[FakeKey, FakeKey]
) -> None:
    sign, decrypt = key_pair
    with pytest.raises(KeyLoadError, match="usage ENCRYPT_DECRYPT; SIGN_VERIFY is needed"):
        AwsKmsKeyProvider().load_private_key(fake_kms.uri(decrypt, sign))


def test_access_denied_is_not_retryable(
    key_pair: tuple[FakeKey, FakeKey], kms_key: rsa.RSAPrivateKey
) -> None:
    key_pair[0].denied.add("Sign")
    with pytest.raises(KeyProviderError, match=r"Sign failed: access denied") as caught:
        kms_key.sign(b"m", PSS, hashes.SHA256())
    assert not caught.value.retryable


def test_throttling_is_retryable(fake_kms: FakeKms, kms_key: rsa.RSAPrivateKey) -> None:
    fake_kms.throttle_next = 1
    with pytest.raises(KeyProviderError, match=r"Decrypt failed: throttled") as caught:
        kms_key.decrypt(b"\0" * 512, OAEP)
    assert caught.value.retryable


def test_disabled_key(
    key_pair: tuple[FakeKey, FakeKey], kms_key: rsa.RSAPrivateKey
) -> None:
    key_pair[1].enabled = False
    with pytest.raises(KeyProviderError, match=r"the key is disabled \(DisabledException\)"):
        kms_key.decrypt(b"\0" * 512, OAEP)


def test_key_usage_changed_after_start(
    key_pair: tuple[FakeKey, FakeKey], kms_key: rsa.RSAPrivateKey
) -> None:
    key_pair[0].usage = "ENCRYPT_DECRYPT"
    with pytest.raises(KeyProviderError, match="InvalidKeyUsageException"):
        kms_key.sign(b"m", PSS, hashes.SHA256())


def test_tampered_ciphertext_is_a_decryption_error(
    kms_key: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    ciphertext = bytearray(merchant_public.encrypt(b"k" * 32, OAEP))
    ciphertext[5] ^= 1
    with pytest.raises(DecryptionError, match="ciphertext was rejected"):
        kms_key.decrypt(bytes(ciphertext), OAEP)


def test_missing_credentials(
    monkeypatch: pytest.MonkeyPatch, fake_kms: FakeKms, key_pair: tuple[FakeKey, FakeKey]
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(KeyProviderError, match="no AWS credentials"):
        AwsKmsKeyProvider().load_private_key(fake_kms.uri(*key_pair))


def test_unreachable_endpoint_is_retryable(key_pair: tuple[FakeKey, FakeKey]) -> None:
    sign, decrypt = key_pair
    uri = f"aws-kms:?sign={sign.arn}&decrypt={decrypt.arn}&endpoint-url=http://127.0.0.1:9"
    with pytest.raises(KeyProviderError, match="GetPublicKey failed") as caught:
        AwsKmsKeyProvider().load_private_key(uri)
    assert caught.value.retryable


def test_concurrent_signing_from_threads(
    kms_key: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    def work(n: int) -> None:
        message = f"m{n}".encode()
        merchant_public.verify(
            kms_key.sign(message, PSS, hashes.SHA256()), message, PSS, hashes.SHA256()
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(work, range(8)))


def test_uri_parsing() -> None:
    arn = "arn:aws:kms:eu-west-1:111122223333:key/abc"
    parsed = parse_kms_uri(f"aws-kms:?sign={arn}&decrypt=alias/d&profile=p")
    assert (parsed.sign, parsed.decrypt, parsed.region, parsed.profile) == (
        arn,
        "alias/d",
        "eu-west-1",
        "p",
    )
    assert parse_kms_uri("aws-kms:?sign=a&decrypt=b&region=us-east-2").region == "us-east-2"
    assert parse_kms_uri("aws-kms:?sign=a&decrypt=b").region is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("aws-kms://key", "must start with 'aws-kms:?'"),
        ("aws-kms:?sign=a", "needs both sign=<key> and decrypt=<key>"),
        ("aws-kms:?sign=a&decrypt=b&sign=c", "'sign' appears twice"),
        ("aws-kms:?sign=a&decrypt=b&colour=red", "unknown parameter 'colour'"),
        ("aws-kms:?sign", "not name=value"),
    ],
)
def test_bad_uris(text: str, message: str) -> None:
    with pytest.raises(KeyLoadError) as caught:
        parse_kms_uri(text)
    assert message in str(caught.value)


def test_plugin_registers_the_aws_kms_scheme() -> None:
    registered: list[tuple[str, object]] = []
    kms_plugin.register_key_providers(lambda scheme, p: registered.append((scheme, p)))
    assert [scheme for scheme, _ in registered] == ["aws-kms"]
    assert isinstance(registered[0][1], AwsKmsKeyProvider)
