"""Balance inquiry, withdraw options and withdraw: the JSON models (written by hand).

2C2P publishes no schema for these messages, only parameter tables and samples (reference
``payment-maintenance-family.md`` sections 7 and 8), so the models are dataclasses declared with
:func:`~c2p_action.codec.json.member` and bound by :mod:`c2p_action.codec.json`. Member order
follows the samples, so what the codec writes reads like them.

Where the table and the samples disagree, each model follows the samples and accepts the table's
form too (marked INFERRED below):

- names: the table spells ``merchantID``/``withdrawOptionID``, the samples' answers
  ``merchantId``/``withdrawOptionId``: each such member accepts both spellings (an explicit alias
  per member, never case-insensitive matching as a rule);
- booleans: the table types ``feeLowerIsPercentage``/``feeUpperIsPercentage`` as B, the sample
  carries the strings ``"1"``: both ``"1"``/``"0"`` and ``true``/``false`` are read, ``"1"``/``"0"``
  is written ([S2]'s ``"Y"``/``"N"`` is refused: no sample shows it);
- amounts: ``availableBalance`` is a decimal string with 4 decimals in the sample ([S2] types it
  D 10,2); the withdraw amounts are JSON numbers. Each amount also reads the other form;
- ``withdrawRefNo``: a number in the sample, an integer per [S2]; a digit string is read too.

Every member of an answer is optional: a refusal carries little more than ``respCode`` and
``respDesc``. What a success must carry is checked by the operation's result
(:mod:`c2p_action.operations.funds`). Every model keeps unknown members in ``extra``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from c2p_action.codec.json import JsonForm, extra_members, member
from c2p_action.schemas.codes import GatewayCode, register_descriptions

__all__ = [
    "FUNDS_VERSION",
    "BalanceInquiryRequest",
    "BalanceInquiryResponse",
    "FundsRespCode",
    "WithdrawOption",
    "WithdrawOptionRequest",
    "WithdrawOptionResponse",
    "WithdrawRequest",
    "WithdrawResponse",
]

#: The ``version`` every sample of these messages carries.
FUNDS_VERSION: Final = "1.0"

_NUMBER_OR_STRING: Final = (JsonForm.NUMBER, JsonForm.STRING)
# D 10,2 (the withdraw table): at most 8 integer digits and 2 decimals.
_D10_2: Final[dict[str, Any]] = {"total_digits": 10, "fraction_digits": 2}


class FundsRespCode(GatewayCode):
    """``respCode`` of the balance and withdrawal answers.

    2C2P publishes only ``00`` (success) for these endpoints; any other code is kept as an
    unknown member (``known`` false) with the gateway's ``respDesc``.
    """

    SUCCESS = "00"


register_descriptions(FundsRespCode, {"00": "Success"})


# -- balance inquiry (reference section 7) ---------------------------------------------------


@dataclass(kw_only=True, slots=True)
class BalanceInquiryRequest:
    """The balance inquiry: the merchant's available balance."""

    merchant_id: str = member("merchantID", max_length=15)  # C 15: INFERRED (withdraw table)
    version: str = member("version", max_length=5)
    extra: dict[str, Any] = extra_members()


@dataclass(kw_only=True, slots=True)
class BalanceInquiryResponse:
    """The balance: ``availableBalance`` in ``currency`` (alphabetic, ``SGD``)."""

    version: str | None = member("version", required=False)
    resp_code: str | None = member("respCode", required=False)
    resp_desc: str | None = member("respDesc", required=False)
    # A decimal string with 4 decimals in the sample; [S2] says D 10,2. INFERRED: up to 4
    # decimals and 18 integer digits, a JSON number read too.
    available_balance: Decimal | None = member(
        "availableBalance",
        required=False,
        form=JsonForm.STRING,
        accepts=(JsonForm.NUMBER,),
        total_digits=22,
        fraction_digits=4,
    )
    currency: str | None = member("currency", required=False, max_length=3)
    extra: dict[str, Any] = extra_members()


# -- withdraw options (reference section 8) --------------------------------------------------


@dataclass(kw_only=True, slots=True)
class WithdrawOptionRequest:
    """The withdraw options inquiry."""

    version: str = member("version", max_length=15)
    merchant_id: str = member("merchantID", max_length=15)
    extra: dict[str, Any] = extra_members()


