"""Logging for the clients under the ``c2p_action.client`` logger.

INFO: one line per call (operation, the request fields the operation lists in ``log_fields``,
response code, attempts, duration, and the error class when it failed); retries at DEBUG.
DEBUG: the request and response bodies, with every field the operation lists in ``masked``
masked (account numbers keep their last four characters, names are masked whole, card numbers
keep their first six and last four digits). Tokens are never logged, only their length; keys
never reach this module.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Final

from c2p_action.operations import BodyFormat, Mask, PreparedCall, read_field

__all__ = ["log_body", "log_outcome", "logger", "mask_value", "redact_json", "redact_xml"]

logger: Final = logging.getLogger("c2p_action.client")
# A library must not print through logging's last-resort handler when the app set none up.
logger.addHandler(logging.NullHandler())

#: What APM refunds carry about the customer's bank account (the payment family's masks).
_DEFAULT_MASKS: Final = {"accountNumber": Mask.LAST4, "accountName": Mask.ALL}


def mask_value(value: str, mask: Mask) -> str:
    """``value`` as it may be shown under ``mask``."""
    value = value.strip()
    if mask is Mask.LAST4:
        visible = value[-4:] if len(value) >= 8 else ""
        return "*" * (len(value) - len(visible)) + visible
    if mask is Mask.PAN:
        if len(value) < 13:
            return "X" * len(value)
        return value[:6] + "X" * (len(value) - 10) + value[-4:]
    return "***"


@lru_cache(maxsize=64)
def _element(name: str) -> re.Pattern[bytes]:
    # [^<]* cannot backtrack: linear in the size of the document.
    tag = re.escape(name.encode())
    return re.compile(rb"(<(?:[\w.-]+:)?" + tag + rb">)([^<]*)(</(?:[\w.-]+:)?" + tag + rb">)")


def _replacer(mask: Mask) -> Callable[[re.Match[bytes]], bytes]:
    def replace(match: re.Match[bytes]) -> bytes:
        text = match.group(2).decode("utf-8", errors="replace")
        return match.group(1) + mask_value(text, mask).encode() + match.group(3)

    return replace


def redact_xml(xml: bytes, masked: Mapping[str, Mask] = _DEFAULT_MASKS) -> str:
    """The XML as text with the ``masked`` elements masked."""
    for name, mask in masked.items():
        xml = _element(name).sub(_replacer(mask), xml)
    return xml.decode("utf-8", errors="replace")


@lru_cache(maxsize=64)
def _member(name: str) -> re.Pattern[bytes]:
    # A JSON string ("..." with escapes) or number; the alternatives are disjoint: linear.
    key = re.escape(name.encode())
    return re.compile(rb'("' + key + rb'"\s*:\s*)(?:"((?:[^"\\]|\\.)*)"|([-+0-9.eE]+))')


def _json_replacer(mask: Mask) -> Callable[[re.Match[bytes]], bytes]:
    def replace(match: re.Match[bytes]) -> bytes:
        raw = match.group(2) if match.group(2) is not None else match.group(3)
        text = raw.decode("utf-8", errors="replace")
        return match.group(1) + b'"' + mask_value(text, mask).encode() + b'"'

    return replace


def redact_json(body: bytes, masked: Mapping[str, Mask]) -> str:
    """The JSON as text with the ``masked`` members masked (names match exactly)."""
    for name, mask in masked.items():
        body = _member(name).sub(_json_replacer(mask), body)
    return body.decode("utf-8", errors="replace")


def log_body(direction: str, call: PreparedCall, body: bytes) -> None:
    """DEBUG-log one message's body, redacted (callers check ``isEnabledFor`` first)."""
    operation = call.operation
    logger.debug(
        "%s %s %s: %s",
        operation.name,
        direction,
        operation.body.value.upper(),
        redact_xml(body, operation.masked)
        if operation.body is BodyFormat.XML
        else redact_json(body, operation.masked),
    )


def _shown(value: object) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def log_outcome(
    call: PreparedCall,
    *,
    attempts: int,
    seconds: float,
    code: str | None = None,
    error: BaseException | None = None,
) -> None:
    """The one INFO line a call produces."""
    operation = call.operation
    parts = [operation.name]
    parts += [
        f"{label}={_shown(read_field(call.request, ref))}" for label, ref in operation.log_fields
    ]
    parts += [f"code={code or '-'}", f"attempts={attempts}", f"duration_ms={seconds * 1000:.0f}"]
    if call.idempotency_id:
        parts.append(f"idempotency_id={call.idempotency_id}")
    if error is not None:
        parts.append(f"error={type(error).__name__}: {error}")
    logger.info(" ".join(parts))
