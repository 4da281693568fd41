"""The payment process family: inquiry, void, settle, refund and refund status.

One request model (``PaymentProcessRequest``) and one response model for all five, told apart by
``processType``; posted to the Payment Action URL in the nested envelope (reference
``payment-maintenance-api.md``). Everything here is documented by 2C2P (guides, samples and the
result-code table), except what ``inferred`` says on each operation.

Binding (issue: a verified answer about another transaction must never pass as success): every
answer must echo the request's ``invoiceNo`` and ``processType``; a refund's ``amount`` must be
the refunded amount; void and settle amounts are compared when both sides carry one; an echoed
``idempotencyID`` must be the one sent. ``version`` is never compared: 2C2P does not always
echo the version it was asked with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from c2p_action.errors import (
    AmountError,
    GatewayError,
    GatewayFailureError,
    IdempotencyConflictError,
    InvalidRequestError,
    NotAllowedError,
    NotFoundError,
    ValidationError,
)
from c2p_action.operations._result import Result
from c2p_action.operations._spec import (
    Bind,
    BodyFormat,
    CallOptions,
    CodeTable,
    Endpoint,
    Envelope,
    Evidence,
    Mask,
    Operation,
    RetrySafety,
    unknown_element_text,
)
from c2p_action.operations._values import AmountLike, to_amount
from c2p_action.schemas import (
    LoyaltyPayments,
    PaymentProcessRequest,
    PaymentProcessResponse,
    ProcessType,
    Refund,
    RespCode,
    SubMerchant,
    SubMerchantList,
    TransactionStatus,
)

__all__ = [
    "ACTION_ENDPOINT",
    "CODES",
    "INQUIRY",
    "OPERATIONS",
    "REFUND",
    "REFUND_STATUS",
    "SETTLE",
    "VOID",
    "ActionOptions",
    "CallOptions",
    "InquiryOptions",
    "PaymentResult",
    "RefundOptions",
    "SettleOptions",
    "build_action",
    "build_refund",
]

#: The Payment Action URL: every XML operation of the family posts here (reference §1).
ACTION_ENDPOINT: Final = Endpoint(
    service="frontend",
    sandbox_path="/2C2PFrontend/PaymentAction/2.0/action",
    production_path="/PaymentAction/2.0/action",
)

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

#: The two-digit ``respCode`` table (reference §5), shared by the XML families.
CODES: Final = CodeTable(
    enum=RespCode,
    code_field="resp_code",
    description_field="resp_desc",
    success=frozenset({"00"}),
    pending=frozenset({"42"}),
    errors={code: cls for cls, codes in _GROUPS.items() for code in codes},
    # 2C2P's guidance calls these retryable; a hint only (the retry policy decides).
    retryable_hint=frozenset({"25", "35", "45", "95", "99"}),
)


# ---------------------------------------------------------------------------------------------
# Options and builders
# ---------------------------------------------------------------------------------------------


class InquiryOptions(CallOptions, total=False):
    """Optional arguments of ``inquiry`` and ``refund_status``."""

    child_merchant_id: str


class ActionOptions(CallOptions, total=False):
    """Optional arguments of ``void``."""

    idempotency_id: str
    child_merchant_id: str


class SettleOptions(ActionOptions, total=False):
    """Optional arguments of ``settle``."""


class RefundOptions(CallOptions, total=False):
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


def _sub_merchants(
    parts: Mapping[str, AmountLike] | Sequence[SubMerchant], total: Decimal
) -> SubMerchantList:
    if isinstance(parts, Mapping):
        merchants = [
            SubMerchant(sub_mid=mid, sub_amount=to_amount(amount, f"sub-merchant {mid} amount"))
            for mid, amount in parts.items()
        ]
    elif isinstance(parts, Sequence) and not isinstance(parts, str):
        merchants = list(parts)
    else:
        raise ValidationError("sub_merchants takes {sub_mid: amount} or SubMerchant models")
    if not merchants:
        raise ValidationError("sub_merchants must not be empty")
    if not all(isinstance(m, SubMerchant) for m in merchants):
        raise ValidationError("sub_merchants takes {sub_mid: amount} or SubMerchant models")
    if sum((m.sub_amount for m in merchants), Decimal(0)) != total:
        raise ValidationError("sub-merchant amounts must add up to the refund amount")
    return SubMerchantList(sub_merchant=merchants)


def _invoice(invoice_no: object) -> str:
    if not isinstance(invoice_no, str):
        raise ValidationError(f"invoice_no must be a string, not {type(invoice_no).__name__}")
    if not invoice_no.strip():
        raise ValidationError("invoice_no must not be empty")
    return invoice_no


def _user_defined(values: Sequence[str]) -> list[str | None]:
    if isinstance(values, str) or not isinstance(values, Sequence) or len(values) > 5:
        raise ValidationError("user_defined takes a sequence of at most 5 strings")
    return [*values, *([None] * (5 - len(values)))]


def build_refund(
    merchant_id: str,
    version: str,
    invoice_no: str,
    amount: AmountLike,
    options: RefundOptions,
) -> PaymentProcessRequest:
    """A refund (``R``) request with every optional field of the reference reachable."""
    action_amount = to_amount(amount)
    parts = options.get("sub_merchants")
    user = _user_defined(options.get("user_defined", ()))
    return PaymentProcessRequest(
        version=version,
        merchant_id=merchant_id,
        child_merchant_id=options.get("child_merchant_id"),
        process_type=ProcessType.R,
        invoice_no=_invoice(invoice_no),
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
    merchant_id: str,
    version: str,
    process_type: ProcessType,
    invoice_no: str,
    amount: AmountLike | None,
    *,
    idempotency_id: str | None = None,
    child_merchant_id: str | None = None,
) -> PaymentProcessRequest:
    """A void, settle, inquiry or refund-status request (the few fields they take)."""
    return PaymentProcessRequest(
        version=version,
        merchant_id=merchant_id,
        child_merchant_id=child_merchant_id,
        process_type=process_type,
        invoice_no=_invoice(invoice_no),
        action_amount=None if amount is None else to_amount(amount),
        idempotency_id=idempotency_id,
    )


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentResult(Result[PaymentProcessResponse, RespCode]):
    """A verified answer with code ``00`` (success) or ``42`` (refund pending).

    Also pending: ``51`` answering a refund or void whose idempotencyID was sent before
    (``replayed`` is then true): the original request exists and is still pending. Never
    send it again under a new idempotencyID; poll ``refund_status`` or wait for the
    notification.
    """

    @property
    def status(self) -> TransactionStatus | None:
        """The transaction status (``A``, ``S``, ``RP``, ``V`` ...); raw string in ``.value``."""
        raw = self.response.status
        return None if raw is None else TransactionStatus(raw.strip())

    @property
    def amount(self) -> Decimal | None:
        """The amount the gateway reports."""
        return self.response.amount

    @property
    def invoice_no(self) -> str | None:
        """The invoice number echoed back."""
        return self.response.invoice_no

    @property
    def reference_no(self) -> str | None:
        """The gateway's transaction reference number."""
        return self.response.reference_no

    @property
    def refund_reference_no(self) -> str | None:
        """The refund's own reference number (refunds only)."""
        return self.response.refund_reference_no

    @property
    def refunds(self) -> list[Refund]:
        """Each refund of the invoice, with its own status (refund-status answers only)."""
        refund_list = self.response.refund_list
        return list(refund_list.refund) if refund_list is not None else []


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------

