"""Message models of the Payment Maintenance API.

``models`` is generated from ``payment_action.xsd`` by xsdata (see CODEGEN.md; never edit it),
``recurring_models`` from ``recurring.xsd`` and ``ipp_models`` from ``ipp.xsd``;
``codes`` holds the hand-written code enums (``RespCode``, ``TransactionStatus`` ...),
``currencies`` the ISO 4217 table (codes and minor-unit exponents) and ``funds`` the
hand-written JSON models of the balance and withdrawal messages.
:data:`XML_REQUEST_MODELS` and :data:`XML_RESPONSE_MODELS` list the XML root models of each
role, so a document can be bound by its root element.
"""

from typing import Any, Final

from c2p_action.schemas.codes import GatewayCode, OpenEnum, RespCode, TransactionStatus
from c2p_action.schemas.funds import (
    BalanceInquiryRequest,
    BalanceInquiryResponse,
    FundsRespCode,
    WithdrawOption,
    WithdrawOptionRequest,
    WithdrawOptionResponse,
    WithdrawRequest,
    WithdrawResponse,
)
from c2p_action.schemas.ipp_models import (
    IppBank,
    IppBanks,
    IppBins,
    IppInstallmentOptions,
    IppOption,
    IppOptionRequest,
    IppOptionResponse,
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
from c2p_action.schemas.recurring_models import (
    RecurringMaintenanceRequest,
    RecurringMaintenanceResponse,
    RecurringProcessType,
)

#: Every XML request model with a root element of its own (what a merchant sends).
XML_REQUEST_MODELS: Final[tuple[type[Any], ...]] = (
    PaymentProcessRequest,
    RecurringMaintenanceRequest,
    IppOptionRequest,
)
#: Every XML response model with a root element of its own (what the gateway answers). Kept
#: apart from the requests so a sealed request can never be read back as an answer.
XML_RESPONSE_MODELS: Final[tuple[type[Any], ...]] = (
    PaymentProcessResponse,
    RecurringMaintenanceResponse,
    IppOptionResponse,
)

__all__ = [
    "XML_REQUEST_MODELS",
    "XML_RESPONSE_MODELS",
    "BalanceInquiryRequest",
    "BalanceInquiryResponse",
    "FundsRespCode",
    "GatewayCode",
    "IppBank",
    "IppBanks",
    "IppBins",
    "IppInstallmentOptions",
    "IppOption",
    "IppOptionRequest",
    "IppOptionResponse",
    "LoyaltyPayments",
    "LoyaltyRefund",
    "OpenEnum",
    "PaymentProcessRequest",
    "PaymentProcessResponse",
    "ProcessType",
    "RecurringMaintenanceRequest",
    "RecurringMaintenanceResponse",
    "RecurringProcessType",
    "Refund",
    "RefundList",
    "RefundRewards",
    "RespCode",
    "Reward",
    "RewardType",
    "SubMerchant",
    "SubMerchantList",
    "TransactionStatus",
    "WithdrawOption",
    "WithdrawOptionRequest",
    "WithdrawOptionResponse",
    "WithdrawRequest",
    "WithdrawResponse",
]
