"""The retry policy is pure: decisions and waits from (error, attempt, safety) and a draw."""

from __future__ import annotations

import pytest

from c2p_action.client import RetryPolicy
from c2p_action.errors import (
    DecryptionError,
    GatewayFailureError,
    HttpStatusError,
    NotAllowedError,
    SignatureError,
    TransportError,
)


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (TransportError("refused", retryable=True), True),
        (TransportError("TLS failed", retryable=False), False),
        (HttpStatusError(503), True),
        (HttpStatusError(500), True),
        (HttpStatusError(400), False),
        (HttpStatusError(401), False),
        (GatewayFailureError("95", "Request timed out"), True),
        (GatewayFailureError("99", "Unable to complete"), False),
        (NotAllowedError("41", "Refund not allowed"), False),
        (SignatureError("bad signature"), False),
        (DecryptionError("bad key"), False),
    ],
)
def test_which_failures_are_retryable(error: Exception, retryable: bool) -> None:
    assert RetryPolicy().is_retryable(error) is retryable


def test_unsafe_calls_are_never_retried() -> None:
    policy = RetryPolicy()
    error = HttpStatusError(503)

    assert policy.delay_before_retry(error, 1, safe=False) is None
    assert policy.delay_before_retry(error, 1, safe=True) is not None


def test_attempts_stop_at_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    error = TransportError("timeout", retryable=True)

    decisions = [policy.delay_before_retry(error, n, safe=True) is not None for n in (1, 2, 3)]

    assert decisions == [True, True, False]
    assert RetryPolicy.never().delay_before_retry(error, 1, safe=True) is None


def test_backoff_doubles_up_to_the_cap_without_jitter_draw() -> None:
    # draw 0.0 -> factor 1 - jitter * 0 = 1: the ceiling itself.
    policy = RetryPolicy(backoff_base=0.5, backoff_max=3.0, random_source=lambda: 0.0)

    assert [policy.backoff(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_scales_down_by_the_injected_draw() -> None:
    policy = RetryPolicy(backoff_base=1.0, jitter=0.5, random_source=lambda: 1.0)

    assert policy.backoff(1) == 0.5
    assert policy.backoff(2) == 1.0


def test_jitter_uses_the_random_source_on_every_call() -> None:
    draws = iter([0.0, 0.5, 1.0])
    policy = RetryPolicy(backoff_base=2.0, jitter=1.0, random_source=lambda: next(draws))

    assert [policy.backoff(1) for _ in range(3)] == [2.0, 1.0, 0.0]


def test_extra_gateway_codes_can_be_made_retryable() -> None:
    policy = RetryPolicy(retry_gateway_codes=frozenset({"95", "99"}))

    assert policy.is_retryable(GatewayFailureError("99", "Unable to complete"))


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 0}, {"backoff_base": -1.0}, {"jitter": 1.5}, {"backoff_max": -2.0}],
)
def test_nonsense_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
