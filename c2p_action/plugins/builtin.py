"""The built-in plugin: the ``urllib3`` and ``aiohttp`` transports and the ``file:`` key provider.

It is registered through the same hooks as any third-party plugin.

``file:`` key URIs
    ``file:/abs/path/key.pem``, ``file:///abs/path/key.p12``, ``file:relative/key.der`` or a plain
    path with no scheme. Percent-escapes in the path are decoded. A password for an encrypted
    private key is never written in the URI itself; name where it comes from instead:

    - ``?password-env=VAR``: read it from environment variable ``VAR``;
    - ``?password-file=/run/secrets/key-pass``: read the file, one trailing newline stripped.

    A password given to the client directly (``merchant_key_password`` /
    ``C2P_MERCHANT_KEY_PASSWORD``) is used when the URI names none.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from c2p_action.errors import ConfigurationError, KeyLoadError
from c2p_action.plugins.hookspecs import (
    KeyProvider,
    RegisterKeyProvider,
    RegisterTransport,
    hookimpl,
)
from c2p_action.transports.base import AsyncTransport, Transport, TransportOptions

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

__all__ = ["FileKeyProvider", "parse_file_uri"]

_PASSWORD_PARAMS = ("password-env", "password-file")


def parse_file_uri(uri: str) -> tuple[Path, bytes | None]:
    """Split a ``file:`` URI (or plain path) into the path and the password it points to."""
    if not uri.lower().startswith("file:"):
        return Path(uri), None
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise ConfigurationError("file: key URI must name a local path (no host)")
    params = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(params) - set(_PASSWORD_PARAMS))
    if unknown or any(len(v) > 1 for v in params.values()) or len(params) > 1:
        raise ConfigurationError(
            "file: key URI accepts at most one of the query parameters "
            + ", ".join(_PASSWORD_PARAMS)
        )
    path = Path(unquote(parts.path))
    if "password-env" in params:
        name = params["password-env"][0]
        value = os.environ.get(name)
        if value is None:
            raise KeyLoadError(f"key password variable {name} is not set")
        return path, value.encode()
    if "password-file" in params:
        secret = Path(unquote(params["password-file"][0]))
        try:
            return path, secret.read_bytes().removesuffix(b"\n")
        except OSError as exc:
            raise KeyLoadError(f"cannot read key password file {secret}: {exc.strerror}") from None
    return path, None


class FileKeyProvider:
    """Keys from files: PEM, DER, PKCS#8, PKCS#12 and X.509 certificates (see module doc)."""

    def load_private_key(self, uri: str, password: bytes | None = None) -> RSAPrivateKey:
        """Load a private key; ``password`` applies only when the URI names no password."""
        from c2p_action.keys import load_private_key

        path, from_uri = parse_file_uri(uri)
        if from_uri is not None and password is not None:
            raise ConfigurationError("key password given both in the key URI and directly")
        return load_private_key(path, password=from_uri if from_uri is not None else password)

    def load_public_key(self, uri: str) -> RSAPublicKey:
        """Load a public key from a certificate, SPKI or private key file."""
        from c2p_action.keys import load_public_key

        path, _ = parse_file_uri(uri)
        return load_public_key(path)


def _urllib3_factory(options: TransportOptions) -> Transport:
    from c2p_action.transports._urllib3 import Urllib3Transport

    return Urllib3Transport(options)


def _aiohttp_factory(options: TransportOptions) -> AsyncTransport:
    # Importing the module raises ConfigurationError naming the extra when aiohttp is missing.
    from c2p_action.transports._aiohttp import AiohttpTransport

    return AiohttpTransport(options)


@hookimpl
def register_transports(register: RegisterTransport) -> None:
    """Offer ``urllib3`` (sync) and ``aiohttp`` (async)."""
    register("urllib3", sync_factory=_urllib3_factory)
    register("aiohttp", async_factory=_aiohttp_factory)


@hookimpl
def register_key_providers(register: RegisterKeyProvider) -> None:
    """Offer the ``file`` scheme."""
    provider: KeyProvider = FileKeyProvider()
    register("file", provider)
