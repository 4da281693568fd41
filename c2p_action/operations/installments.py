"""The installment (IPP) family: which banks offer installment plans, on which cards, on what terms.

One read-only operation, ``installments.options``: an ``IppOptionRequest`` (version 2.2, the
merchant's id alone) posted to the Payment Action URL, answered with an ``IppOptionResponse``
listing banks, their card BINs and their options (reference ``payment-maintenance-family.md``
section 6). The envelope is inferred: the guide prints no token, so it is taken to be the nested
JWS(JWE) of every other XML operation at that URL.

The options are attributes of ``<option/>`` and arrive as text; :class:`InstallmentOption` holds
them as typed values. Two readings are ours:

- **rates**: typed "D 2,2" in the table, yet the sample sends ``1.0000``. We follow the sample
  (it is what the gateway sent): a rate is read exactly, whatever its number of decimals, as a
  ``Decimal``;
- **negative rate**: the table says a negative merchant (customer) interest rate means the
  merchant-interest (customer-interest) variant of the option is not offered. Such a rate is
  ``None`` on the typed option, and ``merchant_interest_offered`` is false.

No field of the answer echoes the request (it carries no merchantID), so there is nothing to
bind it to: the answer is encrypted to our key and signed by the gateway, and a replayed older
answer could at worst be stale. Repeating the call changes nothing: it is always retried.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final, Unpack

from c2p_action.errors import XmlError
from c2p_action.operations import payment
from c2p_action.operations._result import Result
from c2p_action.operations._spec import (
    AsyncCaller,
    BodyFormat,
    Caller,
    CallOptions,
    Envelope,
    Evidence,
    Operation,
    RetrySafety,
)
from c2p_action.operations._values import check_options
from c2p_action.operations.recurring import CODES
from c2p_action.schemas import (
    IppBank,
    IppBanks,
    IppBins,
    IppInstallmentOptions,
    IppOption,
    IppOptionRequest,
    IppOptionResponse,
    RespCode,
)

__all__ = [
    "OPERATIONS",
    "OPTIONS",
    "VERSION",
    "AsyncInstallmentsService",
    "InstallmentBank",
    "InstallmentOption",
    "InstallmentOptionsResult",
    "InstallmentsService",
    "banks_model",
    "build_options",
    "options_call",
]

#: The version of the request table.
VERSION: Final = "2.2"

_XML_WHITESPACE: Final = " \t\r\n"
_SIGNED_DECIMAL: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_DECIMAL: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_DIGITS: Final = re.compile(r"[0-9]+")
_ISO_DATE: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
#: How the gateway writes a rate (the sample's four decimals) and "not offered".
_RATE_DECIMALS: Final = Decimal("0.0001")
_NOT_OFFERED: Final = "-1.0000"


@dataclass(frozen=True, slots=True)
class InstallmentOption:
    """One installment option of a bank, as typed values.

    ``period`` is the number of monthly installments; ``merchant_interest_rate`` and
    ``customer_interest_rate`` are the rates of the option's two variants (the merchant, or the
    customer, pays the interest), ``None`` where the gateway marks that variant as not offered
    (a negative rate). ``min_amount`` is the smallest amount the option applies to, in
    ``currency`` (alphabetic, ``SGD``); the option is valid from ``valid_from`` to
    ``valid_until``, both included.
    """

    id: int
    period: int
    merchant_interest_rate: Decimal | None
    customer_interest_rate: Decimal | None
    min_amount: Decimal
    currency: str
    valid_from: date
    valid_until: date

    @property
    def merchant_interest_offered(self) -> bool:
        """Whether the merchant-pays-interest variant is offered."""
        return self.merchant_interest_rate is not None

    @property
    def customer_interest_offered(self) -> bool:
        """Whether the customer-pays-interest variant is offered."""
        return self.customer_interest_rate is not None

    def valid_on(self, day: date) -> bool:
        """Whether the option is valid on ``day``."""
        return self.valid_from <= day <= self.valid_until

    def applies_to(self, amount: Decimal, *, on: date) -> bool:
        """Whether an ``amount`` (in ``currency``) paid on day ``on`` may use this option."""
        return self.valid_on(on) and amount >= self.min_amount

    @classmethod
    def from_model(cls, option: IppOption, where: str = "option") -> InstallmentOption:
        """The typed option from an ``<option/>``; :class:`~c2p_action.errors.XmlError` names
        the first attribute that is missing or malformed."""
        return cls(
            id=_whole(option.id, f"{where}@id"),
            period=_whole(option.installment_period, f"{where}@installmentPeriod"),
            merchant_interest_rate=_rate(option.mer_interest_rate, f"{where}@merInterestRate"),
            customer_interest_rate=_rate(option.cus_interest_rate, f"{where}@cusInterestRate"),
            min_amount=_min_amount(option.min_amount, f"{where}@minAmount"),
            currency=_required(option.currency_code, f"{where}@currencyCode"),
            valid_from=_iso_date(option.valid_from, f"{where}@validFrom"),
            valid_until=_iso_date(option.valid_until, f"{where}@validUntil"),
        )

    def to_model(self) -> IppOption:
        """The ``<option/>`` the gateway would send for this option (the emulator uses it)."""
        return IppOption(
            id=str(self.id),
            installment_period=str(self.period),
            mer_interest_rate=_rate_text(self.merchant_interest_rate),
            cus_interest_rate=_rate_text(self.customer_interest_rate),
            min_amount=f"{self.min_amount:f}",
            currency_code=self.currency,
            valid_from=self.valid_from.isoformat(),
            valid_until=self.valid_until.isoformat(),
        )


@dataclass(frozen=True, slots=True)
class InstallmentBank:
    """A bank offering installment plans: its names, links, card BINs and options.

    ``short_name`` is the bank's code; ``terms`` its terms (text or a link, as sent);
    ``bins`` the first six digits of the cards it accepts.
    """

    name: str | None
    short_name: str | None
    bins: tuple[str, ...] = ()
    options: tuple[InstallmentOption, ...] = ()
    terms: str | None = None
    logo_url: str | None = None
    promo_url: str | None = None

    def accepts_bin(self, bin6: str) -> bool:
        """Whether a card with this six-digit BIN is one of the bank's."""
        return bin6 in self.bins

    @classmethod
    def from_model(cls, bank: IppBank, where: str = "ippBank") -> InstallmentBank:
        """The typed bank from an ``<ippBank>``; malformed options raise
        :class:`~c2p_action.errors.XmlError`."""
        options = bank.installment_options.option if bank.installment_options else []
        return cls(
            name=_text(bank.bank_name),
            short_name=_text(bank.bank_short_name),
            bins=tuple(b for b in map(_text, bank.bins.bin if bank.bins else []) if b),
            options=tuple(
                InstallmentOption.from_model(option, f"{where}.option[{index}]")
                for index, option in enumerate(options)
            ),
            terms=_text(bank.bank_terms),
            logo_url=_text(bank.bank_logo_url),
            promo_url=_text(bank.bank_promo_url),
        )

    def to_model(self) -> IppBank:
        """The ``<ippBank>`` the gateway would send for this bank (the emulator uses it)."""
        return IppBank(
            bank_name=self.name,
            bank_short_name=self.short_name,
            bank_terms=self.terms,
            bank_logo_url=self.logo_url,
            bank_promo_url=self.promo_url,
            bins=IppBins(bin=list(self.bins)) if self.bins else None,
            installment_options=(
                IppInstallmentOptions(option=[o.to_model() for o in self.options])
                if self.options
                else None
            ),
        )