@dataclass(kw_only=True, slots=True)
class WithdrawOption:
    """One way to withdraw (cheque, bank transfer, TT ...) and its fee rule.

    Below ``fee_margin`` the fee is ``fee_lower``, at or above it ``fee_upper``; ``fee_lower``
    alone applies when ``fee_margin`` is 0. Each is a percentage of the amount when its
    ``..._is_percentage`` flag is true, else an amount.
    """

    merchant_id: str | None = member(
        "merchantId", required=False, aliases=("merchantID",), max_length=15
    )
    withdraw_option_id: int | None = member(
        "withdrawOptionId",
        required=False,
        aliases=("withdrawOptionID",),
        accepts=(JsonForm.STRING,),
        min_inclusive=0,
        max_inclusive=99999,
    )
    name: str | None = member("name", required=False, max_length=100)
    processing_time: str | None = member("processingTime", required=False, max_length=100)
    fee_margin: Decimal | None = member(
        "feeMargin", required=False, accepts=_NUMBER_OR_STRING, min_inclusive=0, **_D10_2
    )
    fee_lower: Decimal | None = member(
        "feeLower", required=False, accepts=_NUMBER_OR_STRING, min_inclusive=0, **_D10_2
    )
    fee_lower_is_percentage: bool | None = member(
        "feeLowerIsPercentage", required=False, form=JsonForm.STRING, accepts=(JsonForm.BOOLEAN,)
    )
    fee_upper: Decimal | None = member(
        "feeUpper", required=False, accepts=_NUMBER_OR_STRING, min_inclusive=0, **_D10_2
    )
    fee_upper_is_percentage: bool | None = member(
        "feeUpperIsPercentage", required=False, form=JsonForm.STRING, accepts=(JsonForm.BOOLEAN,)
    )
    extra: dict[str, Any] = extra_members()


@dataclass(kw_only=True, slots=True)
class WithdrawOptionResponse:
    """The merchant's withdraw options."""

    version: str | None = member("version", required=False)
    resp_code: str | None = member("respCode", required=False)
    resp_desc: str | None = member("respDesc", required=False)
    withdraw_option: list[WithdrawOption] = member("withdrawOption", required=False, list_of=True)
    extra: dict[str, Any] = extra_members()


# -- withdraw (reference section 8) ----------------------------------------------------------


@dataclass(kw_only=True, slots=True)
class WithdrawRequest:
    """A withdrawal of ``amount`` through the option ``withdraw_option_id``."""

    version: str = member("version", max_length=5)
    merchant_id: str = member("merchantID", max_length=15)
    withdraw_option_id: int = member(
        "withdrawOptionID",
        aliases=("withdrawOptionId",),
        accepts=(JsonForm.STRING,),
        min_inclusive=0,
        max_inclusive=99999,
    )
    amount: Decimal = member("amount", accepts=(JsonForm.STRING,), min_exclusive=0, **_D10_2)
    extra: dict[str, Any] = extra_members()


@dataclass(kw_only=True, slots=True)
class WithdrawResponse:
    """The withdrawal: its reference number, the amount, the fee and what is paid out."""

    version: str | None = member("version", required=False)
    resp_code: str | None = member("respCode", required=False)
    resp_desc: str | None = member("respDesc", required=False)
    withdraw_ref_no: int | None = member(
        "withdrawRefNo", required=False, accepts=(JsonForm.STRING,), min_inclusive=0
    )
    withdraw_option_id: int | None = member(
        "withdrawOptionId",
        required=False,
        aliases=("withdrawOptionID",),
        accepts=(JsonForm.STRING,),
        min_inclusive=0,
        max_inclusive=99999,
    )
    amount: Decimal | None = member(
        "amount", required=False, accepts=(JsonForm.STRING,), min_inclusive=0, **_D10_2
    )
    currency: str | None = member("currency", required=False, max_length=3)
    fee: Decimal | None = member(
        "fee", required=False, accepts=(JsonForm.STRING,), min_inclusive=0, **_D10_2
    )
    net_amount: Decimal | None = member(
        "netAmount", required=False, accepts=(JsonForm.STRING,), min_inclusive=0, **_D10_2
    )
    extra: dict[str, Any] = extra_members()
