"""Response codes and transaction statuses, written by hand for readable member names.

The response models keep codes and statuses as raw strings so an unknown value never breaks
parsing; these enums are ``StrEnum`` so they compare equal to those strings::

    response.resp_code == RespCode.REFUND_PENDING      # "42"
    response.status == TransactionStatus.REFUND_PENDING  # "RP"

They are *open*: ``RespCode("7X")`` (a code a newer gateway might send) does not raise but gives
a member with ``known`` false, whose value is the raw string, so a result can always expose its
code as the enum without losing anything. Each message family brings its own code enum, a
subclass of :class:`GatewayCode`.

``TransactionStatus.READY_FOR_SETTLEMENT`` ("RS") is a status; the request's ``RS`` (refund status
inquiry) is ``ProcessType.RS``: two different enums on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

__all__ = [
    "GatewayCode",
    "OpenEnum",
    "RespCode",
    "TransactionStatus",
    "register_descriptions",
]

_UNKNOWN: Final = "UNKNOWN"


class OpenEnum(StrEnum):
    """A ``StrEnum`` that also represents values it does not list (``known`` is then false)."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        # A pseudo-member, as ``enum.Flag`` makes for combinations: an instance of the class
        # carrying the raw value, not added to the class's members.
        member = str.__new__(cls, value)
        member._name_ = _UNKNOWN
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        """Whether this value is one this version of the library lists."""
        return self._name_ != _UNKNOWN


class GatewayCode(OpenEnum):
    """Base of every family's response-code enum: the code, plus the table's wording."""

    @property
    def description(self) -> str:
        """The meaning the family's published table gives this code ("" when unknown)."""
        return _DESCRIPTIONS_BY_ENUM.get(type(self), {}).get(self._value_, "")


class RespCode(GatewayCode):
    """``respCode`` values of the current 2C2P table (reference section 5).

    ``description`` is the table's wording; prefer the response's own ``respDesc`` when shown to
    people, since older tables gave some codes another meaning (51 was "FX provider not available").
    """

    SUCCESS = "00"
    STORED_CARD_NOT_FOUND = "01"
    INVALID_REQUEST = "02"
    INVALID_MERCHANT_ID = "03"
    INVALID_STORED_CARD_UNIQUE_ID = "04"
    INVALID_CUSTOMER_EMAIL = "05"
    MISSING_COMPULSORY_VALUES = "10"
    REQUEST_VALIDATION_FAILED = "11"
    INVALID_TRANSACTION_STATUS = "12"
    INVALID_HASH_VALUE = "13"
    # The table lists "Invalid merchant ID" under both 03 and 14.
    MERCHANT_ID_INVALID = "14"
    INVALID_INVOICE_NO = "15"
    TRANSACTION_NOT_FOUND = "16"
    INVALID_REQUEST_TYPE = "17"
    INVALID_ACTION_AMOUNT = "18"
    VOID_NOT_ALLOWED = "21"
    SUB_TRANSACTION_VOID_NOT_ALLOWED = "22"
    VOID_FAILED = "25"
    ALREADY_VOIDED = "29"
    AMOUNT_EXCEEDS_TRANSACTION = "30"
    SETTLEMENT_NOT_ALLOWED = "31"
    SETTLEMENT_NOT_REQUIRED = "32"
    PARTIAL_SETTLEMENT_NOT_ALLOWED = "33"
    SETTLEMENT_REJECTED = "34"
    SETTLEMENT_FAILED = "35"
    SETTLEMENT_DEADLINE_PASSED = "36"
    SUB_MERCHANT_SETTLEMENT_EXCEEDS_AMOUNT = "37"
    SUB_TRANSACTION_CAPTURE_NOT_ALLOWED = "38"
    ALREADY_SETTLED = "39"
    REFUND_EXCEEDS_AMOUNT = "40"
    REFUND_NOT_ALLOWED = "41"
    REFUND_PENDING = "42"
    PARTIAL_REFUND_NOT_ALLOWED = "43"
    REFUND_REJECTED = "44"
    REFUND_FAILED = "45"
    INSUFFICIENT_FUNDS_FOR_REFUND = "46"
    SUB_MERCHANT_REFUND_EXCEEDS_AMOUNT = "47"
    SUB_MERCHANT_INSUFFICIENT_FUNDS = "48"
    ALREADY_FULLY_REFUNDED = "49"
    IDEMPOTENCY_KEY_TYPE_CONFLICT = "50"
    IDEMPOTENCY_KEY_PENDING = "51"
    MAIN_TRANSACTION_UNAVAILABLE = "52"
    NO_TRANSACTION_REFERENCE = "53"
    REFUND_TIMEFRAME_EXCEEDED = "54"
    CANCEL_NOT_ALLOWED = "61"
    CANCEL_FAILED = "65"
    REQUEST_TIMED_OUT = "95"
    UNABLE_TO_DECRYPT = "96"
    PROCESS_NOT_SUPPORTED = "97"
    REQUEST_NOT_AVAILABLE = "98"
    UNABLE_TO_COMPLETE = "99"


