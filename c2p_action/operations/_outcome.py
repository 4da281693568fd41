"""The two pure steps around the wire: preparing a call, and reading its verified answer.

:func:`prepare` fixes what must not change between attempts (the request and its
idempotencyID) and decides whether the call may be repeated. :func:`interpret` turns a verified
response into a result or a typed error, in this order:

1. the answer is bound to the request (the operation's :class:`~c2p_action.operations.Bind`
   rules): a verified answer about another request raises
   :class:`~c2p_action.errors.ResponseMismatchError` and is never reported as this call's
   outcome;
2. the code is read with the family's :class:`~c2p_action.operations.CodeTable`: success and
   pending codes give a result; a "pending replay" code answering a request whose
   idempotencyID was sent before gives a pending result marked ``replayed``; anything else
   raises the mapped :class:`~c2p_action.errors.GatewayError` subclass.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from c2p_action.errors import Mismatch, ResponseMismatchError, ValidationError
from c2p_action.operations._spec import Operation, RetrySafety
from c2p_action.operations._values import check_idempotency_id, new_idempotency_id

__all__ = ["PreparedCall", "interpret", "prepare"]


@dataclass(frozen=True, slots=True)
class PreparedCall:
    """A request ready to encode, with what the client needs to send and retry it.

    ``idempotency_given``: the caller supplied the idempotencyID, so it may have been sent
    before (by an earlier process that kept it).
    """

    operation: Operation[Any, Any]
    request: Any
    idempotency_id: str | None
    idempotency_given: bool
    safe_to_retry: bool


def prepare(operation: Operation[Any, Any], request: object) -> PreparedCall:
    """Check the request's type, fix its idempotencyID once, and decide retry safety.

    The caller's model is never mutated: when the operation adds an idempotencyID the call
    gets a copy carrying it.
    """
    if not isinstance(request, operation.request_type):
        raise ValidationError(
            f"{operation.name} sends a {operation.request_type.__name__},"
            f" not {type(request).__name__}"
        )
    idempotency_id = operation.idempotency_id_of(request)
    given = idempotency_id is not None
    if given:
        check_idempotency_id(idempotency_id)
    elif operation.auto_idempotency and operation.idempotency_field is not None:
        idempotency_id = new_idempotency_id()
        request = dataclasses.replace(request, **{operation.idempotency_field: idempotency_id})
    safe = operation.retry is RetrySafety.ALWAYS or (
        operation.retry is RetrySafety.WITH_IDEMPOTENCY_ID and idempotency_id is not None
    )
    return PreparedCall(operation, request, idempotency_id, given, safe)


def _replay_hint(call: PreparedCall, mismatches: list[Mismatch]) -> str:
    if call.idempotency_id is None:
        return ""
    other = ", ".join(f"{m.field} {m.received}" for m in mismatches if m.received is not None)
    if not other:
        return ""
    return (
        f"idempotencyID {call.idempotency_id!r} was already used for another request ({other}):"
        " 2C2P answers a repeated idempotencyID with the original response and does not act"
        " again, so by its documented rule nothing was done for this request. Send it again"
        " with a new idempotencyID."
    )


def interpret(call: PreparedCall, response: object, *, attempts: int) -> Any:
    """The result of a call from its verified response, or the typed error it stands for."""
    operation = call.operation
    table = operation.codes
    code = table.code_of(response)
    replayed = (
        code.value in operation.replay_pending
        and call.idempotency_id is not None
        # A fresh id on its first attempt cannot have been sent before.
        and (call.idempotency_given or attempts > 1)
    )
    final = code.value in table.success or code.value in table.pending
    accepted = final or replayed
    mismatches = []
    for bind in operation.binding:
        # Only a success or pending answer must carry every echo; the rest are compared
        # where present (a refusal, or a replay notice, may not echo everything).
        found = bind.check(call.request, response, accepted=final)
        if found is not None:
            mismatches.append(Mismatch(bind.name, *found))
    if mismatches:
        raise ResponseMismatchError(
            operation.name,
            mismatches,
            response,
            hint=_replay_hint(call, mismatches),
            idempotency_id=call.idempotency_id,
        )
    if accepted:
        return operation.result(
            operation=operation.name,
            response=response,
            code=code,
            description=table.description_of(response),
            pending=code.value not in table.success,
            idempotency_id=call.idempotency_id,
            attempts=attempts,
            replayed=replayed,
        )
    raise table.error_class(code.value)(
        code if code.value else "<missing>",
        table.description_of(response),
        response,
        idempotency_id=call.idempotency_id,
        operation=operation.name,
    )
