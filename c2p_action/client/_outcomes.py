"""Response codes to outcomes: success, pending, or one ``GatewayError`` subclass per meaning.

Every code of the reference's respCode table is mapped; an unknown code raises the base
:class:`~c2p_action.errors.GatewayError`, still carrying the raw code, the gateway's own
description and the verified response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from c2p_action.errors import (
    AmountError,
    GatewayError,
    GatewayFailureError,
    IdempotencyConflictError,
    InvalidRequestError,
    NotAllowedError,
    NotFoundError,
)
from c2p_action.schemas import PaymentProcessResponse

__all__ = [
    "PENDING_CODE",
    "RETRYABLE_HINT_CODES",
    "SUCCESS_CODE",
    "error_class_for",
    "raise_for_code",
]

SUCCESS_CODE: Final = "00"
PENDING_CODE: Final = "42"
# 2C2P's guidance calls these retryable; a hint only (the retry policy decides).
RETRYABLE_HINT_CODES: Final = frozenset({"25", "35", "45", "95", "99"})

_GROUPS: Final[Mapping[type[GatewayError], tuple[str, ...]]] = {
    # 01 stored card, 03/14 merchant, 15 invoice, 16 transaction, 53 no reference number.
    NotFoundError: ("01", "03", "14", "15", "16", "53"),
    InvalidRequestError: ("02", "04", "05", "10", "11", "13", "17"),
    NotAllowedError: (
        "12", "21", "22", "29", "31", "32", "33", "34", "36", "38", "39",
        "41", "43", "44", "54", "61",
    ),
    # 46/48: the funds available cannot cover the amount; a smaller amount may go through.
    AmountError: ("18", "30", "37", "40", "46", "47", "48", "49"),
    IdempotencyConflictError: ("50", "51"),
    GatewayFailureError: ("25", "35", "45", "52", "65", "95", "96", "97", "98", "99"),
}

_BY_CODE: Final[Mapping[str, type[GatewayError]]] = {
    code: cls for cls, codes in _GROUPS.items() for code in codes
}


def error_class_for(code: str) -> type[GatewayError]:
    """The ``GatewayError`` subclass for a non-success code (the base class if unknown)."""
    return _BY_CODE.get(code.strip(), GatewayError)


def raise_for_code(
    response: PaymentProcessResponse, *, idempotency_id: str | None = None
) -> None:
    """Return for success (``00``) and pending (``42``); raise the mapped error otherwise."""
    code = (response.resp_code or "").strip()
    if code in (SUCCESS_CODE, PENDING_CODE):
        return
    raise error_class_for(code)(
        code or "<missing>",
        response.resp_desc or "",
        response,
        idempotency_id=idempotency_id,
    )
