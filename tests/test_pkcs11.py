"""PKCS#11 keys against a real SoftHSM2 token store created for this test session."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import _softhsm
import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from c2p_action import AsyncClient, Client, Codec, Emulator, InProcessTransport
from c2p_action.cli import ExitCode, main
from c2p_action.cli.hsm import hsm
from c2p_action.errors import DecryptionError, KeyLoadError, KeyProviderError
from c2p_action.keys._pkcs11 import (
    Pkcs11KeyProvider,
    Pkcs11PrivateKey,
    generate_pkcs11_key,
    import_pkcs11_key,
    list_pkcs11_keys,
)
from c2p_action.plugins import pkcs11 as pkcs11_plugin

MAIN = "c2p-main"
NEVER_LOGGED_IN = "c2p-untouched"  # only ever used with a wrong or missing PIN
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_softhsm.SoftHsm]:
    previous = os.environ.get("SOFTHSM2_CONF")
    yield _softhsm.create(tmp_path_factory.mktemp("softhsm"), (MAIN, NEVER_LOGGED_IN))
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture(scope="session")
def provider() -> Pkcs11KeyProvider:
    return Pkcs11KeyProvider()


@pytest.fixture(scope="session")
def hsm_merchant(
    softhsm: _softhsm.SoftHsm, merchant_private: rsa.RSAPrivateKey, provider: Pkcs11KeyProvider
) -> rsa.RSAPrivateKey:
    """The session's merchant key, imported into the token and loaded back by URI."""
    import_pkcs11_key(softhsm.uri(MAIN, object="merchant"), merchant_private)
    return provider.load_private_key(softhsm.uri(MAIN, object="merchant"))


