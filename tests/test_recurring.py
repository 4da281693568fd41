"""Recurring plan maintenance without a wire: 2C2P's samples, amounts, dates, requests, answers.

The samples (tests/data/recurring, see its README) disagree on the amount's form (the inquiry
request sends ``99.90``, the others ``000000009990``) and on the version (the inquiry answer says
2.1 to a 2.4 request): both forms and both versions must parse. What the emulator answers
(twelve digits, 2.4) is tested in test_recurring_emulator.py.
"""

from __future__ import annotations

import inspect
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from c2p_action.codec import from_xml, to_xml
from c2p_action.errors import (
    NotAllowedError,
    NotFoundError,
    ResponseMismatchError,
    UnknownOptionError,
    ValidationError,
    XmlError,
)
from c2p_action.operations import (
    Envelope,
    Environment,
    Evidence,
    RetrySafety,
    get_operation,
    interpret,
    operation_for,
    prepare,
    recurring,
)
from c2p_action.operations.recurring import (
    CANCEL,
    INQUIRY,
    UPDATE,
    AsyncRecurringService,
    RecurringResult,
    RecurringService,
    RecurringStatus,
    build_cancel,
    build_inquiry,
    build_update,
    format_amount,
    format_charge_date,
    format_charge_on_date,
    parse_amount,
    parse_charge_date,
    plan_id,
)
from c2p_action.schemas import (
    XML_REQUEST_MODELS,
    XML_RESPONSE_MODELS,
    RecurringMaintenanceRequest,
    RecurringMaintenanceResponse,
    RecurringProcessType,
    RespCode,
)

DATA = Path(__file__).resolve().parent / "data" / "recurring"
MID = "JT01"
REQUESTS = ("inquiry-request.xml", "update-request.xml", "cancel-request.xml")
RESPONSES = ("inquiry-response.xml", "cancel-response.xml")


def _children(document: bytes) -> list[tuple[str, str]]:
    """(tag, text) of each top-level element, in order, whitespace-only text as empty."""
    root = etree.fromstring(document)
    return [(str(child.tag), (child.text or "").strip()) for child in root]


# --- 2C2P's samples -------------------------------------------------------------------------


@pytest.mark.parametrize("name", REQUESTS + RESPONSES)
def test_every_sample_parses_and_round_trips(name: str) -> None:
    sample = (DATA / name).read_bytes()
    model_type = RecurringMaintenanceRequest if "request" in name else RecurringMaintenanceResponse
    model = from_xml(sample, model_type)
    written = to_xml(model)
    assert from_xml(written, model_type) == model
    # Nothing lost and nothing invented: the same elements with the same text (the writer
    # uses the schema's order, which the cancel answer sample does not follow).
    assert sorted(_children(written)) == sorted(_children(sample))
    # Bound by its root element among every family's models, never across roles.
    models = XML_REQUEST_MODELS if "request" in name else XML_RESPONSE_MODELS
    assert from_xml(sample, models) == model


def test_request_samples_keep_the_table_order_when_written() -> None:
    for name in REQUESTS:
        sample = (DATA / name).read_bytes()
        written = to_xml(from_xml(sample, RecurringMaintenanceRequest))
        assert _children(written) == _children(sample)


def test_the_samples_two_amount_forms_read_as_the_same_amount() -> None:
    inquiry = from_xml((DATA / "inquiry-request.xml").read_bytes(), RecurringMaintenanceRequest)
    update = from_xml((DATA / "update-request.xml").read_bytes(), RecurringMaintenanceRequest)
    assert (inquiry.amount, update.amount) == ("99.90", "000000009990")
    assert inquiry.allow_accumulate == ""  # an empty element, as the sample sends it
    assert inquiry.amount is not None
    assert update.amount is not None
    sgd = 2
    assert parse_amount(inquiry.amount, sgd) == parse_amount(update.amount, sgd) == Decimal("99.90")