def banks_model(banks: Sequence[InstallmentBank]) -> IppBanks | None:
    """The ``<ippBanks>`` element for ``banks`` (``None`` for no bank)."""
    return IppBanks(ipp_bank=[bank.to_model() for bank in banks]) if banks else None


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip(_XML_WHITESPACE)
    return value or None


def _required(value: str | None, where: str) -> str:
    text = _text(value)
    if text is None:
        raise XmlError(f"{where} is missing")
    return text


def _whole(value: str | None, where: str) -> int:
    text = _required(value, where)
    # Nine digits at most: far above the table's N 2, and int() of a huge string is costly.
    if len(text) > 9 or not _DIGITS.fullmatch(text):
        raise XmlError(f"{where} is not a whole number (at most 9 digits)")
    return int(text)


def _rate(value: str | None, where: str) -> Decimal | None:
    text = _required(value, where)
    if not _SIGNED_DECIMAL.fullmatch(text):
        raise XmlError(f"{where} is not a decimal rate")
    rate = Decimal(text)
    # "-0.0000" is not negative: a zero rate is offered (interest-free).
    return None if rate < 0 else rate


def _rate_text(rate: Decimal | None) -> str:
    if rate is None:
        return _NOT_OFFERED
    try:
        exact = rate.quantize(_RATE_DECIMALS)
    except InvalidOperation:  # more than 28 significant digits: written as it is
        return f"{rate:f}"
    return f"{exact if exact == rate else rate:f}"