# APM refunds carry the customer's bank account: never in logs beyond its last four characters.
_MASKED: Final = {"accountNumber": Mask.LAST4, "accountName": Mask.ALL}

_INVOICE = Bind("invoiceNo", "invoice_no", "invoice_no")
_PROCESS_TYPE = Bind("processType", "process_type", "process_type")
_IDEMPOTENCY = Bind(
    "idempotencyID", "idempotency_id", unknown_element_text("idempotencyID"), required=False
)


def _operation(
    name: str,
    process_type: ProcessType,
    summary: str,
    *,
    retry: RetrySafety,
    amount: Bind | None = None,
    idempotent: bool = False,
    inferred: tuple[str, ...] = (),
) -> Operation[PaymentProcessRequest, PaymentResult]:
    binding = (_INVOICE, _PROCESS_TYPE) + ((amount,) if amount else ())
    if idempotent:
        binding += (_IDEMPOTENCY,)
    return Operation(
        name=name,
        summary=summary,
        request_type=PaymentProcessRequest,
        response_type=PaymentProcessResponse,
        endpoint=ACTION_ENDPOINT,
        envelope=Envelope.NESTED,
        body=BodyFormat.XML,
        codes=CODES,
        result=PaymentResult,
        retry=retry,
        evidence=Evidence.DOCUMENTED,
        binding=binding,
        idempotency_field="idempotency_id",
        auto_idempotency=process_type in (ProcessType.R, ProcessType.V),
        replay_pending=frozenset({"51"}) if idempotent else frozenset(),
        selects=lambda request: request.process_type == process_type,
        inferred=inferred,
        log_fields=(("invoice", "invoice_no"), ("amount", "action_amount")),
        masked=_MASKED,
    )


INQUIRY: Final = _operation(
    "inquiry",
    ProcessType.I,
    "The transaction's current status.",
    retry=RetrySafety.ALWAYS,
)
VOID: Final = _operation(
    "void",
    ProcessType.V,
    "Void (cancel) a transaction before settlement.",
    retry=RetrySafety.WITH_IDEMPOTENCY_ID,
    amount=Bind("amount", "action_amount", "amount", required=False),
    idempotent=True,
)
SETTLE: Final = _operation(
    "settle",
    ProcessType.S,
    "Settle (capture) a pre-authorised card transaction, whole or in part.",
    retry=RetrySafety.WITH_IDEMPOTENCY_ID,
    amount=Bind("amount", "action_amount", "amount", required=False),
    idempotent=True,
)
REFUND: Final = _operation(
    "refund",
    ProcessType.R,
    "Refund all or part of a settled transaction.",
    retry=RetrySafety.WITH_IDEMPOTENCY_ID,
    amount=Bind("amount", "action_amount", "amount"),
    idempotent=True,
)
REFUND_STATUS: Final = _operation(
    "refund_status",
    ProcessType.RS,
    "Every refund of an invoice, each with its own status.",
    retry=RetrySafety.ALWAYS,
)

#: The family's operations, in the order the reference lists them.
OPERATIONS: Final = (INQUIRY, VOID, SETTLE, REFUND, REFUND_STATUS)
