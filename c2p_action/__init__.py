"""2C2P Payment Maintenance API (Payment Action 2.0) for Python.

The names here are the supported public API; everything else is reachable through the
subpackages (``c2p_action.codec``, ``c2p_action.keys``, ``c2p_action.errors`` ...).

Importing the package is cheap: each name is imported from its module on first use (PEP 562),
so ``2c2p --help``, the pytest plugin and programs that need only the codec do not pay for the
emulator, aiohttp or the key providers. Type checkers and IDEs see every name through the
``TYPE_CHECKING`` imports below.
"""

from __future__ import annotations

import importlib

# typing.TYPE_CHECKING without importing typing (~10 ms, as much again as the interpreter's own
# start-up): type checkers treat any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from c2p_action.client import (
        AsyncClient,
        Client,
        PaymentResult,
        RetryPolicy,
        Settings,
    )
    from c2p_action.codec import (
        Codec,
        TokenInfo,
        inspect,
    )
    from c2p_action.emulator import (
        Emulator,
        Faults,
    )
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
        JsonError,
        KeyLoadError,
        KeyProviderError,
        NotAllowedError,
        NotFoundError,
        OutcomeUnknownError,
        ResponseMismatchError,
        SignatureError,
        TokenFormatError,
        TransportError,
        UnknownOptionError,
        ValidationError,
        WaitTimeoutError,
        XmlError,
    )
    from c2p_action.explanations import (
        Explanation,
        explain,
    )
    from c2p_action.keys import (
        AwsKmsKeyProvider,
        Pkcs11KeyProvider,
        fingerprint,
        generate_merchant_keys,
        load_private_key,
        load_public_key,
    )
    from c2p_action.notifications import (
        parse_notification,
    )
    from c2p_action.operations import (
        Environment,
        Result,
    )
    from c2p_action.operations.agent_status import (
        AgentStatusResult,
    )
    from c2p_action.operations.customer_token import (
        CustomerTokenResult,
    )
    from c2p_action.operations.funds import (
        BalanceResult,
        WithdrawOptionsResult,
        WithdrawResult,
    )
    from c2p_action.operations.fx import (
        MerchantSecret,
    )
    from c2p_action.operations.installments import (
        InstallmentBank,
        InstallmentOption,
        InstallmentOptionsResult,
    )
    from c2p_action.operations.recurring import (
        RecurringResult,
        RecurringStatus,
    )
    from c2p_action.plugins import (
        PluginManager,
    )
    from c2p_action.schemas import (
        CardExpiry,
        CardExpiryDate,
        CardNumber,
        FxRateListRequest,
        FxRateListResponse,
        FxRateRequest,
        FxRateResponse,
        IppOptionRequest,
        IppOptionResponse,
        LoyaltyPayments,
        LoyaltyRefund,
        MaintenanceRequest,
        MaintenanceResponse,
        PaymentProcessRequest,
        PaymentProcessResponse,
        ProcessType,
        RecurringMaintenanceRequest,
        RecurringMaintenanceResponse,
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
    from c2p_action.transports import (
        InProcessTransport,
    )

# Public name -> the module that defines it.
_LAZY: dict[str, str] = {
    "AgentStatusResult": "c2p_action.operations.agent_status",
    "AmountError": "c2p_action.errors",
    "AsyncClient": "c2p_action.client",
    "AwsKmsKeyProvider": "c2p_action.keys",
    "BalanceResult": "c2p_action.operations.funds",
    "C2PError": "c2p_action.errors",
    "CardExpiry": "c2p_action.schemas",
    "CardExpiryDate": "c2p_action.schemas",
    "CardNumber": "c2p_action.schemas",
    "Client": "c2p_action.client",
    "Codec": "c2p_action.codec",
    "CodecError": "c2p_action.errors",
    "ConfigurationError": "c2p_action.errors",
    "CustomerTokenResult": "c2p_action.operations.customer_token",
    "DecryptionError": "c2p_action.errors",
    "Emulator": "c2p_action.emulator",
    "Environment": "c2p_action.operations",
    "Explanation": "c2p_action.explanations",
    "Faults": "c2p_action.emulator",
    "FxRateListRequest": "c2p_action.schemas",
    "FxRateListResponse": "c2p_action.schemas",
    "FxRateRequest": "c2p_action.schemas",
    "FxRateResponse": "c2p_action.schemas",
    "GatewayError": "c2p_action.errors",
    "GatewayFailureError": "c2p_action.errors",
    "HttpStatusError": "c2p_action.errors",
    "IdempotencyConflictError": "c2p_action.errors",
    "InProcessTransport": "c2p_action.transports",
    "InstallmentBank": "c2p_action.operations.installments",
    "InstallmentOption": "c2p_action.operations.installments",
    "InstallmentOptionsResult": "c2p_action.operations.installments",
    "InvalidRequestError": "c2p_action.errors",
    "IppOptionRequest": "c2p_action.schemas",
    "IppOptionResponse": "c2p_action.schemas",
    "JsonError": "c2p_action.errors",
    "KeyLoadError": "c2p_action.errors",
    "KeyProviderError": "c2p_action.errors",
    "LoyaltyPayments": "c2p_action.schemas",
    "LoyaltyRefund": "c2p_action.schemas",
    "MaintenanceRequest": "c2p_action.schemas",
    "MaintenanceResponse": "c2p_action.schemas",
    "MerchantSecret": "c2p_action.operations.fx",
    "NotAllowedError": "c2p_action.errors",
    "NotFoundError": "c2p_action.errors",
    "OutcomeUnknownError": "c2p_action.errors",
    "PaymentProcessRequest": "c2p_action.schemas",
    "PaymentProcessResponse": "c2p_action.schemas",
    "PaymentResult": "c2p_action.client",
    "Pkcs11KeyProvider": "c2p_action.keys",
    "PluginManager": "c2p_action.plugins",
    "ProcessType": "c2p_action.schemas",
    "RecurringMaintenanceRequest": "c2p_action.schemas",
    "RecurringMaintenanceResponse": "c2p_action.schemas",
    "RecurringResult": "c2p_action.operations.recurring",
    "RecurringStatus": "c2p_action.operations.recurring",
    "Refund": "c2p_action.schemas",
    "RefundList": "c2p_action.schemas",
    "RefundRewards": "c2p_action.schemas",
    "RespCode": "c2p_action.schemas",
    "ResponseMismatchError": "c2p_action.errors",
    "Result": "c2p_action.operations",
    "RetryPolicy": "c2p_action.client",
    "Reward": "c2p_action.schemas",
    "RewardType": "c2p_action.schemas",
    "Settings": "c2p_action.client",
    "SignatureError": "c2p_action.errors",
    "SubMerchant": "c2p_action.schemas",
    "SubMerchantList": "c2p_action.schemas",
    "TokenFormatError": "c2p_action.errors",
    "TokenInfo": "c2p_action.codec",
    "TransactionStatus": "c2p_action.schemas",
    "TransportError": "c2p_action.errors",
    "UnknownOptionError": "c2p_action.errors",
    "ValidationError": "c2p_action.errors",
    "WaitTimeoutError": "c2p_action.errors",
    "WithdrawOptionsResult": "c2p_action.operations.funds",
    "WithdrawResult": "c2p_action.operations.funds",
    "XmlError": "c2p_action.errors",
    "explain": "c2p_action.explanations",
    "fingerprint": "c2p_action.keys",
    "generate_merchant_keys": "c2p_action.keys",
    "inspect": "c2p_action.codec",
    "load_private_key": "c2p_action.keys",
    "load_public_key": "c2p_action.keys",
    "parse_notification": "c2p_action.notifications",
}

__all__ = [
    "AgentStatusResult",
    "AmountError",
    "AsyncClient",
    "AwsKmsKeyProvider",
    "BalanceResult",
    "C2PError",
    "CardExpiry",
    "CardExpiryDate",
    "CardNumber",
    "Client",
    "Codec",
    "CodecError",
    "ConfigurationError",
    "CustomerTokenResult",
    "DecryptionError",
    "Emulator",
    "Environment",
    "Explanation",
    "Faults",
    "FxRateListRequest",
    "FxRateListResponse",
    "FxRateRequest",
    "FxRateResponse",
    "GatewayError",
    "GatewayFailureError",
    "HttpStatusError",
    "IdempotencyConflictError",
    "InProcessTransport",
    "InstallmentBank",
    "InstallmentOption",
    "InstallmentOptionsResult",
    "InvalidRequestError",
    "IppOptionRequest",
    "IppOptionResponse",
    "JsonError",
    "KeyLoadError",
    "KeyProviderError",
    "LoyaltyPayments",
    "LoyaltyRefund",
    "MaintenanceRequest",
    "MaintenanceResponse",
    "MerchantSecret",
    "NotAllowedError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PaymentProcessRequest",
    "PaymentProcessResponse",
    "PaymentResult",
    "Pkcs11KeyProvider",
    "PluginManager",
    "ProcessType",
    "RecurringMaintenanceRequest",
    "RecurringMaintenanceResponse",
    "RecurringResult",
    "RecurringStatus",
    "Refund",
    "RefundList",
    "RefundRewards",
    "RespCode",
    "ResponseMismatchError",
    "Result",
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
    "UnknownOptionError",
    "ValidationError",
    "WaitTimeoutError",
    "WithdrawOptionsResult",
    "WithdrawResult",
    "XmlError",
    "explain",
    "fingerprint",
    "generate_merchant_keys",
    "inspect",
    "load_private_key",
    "load_public_key",
    "parse_notification",
]

def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