def test_the_inquiry_answer_sample_as_typed_values() -> None:
    # Version 2.1 answering a 2.4 request: read all the same (the version is never compared).
    response = from_xml((DATA / "inquiry-response.xml").read_bytes(), RecurringMaintenanceResponse)
    call = prepare(INQUIRY, build_inquiry(MID, "156142"))
    result = interpret(call, response, attempts=1)
    assert isinstance(result, RecurringResult)
    assert response.version == "2.1"
    assert (result.code, result.description) == (RespCode.SUCCESS, "Inquiry Successful")
    assert result.recurring_unique_id == "156142"
    assert (result.status, result.active) == (RecurringStatus.ACTIVE, True)
    assert result.currency is not None
    assert result.currency.code == "SGD"
    assert (result.amount, result.amount_minor_units) == (Decimal("99.90"), 9990)
    assert result.max_accumulate_amount == Decimal("10.00")
    assert result.allow_accumulate is False
    assert (result.recurring_interval, result.recurring_count) == (30, 12)
    assert result.current_count is None
    assert result.remaining_count is None
    assert result.charge_next_date == date(2021, 3, 7)
    assert result.invoice_prefix == "030321135205"
    assert result.masked_card_no == "XXXXXXXXXXXX1111"


def test_the_cancel_answer_sample_binds_to_the_cancel_it_answers() -> None:
    response = from_xml((DATA / "cancel-response.xml").read_bytes(), RecurringMaintenanceResponse)
    result = interpret(prepare(CANCEL, build_cancel(MID, "156142")), response, attempts=1)
    assert (result.code.value, result.description) == ("00", "Cancel Successful")
    assert result.amount is None
    assert result.active is None
    assert result.charge_next_date is None
    with pytest.raises(ResponseMismatchError, match="recurringUniqueID"):
        interpret(prepare(CANCEL, build_cancel(MID, "156143")), response, attempts=1)


# --- amounts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "exponent", "wire"),
    [
        ("99.90", 2, "000000009990"),
        (Decimal("99.9"), 2, "000000009990"),
        (5000, 0, "000000005000"),
        ("5000.000", 0, "000000005000"),
        ("1.250", 3, "000000001250"),
        ("0.0001", 4, "000000000001"),
        ("9999999999.99", 2, "999999999999"),
        ("1E+2", 2, "000000010000"),
    ],
)
def test_amounts_are_written_as_twelve_digits_of_minor_units(
    amount: str | int | Decimal, exponent: int, wire: str
) -> None:
    assert format_amount(amount, exponent) == wire
    assert parse_amount(wire, exponent) == Decimal(amount)


