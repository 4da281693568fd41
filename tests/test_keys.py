"""Key loading, wrapping, fingerprints and merchant key generation (c2p_action.keys).

Key files are written at test time with cryptography, and with the openssl CLI for interop.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import os
import stat
import subprocess
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric import utils as asym_utils
from cryptography.hazmat.primitives.asymmetric.padding import AsymmetricPadding
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    KeySerializationEncryption,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    pkcs12,
)
from cryptography.x509.oid import ExtensionOID, NameOID

from c2p_action import Codec
from c2p_action.errors import ConfigurationError, KeyLoadError
from c2p_action.keys import (
    GeneratedKeys,
    LoadedPrivateKey,
    LoadedPublicKey,
    certificate_for,
    fingerprint,
    generate_merchant_keys,
    load_private_key,
    load_public_key,
)

PASSWORD = "s3cret-pässwörd"
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303

Builder = Callable[[rsa.RSAPrivateKey, x509.Certificate], bytes]


@pytest.fixture(scope="module")
def key(gateway_private: rsa.RSAPrivateKey) -> rsa.RSAPrivateKey:
    return gateway_private


@pytest.fixture(scope="module")
def cert(key: rsa.RSAPrivateKey) -> x509.Certificate:
    return certificate_for(key, common_name="keys test")


def _private(encoding: Encoding, fmt: PrivateFormat, *, encrypted: bool = False) -> Builder:
    encryption = BestAvailableEncryption(PASSWORD.encode()) if encrypted else NoEncryption()
    return lambda key, cert: key.private_bytes(encoding, fmt, encryption)


def _public(encoding: Encoding, fmt: PublicFormat) -> Builder:
    return lambda key, cert: key.public_key().public_bytes(encoding, fmt)


def _pkcs12(*, encrypted: bool = True, with_key: bool = True) -> Builder:
    encryption = BestAvailableEncryption(PASSWORD.encode()) if encrypted else NoEncryption()
    return lambda key, cert: pkcs12.serialize_key_and_certificates(
        b"merchant", key if with_key else None, cert, None, encryption
    )


def _bundle(key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bytes:
    # What `openssl pkcs12 -nodes` prints: attribute text around a certificate and a key.
    return (
        b"Bag Attributes\n    friendlyName: merchant\n"
        + key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        + b"subject=CN = keys test\n"
        + cert.public_bytes(Encoding.PEM)
    )


PRIVATE_FORMATS = [
    pytest.param(_private(Encoding.PEM, PrivateFormat.TraditionalOpenSSL), None, id="pem-pkcs1"),
    pytest.param(_private(Encoding.PEM, PrivateFormat.PKCS8), None, id="pem-pkcs8"),
    pytest.param(
        _private(Encoding.PEM, PrivateFormat.PKCS8, encrypted=True), PASSWORD, id="pem-pkcs8-enc"
    ),
    pytest.param(
        _private(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, encrypted=True),
        PASSWORD.encode(),
        id="pem-legacy-enc",
    ),
    pytest.param(_private(Encoding.DER, PrivateFormat.PKCS8), None, id="der-pkcs8"),
    pytest.param(_private(Encoding.DER, PrivateFormat.TraditionalOpenSSL), None, id="der-pkcs1"),
    pytest.param(
        _private(Encoding.DER, PrivateFormat.PKCS8, encrypted=True), PASSWORD, id="der-pkcs8-enc"
    ),
    pytest.param(_pkcs12(), PASSWORD, id="pkcs12-str-password"),
    pytest.param(_pkcs12(), PASSWORD.encode(), id="pkcs12-bytes-password"),
    pytest.param(_pkcs12(encrypted=False), None, id="pkcs12-no-password"),
    pytest.param(_bundle, None, id="pem-bundle"),
    # A password for an unencrypted key is ignored, so one configuration serves both.
    pytest.param(_private(Encoding.PEM, PrivateFormat.PKCS8), PASSWORD, id="pem-pkcs8-spare-pw"),
]

PUBLIC_FORMATS = [
    pytest.param(lambda key, cert: cert.public_bytes(Encoding.PEM), None, True, id="cert-pem"),
    pytest.param(lambda key, cert: cert.public_bytes(Encoding.DER), None, True, id="cert-der"),
    pytest.param(
        _public(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo), None, False, id="spki-pem"
    ),
    pytest.param(
        _public(Encoding.DER, PublicFormat.SubjectPublicKeyInfo), None, False, id="spki-der"
    ),
    pytest.param(_public(Encoding.PEM, PublicFormat.PKCS1), None, False, id="pkcs1-pem"),
    pytest.param(_public(Encoding.DER, PublicFormat.PKCS1), None, False, id="pkcs1-der"),
    pytest.param(_private(Encoding.PEM, PrivateFormat.PKCS8), None, False, id="private-pem"),
    pytest.param(
        _private(Encoding.DER, PrivateFormat.PKCS8, encrypted=True),
        PASSWORD,
        False,
        id="private-enc",
    ),
    pytest.param(_pkcs12(), PASSWORD, True, id="pkcs12"),
    pytest.param(_pkcs12(with_key=False), PASSWORD, True, id="pkcs12-cert-only"),
    pytest.param(_bundle, None, True, id="pem-bundle"),
]


def _write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def assert_key_pair(private: rsa.RSAPrivateKey, public: rsa.RSAPublicKey) -> None:
    """``public`` verifies what ``private`` signs (PS256); ``private`` decrypts what ``public``
    encrypts (RSA-OAEP): the two operations the codec needs from each side."""
    public.verify(private.sign(b"payload", PSS, hashes.SHA256()), b"payload", PSS, hashes.SHA256())
    assert private.decrypt(public.encrypt(b"cek", OAEP), OAEP) == b"cek"


# --- loading: every format works ----------------------------------------------------------


@pytest.mark.parametrize(("build", "password"), PRIVATE_FORMATS)
def test_private_key_formats_load_and_work(
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    build: Builder,
    password: str | bytes | None,
) -> None:
    path = _write(tmp_path, "merchant.key", build(key, cert))

    loaded = load_private_key(str(path), password)

    assert isinstance(loaded, rsa.RSAPrivateKey)
    assert loaded.key_size == 2048
    assert loaded.source == str(path)
    assert_key_pair(loaded, key.public_key())


@pytest.mark.parametrize(("build", "password", "from_certificate"), PUBLIC_FORMATS)
def test_public_key_formats_load_and_work(
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    build: Builder,
    password: str | None,
    from_certificate: bool,
) -> None:
    path = _write(tmp_path, "gateway.cer", build(key, cert))

    loaded = load_public_key(path, password=password)

    assert isinstance(loaded, rsa.RSAPublicKey)
    assert loaded == key.public_key()
    assert loaded.certificate == (cert if from_certificate else None)
    assert_key_pair(key, loaded)


def test_sources_path_bytes_bytearray_and_pem_text_are_equivalent(
    tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path = _write(tmp_path, "k.pem", pem)

    loaded = [
        load_private_key(path),
        load_private_key(str(path)),
        load_private_key(pem),
        load_private_key(bytearray(pem)),
        load_private_key(pem.decode()),
    ]

    assert {k.fingerprint for k in loaded} == {fingerprint(key)}
    assert [k.source for k in loaded] == [str(path), str(path), "<bytes>", "<bytes>", "<PEM text>"]


def test_rsa_4096_merchant_key_loads(merchant_private: rsa.RSAPrivateKey) -> None:
    der = merchant_private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())

    loaded = load_private_key(der)

    assert loaded.key_size == 4096
    assert "RSA-4096" in repr(loaded)
    assert_key_pair(loaded, merchant_private.public_key())


# --- loading: failures are clear KeyLoadErrors ---------------------------------------------


ENCRYPTED = [
    pytest.param(_pkcs12(), "merchant.p12", "PKCS#12", id="pkcs12"),
    pytest.param(
        _private(Encoding.PEM, PrivateFormat.PKCS8, encrypted=True),
        "merchant.key.pem",
        "encrypted private key",
        id="pem-pkcs8",
    ),
    pytest.param(
        _private(Encoding.DER, PrivateFormat.PKCS8, encrypted=True),
        "merchant.der",
        "encrypted private key",
        id="der-pkcs8",
    ),
    pytest.param(
        _private(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, encrypted=True),
        "merchant.pem",
        "legacy PEM",
        id="pem-legacy",
    ),
]


@pytest.mark.parametrize(("build", "name", "kind"), ENCRYPTED)
@pytest.mark.parametrize(
    ("password", "problem"),
    [("not the password", "wrong password"), (None, "needs a password"), ("", "needs a password")],
)
def test_wrong_or_missing_password_names_the_file(
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    build: Builder,
    name: str,
    kind: str,
    password: str | None,
    problem: str,
) -> None:
    path = _write(tmp_path, name, build(key, cert))

    with pytest.raises(KeyLoadError) as caught:
        load_private_key(path, password)

    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert kind in message
    for text in (message, str(caught.value.__cause__ or "")):
        assert "not the password" not in text
        assert PASSWORD not in text


def _ec_pem(key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bytes:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    return ec_key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())


def _ed25519_pem(key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bytes:
    ed_key = ed25519.Ed25519PrivateKey.generate()
    return ed_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def _ed25519_cert(key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bytes:
    ed_key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ed")])
    now = datetime.datetime.now(datetime.UTC)
    ed_cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ed_key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(ed_key, None)
    )
    return ed_cert.public_bytes(Encoding.DER)


@pytest.fixture(scope="module")
def rsa_1024() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (refused)


BAD_FILES = [
    pytest.param(_ec_pem, "non-RSA key (EC secp256r1)", id="ec"),
    pytest.param(_ed25519_pem, "non-RSA key (Ed25519)", id="ed25519"),
    pytest.param(lambda k, c: b"", "is empty", id="empty"),
    pytest.param(lambda k, c: b"  \r\n", "is empty", id="blank"),
    pytest.param(lambda k, c: b"this is not a key\n", "not a PEM, DER or PKCS#12", id="text"),
    pytest.param(lambda k, c: bytes(range(256)) * 4, "not a PEM, DER or PKCS#12", id="binary"),
    pytest.param(
        lambda k, c: b"-----BEGIN PRIVATE KEY-----\nno*base64*here\n-----END PRIVATE KEY-----\n",
        "'PRIVATE KEY' is damaged",
        id="bad-base64",
    ),
    pytest.param(
        lambda k, c: (
            b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
        ),
        "'CERTIFICATE REQUEST' is damaged or not a key",
        id="csr",
    ),
    pytest.param(
        lambda k, c: b"-----BEGIN PRIVATE KEY-----\nMIIB\n", "no complete PEM block", id="cut-pem"
    ),
    pytest.param(
        lambda k, c: b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END CERTIFICATE-----\n",
        "'PRIVATE KEY' is damaged",
        id="mismatched-pem",
    ),
    pytest.param(
        lambda k, c: k.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())[:300],
        "private key that is damaged",
        id="truncated-der",
    ),
]


@pytest.mark.parametrize(("build", "problem"), BAD_FILES)
@pytest.mark.parametrize("loader", [load_private_key, load_public_key])
def test_unusable_files_are_refused_with_reason(
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    build: Builder,
    problem: str,
    loader: Callable[[Path], object],
) -> None:
    path = _write(tmp_path, "key.bin", build(key, cert))

    with pytest.raises(KeyLoadError) as caught:
        loader(path)

    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value)


@pytest.mark.parametrize("loader", [load_private_key, load_public_key])
def test_rsa_1024_is_too_small(
    tmp_path: Path, rsa_1024: rsa.RSAPrivateKey, loader: Callable[[Path], object]
) -> None:
    pem = rsa_1024.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path = _write(tmp_path, "small.pem", pem)

    with pytest.raises(KeyLoadError, match=r"small\.pem: RSA-1024 is too small; at least 2048"):
        loader(path)


def test_certificate_is_not_a_private_key(tmp_path: Path, cert: x509.Certificate) -> None:
    path = _write(tmp_path, "gateway.cer", cert.public_bytes(Encoding.DER))

    with pytest.raises(
        KeyLoadError, match=r"gateway\.cer: holds an X\.509 certificate; expected a private key"
    ):
        load_private_key(path)


def test_pkcs12_without_key_is_not_a_private_key(
    tmp_path: Path, key: rsa.RSAPrivateKey, cert: x509.Certificate
) -> None:
    path = _write(tmp_path, "certs.p12", _pkcs12(with_key=False)(key, cert))

    with pytest.raises(KeyLoadError, match="holds a certificate but no private key"):
        load_private_key(path, PASSWORD)


def test_missing_file_directory_and_oversized_file(tmp_path: Path) -> None:
    big = _write(tmp_path, "huge.pem", b"A" * ((1 << 20) + 1))

    with pytest.raises(KeyLoadError, match=r"nope\.pem: cannot read the key file \(No such file"):
        load_private_key(tmp_path / "nope.pem")
    with pytest.raises(KeyLoadError, match=r"cannot read the key file \(Is a directory\)"):
        load_public_key(tmp_path)
    with pytest.raises(KeyLoadError, match=r"huge\.pem: over 1048576 bytes"):
        load_public_key(big)


_CAP = 1 << 20  # the loaders' file size cap
_BEGIN_LINE = b"-----BEGIN PRIVATE KEY-----\n"
_END_LINE = b"-----END PRIVATE KEY-----\n"


def _fill(unit: bytes, room: int = _CAP) -> bytes:
    return unit * (room // len(unit))


# Files up to the size cap whose shapes once made the PEM regular expression backtrack
# (~180 MiB of match state for a BEGIN line without its END) or multiply small objects.
HOSTILE_FILES = [
    pytest.param(_BEGIN_LINE + b"A" * (_CAP - 100), "no complete PEM block", id="no-end-line"),
    pytest.param(_fill(_BEGIN_LINE), "no complete PEM block", id="only-begin-lines"),
    pytest.param(
        _fill(_BEGIN_LINE, _CAP - 100) + _END_LINE,
        "private key that is damaged",
        id="begin-lines-then-one-end",
    ),
    pytest.param(
        _BEGIN_LINE + _fill(b"A" * 64 + b"\n", _CAP - 100) + _END_LINE,
        "private key that is damaged",
        id="huge-base64-body",
    ),
    pytest.param(
        _BEGIN_LINE + _fill(b"A\n", _CAP - 100) + _END_LINE,
        "'PRIVATE KEY' is damaged",
        id="one-character-lines",
    ),
    pytest.param(
        _fill(b"-----BEGIN X-----\n-----END X-----\n"),
        "PEM block 'X' is damaged",
        id="thousands-of-tiny-blocks",
    ),
    pytest.param(_fill(b"-"), "not a PEM, DER or PKCS#12", id="only-dashes"),
    pytest.param(bytes(range(256)) * (_CAP // 256), "not a PEM, DER or PKCS#12", id="binary-junk"),
    pytest.param(b"x" * (_CAP - 1), "not a PEM, DER or PKCS#12", id="one-line-of-a-megabyte"),
    pytest.param(
        b"\x30\x84\x7f\xff\xff\xff" + b"\x00" * (_CAP - 6),
        "not a PEM, DER or PKCS#12",
        id="der-huge-length",
    ),
]


@pytest.mark.parametrize(("content", "problem"), HOSTILE_FILES)
@pytest.mark.parametrize("loader", [load_private_key, load_public_key])
def test_hostile_files_up_to_the_cap_cost_a_small_multiple_of_their_size(
    tmp_path: Path, content: bytes, problem: str, loader: Callable[[Path], object]
) -> None:
    assert len(content) <= _CAP
    path = _write(tmp_path, "hostile.pem", content)
    tracemalloc.start()
    try:
        with pytest.raises(KeyLoadError) as caught:
            loader(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problem in str(caught.value)
    # The file is read once (1x) and a PEM body is copied without its line breaks and
    # decoded (under 2x more); the regular expression this replaced needed ~180x.
    assert peak < 4 * len(content), f"peak {peak} bytes for {len(content)} bytes of input"


def test_a_good_key_is_found_after_a_megabyte_of_begin_lines(
    key: rsa.RSAPrivateKey, cert: x509.Certificate
) -> None:
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    cert_pem = cert.public_bytes(Encoding.PEM)
    noise = _fill(b"-----BEGIN CERTIFICATE-----\n", _CAP - len(pem) - len(cert_pem) - 100)

    assert load_private_key(noise + pem + cert_pem).fingerprint == fingerprint(key.public_key())
    assert load_public_key(noise + pem + cert_pem).certificate == cert


def test_bytes_source_is_named_and_key_text_never_echoed(key: rsa.RSAPrivateKey) -> None:
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    damaged = pem.replace(b"\n", b"\n!", 3)

    with pytest.raises(KeyLoadError) as from_bytes:
        load_private_key(damaged)
    with pytest.raises(KeyLoadError) as from_text:
        load_private_key(damaged.decode())

    assert str(from_bytes.value).startswith("<bytes>: ")
    assert str(from_text.value).startswith("<PEM text>: ")
    body_line = pem.splitlines()[1].decode()
    for error in (from_bytes.value, from_text.value):
        assert body_line[:16] not in str(error)


# --- wrappers: safe repr, fingerprint, delegation ------------------------------------------


def _secret_strings(key: rsa.RSAPrivateKey) -> list[str]:
    numbers = key.private_numbers()
    values = [numbers.d, numbers.p, numbers.q, numbers.dmp1, numbers.dmq1, numbers.iqmp]
    return [str(value) for value in values] + [format(value, "x") for value in values]


def test_repr_and_str_show_size_and_fingerprint_but_no_secrets(
    tmp_path: Path, key: rsa.RSAPrivateKey
) -> None:
    path = _write(
        tmp_path, "m.pem", key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    loaded = load_private_key(path)
    print_ = fingerprint(key)

    for text in (repr(loaded), str(loaded), f"{loaded}", repr([loaded])):
        assert "RSA-2048" in text
        assert f"sha256:{print_[:16]}" in text
        assert "m.pem" in text
        for secret in _secret_strings(key):
            # Any 12-digit run of a secret would already be a leak.
            assert secret[:12] not in text
    assert str(loaded.public_key()).startswith("<LoadedPublicKey RSA-2048 sha256:")


def test_fingerprint_is_sha256_of_spki_and_agrees_across_forms(
    key: rsa.RSAPrivateKey, cert: x509.Certificate
) -> None:
    spki = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    expected = hashlib.sha256(spki).hexdigest()

    forms: list[rsa.RSAPublicKey | rsa.RSAPrivateKey | x509.Certificate] = [
        key,
        key.public_key(),
        cert,
        LoadedPrivateKey(key),
        LoadedPublicKey(key.public_key()),
    ]

    assert {fingerprint(form) for form in forms} == {expected}
    assert len(expected) == 64


def test_fingerprint_refuses_non_rsa_certificate(
    key: rsa.RSAPrivateKey, cert: x509.Certificate
) -> None:
    ed_cert = x509.load_der_x509_certificate(_ed25519_cert(key, cert))

    with pytest.raises(TypeError, match="needs an RSA key"):
        fingerprint(ed_cert)


def test_private_wrapper_delegates_every_operation(
    key: rsa.RSAPrivateKey, other_private: rsa.RSAPrivateKey
) -> None:
    loaded = load_private_key(key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))

    assert loaded.private_numbers() == key.private_numbers()
    pem = loaded.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    assert pem == key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    assert loaded.public_key() is loaded.public_key()
    assert loaded.public_key().public_numbers() == key.public_key().public_numbers()
    assert copy.copy(loaded) is loaded
    assert copy.deepcopy({"k": loaded})["k"] is loaded
    assert LoadedPrivateKey(loaded, source="again").fingerprint == loaded.fingerprint
    # The wrong key must not decrypt: delegation really reaches this key, not some other.
    with pytest.raises(ValueError, match="Decryption failed"):
        loaded.decrypt(other_private.public_key().encrypt(b"x", OAEP), OAEP)


def test_public_wrapper_equality_and_hash_follow_the_key(
    tmp_path: Path,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    other_private: rsa.RSAPrivateKey,
) -> None:
    from_cert = load_public_key(_write(tmp_path, "a.cer", cert.public_bytes(Encoding.DER)))
    from_spki = load_public_key(
        key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    other = LoadedPublicKey(other_private.public_key())

    assert from_cert == from_spki
    assert hash(from_cert) == hash(from_spki)
    assert len({from_cert, from_spki, other}) == 2
    assert from_cert == key.public_key()
    assert key.public_key() == from_cert  # reflected: cryptography's key defers to ours
    assert from_cert != other
    assert from_cert != other_private.public_key()
    assert from_cert != "not a key"
    assert copy.deepcopy(from_cert) is from_cert
    rewrapped = LoadedPublicKey(from_cert, source="copy")
    assert rewrapped.certificate == cert
    signature = key.sign(b"m", padding.PKCS1v15(), hashes.SHA256())
    recovered = from_cert.recover_data_from_signature(
        signature, padding.PKCS1v15(), hashes.SHA256()
    )
    assert recovered == hashlib.sha256(b"m").digest()


def test_codec_round_trip_with_loaded_keys(
    key: rsa.RSAPrivateKey, cert: x509.Certificate, other_private: rsa.RSAPrivateKey
) -> None:
    merchant = LoadedPrivateKey(other_private)
    gateway = load_private_key(key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
    gateway_cert = load_public_key(cert.public_bytes(Encoding.PEM))

    token = Codec(merchant, gateway_cert).seal(b"<PaymentProcessRequest/>")

    assert Codec(gateway, merchant.public_key()).open(token) == b"<PaymentProcessRequest/>"


# --- certificate_for -----------------------------------------------------------------------


class FakeHsmKey(rsa.RSAPrivateKey):
    """FAKE: stands in for an HSM handle; only public_key() and sign() work, and are logged."""

    def __init__(self, inner: rsa.RSAPrivateKey) -> None:
        self._inner = inner
        self.calls: list[str] = []

    def public_key(self) -> rsa.RSAPublicKey:
        self.calls.append("public_key")
        return self._inner.public_key()

    def sign(
        self,
        data: bytes,
        padding: AsymmetricPadding,
        algorithm: asym_utils.Prehashed | hashes.HashAlgorithm | asym_utils.NoDigestInfo,
    ) -> bytes:
        self.calls.append(f"sign:{padding.name}")
        return self._inner.sign(data, padding, algorithm)

    @property
    def key_size(self) -> int:
        raise AssertionError("key_size must not be needed")

    def decrypt(self, ciphertext: bytes, padding: AsymmetricPadding) -> bytes:
        raise AssertionError("decrypt must not be needed")

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        raise AssertionError("private_numbers must not be needed")

    def private_bytes(
        self,
        encoding: Encoding,
        format: PrivateFormat,
        encryption_algorithm: KeySerializationEncryption,
    ) -> bytes:
        raise AssertionError("private_bytes must not be needed")

    def __copy__(self) -> FakeHsmKey:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> FakeHsmKey:
        return self


def _extension(
    cert: x509.Certificate, oid: x509.ObjectIdentifier
) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_oid(oid)


def assert_portal_certificate(cert: x509.Certificate, common_name: str, days: int) -> None:
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == common_name
    assert cert.signature_hash_algorithm is not None
    assert cert.signature_hash_algorithm.name == "sha256"
    assert cert.serial_number > 0
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == datetime.timedelta(days=days)
    assert cert.not_valid_before_utc <= datetime.datetime.now(datetime.UTC)
    constraints = _extension(cert, ExtensionOID.BASIC_CONSTRAINTS)
    assert constraints.critical
    assert constraints.value == x509.BasicConstraints(ca=False, path_length=None)
    usage = _extension(cert, ExtensionOID.KEY_USAGE)
    assert usage.critical
    assert isinstance(usage.value, x509.KeyUsage)
    assert usage.value.digital_signature
    assert usage.value.key_encipherment
    assert not usage.value.key_cert_sign
    assert not usage.value.content_commitment
    cert.verify_directly_issued_by(cert)


@pytest.mark.parametrize(("pss", "scheme"), [(False, "EMSA-PKCS1-v1_5"), (True, "EMSA-PSS")])
def test_certificate_for_uses_only_public_key_and_sign(
    key: rsa.RSAPrivateKey, pss: bool, scheme: str
) -> None:
    hsm = FakeHsmKey(key)

    cert = certificate_for(hsm, common_name="HSM merchant", days=30, pss=pss)

    assert set(hsm.calls) == {"public_key", f"sign:{scheme}"}
    assert fingerprint(cert) == fingerprint(key)
    assert_portal_certificate(cert, "HSM merchant", 30)


def test_certificate_serials_differ_and_not_before_is_honoured(key: rsa.RSAPrivateKey) -> None:
    start = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)

    first = certificate_for(key, not_before=start, days=1)
    second = certificate_for(key, not_before=start, days=1)

    assert first.serial_number != second.serial_number
    assert first.not_valid_before_utc == start
    assert first.not_valid_after_utc == start + datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"common_name": ""}, "common_name"),
        ({"common_name": "x" * 65}, "common_name"),
        ({"days": 0}, "days"),
    ],
)
def test_certificate_for_rejects_bad_arguments(
    key: rsa.RSAPrivateKey, kwargs: dict[str, object], problem: str
) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        certificate_for(key, **kwargs)  # type: ignore[arg-type]


# --- generate_merchant_keys ----------------------------------------------------------------


@pytest.fixture
def open_umask() -> Iterator[None]:
    # With umask 0 a plain open() would make 0666 files: the modes seen must come from open(2).
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedKeys:
    directory = tmp_path_factory.mktemp("generated") / "keys"
    previous = os.umask(0)
    try:
        return generate_merchant_keys(
            directory, password=PASSWORD, key_size=2048, common_name="Shop 42", days=400, pem=True
        )
    finally:
        os.umask(previous)


def test_generated_files_names_and_modes(generated: GeneratedKeys) -> None:
    directory = generated.pkcs12_path.parent
    assert sorted(p.name for p in directory.iterdir()) == [
        "merchant.cer.pem",
        "merchant.key.pem",
        "merchant.p12",
    ]
    assert _mode(directory) == 0o700
    assert _mode(generated.pkcs12_path) == 0o600
    assert generated.pem_path is not None
    assert _mode(generated.pem_path) == 0o600
    assert _mode(generated.certificate_path) == 0o644
    assert generated.certificate_path.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_every_directory_created_is_0700_even_under_umask_0(
    tmp_path: Path, open_umask: None
) -> None:
    (tmp_path / "existing").mkdir(mode=0o755)
    target = tmp_path / "existing" / "a" / "b" / "keys"

    result = generate_merchant_keys(target, password=PASSWORD, key_size=2048)

    assert result.pkcs12_path.parent == target
    created = [tmp_path / "existing" / "a", tmp_path / "existing" / "a" / "b", target]
    assert [_mode(path) for path in created] == [0o700] * 3
    assert _mode(tmp_path / "existing") == 0o755  # what already existed is left alone


def test_a_file_in_the_way_of_the_directory_is_an_os_error(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_bytes(b"")

    with pytest.raises(FileExistsError):
        generate_merchant_keys(tmp_path / "blocker" / "keys", password=PASSWORD, key_size=2048)


def test_generated_files_load_and_match(generated: GeneratedKeys) -> None:
    from_p12 = load_private_key(generated.pkcs12_path, PASSWORD)
    assert generated.pem_path is not None
    from_pem = load_private_key(generated.pem_path, PASSWORD.encode())
    public = load_public_key(generated.certificate_path)

    assert (
        from_p12.fingerprint == from_pem.fingerprint == public.fingerprint == generated.fingerprint
    )
    assert public.certificate == generated.certificate
    assert load_public_key(generated.pkcs12_path, PASSWORD).certificate == generated.certificate
    assert_key_pair(from_p12, public)
    assert_key_pair(generated.private_key, public)
    assert_portal_certificate(generated.certificate, "Shop 42", 400)
    assert generated.private_key.key_size == 2048


def test_generated_keys_repr_has_no_secrets(generated: GeneratedKeys) -> None:
    text = repr(generated)

    assert generated.fingerprint[:16] in text
    for secret in _secret_strings(generated.private_key):
        assert secret[:12] not in text


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "merchant.p12").write_bytes(b"precious")

    with pytest.raises(
        ConfigurationError, match=r"merchant\.p12: already exists; pass overwrite=True"
    ):
        generate_merchant_keys(tmp_path, password=PASSWORD, key_size=2048)

    assert (tmp_path / "merchant.p12").read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["merchant.p12"]


def test_dangling_symlink_at_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "shop.key.pem").symlink_to(tmp_path / "elsewhere")

    with pytest.raises(ConfigurationError, match="already exists"):
        generate_merchant_keys(tmp_path, password=PASSWORD, key_size=2048, pem=True, name="shop")

    assert not (tmp_path / "elsewhere").exists()


def test_overwrite_replaces_files_atomically(tmp_path: Path, open_umask: None) -> None:
    stale = tmp_path / "merchant.p12"
    stale.write_bytes(b"old key")
    stale.chmod(0o666)
    (tmp_path / "merchant.cer.pem").write_bytes(b"old cert")

    result = generate_merchant_keys(tmp_path, password=b"bytes pw", key_size=2048, overwrite=True)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["merchant.cer.pem", "merchant.p12"]
    assert _mode(stale) == 0o600
    assert result.pem_path is None
    assert load_private_key(stale, b"bytes pw").fingerprint == result.fingerprint
    assert load_public_key(result.certificate_path).fingerprint == result.fingerprint


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"password": ""}, "non-empty password"),
        ({"password": PASSWORD, "key_size": 1024}, "key_size 1024"),
        ({"password": PASSWORD, "name": "../escape"}, "plain file name"),
        ({"password": PASSWORD, "name": ".hidden"}, "plain file name"),
        ({"password": PASSWORD, "common_name": ""}, "common_name"),
        ({"password": PASSWORD, "days": 0}, "days"),
    ],
)
def test_generate_rejects_bad_arguments_before_touching_disk(
    tmp_path: Path, kwargs: dict[str, object], problem: str
) -> None:
    target = tmp_path / "new"

    with pytest.raises(ConfigurationError, match=problem):
        generate_merchant_keys(target, **kwargs)  # type: ignore[arg-type]

    assert not target.exists()


# --- interop with the openssl CLI (real subprocesses) --------------------------------------


def _openssl(*args: str, cwd: Path) -> bytes:
    return subprocess.run(
        ["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=120
    ).stdout


@pytest.fixture(scope="module")
def openssl_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("openssl")
    _openssl(
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "k.pem",
        cwd=directory,
    )
    _openssl(
        "req",
        "-new",
        "-x509",
        "-key",
        "k.pem",
        "-subj",
        "/CN=gateway",
        "-days",
        "2",
        "-out",
        "c.pem",
        cwd=directory,
    )
    _openssl("x509", "-in", "c.pem", "-outform", "DER", "-out", "c.cer", cwd=directory)
    export = [
        "pkcs12",
        "-export",
        "-inkey",
        "k.pem",
        "-in",
        "c.pem",
        "-passout",
        f"pass:{PASSWORD}",
    ]
    _openssl(*export, "-out", "k.p12", cwd=directory)
    _openssl(*export, "-legacy", "-out", "legacy.pfx", cwd=directory)
    _openssl("pkey", "-in", "k.pem", "-pubout", "-outform", "DER", "-out", "pub.der", cwd=directory)
    return directory


def test_openssl_made_files_load_with_one_fingerprint(openssl_files: Path) -> None:
    expected = hashlib.sha256((openssl_files / "pub.der").read_bytes()).hexdigest()

    private = [
        load_private_key(openssl_files / "k.pem"),
        load_private_key(openssl_files / "k.p12", PASSWORD),
        load_private_key(openssl_files / "legacy.pfx", PASSWORD),
    ]
    public = [
        load_public_key(openssl_files / "c.pem"),
        load_public_key(openssl_files / "c.cer"),
        load_public_key(openssl_files / "pub.der"),
    ]

    assert {key.fingerprint for key in private + public} == {expected}
    for key in private:
        assert_key_pair(key, public[1])
    with pytest.raises(KeyLoadError, match=r"legacy\.pfx: wrong password for a PKCS#12 file"):
        load_private_key(openssl_files / "legacy.pfx", "wrong")


def test_openssl_reads_generated_files(generated: GeneratedKeys, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            "openssl",
            "pkcs12",
            "-info",
            "-noout",
            "-in",
            str(generated.pkcs12_path),
            "-passin",
            "stdin",
        ],
        input=PASSWORD.encode(),
        check=True,
        capture_output=True,
        timeout=120,
    )
    info = (done.stdout + done.stderr).decode()
    text = _openssl(
        "x509", "-in", str(generated.certificate_path), "-noout", "-text", cwd=tmp_path
    ).decode()

    assert "AES-256-CBC" in info
    assert "PBKDF2" in info
    assert "MAC: sha256" in info
    assert "CA:FALSE" in text
    assert "Digital Signature, Key Encipherment" in text
    assert "sha256WithRSAEncryption" in text
    assert "CN=Shop 42" in text.replace("CN = ", "CN=")