def _min_amount(value: str | None, where: str) -> Decimal:
    text = _required(value, where)
    if not _DECIMAL.fullmatch(text):
        raise XmlError(f"{where} is not a plain decimal amount")
    return Decimal(text)


def _iso_date(value: str | None, where: str) -> date:
    text = _required(value, where)
    match = _ISO_DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        return date(*map(int, match.groups()))
    except ValueError:
        raise XmlError(f"{where} is not a yyyy-MM-dd date") from None


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InstallmentOptionsResult(Result[IppOptionResponse, RespCode]):
    """A verified answer with code ``00``: the banks and their installment options.

    ``banks`` converts the whole table at once, so a malformed attribute anywhere raises
    :class:`~c2p_action.errors.XmlError` naming it rather than hiding one option; the raw
    strings stay on ``response``.
    """

    @property
    def banks(self) -> tuple[InstallmentBank, ...]:
        """Every bank of the answer, in the gateway's order, with its options."""
        banks = self.response.ipp_banks.ipp_bank if self.response.ipp_banks else []
        return tuple(
            InstallmentBank.from_model(bank, f"ippBank[{index}]")
            for index, bank in enumerate(banks)
        )

    def bank(self, short_name: str) -> InstallmentBank | None:
        """The bank with this ``bankShortName`` (exact match), if listed."""
        return next((b for b in self.banks if b.short_name == short_name), None)


# ---------------------------------------------------------------------------------------------
# The table and the services
# ---------------------------------------------------------------------------------------------

OPTIONS: Final[Operation[IppOptionRequest, InstallmentOptionsResult]] = Operation(
    name="installments.options",
    summary="The banks offering installment plans, their card BINs and options.",
    request_type=IppOptionRequest,
    response_type=IppOptionResponse,
    endpoint=payment.ACTION_ENDPOINT,
    envelope=Envelope.NESTED,
    body=BodyFormat.XML,
    codes=CODES,
    result=InstallmentOptionsResult,
    retry=RetrySafety.ALWAYS,
    evidence=Evidence.INFERRED,
    inferred=(
        "the envelope is JWS(JWE) like every other XML operation at the Payment Action URL:"
        " the guide prints no token",
        "interest rates are read as sent, whatever their decimals (the sample's 1.0000, not"
        " the table's D 2,2)",
        "bankTerms and bankPromoUrl may be absent although the table marks them mandatory (the"
        " sample leaves them out)",
        "the answer echoes nothing of the request, so it is bound to nothing",
        "the optional timeStamp is left out of the request",
    ),
)

#: The family's operations.
OPERATIONS: Final = (OPTIONS,)


def build_options(merchant_id: str) -> IppOptionRequest:
    """An installment options request: the merchant's id (and the version) alone."""
    return IppOptionRequest(version=VERSION, merchant_id=merchant_id)


def options_call(
    merchant_id: str, options: CallOptions
) -> tuple[Operation[IppOptionRequest, InstallmentOptionsResult], IppOptionRequest, CallOptions]:
    """The operation, request and options of ``installments.options`` (both services use it)."""
    check_options(OPTIONS.name, options, CallOptions)
    return OPTIONS, build_options(merchant_id), options


class InstallmentsService:
    """``client.installments``: the installment plans (IPP) the merchant may offer."""

    def __init__(self, caller: Caller) -> None:
        self._caller = caller

    def options(self, **options: Unpack[CallOptions]) -> InstallmentOptionsResult:
        """The banks, their BINs and installment options (always safe to retry)."""
        return self._caller.call(*options_call(self._caller.settings.merchant_id, options))


class AsyncInstallmentsService:
    """:class:`InstallmentsService` for ``AsyncClient``."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def options(self, **options: Unpack[CallOptions]) -> InstallmentOptionsResult:
        """The banks, their BINs and installment options (always safe to retry)."""
        return await self._caller.call(*options_call(self._caller.settings.merchant_id, options))
