"""The funds family: the merchant's balance, its withdraw options, and withdrawals.

Three JSON operations, each at its own endpoint exactly as 2C2P prints it (reference
``payment-maintenance-family.md`` sections 7 and 8; note the lower-case path), in the JWS-only
envelope: the request is signed with the merchant key, not encrypted, and the answer is verified
with 2C2P's key. One module for the three because they share their envelope, code table and
models, and because the balance is what a withdrawal changes (and what to check when a
withdrawal's answer is lost); the services are ``client.balance()`` and ``client.withdrawals``.

Retry safety: the balance and the options are read-only (always safe to repeat). A withdrawal
moves money and 2C2P documents no de-duplication for it (no idempotencyID): it is never repeated
by the client, and a lost answer raises :class:`~c2p_action.errors.OutcomeUnknownError` saying
what to check. Binding: a withdrawal's answer must echo ``withdrawOptionId`` and ``amount``; the
options must be the requesting merchant's. Codes: 2C2P publishes only ``00`` for these
endpoints, so every other code raises :class:`~c2p_action.errors.GatewayError` itself (no
subclass is chosen on a guess) with the gateway's ``respCode`` and ``respDesc``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Unpack

from c2p_action.errors import JsonError, ValidationError
from c2p_action.explanations import Explanation, Kind, register_explanations
from c2p_action.operations._result import Result
from c2p_action.operations._spec import (
    AsyncCaller,
    Bind,
    BodyFormat,
    Caller,
    CallerSettings,
    CallOptions,
    CodeTable,
    Endpoint,
    Envelope,
    Evidence,
    Operation,
    RetrySafety,
)
from c2p_action.operations._values import AmountLike, check_options, to_amount
from c2p_action.schemas.funds import (
    FUNDS_VERSION,
    BalanceInquiryRequest,
    BalanceInquiryResponse,
    FundsRespCode,
    WithdrawOption,
    WithdrawOptionRequest,
    WithdrawOptionResponse,
    WithdrawRequest,
    WithdrawResponse,
)

__all__ = [
    "BALANCE",
    "BALANCE_ENDPOINT",
    "CODES",
    "OPERATIONS",
    "WITHDRAW",
    "WITHDRAW_ENDPOINT",
    "WITHDRAW_OPTIONS",
    "WITHDRAW_OPTIONS_ENDPOINT",
    "AsyncWithdrawalsService",
    "BalanceResult",
    "WithdrawOptions",
    "WithdrawOptionsResult",
    "WithdrawResult",
    "WithdrawalsService",
    "balance_call",
    "build_balance",
    "build_withdraw",
    "build_withdraw_options",
    "estimate_fee",
    "withdraw_call",
    "withdraw_options_call",
]

# Exactly as printed (reference sections 7 and 8): lower case, unlike the Payment Action URL.
BALANCE_ENDPOINT: Final = Endpoint(
    service="frontend",
    sandbox_path="/2c2pfrontend/paymentaction/2.0/balanceInquiry",
    production_path="/paymentaction/2.0/balanceInquiry",
)
WITHDRAW_OPTIONS_ENDPOINT: Final = Endpoint(
    service="frontend",
    sandbox_path="/2c2pfrontend/paymentaction/2.0/withdrawOption",
    production_path="/paymentaction/2.0/withdrawOption",
)
WITHDRAW_ENDPOINT: Final = Endpoint(
    service="frontend",
    sandbox_path="/2c2pfrontend/paymentaction/2.0/withdraw",
    production_path="/paymentaction/2.0/withdraw",
)

#: ``respCode``/``respDesc``: only ``00`` is published; no failure code is mapped on a guess.
CODES: Final = CodeTable(
    enum=FundsRespCode,
    code_field="resp_code",
    description_field="resp_desc",
    success=frozenset({"00"}),
    errors={},
)

register_explanations(
    FundsRespCode,
    "funds",
    [
        Explanation(
            "00",
            Kind.SUCCESS,
            "the balance or withdrawal request was carried out. 2C2P publishes no other code"
            " for these endpoints: any other code is shown with the gateway's own respDesc.",
        )
    ],
)


# ---------------------------------------------------------------------------------------------
# Options and builders
# ---------------------------------------------------------------------------------------------


class WithdrawOptions(CallOptions, total=False):
    """Optional arguments of ``withdraw`` (today only ``timeout``: 2C2P's request has no other
    optional member)."""


def build_balance(merchant_id: str) -> BalanceInquiryRequest:
    """A balance inquiry."""
    return BalanceInquiryRequest(merchant_id=merchant_id, version=FUNDS_VERSION)


def build_withdraw_options(merchant_id: str) -> WithdrawOptionRequest:
    """A withdraw options inquiry."""
    return WithdrawOptionRequest(version=FUNDS_VERSION, merchant_id=merchant_id)


def build_withdraw(merchant_id: str, option_id: int, amount: AmountLike) -> WithdrawRequest:
    """A withdrawal of ``amount`` (D 10,2, exact) through withdraw option ``option_id``."""
    if type(option_id) is not int or not 0 <= option_id <= 99999:
        raise ValidationError("option_id must be an int from 0 to 99999 (withdrawOptionID, N 5)")
    return WithdrawRequest(
        version=FUNDS_VERSION,
        merchant_id=merchant_id,
        withdraw_option_id=option_id,
        amount=to_amount(amount),
    )


_CENT: Final = Decimal("0.01")
_HUNDRED: Final = Decimal(100)


def estimate_fee(option: WithdrawOption, amount: AmountLike) -> Decimal:
    """The fee ``option`` charges for withdrawing ``amount``, by its published rule.

    Below ``feeMargin`` the lower fee applies, at or above it the upper one; the lower fee alone
    when ``feeMargin`` is 0 or the upper fee is missing. A percentage fee is rounded half up to
    the cent. INFERRED: 2C2P publishes the rule but not its rounding; the gateway's answer
    (``WithdrawResult.fee``) is what counts. The emulator charges exactly this.
    """
    value = to_amount(amount)
    margin = option.fee_margin or Decimal(0)
    upper = margin > 0 and value >= margin and option.fee_upper is not None
    rate = option.fee_upper if upper else option.fee_lower
    percentage = option.fee_upper_is_percentage if upper else option.fee_lower_is_percentage
    if rate is None:
        raise ValidationError("the withdraw option states no fee for this amount")
    if percentage:
        return (value * rate / _HUNDRED).quantize(_CENT, rounding=ROUND_HALF_UP)
    return rate


def balance_call(
    settings: CallerSettings, options: CallOptions
) -> tuple[Operation[BalanceInquiryRequest, BalanceResult], BalanceInquiryRequest, CallOptions]:
    """What ``client.balance()`` runs: the operation, its request and the call options."""
    check_options("balance", options, CallOptions)
    return BALANCE, build_balance(settings.merchant_id), options


def withdraw_options_call(
    settings: CallerSettings, options: CallOptions
) -> tuple[
    Operation[WithdrawOptionRequest, WithdrawOptionsResult], WithdrawOptionRequest, CallOptions
]:
    """What ``client.withdrawals.options()`` runs."""
    check_options(WITHDRAW_OPTIONS.name, options, CallOptions)
    return WITHDRAW_OPTIONS, build_withdraw_options(settings.merchant_id), options


def withdraw_call(
    settings: CallerSettings, option_id: int, amount: AmountLike, options: WithdrawOptions
) -> tuple[Operation[WithdrawRequest, WithdrawResult], WithdrawRequest, CallOptions]:
    """What ``client.withdrawals.withdraw(option_id, amount)`` runs."""
    check_options(WITHDRAW.name, options, WithdrawOptions)
    return WITHDRAW, build_withdraw(settings.merchant_id, option_id, amount), options


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


def _required(result: Result[Any, Any], names: Sequence[tuple[str, str]]) -> None:
    """A success answer must carry what makes it one (the models read every member as
    optional, since refusals carry little)."""
    for attribute, member in names:
        if getattr(result.response, attribute) is None:
            raise JsonError(f"json bind: a {result.operation} success answer has no {member}")


@dataclass(frozen=True, slots=True)
class BalanceResult(Result[BalanceInquiryResponse, FundsRespCode]):
    """The merchant's available balance (a verified ``00`` answer)."""

    def __post_init__(self) -> None:
        _required(self, (("available_balance", "availableBalance"), ("currency", "currency")))

    @property
    def balance(self) -> Decimal:
        """``availableBalance``, exact (the sample has 4 decimals)."""
        value = self.response.available_balance
        assert value is not None  # checked on construction
        return value

    @property
    def currency(self) -> str:
        """The balance's currency, alphabetic ISO 4217 (``SGD``)."""
        value = self.response.currency
        assert value is not None  # checked on construction
        return value


