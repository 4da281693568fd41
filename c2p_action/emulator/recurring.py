"""The recurring plan family in the emulator: plans in the ledger, inquiry, update and cancel.

A plan is seeded (:meth:`RecurringFamily.seed_plan`, or ``2c2p emulator seed-plan``) with its
currency, amount, interval, count, next charge date and the charges already made; ``update`` and
``cancel`` change it, ``inquiry`` reports it, :meth:`RecurringFamily.charge` runs one cycle
(the next date moves on by the interval, the remaining count drops, the last charge ends the
plan). Plans live in the ledger's ``recurring_plans`` table.

Answers follow 2C2P's samples where there are some: version ``2.4`` (the current table and the
cancel sample; the older inquiry answer sample says 2.1), the request's ``timeStamp`` echoed,
amounts in the twelve-digit form (every answer sample uses it; requests may use either form, as
2C2P's own request samples do), ``chargeNextDate`` as ``yyyyMMdd`` (the answer sample), the
short shape for cancels (no merchantID, as in the sample). No update answer is published: the
emulator answers one with the plan as updated, like an inquiry (its own choice).

2C2P publishes no recurring-specific codes; the shared table's codes are used, and which case
gets which code is the emulator's own choice (INVENTED, never to be relied on by client logic):

===  ==============================================================================
00   success: "Inquiry Successful", "Cancel Successful" (the samples' wording),
     "Update Successful" (INVENTED wording)
02   not a readable RecurringMaintenanceRequest
03   the merchantID is not the signer's
10   merchantID or recurringUniqueID missing; an update that changes nothing
11   a field breaks the schema or its rules (interval 1-365, Y/N flags, dates ...)
12   an update of a cancelled plan
16   no such plan: "Requested transaction doesn't exist" is the shared table's code for
     a request naming something unknown (its only not-found code that is not about
     stored cards, merchants or invoices)
17   processType is not I, U or C
18   an amount that is malformed, not exact in the plan's currency, or out of range
61   a cancel of a cancelled plan ("Cancel not allowed")
99   the answer itself could not be written
===  ==============================================================================
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from c2p_action.codec import Envelope
from c2p_action.codec.xml import from_xml, to_xml
from c2p_action.emulator._lenient import (
    first,
    fits,
    foreign_merchant,
    time_stamp_echo,
    top_level_fields,
)
from c2p_action.errors import ConfigurationError, ValidationError, XmlError
from c2p_action.operations.recurring import (
    VERSION,
    format_amount,
    format_charge_date,
    format_charge_on_date,
    parse_amount,
    parse_charge_date,
    plan_id,
)
from c2p_action.schemas import (
    RecurringMaintenanceRequest,
    RecurringMaintenanceResponse,
    RespCode,
)
from c2p_action.schemas.currencies import Currency, currency

if TYPE_CHECKING:
    from c2p_action.emulator.core import Emulator
    from c2p_action.emulator.ledger import Ledger

__all__ = ["Plan", "RecurringFamily"]

_ROOT: Final = "RecurringMaintenanceRequest"
_SUCCESS: Final = {"I": "Inquiry Successful", "U": "Update Successful", "C": "Cancel Successful"}

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS recurring_plans (
    merchant_id TEXT NOT NULL,
    recurring_unique_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount INTEGER NOT NULL,
    recurring_interval INTEGER NOT NULL,
    recurring_count INTEGER NOT NULL,
    current_count INTEGER NOT NULL,
    charge_next_date TEXT,
    status TEXT NOT NULL,
    cancelled INTEGER NOT NULL,
    allow_accumulate INTEGER NOT NULL,
    max_accumulate_amount INTEGER,
    charge_on_date TEXT,
    invoice_prefix TEXT NOT NULL,
    masked_card_no TEXT NOT NULL,
    PRIMARY KEY (merchant_id, recurring_unique_id)
)
"""
# Columns in table order; every statement names them by position through these two.
_WRITE: Final = "REPLACE INTO recurring_plans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_READ: Final = "SELECT * FROM recurring_plans"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Plan:
    """A recurring plan as the emulator keeps it; amounts in minor units of ``currency``.

    ``recurring_count`` is the number of charges (``0``: until cancelled), ``current_count``
    those already made; ``status`` is ``Y`` (active) or ``N``; a cancelled plan is ``N``.
    """

    merchant_id: str
    recurring_unique_id: str
    currency: Currency
    amount_minor: int
    recurring_interval: int
    recurring_count: int
    current_count: int = 0
    charge_next_date: date | None = None
    status: str = "Y"
    cancelled: bool = False
    allow_accumulate: bool = False
    max_accumulate_minor: int | None = None
    charge_on_date: str | None = None
    invoice_prefix: str = ""
    masked_card_no: str = "XXXXXXXXXXXX1111"

    @property
    def amount(self) -> Decimal:
        """The amount of each charge, in major units."""
        return Decimal(self.amount_minor).scaleb(-(self.currency.exponent or 0))

    @property
    def remaining_count(self) -> int | None:
        """Charges still to come (``None``: until cancelled)."""
        if self.recurring_count == 0:
            return None
        return max(self.recurring_count - self.current_count, 0)


