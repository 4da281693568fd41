"""``reverse`` and ``wait_for_refund``: the calls integrators otherwise write by hand.

Both are written once, as generators that yield the calls to make (and the pauses to take)
and receive each call's result, or its error thrown back in; :func:`drive` runs them on the
blocking client and :func:`adrive` on the asyncio one. The logic is shared; only the waiting
differs.

``reverse(invoice_no, amount=None)`` (reference §4):

1. inquiry: the transaction's own status and amount;
2. not settled yet (``A``, ``AP``, ``RS``): a void, for the whole amount only; a partial
   amount is refused here (:class:`~c2p_action.errors.ValidationError`) before anything
   changes;
3. settled (``S``; also the refund statuses ``RP``/``RF``/``RR``... some gateways report for a
   settled payment with refunds): a refund of ``amount`` (default: the whole amount);
4. already voided (``V``, ``VP``): nothing is sent;
5. a void that loses the race with settlement (39 "already settled", or 21 "void not
   allowed" when a second inquiry then shows it settled) falls back to one refund.

Every void and refund it sends carries an idempotencyID derived from the merchant, invoice,
amount and an optional ``key`` (:func:`reversal_ids`), so calling ``reverse`` again for the
same reversal (after a timeout, a crash, in another process) replays the original answer
instead of refunding twice. Two different reversals of the same amount of one invoice need
different keys.

``wait_for_refund(invoice_no, refund)`` polls refund status with backoff until the refund is
final (``RF`` confirmed; ``RFF``/``RR``/``RR1``-``RR3`` failed) or the timeout passes
(:class:`~c2p_action.errors.WaitTimeoutError`). Polling is the contract: in production the
notification reaches another process. A :class:`RefundNotices` fed by this process's
notification receiver may end the wait early.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeVar

from c2p_action.errors import (
    C2PError,
    GatewayError,
    TransportError,
    ValidationError,
    WaitTimeoutError,
)
from c2p_action.operations import AmountLike, Operation, payment, to_amount
from c2p_action.operations.payment import ActionOptions, CallOptions, PaymentResult
from c2p_action.schemas import PaymentProcessResponse, ProcessType, TransactionStatus

if TYPE_CHECKING:
    from c2p_action.client._core import ClientBase

__all__ = [
    "FINAL_REFUND_STATUSES",
    "Pause",
    "RefundNotices",
    "RefundWait",
    "Reversal",
    "ReversalAction",
    "adrive",
    "drive",
    "plan_reversal",
    "reversal_ids",
    "reverse_steps",
    "wait_steps",
]

_T = TypeVar("_T")

#: Not settled yet: a void cancels it (inferred for ``RS`` and ``AP``: reference §4, §6).
VOIDABLE: Final = frozenset({"A", "AP", "RS"})
#: Settled (refund statuses are reported for settled payments that have refunds).
REFUNDABLE: Final = frozenset({"S", "RP", "RF", "RFF", "RR", "RR1", "RR2", "RR3"})
#: Already cancelled, or being cancelled.
VOIDED: Final = frozenset({"V", "VP"})
#: A refund's final statuses: confirmed, and the failures.
SUCCEEDED: Final = frozenset({"RF"})
FAILED: Final = frozenset({"RFF", "RR", "RR1", "RR2", "RR3"})
FINAL_REFUND_STATUSES: Final = SUCCEEDED | FAILED
#: The longest pause between two refund-status polls, unless ``poll`` itself is longer.
MAX_POLL_INTERVAL: Final = 60.0
_BACKOFF: Final = 1.5


class ReversalAction(StrEnum):
    """What :meth:`reverse` sent."""

    VOID = "void"
    REFUND = "refund"
    #: Nothing: the transaction was already voided (or its void is pending).
    NOTHING = "nothing"


@dataclass(frozen=True, slots=True)
class Reversal:
    """What ``reverse`` found and did.

    ``status`` is the transaction status the first inquiry reported; ``result`` the verified
    answer to the void or refund (``None`` when nothing was sent); ``idempotency_id`` the id
    that void or refund carried (derived, see :func:`reversal_ids`: calling ``reverse`` again
    for the same reversal sends the same one); ``fell_back`` is true when a void lost the race
    with settlement and a refund was sent instead; ``note`` says all that in words.
    """

    invoice_no: str
    action: ReversalAction
    status: TransactionStatus | None
    amount: Decimal | None
    result: PaymentResult | None
    idempotency_id: str | None
    fell_back: bool
    note: str

    @property
    def pending(self) -> bool:
        """Whether the refund is pending (its final status comes later)."""
        return self.result is not None and self.result.pending


@dataclass(frozen=True, slots=True)
class RefundWait:
    """How a refund ended (or stood, when ``wait_for_refund`` returns early).

    ``status`` is the refund's own status (``RF``, ``RFF``, ``RR``...); ``succeeded`` is true
    for ``RF``; ``source`` says whether polling (``"poll"``) or a notification seen in this
    process (``"notification"``) told; ``polls`` counts refund-status calls.
    """

    invoice_no: str
    reference: str
    status: TransactionStatus
    amount: Decimal | None
    source: str
    polls: int

    @property
    def final(self) -> bool:
        """Whether the status is final."""
        return self.status.value in FINAL_REFUND_STATUSES

    @property
    def succeeded(self) -> bool:
        """Whether the refund was confirmed."""
        return self.status.value in SUCCEEDED


@dataclass(frozen=True, slots=True)
class Pause:
    """A step: wait ``seconds`` (a notice about ``reference`` may end the wait early)."""

    seconds: float
    reference: str


Call: TypeAlias = tuple[Operation[Any, Any], object, CallOptions]
Step: TypeAlias = Call | Pause


def reversal_ids(
    merchant_id: str, invoice_no: str, amount: AmountLike | None = None, key: str | None = None
) -> tuple[str, str]:
    """The idempotencyIDs of one reversal: ``(void_id, refund_id)``.

    Derived from the merchant, invoice, amount (``None``: the whole amount) and ``key``, so
    a retry of the same reversal, in this process or another, sends the same ids and the
    gateway answers the original instead of acting twice. Persist them, or recompute them.
    """
    shown = "full" if amount is None else f"{to_amount(amount):f}"
    material = "\x00".join(("c2p-reverse", merchant_id, invoice_no, shown, key or ""))
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()[:40]
    return f"rv-{digest}", f"rr-{digest}"


def plan_reversal(
    invoice_no: str,
    status: TransactionStatus | None,
    total: Decimal | None,
    wanted: Decimal | None,
) -> ReversalAction:
    """Void, refund or nothing, for a transaction in ``status``; refuses what cannot be done.

    Raises :class:`~c2p_action.errors.ValidationError` for a partial amount before settlement
    (a void is for the whole amount), an amount above the transaction's, and a status with
    nothing to reverse (failed, expired ...).
    """
    code = "" if status is None else status.value
    if wanted is not None and total is not None and wanted > total:
        raise ValidationError(f"{invoice_no}: {wanted:f} is more than the transaction's {total:f}")
    if code in VOIDABLE:
        if wanted is not None and total is not None and wanted != total:
            raise ValidationError(
                f"{invoice_no} is not settled yet (status {code}): a void cancels the whole"
                f" {total:f}, so a partial reversal of {wanted:f} is refused. Reverse the whole"
                " amount now, or refund part of it once it is settled."
            )
        return ReversalAction.VOID
    if code in REFUNDABLE:
        return ReversalAction.REFUND
    if code in VOIDED:
        return ReversalAction.NOTHING
    meaning = f" ({status.name.lower().replace('_', ' ')})" if status and status.known else ""
    raise ValidationError(
        f"{invoice_no} has status {code or 'none'}{meaning}: there is nothing this library"
        " knows how to reverse; check the payment in the merchant portal"
    )


def _status(result: PaymentResult) -> TransactionStatus | None:
    return result.status


def reverse_steps(
    client: ClientBase[Any],
    invoice_no: str,
    amount: AmountLike | None,
    key: str | None,
) -> Generator[Step, Any, Reversal]:
    """The calls of one reversal (see the module docstring); drive with :func:`drive`."""
    wanted = None if amount is None else to_amount(amount)
    void_id, refund_id = reversal_ids(client.settings.merchant_id, invoice_no, wanted, key)
    inquiry: PaymentResult = yield client._inquiry_call(invoice_no, None, {})
    status, total = _status(inquiry), inquiry.amount
    action = plan_reversal(invoice_no, status, total, wanted)
    if action is ReversalAction.NOTHING:
        return Reversal(
            invoice_no,
            action,
            status,
            None,
            None,
            None,
            False,
            f"{invoice_no} is already voided (status {status}): nothing sent",
        )
    if action is ReversalAction.VOID:
        void_amount = total if total is not None else wanted
        try:
            voided: PaymentResult = yield client._payment(
                payment.VOID,
                ProcessType.V,
                invoice_no,
                void_amount,
                {"idempotency_id": void_id},
                ActionOptions,
            )
        except GatewayError as error:
            if not (yield from _lost_race(client, invoice_no, error)):
                raise error
        else:
            return Reversal(
                invoice_no,
                action,
                status,
                void_amount,
                voided,
                void_id,
                False,
                f"voided {invoice_no} (status {status}: not settled yet)",
            )
        fell_back = True
    else:
        fell_back = False
    refund_amount = wanted if wanted is not None else total
    if refund_amount is None:
        raise ValidationError(
            f"the inquiry of {invoice_no} reported no amount: pass the amount to refund"
        )
    refunded: PaymentResult = yield client._refund_call(
        invoice_no, refund_amount, {"idempotency_id": refund_id}
    )
    why = (
        "the void lost the race with settlement, so it was refunded instead"
        if fell_back
        else f"status {status}: settled"
    )
    state = "pending" if refunded.pending else "done"
    return Reversal(
        invoice_no,
        ReversalAction.REFUND,
        status,
        refund_amount,
        refunded,
        refund_id,
        fell_back,
        f"refunded {refund_amount:f} of {invoice_no} ({why}); refund {state}",
    )


def _lost_race(
    client: ClientBase[Any], invoice_no: str, error: GatewayError
) -> Generator[Step, Any, bool]:
    """Whether a refused void means "settled meanwhile" (39 directly; 21 after an inquiry)."""
    if error.code == "39":
        return True
    if error.code != "21":
        return False
    again: PaymentResult = yield client._inquiry_call(invoice_no, None, {})
    status = _status(again)
    return status is not None and status.value == "S"


def _reference(refund: str | PaymentResult) -> str:
    if isinstance(refund, PaymentResult):
        if not refund.refund_reference_no:
            raise ValidationError(
                "this refund answer carries no refundReferenceNo to follow; pass the"
                " reference number from refund_status instead"
            )
        return refund.refund_reference_no.strip()
    if not isinstance(refund, str) or not refund.strip():
        raise ValidationError("pass the refund's reference number (or its PaymentResult)")
    return refund.strip()


def _check_wait(timeout: float, poll: float) -> None:
    for name, value in (("timeout", timeout), ("poll", poll)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ValidationError(f"{name} must be a positive number of seconds")


def wait_steps(
    client: ClientBase[Any],
    invoice_no: str,
    refund: str | PaymentResult,
    timeout: float,
    poll: float,
    clock: Callable[[], float] = time.monotonic,
) -> Generator[Step, Any, RefundWait]:
    """Poll refund status until the refund is final; drive with :func:`drive`."""
    _check_wait(timeout, poll)
    reference = _reference(refund)
    deadline = clock() + timeout
    interval = float(poll)
    polls = 0
    last: str | None = None
    while True:
        try:
            answer: PaymentResult = yield client._refund_status_call(invoice_no, None, {})
        except TransportError as error:
            # A passing outage (after the client's own retries) does not end a long wait.
            if not error.retryable:
                raise
        else:
            polls += 1
            for item in answer.refunds:
                if (item.reference_no or "").strip() == reference:
                    last = (item.status or "").strip()
                    if last in FINAL_REFUND_STATUSES:
                        return RefundWait(
                            invoice_no,
                            reference,
                            TransactionStatus(last),
                            item.amount,
                            "poll",
                            polls,
                        )
        remaining = deadline - clock()
        if remaining <= 0:
            seen = f"still {last}" if last else "not in the refund list"
            raise WaitTimeoutError(
                f"refund {reference} of {invoice_no} is {seen} after {timeout:g}s;"
                " poll refund-status again later (its final status also goes to the"
                " notifyURL)",
                last_status=last,
            )
        notice = yield Pause(min(interval, remaining), reference)
        if isinstance(notice, PaymentProcessResponse) and (notice.status or "") in (
            FINAL_REFUND_STATUSES
        ):
            return RefundWait(
                invoice_no,
                reference,
                TransactionStatus(notice.status or ""),
                notice.amount,
                "notification",
                polls,
            )
        interval = min(interval * _BACKOFF, max(poll, MAX_POLL_INTERVAL))


class RefundNotices:
    """Refund notifications this process has seen, so a wait can end before its next poll.

    Feed it from your notification receiver (``notification_app(codec, notices.add)``, or
    call :meth:`add` from your own callback after ``parse_notification``) and pass it as
    ``wait_for_refund(..., notices=notices)``. Only verified notifications should reach it.
    Thread-safe; works for blocking and asyncio waiters alike.
    """

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._seen: dict[str, PaymentProcessResponse] = {}
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def add(self, notification: PaymentProcessResponse) -> None:
        """Remember a verified refund notification (keyed by its refundReferenceNo)."""
        reference = (notification.refund_reference_no or "").strip()
        if not reference:
            return
        with self._lock:
            self._seen[reference] = notification
            self._lock.notify_all()
            waiters = list(self._waiters)
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    def get(self, reference: str) -> PaymentProcessResponse | None:
        """The notification seen for ``reference``, if any."""
        with self._lock:
            return self._seen.get(reference)

    def wait(self, reference: str, timeout: float) -> PaymentProcessResponse | None:
        """Block up to ``timeout`` seconds for a notification about ``reference``."""
        with self._lock:
            self._lock.wait_for(lambda: reference in self._seen, timeout=timeout)
            return self._seen.get(reference)

    async def await_(self, reference: str, timeout: float) -> PaymentProcessResponse | None:
        """:meth:`wait` for asyncio: never blocks the event loop."""
        deadline = time.monotonic() + timeout
        event = asyncio.Event()
        entry = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiters.append(entry)
        try:
            while (found := self.get(reference)) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                event.clear()
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    return self.get(reference)
            return found
        finally:
            with self._lock:
                self._waiters.remove(entry)


def drive(
    steps: Generator[Step, Any, _T],
    call: Callable[..., Any],
    notices: RefundNotices | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> _T:
    """Run ``steps`` on a blocking client's ``call``."""
    reply: Any = None
    error: C2PError | None = None
    while True:
        try:
            step = steps.send(reply) if error is None else steps.throw(error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        reply, error = None, None
        if isinstance(step, Pause):
            if notices is not None:
                reply = notices.wait(step.reference, step.seconds)
            else:
                sleep(step.seconds)
            continue
        try:
            reply = call(*step)
        except C2PError as exc:
            error = exc


async def adrive(
    steps: Generator[Step, Any, _T],
    call: Callable[..., Awaitable[Any]],
    notices: RefundNotices | None = None,
) -> _T:
    """Run ``steps`` on an asyncio client's ``call``."""
    reply: Any = None
    error: C2PError | None = None
    while True:
        try:
            step = steps.send(reply) if error is None else steps.throw(error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        reply, error = None, None
        if isinstance(step, Pause):
            if notices is not None:
                reply = await notices.await_(step.reference, step.seconds)
            else:
                await asyncio.sleep(step.seconds)
            continue
        try:
            reply = await call(*step)
        except C2PError as exc:
            error = exc