@dataclass(frozen=True, slots=True)
class WithdrawOptionsResult(Result[WithdrawOptionResponse, FundsRespCode]):
    """The merchant's withdraw options (a verified ``00`` answer)."""

    @property
    def options(self) -> list[WithdrawOption]:
        """Every option, as 2C2P lists them."""
        return list(self.response.withdraw_option)

    def option(self, option_id: int) -> WithdrawOption:
        """The option with ``withdrawOptionId`` ``option_id``."""
        for option in self.response.withdraw_option:
            if option.withdraw_option_id == option_id:
                return option
        raise ValidationError(f"no withdraw option {option_id} in the answer")


@dataclass(frozen=True, slots=True)
class WithdrawResult(Result[WithdrawResponse, FundsRespCode]):
    """A withdrawal 2C2P accepted (a verified ``00`` answer echoing the option and amount).

    Nothing else is required of the answer: a ``00`` without a reference number is still a
    withdrawal that happened, never reported as a failure.
    """

    @property
    def withdraw_ref_no(self) -> int | None:
        """2C2P's reference number of the withdrawal."""
        return self.response.withdraw_ref_no

    @property
    def option_id(self) -> int | None:
        """The withdraw option used (echoed; bound to the request)."""
        return self.response.withdraw_option_id

    @property
    def amount(self) -> Decimal | None:
        """The amount withdrawn (echoed; bound to the request)."""
        return self.response.amount

    @property
    def fee(self) -> Decimal | None:
        """The fee 2C2P charged."""
        return self.response.fee

    @property
    def net_amount(self) -> Decimal | None:
        """What is paid out: in 2C2P's sample, the amount less the fee."""
        return self.response.net_amount

    @property
    def currency(self) -> str | None:
        """The currency of the amounts (``SGD``)."""
        return self.response.currency


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------

