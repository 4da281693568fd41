"""One ``Settings`` object for both clients and the CLI, from arguments and/or ``C2P_*`` variables.

========================== ==================================================================
Variable                   Meaning
========================== ==================================================================
C2P_MERCHANT_ID            merchant id (required)
C2P_MERCHANT_KEY           merchant private key: path or key URI (``file:``, ``pkcs11:`` ...);
                           several, comma-separated, newest first, while keys rotate
C2P_MERCHANT_KEY_PASSWORD  password of the encrypted merchant key file(s)
C2P_GATEWAY_KEY            2C2P's certificate or public key: path or key URI; several,
                           comma-separated, current first, while 2C2P rotates. Default in the
                           sandbox: 2C2P's published sandbox certificate (bundled)
C2P_ENVIRONMENT            ``sandbox`` (default), ``production`` or a base URL
C2P_TRANSPORT              transport name; default ``urllib3`` (Client) / ``aiohttp`` (AsyncClient)
C2P_TIMEOUT                seconds for one whole HTTP exchange (default 60)
C2P_MAX_ATTEMPTS           attempts per call including the first (default 3; 1 disables retry)
C2P_CONTENT_TYPE           request Content-Type (default ``text/plain``)
C2P_CA_FILE                PEM bundle of CAs to trust instead of the system store
C2P_PROXY                  HTTP proxy to reach the gateway through:
                           ``http://[user:password@]host:port`` (``HTTPS_PROXY`` is not read)
C2P_ACTION_PLUGINS         distributions whose plugins may load (read by the plugin manager)
========================== ==================================================================
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypeAlias

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from c2p_action.client._retry import RetryPolicy
from c2p_action.errors import ConfigurationError, UnknownOptionError
from c2p_action.operations import Endpoint, Environment, operation_paths
from c2p_action.transports.base import AsyncTransport, ProxyURL, Transport, TransportOptions

__all__ = [
    "ENV_PREFIX",
    "SANDBOX_CERTIFICATE",
    "PrivateKeySource",
    "PublicKeySource",
    "Settings",
]

ENV_PREFIX: Final = "C2P_"

PrivateKeySource: TypeAlias = RSAPrivateKey | str | Path
"""A private key object, a path, or a key URI resolved through the plugin manager."""
PublicKeySource: TypeAlias = RSAPublicKey | str | Path
"""A public key object, a path (certificate, SPKI ...), or a key URI."""

#: 2C2P's published sandbox certificate for this envelope (``O=2C2P Demo, OU=2c2p, CN=2c2p``,
#: valid 2020-10-29 to 2030-10-27), shipped with the library. It is the default gateway key
#: in the sandbox only: never for production or a custom base URL.
SANDBOX_CERTIFICATE: Final = Path(
    str(resources.files("c2p_action").joinpath("data/2c2p-sandbox-jwe-cert.pem"))
)


def _describe_key(key: object) -> str:
    # Never let a key (or a password) reach a repr: show only what kind of source it is.
    if isinstance(key, RSAPrivateKey | RSAPublicKey):
        return f"<RSA-{key.key_size} object>"
    if isinstance(key, tuple | list):
        return "[" + ", ".join(_describe_key(k) for k in key) + "]"
    return repr(str(key))


def _keys(value: object) -> tuple[Any, ...]:
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return tuple(value)
    return (value,)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a client needs, validated once; immutable and safe to share.

    ``environment`` is ``"sandbox"`` (default), ``"production"`` or a base URL (a local
    emulator, a proxy): each operation's URL is derived from it, so nobody assembles URLs.
    ``gateway_key`` defaults to 2C2P's bundled sandbox certificate in the sandbox, and is
    required anywhere else. Keys may be lists while they rotate: ``merchant_key`` newest first
    (the first signs; answers are decrypted with whichever fits), ``gateway_key`` current first
    (the first is encrypted to; answers verified by any are accepted). ``max_attempts``, when
    given, replaces ``retry.max_attempts`` (it is what ``C2P_MAX_ATTEMPTS`` sets).
    ``transport`` may be a registered name or a ready transport instance (the client then does
    not close it). ``proxy`` is an egress HTTP proxy (``http://[user:password@]host:port``);
    proxy variables such as ``HTTPS_PROXY`` are never read, so egress is always explicit.
    """

    merchant_id: str
    merchant_key: PrivateKeySource | Sequence[PrivateKeySource] = field(repr=False)
    gateway_key: PublicKeySource | Sequence[PublicKeySource] | None = field(
        default=None, repr=False
    )
    merchant_key_password: bytes | str | None = field(default=None, repr=False)
    environment: str = "sandbox"
    transport: str | Transport | AsyncTransport | None = None
    timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_attempts: int | None = None
    content_type: str = "text/plain"
    accept: str | None = None
    max_connections: int = 10
    ca_file: str | None = None
    proxy: str | None = field(default=None, repr=False)
    version: str = "3.8"
    max_token_bytes: int = 1 << 20
    _environment: Environment = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.merchant_id, str) or not 0 < len(self.merchant_id) <= 15:
            raise ConfigurationError("merchant_id must be a string of 1 to 15 characters")
        if not _is_number(self.timeout) or not self.timeout > 0:
            raise ConfigurationError("timeout must be a positive number of seconds")
        if not _is_int(self.max_connections) or self.max_connections < 1:
            raise ConfigurationError("max_connections must be an int of at least 1")
        if not _is_int(self.max_token_bytes) or self.max_token_bytes < 1:
            raise ConfigurationError("max_token_bytes must be a positive int")
        if not isinstance(self.retry, RetryPolicy):
            raise ConfigurationError("retry must be a RetryPolicy")
        if self.max_attempts is not None:
            if not _is_int(self.max_attempts) or self.max_attempts < 1:
                raise ConfigurationError("max_attempts must be an int of at least 1")
            if self.retry.max_attempts != self.max_attempts:
                object.__setattr__(
                    self, "retry", dataclasses.replace(self.retry, max_attempts=self.max_attempts)
                )
        for name in ("content_type", "version"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ConfigurationError(f"{name} must be a non-empty string")
        if not _keys(self.merchant_key) or any(
            not isinstance(k, RSAPrivateKey | str | Path) for k in _keys(self.merchant_key)
        ):
            raise ConfigurationError("merchant_key must be a key, a path or a key URI (or a list)")
        if self.gateway_key is not None and (
            not _keys(self.gateway_key)
            or any(not isinstance(k, RSAPublicKey | str | Path) for k in _keys(self.gateway_key))
        ):
            raise ConfigurationError("gateway_key must be a key, a path or a key URI (or a list)")
        if self.proxy is not None:
            ProxyURL.parse(self.proxy)
        environment = Environment.parse(self.environment, operation_paths=operation_paths())
        object.__setattr__(self, "_environment", environment)
        object.__setattr__(self, "environment", str(environment))
        if self.gateway_key is None and not environment.is_sandbox:
            raise ConfigurationError(
                f"gateway_key (C2P_GATEWAY_KEY) is required for the {environment.name}"
                " environment: only the sandbox has a default (2C2P's published sandbox"
                " certificate)"
            )

    def __repr__(self) -> str:
        return (
            f"Settings(merchant_id={self.merchant_id!r}, environment={self.environment!r},"
            f" merchant_key={_describe_key(self.merchant_key)},"
            f" gateway_key={_describe_key(self.gateway_keys)},"
            f" transport={self.transport!r}, timeout={self.timeout:g}"
            + ("" if self.proxy_url is None else f", proxy={self.proxy_url.masked!r}")
            + ")"
        )

    @property
    def proxy_url(self) -> ProxyURL | None:
        """The parsed ``proxy`` (its password kept out of its repr), or ``None``."""
        return None if self.proxy is None else ProxyURL.parse(self.proxy)

    @property
    def env(self) -> Environment:
        """The parsed environment."""
        return self._environment

    def url_for(self, endpoint: Endpoint) -> str:
        """The URL an operation with ``endpoint`` is posted to."""
        return self._environment.url_for(endpoint)

    @property
    def merchant_keys(self) -> tuple[PrivateKeySource, ...]:
        """The merchant key sources, newest (the signing key) first."""
        return _keys(self.merchant_key)

    @property
    def gateway_keys(self) -> tuple[PublicKeySource, ...]:
        """The gateway key sources, current first (the sandbox certificate by default)."""
        if self.gateway_key is None:
            return (SANDBOX_CERTIFICATE,)
        return _keys(self.gateway_key)

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
            proxy=self.proxy,
        )

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validated again)."""
        _check_fields("Settings.replace", changes)
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``C2P_*`` variables; keyword ``overrides`` win over them."""
        _check_fields("Settings.from_env", overrides)
        env = os.environ if environ is None else environ
        for old, new in _RENAMED.items():
            if env.get(ENV_PREFIX + old, "").strip():
                raise ConfigurationError(
                    f"{ENV_PREFIX}{old} was renamed {ENV_PREFIX}{new}"
                    " (sandbox, production or a base URL)"
                )
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
        missing = [n for n in ("merchant_id", "merchant_key") if n not in values]
        if missing:
            names = ", ".join(f"{n} ({ENV_PREFIX}{n.upper()})" for n in missing)
            raise ConfigurationError(f"missing settings: {names} (or pass them as arguments)")
        return cls(**values)


