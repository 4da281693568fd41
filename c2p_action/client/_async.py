"""The asyncio client: same operations as :class:`~c2p_action.client.Client`, awaited."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from types import TracebackType
from typing import Any, Self, TypeVar, Unpack, overload

from c2p_action.client._config import PrivateKeySource, PublicKeySource, Settings
from c2p_action.client._core import ClientBase, Exchange, SettingsOptions, decode, encode
from c2p_action.client._reverse import (
    RefundNotices,
    RefundWait,
    Reversal,
    adrive,
    reverse_steps,
    wait_steps,
)
from c2p_action.client._trace import Recorder
from c2p_action.errors import C2PError
from c2p_action.operations import AmountLike, Operation, Result, funds
from c2p_action.operations.agent_status import AsyncAgentsService
from c2p_action.operations.card_token import AsyncCardTokenService
from c2p_action.operations.customer_token import AsyncCustomerTokenService
from c2p_action.operations.fx import AsyncFxService
from c2p_action.operations.installments import AsyncInstallmentsService
from c2p_action.operations.payment import (
    ActionOptions,
    CallOptions,
    InquiryOptions,
    PaymentResult,
    RefundOptions,
    SettleOptions,
)
from c2p_action.operations.recurring import AsyncRecurringService
from c2p_action.plugins.manager import PluginManager
from c2p_action.schemas import PaymentProcessRequest
from c2p_action.transports.base import AsyncTransport

__all__ = ["AsyncClient"]

_T = TypeVar("_T")
ResultT = TypeVar("ResultT")


class AsyncClient(ClientBase[AsyncTransport]):
    """Payment maintenance calls over an asyncio transport (default ``aiohttp``).

    Outcomes are those of the sync client. RSA work (sealing requests, opening answers) runs
    in a thread pool so the event loop never waits on it: ``executor`` if given (left open),
    otherwise a pool of one thread per core, created on first use and shut down in
    :meth:`aclose`. Keys in a KMS or a network HSM spend their time waiting, not computing:
    pass a larger ``ThreadPoolExecutor`` for those.
    Use it as ``async with``; it closes the transport and pool it created.
    """

    _default_transport = "aiohttp"
    _protocol = AsyncTransport

    def __init__(
        self,
        merchant_id: str | None = None,
        merchant_key: PrivateKeySource | Sequence[PrivateKeySource] | None = None,
        gateway_key: PublicKeySource | Sequence[PublicKeySource] | None = None,
        *,
        settings: Settings | None = None,
        plugins: PluginManager | None = None,
        executor: Executor | None = None,
        trace: str | os.PathLike[str] | Recorder | None = None,
        **options: Unpack[SettingsOptions],
    ) -> None:
        self._executor = executor
        self._owns_executor = executor is None
        super().__init__(
            merchant_id,
            merchant_key,
            gateway_key,
            settings=settings,
            plugins=plugins,
            trace=trace,
            **options,
        )

    def _create_transport(self, name: str) -> AsyncTransport:
        return self.plugins.async_transport(name, self.settings.transport_options)

    # -- payment process -----------------------------------------------------------------------

    async def refund(
        self, invoice_no: str, amount: AmountLike, **options: Unpack[RefundOptions]
    ) -> PaymentResult:
        """Refund ``amount`` of a settled transaction (gets an idempotencyID if none given)."""
        return await self.call(*self._refund_call(invoice_no, amount, options))

    async def void(
        self, invoice_no: str, amount: AmountLike, **options: Unpack[ActionOptions]
    ) -> PaymentResult:
        """Void (cancel) a transaction before settlement (gets an idempotencyID if none given)."""
        return await self.call(*self._void_call(invoice_no, amount, options))

    async def settle(
        self,
        invoice_no: str,
        amount: AmountLike | None = None,
        **options: Unpack[SettleOptions],
    ) -> PaymentResult:
        """Settle (capture) a pre-authorised transaction: the whole authorised amount, or
        ``amount`` (a partial settle, which only some merchants may do: 33 otherwise).
        Retried only with an idempotencyID."""
        return await self.call(*self._settle_call(invoice_no, amount, options))

    async def inquiry(
        self, invoice_no: str, amount: AmountLike | None = None, **options: Unpack[InquiryOptions]
    ) -> PaymentResult:
        """The transaction's current status (always safe to retry)."""
        return await self.call(*self._inquiry_call(invoice_no, amount, options))

    async def refund_status(
        self, invoice_no: str, amount: AmountLike | None = None, **options: Unpack[InquiryOptions]
    ) -> PaymentResult:
        """The invoice's refunds, each with its own status (always safe to retry)."""
        return await self.call(*self._refund_status_call(invoice_no, amount, options))

    # -- other families ------------------------------------------------------------------------

    @property
    def recurring(self) -> AsyncRecurringService:
        """Recurring payment plans: ``inquiry``, ``update``, ``cancel``."""
        return AsyncRecurringService(self)

    @property
    def installments(self) -> AsyncInstallmentsService:
        """Installment plans (IPP): ``options``."""
        return AsyncInstallmentsService(self)

    # -- balance and withdrawals (c2p_action.operations.funds) --------------------------------

    async def balance(self, **options: Unpack[CallOptions]) -> funds.BalanceResult:
        """The merchant's available balance and its currency (always safe to retry)."""
        return await self.call(*funds.balance_call(self.settings, options))

    @property
    def withdrawals(self) -> funds.AsyncWithdrawalsService:
        """Withdraw options and withdrawals: ``await client.withdrawals.withdraw(3, "100")``."""
        return funds.AsyncWithdrawalsService(self)

    @property
    def card_tokens(self) -> AsyncCardTokenService:
        """Stored cards: ``add``, ``inquiry``, ``update``, ``delete`` (card token maintenance)."""
        return AsyncCardTokenService(self)

    @property
    def fx(self) -> AsyncFxService:
        """FX rates: ``rate`` (one currency) and ``rates`` (every currency)."""
        return AsyncFxService(self)
    # -- the calls integrators write by hand ------------------------------------------------------

    async def reverse(
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
        return await adrive(reverse_steps(self, invoice_no, amount, key), self.call)

    async def wait_for_refund(
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
        return await adrive(steps, self.call, notices)

    @property
    def customer_tokens(self) -> AsyncCustomerTokenService:
        """Customer tokens 3.0: ``add``, ``get``, ``update``, ``delete`` (JSON, PGW host)."""
        return AsyncCustomerTokenService(self)

    @property
    def agents(self) -> AsyncAgentsService:
        """FPX Malaysia agent statuses: ``status`` (UNCONFIRMED: secondary sources only)."""
        return AsyncAgentsService(self)

    # -- any operation -------------------------------------------------------------------------

    @overload
    async def send(
        self, request: PaymentProcessRequest, **options: Unpack[CallOptions]
    ) -> PaymentResult: ...

    @overload
    async def send(self, request: object, **options: Unpack[CallOptions]) -> Result[Any, Any]: ...

    async def send(self, request: object, **options: Unpack[CallOptions]) -> Any:
        """Send any request model; the operation is found from the model (and its type field).

        Refunds and voids get an idempotencyID if they lack one.
        """
        return await self.call(*self._send_call(request, options))

    async def call(
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
                    token = await self._offload(encode, self._codec, exchange.call)
                raw = exchange.received(await self._transport.asend(exchange.request(token)))
                response = await self._offload(decode, self._codec, exchange.call, raw)
                result: ResultT = exchange.finish(response)
                return result
            except C2PError as exc:
                delay = exchange.retry_delay(exc)
                if delay is None:
                    raise
            await asyncio.sleep(delay)

    async def _offload(self, function: Callable[..., _T], *args: Any) -> _T:
        if self._executor is None:
            # One thread per core: RSA releases the GIL, but the XML steps do not, and extra
            # threads only lengthen the waits of the event loop's thread for the GIL.
            self._executor = ThreadPoolExecutor(
                max_workers=os.cpu_count() or 1, thread_name_prefix="c2p-codec"
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(function, *args))

    async def aclose(self) -> None:
        """Close the transport and thread pool if this client created them."""
        if self._owns_transport:
            await self._transport.aclose()
        if self._owns_executor and self._executor is not None:
            # Calls are over; not waiting keeps the loop free even if a worker lingers.
            self._executor.shutdown(wait=False)
            self._executor = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
