"""Make a merchant key pair and the self-signed certificate 2C2P's merchant portal asks for.

Files written by :func:`generate_merchant_keys` (``name`` defaults to ``"merchant"``):

- ``<name>.cer.pem`` — the X.509 certificate (PEM) to upload to the portal; mode 0644.
- ``<name>.p12`` — PKCS#12 with the private key and the certificate, AES-256-CBC + PBKDF2-SHA256,
  MAC HMAC-SHA256; mode 0600. Load it with ``load_private_key(path, password)``.
- ``<name>.key.pem`` — only with ``pem=True``: the private key as encrypted PKCS#8 PEM; mode 0600.
"""

from __future__ import annotations

import datetime
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from c2p_action.errors import ConfigurationError
from c2p_action.keys._load import MIN_RSA_BITS
from c2p_action.keys._wrap import LoadedPrivateKey

__all__ = ["GeneratedKeys", "certificate_for", "generate_merchant_keys"]

# Backdated so a verifier whose clock runs a little slow does not see a not-yet-valid certificate.
_BACKDATE = datetime.timedelta(hours=1)
_MAX_RSA_BITS = 16384
_PS256 = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
_MAX_COMMON_NAME = 64  # X.520 ub-common-name
# The PKCS#12 MAC (fixed at 2048 iterations by cryptography/OpenSSL) is what a password guesser
# attacks, so more PBKDF2 rounds here would slow loading without raising that cost.
_PKCS12_KDF_ROUNDS = 20_000


@dataclass(frozen=True, slots=True)
class GeneratedKeys:
    """What :func:`generate_merchant_keys` wrote, plus the key and certificate in memory."""

    certificate_path: Path
    pkcs12_path: Path
    pem_path: Path | None
    private_key: LoadedPrivateKey
    certificate: x509.Certificate

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the public key's DER SubjectPublicKeyInfo (64 hex digits)."""
        return self.private_key.fingerprint


def certificate_for(
    private_key: rsa.RSAPrivateKey,
    *,
    common_name: str = "2C2P merchant",
    days: int = 3650,
    not_before: datetime.datetime | None = None,
    pss: bool = False,
) -> x509.Certificate:
    """A self-signed X.509 certificate for ``private_key``, as the merchant portal expects.

    SHA-256 with RSA, random serial, subject = issuer = ``CN=<common_name>``, valid for ``days``
    from ``not_before`` (default: one hour ago), basicConstraints CA:false and keyUsage
    digitalSignature + keyEncipherment (both critical), plus a subjectKeyIdentifier.
    Only ``public_key()`` and ``sign()`` are called on the key, so HSM/KMS keys work too.
    ``pss=True`` signs with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) instead of PKCS#1 v1.5,
    for keys that only do PS256; whether the merchant portal accepts such a certificate is
    unconfirmed.

    Raises:
        ConfigurationError: an empty or over-long common name, or ``days`` below 1.
    """
    _check_certificate_args(common_name, days)
    start = not_before or datetime.datetime.now(datetime.UTC) - _BACKDATE
    public = private_key.public_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=True,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    return builder.sign(private_key, hashes.SHA256(), rsa_padding=_PS256 if pss else None)