def _row(plan: Plan) -> tuple[object, ...]:
    return (
        plan.merchant_id,
        plan.recurring_unique_id,
        plan.currency.code,
        plan.amount_minor,
        plan.recurring_interval,
        plan.recurring_count,
        plan.current_count,
        None if plan.charge_next_date is None else plan.charge_next_date.isoformat(),
        plan.status,
        int(plan.cancelled),
        int(plan.allow_accumulate),
        plan.max_accumulate_minor,
        plan.charge_on_date,
        plan.invoice_prefix,
        plan.masked_card_no,
    )


def _plan(row: sqlite3.Row) -> Plan:
    next_date = row["charge_next_date"]
    return Plan(
        merchant_id=str(row["merchant_id"]),
        recurring_unique_id=str(row["recurring_unique_id"]),
        currency=currency(str(row["currency"])),
        amount_minor=int(str(row["amount"])),
        recurring_interval=int(str(row["recurring_interval"])),
        recurring_count=int(str(row["recurring_count"])),
        current_count=int(str(row["current_count"])),
        charge_next_date=None if next_date is None else date.fromisoformat(str(next_date)),
        status=str(row["status"]),
        cancelled=bool(row["cancelled"]),
        allow_accumulate=bool(row["allow_accumulate"]),
        max_accumulate_minor=(
            None if row["max_accumulate_amount"] is None else int(str(row["max_accumulate_amount"]))
        ),
        charge_on_date=None if row["charge_on_date"] is None else str(row["charge_on_date"]),
        invoice_prefix=str(row["invoice_prefix"]),
        masked_card_no=str(row["masked_card_no"]),
    )


def _minor(amount: Decimal | str | int, plan_currency: Currency, what: str, zero: bool) -> int:
    return int(format_amount(amount, plan_currency.exponent or 0, what=what, allow_zero=zero))


