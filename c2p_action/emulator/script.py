"""Scripted answers: "the next N requests matching merchant / invoice / processType get X".

Faults (:mod:`.faults`) break the transport; a scripted answer is a well-formed gateway answer
with any respCode of 2C2P's table (95 "Request timed out", 46 "Insufficient funds to perform
refund", 54 ...), sealed like a real one, so an integration can be tested on codes the rules
never produce on their own. The answer carries the code's documented respDesc and a sensible
status (see :func:`sensible_status`), unless told otherwise.

A scripted answer replaces processing: nothing is committed and its idempotencyID is not
remembered, so the retry that follows it is processed normally. It answers well-formed
requests only: a request refused for its form (02, 03, 10, 11, 17, 18, 96) gets that refusal
and leaves the scripted answer for the next one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from c2p_action.emulator.model import Transaction
from c2p_action.emulator.rules import DESCRIPTIONS, PROCESS_TYPES, Action, Decision
from c2p_action.errors import ConfigurationError

__all__ = ["Script", "ScriptedAnswer", "sensible_status"]

_CODE = re.compile(r"[0-9]{2}")
# Keys of the CLI form and of the control endpoint's JSON, to ScriptedAnswer fields.
_KEYS = {
    "times": "times",
    "merchant": "merchant_id",
    "merchant_id": "merchant_id",
    "invoice": "invoice_no",
    "invoice_no": "invoice_no",
    "type": "process_type",
    "process_type": "process_type",
    "status": "status",
    "desc": "description",
    "description": "description",
}
_SUCCESS_STATUS = {"R": "RF", "V": "V", "S": "RS"}


def sensible_status(code: str, process_type: str | None, txn: Transaction | None) -> str | None:
    """The status a scripted answer reports when none is given.

    42 (refund pending) reports ``RP``; 00 reports what success would (``RF`` for a refund,
    ``V`` for a void, ``RS`` for a settle, the transaction's own status for an inquiry or a
    refund status); any other code reports the transaction's current status, as the rules'
    refusals do (nothing when the invoice is unknown).
    """
    if code == "42":
        return "RP"
    if code == "00" and process_type in _SUCCESS_STATUS:
        return _SUCCESS_STATUS[process_type]
    return None if txn is None else txn.status


@dataclass(frozen=True, slots=True)
class ScriptedAnswer:
    """Answer ``code`` to the next ``times`` requests (``None``: all, until cleared) that
    match every filter given (``merchant_id``, ``invoice_no``, ``process_type``).

    ``status``/``description`` override the sensible status and the table's respDesc; a code
    outside 2C2P's table needs its ``description``.
    """

    code: str
    times: int | None = 1
    merchant_id: str | None = None
    invoice_no: str | None = None
    process_type: str | None = None
    status: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE.fullmatch(self.code):
            raise ConfigurationError(f"a scripted respCode is two digits, not {self.code!r}")
        if self.code not in DESCRIPTIONS and self.description is None:
            raise ConfigurationError(
                f"respCode {self.code} is not in 2C2P's table: give its description"
            )
        if self.times is not None and (
            isinstance(self.times, bool) or not isinstance(self.times, int) or self.times < 1
        ):
            raise ConfigurationError("a scripted answer is used at least once (times >= 1)")
        if self.process_type is not None and self.process_type not in PROCESS_TYPES:
            known = ", ".join(sorted(PROCESS_TYPES))
            raise ConfigurationError(f"processType {self.process_type!r} is not one of {known}")
        if self.status is not None and not 1 <= len(self.status) <= 3:
            raise ConfigurationError("a status is one to three characters")
        if self.description is not None and len(self.description) > 250:
            raise ConfigurationError("a respDesc is at most 250 characters")

    @classmethod
    def parse(cls, spec: str) -> ScriptedAnswer:
        """``CODE[:KEY=VALUE,...]`` (the CLI's ``--answer``), keys ``times`` (a number or
        ``all``), ``merchant``, ``invoice``, ``type``, ``status``, ``desc``; for example
        ``95``, ``95:times=2,type=R`` or ``46:invoice=INV-9``.
        """
        code, _, rest = spec.strip().partition(":")
        fields: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in rest.split(","))):
            key, sep, value = item.partition("=")
            if not sep:
                raise ConfigurationError(f"scripted answer {spec!r}: {item!r} is not KEY=VALUE")
            fields[key.strip()] = value.strip()
        return cls.from_mapping({"code": code.strip(), **fields})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ScriptedAnswer:
        """From JSON-like data (the control endpoint): ``code`` plus the keys of :meth:`parse`
        or the field names."""
        if not isinstance(data, Mapping) or "code" not in data:
            raise ConfigurationError("a scripted answer needs a code")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == "code":
                continue
            name = _KEYS.get(key)
            if name is None:
                known = ", ".join(["code", *sorted(_KEYS)])
                raise ConfigurationError(f"scripted answer: unknown key {key!r}; known: {known}")
            if value is not None and name != "times" and not isinstance(value, str):
                raise ConfigurationError(f"scripted answer: {key} must be a string")
            values[name] = value
        values["times"] = _times(values.get("times", 1))
        return cls(code=str(data["code"]), **values)

    def to_mapping(self) -> dict[str, Any]:
        """JSON-ready form (``times`` ``None`` means every matching request)."""
        return {
            "code": self.code,
            "times": self.times,
            "merchant_id": self.merchant_id,
            "invoice_no": self.invoice_no,
            "process_type": self.process_type,
            "status": self.status,
            "description": self.description,
        }

    def matches(self, merchant_id: str, action: Action) -> bool:
        """Whether a request of ``merchant_id`` doing ``action`` is one this answer is for."""
        return (
            (self.merchant_id is None or self.merchant_id == merchant_id)
            and (self.invoice_no is None or self.invoice_no == action.invoice_no)
            and (self.process_type is None or self.process_type == action.process_type)
        )

    def decision(self, action: Action, txn: Transaction | None) -> Decision:
        """The answer to ``action``: this code, its respDesc, a sensible status and amount."""
        status = self.status or sensible_status(self.code, action.process_type, txn)
        amount = action.amount if action.amount is not None else (txn.amount if txn else None)
        return Decision(self.code, status, amount, desc=self.description)


def _times(value: object) -> int | None:
    if value is None or value == "all":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ConfigurationError(f"scripted answer: times must be a count or 'all', not {value!r}")


@dataclass(slots=True)
class _Entry:
    answer: ScriptedAnswer
    left: int | None  # uses left; None: until cleared


class Script:
    """The emulator's scripted answers, first added first used; safe to share between threads."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Script({len(self.pending())} pending)"

    def add(self, answer: ScriptedAnswer) -> ScriptedAnswer:
        """Queue ``answer`` after those already queued."""
        with self._lock:
            self._entries.append(_Entry(answer, answer.times))
        return answer

    def take(self, merchant_id: str, action: Action) -> ScriptedAnswer | None:
        """The first queued answer matching this request, using it up once; ``None`` if none."""
        with self._lock:
            for entry in self._entries:
                if entry.answer.matches(merchant_id, action):
                    if entry.left is not None:
                        entry.left -= 1
                        if entry.left == 0:
                            self._entries.remove(entry)
                    return entry.answer
        return None

    def pending(self) -> list[ScriptedAnswer]:
        """The queued answers, ``times`` being the uses left."""
        with self._lock:
            return [replace(entry.answer, times=entry.left) for entry in self._entries]

    def clear(self) -> None:
        """Drop every queued answer."""
        with self._lock:
            self._entries.clear()
