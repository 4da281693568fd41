"""The gateway's decisions, as pure functions: request fields x transaction state -> outcome.

Nothing here touches the ledger, the clock or the network, so every rule can be tested
exhaustively. :class:`Decision` carries the response code, the status to report and the one
ledger change (if any) the caller must commit together with the answer.

Rules (reference §2-§7 of the API notes; "inferred" marks a choice no 2C2P page states):

- inquiry ``I`` and refund status ``RS``: the transaction's own status at the top (``A``,
  ``RS``, ``S``, ``V`` ...), never a refund's; each refund's status only inside ``refundList``;
- void ``V`` of a card payment: only approved-not-settled ``A``; already voided -> 29,
  otherwise 21; a subMerchantList that is not the whole split -> 22;
- void ``V`` of an APM payment cancels an unpaid payment slip (``AP``): ``V`` at once, or
  ``VP`` first for methods that cancel asynchronously; already voided -> 29, a cancel still
  pending -> 12, a paid APM payment -> 61 "Cancel not allowed" (inferred);
- settle ``S``: card only (APM -> 31), only pre-authorised ``A``; already settled -> 39; no
  actionAmount settles the whole authorised amount (2C2P's own sample); more than authorised
  -> 30, less when partial settlement is off -> 33; a sub-merchant above its share -> 37, a
  subMerchantList naming only part of the split -> 38; voided etc. -> 12;
- refund ``R``: only settled ``S`` (see :func:`refund_refusal` for ``A``/``RS``); one refund
  above the settled amount -> 40, cumulative above it -> 30, nothing left -> 49; a
  sub-merchant refund above its share -> 47, above what is left of it -> 48; cards confirm at
  once (00/``RF``), APMs answer pending (42/``RP``); refund answers carry the refund's status;
- unknown invoice -> 16, missing fields -> 10, bad amount -> 18, unknown type -> 17,
  subAmounts not adding up -> 11.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from c2p_action.emulator.model import Method, RefundRecord, Split, Transaction
from c2p_action.schemas.codes import RespCode

__all__ = [
    "DESCRIPTIONS",
    "FAILED_REFUND_STATUSES",
    "PROCESS_TYPES",
    "Action",
    "Decision",
    "NewRefund",
    "NewStatus",
    "Replay",
    "check_request",
    "decide",
    "describe",
    "idempotency_verdict",
    "is_valid_amount",
    "notification_code",
    "refund_refusal",
    "refunded_total",
    "sub_refunded_total",
]

PROCESS_TYPES = frozenset({"I", "V", "S", "R", "RS"})
SETTLED = "S"
READY_FOR_SETTLEMENT = "RS"
UNPAID_SLIP = "AP"
VOIDED = "V"
VOID_PENDING = "VP"
REFUND_PENDING = "RP"
REFUND_CONFIRMED = "RF"
FAILED_REFUND_STATUSES = frozenset({"RFF", "RR", "RR1", "RR2", "RR3"})

#: respDesc of every respCode in 2C2P's current table (reference §5).
DESCRIPTIONS: dict[str, str] = {code.value: code.description for code in RespCode}

_MAX_INTEGER_DIGITS = 8  # D 10,2


def describe(code: str) -> str:
    """The respDesc for ``code`` (empty for a code outside the table)."""
    return DESCRIPTIONS.get(code, "")


@dataclass(frozen=True, slots=True)
class NewStatus:
    """Ledger change: the transaction moves to ``status`` (settle also records the amount)."""

    status: str
    settled_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class NewRefund:
    """Ledger change: record a refund of ``amount`` in ``status``, split as ``sub_amounts``."""

    amount: Decimal
    status: str
    sub_amounts: Split = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one request: code, reported status and amount, and the ledger change."""

    code: str
    status: str | None = None
    amount: Decimal | None = None
    change: NewStatus | NewRefund | None = None
    #: respDesc; ``None``: the table's wording for :attr:`code`.
    desc: str | None = None

    @property
    def description(self) -> str:
        """The respDesc that goes with :attr:`code`."""
        return describe(self.code) if self.desc is None else self.desc


