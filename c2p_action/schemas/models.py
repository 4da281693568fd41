"""Models generated from payment_action.xsd by scripts/regen-schemas (xsdata 26.10).

Do not edit by hand: change the XSD and regenerate (see CODEGEN.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum


class ProcessType(Enum):
    """
    processType of a request (reference section 4).
    """

    I = "I"
    V = "V"
    S = "S"
    R = "R"
    RS = "RS"


@dataclass(kw_only=True)
class Refund:
    amount: None | Decimal = field(
        default=None,
        metadata={
            "type": "Attribute",
            "min_exclusive": Decimal("0"),
            "total_digits": 10,
            "fraction_digits": 2,
        },
    )
    status: None | str = field(
        default=None,
        metadata={
            "type": "Attribute",
            "max_length": 3,
        },
    )
    reference_no: None | str = field(
        default=None,
        metadata={
            "name": "referenceNo",
            "type": "Attribute",
            "max_length": 50,
        },
    )
    date_time: None | str = field(
        default=None,
        metadata={
            "name": "dateTime",
            "type": "Attribute",
            "max_length": 22,
        },
    )


class RewardType(Enum):
    """
    Loyalty reward type: P points, V voucher.
    """

    P = "P"
    V = "V"


@dataclass(kw_only=True)
class RefundList:
    refund: list[Refund] = field(
        default_factory=list,
        metadata={
            "type": "Element",
            "namespace": "",
        },
    )


@dataclass(kw_only=True)
class Reward:
    reward_type: None | RewardType = field(
        default=None,
        metadata={
            "name": "type",
            "type": "Element",
            "namespace": "",
        },
    )
    quantity: None | Decimal = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
            "min_exclusive": Decimal("0"),
            "total_digits": 12,
            "fraction_digits": 5,
        },
    )


@dataclass(kw_only=True)
class PaymentProcessResponse:
    version: None | str = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
            "max_length": 5,
        },
    )
    time_stamp: None | str = field(
        default=None,
        metadata={
            "name": "timeStamp",
            "type": "Element",
            "namespace": "",
            "max_length": 22,
        },
    )
    resp_code: None | str = field(
        default=None,
        metadata={
            "name": "respCode",
            "type": "Element",
            "namespace": "",
            "max_length": 2,
        },
    )
    resp_desc: None | str = field(
        default=None,
        metadata={
            "name": "respDesc",
            "type": "Element",
            "namespace": "",
            "max_length": 250,
        },
    )
    process_type: None | str = field(
        default=None,
        metadata={
            "name": "processType",
            "type": "Element",
            "namespace": "",
            "max_length": 2,
        },
    )
    invoice_no: None | str = field(
        default=None,
        metadata={
            "name": "invoiceNo",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    amount: None | Decimal = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
            "min_exclusive": Decimal("0"),
            "total_digits": 10,
            "fraction_digits": 2,
        },
    )
    status: None | str = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
            "max_length": 3,
        },
    )
    approval_code: None | str = field(
        default=None,
        metadata={
            "name": "approvalCode",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    reference_no: None | str = field(
        default=None,
        metadata={
            "name": "referenceNo",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    refund_reference_no: None | str = field(
        default=None,
        metadata={
            "name": "refundReferenceNo",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    transaction_date_time: None | str = field(
        default=None,
        metadata={
            "name": "transactionDateTime",
            "type": "Element",
            "namespace": "",
            "max_length": 22,
        },
    )
    masked_pan: None | str = field(
        default=None,
        metadata={
            "name": "maskedPan",
            "type": "Element",
            "namespace": "",
            "max_length": 20,
        },
    )
    eci: None | str = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
            "max_length": 2,
        },
    )
    refund_list: None | RefundList = field(
        default=None,
        metadata={
            "name": "refundList",
            "type": "Element",
            "namespace": "",
        },
    )
    payment_scheme: None | str = field(
        default=None,
        metadata={
            "name": "paymentScheme",
            "type": "Element",
            "namespace": "",
            "max_length": 20,
        },
    )
    process_by: None | str = field(
        default=None,
        metadata={
            "name": "processBy",
            "type": "Element",
            "namespace": "",
            "max_length": 20,
        },
    )
    paid_agent: None | str = field(
        default=None,
        metadata={
            "name": "paidAgent",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    paid_channel: None | str = field(
        default=None,
        metadata={
            "name": "paidChannel",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    user_defined1: None | str = field(
        default=None,
        metadata={
            "name": "userDefined1",
            "type": "Element",
            "namespace": "",
            "max_length": 150,
        },
    )
    user_defined2: None | str = field(
        default=None,
        metadata={
            "name": "userDefined2",
            "type": "Element",
            "namespace": "",
            "max_length": 150,
        },
    )
    user_defined3: None | str = field(
        default=None,
        metadata={
            "name": "userDefined3",
            "type": "Element",
            "namespace": "",
            "max_length": 150,
        },
    )
    user_defined4: None | str = field(
        default=None,
        metadata={
            "name": "userDefined4",
            "type": "Element",
            "namespace": "",
            "max_length": 150,
        },
    )
    user_defined5: None | str = field(
        default=None,
        metadata={
            "name": "userDefined5",
            "type": "Element",
            "namespace": "",
            "max_length": 150,
        },
    )
    other_element: list[object] = field(
        default_factory=list,
        metadata={
            "type": "Wildcard",
            "namespace": "##any",
        },
    )


@dataclass(kw_only=True)
class RefundRewards:
    reward: list[Reward] = field(
        default_factory=list,
        metadata={
            "type": "Element",
            "namespace": "",
            "min_occurs": 1,
        },
    )


@dataclass(kw_only=True)
class LoyaltyRefund:
    loyalty_provider: None | str = field(
        default=None,
        metadata={
            "name": "loyaltyProvider",
            "type": "Element",
            "namespace": "",
            "min_length": 1,
            "max_length": 20,
        },
    )
    external_merchant_id: None | str = field(
        default=None,
        metadata={
            "name": "externalMerchantId",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    total_refund_reward_amount: None | Decimal = field(
        default=None,
        metadata={
            "name": "totalRefundRewardAmount",
            "type": "Element",
            "namespace": "",
            "min_exclusive": Decimal("0"),
            "total_digits": 12,
            "fraction_digits": 5,
        },
    )
    refund_rewards: None | RefundRewards = field(
        default=None,
        metadata={
            "name": "refundRewards",
            "type": "Element",
            "namespace": "",
        },
    )


@dataclass(kw_only=True)
class LoyaltyPayments:
    loyalty_refund: list[LoyaltyRefund] = field(
        default_factory=list,
        metadata={
            "name": "loyaltyRefund",
            "type": "Element",
            "namespace": "",
            "min_occurs": 1,
        },
    )


@dataclass(kw_only=True)
class SubMerchant:
    loyalty_payments: None | LoyaltyPayments = field(
        default=None,
        metadata={
            "name": "loyaltyPayments",
            "type": "Element",
            "namespace": "",
        },
    )
    sub_mid: str = field(
        metadata={
            "name": "subMID",
            "type": "Attribute",
            "min_length": 1,
            "max_length": 15,
        }
    )
    sub_amount: Decimal = field(
        metadata={
            "name": "subAmount",
            "type": "Attribute",
            "min_exclusive": Decimal("0"),
            "total_digits": 10,
            "fraction_digits": 2,
        }
    )


@dataclass(kw_only=True)
class SubMerchantList:
    sub_merchant: list[SubMerchant] = field(
        default_factory=list,
        metadata={
            "name": "subMerchant",
            "type": "Element",
            "namespace": "",
            "min_occurs": 1,
        },
    )


@dataclass(kw_only=True)
class PaymentProcessRequest:
    version: str = field(
        default="3.8",
        metadata={
            "type": "Element",
            "namespace": "",
            "min_length": 1,
            "max_length": 5,
        },
    )
    time_stamp: None | str = field(
        default=None,
        metadata={
            "name": "timeStamp",
            "type": "Element",
            "namespace": "",
            "max_length": 22,
        },
    )
    merchant_id: str = field(
        metadata={
            "name": "merchantID",
            "type": "Element",
            "namespace": "",
            "min_length": 1,
            "max_length": 15,
        }
    )
    child_merchant_id: None | str = field(
        default=None,
        metadata={
            "name": "childMerchantID",
            "type": "Element",
            "namespace": "",
            "max_length": 15,
        },
    )
    process_type: ProcessType = field(
        metadata={
            "name": "processType",
            "type": "Element",
            "namespace": "",
        }
    )
    invoice_no: str = field(
        metadata={
            "name": "invoiceNo",
            "type": "Element",
            "namespace": "",
            "min_length": 1,
            "max_length": 50,
        }
    )
    action_amount: None | Decimal = field(
        default=None,
        metadata={
            "name": "actionAmount",
            "type": "Element",
            "namespace": "",
            "min_exclusive": Decimal("0"),
            "total_digits": 10,
            "fraction_digits": 2,
        },
    )
    bank_code: None | str = field(
        default=None,
        metadata={
            "name": "bankCode",
            "type": "Element",
            "namespace": "",
            "max_length": 10,
        },
    )
    account_name: None | str = field(
        default=None,
        metadata={
            "name": "accountName",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    account_number: None | str = field(
        default=None,
        metadata={
            "name": "accountNumber",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    sub_merchant_list: None | SubMerchantList = field(
        default=None,
        metadata={
            "name": "subMerchantList",
            "type": "Element",
            "namespace": "",
        },
    )
    notify_url: None | str = field(
        default=None,
        metadata={
            "name": "notifyURL",
            "type": "Element",
            "namespace": "",
            "max_length": 250,
        },
    )
    user_defined1: None | str = field(
        default=None,
        metadata={
            "name": "userDefined1",
            "type": "Element",
            "namespace": "",
            "max_length": 150,
        },
    )
    user_defined2: None | str = field(
        default=None,
        metadata={
            "name": "userDefined2",
            "type": "Element",
            "namespace": "",
            "max_length": 150,
        },
    )
    user_defined3: None | str = field(
        default=None,
        metadata={
            "name": "userDefined3",
            "type": "Element",
            "namespace": "",
            "max_length": 150,
        },
    )
    user_defined4: None | str = field(
        default=None,
        metadata={
            "name": "userDefined4",
            "type": "Element",
            "namespace": "",
            "max_length": 150,
        },
    )
    user_defined5: None | str = field(
        default=None,
        metadata={
            "name": "userDefined5",
            "type": "Element",
            "namespace": "",
            "max_length": 150,
        },
    )
    idempotency_id: None | str = field(
        default=None,
        metadata={
            "name": "idempotencyID",
            "type": "Element",
            "namespace": "",
            "max_length": 100,
        },
    )
    loyalty_payments: None | LoyaltyPayments = field(
        default=None,
        metadata={
            "name": "loyaltyPayments",
            "type": "Element",
            "namespace": "",
        },
    )
    notes: None | str = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
            "max_length": 150,
        },
    )
