"""Posting refund notifications to merchants' notifyURL, over real HTTP with urllib3.

One :meth:`Notifier.send` is one attempt; the retry schedule is the pure
:meth:`DeliverySchedule.delay`, and the emulator's outbox decides when to call again, so a restart
resumes pending deliveries and tests can drive the schedule with a fake clock.

An attempt is one exchange that ends by its ``timeout``, however slowly the receiver answers
(the same deadline watchdog as the client's urllib3 transport). By default the emulator posts to
whatever notifyURL a request names, as 2C2P does; ``allowed_hosts`` locks a shared emulator down
to known receivers, so that it cannot be used to reach other hosts and ports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from urllib.parse import SplitResult, urlencode, urlsplit

import urllib3

from c2p_action.errors import ConfigurationError
from c2p_action.transports._deadline import WATCHDOG, deadline, use_deadlines

__all__ = ["DeliverySchedule", "NotificationFormat", "NotificationSender", "Notifier"]


class NotificationFormat(StrEnum):
    """How the token travels: the raw body, or the ``notifyResponse`` form field."""

    TOKEN = "token"  # noqa: S105 - a format name, not a secret
    FORM = "form"


@dataclass(frozen=True, slots=True)
class DeliverySchedule:
    """When to try a notification again: ``first_delay * factor**(n-1)`` seconds after the
    n-th failed attempt, at most ``max_delay``, and no more than ``max_attempts`` attempts.

    (Named apart from :class:`c2p_action.RetryPolicy`, the client's retry policy.)
    """

    max_attempts: int = 8
    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 300.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.first_delay < 0 or self.factor < 1 or self.max_delay < 0:
            raise ConfigurationError(
                "delivery schedule needs max_attempts >= 1 and non-negative delays"
            )

    def delay(self, failed_attempts: int) -> float | None:
        """Seconds to wait after ``failed_attempts`` failures; ``None`` once the budget is spent."""
        if failed_attempts >= self.max_attempts:
            return None
        return min(self.max_delay, self.first_delay * self.factor ** (failed_attempts - 1))


class NotificationSender(Protocol):
    """What the emulator needs to deliver notifications; :class:`Notifier` is the HTTP one.

    Another implementation can hand tokens to a receiver in process (a demo, a unit test).
    """

    retry: DeliverySchedule

    def send(self, url: str, token: str) -> str | None:
        """One attempt: ``None`` when acknowledged, otherwise a short reason."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


# A receiver's answer body means nothing here; this much is read so the connection can be
# reused, and a longer one is cut off.
_MAX_ANSWER_BYTES = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Notifier:
    """Sends one notification attempt and says whether the merchant acknowledged it (2xx).

    ``timeout`` bounds the whole attempt (connect, send, status line, headers, body).
    ``allowed_hosts`` (``None``: any host, the default) lists the receivers it may post to:
    ``"host"`` for any port, ``"host:port"`` or ``"[v6 address]:port"`` for one. Names are
    compared as written in the notifyURL, case-insensitively, and never resolved, so list IP
    literals to pin addresses. A notifyURL elsewhere is refused without a connection.
    """

    def __init__(
        self,
        *,
        format: NotificationFormat | str = NotificationFormat.TOKEN,
        retry: DeliverySchedule | None = None,
        timeout: float = 10.0,
        pool: urllib3.PoolManager | None = None,
        allowed_hosts: Iterable[str] | None = None,
    ) -> None:
        if not timeout > 0:
            raise ConfigurationError(f"notifier timeout must be positive, not {timeout!r}")
        self.format = NotificationFormat(format)
        self.retry = retry or DeliverySchedule()
        self._timeout = timeout
        self._pool = use_deadlines(pool or urllib3.PoolManager(retries=False))
        self.allowed_hosts = (
            None if allowed_hosts is None else frozenset(map(_allow_entry, allowed_hosts))
        )

    def __repr__(self) -> str:
        allowed = "any" if self.allowed_hosts is None else len(self.allowed_hosts)
        return (
            f"Notifier(format={self.format.value!r}, retry={self.retry},"
            f" timeout={self._timeout:g}, allowed_hosts={allowed})"
        )

    def encode(self, token: str) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a notification carrying ``token``."""
        if self.format is NotificationFormat.FORM:
            return (
                urlencode({"notifyResponse": token}).encode("ascii"),
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
        return token.encode("ascii"), {"Content-Type": "text/plain"}

    def allows(self, url: str) -> bool:
        """Whether ``url`` is an http(s) URL on an allowed host (see ``allowed_hosts``)."""
        try:
            parts = urlsplit(url)
            return parts.scheme in _DEFAULT_PORTS and self._host_allowed(parts)
        except ValueError:  # an unusable port or host
            return False

    def _host_allowed(self, parts: SplitResult) -> bool:
        if parts.hostname is None:
            return False
        if self.allowed_hosts is None:
            return True
        allowed, host = self.allowed_hosts, parts.hostname
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
        return (host, None) in allowed or (host, port) in allowed

    def send(self, url: str, token: str) -> str | None:
        """POST once; ``None`` when acknowledged with 2xx, else why not (no body content)."""
        if urlsplit(url).scheme not in _DEFAULT_PORTS:
            return "notifyURL is not an http(s) URL"
        if not self.allows(url):
            return "notifyURL host is not allowed"
        body, headers = self.encode(token)
        timeout = self._timeout
        with deadline(timeout) as exchange:
            try:
                response = self._pool.request(
                    "POST",
                    url,
                    body=body,
                    headers=headers,
                    timeout=urllib3.Timeout(connect=timeout, read=timeout),
                    redirect=False,
                    retries=False,
                    preload_content=False,
                )
                try:
                    complete = _drain(response)
                finally:
                    if WATCHDOG.finish(exchange) or not complete:
                        response.close()  # shut down or cut off: not for reuse
                    response.release_conn()
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                if WATCHDOG.finish(exchange):
                    return f"no answer within {timeout:g}s"
                return f"no answer: {type(exc).__name__}"
            if exchange.expired:
                return f"no answer within {timeout:g}s"
        if 200 <= response.status < 300:
            return None
        return f"answered HTTP {response.status}"

    def close(self) -> None:
        """Release pooled connections."""
        self._pool.clear()


def _drain(response: urllib3.BaseHTTPResponse) -> bool:
    """Read and drop the answer body; ``False`` if it was longer than worth reading."""
    left = _MAX_ANSWER_BYTES
    while chunk := response.read1(left + 1):
        left -= len(chunk)
        if left < 0:
            return False
    return True


def _allow_entry(entry: str) -> tuple[str, int | None]:
    """``"host"`` or ``"host:port"`` (IPv6 in brackets) as (lower-case host, port or None)."""
    try:
        parts = urlsplit(f"//{entry.strip()}")
        host, port = parts.hostname, parts.port
    except ValueError:
        host = None
    if not host or parts.path or parts.query or parts.fragment or parts.username is not None:
        raise ConfigurationError(
            f"allowed host {entry!r} is not HOST or HOST:PORT (IPv6 as [ADDRESS]:PORT)"
        )
    return host, port