#: Settings a caller may pass (every field but the derived one).
SETTING_NAMES: Final = frozenset(
    f.name for f in dataclasses.fields(Settings) if f.init
)
_RENAMED: Final = {"ENDPOINT": "ENVIRONMENT"}


def _check_fields(where: str, given: Mapping[str, Any]) -> None:
    unknown = set(given) - SETTING_NAMES
    if unknown:
        if "endpoint" in unknown:
            raise ConfigurationError(
                "'endpoint' was renamed 'environment' (sandbox, production or a base URL)"
            )
        raise UnknownOptionError(where, unknown, SETTING_NAMES)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _key_list(raw: str) -> str | tuple[str, ...]:
    parts = tuple(part.strip() for part in raw.split(",") if part.strip())
    if not parts:
        raise ValueError(raw)
    return parts[0] if len(parts) == 1 else parts


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError(raw)
    return value


# Variable suffix -> (Settings field, converter).
_ENV_FIELDS: Final[Mapping[str, tuple[str, Callable[[str], Any]]]] = {
    "MERCHANT_ID": ("merchant_id", str),
    "MERCHANT_KEY": ("merchant_key", _key_list),
    "MERCHANT_KEY_PASSWORD": ("merchant_key_password", str),
    "GATEWAY_KEY": ("gateway_key", _key_list),
    "ENVIRONMENT": ("environment", str),
    "TRANSPORT": ("transport", str),
    "TIMEOUT": ("timeout", _positive_float),
    "MAX_ATTEMPTS": ("max_attempts", int),
    "CONTENT_TYPE": ("content_type", str),
    "CA_FILE": ("ca_file", str),
    "PROXY": ("proxy", str),
}
