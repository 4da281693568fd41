"""Message models of the Payment Maintenance API.

``models`` is generated from ``payment_action.xsd`` by xsdata (see CODEGEN.md; never edit it),
``card_token_models`` from ``card_token.xsd`` and ``fx_rate_models`` from ``fx_rate.xsd``;
``codes`` holds the hand-written code enums (``RespCode``, ``TransactionStatus`` ...) and
``card`` the card-data types (``CardNumber``, ``CardExpiry``: PCI DSS data that masks itself).
:data:`XML_REQUEST_MODELS` and :data:`XML_RESPONSE_MODELS` list the XML root models of each
role, so a document can be bound by its root element.
"""

from typing import Any, Final

from c2p_action.schemas.card import CardData, CardExpiry, CardNumber
from c2p_action.schemas.card_token_models import (
    CardTokenAction,
    MaintenanceRequest,
    MaintenanceResponse,
)
from c2p_action.schemas.codes import GatewayCode, OpenEnum, RespCode, TransactionStatus
from c2p_action.schemas.fx_rate_models import (
    FxCurrencyList,
    FxCurrencyRate,
    FxRateListRequest,
    FxRateListResponse,
    FxRateRequest,
    FxRateResponse,
)
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
XML_REQUEST_MODELS: Final[tuple[type[Any], ...]] = (
    PaymentProcessRequest,
    MaintenanceRequest,
    FxRateRequest,
    FxRateListRequest,
)
#: Every XML response model with a root element of its own (what the gateway answers). Kept
#: apart from the requests so a sealed request can never be read back as an answer.
XML_RESPONSE_MODELS: Final[tuple[type[Any], ...]] = (
    PaymentProcessResponse,
    MaintenanceResponse,
    FxRateResponse,
    FxRateListResponse,
)

__all__ = [
    "XML_REQUEST_MODELS",
    "XML_RESPONSE_MODELS",
    "CardData",
    "CardExpiry",
    "CardNumber",
    "CardTokenAction",
    "FxCurrencyList",
    "FxCurrencyRate",
    "FxRateListRequest",
    "FxRateListResponse",
    "FxRateRequest",
    "FxRateResponse",
    "GatewayCode",
    "LoyaltyPayments",
    "LoyaltyRefund",
    "MaintenanceRequest",
    "MaintenanceResponse",
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