def generate_merchant_keys(
    directory: str | os.PathLike[str],
    *,
    password: str | bytes,
    key_size: int = 4096,
    common_name: str = "2C2P merchant",
    days: int = 3650,
    pem: bool = False,
    overwrite: bool = False,
    name: str = "merchant",
) -> GeneratedKeys:
    """Generate an RSA key and its certificate, and write them under ``directory``.

    Writes ``<name>.cer.pem`` (upload it to the 2C2P merchant portal), ``<name>.p12`` (keep it:
    private key + certificate, encrypted with ``password``) and, with ``pem=True``,
    ``<name>.key.pem`` (encrypted PKCS#8). Private files are created with mode 0600 from the
    start. ``directory`` and any missing parent are created with mode 0700 (existing ones are
    left as they are). Existing files are refused unless
    ``overwrite=True``, which replaces them atomically. Everything is checked before the
    (slow) key generation.

    Raises:
        ConfigurationError: bad arguments, or a target file exists and ``overwrite`` is false.
        OSError: the directory or a file cannot be created or written.
    """
    secret = password.encode("utf-8") if isinstance(password, str) else password
    if not secret:
        raise ConfigurationError("generate_merchant_keys: a non-empty password is required")
    if not MIN_RSA_BITS <= key_size <= _MAX_RSA_BITS:
        raise ConfigurationError(
            f"generate_merchant_keys: key_size {key_size} is outside"
            f" {MIN_RSA_BITS}..{_MAX_RSA_BITS} bits"
        )
    if not name or name != Path(name).name or name.startswith("."):
        raise ConfigurationError(f"generate_merchant_keys: name {name!r} is not a plain file name")
    _check_certificate_args(common_name, days)
    folder = Path(directory)
    cert_path = folder / f"{name}.cer.pem"
    p12_path = folder / f"{name}.p12"
    pem_path = folder / f"{name}.key.pem" if pem else None
    targets = [path for path in (cert_path, p12_path, pem_path) if path is not None]
    if not overwrite:
        for path in targets:
            if path.exists() or path.is_symlink():
                raise _exists(path)

    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    cert = certificate_for(key, common_name=common_name, days=days)
    files = [
        (cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644),
        (p12_path, _pkcs12(name, key, cert, secret), 0o600),
    ]
    if pem_path is not None:
        files.append((pem_path, _pkcs8_pem(key, secret), 0o600))
    _make_private_directory(folder)
    _write_all(files, overwrite=overwrite)
    return GeneratedKeys(
        certificate_path=cert_path,
        pkcs12_path=p12_path,
        pem_path=pem_path,
        private_key=LoadedPrivateKey(key, source=str(p12_path)),
        certificate=cert,
    )


def _check_certificate_args(common_name: str, days: int) -> None:
    if not common_name.strip() or len(common_name) > _MAX_COMMON_NAME:
        raise ConfigurationError(
            f"certificate: common_name must be 1..{_MAX_COMMON_NAME} characters"
        )
    if days < 1:
        raise ConfigurationError(f"certificate: days must be at least 1, not {days}")


def _pkcs12(name: str, key: rsa.RSAPrivateKey, cert: x509.Certificate, secret: bytes) -> bytes:
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(_PKCS12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(secret)
    )
    return pkcs12.serialize_key_and_certificates(name.encode("utf-8"), key, cert, None, encryption)


def _pkcs8_pem(key: rsa.RSAPrivateKey, secret: bytes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret),
    )


def _exists(path: Path) -> ConfigurationError:
    return ConfigurationError(f"{path}: already exists; pass overwrite=True to replace it")


def _make_private_directory(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each with mode 0700.

    ``Path.mkdir(parents=True)`` gives parents the default mode (0777 minus the umask, so 0777
    under umask 0) and only the last directory ``mode``; every directory made here may end up
    holding key files, so each gets 0700, from mkdir(2) itself.
    """
    missing: list[Path] = []
    current = folder
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            if not path.is_dir():  # a file in the way: report it as mkdir -p would
                raise


def _write_all(files: list[tuple[Path, bytes, int]], *, overwrite: bool) -> None:
    """Write every file or none: on failure, files this call created are removed again.

    Without ``overwrite`` each file is created in place with O_EXCL. With it, each is first
    written to a fresh temporary name beside its target and then renamed over it, so a target
    is never seen half-written and keeps no permissions from the file it replaces.
    """
    created: list[Path] = []
    try:
        if not overwrite:
            for path, data, mode in files:
                try:
                    _create(path, data, mode)
                except FileExistsError as exc:
                    raise _exists(path) from exc
                created.append(path)
            return
        staged: list[tuple[Path, Path]] = []
        for path, data, mode in files:
            temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
            _create(temporary, data, mode)
            created.append(temporary)
            staged.append((temporary, path))
        for temporary, path in staged:
            os.replace(temporary, path)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise


def _create(path: Path, data: bytes, mode: int) -> None:
    # The mode is applied by open(2) itself, so the file is never readable by others, even
    # briefly; O_EXCL also refuses a symlink planted at the path.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
