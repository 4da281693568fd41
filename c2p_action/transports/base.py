"""The transport contract: a prepared HTTP request in, status + headers + body out.

Transports do I/O and nothing else: no retries, no codec, no interpretation. They map their
library's failures to :class:`c2p_action.errors.TransportError` with ``retryable`` set.
A class may implement both protocols (the in-process transport does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class TransportRequest:
    """A request ready to go on the wire; ``timeout`` is the whole exchange, in seconds."""

    url: str
    body: bytes
    headers: Mapping[str, str]
    timeout: float


@dataclass(frozen=True, slots=True)
class TransportResponse:
    """What came back, before any verification."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Transport(Protocol):
    """A blocking transport (used by :class:`c2p_action.Client`)."""

    def send(self, request: TransportRequest) -> TransportResponse: ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncTransport(Protocol):
    """An asyncio transport (used by :class:`c2p_action.AsyncClient`)."""

    async def asend(self, request: TransportRequest) -> TransportResponse: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class TransportOptions:
    """What a transport factory is given when a client creates a transport by name.

    ``timeout`` is the default for the whole exchange (each request also carries its own);
    ``max_connections`` bounds the pool; ``verify_tls`` is on unless a test turns it off
    explicitly; ``ca_file`` adds a CA bundle (PEM) instead of the system store.
    """

    timeout: float = 60.0
    content_type: str = "text/plain"
    max_connections: int = 10
    verify_tls: bool = True
    ca_file: str | None = None
    max_response_bytes: int = 1 << 20
