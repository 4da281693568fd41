"""Posting refund notifications to merchants' notifyURL, over real HTTP with urllib3.

One :meth:`Notifier.send` is one attempt; the retry schedule is the pure
:meth:`DeliverySchedule.delay`, and the emulator's outbox decides when to call again, so a restart
resumes pending deliveries and tests can drive the schedule with a fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlencode, urlsplit

import urllib3

from c2p_action.errors import ConfigurationError

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


class Notifier:
    """Sends one notification attempt and says whether the merchant acknowledged it (2xx)."""

    def __init__(
        self,
        *,
        format: NotificationFormat | str = NotificationFormat.TOKEN,
        retry: DeliverySchedule | None = None,
        timeout: float = 10.0,
        pool: urllib3.PoolManager | None = None,
    ) -> None:
        self.format = NotificationFormat(format)
        self.retry = retry or DeliverySchedule()
        self._timeout = urllib3.Timeout(total=timeout)
        self._pool = pool or urllib3.PoolManager(retries=False)

    def __repr__(self) -> str:
        return f"Notifier(format={self.format.value!r}, retry={self.retry})"

    def encode(self, token: str) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a notification carrying ``token``."""
        if self.format is NotificationFormat.FORM:
            return (
                urlencode({"notifyResponse": token}).encode("ascii"),
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
        return token.encode("ascii"), {"Content-Type": "text/plain"}

    def send(self, url: str, token: str) -> str | None:
        """POST once; ``None`` when acknowledged with 2xx, else why not (no body content)."""
        if urlsplit(url).scheme not in ("http", "https"):
            return "notifyURL is not an http(s) URL"
        body, headers = self.encode(token)
        try:
            response = self._pool.request(
                "POST", url, body=body, headers=headers, timeout=self._timeout,
                redirect=False, retries=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            return f"no answer: {type(exc).__name__}"
        if 200 <= response.status < 300:
            return None
        return f"answered HTTP {response.status}"

    def close(self) -> None:
        """Release pooled connections."""
        self._pool.clear()
