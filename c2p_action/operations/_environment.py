"""Environments: which hosts answer, and each operation's URL derived from its endpoint.

An integrator names an environment (``sandbox``, ``production``) or gives a base URL (a local
emulator, a test server, a forwarding proxy) and never assembles an operation's URL: 2C2P prints
different paths for the same operation in each environment (``/2C2PFrontend/PaymentAction/2.0``
in the sandbox, ``/PaymentAction/2.0`` in production), and some families live on other hosts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from c2p_action.errors import ConfigurationError
from c2p_action.operations._spec import Endpoint

__all__ = ["ENVIRONMENTS", "Environment"]

#: Hosts of each named environment, per service (see :class:`~c2p_action.operations.Endpoint`).
ENVIRONMENTS: Final[Mapping[str, Mapping[str, str]]] = {
    "sandbox": {"frontend": "https://demo2.2c2p.com", "pgw": "https://sandbox-pgw.2c2p.com"},
    "production": {"frontend": "https://t.2c2p.com", "pgw": "https://pgw.2c2p.com"},
}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Environment:
    """``sandbox``, ``production``, or a custom base URL (``name`` is then ``"custom"``)."""

    name: str
    base_url: str | None = None

    @classmethod
    def parse(cls, text: str, *, operation_paths: Iterable[str] = ()) -> Environment:
        """Read ``sandbox``, ``production`` or a base URL.

        A base URL must be ``https``, or ``http`` on a loopback host (local emulators and
        tests). ``operation_paths`` are the paths operations append: a URL that already ends
        in one is refused, since the operation's path would be appended twice.
        """
        if not isinstance(text, str) or not text.strip():
            raise ConfigurationError("environment must be 'sandbox', 'production' or a base URL")
        named = text.strip().lower()
        if named in ENVIRONMENTS:
            return cls(named)
        parts = urlsplit(text.strip())
        secure = parts.scheme == "https" and bool(parts.hostname)
        host = parts.hostname or ""
        local = parts.scheme == "http" and bool(host) and _is_loopback(host)
        if not (secure or local) or parts.query or parts.fragment:
            raise ConfigurationError(
                "environment must be 'sandbox', 'production', an https:// base URL, or an"
                " http:// base URL on loopback"
            )
        base = text.strip().rstrip("/")
        for path in operation_paths:
            if path and base.lower().endswith(path.rstrip("/").lower()):
                raise ConfigurationError(
                    f"environment is a base URL, not an operation's URL: drop {path!r}"
                    f" (use {base[: len(base) - len(path.rstrip('/'))] or base!r})"
                )
        return cls("custom", base)

    @property
    def is_sandbox(self) -> bool:
        """Whether this is 2C2P's sandbox."""
        return self.name == "sandbox"

    @property
    def is_production(self) -> bool:
        """Whether this is 2C2P's production."""
        return self.name == "production"

    def url_for(self, endpoint: Endpoint) -> str:
        """The URL an operation with ``endpoint`` is posted to in this environment."""
        if self.base_url is not None:
            return self.base_url + endpoint.sandbox_path
        hosts = ENVIRONMENTS[self.name]
        path = endpoint.sandbox_path if self.is_sandbox else endpoint.production_path
        return hosts[endpoint.service] + path

    def __str__(self) -> str:
        return self.base_url or self.name
