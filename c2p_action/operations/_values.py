"""Checking what callers pass before anything is built: amounts, idempotencyIDs, options.

Pure and shared by every family. Each failure is a :class:`~c2p_action.errors.ValidationError`
(``UnknownOptionError`` for an option the call does not know), raised before anything is
encrypted or sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final, TypeAlias

from c2p_action.errors import UnknownOptionError, ValidationError

__all__ = [
    "MAX_IDEMPOTENCY_ID_LENGTH",
    "AmountLike",
    "check_idempotency_id",
    "check_options",
    "new_idempotency_id",
    "to_amount",
]

AmountLike: TypeAlias = Decimal | str | int
"""An amount: ``Decimal("25.00")``, ``"25.00"``, ``"25"`` or ``25``; never a float."""

MAX_IDEMPOTENCY_ID_LENGTH: Final = 100

_CENT: Final = Decimal("0.01")
_MAX_AMOUNT: Final = Decimal("99999999.99")  # D 10,2


def to_amount(value: AmountLike, what: str = "amount") -> Decimal:
    """Parse a D 10,2 amount exactly (positive, at most two decimals); never round.

    A float is refused: it rarely holds the amount that was typed.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        kind = type(value).__name__
        raise ValidationError(f"{what} must be a Decimal, int or string, not {kind}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError(f"{what} is not a decimal number") from None
    if not amount.is_finite():
        raise ValidationError(f"{what} must be a finite number with at most two decimals")
    # The range first: quantize raises InvalidOperation beyond 28 significant digits.
    if not 0 < amount <= _MAX_AMOUNT:
        raise ValidationError(f"{what} must be greater than 0 and at most {_MAX_AMOUNT}")
    if amount != amount.quantize(_CENT, rounding="ROUND_DOWN"):
        raise ValidationError(f"{what} must be a finite number with at most two decimals")
    return amount.quantize(_CENT)


def new_idempotency_id() -> str:
    """A fresh idempotencyID: 32 hex digits from a random UUID (122 random bits)."""
    return uuid.uuid4().hex


def check_idempotency_id(value: object) -> str:
    """Return ``value`` if it is a usable idempotencyID (1-100 printable ASCII, no spaces)."""
    if not isinstance(value, str):
        raise ValidationError(f"idempotency_id must be a string, not {type(value).__name__}")
    if not 0 < len(value) <= MAX_IDEMPOTENCY_ID_LENGTH:
        raise ValidationError(
            f"idempotency_id must be 1 to {MAX_IDEMPOTENCY_ID_LENGTH} characters long"
        )
    if not all("!" <= ch <= "~" for ch in value):
        raise ValidationError("idempotency_id must be printable ASCII without spaces")
    return value


def check_options(operation: str, given: Mapping[str, Any], allowed: type[Any]) -> None:
    """Refuse options ``allowed`` (a ``TypedDict``) does not declare.

    A misspelt option (``notfy_url``) must not be dropped silently: the call would succeed
    without it. Raises :class:`~c2p_action.errors.UnknownOptionError`.
    """
    known: Mapping[str, object] = allowed.__annotations__
    unknown = [name for name in given if name not in known]
    if unknown:
        raise UnknownOptionError(operation, unknown, known)
