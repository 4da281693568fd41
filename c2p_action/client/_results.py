"""What a successful (or pending) call returns: the verified response plus call facts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from c2p_action.client._outcomes import PENDING_CODE
from c2p_action.schemas import PaymentProcessResponse, Refund

__all__ = ["PaymentResult"]


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """A verified gateway answer with code ``00`` (success) or ``42`` (refund pending).

    ``response`` is the full typed model (unknown elements stay in ``other_element``);
    the properties read its most used fields. ``idempotency_id`` is the id the request
    carried (``None`` for calls without one); ``attempts`` counts HTTP attempts made.
    """

    response: PaymentProcessResponse
    idempotency_id: str | None
    attempts: int

    @property
    def code(self) -> str:
        """The respCode, e.g. ``"00"``."""
        return (self.response.resp_code or "").strip()

    @property
    def description(self) -> str:
        """The gateway's respDesc, as sent."""
        return self.response.resp_desc or ""

    @property
    def pending(self) -> bool:
        """True for ``42`` (refund pending): the final status comes later (notify URL / RS)."""
        return self.code == PENDING_CODE

    @property
    def status(self) -> str | None:
        """The transaction status code (``A``, ``RP``, ``V`` ...), raw."""
        return self.response.status

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
        """Each refund of the invoice (refund-status answers only)."""
        refund_list = self.response.refund_list
        return list(refund_list.refund) if refund_list is not None else []
