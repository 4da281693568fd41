"""Every operation the library speaks, declared as data, one module per message family.

- :mod:`c2p_action.operations.payment`: inquiry, void, settle, refund, refund status.
- :mod:`c2p_action.operations.recurring`: recurring plan inquiry, update, cancel.
- :mod:`c2p_action.operations.installments`: installment (IPP) options.
- :mod:`c2p_action.operations.funds`: balance, withdraw options, withdraw (JSON, JWS only).
- :mod:`c2p_action.operations.card_token`: stored cards (add, inquiry, update, delete).
- :mod:`c2p_action.operations.fx`: FX rates (one currency, every currency).
- :mod:`c2p_action.operations.customer_token`: customer tokens 3.0 (JSON: add, get, update,
  delete).
- :mod:`c2p_action.operations.agent_status`: FPX Malaysia agent statuses (JSON, UNCONFIRMED).

The types (:class:`Operation`, :class:`Endpoint`, :class:`Bind`, :class:`CodeTable` ...) are in
:mod:`c2p_action.operations._spec`; :func:`prepare` and :func:`interpret` are the two pure
steps every call goes through.

Adding a family touches these files and nothing in the client's call path, the codec, the
transports or the retry loop:

1. its schema in :mod:`c2p_action.schemas` (an XSD and the xsdata models generated from it, or
   JSON models), with its root models added to ``XML_REQUEST_MODELS``/``XML_RESPONSE_MODELS``;
2. its table here, ``c2p_action/operations/<family>.py``: the ``Operation`` declarations, the
   pure request builders and option ``TypedDict`` classes, its result class, and its services (a
   sync class written against :class:`Caller` and its async twin against
   :class:`AsyncCaller`, one line per method); listed in :data:`FAMILIES`;
3. one typed property per service on ``Client`` and ``AsyncClient`` (``client.recurring``);
4. its emulator rules, ``c2p_action/emulator/<family>.py``, implementing
   :class:`~c2p_action.emulator.families.FamilyRules`;
5. its CLI commands, ``c2p_action/cli/<family>.py``.
"""

from __future__ import annotations

from typing import Any, Final

from c2p_action.errors import ValidationError
from c2p_action.operations import (
    agent_status,
    card_token,
    customer_token,
    funds,
    fx,
    installments,
    payment,
    recurring,
)
from c2p_action.operations._environment import ENVIRONMENTS, Environment
from c2p_action.operations._outcome import PreparedCall, interpret, prepare
from c2p_action.operations._result import Result
from c2p_action.operations._spec import (
    AsyncCaller,
    Bind,
    BodyFormat,
    Caller,
    CallOptions,
    CodeTable,
    Endpoint,
    Envelope,
    Evidence,
    Mask,
    Operation,
    RetrySafety,
    read_field,
    unknown_element_text,
)
from c2p_action.operations._values import (
    MAX_IDEMPOTENCY_ID_LENGTH,
    AmountLike,
    check_idempotency_id,
    check_options,
    new_idempotency_id,
    to_amount,
)

__all__ = [
    "ENVIRONMENTS",
    "FAMILIES",
    "MAX_IDEMPOTENCY_ID_LENGTH",
    "AmountLike",
    "AsyncCaller",
    "Bind",
    "BodyFormat",
    "CallOptions",
    "Caller",
    "CodeTable",
    "Endpoint",
    "Envelope",
    "Environment",
    "Evidence",
    "Mask",
    "Operation",
    "PreparedCall",
    "Result",
    "RetrySafety",
    "all_operations",
    "check_idempotency_id",
    "check_options",
    "get_operation",
    "interpret",
    "new_idempotency_id",
    "operation_for",
    "operation_paths",
    "prepare",
    "read_field",
    "to_amount",
    "unknown_element_text",
]

#: The family modules; each declares ``OPERATIONS``.
FAMILIES: Final = (
    payment,
    recurring,
    installments,
    funds,
    card_token,
    fx,
    customer_token,
    agent_status,
)


def all_operations() -> tuple[Operation[Any, Any], ...]:
    """Every operation of every family."""
    return tuple(op for family in FAMILIES for op in family.OPERATIONS)


_BY_NAME: Final = {op.name: op for op in all_operations()}


def get_operation(name: str) -> Operation[Any, Any]:
    """The operation called ``name`` (``refund``, ``recurring.cancel`` ...)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValidationError(f"unknown operation {name!r}") from None


def operation_for(request: object) -> Operation[Any, Any]:
    """The operation a request model stands for (``send`` uses it).

    Raises :class:`~c2p_action.errors.ValidationError` for an object that is no operation's
    request model.
    """
    candidates = [op for op in all_operations() if type(request) is op.request_type]
    for op in candidates:
        if op.selects is None or op.selects(request):
            return op
    if candidates:
        raise ValidationError(
            f"{type(request).__name__} does not name an operation this library knows"
            " (check its processType / action)"
        )
    raise ValidationError(f"{type(request).__name__} is not a request model of any operation")


def operation_paths() -> frozenset[str]:
    """Every path an operation is posted to, in any environment."""
    return frozenset(
        path
        for op in all_operations()
        for path in (op.endpoint.sandbox_path, op.endpoint.production_path)
    )