class _Refusal(Exception):
    """An answer code other than 00, raised while a request is read or decided."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class RecurringFamily:
    """The emulator's recurring plans (see the module docstring).

    ``clock`` gives "now" for answers without a request timeStamp and for default dates.
    Reach the instance an emulator serves with :meth:`of`.
    """

    name = "recurring"
    routes: Mapping[str, Envelope] = {}
    xml_roots = frozenset({_ROOT})

    def __init__(self, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._clock = clock
        self._ledger: Ledger | None = None

    @classmethod
    def of(cls, emulator: Emulator) -> RecurringFamily:
        """The recurring family ``emulator`` serves (a ``ConfigurationError`` if none)."""
        for family in emulator.families.values():
            if isinstance(family, cls):
                return family
        raise ConfigurationError("this emulator serves no recurring plans")

    def install(self, ledger: Ledger) -> None:
        """Create the ``recurring_plans`` table (kept if the ledger file already has it)."""
        ledger.execute(_SCHEMA)
        self._ledger = ledger

    @property
    def ledger(self) -> Ledger:
        """The ledger the family was installed in."""
        if self._ledger is None:
            raise ConfigurationError("the recurring family is not installed in a ledger yet")
        return self._ledger

    # -- plans ---------------------------------------------------------------------------------

    def seed_plan(
        self,
        merchant_id: str,
        recurring_unique_id: str | int,
        amount: Decimal | str | int,
        *,
        currency: str | int | Currency = "SGD",
        recurring_interval: int = 30,
        recurring_count: int = 12,
        current_count: int = 0,
        charge_next_date: date | None = None,
        active: bool = True,
        allow_accumulate: bool = False,
        max_accumulate_amount: Decimal | str | int | None = None,
        charge_on_date: str | date | None = None,
        invoice_prefix: str | None = None,
        masked_card_no: str = "XXXXXXXXXXXX1111",
    ) -> Plan:
        """Add a plan (default: active, SGD, every 30 days, 12 charges, none made yet, next
        charge one interval from today).

        Bad values raise :class:`~c2p_action.errors.ValidationError`; a plan id the merchant
        already has, or a card number that is not masked, a
        :class:`~c2p_action.errors.ConfigurationError`.
        """
        plan_currency = _currency(currency)
        if not merchant_id or not isinstance(merchant_id, str) or len(merchant_id) > 15:
            raise ValidationError("merchant_id must be 1 to 15 characters")
        if not (0 < recurring_interval <= 365 and 0 <= current_count <= 99999):
            raise ValidationError("recurring_interval must be 1-365 and current_count 0-99999")
        if not 0 <= recurring_count <= 99999:
            raise ValidationError("recurring_count must be 0 (until cancelled) to 99999")
        if sum(ch.isdigit() for ch in masked_card_no) > 4 or len(masked_card_no) > 20:
            raise ConfigurationError("masked_card_no must be masked (at most four digits shown)")
        now = self._clock()
        if charge_next_date is None:
            charge_next_date = now.date() + timedelta(days=recurring_interval)
        format_charge_date(charge_next_date)  # a date of the years answers can carry
        plan = Plan(
            merchant_id=merchant_id,
            recurring_unique_id=plan_id(recurring_unique_id),
            currency=plan_currency,
            amount_minor=_minor(amount, plan_currency, "amount", zero=False),
            recurring_interval=recurring_interval,
            recurring_count=recurring_count,
            current_count=current_count,
            charge_next_date=charge_next_date,
            status="Y" if active else "N",
            allow_accumulate=allow_accumulate,
            max_accumulate_minor=(
                None
                if max_accumulate_amount is None
                else _minor(max_accumulate_amount, plan_currency, "max_accumulate_amount", True)
            ),
            charge_on_date=None
            if charge_on_date is None
            else format_charge_on_date(charge_on_date),
            invoice_prefix=invoice_prefix or now.strftime("%d%m%y%H%M%S"),
            masked_card_no=masked_card_no,
        )
        with self.ledger.atomic():
            if self.plan(merchant_id, plan.recurring_unique_id) is not None:
                raise ConfigurationError(
                    f"plan {plan.recurring_unique_id} of merchant {merchant_id!r} is already seeded"
                )
            self.ledger.execute(_WRITE, _row(plan))
        return plan

    def plan(self, merchant_id: str, recurring_unique_id: str) -> Plan | None:
        """The plan, or ``None`` if the merchant has no plan with this id."""
        rows = self.ledger.query(
            _READ + " WHERE merchant_id = ? AND recurring_unique_id = ?",
            (merchant_id, recurring_unique_id),
        )
        return _plan(rows[0]) if rows else None

    def plans(self, merchant_id: str | None = None) -> list[Plan]:
        """Every plan (of one merchant), by merchant and plan id."""
        rows = self.ledger.query(_READ + " ORDER BY merchant_id, recurring_unique_id")
        return [
            _plan(row) for row in rows if merchant_id is None or row["merchant_id"] == merchant_id
        ]

    def charge(self, merchant_id: str, recurring_unique_id: str) -> Plan:
        """Run one charge of an active plan: one more charge made, the next date one interval
        later; the last charge of a counted plan ends it (status ``N``, no next date)."""
        with self.ledger.atomic():
            plan = self.plan(merchant_id, recurring_unique_id)
            if plan is None or plan.cancelled or plan.status != "Y":
                raise ConfigurationError(f"plan {recurring_unique_id} is not an active plan")
            done = plan.current_count + 1
            finished = plan.recurring_count != 0 and done >= plan.recurring_count
            next_date = plan.charge_next_date or self._clock().date()
            plan = replace(
                plan,
                current_count=done,
                status="N" if finished else "Y",
                charge_next_date=(
                    None if finished else next_date + timedelta(days=plan.recurring_interval)
                ),
            )
            self._store(plan)
        return plan

    def _store(self, plan: Plan) -> None:
        self.ledger.execute(_WRITE, _row(plan))

    # -- answering -----------------------------------------------------------------------------

    def answer(self, emulator: Emulator, merchant_id: str, path: str, body: bytes) -> bytes:
        """The plaintext ``RecurringMaintenanceResponse`` to a decrypted request."""
        now = self._clock()
        echo = RecurringMaintenanceResponse(version=VERSION)
        try:
            request = self._read(body, merchant_id, echo, now)
            response = self._decide(request, echo)
        except _Refusal as refusal:
            response = _refused(echo, refusal.code)
        try:
            return to_xml(response)
        except ValidationError:
            # The answer itself broke a schema rule: answer 99 with nothing echoed.
            return to_xml(_refused(RecurringMaintenanceResponse(version=VERSION), "99"))

    def _read(
        self, body: bytes, signer: str, echo: RecurringMaintenanceResponse, now: datetime
    ) -> RecurringMaintenanceRequest:
        """Bind the request (filling ``echo`` as far as it may repeat it), or refuse it."""
        try:
            request = from_xml(body, RecurringMaintenanceRequest)
        except XmlError:
            fields = top_level_fields(body, _ROOT)
            echo.time_stamp = time_stamp_echo(
                None if fields is None else first(fields, "timeStamp"), now
            )
            if fields is None:
                raise _Refusal("02") from None
            echo.recurring_unique_id = fits(first(fields, "recurringUniqueID"), 20)
            if foreign_merchant(fields, signer):
                raise _Refusal("03") from None
            if not first(fields, "merchantID") or not first(fields, "recurringUniqueID"):
                raise _Refusal("10") from None
            if first(fields, "processType") not in ("I", "U", "C"):
                raise _Refusal("17") from None
            raise _Refusal("11") from None
        echo.time_stamp = time_stamp_echo(request.time_stamp, now)
        echo.recurring_unique_id = fits(request.recurring_unique_id, 20)
        if not request.merchant_id.strip() or not request.recurring_unique_id.strip():
            raise _Refusal("10")  # present but empty: the reader does not check lengths
        if request.merchant_id != signer:
            raise _Refusal("03")
        try:
            # The reader accepts any length; the writer's validation is the schema's rule set.
            to_xml(request)
            plan_id(request.recurring_unique_id)
        except ValidationError:
            raise _Refusal("11") from None
        return request

    def _decide(
        self, request: RecurringMaintenanceRequest, echo: RecurringMaintenanceResponse
    ) -> RecurringMaintenanceResponse:
        kind = request.process_type.value
        with self.ledger.atomic():
            plan = self.plan(request.merchant_id, request.recurring_unique_id)
            if plan is None:
                raise _Refusal("16")
            if kind == "C":
                if plan.cancelled:
                    raise _Refusal("61")
                self._store(replace(plan, cancelled=True, status="N"))
                echo.resp_code, echo.resp_reason = "00", _SUCCESS["C"]
                return echo
            if kind == "U":
                if plan.cancelled:
                    raise _Refusal("12")
                plan = _updated(plan, request)
                self._store(plan)
        return _full(echo, plan, _SUCCESS[kind])


def _currency(code: str | int | Currency) -> Currency:
    found = currency(code)
    if found.exponent is None:
        raise ValidationError(f"{found.code} has no minor unit: it cannot be a plan's currency")
    return found


def _given(value: str | None) -> str | None:
    """A request field that says something (the samples send empty elements for "no change")."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _updated(plan: Plan, request: RecurringMaintenanceRequest) -> Plan:
    """``plan`` with the request's changes, or the refusal they deserve."""
    changes: dict[str, object] = {}
    exponent = plan.currency.exponent or 0
    status = _given(request.recurring_status)
    if status is not None:
        if status not in ("Y", "N"):
            raise _Refusal("11")
        changes["status"] = status
    for name, raw, zero in (
        ("amount_minor", request.amount, False),
        ("max_accumulate_minor", request.max_accumulate_amount, True),
    ):
        text = _given(raw)
        if text is None:
            continue
        try:
            value = parse_amount(text, exponent)
            changes[name] = int(format_amount(value, exponent, allow_zero=zero))
        except ValidationError:
            raise _Refusal("18") from None
    accumulate = _given(request.allow_accumulate)
    if accumulate is not None:
        if accumulate not in ("Y", "N"):
            raise _Refusal("11")
        changes["allow_accumulate"] = accumulate == "Y"
    interval = _number(request.recurring_interval, 1, 365)
    if interval is not None:
        changes["recurring_interval"] = interval
    count = _number(request.recurring_count, 0, 99999)
    if count is not None:
        if count != 0 and count < plan.current_count:
            raise _Refusal("11")  # fewer charges than already made
        changes["recurring_count"] = count
    next_date = _given(request.charge_next_date)
    if next_date is not None:
        try:
            changes["charge_next_date"] = parse_charge_date(next_date)
        except ValidationError:
            raise _Refusal("11") from None
    on_date = _given(request.charge_on_date)
    if on_date is not None:
        try:
            changes["charge_on_date"] = format_charge_on_date(on_date)
        except ValidationError:
            raise _Refusal("11") from None
    if not changes:
        raise _Refusal("10")
    return replace(plan, **changes)  # type: ignore[arg-type]


