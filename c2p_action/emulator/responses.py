"""Building the gateway's PaymentProcessResponse models from decisions. Pure: no I/O, no keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from c2p_action.emulator.model import Method, RefundRecord, Transaction
from c2p_action.emulator.rules import Decision, notification_code
from c2p_action.schemas import PaymentProcessResponse, Refund, RefundList

__all__ = ["Echo", "build_notification", "build_response", "time_stamp"]

DEFAULT_VERSION = "3.8"


def time_stamp(moment: datetime) -> str:
    """``timeStamp`` format: ``ddMMyyHHmmss``."""
    return moment.strftime("%d%m%y%H%M%S")


def _date_time(moment: datetime | None) -> str | None:
    """``transactionDateTime`` / refund ``dateTime`` format: ``yyyyMMddHHmmss``."""
    return None if moment is None else moment.strftime("%Y%m%d%H%M%S")


@dataclass(frozen=True, slots=True)
class Echo:
    """Request fields a response repeats back."""

    process_type: str | None = None
    invoice_no: str | None = None
    version: str | None = None
    user_defined: tuple[str | None, ...] = (None,) * 5


def _refund_list(refunds: Sequence[RefundRecord]) -> RefundList | None:
    if not refunds:
        return None
    return RefundList(
        refund=[
            Refund(
                amount=r.amount,
                status=r.status,
                reference_no=r.reference_no,
                date_time=_date_time(r.completed_at or r.created_at),
            )
            for r in refunds
        ]
    )


def build_response(
    echo: Echo,
    decision: Decision,
    *,
    now: datetime,
    txn: Transaction | None = None,
    refunds: Sequence[RefundRecord] = (),
    new_refund: RefundRecord | None = None,
) -> PaymentProcessResponse:
    """The response to one request; transaction details only when the invoice is known."""
    card = txn is not None and txn.method is Method.CARD
    ud = (*echo.user_defined, None, None, None, None, None)[:5]
    return PaymentProcessResponse(
        version=echo.version or DEFAULT_VERSION,
        time_stamp=time_stamp(now),
        resp_code=decision.code,
        resp_desc=decision.description,
        process_type=echo.process_type,
        invoice_no=echo.invoice_no,
        amount=decision.amount,
        status=decision.status,
        approval_code=txn.approval_code if txn else None,
        reference_no=txn.reference_no if txn else None,
        refund_reference_no=new_refund.reference_no if new_refund else None,
        transaction_date_time=_date_time(txn.created_at) if txn else None,
        masked_pan=txn.masked_pan if txn and card else None,
        eci="05" if card else None,
        payment_scheme=txn.payment_scheme if txn else None,
        process_by=txn.payment_scheme if txn else None,
        user_defined1=ud[0],
        user_defined2=ud[1],
        user_defined3=ud[2],
        user_defined4=ud[3],
        user_defined5=ud[4],
        refund_list=_refund_list(refunds) if echo.process_type == "RS" else None,
    )


def build_notification(
    txn: Transaction, refund: RefundRecord, *, now: datetime, version: str | None = None
) -> PaymentProcessResponse:
    """The final result of an asynchronous refund, as posted to the request's notifyURL."""
    return build_response(
        Echo("R", txn.invoice_no, version, refund.user_defined),
        Decision(notification_code(refund.status), refund.status, refund.amount),
        now=now,
        txn=txn,
        new_refund=refund,
    )
