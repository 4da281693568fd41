"""The ``audited-file`` key provider: a key file whose every use is written to an audit log.

A complete key provider in one file, written to be copied. The key object is a
:class:`~c2p_action.keys.DelegatedRSAPrivateKey`, the base every HSM or KMS key uses: it
checks the algorithm of each request, refuses export, and calls one of three methods here.
A provider for a real backend replaces the three ``self._inner`` calls with calls to it.

URI::

    audited-file:/path/to/merchant.p12?audit-log=/var/log/c2p/key-audit.log

The key file's password is the one the application gives (``merchant_key_password`` or
``C2P_MERCHANT_KEY_PASSWORD``): the plugin manager hands it to ``load_private_key``. Each
signature or decryption appends one line to the audit log *before* the key is used (no line,
no use): UTC time, the operation, the key's SHA-256 fingerprint and the input's size; never
the input itself.
"""

from __future__ import annotations

import datetime
import threading
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from c2p_action.errors import ConfigurationError, DecryptionError, KeyLoadError, KeyProviderError
from c2p_action.keys import DelegatedRSAPrivateKey, fingerprint, load_private_key, load_public_key
from c2p_action.plugins import RegisterKeyProvider, hookimpl

__all__ = ["AuditedFileKeyProvider", "AuditedKey", "register_key_providers"]

SCHEME = "audited-file"
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303


def parse_uri(uri: str) -> tuple[Path, Path]:
    """``(key file, audit log)`` from an ``audited-file:`` URI."""
    parts = urlsplit(uri)
    if parts.scheme.lower() != SCHEME or parts.netloc or not parts.path:
        raise KeyLoadError(f"{SCHEME} key URI must be {SCHEME}:<path>?audit-log=<path>")
    query = parse_qs(parts.query)
    if set(query) != {"audit-log"} or len(query["audit-log"]) != 1:
        raise KeyLoadError(f"{SCHEME} key URI needs exactly one audit-log=<path>")
    return Path(unquote(parts.path)), Path(query["audit-log"][0])


class AuditLog:
    """Appends one line per key use; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, operation: str, key: str, size: int) -> None:
        """Append ``<time> <operation> key=<fingerprint> bytes=<size>``, or refuse the use."""
        stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
        line = f"{stamp} {operation} key={key} bytes={size}\n"
        try:
            with self._lock, self.path.open("a", encoding="utf-8") as log:
                log.write(line)
        except OSError as exc:
            # Not retryable: a full disk or a permission problem does not heal by itself.
            raise KeyProviderError(
                f"{SCHEME}: cannot write the audit log {self.path} ({exc.strerror}); key not used"
            ) from None


class AuditedKey(DelegatedRSAPrivateKey):
    """A private key from a file whose signatures and decryptions are audited first."""

    backend = "audited file"

    def __init__(self, inner: rsa.RSAPrivateKey, log: AuditLog, description: str) -> None:
        super().__init__(inner.public_key(), description)
        self._inner = inner
        self._log = log
        self._fingerprint = fingerprint(inner.public_key())

    def sign_pss_sha256(self, message: bytes) -> bytes:
        """PS256: every request the client sends."""
        self._log.write("sign-PS256", self._fingerprint, len(message))
        return self._inner.sign(message, _PSS, hashes.SHA256())

    def sign_pkcs1v15_sha256(self, message: bytes) -> bytes:
        """PKCS#1 v1.5 with SHA-256: the merchant portal certificate."""
        self._log.write("sign-RS256", self._fingerprint, len(message))
        return self._inner.sign(message, padding.PKCS1v15(), hashes.SHA256())

    def decrypt_oaep_sha1(self, ciphertext: bytes) -> bytes:
        """RSA-OAEP: the content key of every answer."""
        self._log.write("decrypt-RSA-OAEP", self._fingerprint, len(ciphertext))
        try:
            return self._inner.decrypt(ciphertext, _OAEP)
        except ValueError:
            raise DecryptionError(f"{SCHEME}: the ciphertext is not for this key") from None


class AuditedFileKeyProvider:
    """The provider for ``audited-file:`` URIs (a :class:`c2p_action.plugins.KeyProvider`)."""

    def load_private_key(self, uri: str, password: bytes | None) -> rsa.RSAPrivateKey:
        """Load the key file with ``password`` (if any) and wrap it in an :class:`AuditedKey`."""
        key_path, log_path = parse_uri(uri)
        if not log_path.parent.is_dir():
            raise ConfigurationError(f"{SCHEME}: audit log directory {log_path.parent} is missing")
        inner = load_private_key(key_path, password)  # KeyLoadError names the file, never a secret
        return AuditedKey(inner, AuditLog(log_path), description=str(key_path))

    def load_public_key(self, uri: str) -> rsa.RSAPublicKey:
        """The key file's public half (a certificate or key file)."""
        key_path, _ = parse_uri(uri)
        return load_public_key(key_path)


@hookimpl
def register_key_providers(register: RegisterKeyProvider) -> None:
    """Offer the ``audited-file`` scheme."""
    register(SCHEME, AuditedFileKeyProvider())
