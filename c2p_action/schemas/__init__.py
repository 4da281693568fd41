"""Message models of the Payment Maintenance API.

``models`` is generated from ``payment_action.xsd`` by xsdata (see CODEGEN.md; never edit it);
``codes`` holds the hand-written ``RespCode`` and ``TransactionStatus`` enums.
"""

from c2p_action.schemas.codes import RespCode, TransactionStatus
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

__all__ = [
    "LoyaltyPayments",
    "LoyaltyRefund",
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
