"""One ``Settings`` object for both clients and the CLI, from arguments and/or ``C2P_*`` variables.

========================== ==================================================================
Variable                   Meaning
========================== ==================================================================
C2P_MERCHANT_ID            merchant id (required)
C2P_MERCHANT_KEY           merchant private key: path or key URI (``file:``, ``pkcs11:`` ...)
C2P_MERCHANT_KEY_PASSWORD  password of an encrypted merchant key file (file keys only)
C2P_GATEWAY_KEY            gateway public key or certificate: path or key URI
C2P_ENDPOINT               ``sandbox`` (default), ``production`` or an ``https://`` URL
C2P_TRANSPORT              transport name; default ``urllib3`` (Client) / ``aiohttp`` (AsyncClient)
C2P_TIMEOUT                seconds for one whole HTTP exchange (default 60)
C2P_MAX_ATTEMPTS           attempts per call including the first (default 3; 1 disables retry)
C2P_CONTENT_TYPE           request Content-Type (default ``text/plain``)
C2P_CA_FILE                PEM bundle of CAs to trust instead of the system store
C2P_ACTION_PLUGINS         distributions whose plugins may load (read by the plugin manager)
========================== ==================================================================
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeAlias
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from c2p_action.client._retry import RetryPolicy
from c2p_action.errors import ConfigurationError
from c2p_action.transports.base import AsyncTransport, Transport, TransportOptions

__all__ = [
    "ENDPOINTS",
    "ENV_PREFIX",
    "PrivateKeySource",
    "PublicKeySource",
    "Settings",
    "resolve_endpoint",
]

ENDPOINTS: Final[Mapping[str, str]] = {
    "sandbox": "https://demo2.2c2p.com/2C2PFrontend/PaymentAction/2.0/action",
    "production": "https://t.2c2p.com/PaymentAction/2.0/action",
}
ENV_PREFIX: Final = "C2P_"

PrivateKeySource: TypeAlias = RSAPrivateKey | str | Path
"""A private key object, a path, or a key URI resolved through the plugin manager."""
PublicKeySource: TypeAlias = RSAPublicKey | str | Path
"""A public key object, a path (certificate, SPKI ...), or a key URI."""


def resolve_endpoint(endpoint: str) -> str:
    """Map ``"sandbox"``/``"production"`` to their URLs; accept an ``https`` URL as given.

    Plain ``http`` is accepted only for loopback hosts (local emulators and tests).
    """
    named = ENDPOINTS.get(endpoint.strip().lower())
    if named is not None:
        return named
    parts = urlsplit(endpoint)
    if parts.scheme == "https" and parts.hostname:
        return endpoint
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return endpoint
    raise ConfigurationError(
        "endpoint must be 'sandbox', 'production', an https:// URL, or http:// on loopback"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _describe_key(key: object) -> str:
    # Never let a key (or a password) reach a repr: show only what kind of source it is.
    if isinstance(key, RSAPrivateKey | RSAPublicKey):
        return f"<RSA-{key.key_size} object>"
    return repr(str(key))


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a client needs, validated once; immutable and safe to share.

    ``transport`` may be a registered name or a ready transport instance (the client then
    does not close it). ``endpoint`` defaults to the sandbox: production is reached only when
    asked for by name or by URL.
    """

    merchant_id: str
    merchant_key: PrivateKeySource = field(repr=False)
    gateway_key: PublicKeySource = field(repr=False)
    merchant_key_password: bytes | str | None = field(default=None, repr=False)
    endpoint: str = "sandbox"
    transport: str | Transport | AsyncTransport | None = None
    timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    content_type: str = "text/plain"
    accept: str | None = None
    max_connections: int = 10
    ca_file: str | None = None
    version: str = "3.8"
    max_token_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        if not self.merchant_id or len(self.merchant_id) > 15:
            raise ConfigurationError("merchant_id must be 1 to 15 characters")
        if not self.timeout > 0:
            raise ConfigurationError("timeout must be a positive number of seconds")
        if self.max_connections < 1:
            raise ConfigurationError("max_connections must be at least 1")
        object.__setattr__(self, "endpoint", resolve_endpoint(self.endpoint))

    def __repr__(self) -> str:
        return (
            f"Settings(merchant_id={self.merchant_id!r}, endpoint={self.endpoint!r},"
            f" merchant_key={_describe_key(self.merchant_key)},"
            f" gateway_key={_describe_key(self.gateway_key)},"
            f" transport={self.transport!r}, timeout={self.timeout:g})"
        )

    @property
    def key_password(self) -> bytes | None:
        """The merchant key password as bytes (``None`` when not set)."""
        password = self.merchant_key_password
        return password.encode() if isinstance(password, str) else password

    @property
    def transport_options(self) -> TransportOptions:
        """What a transport factory receives for these settings."""
        return TransportOptions(
            timeout=self.timeout,
            content_type=self.content_type,
            max_connections=self.max_connections,
            ca_file=self.ca_file,
            max_response_bytes=self.max_token_bytes,
        )

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``C2P_*`` variables; keyword ``overrides`` win over them."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for variable, (name, convert) in _ENV_FIELDS.items():
            raw = env.get(ENV_PREFIX + variable, "").strip()
            if raw:
                try:
                    values[name] = convert(raw)
                except (ValueError, ConfigurationError):
                    # The value itself stays out of the message: it may be a secret.
                    raise ConfigurationError(f"{ENV_PREFIX}{variable} is not valid") from None
        values.update(overrides)
        missing = [n for n in ("merchant_id", "merchant_key", "gateway_key") if n not in values]
        if missing:
            names = ", ".join(f"{n} ({ENV_PREFIX}{n.upper()})" for n in missing)
            raise ConfigurationError(f"missing settings: {names} (or pass them as arguments)")
        return cls(**values)


def _max_attempts(raw: str) -> RetryPolicy:
    return RetryPolicy(max_attempts=int(raw))


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError(raw)
    return value


# Variable suffix -> (Settings field, converter).
_ENV_FIELDS: Final[Mapping[str, tuple[str, Callable[[str], Any]]]] = {
    "MERCHANT_ID": ("merchant_id", str),
    "MERCHANT_KEY": ("merchant_key", str),
    "MERCHANT_KEY_PASSWORD": ("merchant_key_password", str),
    "GATEWAY_KEY": ("gateway_key", str),
    "ENDPOINT": ("endpoint", str),
    "TRANSPORT": ("transport", str),
    "TIMEOUT": ("timeout", _positive_float),
    "MAX_ATTEMPTS": ("retry", _max_attempts),
    "CONTENT_TYPE": ("content_type", str),
    "CA_FILE": ("ca_file", str),
}
