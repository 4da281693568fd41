"""A transport that hands each request to a Python callable: test without monkeypatching.

The handler may be sync or async. Under the async client a sync handler runs in a worker
thread (the gateway emulator does RSA work, which must not stall the event loop). The
request timeout is honoured: an async call is cancelled when it runs out; a sync call in the
caller's thread cannot be interrupted, so an answer that arrives late is discarded and
reported as a timeout, exactly as a network transport would report it.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeAlias

from c2p_action.errors import TransportError
from c2p_action.transports.base import TransportRequest, TransportResponse

__all__ = ["Handler", "InProcessTransport"]

Handler: TypeAlias = Callable[
    [TransportRequest], TransportResponse | Awaitable[TransportResponse]
]


def _timed_out(request: TransportRequest) -> TransportError:
    return TransportError(
        f"in-process handler did not answer within {request.timeout:g}s", retryable=True
    )


def _checked(result: object) -> TransportResponse:
    if not isinstance(result, TransportResponse):
        raise TypeError(
            f"in-process handler must return TransportResponse, got {type(result).__name__}"
        )
    return result


class InProcessTransport:
    """Both a :class:`~c2p_action.transports.base.Transport` and an ``AsyncTransport``.

    ``handler(request) -> TransportResponse`` (or an awaitable of one). Exceptions the handler
    raises propagate unchanged, so a failing test shows the handler's own traceback; raise
    :class:`~c2p_action.errors.TransportError` from it to simulate a network failure.
    """

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.closed = False

    def __repr__(self) -> str:
        return f"InProcessTransport({getattr(self._handler, '__qualname__', self._handler)!r})"

    def send(self, request: TransportRequest) -> TransportResponse:
        """Call the handler in this thread (an async handler gets its own event loop)."""
        started = time.monotonic()
        result: object = self._handler(request)
        if inspect.isawaitable(result):
            result = asyncio.run(_within(result, request))
        if time.monotonic() - started > request.timeout:
            raise _timed_out(request)
        return _checked(result)

    async def asend(self, request: TransportRequest) -> TransportResponse:
        """Await an async handler, or run a sync one in a worker thread."""
        if _is_async_callable(self._handler):
            awaitable = self._handler(request)
            assert inspect.isawaitable(awaitable)
            return _checked(await _within(awaitable, request))
        result = await _within(asyncio.to_thread(self._handler, request), request)
        if inspect.isawaitable(result):  # a plain function that returned a coroutine
            result = await _within(result, request)
        return _checked(result)

    def close(self) -> None:
        """Nothing to release; recorded so tests can check who closed what."""
        self.closed = True

    async def aclose(self) -> None:
        """Nothing to release; recorded so tests can check who closed what."""
        self.closed = True


def _is_async_callable(handler: object) -> bool:
    # Instances whose __call__ is async count too (the gateway emulator may be one).
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004
    )


async def _within(result: Awaitable[object], request: TransportRequest) -> object:
    try:
        return await asyncio.wait_for(result, timeout=request.timeout)
    except TimeoutError:
        raise _timed_out(request) from None
