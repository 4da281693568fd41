"""Message models of the Payment Maintenance API.

``models`` is generated from ``payment_action.xsd`` by xsdata (see CODEGEN.md; never edit it);
``codes`` holds the hand-written code enums (``RespCode``, ``TransactionStatus`` ...).
:data:`XML_REQUEST_MODELS` and :data:`XML_RESPONSE_MODELS` list the XML root models of each
role, so a document can be bound by its root element.
"""

from typing import Any, Final

from c2p_action.schemas.codes import GatewayCode, OpenEnum, RespCode, TransactionStatus
from c2p_action.schemas.models import (
    LoyaltyPayments,
    LoyaltyRefund,
    PaymentProcessRequest,
    PaymentProcessResponse,
    ProcessType,
    Refund,
    RefundList,
    RefundRewards,
    Reward,
    RewardType,
    SubMerchant,
    SubMerchantList,
)

#: Every XML request model with a root element of its own (what a merchant sends).
XML_REQUEST_MODELS: Final[tuple[type[Any], ...]] = (PaymentProcessRequest,)
#: Every XML response model with a root element of its own (what the gateway answers). Kept
#: apart from the requests so a sealed request can never be read back as an answer.
XML_RESPONSE_MODELS: Final[tuple[type[Any], ...]] = (PaymentProcessResponse,)

__all__ = [
    "XML_REQUEST_MODELS",
    "XML_RESPONSE_MODELS",
    "GatewayCode",
    "LoyaltyPayments",
    "LoyaltyRefund",
    "OpenEnum",
    "PaymentProcessRequest",
    "PaymentProcessResponse",
    "ProcessType",
    "Refund",
    "RefundList",
    "RefundRewards",
    "RespCode",
    "Reward",
    "RewardType",
    "SubMerchant",
    "SubMerchantList",
    "TransactionStatus",
]
