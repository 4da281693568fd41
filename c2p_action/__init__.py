"""2C2P Payment Maintenance API (Payment Action 2.0) for Python.

The names here are the supported public API; everything else is reachable through the
subpackages (``c2p_action.codec``, ``c2p_action.keys``, ``c2p_action.errors`` ...).
"""

from c2p_action.client import AsyncClient, Client, PaymentResult, RetryPolicy, Settings
from c2p_action.codec import Codec, TokenInfo, inspect
from c2p_action.emulator import Emulator, Faults
from c2p_action.errors import (
    AmountError,
    C2PError,
    CodecError,
    ConfigurationError,
    DecryptionError,
    GatewayError,
    GatewayFailureError,
    HttpStatusError,
    IdempotencyConflictError,
    InvalidRequestError,
    KeyLoadError,
    KeyProviderError,
    NotAllowedError,
    NotFoundError,
    SignatureError,
    TokenFormatError,
    TransportError,
    ValidationError,
    XmlError,
)
from c2p_action.keys import (
    fingerprint,
    generate_merchant_keys,
    load_private_key,
    load_public_key,
)
from c2p_action.notifications import parse_notification
from c2p_action.plugins import PluginManager
from c2p_action.schemas import (
    LoyaltyPayments,
    LoyaltyRefund,
    PaymentProcessRequest,
    PaymentProcessResponse,
    ProcessType,
    Refund,
    RefundList,
    RefundRewards,
    RespCode,
    Reward,
    RewardType,
    SubMerchant,
    SubMerchantList,
    TransactionStatus,
)
from c2p_action.transports import InProcessTransport

__all__ = [
    "AmountError",
    "AsyncClient",
    "C2PError",
    "Client",
    "Codec",
    "CodecError",
    "ConfigurationError",
    "DecryptionError",
    "Emulator",
    "Faults",
    "GatewayError",
    "GatewayFailureError",
    "HttpStatusError",
    "IdempotencyConflictError",
    "InProcessTransport",
    "InvalidRequestError",
    "KeyLoadError",
    "KeyProviderError",
    "LoyaltyPayments",
    "LoyaltyRefund",
    "NotAllowedError",
    "NotFoundError",
    "PaymentProcessRequest",
    "PaymentProcessResponse",
    "PaymentResult",
    "PluginManager",
    "ProcessType",
    "Refund",
    "RefundList",
    "RefundRewards",
    "RespCode",
    "RetryPolicy",
    "Reward",
    "RewardType",
    "Settings",
    "SignatureError",
    "SubMerchant",
    "SubMerchantList",
    "TokenFormatError",
    "TokenInfo",
    "TransactionStatus",
    "TransportError",
    "ValidationError",
    "XmlError",
    "fingerprint",
    "generate_merchant_keys",
    "inspect",
    "load_private_key",
    "load_public_key",
    "parse_notification",
]