@pytest.mark.parametrize(
    ("amount", "exponent", "message"),
    [
        ("99.999", 2, "more than 2 decimals"),
        ("50.5", 0, "more than 0 decimals"),
        ("0.0005", 3, "more than 3 decimals"),
        ("10000000000.00", 2, "does not fit 12 digits"),
        ("1000000000000", 0, "does not fit 12 digits"),
        ("0", 2, "must be positive"),
        ("-1.00", 2, "must be positive"),
        ("NaN", 2, "finite"),
        ("Infinity", 2, "finite"),
        ("ten", 2, "not a decimal number"),
    ],
)
def test_amounts_that_twelve_digits_cannot_hold_exactly_are_refused(
    amount: str, exponent: int, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        format_amount(amount, exponent)


@pytest.mark.parametrize("amount", [1.5, True, None, [1]])
def test_amounts_of_other_types_are_refused(amount: object) -> None:
    with pytest.raises(ValidationError, match="Decimal, int or string"):
        format_amount(amount, 2)  # type: ignore[arg-type]


def test_a_zero_cap_is_allowed_where_asked() -> None:
    assert format_amount("0", 2, allow_zero=True) == "000000000000"


@pytest.mark.parametrize(
    ("text", "exponent", "value"),
    [
        ("000000009990", 2, "99.90"),
        (" 000000009990\n", 2, "99.90"),
        ("000000009990", 0, "9990"),
        ("000000009990", 3, "9.990"),
        ("99.90", 2, "99.90"),
        ("99.9", 2, "99.90"),
        ("99.90", None, "99.90"),
        ("0", None, "0"),
        ("000", 2, "0"),
    ],
)
def test_both_forms_are_read(text: str, exponent: int | None, value: str) -> None:
    parsed = parse_amount(text, exponent)
    assert parsed == Decimal(value)
    assert str(parsed) == value or exponent is None or value == "0"


@pytest.mark.parametrize(
    ("text", "exponent", "message"),
    [
        ("9990", 2, "neither"),  # short digits: minor units or a whole amount? refused
        ("0000000099900", 2, "neither"),
        ("-99.90", 2, "neither"),
        ("1e3", 2, "neither"),
        ("", 2, "neither"),
        ("99.", 2, "neither"),
        ("99.905", 2, "more decimals"),
        ("99.90", 0, "more decimals"),
        ("000000009990", None, "currency is needed"),
        ("10000000000.00", 2, "does not fit"),
    ],
)
def test_ambiguous_or_inexact_amounts_are_not_guessed(
    text: str, exponent: int | None, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_amount(text, exponent)


@given(
    minor=st.integers(min_value=1, max_value=10**12 - 1),
    exponent=st.sampled_from([0, 2, 3, 4]),
)
def test_every_twelve_digit_amount_round_trips(minor: int, exponent: int) -> None:
    wire = f"{minor:012d}"
    value = parse_amount(wire, exponent)
    assert format_amount(value, exponent) == wire
    if exponent:  # the decimal form has a point; "5000" alone is refused as ambiguous
        assert parse_amount(f"{value:f}", exponent) == value


# --- charge dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("20210307", date(2021, 3, 7)),  # the inquiry answer sample: yyyyMMdd
        ("07032021", date(2021, 3, 7)),  # the request table: ddMMyyyy
        ("31122199", date(2199, 12, 31)),
        ("19000101", date(1900, 1, 1)),
        ("01011900", date(1900, 1, 1)),
        ("20100315", date(2010, 3, 15)),  # also "day 20, month 10" of year 0315: not a year
    ],
)
def test_charge_dates_are_read_in_either_order(text: str, day: date) -> None:
    assert parse_charge_date(text) == day


@pytest.mark.parametrize(
    "text",
    [
        "2021037",
        "2021-03-07",
        "20211307",
        "32032021",
        "00000000",
        "18991231",
        "abcdefgh",
        "\uff12\uff10\uff12\uff11\uff10\uff13\uff10\uff17",
    ],
)
def test_charge_dates_that_are_no_date_are_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_charge_date(text)


@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)))
def test_no_charge_date_is_ever_read_as_another_day(day: date) -> None:
    assert parse_charge_date(day.strftime("%Y%m%d")) == day
    assert parse_charge_date(format_charge_date(day)) == day


def test_requests_send_charge_dates_day_first() -> None:
    assert format_charge_date(date(2026, 3, 7)) == "07032026"
    with pytest.raises(ValidationError):
        format_charge_date(date(1899, 12, 31))
    with pytest.raises(ValidationError):
        format_charge_date("2026-03-07")  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "wire"), [(date(2026, 3, 7), "0703"), ("2902", "2902")])
def test_charge_on_date_is_day_and_month(value: str | date, wire: str) -> None:
    assert format_charge_on_date(value) == wire


@pytest.mark.parametrize("value", ["3002", "0013", "703", "07-3", 703])
def test_charge_on_date_must_be_a_day_of_the_year(value: object) -> None:
    with pytest.raises(ValidationError, match="charge_on_date"):
        format_charge_on_date(value)  # type: ignore[arg-type]