@dataclass(frozen=True, slots=True)
class Action:
    """The parts of a request the rules look at."""

    merchant_id: str | None
    process_type: str | None
    invoice_no: str | None
    amount: Decimal | None = None
    sub_merchants: Split = ()

    @property
    def sub_amounts(self) -> tuple[Decimal, ...]:
        """The subAmounts of the request's subMerchantList, in order."""
        return tuple(amount for _, amount in self.sub_merchants)


def is_valid_amount(amount: Decimal) -> bool:
    """D 10,2: finite, positive, at most two decimals and eight integer digits."""
    if not amount.is_finite() or amount <= 0 or amount >= Decimal(10) ** _MAX_INTEGER_DIGITS:
        return False
    return amount == amount.quantize(Decimal("0.01"))


def check_request(action: Action) -> Decision | None:
    """Refuse a request that is incomplete or malformed, before the ledger is read.

    Only a refund must name its amount: settle without one settles the whole authorised
    amount, and void, inquiry and refund status do not need one.
    """
    if not action.merchant_id or not action.process_type or not action.invoice_no:
        return Decision("10")
    if action.process_type not in PROCESS_TYPES:
        return Decision("17")
    if action.process_type == "R" and action.amount is None:
        return Decision("10")
    if action.amount is not None and not is_valid_amount(action.amount):
        return Decision("18")
    if action.sub_merchants and (
        action.amount is None or sum(action.sub_amounts, Decimal(0)) != action.amount
    ):
        return Decision("11")
    return None


def refunded_total(refunds: Sequence[RefundRecord]) -> Decimal:
    """Refunds that count against the original amount: confirmed and pending, not failed."""
    return sum((r.amount for r in refunds if r.status not in FAILED_REFUND_STATUSES), Decimal(0))


def sub_refunded_total(refunds: Sequence[RefundRecord], sub_mid: str) -> Decimal:
    """What one sub-merchant has refunded so far (confirmed and pending, not failed)."""
    return sum(
        (
            amount
            for r in refunds
            if r.status not in FAILED_REFUND_STATUSES
            for mid, amount in r.sub_amounts
            if mid == sub_mid
        ),
        Decimal(0),
    )


def decide(txn: Transaction | None, refunds: Sequence[RefundRecord], action: Action) -> Decision:
    """Decide one checked request (see :func:`check_request`) against the ledger state."""
    if txn is None:
        return Decision("16")
    kind = action.process_type
    if kind in ("I", "RS"):
        # The transaction's own status, also after refunds (2C2P's refund-status sample:
        # <status>S</status> at the top, status="RF" on the refund inside refundList).
        return Decision("00", txn.status, txn.amount)
    if kind == "V":
        if txn.method is Method.APM:
            return _cancel(txn, action)
        return _void(txn, action)
    if kind == "S":
        return _settle(txn, action)
    return _refund(txn, refunds, action)


def _void(txn: Transaction, action: Action) -> Decision:
    if txn.status == VOIDED:
        return Decision("29", txn.status, txn.amount)
    if txn.status != "A":
        return Decision("21", txn.status, txn.amount)
    if action.amount is not None and action.amount != txn.amount:
        return Decision("18", txn.status, txn.amount)
    if action.sub_merchants and dict(action.sub_merchants) != txn.split:
        return Decision("22", txn.status, txn.amount)
    return Decision("00", VOIDED, txn.amount, NewStatus(VOIDED))


def _cancel(txn: Transaction, action: Action) -> Decision:
    """An APM void cancels payment collection: only an unpaid payment slip can be cancelled.

    Methods that cancel asynchronously answer 00 with ``VP`` (void pending) and confirm later,
    as APM refunds answer pending first. A second void while one is pending is refused with
    12 (its status does not allow it; inferred), a paid APM payment with 61 "Cancel not
    allowed" (inferred: 2C2P calls an APM void a cancel; a paid one needs a refund).
    """
    if txn.status == VOIDED:
        return Decision("29", txn.status, txn.amount)
    if txn.status == VOID_PENDING:
        return Decision("12", txn.status, txn.amount)
    if txn.status != UNPAID_SLIP:
        return Decision("61", txn.status, txn.amount)
    if action.amount is not None and action.amount != txn.amount:
        return Decision("18", txn.status, txn.amount)
    final = VOID_PENDING if txn.void_pending else VOIDED
    return Decision("00", final, txn.amount, NewStatus(final))


