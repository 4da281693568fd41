"""Logging for the clients under the ``c2p_action.client`` logger.

INFO: one line per call (operation, invoice, amount, response code, attempts, duration, and
the error class when it failed); retries at DEBUG. DEBUG: the request and response XML, redacted
(account numbers keep their last four characters, account names are masked whole). Tokens
are never logged, only their length; keys never reach this module.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from c2p_action.client._build import PreparedCall

__all__ = ["log_outcome", "logger", "redact_xml"]

logger: Final = logging.getLogger("c2p_action.client")
# A library must not print through logging's last-resort handler when the app set none up.
logger.addHandler(logging.NullHandler())

_ACCOUNT_NUMBER: Final = re.compile(
    rb"(<(?:[\w.-]+:)?accountNumber>)([^<]*)(</(?:[\w.-]+:)?accountNumber>)"
)
_ACCOUNT_NAME: Final = re.compile(
    rb"(<(?:[\w.-]+:)?accountName>)([^<]*)(</(?:[\w.-]+:)?accountName>)"
)


def _mask_number(match: re.Match[bytes]) -> bytes:
    value = match.group(2).strip()
    visible = value[-4:] if len(value) >= 8 else b""
    return match.group(1) + b"*" * (len(value) - len(visible)) + visible + match.group(3)


def redact_xml(xml: bytes) -> str:
    """The XML as text with account numbers and names masked."""
    xml = _ACCOUNT_NUMBER.sub(_mask_number, xml)
    xml = _ACCOUNT_NAME.sub(lambda m: m.group(1) + b"***" + m.group(3), xml)
    return xml.decode("utf-8", errors="replace")


def log_xml(direction: str, call: PreparedCall, xml: bytes) -> None:
    """DEBUG-log one message's XML, redacted (callers check ``isEnabledFor`` first)."""
    logger.debug("%s %s XML: %s", call.operation, direction, redact_xml(xml))


def log_outcome(
    call: PreparedCall,
    *,
    attempts: int,
    seconds: float,
    code: str | None = None,
    error: BaseException | None = None,
) -> None:
    """The one INFO line a call produces."""
    request = call.request
    parts = [
        call.operation,
        f"invoice={request.invoice_no}",
        f"amount={request.action_amount if request.action_amount is not None else '-'}",
        f"code={code or '-'}",
        f"attempts={attempts}",
        f"duration_ms={seconds * 1000:.0f}",
    ]
    if call.idempotency_id:
        parts.append(f"idempotency_id={call.idempotency_id}")
    if error is not None:
        parts.append(f"error={type(error).__name__}: {error}")
    logger.info(" ".join(parts))
