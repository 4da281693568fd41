"""The blocking client."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, Self, TypeVar, Unpack, overload

from c2p_action.client._core import ClientBase, Exchange, decode, encode
from c2p_action.client._reverse import (
    RefundNotices,
    RefundWait,
    Reversal,
    drive,
    reverse_steps,
    wait_steps,
)
from c2p_action.errors import C2PError
from c2p_action.operations import AmountLike, Operation, Result, funds
from c2p_action.operations.agent_status import AgentsService
from c2p_action.operations.card_token import CardTokenService
from c2p_action.operations.customer_token import CustomerTokenService
from c2p_action.operations.fx import FxService
from c2p_action.operations.installments import InstallmentsService
from c2p_action.operations.payment import (
    ActionOptions,
    CallOptions,
    InquiryOptions,
    PaymentResult,
    RefundOptions,
    SettleOptions,
)
from c2p_action.operations.recurring import RecurringService
from c2p_action.schemas import PaymentProcessRequest
from c2p_action.transports.base import Transport

__all__ = ["Client"]

ResultT = TypeVar("ResultT")


class Client(ClientBase[Transport]):
    """Payment maintenance calls over a blocking transport (default ``urllib3``).

    Every operation returns its result for a success or pending code and raises a
    ``GatewayError`` subclass for any other code, :class:`~c2p_action.errors.ResponseMismatchError`
    for a verified answer about another request, a codec error for an answer that does not
    verify or decrypt, and ``TransportError`` when no answer came. Use it as a context manager,
    or call :meth:`close`: it closes the transport it created. One client may be shared by
    many threads.
    """

    _default_transport = "urllib3"
    _protocol = Transport

    def _create_transport(self, name: str) -> Transport:
        return self.plugins.sync_transport(name, self.settings.transport_options)

    # -- payment process -----------------------------------------------------------------------

    def refund(
        self, invoice_no: str, amount: AmountLike, **options: Unpack[RefundOptions]
    ) -> PaymentResult:
        """Refund ``amount`` of a settled transaction (gets an idempotencyID if none given)."""
        return self.call(*self._refund_call(invoice_no, amount, options))

    def void(
        self, invoice_no: str, amount: AmountLike, **options: Unpack[ActionOptions]
    ) -> PaymentResult:
        """Void (cancel) a transaction before settlement (gets an idempotencyID if none given)."""
        return self.call(*self._void_call(invoice_no, amount, options))

    def settle(
        self,
        invoice_no: str,
        amount: AmountLike | None = None,
        **options: Unpack[SettleOptions],
    ) -> PaymentResult:
        """Settle (capture) a pre-authorised transaction: the whole authorised amount, or
        ``amount`` (a partial settle, which only some merchants may do: 33 otherwise).
        Retried only with an idempotencyID."""
        return self.call(*self._settle_call(invoice_no, amount, options))

    def inquiry(
        self, invoice_no: str, amount: AmountLike | None = None, **options: Unpack[InquiryOptions]
    ) -> PaymentResult:
        """The transaction's current status (always safe to retry)."""
        return self.call(*self._inquiry_call(invoice_no, amount, options))

    def refund_status(
        self, invoice_no: str, amount: AmountLike | None = None, **options: Unpack[InquiryOptions]
    ) -> PaymentResult:
        """The invoice's refunds, each with its own status (always safe to retry)."""
        return self.call(*self._refund_status_call(invoice_no, amount, options))

    # -- other families ------------------------------------------------------------------------

    @property
    def recurring(self) -> RecurringService:
        """Recurring payment plans: ``inquiry``, ``update``, ``cancel``."""
        return RecurringService(self)

    @property
    def installments(self) -> InstallmentsService:
        """Installment plans (IPP): ``options``."""
        return InstallmentsService(self)

    # -- balance and withdrawals (c2p_action.operations.funds) --------------------------------

    def balance(self, **options: Unpack[CallOptions]) -> funds.BalanceResult:
        """The merchant's available balance and its currency (always safe to retry)."""
        return self.call(*funds.balance_call(self.settings, options))

    @property
    def withdrawals(self) -> funds.WithdrawalsService:
        """Withdraw options and withdrawals: ``client.withdrawals.withdraw(3, "100.00")``."""
        return funds.WithdrawalsService(self)

    @property
    def card_tokens(self) -> CardTokenService:
        """Stored cards: ``add``, ``inquiry``, ``update``, ``delete`` (card token maintenance)."""
        return CardTokenService(self)

    @property
    def fx(self) -> FxService:
        """FX rates: ``rate`` (one currency) and ``rates`` (every currency)."""
        return FxService(self)
    # -- the calls integrators write by hand ------------------------------------------------------

    def reverse(
        self, invoice_no: str, amount: AmountLike | None = None, *, key: str | None = None
    ) -> Reversal:
        """Cancel a payment the right way for its state, and say which way it took.

        Inquires first; voids it while it is not settled (the whole amount only: a partial
        ``amount`` before settlement raises ``ValidationError``), refunds ``amount`` (default:
        the whole amount) once it is settled, sends nothing when it is already voided. A void
        that loses the race with settlement falls back to one refund. Every void and refund
        carries an idempotencyID derived from the invoice, amount and ``key``, so calling
        ``reverse`` again for the same reversal never refunds twice; give distinct ``key``s
        to two different reversals of the same amount.
        """
        return drive(reverse_steps(self, invoice_no, amount, key), self.call)

    def wait_for_refund(
        self,
        invoice_no: str,
        refund_reference_or_id: str | PaymentResult,
        *,
        timeout: float = 600.0,
        poll: float = 5.0,
        notices: RefundNotices | None = None,
    ) -> RefundWait:
        """Poll refund status until a pending refund is final, or raise ``WaitTimeoutError``.

        ``refund_reference_or_id`` is the refund's reference number (``refundReferenceNo``)
        or the refund's own result. Polls every ``poll`` seconds, then 1.5 times longer
        each time (at most a minute, unless ``poll`` is longer). ``notices`` (optional): the
        notifications this process receives, which may end the wait before the next poll.
        """
        steps = wait_steps(self, invoice_no, refund_reference_or_id, timeout, poll)
        return drive(steps, self.call, notices)

    @property
    def customer_tokens(self) -> CustomerTokenService:
        """Customer tokens 3.0: ``add``, ``get``, ``update``, ``delete`` (JSON, PGW host)."""
        return CustomerTokenService(self)

    @property
    def agents(self) -> AgentsService:
        """FPX Malaysia agent statuses: ``status`` (UNCONFIRMED: secondary sources only)."""
        return AgentsService(self)

    # -- any operation -------------------------------------------------------------------------

    @overload
    def send(
        self, request: PaymentProcessRequest, **options: Unpack[CallOptions]
    ) -> PaymentResult: ...

    @overload
    def send(self, request: object, **options: Unpack[CallOptions]) -> Result[Any, Any]: ...

    def send(self, request: object, **options: Unpack[CallOptions]) -> Any:
        """Send any request model; the operation is found from the model (and its type field).

        Refunds and voids get an idempotencyID if they lack one.
        """
        return self.call(*self._send_call(request, options))

    def call(
        self,
        operation: Operation[Any, ResultT],
        request: object,
        options: CallOptions | None = None,
    ) -> ResultT:
        """Run ``operation`` with ``request``: the one path every call of this client takes."""
        exchange = Exchange(self.settings, operation, request, options or {}, self.recorder)
        token: str | None = None
        while True:
            try:
                if token is None:
                    token = encode(self._codec, exchange.call)
                raw = exchange.received(self._transport.send(exchange.request(token)))
                result: ResultT = exchange.finish(decode(self._codec, exchange.call, raw))
                return result
            except C2PError as exc:
                delay = exchange.retry_delay(exc)
                if delay is None:
                    raise
            time.sleep(delay)

    def close(self) -> None:
        """Close the transport if this client created it."""
        if self._owns_transport:
            self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
