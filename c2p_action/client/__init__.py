"""The clients merchants call: :class:`Client` (blocking) and :class:`AsyncClient` (asyncio).

Both take the same settings (arguments, a :class:`Settings`, or ``C2P_*`` variables), expose
the same operations, share one retry policy and one core (the operations table in
:mod:`c2p_action.operations` decides how each operation is built, sealed and interpreted), and
differ only in how they send and wait.
"""

from c2p_action.client._async import AsyncClient
from c2p_action.client._config import SANDBOX_CERTIFICATE, Settings
from c2p_action.client._logging import redact_xml
from c2p_action.client._retry import RetryPolicy
from c2p_action.client._sync import Client
from c2p_action.operations import (
    ENVIRONMENTS,
    AmountLike,
    Environment,
    Result,
    check_idempotency_id,
    new_idempotency_id,
    to_amount,
)
from c2p_action.operations.payment import (
    ActionOptions,
    CallOptions,
    InquiryOptions,
    PaymentResult,
    RefundOptions,
    SettleOptions,
)

__all__ = [
    "ENVIRONMENTS",
    "SANDBOX_CERTIFICATE",
    "ActionOptions",
    "AmountLike",
    "AsyncClient",
    "CallOptions",
    "Client",
    "Environment",
    "InquiryOptions",
    "PaymentResult",
    "RefundOptions",
    "Result",
    "RetryPolicy",
    "Settings",
    "SettleOptions",
    "check_idempotency_id",
    "new_idempotency_id",
    "redact_xml",
    "to_amount",
]
