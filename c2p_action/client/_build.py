"""Request building: the operations' arguments to ``PaymentProcessRequest`` models.

Everything here is pure and shared by both clients. Amounts are checked before anything is
encrypted: ``Decimal``, ``int`` or a string that parses exactly, positive, at most two
decimals and ten digits in all; a float is refused (it rarely holds the amount you typed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final, TypeAlias, TypedDict

from c2p_action.client._config import Settings
from c2p_action.client._idempotency import check_idempotency_id, new_idempotency_id
from c2p_action.errors import ValidationError
from c2p_action.schemas import (
    LoyaltyPayments,
    PaymentProcessRequest,
    ProcessType,
    SubMerchant,
    SubMerchantList,
)

__all__ = [
    "ActionOptions",
    "AmountLike",
    "InquiryOptions",
    "PreparedCall",
    "RefundOptions",
    "build_action",
    "build_refund",
    "prepare",
    "to_amount",
]

AmountLike: TypeAlias = Decimal | str | int
"""An amount: ``Decimal("25.00")``, ``"25.00"``, ``"25"`` or ``25``; never a float."""

_CENT: Final = Decimal("0.01")
_MAX_AMOUNT: Final = Decimal("99999999.99")  # D 10,2
# Refunds and voids get an idempotencyID when the caller gives none.
_AUTO_IDEMPOTENT: Final = frozenset({ProcessType.R, ProcessType.V})
_ALWAYS_SAFE: Final = frozenset({ProcessType.I, ProcessType.RS})

_OPERATION_NAMES: Final[Mapping[ProcessType, str]] = {
    ProcessType.I: "inquiry",
    ProcessType.V: "void",
    ProcessType.S: "settle",
    ProcessType.R: "refund",
    ProcessType.RS: "refund_status",
}


class ActionOptions(TypedDict, total=False):
    """Optional arguments of ``void`` and ``settle``."""

    idempotency_id: str
    child_merchant_id: str


class InquiryOptions(TypedDict, total=False):
    """Optional arguments of ``inquiry`` and ``refund_status``."""

    child_merchant_id: str


class RefundOptions(TypedDict, total=False):
    """Optional arguments of ``refund`` (reference section 2).

    ``sub_merchants`` splits the amount across sub-merchants (``{sub_mid: amount}`` or
    ``SubMerchant`` models); the parts must add up to the refund amount. ``user_defined``
    fills userDefined1..5 in order. ``bank_code``/``account_name``/``account_number`` are for
    APM refunds.
    """

    idempotency_id: str
    child_merchant_id: str
    notify_url: str
    user_defined: Sequence[str]
    sub_merchants: Mapping[str, AmountLike] | Sequence[SubMerchant]
    bank_code: str
    account_name: str
    account_number: str
    loyalty_payments: LoyaltyPayments
    notes: str


@dataclass(frozen=True, slots=True)
class PreparedCall:
    """A request ready to encode, with what the client must know to send and retry it."""

    operation: str
    request: PaymentProcessRequest
    idempotency_id: str | None
    safe_to_retry: bool


def to_amount(value: AmountLike, what: str = "amount") -> Decimal:
    """Parse an amount exactly; never round. Raises ``ValidationError``."""
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        kind = type(value).__name__
        raise ValidationError(f"{what} must be a Decimal, int or string, not {kind}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError(f"{what} is not a decimal number") from None
    if not amount.is_finite() or amount != amount.quantize(_CENT, rounding="ROUND_DOWN"):
        raise ValidationError(f"{what} must have at most two decimals")
    if not 0 < amount <= _MAX_AMOUNT:
        raise ValidationError(f"{what} must be greater than 0 and at most {_MAX_AMOUNT}")
    return amount.quantize(_CENT)


def _sub_merchants(
    parts: Mapping[str, AmountLike] | Sequence[SubMerchant], total: Decimal
) -> SubMerchantList:
    if isinstance(parts, Mapping):
        merchants = [
            SubMerchant(sub_mid=mid, sub_amount=to_amount(amount, f"sub-merchant {mid} amount"))
            for mid, amount in parts.items()
        ]
    else:
        merchants = list(parts)
    if not merchants:
        raise ValidationError("sub_merchants must not be empty")
    if sum((m.sub_amount for m in merchants), Decimal(0)) != total:
        raise ValidationError("sub-merchant amounts must add up to the refund amount")
    return SubMerchantList(sub_merchant=merchants)


def _user_defined(values: Sequence[str]) -> list[str | None]:
    if isinstance(values, str) or len(values) > 5:
        raise ValidationError("user_defined takes a sequence of at most 5 strings")
    return [*values, *([None] * (5 - len(values)))]


def build_refund(
    settings: Settings, invoice_no: str, amount: AmountLike, options: RefundOptions
) -> PaymentProcessRequest:
    """A refund (``R``) request with every optional field of the reference reachable."""
    action_amount = to_amount(amount)
    parts = options.get("sub_merchants")
    user = _user_defined(options.get("user_defined", ()))
    return PaymentProcessRequest(
        version=settings.version,
        merchant_id=settings.merchant_id,
        child_merchant_id=options.get("child_merchant_id"),
        process_type=ProcessType.R,
        invoice_no=invoice_no,
        action_amount=action_amount,
        bank_code=options.get("bank_code"),
        account_name=options.get("account_name"),
        account_number=options.get("account_number"),
        sub_merchant_list=None if parts is None else _sub_merchants(parts, action_amount),
        notify_url=options.get("notify_url"),
        user_defined1=user[0],
        user_defined2=user[1],
        user_defined3=user[2],
        user_defined4=user[3],
        user_defined5=user[4],
        idempotency_id=options.get("idempotency_id"),
        loyalty_payments=options.get("loyalty_payments"),
        notes=options.get("notes"),
    )


def build_action(
    settings: Settings,
    process_type: ProcessType,
    invoice_no: str,
    amount: AmountLike | None,
    *,
    idempotency_id: str | None = None,
    child_merchant_id: str | None = None,
) -> PaymentProcessRequest:
    """A void, settle, inquiry or refund-status request (the few fields they take)."""
    return PaymentProcessRequest(
        version=settings.version,
        merchant_id=settings.merchant_id,
        child_merchant_id=child_merchant_id,
        process_type=process_type,
        invoice_no=invoice_no,
        action_amount=None if amount is None else to_amount(amount),
        idempotency_id=idempotency_id,
    )


def prepare(request: PaymentProcessRequest) -> PreparedCall:
    """Fix the idempotencyID once per logical call and decide whether retrying is safe.

    The caller's model is never mutated: a refund or void without an id gets a copy with a
    fresh one.
    """
    if not request.invoice_no:
        raise ValidationError("invoice_no must not be empty")
    process_type = request.process_type
    idempotency_id = request.idempotency_id
    if idempotency_id is not None:
        check_idempotency_id(idempotency_id)
    elif process_type in _AUTO_IDEMPOTENT:
        idempotency_id = new_idempotency_id()
        request = dataclasses.replace(request, idempotency_id=idempotency_id)
    return PreparedCall(
        operation=_OPERATION_NAMES.get(process_type, str(process_type)),
        request=request,
        idempotency_id=idempotency_id,
        safe_to_retry=process_type in _ALWAYS_SAFE or idempotency_id is not None,
    )