# --- requests -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "12a", "1" * 21, -1, 1.0, True, None, " 1"])
def test_plan_ids_are_one_to_twenty_digits(value: object) -> None:
    with pytest.raises(ValidationError, match="recurring_unique_id"):
        plan_id(value)  # type: ignore[arg-type]


def test_inquiry_and_cancel_send_the_mandatory_fields_only() -> None:
    assert to_xml(build_inquiry(MID, 156142)) == (
        b"<RecurringMaintenanceRequest><version>2.4</version><merchantID>JT01</merchantID>"
        b"<recurringUniqueID>156142</recurringUniqueID><processType>I</processType>"
        b"</RecurringMaintenanceRequest>"
    )
    assert build_cancel(MID, "00156142").recurring_unique_id == "00156142"
    assert build_cancel(MID, "1").process_type is RecurringProcessType.C


def test_an_update_writes_each_change_in_2c2p_form() -> None:
    request = build_update(
        MID,
        "156142",
        {
            "amount": "120.50",
            "currency": 702,
            "recurring_status": "N",
            "allow_accumulate": True,
            "max_accumulate_amount": "0",
            "recurring_interval": 7,
            "recurring_count": 0,
            "charge_next_date": date(2026, 4, 1),
            "charge_on_date": "0104",
        },
    )
    assert _children(to_xml(request)) == [
        ("version", "2.4"),
        ("merchantID", "JT01"),
        ("recurringUniqueID", "156142"),
        ("processType", "U"),
        ("recurringStatus", "N"),
        ("amount", "000000012050"),
        ("allowAccumulate", "Y"),
        ("maxAccumulateAmount", "000000000000"),
        ("recurringInterval", "7"),
        ("recurringCount", "0"),
        ("chargeNextDate", "01042026"),
        ("chargeOnDate", "0104"),
    ]