_DESCRIPTIONS: dict[RespCode, str] = {
    RespCode.SUCCESS: "Success",
    RespCode.STORED_CARD_NOT_FOUND: "Stored card ID cannot be found",
    RespCode.INVALID_REQUEST: "Invalid request",
    RespCode.INVALID_MERCHANT_ID: "Invalid merchant ID",
    RespCode.INVALID_STORED_CARD_UNIQUE_ID: "Invalid stored card unique ID",
    RespCode.INVALID_CUSTOMER_EMAIL: "Invalid customer email",
    RespCode.MISSING_COMPULSORY_VALUES: "Missing compulsory values",
    RespCode.REQUEST_VALIDATION_FAILED: "Request validation failed",
    RespCode.INVALID_TRANSACTION_STATUS: "Transaction status is not valid to perform your action",
    RespCode.INVALID_HASH_VALUE: "Invalid hash value",
    RespCode.MERCHANT_ID_INVALID: "Invalid merchant ID",
    RespCode.INVALID_INVOICE_NO: "Invalid invoice number",
    RespCode.TRANSACTION_NOT_FOUND: "Requested transaction doesn't exist",
    RespCode.INVALID_REQUEST_TYPE: "Request type is invalid",
    RespCode.INVALID_ACTION_AMOUNT: "Invalid action amount",
    RespCode.VOID_NOT_ALLOWED: "Void not allowed",
    RespCode.SUB_TRANSACTION_VOID_NOT_ALLOWED: "Sub transaction cannot be voided individually",
    RespCode.VOID_FAILED: "Void failed",
    RespCode.ALREADY_VOIDED: "Transaction is already voided",
    RespCode.AMOUNT_EXCEEDS_TRANSACTION: "Unable to refund/settle more than transaction amount",
    RespCode.SETTLEMENT_NOT_ALLOWED: "Settlement not allowed",
    RespCode.SETTLEMENT_NOT_REQUIRED: "Settlement is not required",
    RespCode.PARTIAL_SETTLEMENT_NOT_ALLOWED: "Partial settlement not allowed",
    RespCode.SETTLEMENT_REJECTED: "Settlement rejected",
    RespCode.SETTLEMENT_FAILED: "Settlement failed",
    RespCode.SETTLEMENT_DEADLINE_PASSED: "Settlement not allowed beyond deadline",
    RespCode.SUB_MERCHANT_SETTLEMENT_EXCEEDS_AMOUNT: (
        "Sub merchant settlement amount is more than transaction amount"
    ),
    RespCode.SUB_TRANSACTION_CAPTURE_NOT_ALLOWED: "Sub transaction cannot be captured individually",
    RespCode.ALREADY_SETTLED: "Transaction is already settled",
    RespCode.REFUND_EXCEEDS_AMOUNT: "Refund amount is more than transaction amount",
    RespCode.REFUND_NOT_ALLOWED: "Refund not allowed",
    RespCode.REFUND_PENDING: "Refund pending",
    RespCode.PARTIAL_REFUND_NOT_ALLOWED: "Partial refund not allowed",
    RespCode.REFUND_REJECTED: "Refund rejected",
    RespCode.REFUND_FAILED: "Refund failed",
    RespCode.INSUFFICIENT_FUNDS_FOR_REFUND: "Insufficient funds to perform refund",
    RespCode.SUB_MERCHANT_REFUND_EXCEEDS_AMOUNT: (
        "Sub merchant refund amount is more than transaction amount"
    ),
    RespCode.SUB_MERCHANT_INSUFFICIENT_FUNDS: (
        "Sub merchant has insufficient funds to perform refund"
    ),
    RespCode.ALREADY_FULLY_REFUNDED: "Transaction is already fully refunded",
    RespCode.IDEMPOTENCY_KEY_TYPE_CONFLICT: "Same idempotent key exists with different type",
    RespCode.IDEMPOTENCY_KEY_PENDING: "Same idempotent key exists with status pending",
    RespCode.MAIN_TRANSACTION_UNAVAILABLE: "Cannot retrieve main txn; refund failed",
    RespCode.NO_TRANSACTION_REFERENCE: "No transaction reference number",
    RespCode.REFUND_TIMEFRAME_EXCEEDED: "Refund exceeded allowable timeframe",
    RespCode.CANCEL_NOT_ALLOWED: "Cancel not allowed",
    RespCode.CANCEL_FAILED: "Cancel failed",
    RespCode.REQUEST_TIMED_OUT: "Request timed out",
    RespCode.UNABLE_TO_DECRYPT: "Unable to decrypt",
    RespCode.PROCESS_NOT_SUPPORTED: "Process is not supported",
    RespCode.REQUEST_NOT_AVAILABLE: "Request is not available",
    RespCode.UNABLE_TO_COMPLETE: "Unable to complete the request",
}


