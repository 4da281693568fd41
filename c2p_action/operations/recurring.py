"""The recurring payment plan family: inquiry, update and cancel of a plan (RPP maintenance).

One request model (``RecurringMaintenanceRequest``, version 2.4) and one response model for all
three, told apart by ``processType`` (``I``, ``U``, ``C``), posted to the Payment Action URL in the
nested envelope; the emulator and the gateway tell this family apart from the payment process
there by the root element (reference ``payment-maintenance-family.md`` section 2).

Amounts are the error-prone part. 2C2P writes ``amount`` and ``maxAccumulateAmount`` as twelve
zero-padded digits of the plan currency's *minor units* (``000000009990`` is 99.90 SGD), yet its
own inquiry sample sends ``99.90``. So:

- requests are written in the twelve-digit form, converted with the ISO 4217 exponent of the
  currency the caller states (``currency="SGD"`` or ``exponent=2``): nothing is assumed, since
  ``000000009990`` is 9,990 JPY or 9.990 KWD. A value that twelve digits of minor units cannot
  hold exactly is a :class:`~c2p_action.errors.ValidationError`; nothing is ever rounded;
- answers are read in both forms (twelve digits, or a decimal with a point), converted with the
  exponent of the numeric ``currency`` the answer carries (inquiry answers do).

That the twelve digits are minor units rests on 2C2P's SGD samples (two decimals, as ISO gives
SGD and THB); for currencies with another exponent the gateway's behaviour is UNKNOWN and the ISO
exponent is our inference. Each operation lists what else rests on inference in ``inferred``.

Binding: every answer must echo the plan's ``recurringUniqueID`` (the cancel and inquiry samples
do); an echoed ``merchantID`` must be ours. ``version`` is never compared (the inquiry sample
answers 2.1 to a 2.4 request). Update and cancel change the plan and 2C2P documents no
de-duplication for them: the client never repeats them (a lost answer is reported; check with
``inquiry``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final, TypeAlias, Unpack

from c2p_action.errors import ValidationError, XmlError
from c2p_action.operations import payment
from c2p_action.operations._result import Result
from c2p_action.operations._spec import (
    AsyncCaller,
    Bind,
    BodyFormat,
    Caller,
    CallOptions,
    Endpoint,
    Envelope,
    Evidence,
    Mask,
    Operation,
    RetrySafety,
)
from c2p_action.operations._values import AmountLike, check_options
from c2p_action.schemas import (
    RecurringMaintenanceRequest,
    RecurringMaintenanceResponse,
    RecurringProcessType,
    RespCode,
)
from c2p_action.schemas.codes import OpenEnum
from c2p_action.schemas.currencies import Currency, currency, find_currency

__all__ = [
    "ACTION_ENDPOINT",
    "CANCEL",
    "CHARGE_DATE_YEARS",
    "CODES",
    "INQUIRY",
    "MAX_MINOR_UNITS",
    "OPERATIONS",
    "UPDATE",
    "VERSION",
    "AsyncRecurringService",
    "CurrencyLike",
    "RecurringResult",
    "RecurringService",
    "RecurringStatus",
    "RecurringUpdateOptions",
    "build_cancel",
    "build_inquiry",
    "build_update",
    "cancel_call",
    "format_amount",
    "format_charge_date",
    "format_charge_on_date",
    "inquiry_call",
    "parse_amount",
    "parse_charge_date",
    "plan_id",
    "update_call",
]

#: The version of the current request table (older pages and one answer sample show 2.1).
VERSION: Final = "2.4"
#: The largest amount twelve digits can hold, in minor units.
MAX_MINOR_UNITS: Final = 10**12 - 1

#: A currency as the caller names it: ``"SGD"``, ``702``, ``"702"`` or a ``Currency``.
CurrencyLike: TypeAlias = str | int | Currency


class RecurringStatus(OpenEnum):
    """``recurringStatus`` of a plan; other values stay readable (``known`` false)."""

    ACTIVE = "Y"
    INACTIVE = "N"


# ---------------------------------------------------------------------------------------------
# Wire values: amounts, dates, plan ids (pure; shared with the emulator)
# ---------------------------------------------------------------------------------------------

_XML_WHITESPACE: Final = " \t\r\n"
_TWELVE_DIGITS: Final = re.compile(r"[0-9]{12}")
_DECIMAL: Final = re.compile(r"[0-9]+\.[0-9]+")
_ZERO: Final = re.compile(r"0+")
_DIGITS: Final = re.compile(r"[0-9]+")


def _exponent(given: CurrencyLike | None, exponent: int | None) -> int:
    """The exponent the caller states, by currency or directly (both must then agree)."""
    found = None if given is None else currency(given)
    if exponent is not None and (
        isinstance(exponent, bool) or not isinstance(exponent, int) or not 0 <= exponent <= 4
    ):
        raise ValidationError("exponent must be an integer from 0 to 4 (ISO 4217 minor units)")
    if found is None:
        if exponent is None:
            raise ValidationError(
                "state the plan's currency (currency='SGD' or 702) or its exponent: 2C2P writes"
                " recurring amounts as minor units of the plan's currency"
            )
        return exponent
    if found.exponent is None:
        raise ValidationError(f"{found.code} has no minor unit: it cannot be a plan's currency")
    if exponent is not None and exponent != found.exponent:
        raise ValidationError(f"exponent {exponent} contradicts {found.code}'s {found.exponent}")
    return found.exponent


def format_amount(
    amount: AmountLike, exponent: int, *, what: str = "amount", allow_zero: bool = False
) -> str:
    """``amount`` (major units) as twelve zero-padded digits of minor units: ``000000009990``.

    Raises :class:`~c2p_action.errors.ValidationError` unless the amount is exact in minor
    units of ``exponent`` decimals, positive (or zero with ``allow_zero``) and at most
    :data:`MAX_MINOR_UNITS`. A float is refused: it rarely holds the amount that was typed.
    """
    if isinstance(amount, bool) or not isinstance(amount, Decimal | str | int):
        kind = type(amount).__name__
        raise ValidationError(f"{what} must be a Decimal, int or string, not {kind}")
    try:
        value = Decimal(amount.strip() if isinstance(amount, str) else amount)
    except InvalidOperation:
        raise ValidationError(f"{what} is not a decimal number") from None
    if not value.is_finite():
        raise ValidationError(f"{what} must be a finite number")
    minor = _minor_units(value, exponent)
    if minor is None:
        raise ValidationError(
            f"{what} {_shown(value)} has more than {exponent} decimals: it cannot be written"
            " exactly in minor units of this currency"
        )
    if minor < 0 or (minor == 0 and not allow_zero):
        raise ValidationError(f"{what} must be {'zero or more' if allow_zero else 'positive'}")
    if minor > MAX_MINOR_UNITS:
        raise ValidationError(f"{what} {_shown(value)} does not fit 12 digits of minor units")
    return f"{minor:012d}"


def _shown(value: Decimal) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:27] + "..."


def _minor_units(value: Decimal, exponent: int) -> int | None:
    """``value`` in minor units, exactly, or ``None`` when it has more decimals than that.

    Integer arithmetic on the digits: Decimal operations round to the context's precision
    (28 digits), which would turn ``0.1000...0001`` into an exact-looking 10.
    Values far beyond twelve digits come back as a too large number, never computed in full.
    """
    sign, digits, places = value.as_tuple()
    assert isinstance(places, int)  # finite, checked by the caller
    count = len(digits)
    while count > 1 and digits[count - 1] == 0:  # trailing zeros say nothing about exactness
        count -= 1
        places += 1
    if not any(digits):
        return 0
    if places + exponent < 0:
        return None
    if count + places + exponent > 13:
        return MAX_MINOR_UNITS + 1  # more than twelve digits: refused by the caller
    scale: int = 10 ** (places + exponent)  # places + exponent >= 0 here
    minor = int("".join(map(str, digits[:count]))) * scale
    return -minor if sign else minor


def parse_amount(text: str, exponent: int | None, *, what: str = "amount") -> Decimal:
    """Read a recurring amount in either of 2C2P's forms, in major units.

    ``000000009990`` (twelve digits: minor units, which need ``exponent``) or ``99.90`` (a
    decimal; with ``exponent`` given it must be exact in that many decimals). Zero may be written
    with any number of zeros. Anything else (``9990``, ``-1``, ``1e3``) is refused: a short
    digit string could be either form. Raises :class:`~c2p_action.errors.ValidationError`.
    """
    raw = text.strip(_XML_WHITESPACE)
    if _TWELVE_DIGITS.fullmatch(raw) or _ZERO.fullmatch(raw):
        if exponent is None:
            if _ZERO.fullmatch(raw):
                return Decimal(0)
            raise ValidationError(
                f"{what} is in minor units: the plan's currency is needed to read it"
            )
        if _ZERO.fullmatch(raw):
            return Decimal(0).scaleb(-exponent)
        return Decimal(int(raw)).scaleb(-exponent)
    if not _DECIMAL.fullmatch(raw):
        raise ValidationError(f"{what} is neither 12 digits of minor units nor a decimal amount")
    value = Decimal(raw)
    if exponent is None:
        return value
    minor = _minor_units(value, exponent)
    if minor is None:
        raise ValidationError(f"{what} has more decimals than the currency's {exponent}")
    if minor > MAX_MINOR_UNITS:
        raise ValidationError(f"{what} does not fit 12 digits of minor units")
    return Decimal(minor).scaleb(-exponent)


#: The years a charge date may name: inside them the two date orders can never be confused.
CHARGE_DATE_YEARS: Final = range(1900, 2200)


def _date(year: int, month: int, day: int) -> date | None:
    if year not in CHARGE_DATE_YEARS:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_charge_date(text: str) -> date:
    """Read ``chargeNextDate`` in either order 2C2P has printed: ``yyyyMMdd`` or ``ddMMyyyy``.

    The reference calls its format a CONFLICT (the request table says DDMMYYYY, the inquiry
    answer sample sends ``20210307``). Both readings are tried; restricted to the years
    1900-2199 at most one of them is a real date (a ``yyyyMMdd`` month would be 19-21 read the
    other way, and vice versa), so the answer is never a guess. Raises
    :class:`~c2p_action.errors.ValidationError` when neither reading is a date.
    """
    raw = text.strip(_XML_WHITESPACE)
    if len(raw) != 8 or not _DIGITS.fullmatch(raw):
        raise ValidationError("a charge date must be 8 digits (yyyyMMdd or ddMMyyyy)")
    readings = {
        found
        for found in (
            _date(int(raw[:4]), int(raw[4:6]), int(raw[6:])),
            _date(int(raw[4:]), int(raw[2:4]), int(raw[:2])),
        )
        if found is not None
    }
    if len(readings) != 1:
        raise ValidationError("a charge date must be a real date in yyyyMMdd or ddMMyyyy")
    return readings.pop()


def format_charge_date(day: date) -> str:
    """``chargeNextDate`` for a request: ``ddMMyyyy`` (INFERRED, see :data:`UPDATE`).

    The request table of developer.2c2p.com says DDMMYYYY, as does the Payment Token API that
    creates plans; the one answer sample and a secondary source use ``yyyyMMdd``. Requests
    follow the request table.
    """
    if not isinstance(day, date):
        raise ValidationError(f"charge_next_date must be a date, not {type(day).__name__}")
    if day.year not in CHARGE_DATE_YEARS:
        raise ValidationError("charge_next_date must be in the years 1900-2199")
    return f"{day.day:02d}{day.month:02d}{day.year:04d}"


def format_charge_on_date(value: str | date) -> str:
    """``chargeOnDate`` (``ddMM``): a ``date`` (its day and month) or a ``ddMM`` string."""
    if isinstance(value, date):
        return f"{value.day:02d}{value.month:02d}"
    if not isinstance(value, str) or not _DIGITS.fullmatch(value) or len(value) != 4:
        raise ValidationError("charge_on_date must be a date or 4 digits ddMM")
    # A leap year, so that 2902 is a day some years have.
    if _date(2000, int(value[2:]), int(value[:2])) is None:
        raise ValidationError("charge_on_date is not a day of the year (ddMM)")
    return value


def plan_id(value: str | int) -> str:
    """A ``recurringUniqueID`` (N 20): 1 to 20 digits, as a string or a non-negative int."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if not isinstance(value, str) or not _DIGITS.fullmatch(value) or len(value) > 20:
        raise ValidationError("recurring_unique_id must be 1 to 20 digits")
    return value


