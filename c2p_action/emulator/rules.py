"""The gateway's decisions, as pure functions: request fields x transaction state -> outcome.

Nothing here touches the ledger, the clock or the network, so every rule can be tested
exhaustively. :class:`Decision` carries the response code, the status to report and the one
ledger change (if any) the caller must commit together with the answer.

Rules (reference §4-§7 of the API notes):

- inquiry ``I`` and refund status ``RS``: the current state (00);
- void ``V``: only approved-but-not-settled (``A``); already voided -> 29, otherwise 21;
- settle ``S``: card only (APM -> 31), only pre-authorised ``A``; already settled -> 39,
  more than authorised -> 30, less when partial settlement is off -> 33, voided etc. -> 12;
- refund ``R``: only settled (``S``/``RS``); approved-not-settled -> 41, other states -> 12;
  one refund above the original -> 40, cumulative above the original -> 30, nothing left -> 49;
  cards confirm at once (00/RF), APMs answer pending (42/RP);
- unknown invoice -> 16, missing fields -> 10, bad amount -> 18, unknown type -> 17,
  subAmounts not adding up -> 11.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from c2p_action.emulator.model import Method, RefundRecord, Transaction

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
    "display_status",
    "idempotency_verdict",
    "is_valid_amount",
    "notification_code",
    "refunded_total",
]

PROCESS_TYPES = frozenset({"I", "V", "S", "R", "RS"})
SETTLED_STATUSES = frozenset({"S", "RS"})
REFUND_PENDING = "RP"
REFUND_CONFIRMED = "RF"
FAILED_REFUND_STATUSES = frozenset({"RFF", "RR", "RR1", "RR2", "RR3"})

#: Descriptions the emulator answers with (2C2P's current respCode table).
DESCRIPTIONS: dict[str, str] = {
    "00": "Success",
    "02": "Invalid request",
    "03": "Invalid merchant ID",
    "10": "Missing compulsory values",
    "11": "Request validation failed",
    "12": "Transaction status is not valid to perform your action",
    "16": "Requested transaction doesn't exist",
    "17": "Request type is invalid",
    "18": "Invalid action amount",
    "21": "Void not allowed",
    "29": "Transaction is already voided",
    "30": "Unable to refund/settle more than transaction amount",
    "31": "Settlement not allowed",
    "33": "Partial settlement not allowed",
    "39": "Transaction is already settled",
    "40": "Refund amount is more than transaction amount",
    "41": "Refund not allowed",
    "42": "Refund pending",
    "44": "Refund rejected",
    "45": "Refund failed",
    "49": "Transaction is already fully refunded",
    "50": "Same idempotent key exists with different type",
    "51": "Same idempotent key exists with status pending",
    "96": "Unable to decrypt",
    "99": "Unable to complete the request",
}

_MAX_INTEGER_DIGITS = 8  # D 10,2


def describe(code: str) -> str:
    """The respDesc for ``code``."""
    return DESCRIPTIONS.get(code, "")


@dataclass(frozen=True, slots=True)
class NewStatus:
    """Ledger change: the transaction moves to ``status``."""

    status: str


@dataclass(frozen=True, slots=True)
class NewRefund:
    """Ledger change: record a refund of ``amount`` in ``status``."""

    amount: Decimal
    status: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one request: code, reported status and amount, and the ledger change."""

    code: str
    status: str | None = None
    amount: Decimal | None = None
    change: NewStatus | NewRefund | None = None

    @property
    def description(self) -> str:
        """The respDesc that goes with :attr:`code`."""
        return describe(self.code)


@dataclass(frozen=True, slots=True)
class Action:
    """The parts of a request the rules look at."""

    merchant_id: str | None
    process_type: str | None
    invoice_no: str | None
    amount: Decimal | None = None
    sub_amounts: tuple[Decimal, ...] = ()


def is_valid_amount(amount: Decimal) -> bool:
    """D 10,2: finite, positive, at most two decimals and eight integer digits."""
    if not amount.is_finite() or amount <= 0 or amount >= Decimal(10) ** _MAX_INTEGER_DIGITS:
        return False
    return amount == amount.quantize(Decimal("0.01"))