_UNDOCUMENTED_FAILURES = (
    "failure codes: 2C2P publishes only 00; any other respCode is reported as a GatewayError"
    " with the gateway's respDesc",
)


def _options_merchant(response: WithdrawOptionResponse) -> str | None:
    """The one merchant the listed options belong to (a marker when they disagree)."""
    found = {o.merchant_id for o in response.withdraw_option if o.merchant_id is not None}
    if len(found) > 1:
        return "several merchants: " + ", ".join(sorted(found))
    return next(iter(found), None)


BALANCE: Final = Operation(
    name="balance",
    summary="The merchant's available balance and its currency.",
    request_type=BalanceInquiryRequest,
    response_type=BalanceInquiryResponse,
    endpoint=BALANCE_ENDPOINT,
    envelope=Envelope.JWS,
    body=BodyFormat.JSON,
    codes=CODES,
    result=BalanceResult,
    retry=RetrySafety.ALWAYS,
    evidence=Evidence.DOCUMENTED,
    inferred=(
        "merchantID length C 15 (the balance page's table was not readable; the withdraw table's)",
        "availableBalance precision: up to 4 decimals as in the sample ([S2] says D 10,2);"
        " a JSON number is read too",
        "the answer's JWS header (whether it carries typ) is unknown; both are accepted",
        *_UNDOCUMENTED_FAILURES,
    ),
    log_fields=(),
)

