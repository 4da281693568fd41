"""The operations table and the two pure steps around the wire: prepare and interpret.

Request building, amounts and idempotencyIDs; each answer bound to its request; the respCode
of every answer mapped to a result or a typed error, with the codes as open enums.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from xsdata.formats.dataclass.models.generics import AnyElement

from c2p_action.client import to_amount
from c2p_action.errors import (
    AmountError,
    CodecError,
    GatewayError,
    GatewayFailureError,
    IdempotencyConflictError,
    InvalidRequestError,
    NotAllowedError,
    NotFoundError,
    ResponseMismatchError,
    UnknownOptionError,
    ValidationError,
)
from c2p_action.operations import (
    Envelope,
    Environment,
    Evidence,
    RetrySafety,
    all_operations,
    check_options,
    get_operation,
    interpret,
    operation_for,
    operation_paths,
    payment,
    prepare,
)
from c2p_action.operations.payment import (
    CODES,
    REFUND,
    REFUND_STATUS,
    VOID,
    PaymentResult,
    RefundOptions,
    build_action,
    build_refund,
)
from c2p_action.schemas import (
    PaymentProcessRequest,
    PaymentProcessResponse,
    ProcessType,
    RespCode,
    SubMerchant,
    TransactionStatus,
)

# Every code of reference section 5.
REFERENCE_CODES = (
    "00", "01", "02", "03", "04", "05", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "21", "22", "25", "29", "30", "31", "32", "33", "34", "35", "36",
    "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47", "48", "49",
    "50", "51", "52", "53", "54", "61", "65", "95", "96", "97", "98", "99",
)
MID, VERSION = "JT01", "3.8"


def refund(
    invoice: str = "INV-1", amount: str = "10.00", **options: object
) -> PaymentProcessRequest:
    return build_refund(MID, VERSION, invoice, amount, options)  # type: ignore[arg-type]


def answer(
    request: PaymentProcessRequest, code: str = "00", **fields: object
) -> PaymentProcessResponse:
    """The answer a faithful gateway gives to ``request`` (fields override it)."""
    values: dict[str, object] = {
        "resp_code": code,
        "resp_desc": "as sent",
        "process_type": request.process_type.value,
        "invoice_no": request.invoice_no,
        "amount": request.action_amount,
        **fields,
    }
    return PaymentProcessResponse(**values)  # type: ignore[arg-type]


# --- amounts and builders -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("25", "25.00"),
        ("25.5", "25.50"),
        (" 0.01 ", "0.01"),
        (Decimal("99999999.99"), "99999999.99"),
        (7, "7.00"),
        (Decimal("1.500"), "1.50"),
    ],
)
def test_amounts_parse_exactly(value: str | int | Decimal, expected: str) -> None:
    assert str(to_amount(value)) == expected


@pytest.mark.parametrize(
    "value",
    [
        *("25.555", "0", "-1", "100000000.00", "NaN", "Infinity", "1e-3", "abc", "", "1.001"),
        # Beyond decimal's 28 significant digits quantize raises InvalidOperation.
        *("1" * 40, "9" * 29 + ".00", "1e30", "-" + "1" * 40, "1" * 5000),
    ],
)
def test_bad_amounts_are_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="amount"):
        to_amount(value)


@pytest.mark.parametrize("value", [1.1, True, None])
def test_non_decimal_types_are_refused(value: object) -> None:
    with pytest.raises(ValidationError, match="must be a Decimal"):
        to_amount(value)  # type: ignore[arg-type]


def test_our_own_bad_input_is_not_a_codec_error() -> None:
    # An app that maps CodecError to "the gateway's answer did not verify" must not catch it.
    with pytest.raises(ValidationError) as raised:
        to_amount("NaN")
    assert not isinstance(raised.value, CodecError)


def test_refund_reaches_every_optional_field() -> None:
    request = refund(
        "INV-1",
        "30.00",
        idempotency_id="id-1",
        child_merchant_id="CHILD1",
        notify_url="https://merchant.example/notify",
        user_defined=["u1", "u2", "u3", "u4", "u5"],
        sub_merchants={"SUB1": "10.00", "SUB2": Decimal("20")},
        bank_code="BBL",
        account_name="Somchai",
        account_number="1234567890",
        notes="customer asked",
    )
    assert request.process_type is ProcessType.R
    assert request.action_amount == Decimal("30.00")
    assert request.user_defined5 == "u5"
    assert request.sub_merchant_list is not None
    subs = [(s.sub_mid, s.sub_amount) for s in request.sub_merchant_list.sub_merchant]
    assert subs == [("SUB1", Decimal("10.00")), ("SUB2", Decimal("20.00"))]
    assert (request.bank_code, request.account_number, request.child_merchant_id) == (
        "BBL",
        "1234567890",
        "CHILD1",
    )


def test_sub_merchant_parts_must_add_up() -> None:
    with pytest.raises(ValidationError, match="add up"):
        refund("INV-1", "30.00", sub_merchants={"SUB1": "10.00"})
    parts = [SubMerchant(sub_mid="S", sub_amount=Decimal("30.00"))]
    assert refund("INV-1", "30", sub_merchants=parts).sub_merchant_list is not None
    with pytest.raises(ValidationError, match="sub_merchants takes"):
        refund("INV-1", "30", sub_merchants=["not a SubMerchant"])


def test_too_many_user_defined_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="at most 5"):
        refund("INV-1", "1", user_defined=["x"] * 6)


def test_unknown_options_are_refused_naming_the_known_ones() -> None:
    with pytest.raises(UnknownOptionError) as raised:
        check_options("refund", {"notfy_url": "https://x", "notes": "n"}, RefundOptions)
    error = raised.value
    assert isinstance(error, ValidationError)
    assert isinstance(error, TypeError)  # what Python raises for an unexpected keyword
    assert error.unknown == ("notfy_url",)
    assert "notify_url" in error.known
    assert "notfy_url" in str(error)
    assert "notify_url" in str(error)


def test_settle_without_an_amount_settles_the_whole_authorisation() -> None:
    # 2C2P's settle sample carries no actionAmount (reference §2, corrected).
    request = build_action(MID, VERSION, ProcessType.S, "INV-1", None)
    assert request.action_amount is None


# --- prepare ------------------------------------------------------------------------------


def test_prepare_fixes_an_id_for_refunds_and_voids_without_touching_the_model() -> None:
    request = refund("INV-1", "1")
    call = prepare(REFUND, request)

    assert request.idempotency_id is None  # the caller's model is left alone
    assert call.request.idempotency_id == call.idempotency_id
    assert call.idempotency_id is not None
    assert not call.idempotency_given
    assert prepare(REFUND, request).idempotency_id != call.idempotency_id  # fresh per call
    assert call.safe_to_retry

    void = prepare(VOID, build_action(MID, VERSION, ProcessType.V, "INV-1", "1"))
    settle = prepare(payment.SETTLE, build_action(MID, VERSION, ProcessType.S, "INV-1", "1"))
    inquiry = prepare(payment.INQUIRY, build_action(MID, VERSION, ProcessType.I, "INV-1", None))
    assert void.idempotency_id is not None
    assert (settle.idempotency_id, settle.safe_to_retry) == (None, False)
    assert (inquiry.idempotency_id, inquiry.safe_to_retry) == (None, True)


def test_a_given_id_is_kept_and_marked_given() -> None:
    call = prepare(REFUND, refund(idempotency_id="kept-1"))
    assert (call.idempotency_id, call.idempotency_given) == ("kept-1", True)


@pytest.mark.parametrize("bad", ["", "x" * 101, "has space", "tab\there", "ünicode"])
def test_bad_idempotency_ids_are_refused(bad: str) -> None:
    request = build_action(MID, VERSION, ProcessType.V, "INV-1", "1", idempotency_id=bad)
    with pytest.raises(ValidationError, match="idempotency_id"):
        prepare(VOID, request)


def test_prepare_refuses_another_operations_model() -> None:
    with pytest.raises(ValidationError, match="sends a PaymentProcessRequest"):
        prepare(REFUND, PaymentProcessResponse())


# --- interpret: codes ---------------------------------------------------------------------


@pytest.mark.parametrize("code", REFERENCE_CODES)
def test_every_reference_code_has_an_outcome(code: str) -> None:
    request = build_action(MID, VERSION, ProcessType.I, "INV-1", None)
    call = prepare(payment.INQUIRY, request)
    response = answer(request, code)
    if code in ("00", "42"):
        result = interpret(call, response, attempts=1)
        assert isinstance(result, PaymentResult)
        assert result.code is RespCode(code)
        assert result.pending is (code == "42")
        return
    error_class = CODES.error_class(code)
    assert error_class is not GatewayError
    with pytest.raises(error_class) as raised:
        interpret(call, response, attempts=1)
    assert raised.value.code is RespCode(code)
    assert (raised.value.code, raised.value.description) == (code, "as sent")
    assert raised.value.response is response
    assert raised.value.operation == "inquiry"


def test_errors_carry_the_idempotency_id() -> None:
    call = prepare(REFUND, refund(idempotency_id="k1"))
    with pytest.raises(AmountError) as raised:
        interpret(call, answer(call.request, "40"), attempts=1)
    assert raised.value.idempotency_id == "k1"


def test_the_enum_and_the_reference_agree() -> None:
    assert {c.value for c in RespCode} == set(REFERENCE_CODES)
    assert all(code.known and code.description for code in RespCode)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("16", NotFoundError),
        ("15", NotFoundError),
        ("13", InvalidRequestError),
        ("29", NotAllowedError),
        ("54", NotAllowedError),
        ("49", AmountError),
        ("51", IdempotencyConflictError),
        ("95", GatewayFailureError),
    ],
)
def test_codes_are_grouped_by_meaning(code: str, error: type[GatewayError]) -> None:
    assert CODES.error_class(code) is error


def test_unknown_and_missing_codes_raise_the_base_error_with_the_raw_code() -> None:
    request = build_action(MID, VERSION, ProcessType.I, "INV-1", None)
    call = prepare(payment.INQUIRY, request)
    with pytest.raises(GatewayError) as raised:
        interpret(call, answer(request, "88"), attempts=1)
    assert type(raised.value) is GatewayError
    code = raised.value.code
    assert isinstance(code, RespCode)
    assert not code.known
    assert code.value == "88"
    assert code == "88"
    with pytest.raises(GatewayError) as missing:
        interpret(call, PaymentProcessResponse(), attempts=1)
    assert missing.value.code == "<missing>"


def test_result_code_and_status_are_enums_and_unknown_values_stay_readable() -> None:
    request = build_action(MID, VERSION, ProcessType.I, "INV-1", None)
    call = prepare(payment.INQUIRY, request)
    result = interpret(call, answer(request, status="S"), attempts=1)
    assert result.code is RespCode.SUCCESS
    assert result.status is TransactionStatus.SETTLED
    newer = interpret(call, answer(request, status="ZZ9"), attempts=1)
    assert isinstance(newer.status, TransactionStatus)
    assert newer.status is not None
    assert not newer.status.known
    assert newer.status.value == "ZZ9"


# --- interpret: binding -------------------------------------------------------------------


def test_a_replayed_answer_about_another_invoice_is_never_success() -> None:
    # The emulator, like 2C2P, answers a repeated idempotencyID with the original response.
    first = refund("INV-A", "10.00", idempotency_id="K1")
    second = prepare(REFUND, refund("INV-B", "55.00", idempotency_id="K1"))
    with pytest.raises(ResponseMismatchError) as raised:
        interpret(second, answer(first), attempts=1)
    error = raised.value
    assert {m.field for m in error.mismatches} == {"invoiceNo", "amount"}
    assert "INV-A" in str(error)
    assert "INV-B" in str(error)
    assert "K1" in str(error)
    assert "already used" in str(error)
    assert error.idempotency_id == "K1"
    assert not isinstance(error, GatewayError)  # never mistaken for a refusal to act on


@pytest.mark.parametrize(
    ("field", "value"), [("process_type", "V"), ("invoice_no", "OTHER"), ("amount", Decimal("9"))]
)
def test_each_bound_field_is_checked(field: str, value: object) -> None:
    call = prepare(REFUND, refund())
    fields: dict[str, object] = {field: value}
    with pytest.raises(ResponseMismatchError):
        interpret(call, answer(call.request, "00", **fields), attempts=1)


def test_an_echoed_idempotency_id_must_be_the_one_sent() -> None:
    call = prepare(REFUND, refund(idempotency_id="mine"))
    echoed = answer(call.request, other_element=[AnyElement(qname="idempotencyID", text="other")])
    with pytest.raises(ResponseMismatchError, match="idempotencyID"):
        interpret(call, echoed, attempts=1)
    same = answer(call.request, other_element=[AnyElement(qname="idempotencyID", text="mine")])
    assert interpret(call, same, attempts=1).code is RespCode.SUCCESS


def test_a_success_must_echo_the_invoice_and_type() -> None:
    call = prepare(REFUND, refund())
    with pytest.raises(ResponseMismatchError, match="no invoiceNo"):
        interpret(call, answer(call.request, invoice_no=None), attempts=1)


def test_a_refusal_without_echoes_is_still_the_refusal() -> None:
    # A 96 (undecryptable) cannot echo anything: it must surface as what it is.
    call = prepare(REFUND, refund())
    bare = PaymentProcessResponse(resp_code="96", resp_desc="Unable to decrypt")
    with pytest.raises(GatewayFailureError):
        interpret(call, bare, attempts=1)


def test_the_version_is_never_compared() -> None:
    request = build_action(MID, "4.3", ProcessType.I, "INV-1", None)
    call = prepare(payment.INQUIRY, request)
    result = interpret(call, answer(request, version="3.8"), attempts=1)
    assert result.code is RespCode.SUCCESS


def test_amounts_compare_by_value_not_by_text() -> None:
    call = prepare(REFUND, refund(amount="10"))
    result = interpret(call, answer(call.request, amount=Decimal("10.0")), attempts=1)
    assert result.code is RespCode.SUCCESS


# --- interpret: 51 answering a request that was sent before --------------------------------


def test_51_to_a_kept_idempotency_id_is_pending_not_a_failure() -> None:
    call = prepare(REFUND, refund(idempotency_id="kept"))  # kept by an earlier process
    result = interpret(call, answer(call.request, "51", amount=None), attempts=1)
    assert result.pending
    assert result.replayed
    assert result.code is RespCode.IDEMPOTENCY_KEY_PENDING


def test_51_to_our_own_retry_is_pending_not_a_failure() -> None:
    call = prepare(REFUND, refund())  # a fresh id, sent twice by the retry loop
    result = interpret(call, answer(call.request, "51"), attempts=2)
    assert (result.pending, result.replayed) == (True, True)


def test_51_to_a_fresh_id_on_its_first_attempt_is_a_conflict() -> None:
    call = prepare(REFUND, refund())
    with pytest.raises(IdempotencyConflictError):
        interpret(call, answer(call.request, "51"), attempts=1)


def test_51_about_another_invoice_is_a_mismatch_not_pending() -> None:
    call = prepare(REFUND, refund("INV-B", idempotency_id="kept"))
    with pytest.raises(ResponseMismatchError):
        interpret(call, answer(refund("INV-A"), "51"), attempts=1)


def test_50_is_never_read_as_pending() -> None:
    call = prepare(REFUND, refund(idempotency_id="kept"))
    with pytest.raises(IdempotencyConflictError):
        interpret(call, answer(call.request, "50"), attempts=2)


# --- the table ----------------------------------------------------------------------------


def test_every_operation_is_declared_completely() -> None:
    names = [op.name for op in all_operations()]
    assert len(names) == len(set(names))
    for op in all_operations():
        assert op.summary
        assert isinstance(op.evidence, Evidence)
        assert op.endpoint.sandbox_path.startswith("/")
        assert op.endpoint.production_path.startswith("/")
        assert get_operation(op.name) is op
        if op.retry is RetrySafety.WITH_IDEMPOTENCY_ID:
            assert op.idempotency_field is not None


def test_the_payment_family_as_2c2p_prints_it() -> None:
    assert [op.name for op in payment.OPERATIONS] == [
        "inquiry", "void", "settle", "refund", "refund_status",
    ]
    for op in payment.OPERATIONS:
        assert op.envelope is Envelope.NESTED
        assert op.evidence is Evidence.DOCUMENTED
        assert Environment.parse("sandbox").url_for(op.endpoint) == (
            "https://demo2.2c2p.com/2C2PFrontend/PaymentAction/2.0/action"
        )
        assert Environment.parse("production").url_for(op.endpoint) == (
            "https://t.2c2p.com/PaymentAction/2.0/action"
        )


def test_send_finds_the_operation_from_the_model() -> None:
    for process_type, op in zip(
        ProcessType, (payment.INQUIRY, VOID, payment.SETTLE, REFUND, REFUND_STATUS), strict=True
    ):
        request = PaymentProcessRequest(merchant_id=MID, process_type=process_type, invoice_no="1")
        assert operation_for(request) is op
    with pytest.raises(ValidationError, match="not a request model"):
        operation_for(PaymentProcessResponse())
    with pytest.raises(ValidationError, match="unknown operation"):
        get_operation("refnud")


# --- environments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("sandbox", "https://demo2.2c2p.com/2C2PFrontend/PaymentAction/2.0/action"),
        (" Production ", "https://t.2c2p.com/PaymentAction/2.0/action"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/2C2PFrontend/PaymentAction/2.0/action"),
        ("https://proxy.example/2c2p/", "https://proxy.example/2c2p/2C2PFrontend/PaymentAction/2.0/action"),
    ],
)
def test_each_operation_url_is_derived_from_the_environment(text: str, url: str) -> None:
    environment = Environment.parse(text, operation_paths=operation_paths())
    assert environment.url_for(REFUND.endpoint) == url


@pytest.mark.parametrize(
    "text",
    [
        "http://example.com",  # plain http off loopback
        "ftp://127.0.0.1",
        "staging",
        "",
        "https://host.example/x?debug=1",
        "http://127.0.0.1:8080/2C2PFrontend/PaymentAction/2.0/action",  # an operation's URL
    ],
)
def test_unusable_environments_are_refused(text: str) -> None:
    from c2p_action.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        Environment.parse(text, operation_paths=operation_paths())
