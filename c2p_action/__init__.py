"""2C2P Payment Maintenance API (Payment Action 2.0) for Python.

The names here are the supported public API; everything else is reachable through the
subpackages (``c2p_action.codec``, ``c2p_action.keys``, ``c2p_action.errors`` ...).
"""

from c2p_action.codec import Codec, TokenInfo, inspect
from c2p_action.errors import (
    C2PError,
    CodecError,
    DecryptionError,
    SignatureError,
    TokenFormatError,
    ValidationError,
    XmlError,
)
from c2p_action.keys import (
    fingerprint,
    generate_merchant_keys,
    load_private_key,
    load_public_key,
)
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

__all__ = [
    "C2PError",
    "Codec",
    "CodecError",
    "DecryptionError",
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
    "SignatureError",
    "SubMerchant",
    "SubMerchantList",
    "TokenFormatError",
    "TokenInfo",
    "TransactionStatus",
    "ValidationError",
    "XmlError",
    "fingerprint",
    "generate_merchant_keys",
    "inspect",
    "load_private_key",
    "load_public_key",
]
