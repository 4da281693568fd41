"""The emulator's records: what the ledger stores and the rules read. Plain values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

__all__ = ["Method", "RefundRecord", "Split", "Transaction"]

#: Amounts per sub-merchant (``subMID``), in the order given: a master-merchant payment's split,
#: or the part of one refund each sub-merchant bears.
Split = tuple[tuple[str, Decimal], ...]


class Method(StrEnum):
    """How the original payment was made: card refunds confirm at once, APM refunds later."""

    CARD = "card"
    APM = "apm"


@dataclass(frozen=True, slots=True)
class Transaction:
    """One original payment known to the emulator.

    ``status`` is a 2C2P transaction status code: ``A`` approved / pre-authorised (not
    settled), ``RS`` ready for settlement (settle accepted, the settlement run has not happened
    yet), ``S`` settled (the only refundable status), ``V`` voided, ``VP`` void pending; an
    unpaid APM payment slip is ``AP`` (approval pending). Any other code (``PF``, ``EX`` ...)
    can be seeded to exercise refusals.
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
    #: The original payment's sub-merchant split (master-merchant accounts), if any.
    sub_merchants: Split = ()
    #: APM methods that cancel asynchronously: a void answers ``VP`` first, ``V`` later.
    void_pending: bool = False
    #: What settle captured (``None``: not settled through the emulator; the whole amount).
    settled_amount: Decimal | None = None
    #: When the status last changed (settle, void), for the delayed completions.
    status_at: datetime | None = None

    @property
    def split(self) -> dict[str, Decimal]:
        """:attr:`sub_merchants` as a mapping ``subMID -> amount``."""
        return dict(self.sub_merchants)

    @property
    def refundable_amount(self) -> Decimal:
        """What refunds may add up to: the settled amount, else the whole amount."""
        return self.amount if self.settled_amount is None else self.settled_amount


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
    #: The part of this refund each sub-merchant bears (the request's subMerchantList).
    sub_amounts: Split = ()
    #: The version the refund was requested with: its notification answers with the same.
    version: str | None = None