WITHDRAW_OPTIONS: Final = Operation(
    name="withdrawals.options",
    summary="The ways the merchant may withdraw funds, each with its fee rule.",
    request_type=WithdrawOptionRequest,
    response_type=WithdrawOptionResponse,
    endpoint=WITHDRAW_OPTIONS_ENDPOINT,
    envelope=Envelope.JWS,
    body=BodyFormat.JSON,
    codes=CODES,
    result=WithdrawOptionsResult,
    retry=RetrySafety.ALWAYS,
    evidence=Evidence.DOCUMENTED,
    binding=(Bind("merchantID", "merchant_id", _options_merchant, required=False),),
    inferred=(
        "member names: merchantId/withdrawOptionId (sample) and merchantID/withdrawOptionID"
        " (table) are both read, as explicit aliases of those members",
        'booleans: "1"/"0" (sample) and true/false (table type B) are both read; "1"/"0" is'
        ' written; [S2]\'s "Y"/"N" is refused',
        "fee amounts: JSON numbers (sample); a decimal string is read too",
        "the options are bound to the requesting merchant through each option's merchantId",
        *_UNDOCUMENTED_FAILURES,
    ),
)

WITHDRAW: Final = Operation(
    name="withdrawals.withdraw",
    summary="Withdraw an amount through one of the merchant's withdraw options.",
    request_type=WithdrawRequest,
    response_type=WithdrawResponse,
    endpoint=WITHDRAW_ENDPOINT,
    envelope=Envelope.JWS,
    body=BodyFormat.JSON,
    codes=CODES,
    result=WithdrawResult,
    retry=RetrySafety.NEVER,
    evidence=Evidence.DOCUMENTED,
    binding=(
        Bind("withdrawOptionID", "withdraw_option_id", "withdraw_option_id"),
        Bind("amount", "amount", "amount"),
    ),
    inferred=(
        "the answer's members: from the sample only (the response table is cut off)",
        "withdrawRefNo is an integer (the sample's number, [S2]); a digit string is read too",
        "the answer echoes withdrawOptionId and amount (the sample does): both are bound",
        "no de-duplication is documented: a withdrawal is never repeated, and a lost answer"
        " is reported as an unknown outcome",
        "netAmount = amount - fee in the sample; whether the balance drops by the amount or by"
        " amount + fee is not documented",
        "what an insufficient balance answers is not documented",
        *_UNDOCUMENTED_FAILURES,
    ),
    log_fields=(("option", "withdraw_option_id"), ("amount", "amount")),
    lost_answer=(
        "check the balance (client.balance()) and the withdrawal list in the 2C2P merchant"
        " portal: if the withdrawal is there, it was carried out."
    ),
)

#: The family's operations.
OPERATIONS: Final = (BALANCE, WITHDRAW_OPTIONS, WITHDRAW)


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------


class WithdrawalsService:
    """``client.withdrawals``: the merchant's withdraw options, and withdrawals."""

    def __init__(self, caller: Caller) -> None:
        self._caller = caller

    def options(self, **options: Unpack[CallOptions]) -> WithdrawOptionsResult:
        """Every withdraw option with its fee rule (always safe to retry)."""
        return self._caller.call(*withdraw_options_call(self._caller.settings, options))

    def withdraw(
        self, option_id: int, amount: AmountLike, **options: Unpack[WithdrawOptions]
    ) -> WithdrawResult:
        """Withdraw ``amount`` through option ``option_id``. Never repeated: a lost answer
        raises ``OutcomeUnknownError`` saying what to check."""
        return self._caller.call(*withdraw_call(self._caller.settings, option_id, amount, options))


class AsyncWithdrawalsService:
    """:class:`WithdrawalsService` for ``AsyncClient``."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def options(self, **options: Unpack[CallOptions]) -> WithdrawOptionsResult:
        """Every withdraw option with its fee rule (always safe to retry)."""
        return await self._caller.call(*withdraw_options_call(self._caller.settings, options))

    async def withdraw(
        self, option_id: int, amount: AmountLike, **options: Unpack[WithdrawOptions]
    ) -> WithdrawResult:
        """Withdraw ``amount`` through option ``option_id``. Never repeated: a lost answer
        raises ``OutcomeUnknownError`` saying what to check."""
        return await self._caller.call(
            *withdraw_call(self._caller.settings, option_id, amount, options)
        )
