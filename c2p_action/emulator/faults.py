"""Faults an integration should survive, off by default and each switchable.

- ``latency``: seconds added before the request is processed;
- ``error_before``: answer an HTTP 5xx (``error_status``) without processing anything;
- ``drop_after_commit``: process and commit, then drop the connection without an answer
  (the case idempotency exists for);
- ``corrupt_response``: answer with a response token whose signature no longer verifies.

Each switchable fault fires according to a :class:`Trigger`: always, with a probability, and/or
only a limited number of times. :meth:`Faults.draw` decides once per request, thread-safely.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from c2p_action.errors import ConfigurationError

__all__ = ["FaultPlan", "Faults", "Trigger", "corrupt_token"]

_SWITCHES = ("error_before", "drop_after_commit", "corrupt_response")


@dataclass(frozen=True, slots=True)
class Trigger:
    """Fire with ``probability``, at most ``times`` times (``None``: without limit)."""

    probability: float = 1.0
    times: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise ConfigurationError("a fault probability must be between 0 and 1")
        if self.times is not None and self.times < 0:
            raise ConfigurationError("a fault count must not be negative")

    @classmethod
    def parse(cls, text: str | None) -> Trigger:
        """``None``/empty: always; ``0.25``: with that probability; ``3x``: the next 3 times."""
        if not text:
            return cls()
        try:
            if text.endswith("x"):
                return cls(times=int(text[:-1]))
            return cls(probability=float(text))
        except ValueError:
            raise ConfigurationError(
                f"fault trigger {text!r} is neither a probability (0.25) nor a count (3x)"
            ) from None


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What happens to one request."""

    latency: float = 0.0
    error_status: int | None = None
    drop_after_commit: bool = False
    corrupt_response: bool = False


class Faults:
    """The emulator's fault switches; ``Faults()`` is all off."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        error_before: Trigger | None = None,
        error_status: int = 503,
        drop_after_commit: Trigger | None = None,
        corrupt_response: Trigger | None = None,
        seed: int | None = None,
    ) -> None:
        if latency < 0:
            raise ConfigurationError("fault latency must not be negative")
        if not 500 <= error_status <= 599:
            raise ConfigurationError("fault error_status must be a 5xx status")
        self.latency = latency
        self.error_status = error_status
        self._triggers: dict[str, Trigger | None] = {
            "error_before": error_before,
            "drop_after_commit": drop_after_commit,
            "corrupt_response": corrupt_response,
        }
        self._fired = dict.fromkeys(_SWITCHES, 0)
        self._random = random.Random(seed)  # noqa: S311 - fault injection, not security
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, specs: Iterable[str], *, seed: int | None = None) -> Faults:
        """Faults from ``NAME[=VALUE]`` strings (the CLI's ``--fault``), for example
        ``latency=0.5``, ``error_before=0.2``, ``error_status=500``, ``drop_after_commit=1x``,
        ``corrupt_response``.
        """
        latency = 0.0
        error_status = 503
        triggers: dict[str, Trigger] = {}
        for spec in specs:
            name, _, value = spec.partition("=")
            name = name.strip().replace("-", "_")
            try:
                if name == "latency":
                    latency = float(value)
                elif name == "error_status":
                    error_status = int(value)
                elif name in _SWITCHES:
                    triggers[name] = Trigger.parse(value.strip())
                else:
                    known = ", ".join(("latency", "error_status", *_SWITCHES))
                    raise ConfigurationError(f"unknown fault {name!r}; known: {known}")
            except ValueError:
                raise ConfigurationError(f"fault {spec!r} has an invalid value") from None
        return cls(latency=latency, error_status=error_status, seed=seed, **triggers)

    @property
    def active(self) -> bool:
        """Whether any fault is switched on."""
        return self.latency > 0 or any(t is not None for t in self._triggers.values())

    def __repr__(self) -> str:
        on = [f"{n}={t}" for n, t in self._triggers.items() if t is not None]
        return f"Faults(latency={self.latency}, {', '.join(on) or 'no switches'})"

    def _fires(self, name: str) -> bool:
        trigger = self._triggers[name]
        if trigger is None:
            return False
        if trigger.times is not None and self._fired[name] >= trigger.times:
            return False
        if trigger.probability < 1.0 and self._random.random() >= trigger.probability:
            return False
        self._fired[name] += 1
        return True

    def draw(self) -> FaultPlan:
        """Decide the faults for one request (a request failed before processing gets no other)."""
        with self._lock:
            if self._fires("error_before"):
                return FaultPlan(self.latency, error_status=self.error_status)
            return FaultPlan(
                self.latency,
                drop_after_commit=self._fires("drop_after_commit"),
                corrupt_response=self._fires("corrupt_response"),
            )


def corrupt_token(token: bytes) -> bytes:
    """The token with one character in the middle of its signature changed.

    The middle, not the end: the last base64url character may carry only padding bits.
    """
    cut = token.rfind(b".") + 1
    if cut <= 0 or cut >= len(token):
        return token[::-1]
    at = cut + (len(token) - cut) // 2
    flipped = b"B" if token[at : at + 1] == b"A" else b"A"
    return token[:at] + flipped + token[at + 1 :]