def test_an_update_converts_with_the_stated_currency_never_a_default() -> None:
    assert build_update(MID, "1", {"amount": 5000, "currency": "JPY"}).amount == "000000005000"
    assert build_update(MID, "1", {"amount": "5.5", "currency": "KWD"}).amount == "000000005500"
    assert build_update(MID, "1", {"amount": "5.5", "exponent": 3}).amount == "000000005500"
    with pytest.raises(ValidationError, match="state the plan's currency"):
        build_update(MID, "1", {"amount": "99.90"})
    with pytest.raises(ValidationError, match="more than 0 decimals"):
        build_update(MID, "1", {"amount": "99.90", "currency": "JPY"})
    with pytest.raises(ValidationError, match="contradicts JPY"):
        build_update(MID, "1", {"amount": "99", "currency": "JPY", "exponent": 2})
    with pytest.raises(ValidationError, match="no minor unit"):
        build_update(MID, "1", {"amount": "1", "currency": "XAU"})
    with pytest.raises(ValidationError, match="not an ISO 4217"):
        build_update(MID, "1", {"recurring_count": 3, "currency": "XYZ"})
    with pytest.raises(ValidationError, match="exponent must be"):
        build_update(MID, "1", {"amount": "1", "exponent": 7})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "changes nothing"),
        ({"currency": "SGD"}, "changes nothing"),
        ({"recurring_status": "X"}, "Y \\(active\\) or N"),
        ({"recurring_interval": 0}, "recurring_interval"),
        ({"recurring_interval": 366}, "recurring_interval"),
        ({"recurring_count": -1}, "recurring_count"),
        ({"recurring_count": True}, "recurring_count"),
        ({"allow_accumulate": "Y"}, "True or False"),
        ({"charge_next_date": "2026-04-01"}, "must be a date"),
    ],
)
def test_bad_updates_are_refused_before_anything_is_sent(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        build_update(MID, "1", changes)  # type: ignore[arg-type]


def test_misspelt_options_are_refused_naming_the_known_ones() -> None:
    with pytest.raises(UnknownOptionError, match="recurring_cont"):
        recurring.update_call(MID, "1", {"recurring_cont": 3})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(UnknownOptionError):
        recurring.cancel_call(MID, "1", {"amount": "1"})  # type: ignore[typeddict-unknown-key]


# --- answers --------------------------------------------------------------------------------


def _answer(
    request: RecurringMaintenanceRequest, code: str = "00", **fields: object
) -> RecurringMaintenanceResponse:
    values: dict[str, object] = {
        "version": "2.4",
        "resp_code": code,
        "resp_reason": "as sent",
        "merchant_id": request.merchant_id,
        "recurring_unique_id": request.recurring_unique_id,
        **fields,
    }
    return RecurringMaintenanceResponse(**values)  # type: ignore[arg-type]


def test_an_answer_about_another_plan_or_merchant_is_never_success() -> None:
    call = prepare(UPDATE, build_update(MID, "156142", {"recurring_count": 3}))
    for fields in (
        {"recurring_unique_id": "156143"},
        {"merchant_id": "JT02"},
        {"recurring_unique_id": None},
    ):
        with pytest.raises(ResponseMismatchError):
            interpret(call, _answer(call.request, **fields), attempts=1)
    # merchantID need not be echoed (the cancel sample does not).
    assert interpret(call, _answer(call.request, merchant_id=None), attempts=1).code == "00"


def test_codes_map_to_the_shared_error_tree_with_the_answers_reason() -> None:
    call = prepare(INQUIRY, build_inquiry(MID, "9"))
    with pytest.raises(NotFoundError) as missing:
        interpret(call, _answer(call.request, "16", resp_reason="No such plan"), attempts=1)
    assert (missing.value.code, missing.value.description) == ("16", "No such plan")
    assert missing.value.operation == "recurring.inquiry"
    with pytest.raises(NotAllowedError):
        interpret(call, _answer(call.request, "61"), attempts=1)
    # 42 means "refund pending" for payments; here it is a plain failure.
    with pytest.raises(Exception, match="42"):
        interpret(call, _answer(call.request, "42"), attempts=1)


@pytest.mark.parametrize(
    ("fields", "prop", "message"),
    [
        ({"amount": "9990"}, "amount", "amount: .*neither"),
        ({"amount": "000000009990", "currency": "99"}, "amount", "use amount_in"),
        (
            {"max_accumulate_amount": "1.234", "currency": "702"},
            "max_accumulate_amount",
            "maxAccumulateAmount",
        ),
        ({"recurring_count": "12x"}, "recurring_count", "recurringCount"),
        ({"current_count": "-1"}, "current_count", "currentCount"),
        ({"allow_accumulate": "X"}, "allow_accumulate", "allowAccumulate"),
        ({"charge_next_date": "20211307"}, "charge_next_date", "chargeNextDate"),
    ],
)
def test_a_malformed_field_raises_naming_it_and_the_raw_value_stays(
    fields: dict[str, object], prop: str, message: str
) -> None:
    call = prepare(INQUIRY, build_inquiry(MID, "1"))
    result = interpret(call, _answer(call.request, "00", **fields), attempts=1)
    with pytest.raises(XmlError, match=message):
        getattr(result, prop)
    for name, raw in fields.items():
        assert getattr(result.response, name) == raw


def test_typed_values_of_an_answer() -> None:
    call = prepare(UPDATE, build_update(MID, "1", {"recurring_count": 10}))
    result = interpret(
        call,
        _answer(
            call.request,
            amount="000000005000",
            recurring_count="10",
            current_count="4",
            recurring_status="Z",
        ),
        attempts=1,
    )
    # An update answer names no currency: the caller's is used.
    assert result.currency is None
    with pytest.raises(XmlError, match="amount_in"):
        _ = result.amount
    assert result.amount_in("JPY") == Decimal(5000)
    assert result.amount_in(702) == Decimal("50.00")
    assert (result.current_count, result.remaining_count) == (4, 6)
    assert result.status is not None
    assert not result.status.known
    assert result.active is None  # "Z" is neither active nor inactive
    until_cancelled = interpret(
        call, _answer(call.request, recurring_count="0", current_count="40"), attempts=1
    )
    assert until_cancelled.remaining_count is None


# --- the table ------------------------------------------------------------------------------


def test_the_recurring_family_as_2c2p_prints_it() -> None:
    assert [op.name for op in recurring.OPERATIONS] == [
        "recurring.inquiry",
        "recurring.update",
        "recurring.cancel",
    ]
    for op in recurring.OPERATIONS:
        assert get_operation(op.name) is op
        assert op.envelope is Envelope.NESTED
        assert op.codes.description_field == "resp_reason"
        assert op.codes.pending == frozenset()
        assert op.inferred  # the amount reading at least
        assert Environment.parse("sandbox").url_for(op.endpoint) == (
            "https://demo2.2c2p.com/2C2PFrontend/PaymentAction/2.0/action"
        )
        assert Environment.parse("production").url_for(op.endpoint) == (
            "https://t.2c2p.com/PaymentAction/2.0/action"
        )
        assert {b.name for b in op.binding} == {"recurringUniqueID", "merchantID"}
    assert INQUIRY.retry is RetrySafety.ALWAYS
    assert UPDATE.retry is CANCEL.retry is RetrySafety.NEVER
    assert (INQUIRY.evidence, UPDATE.evidence, CANCEL.evidence) == (
        Evidence.DOCUMENTED,
        Evidence.INFERRED,
        Evidence.DOCUMENTED,
    )


def test_send_finds_the_operation_from_the_model() -> None:
    for builder, op in ((build_inquiry, INQUIRY), (build_cancel, CANCEL)):
        assert operation_for(builder(MID, "1")) is op
    assert operation_for(build_update(MID, "1", {"recurring_count": 1})) is UPDATE
    by_string = RecurringMaintenanceRequest(
        merchant_id=MID,
        recurring_unique_id="1",
        process_type="C",  # type: ignore[arg-type]
    )
    assert operation_for(by_string) is CANCEL
    with pytest.raises(ValidationError, match="not a request model"):
        operation_for(RecurringMaintenanceResponse())


def test_sync_and_async_services_have_identical_signatures() -> None:
    for name in ("inquiry", "update", "cancel"):
        sync_method = getattr(RecurringService, name)
        async_method = getattr(AsyncRecurringService, name)
        assert inspect.iscoroutinefunction(async_method)
        assert inspect.signature(sync_method) == inspect.signature(async_method)
        assert sync_method.__doc__ == async_method.__doc__


def test_charge_dates_stay_unambiguous_near_the_window_edges() -> None:
    # The window's reason: outside it a string can be a date both ways.
    assert parse_charge_date("01022003") == date(2003, 2, 1)
    edge = date(2199, 12, 31)
    with pytest.raises(ValidationError):
        format_charge_date(edge + timedelta(days=1))


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        # More digits than Decimal's default precision: 28-digit arithmetic would round this
        # to exactly 10 minor units; the digits themselves say it is not exact.
        ("0.1" + "0" * 40 + "1", "more than 2 decimals"),
        ("9" * 40 + ".5", "does not fit 12 digits"),
        ("1" + "0" * 5000, "does not fit 12 digits"),
        ("0." + "0" * 5000 + "1", "more than 2 decimals"),
    ],
)
def test_long_amounts_are_judged_by_their_digits_not_rounded(amount: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        format_amount(amount, 2)
    assert len(str(caught.value)) < 200  # the value is shown shortened
    with pytest.raises(ValidationError):
        parse_amount(amount, 2)


def test_a_long_run_of_zeros_is_zero() -> None:
    assert parse_amount("0" * 400_000, 2) == 0