def _settle(txn: Transaction, action: Action) -> Decision:
    if txn.method is Method.APM:
        return Decision("31", txn.status, txn.amount)
    if txn.status in (SETTLED, READY_FOR_SETTLEMENT):
        return Decision("39", txn.status, txn.amount)
    if txn.status != "A":
        return Decision("12", txn.status, txn.amount)
    # No actionAmount: the whole authorised amount (2C2P's settle sample carries none).
    amount = txn.amount if action.amount is None else action.amount
    if amount > txn.amount:
        return Decision("30", txn.status, txn.amount)
    if amount < txn.amount and not txn.partial_settle:
        return Decision("33", txn.status, txn.amount)
    if action.sub_merchants:
        split = txn.split
        if any(sub > split.get(mid, Decimal(0)) for mid, sub in action.sub_merchants):
            return Decision("37", txn.status, txn.amount)
        if {mid for mid, _ in action.sub_merchants} != set(split):
            return Decision("38", txn.status, txn.amount)
    return Decision("00", READY_FOR_SETTLEMENT, amount, NewStatus(READY_FOR_SETTLEMENT, amount))


def refund_refusal(status: str) -> str:
    """The respCode refusing a refund of a transaction in ``status`` (not ``S``).

    ``A`` (approved, not settled) and ``RS`` (ready for settlement: settle was accepted, the
    settlement run has not happened) both answer 41 "Refund not allowed"; every other status
    answers 12 "Transaction status is not valid to perform your action".

    Why 41 for ``RS``, of the two candidates the reference names (inferred, no 2C2P page
    decides it): ``RS`` is, like ``A``, a payment that is not settled *yet* -- the refund
    becomes possible after the settlement run, and until then a void is the tool -- so it
    gets the same code as ``A``, and an integrator's "not settled yet" branch sees one code.
    12 stays for statuses from which no refund will ever be possible (voided, failed ...).
    """
    return "41" if status in ("A", READY_FOR_SETTLEMENT) else "12"


def _refund(txn: Transaction, refunds: Sequence[RefundRecord], action: Action) -> Decision:
    amount = action.amount
    assert amount is not None  # check_request guarantees it for R
    if txn.status != SETTLED:
        return Decision(refund_refusal(txn.status), txn.status, amount)
    limit = txn.refundable_amount
    total = refunded_total(refunds)
    if total >= limit:
        return Decision("49", txn.status, amount)
    if amount > limit:
        return Decision("40", txn.status, amount)
    if total + amount > limit:
        return Decision("30", txn.status, amount)
    split = txn.split
    for mid, sub in action.sub_merchants:
        share = split.get(mid, Decimal(0))
        if sub > share:
            return Decision("47", txn.status, amount)
        if sub_refunded_total(refunds, mid) + sub > share:
            return Decision("48", txn.status, amount)
    status = REFUND_PENDING if txn.method is Method.APM else REFUND_CONFIRMED
    code = "42" if txn.method is Method.APM else "00"
    return Decision(code, status, amount, NewRefund(amount, status, action.sub_merchants))


class Replay(Enum):
    """What to do with a request whose idempotencyID was seen before."""

    NEW = "new"
    REPLAY = "replay"  # answer the stored original response, act on nothing
    OTHER_TYPE = "50"
    PENDING = "51"


def idempotency_verdict(
    stored_type: str | None, original_pending: bool, process_type: str
) -> Replay:
    """2C2P's documented rules, and no others.

    A repeat of an idempotencyID returns the original response (whatever the repeat names:
    another invoice or amount is still a repeat); the same id with another processType
    answers 50; the same id while the original is still pending (an APM refund at ``RP``, an
    APM void at ``VP``) answers 51. (The ledger serialises requests, so an original is never
    half-processed when a retry arrives; a retry racing its original waits and replays it.)
    """
    if stored_type is None:
        return Replay.NEW
    if stored_type != process_type:
        return Replay.OTHER_TYPE
    return Replay.PENDING if original_pending else Replay.REPLAY


def notification_code(status: str) -> str:
    """The respCode a refund notification carries for a final refund status."""
    if status == REFUND_CONFIRMED:
        return "00"
    return "45" if status == "RFF" else "44"
