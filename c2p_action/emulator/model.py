"""The emulator's records: what the ledger stores and the rules read. Plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

__all__ = ["Method", "RefundRecord", "Transaction"]


class Method(StrEnum):
    """How the original payment was made: card refunds confirm at once, APM refunds later."""

    CARD = "card"
    APM = "apm"


@dataclass(frozen=True, slots=True)
class Transaction:
    """One original payment known to the emulator.

    ``status`` is a 2C2P transaction status code: ``A`` approved / pre-authorised (not settled),
    ``RS`` ready for settlement and ``S`` settled (both refundable), ``V`` voided; any other code
    (``PF``, ``EX`` ...) can be seeded to exercise refusals.
    """

    merchant_id: str
    invoice_no: str
    amount: Decimal
    method: Method = Method.CARD
    status: str = "A"
    reference_no: str = ""
    approval_code: str = ""
    masked_pan: str | None = "411111XXXXXX1111"
    payment_scheme: str | None = "VI"
    created_at: datetime | None = None
    #: Whether settle may capture less than the authorised amount (respCode 33 otherwise).
    partial_settle: bool = False


@dataclass(frozen=True, slots=True)
class RefundRecord:
    """One refund of a transaction with its own status: RP pending, RF confirmed, RR*/RFF failed."""

    id: int
    merchant_id: str
    invoice_no: str
    amount: Decimal
    status: str
    reference_no: str
    created_at: datetime
    completed_at: datetime | None = None
    notify_url: str | None = None
    user_defined: tuple[str | None, ...] = field(default=(None,) * 5)
