"""idempotencyIDs: one fresh random id per logical operation, reused by every retry of it."""

from __future__ import annotations

import uuid
from typing import Final

from c2p_action.errors import ValidationError

__all__ = ["MAX_IDEMPOTENCY_ID_LENGTH", "check_idempotency_id", "new_idempotency_id"]

MAX_IDEMPOTENCY_ID_LENGTH: Final = 100


def new_idempotency_id() -> str:
    """A fresh id: 32 hex digits from a random UUID (122 random bits)."""
    return uuid.uuid4().hex


def check_idempotency_id(value: str) -> str:
    """Return ``value`` if it is a usable idempotencyID (1-100 printable ASCII, no spaces)."""
    if not 0 < len(value) <= MAX_IDEMPOTENCY_ID_LENGTH:
        raise ValidationError(
            f"idempotency_id must be 1 to {MAX_IDEMPOTENCY_ID_LENGTH} characters long"
        )
    if not all("!" <= ch <= "~" for ch in value):
        raise ValidationError("idempotency_id must be printable ASCII without spaces")
    return value
