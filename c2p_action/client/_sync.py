"""The blocking client."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Self, Unpack

from c2p_action.client._build import (
    ActionOptions,
    AmountLike,
    InquiryOptions,
    RefundOptions,
    build_action,
    build_refund,
)
from c2p_action.client._core import ClientBase, Exchange, decode, encode
from c2p_action.client._results import PaymentResult
from c2p_action.errors import C2PError
from c2p_action.schemas import PaymentProcessRequest, ProcessType
from c2p_action.transports.base import Transport

__all__ = ["Client"]


class Client(ClientBase[Transport]):
    """Payment maintenance calls over a blocking transport (default ``urllib3``).

    Every operation returns a :class:`PaymentResult` for ``00`` (success) and ``42``
    (refund pending) and raises a ``GatewayError`` subclass for any other code, a codec error
    for an answer that does not verify or decrypt, and ``TransportError`` when no answer came.
    Use it as a context manager, or call :meth:`close`: it closes the transport it created.
    """

    _default_transport = "urllib3"
    _protocol = Transport

    def _create_transport(self, name: str) -> Transport:
        return self.plugins.sync_transport(name, self.settings.transport_options)

    def refund(
        self, invoice_no: str, amount: AmountLike, **options: Unpack[RefundOptions]
    ) -> PaymentResult:
        """Refund ``amount`` of a settled transaction (gets an idempotencyID if none given)."""
        return self.send(build_refund(self.settings, invoice_no, amount, options))

    def void(
        self, invoice_no: str, amount: AmountLike, **options: Unpack[ActionOptions]
    ) -> PaymentResult:
        """Void (cancel) a transaction before settlement (gets an idempotencyID if none given)."""
        return self.send(build_action(self.settings, ProcessType.V, invoice_no, amount, **options))

    def settle(
        self, invoice_no: str, amount: AmountLike, **options: Unpack[ActionOptions]
    ) -> PaymentResult:
        """Settle (capture) a pre-authorised transaction; retried only with an idempotencyID."""
        return self.send(build_action(self.settings, ProcessType.S, invoice_no, amount, **options))

    def inquiry(
        self, invoice_no: str, amount: AmountLike | None = None, **options: Unpack[InquiryOptions]
    ) -> PaymentResult:
        """The transaction's current status (always safe to retry)."""
        return self.send(build_action(self.settings, ProcessType.I, invoice_no, amount, **options))

    def refund_status(
        self, invoice_no: str, amount: AmountLike | None = None, **options: Unpack[InquiryOptions]
    ) -> PaymentResult:
        """The invoice's refunds and their statuses (always safe to retry)."""
        return self.send(
            build_action(self.settings, ProcessType.RS, invoice_no, amount, **options)
        )

    def send(self, request: PaymentProcessRequest) -> PaymentResult:
        """Send any request model; refunds and voids get an idempotencyID if they lack one."""
        exchange = Exchange(self.settings, request)
        token: str | None = None
        while True:
            try:
                if token is None:
                    token = encode(self._codec, exchange.call)
                raw = self._transport.send(exchange.request(token))
                return exchange.finish(decode(self._codec, exchange.call, raw))
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