#: Each code enum's published wording, by value; a family adds its own table here.
_DESCRIPTIONS_BY_ENUM: dict[type[GatewayCode], Mapping[str, str]] = {
    RespCode: {code.value: text for code, text in _DESCRIPTIONS.items()},
}


def register_descriptions(enum: type[GatewayCode], descriptions: Mapping[str, str]) -> None:
    """Record the published wording of a family's codes (used by ``GatewayCode.description``)."""
    _DESCRIPTIONS_BY_ENUM[enum] = dict(descriptions)


class TransactionStatus(OpenEnum):
    """``status`` values of a transaction (reference section 6).

    PPC/PFC (partially/fully captured) come from secondary sources only.
    """

    APPROVED = "A"
    APPROVAL_PENDING = "AP"
    APPROVED_AFTER_EXPIRY = "AE"
    APPROVED_LESS_AMOUNT = "AL"
    APPROVED_MORE_AMOUNT = "AM"
    PAYMENT_FAILED = "PF"
    AUTHENTICATION_REJECTED = "AR"
    FRAUD_RULE_REJECTED = "FF"
    INVALID_PROMOTION = "IP"
    ROUTING_REJECTED = "ROE"
    REFUND_PENDING = "RP"
    REFUND_CONFIRMED = "RF"
    REFUND_FAILED = "RFF"
    REFUND_REJECTED = "RR"
    REFUND_REJECTED_INSUFFICIENT_BALANCE = "RR1"
    REFUND_REJECTED_INVALID_BANK_INFO = "RR2"
    REFUND_REJECTED_ACCOUNT_MISMATCH = "RR3"
    READY_FOR_SETTLEMENT = "RS"
    SETTLED = "S"
    CREDIT_ADJUSTMENT = "T"
    VOIDED = "V"
    VOID_PENDING = "VP"
    PAYMENT_EXPIRED = "EX"
    TOKENIZATION_SUCCESS = "CTS"
    TOKENIZATION_FAILED = "CTF"
    PARTIALLY_CAPTURED = "PPC"
    FULLY_CAPTURED = "PFC"
