"""What a successful or pending call returns, for every family."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from c2p_action.schemas.codes import GatewayCode

__all__ = ["Result"]

RespT = TypeVar("RespT")
CodeT = TypeVar("CodeT", bound=GatewayCode)


@dataclass(frozen=True, slots=True)
class Result(Generic[RespT, CodeT]):
    """A verified gateway answer whose code means success or pending.

    ``response`` is the verified, decrypted model (unknown elements or members stay reachable
    on it); ``code`` is the family's code enum (``.value`` is the raw string); ``description``
    is the gateway's own text. ``pending`` is true when the final outcome comes later (a
    pending refund), ``replayed`` when the answer is the gateway's "your original request is
    still pending" to a request whose idempotencyID was sent before: the original exists, so
    never send it again under a new id. ``idempotency_id`` is the id the request carried;
    ``attempts`` counts HTTP attempts.
    """

    operation: str
    response: RespT
    code: CodeT
    description: str
    pending: bool
    idempotency_id: str | None
    attempts: int
    replayed: bool = False
