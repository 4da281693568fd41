"""The retry policy: a pure object that decides, from a failure and an attempt number, whether
and when to try again. No clock, no sleeping, no I/O: the clients do the waiting.

Retryable failures: transport errors flagged ``retryable`` (connection refused, timeouts,
broken connections), HTTP 5xx, and the gateway's own respCodes listed in
``retry_gateway_codes`` (by default only ``95`` "request timed out"). A failure is retried only
when the call is safe to repeat: inquiries always are; refund, void and settle only when they
carry an idempotencyID (the client adds one to refunds and voids).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from c2p_action.errors import C2PError, GatewayError, KeyProviderError, TransportError

__all__ = ["RetryPolicy"]


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How many attempts, which failures, and how long to wait between attempts.

    The wait before attempt ``n + 1`` is ``min(backoff_max, backoff_base * 2 ** (n - 1))``
    scaled by a factor drawn uniformly from ``[1 - jitter, 1]`` using ``random_source`` (inject a
    fixed source in tests).
    """

    max_attempts: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    jitter: float = 0.5
    retry_gateway_codes: frozenset[str] = frozenset({"95"})
    random_source: Callable[[], float] = field(
        default=random.random, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise ValueError("backoff times must not be negative")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that makes exactly one attempt."""
        return cls(max_attempts=1)

    def is_retryable(self, error: BaseException) -> bool:
        """Whether ``error`` is the kind of failure that may heal on another attempt.

        Yes for a :class:`TransportError` or a :class:`KeyProviderError` whose ``retryable`` is
        set (a connection refused or cut, a timeout, HTTP 5xx; a throttled or briefly
        unavailable HSM/KMS), and for a :class:`GatewayError` whose code is in
        ``retry_gateway_codes``. Whether the call may be repeated at all is decided separately
        (``safe`` in :meth:`delay_before_retry`).
        """
        if isinstance(error, TransportError | KeyProviderError):
            return error.retryable  # HttpStatusError sets it for 5xx
        if isinstance(error, GatewayError):
            return error.code in self.retry_gateway_codes
        return False

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))
        return ceiling * (1 - self.jitter * self.random_source())

    def delay_before_retry(self, error: C2PError, attempt: int, *, safe: bool) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up and raise ``error``.

        ``attempt`` is the number of the attempt that just failed; ``safe`` says whether the
        call may be repeated (an inquiry, or an operation with an idempotencyID).
        """
        if not safe or attempt >= self.max_attempts or not self.is_retryable(error):
            return None
        return self.backoff(attempt)