def check_request(action: Action) -> Decision | None:
    """Refuse a request that is incomplete or malformed, before the ledger is read."""
    if not action.merchant_id or not action.process_type or not action.invoice_no:
        return Decision("10")
    if action.process_type not in PROCESS_TYPES:
        return Decision("17")
    if action.process_type in ("R", "S") and action.amount is None:
        return Decision("10")
    if action.amount is not None and not is_valid_amount(action.amount):
        return Decision("18")
    if action.sub_amounts and (
        action.amount is None or sum(action.sub_amounts, Decimal(0)) != action.amount
    ):
        return Decision("11")
    return None


def refunded_total(refunds: Sequence[RefundRecord]) -> Decimal:
    """Refunds that count against the original amount: confirmed and pending, not failed."""
    return sum(
        (r.amount for r in refunds if r.status not in FAILED_REFUND_STATUSES), Decimal(0)
    )


def display_status(txn: Transaction, refunds: Sequence[RefundRecord]) -> str:
    """The status an inquiry reports: the latest refund's once there is one."""
    return refunds[-1].status if refunds else txn.status


def decide(
    txn: Transaction | None, refunds: Sequence[RefundRecord], action: Action
) -> Decision:
    """Decide one checked request (see :func:`check_request`) against the ledger state."""
    if txn is None:
        return Decision("16")
    kind = action.process_type
    if kind in ("I", "RS"):
        return Decision("00", display_status(txn, refunds), txn.amount)
    if kind == "V":
        return _void(txn, refunds, action.amount)
    assert action.amount is not None  # check_request guarantees it for S and R
    if kind == "S":
        return _settle(txn, action.amount)
    return _refund(txn, refunds, action.amount)


def _void(txn: Transaction, refunds: Sequence[RefundRecord], amount: Decimal | None) -> Decision:
    status = display_status(txn, refunds)
    if txn.status == "V":
        return Decision("29", status, txn.amount)
    if txn.status != "A":
        return Decision("21", status, txn.amount)
    if amount is not None and amount != txn.amount:
        return Decision("18", status, txn.amount)
    return Decision("00", "V", txn.amount, NewStatus("V"))


def _settle(txn: Transaction, amount: Decimal) -> Decision:
    if txn.method is Method.APM:
        return Decision("31", txn.status, txn.amount)
    if txn.status in SETTLED_STATUSES:
        return Decision("39", txn.status, txn.amount)
    if txn.status != "A":
        return Decision("12", txn.status, txn.amount)
    if amount > txn.amount:
        return Decision("30", txn.status, txn.amount)
    if amount < txn.amount and not txn.partial_settle:
        return Decision("33", txn.status, txn.amount)
    return Decision("00", "RS", amount, NewStatus("RS"))


def _refund(txn: Transaction, refunds: Sequence[RefundRecord], amount: Decimal) -> Decision:
    status = display_status(txn, refunds)
    if txn.status not in SETTLED_STATUSES:
        return Decision("41" if txn.status == "A" else "12", status, amount)
    total = refunded_total(refunds)
    if total >= txn.amount:
        return Decision("49", status, amount)
    if amount > txn.amount:
        return Decision("40", status, amount)
    if total + amount > txn.amount:
        return Decision("30", status, amount)
    if txn.method is Method.APM:
        return Decision("42", REFUND_PENDING, amount, NewRefund(amount, REFUND_PENDING))
    return Decision("00", REFUND_CONFIRMED, amount, NewRefund(amount, REFUND_CONFIRMED))


class Replay(Enum):
    """What to do with a request whose idempotencyID was seen before."""

    NEW = "new"
    REPLAY = "replay"  # answer the stored original response, act on nothing
    OTHER_TYPE = "50"
    PENDING = "51"


def idempotency_verdict(
    stored_type: str | None, original_pending: bool, process_type: str
) -> Replay:
    """Same id + same type replays; another type -> 50; an original still pending -> 51.

    "Pending" means the original's outcome is not final yet: an APM refund still at RP.
    (The ledger serialises requests, so an original is never half-processed when a retry
    arrives; a retry racing its original simply waits and then replays it.)
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