def _number(raw: str | None, low: int, high: int) -> int | None:
    text = _given(raw)
    if text is None:
        return None
    if len(text) > 9 or not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise _Refusal("11")
    return int(text)


def _refused(echo: RecurringMaintenanceResponse, code: str) -> RecurringMaintenanceResponse:
    echo.resp_code = code
    echo.resp_reason = RespCode(code).description
    return echo


def _full(
    echo: RecurringMaintenanceResponse, plan: Plan, reason: str
) -> RecurringMaintenanceResponse:
    cap = plan.max_accumulate_minor
    return replace(
        echo,
        merchant_id=plan.merchant_id,
        resp_code="00",
        resp_reason=reason,
        recurring_status=plan.status,
        invoice_prefix=plan.invoice_prefix,
        currency=plan.currency.number,
        amount=f"{plan.amount_minor:012d}",
        masked_card_no=plan.masked_card_no,
        allow_accumulate="Y" if plan.allow_accumulate else "N",
        max_accumulate_amount=None if cap is None else f"{cap:012d}",
        recurring_interval=str(plan.recurring_interval),
        recurring_count=str(plan.recurring_count),
        current_count=str(plan.current_count),
        charge_next_date=(
            None if plan.charge_next_date is None else plan.charge_next_date.strftime("%Y%m%d")
        ),
    )