def test_imported_key_signs_like_the_file_key(
    hsm_merchant: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    signature = hsm_merchant.sign(b"signing input", PSS, hashes.SHA256())
    merchant_public.verify(signature, b"signing input", PSS, hashes.SHA256())
    assert isinstance(hsm_merchant, Pkcs11PrivateKey)
    assert hsm_merchant.key_size == 4096
    assert hsm_merchant.public_key() == merchant_public


def test_imported_key_decrypts_what_the_public_key_encrypted(
    hsm_merchant: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    cek = os.urandom(32)
    assert hsm_merchant.decrypt(merchant_public.encrypt(cek, OAEP), OAEP) == cek


def test_imported_key_is_sensitive_and_not_extractable(
    softhsm: _softhsm.SoftHsm, hsm_merchant: rsa.RSAPrivateKey
) -> None:
    listed = {info.uri.object: info for info in list_pkcs11_keys(softhsm.uri(MAIN))}
    assert listed["merchant"].sensitive
    assert not listed["merchant"].extractable
    assert listed["merchant"].bits == 4096
    with pytest.raises(KeyProviderError, match="not exportable"):
        hsm_merchant.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    with pytest.raises(KeyProviderError, match="not exportable"):
        hsm_merchant.private_numbers()


def test_importing_the_same_label_twice_is_refused(
    softhsm: _softhsm.SoftHsm, hsm_merchant: rsa.RSAPrivateKey, other_private: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(KeyLoadError, match="already holds a key"):
        import_pkcs11_key(softhsm.uri(MAIN, object="merchant"), other_private)


def test_codec_round_trip_with_the_merchant_key_in_the_token(
    hsm_merchant: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    gateway_codec: Codec,
) -> None:
    merchant = Codec(hsm_merchant, gateway_public)
    assert gateway_codec.open(merchant.seal(b"<PaymentProcessRequest/>")) == (
        b"<PaymentProcessRequest/>"
    )
    assert merchant.open(gateway_codec.seal(b"<PaymentProcessResponse/>")) == (
        b"<PaymentProcessResponse/>"
    )


def test_generated_key_interoperates_with_its_public_key(
    softhsm: _softhsm.SoftHsm, provider: Pkcs11KeyProvider
) -> None:
    stored = generate_pkcs11_key(softhsm.uri(MAIN, object="generated"), bits=2048)
    assert stored.id is not None
    assert stored.pin_value is None
    key = provider.load_private_key(softhsm.uri(MAIN, object="generated"))
    public = provider.load_public_key(softhsm.uri(MAIN, object="generated", type="public"))
    assert key.public_key() == public
    public.verify(key.sign(b"m", PSS, hashes.SHA256()), b"m", PSS, hashes.SHA256())
    assert key.decrypt(public.encrypt(b"secret", OAEP), OAEP) == b"secret"


def test_concurrent_calls_from_threads_are_serialised_safely(
    hsm_merchant: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    def work(n: int) -> bool:
        message = f"message {n}".encode()
        for _ in range(4):
            merchant_public.verify(
                hsm_merchant.sign(message, PSS, hashes.SHA256()), message, PSS, hashes.SHA256()
            )
            if hsm_merchant.decrypt(merchant_public.encrypt(message, OAEP), OAEP) != message:
                return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(16)))


def test_forked_child_logs_in_again_and_parent_keeps_working(
    hsm_merchant: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    hsm_merchant.sign(b"before fork", PSS, hashes.SHA256())  # parent session exists
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report the signature, or nothing on failure
        status = 1
        try:
            os.close(read_end)
            os.write(write_end, hsm_merchant.sign(b"in child", PSS, hashes.SHA256()))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        signature = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    merchant_public.verify(signature, b"in child", PSS, hashes.SHA256())
    after = hsm_merchant.sign(b"after fork", PSS, hashes.SHA256())
    merchant_public.verify(after, b"after fork", PSS, hashes.SHA256())


def test_other_paddings_and_hashes_are_refused(hsm_merchant: rsa.RSAPrivateKey) -> None:
    with pytest.raises(KeyProviderError, match="only PSS with MGF1-SHA-256 and salt length 32"):
        hsm_merchant.sign(b"m", padding.PSS(padding.MGF1(hashes.SHA256()), 64), hashes.SHA256())
    with pytest.raises(KeyProviderError, match="only SHA-256"):
        hsm_merchant.sign(b"m", PSS, hashes.SHA512())
    with pytest.raises(KeyProviderError, match="only OAEP with SHA-1"):
        hsm_merchant.decrypt(
            b"\0" * 512,
            padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None),
        )


def test_tampered_ciphertext_is_a_decryption_error(
    hsm_merchant: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    ciphertext = bytearray(merchant_public.encrypt(b"k" * 32, OAEP))
    ciphertext[-1] ^= 1
    with pytest.raises(DecryptionError, match="rejected the ciphertext"):
        hsm_merchant.decrypt(bytes(ciphertext), OAEP)


def test_pin_source_file(
    softhsm: _softhsm.SoftHsm, hsm_merchant: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    pin_file = tmp_path / "pin"
    pin_file.write_text(_softhsm.USER_PIN + "\n")
    uri = softhsm.uri(MAIN, pin=None, object="merchant") + f"&pin-source=file:{pin_file}"
    assert Pkcs11KeyProvider().load_private_key(uri).public_key() == hsm_merchant.public_key()


def test_wrong_pin_is_a_clear_error(softhsm: _softhsm.SoftHsm) -> None:
    uri = softhsm.uri(NEVER_LOGGED_IN, pin="wrong-pin-999", object="merchant")
    with pytest.raises(KeyProviderError, match="login to token 'c2p-untouched' failed") as caught:
        Pkcs11KeyProvider().load_private_key(uri)
    assert "wrong-pin-999" not in str(caught.value)


def test_missing_pin_is_a_clear_error(softhsm: _softhsm.SoftHsm) -> None:
    with pytest.raises(KeyLoadError, match="needs a PIN"):
        Pkcs11KeyProvider().load_private_key(softhsm.uri(NEVER_LOGGED_IN, pin=None, object="x"))


def test_missing_token_is_a_clear_error(softhsm: _softhsm.SoftHsm) -> None:
    with pytest.raises(KeyLoadError, match="no token matches pkcs11:token=no-such-token"):
        Pkcs11KeyProvider().load_private_key(softhsm.uri("no-such-token", object="merchant"))


def test_missing_object_is_a_clear_error(
    softhsm: _softhsm.SoftHsm, hsm_merchant: rsa.RSAPrivateKey
) -> None:
    expected = "no private key matches pkcs11:token=c2p-main;object=nope"
    with pytest.raises(KeyLoadError, match=expected):
        Pkcs11KeyProvider().load_private_key(softhsm.uri(MAIN, object="nope"))


def test_missing_module_is_a_clear_error(tmp_path: Path) -> None:
    uri = f"pkcs11:token=t;object=k?module-path={tmp_path}/absent.so&pin-value=1"
    with pytest.raises(KeyLoadError, match="PKCS#11 module not found"):
        Pkcs11KeyProvider().load_private_key(uri)


def test_unnamed_key_is_refused(softhsm: _softhsm.SoftHsm) -> None:
    with pytest.raises(KeyLoadError, match="object= or id="):
        Pkcs11KeyProvider().load_private_key(softhsm.uri(MAIN))


def test_plugin_registers_the_pkcs11_scheme() -> None:
    registered: list[tuple[str, object]] = []
    pkcs11_plugin.register_key_providers(lambda scheme, p: registered.append((scheme, p)))
    assert [scheme for scheme, _ in registered] == ["pkcs11"]
    assert isinstance(registered[0][1], Pkcs11KeyProvider)


def test_cli_keygen_list_and_portal_certificate(
    softhsm: _softhsm.SoftHsm, provider: Pkcs11KeyProvider, tmp_path: Path
) -> None:
    uri = softhsm.uri(MAIN, object="cli-key")
    runner = CliRunner()
    cert_path = tmp_path / "merchant.cer"
    result = runner.invoke(
        hsm, ["keygen", "--uri", uri, "--bits", "2048", "--cert", str(cert_path)]
    )
    assert result.exit_code == 0, result.output
    assert "pin-value" not in result.output
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert cert.public_key() == provider.load_public_key(uri)
    cert.verify_directly_issued_by(cert)  # signed inside the token
    listing = runner.invoke(hsm, ["list", "--uri", softhsm.uri(MAIN)])
    assert listing.exit_code == 0, listing.output
    assert "object=cli-key" in listing.output
    assert "RSA-2048\tsensitive" in listing.output


def test_cli_import_from_a_key_file(
    softhsm: _softhsm.SoftHsm, other_private: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    key_file = tmp_path / "other.pem"
    key_file.write_bytes(
        other_private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    uri = softhsm.uri(MAIN, object="cli-imported")
    result = CliRunner().invoke(hsm, ["import", "--uri", uri, "--key", str(key_file)])
    assert result.exit_code == 0, result.output
    assert Pkcs11KeyProvider().load_public_key(uri) == other_private.public_key()
    # Through the root command, as the console script runs it: the documented exit code.
    again = CliRunner().invoke(main, ["hsm", "import", "--uri", uri, "--key", str(key_file)])
    assert again.exit_code == ExitCode.CONFIGURATION
    assert "already holds a key" in again.output


def test_sessions_are_shared_not_reopened_per_key(softhsm: _softhsm.SoftHsm) -> None:
    # Two key objects for the same token use the process's single logged-in session.
    from c2p_action.keys import _pkcs11

    Pkcs11KeyProvider().load_private_key(softhsm.uri(MAIN, object="merchant"))
    Pkcs11KeyProvider().load_private_key(softhsm.uri(MAIN, object="cli-imported"))
    main_sessions = [key for key in _pkcs11._sessions if key[2] == MAIN]
    assert len(main_sessions) == 1


def test_client_round_trip_against_the_emulator_with_the_merchant_key_in_the_token(
    softhsm: _softhsm.SoftHsm,
    hsm_merchant: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    gateway_private: rsa.RSAPrivateKey,
) -> None:
    # The key is named by URI, as in C2P_MERCHANT_KEY: the plugin manager resolves it.
    emulator = Emulator(gateway_private, {"JT01": merchant_public})
    emulator.seed("INV-HSM-1", "100.00", status="S")
    uri = softhsm.uri(MAIN, object="merchant")
    transport = InProcessTransport(emulator.handle)
    with Client("JT01", uri, gateway_private.public_key(), transport=transport) as client:
        refund = client.refund("INV-HSM-1", "40.00")
        assert (refund.code, refund.status, refund.amount) == ("00", "RF", Decimal("40.00"))

    async def concurrently() -> list[str]:
        # AsyncClient runs the codec in its thread pool: the token's lock must keep it safe.
        async with AsyncClient(
            "JT01", uri, gateway_private.public_key(), transport=InProcessTransport(emulator.handle)
        ) as client:
            results = await asyncio.gather(
                *(client.refund("INV-HSM-1", "10.00") for _ in range(6))
            )
        return [result.code for result in results]

    assert asyncio.run(concurrently()) == ["00"] * 6
    assert sum(r.amount for r in emulator.ledger.refunds("JT01", "INV-HSM-1")) == Decimal("100.00")