def _count(value: object, what: str, low: int, high: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{what} must be an integer from {low} to {high}")
    return str(value)


def _flag(value: object, what: str) -> str:
    if not isinstance(value, bool):
        raise ValidationError(f"{what} must be True or False")
    return "Y" if value else "N"


# ---------------------------------------------------------------------------------------------
# Options and builders
# ---------------------------------------------------------------------------------------------


class RecurringUpdateOptions(CallOptions, total=False):
    """What ``recurring.update`` may change (at least one), and the plan's currency.

    ``amount`` and ``max_accumulate_amount`` are in major units (``Decimal("99.90")``) and need
    the plan's ``currency`` (``"SGD"``, ``702``) or its ``exponent``. ``recurring_status``
    pauses (``N``) or resumes (``Y``) the plan; ``recurring_interval`` is the number of days
    between charges (1-365), ``recurring_count`` the number of charges (``0``: until
    cancelled); ``charge_on_date`` is a ``date`` or ``ddMM``.
    """

    recurring_status: RecurringStatus | str
    amount: AmountLike
    currency: CurrencyLike
    exponent: int
    allow_accumulate: bool
    max_accumulate_amount: AmountLike
    recurring_interval: int
    recurring_count: int
    charge_next_date: date
    charge_on_date: str | date


_CHANGES: Final = (
    "recurring_status",
    "amount",
    "allow_accumulate",
    "max_accumulate_amount",
    "recurring_interval",
    "recurring_count",
    "charge_next_date",
    "charge_on_date",
)


def build_inquiry(merchant_id: str, recurring_unique_id: str | int) -> RecurringMaintenanceRequest:
    """An inquiry (``I``): the mandatory fields only."""
    return RecurringMaintenanceRequest(
        version=VERSION,
        merchant_id=merchant_id,
        recurring_unique_id=plan_id(recurring_unique_id),
        process_type=RecurringProcessType.I,
    )


def build_cancel(merchant_id: str, recurring_unique_id: str | int) -> RecurringMaintenanceRequest:
    """A cancel (``C``): the mandatory fields only."""
    return RecurringMaintenanceRequest(
        version=VERSION,
        merchant_id=merchant_id,
        recurring_unique_id=plan_id(recurring_unique_id),
        process_type=RecurringProcessType.C,
    )


def build_update(
    merchant_id: str, recurring_unique_id: str | int, options: RecurringUpdateOptions
) -> RecurringMaintenanceRequest:
    """An update (``U``) with every field the options change; refuses an update of nothing."""
    if not any(options.get(name) is not None for name in _CHANGES):
        raise ValidationError(f"update changes nothing: give one of {', '.join(_CHANGES)}")
    amount = options.get("amount")
    cap = options.get("max_accumulate_amount")
    exponent = 0
    if amount is not None or cap is not None or "currency" in options or "exponent" in options:
        # Checked even when no amount needs it: a wrong currency is a mistake worth reporting.
        exponent = _exponent(options.get("currency"), options.get("exponent"))
    status = options.get("recurring_status")
    if status is not None:
        status = RecurringStatus(status) if isinstance(status, str) else status
        if not isinstance(status, RecurringStatus) or not status.known:
            raise ValidationError("recurring_status must be Y (active) or N (inactive)")
    interval = options.get("recurring_interval")
    count = options.get("recurring_count")
    next_date = options.get("charge_next_date")
    on_date = options.get("charge_on_date")
    accumulate = options.get("allow_accumulate")
    return RecurringMaintenanceRequest(
        version=VERSION,
        merchant_id=merchant_id,
        recurring_unique_id=plan_id(recurring_unique_id),
        process_type=RecurringProcessType.U,
        recurring_status=None if status is None else status.value,
        amount=None if amount is None else format_amount(amount, exponent),
        allow_accumulate=None if accumulate is None else _flag(accumulate, "allow_accumulate"),
        max_accumulate_amount=(
            None
            if cap is None
            else format_amount(cap, exponent, what="max_accumulate_amount", allow_zero=True)
        ),
        recurring_interval=(
            None if interval is None else _count(interval, "recurring_interval", 1, 365)
        ),
        recurring_count=None if count is None else _count(count, "recurring_count", 0, 99999),
        charge_next_date=None if next_date is None else format_charge_date(next_date),
        charge_on_date=None if on_date is None else format_charge_on_date(on_date),
    )


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip(_XML_WHITESPACE)
    return value or None


@dataclass(frozen=True, slots=True)
class RecurringResult(Result[RecurringMaintenanceResponse, RespCode]):
    """A verified answer with code ``00`` about one plan, with its fields as typed values.

    The properties read the response model (``response``, always there with the raw strings);
    a field the answer leaves out is ``None``. A field present but malformed raises
    :class:`~c2p_action.errors.XmlError` naming it. Cancel answers carry only the plan id.
    """

    @property
    def recurring_unique_id(self) -> str | None:
        """The plan's id, as echoed."""
        return _text(self.response.recurring_unique_id)

    @property
    def status(self) -> RecurringStatus | None:
        """``Y`` active or ``N`` inactive (other values keep their raw string in ``.value``)."""
        raw = _text(self.response.recurring_status)
        return None if raw is None else RecurringStatus(raw)

    @property
    def active(self) -> bool | None:
        """Whether the plan is active (``None`` when the answer does not say)."""
        status = self.status
        if status is None or not status.known:
            return None
        return status is RecurringStatus.ACTIVE

    @property
    def currency(self) -> Currency | None:
        """The plan's currency (from the numeric ``currency``); ``None`` if absent or unknown."""
        raw = _text(self.response.currency)
        return None if raw is None else find_currency(raw)

    @property
    def amount(self) -> Decimal | None:
        """The amount of each charge, in the plan's currency (``Decimal("99.90")``)."""
        return self._amount("amount", self.response.amount, None)

    @property
    def max_accumulate_amount(self) -> Decimal | None:
        """The cap on accumulated failed amounts, in the plan's currency."""
        return self._amount("maxAccumulateAmount", self.response.max_accumulate_amount, None)

    def amount_in(self, plan_currency: CurrencyLike) -> Decimal | None:
        """``amount`` read with a currency the caller knows (update answers carry none)."""
        return self._amount("amount", self.response.amount, currency(plan_currency))

    @property
    def amount_minor_units(self) -> int | None:
        """``amount`` as sent in minor units (``9990``); ``None`` unless in the 12-digit form."""
        raw = _text(self.response.amount)
        return int(raw) if raw is not None and _TWELVE_DIGITS.fullmatch(raw) else None

    @property
    def allow_accumulate(self) -> bool | None:
        """Whether failed charges accumulate into the next cycle."""
        raw = _text(self.response.allow_accumulate)
        if raw is None:
            return None
        if raw not in ("Y", "N"):
            raise XmlError("allowAccumulate is not Y or N")
        return raw == "Y"

    @property
    def recurring_interval(self) -> int | None:
        """Days between charges."""
        return _integer("recurringInterval", self.response.recurring_interval)

    @property
    def recurring_count(self) -> int | None:
        """The number of charges of the plan (``0``: until cancelled)."""
        return _integer("recurringCount", self.response.recurring_count)

    @property
    def current_count(self) -> int | None:
        """Charges made so far (``currentCount``, named by a secondary source only)."""
        return _integer("currentCount", self.response.current_count)

    @property
    def remaining_count(self) -> int | None:
        """Charges still to come; ``None`` when unknown or the plan runs until cancelled."""
        total, done = self.recurring_count, self.current_count
        if total is None or done is None or total == 0:
            return None
        return max(total - done, 0)

    @property
    def charge_next_date(self) -> date | None:
        """The next charge's date (read as ``yyyyMMdd`` or ``ddMMyyyy``, see
        :func:`parse_charge_date`)."""
        raw = _text(self.response.charge_next_date)
        if raw is None:
            return None
        try:
            return parse_charge_date(raw)
        except ValidationError as error:
            raise XmlError(f"chargeNextDate: {error}") from None

    @property
    def invoice_prefix(self) -> str | None:
        """The prefix of the invoice numbers the plan's charges get."""
        return _text(self.response.invoice_prefix)

    @property
    def masked_card_no(self) -> str | None:
        """The card, as the gateway masks it (``XXXXXXXXXXXX1111``)."""
        return _text(self.response.masked_card_no)

    def _amount(self, name: str, raw: str | None, known: Currency | None) -> Decimal | None:
        text = _text(raw)
        if text is None:
            return None
        plan_currency = known or self.currency
        try:
            return parse_amount(text, None if plan_currency is None else plan_currency.exponent)
        except ValidationError as error:
            hint = ""
            if plan_currency is None:
                hint = " (the answer names no currency this library knows: use amount_in())"
            raise XmlError(f"{name}: {error}{hint}") from None


def _integer(name: str, raw: str | None) -> int | None:
    text = _text(raw)
    if text is None:
        return None
    # Nine digits at most: far above the table's N 5, and int() of a huge string is costly.
    if len(text) > 9 or not _DIGITS.fullmatch(text):
        raise XmlError(f"{name} is not a whole number (at most 9 digits)")
    return int(text)


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------

#: The shared two-digit ``respCode`` table; its text is in ``respReason`` here, and no code
#: means "pending" (42 is a refund's).
CODES: Final = dataclasses.replace(
    payment.CODES, description_field="resp_reason", pending=frozenset()
)

ACTION_ENDPOINT: Final[Endpoint] = payment.ACTION_ENDPOINT

_PLAN: Final = Bind("recurringUniqueID", "recurring_unique_id", "recurring_unique_id")
_MERCHANT: Final = Bind("merchantID", "merchant_id", "merchant_id", required=False)

_AMOUNTS_INFERRED: Final = (
    "12-digit amounts are minor units of the plan's currency: 2C2P's samples show two decimals"
    " (SGD); other currencies use their ISO 4217 exponent (the gateway's behaviour for them is"
    " UNKNOWN)",
    "answers' amounts are read in both forms, 12-digit and decimal (the samples use both)",
)
_ONLY_MANDATORY: Final = (
    "only the mandatory fields (and those the caller changes) are sent; the guide's samples also"
    " send empty or unchanged elements, and an optional timeStamp, which are left out"
)


def _operation(
    name: str,
    process_type: RecurringProcessType,
    summary: str,
    *,
    retry: RetrySafety,
    evidence: Evidence,
    inferred: tuple[str, ...],
) -> Operation[RecurringMaintenanceRequest, RecurringResult]:
    def selects(request: Any) -> bool:
        value = request.process_type
        return value is process_type or value == process_type.value

    return Operation(
        name=f"recurring.{name}",
        summary=summary,
        request_type=RecurringMaintenanceRequest,
        response_type=RecurringMaintenanceResponse,
        endpoint=ACTION_ENDPOINT,
        envelope=Envelope.NESTED,
        body=BodyFormat.XML,
        codes=CODES,
        result=RecurringResult,
        retry=retry,
        evidence=evidence,
        binding=(_PLAN, _MERCHANT),
        selects=selects,
        inferred=inferred,
        log_fields=(("plan", "recurring_unique_id"), ("amount", "amount")),
        # Already masked by the gateway; masked again in case an answer ever carries more.
        masked={"maskedCardNo": Mask.PAN},
    )


INQUIRY: Final = _operation(
    "inquiry",
    RecurringProcessType.I,
    "A recurring plan's status, amount, schedule and counts.",
    retry=RetrySafety.ALWAYS,
    evidence=Evidence.DOCUMENTED,
    inferred=(
        *_AMOUNTS_INFERRED,
        _ONLY_MANDATORY,
        "chargeNextDate is read as yyyyMMdd or ddMMyyyy (CONFLICT between the table and the"
        " answer sample)",
        "currentCount (charges made so far) is named by a secondary source only",
    ),
)
UPDATE: Final = _operation(
    "update",
    RecurringProcessType.U,
    "Change a recurring plan: amount, schedule, count, status or accumulation.",
    retry=RetrySafety.NEVER,
    evidence=Evidence.INFERRED,
    inferred=(
        *_AMOUNTS_INFERRED,
        _ONLY_MANDATORY,
        "which fields an update must carry is UNKNOWN (the update table is cut off; a secondary"
        " source calls amount, recurringInterval and recurringCount mandatory): only the"
        " changed fields are sent",
        "chargeNextDate is sent as ddMMyyyy (the request table's DDMMYYYY; the answer sample"
        " and a secondary source use yyyyMMdd)",
        "the answer's shape is UNKNOWN (no sample): it is expected to echo recurringUniqueID"
        " like the cancel answer",
        "never repeated by the client: 2C2P documents no de-duplication for updates",
    ),
)
CANCEL: Final = _operation(
    "cancel",
    RecurringProcessType.C,
    "Cancel a recurring plan: no further charges.",
    retry=RetrySafety.NEVER,
    evidence=Evidence.DOCUMENTED,
    inferred=(
        _ONLY_MANDATORY + " (the cancel sample also sends recurringStatus, amount and"
        " allowAccumulate)",
        "never repeated by the client: 2C2P documents no de-duplication for cancels",
    ),
)

#: The family's operations, in the order the reference lists them.
OPERATIONS: Final = (INQUIRY, UPDATE, CANCEL)

_Call = tuple[
    Operation[RecurringMaintenanceRequest, RecurringResult],
    RecurringMaintenanceRequest,
    CallOptions,
]


def inquiry_call(merchant_id: str, recurring_unique_id: str | int, options: CallOptions) -> _Call:
    """The operation, request and options of ``recurring.inquiry`` (both services use it)."""
    check_options(INQUIRY.name, options, CallOptions)
    return INQUIRY, build_inquiry(merchant_id, recurring_unique_id), options


def update_call(
    merchant_id: str, recurring_unique_id: str | int, options: RecurringUpdateOptions
) -> _Call:
    """The operation, request and options of ``recurring.update``."""
    check_options(UPDATE.name, options, RecurringUpdateOptions)
    return UPDATE, build_update(merchant_id, recurring_unique_id, options), options


def cancel_call(merchant_id: str, recurring_unique_id: str | int, options: CallOptions) -> _Call:
    """The operation, request and options of ``recurring.cancel``."""
    check_options(CANCEL.name, options, CallOptions)
    return CANCEL, build_cancel(merchant_id, recurring_unique_id), options


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------


class RecurringService:
    """``client.recurring``: maintenance of recurring payment plans (RPP).

    ``recurring_unique_id`` is the id 2C2P returned when the plan's first payment was made.
    """

    def __init__(self, caller: Caller) -> None:
        self._caller = caller

    def inquiry(
        self, recurring_unique_id: str | int, **options: Unpack[CallOptions]
    ) -> RecurringResult:
        """The plan's status, amount, schedule and counts (always safe to retry)."""
        return self._caller.call(*inquiry_call(self._merchant, recurring_unique_id, options))

    def update(
        self, recurring_unique_id: str | int, **options: Unpack[RecurringUpdateOptions]
    ) -> RecurringResult:
        """Change the plan (see :class:`RecurringUpdateOptions`); never retried."""
        return self._caller.call(*update_call(self._merchant, recurring_unique_id, options))

    def cancel(
        self, recurring_unique_id: str | int, **options: Unpack[CallOptions]
    ) -> RecurringResult:
        """Cancel the plan: no further charges; never retried."""
        return self._caller.call(*cancel_call(self._merchant, recurring_unique_id, options))

    @property
    def _merchant(self) -> str:
        return self._caller.settings.merchant_id


class AsyncRecurringService:
    """:class:`RecurringService` for ``AsyncClient`` (``await client.recurring.cancel(...)``)."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def inquiry(
        self, recurring_unique_id: str | int, **options: Unpack[CallOptions]
    ) -> RecurringResult:
        """The plan's status, amount, schedule and counts (always safe to retry)."""
        return await self._caller.call(*inquiry_call(self._merchant, recurring_unique_id, options))

    async def update(
        self, recurring_unique_id: str | int, **options: Unpack[RecurringUpdateOptions]
    ) -> RecurringResult:
        """Change the plan (see :class:`RecurringUpdateOptions`); never retried."""
        return await self._caller.call(*update_call(self._merchant, recurring_unique_id, options))

    async def cancel(
        self, recurring_unique_id: str | int, **options: Unpack[CallOptions]
    ) -> RecurringResult:
        """Cancel the plan: no further charges; never retried."""
        return await self._caller.call(*cancel_call(self._merchant, recurring_unique_id, options))

    @property
    def _merchant(self) -> str:
        return self._caller.settings.merchant_id
