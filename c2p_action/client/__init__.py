"""The clients merchants call: :class:`Client` (blocking) and :class:`AsyncClient` (asyncio).

Both take the same settings (arguments, a :class:`Settings`, or ``C2P_*`` variables), expose
the same operations, share one retry policy and one request-building / response-interpreting
core, and differ only in how they send and wait.
"""

from c2p_action.client._async import AsyncClient
from c2p_action.client._build import (
    ActionOptions,
    AmountLike,
    InquiryOptions,
    RefundOptions,
    to_amount,
)
from c2p_action.client._config import ENDPOINTS, Settings, resolve_endpoint
from c2p_action.client._idempotency import check_idempotency_id, new_idempotency_id
from c2p_action.client._logging import redact_xml
from c2p_action.client._outcomes import error_class_for
from c2p_action.client._results import PaymentResult
from c2p_action.client._retry import RetryPolicy
from c2p_action.client._sync import Client

__all__ = [
    "ENDPOINTS",
    "ActionOptions",
    "AmountLike",
    "AsyncClient",
    "Client",
    "InquiryOptions",
    "PaymentResult",
    "RefundOptions",
    "RetryPolicy",
    "Settings",
    "check_idempotency_id",
    "error_class_for",
    "new_idempotency_id",
    "redact_xml",
    "resolve_endpoint",
    "to_amount",
]
