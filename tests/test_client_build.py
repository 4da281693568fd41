"""Request building, amounts, idempotency and the respCode -> outcome mapping (all pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.client import Client, Settings, error_class_for, to_amount
from c2p_action.client._build import build_action, build_refund, prepare
from c2p_action.client._outcomes import raise_for_code
from c2p_action.errors import (
    AmountError,
    GatewayError,
    GatewayFailureError,
    IdempotencyConflictError,
    InvalidRequestError,
    NotAllowedError,
    NotFoundError,
    ValidationError,
)
from c2p_action.plugins import PluginManager
from c2p_action.schemas import (
    PaymentProcessRequest,
    PaymentProcessResponse,
    ProcessType,
    RespCode,
    SubMerchant,
)
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

# Every code of reference section 5.
REFERENCE_CODES = (
    "00", "01", "02", "03", "04", "05", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "21", "22", "25", "29", "30", "31", "32", "33", "34", "35", "36",
    "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47", "48", "49",
    "50", "51", "52", "53", "54", "61", "65", "95", "96", "97", "98", "99",
)


@pytest.fixture(scope="module")
def settings(merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey) -> Settings:
    return Settings(merchant_id="JT01", merchant_key=merchant_private, gateway_key=gateway_public)


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
    "value", ["25.555", "0", "-1", "100000000.00", "NaN", "Infinity", "1e-3", "abc", ""]
)
def test_bad_amounts_are_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="amount"):
        to_amount(value)


@pytest.mark.parametrize("value", [1.1, True, None])
def test_non_decimal_types_are_refused(value: object) -> None:
    with pytest.raises(ValidationError, match="must be a Decimal"):
        to_amount(value)  # type: ignore[arg-type]


def test_refund_reaches_every_optional_field(settings: Settings) -> None:
    request = build_refund(
        settings,
        "INV-1",
        "30.00",
        {
            "idempotency_id": "id-1",
            "child_merchant_id": "CHILD1",
            "notify_url": "https://merchant.example/notify",
            "user_defined": ["u1", "u2", "u3", "u4", "u5"],
            "sub_merchants": {"SUB1": "10.00", "SUB2": Decimal("20")},
            "bank_code": "BBL",
            "account_name": "Somchai",
            "account_number": "1234567890",
            "notes": "customer asked",
        },
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


def test_sub_merchant_parts_must_add_up(settings: Settings) -> None:
    with pytest.raises(ValidationError, match="add up"):
        build_refund(settings, "INV-1", "30.00", {"sub_merchants": {"SUB1": "10.00"}})
    parts = [SubMerchant(sub_mid="S", sub_amount=Decimal("30.00"))]
    request = build_refund(settings, "INV-1", "30", {"sub_merchants": parts})
    assert request.sub_merchant_list is not None


def test_too_many_user_defined_fields_are_refused(settings: Settings) -> None:
    with pytest.raises(ValidationError, match="at most 5"):
        build_refund(settings, "INV-1", "1", {"user_defined": ["x"] * 6})


def test_prepare_fixes_an_id_for_refunds_and_voids_without_touching_the_model(
    settings: Settings,
) -> None:
    refund = build_refund(settings, "INV-1", "1", {})
    call = prepare(refund)

    assert refund.idempotency_id is None  # the caller's model is left alone
    assert call.request.idempotency_id == call.idempotency_id
    assert call.idempotency_id is not None
    assert prepare(refund).idempotency_id != call.idempotency_id  # fresh per logical call
    assert call.safe_to_retry

    void = prepare(build_action(settings, ProcessType.V, "INV-1", "1"))
    settle = prepare(build_action(settings, ProcessType.S, "INV-1", "1"))
    inquiry = prepare(build_action(settings, ProcessType.I, "INV-1", None))
    assert void.idempotency_id is not None
    assert (settle.idempotency_id, settle.safe_to_retry) == (None, False)
    assert (inquiry.idempotency_id, inquiry.safe_to_retry) == (None, True)


@pytest.mark.parametrize("bad", ["", "x" * 101, "has space", "tab\there", "ünicode"])
def test_bad_idempotency_ids_are_refused(settings: Settings, bad: str) -> None:
    with pytest.raises(ValidationError, match="idempotency_id"):
        prepare(build_action(settings, ProcessType.V, "INV-1", "1", idempotency_id=bad))


def test_validation_fails_before_anything_is_sent(
    merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    sent: list[TransportRequest] = []

    def handler(request: TransportRequest) -> TransportResponse:
        sent.append(request)
        return TransportResponse(500, b"")

    client = Client(
        "JT01",
        merchant_private,
        gateway_public,
        transport=InProcessTransport(handler),
        plugins=PluginManager(allow=()),
    )
    empty_invoice = PaymentProcessRequest(
        merchant_id="JT01", process_type=ProcessType.I, invoice_no=""
    )
    with client:
        with pytest.raises(ValidationError):
            client.refund("INV-1", "1.001")
        with pytest.raises(ValidationError):
            client.send(empty_invoice)
    assert sent == []


@pytest.mark.parametrize("code", REFERENCE_CODES)
def test_every_reference_code_has_an_outcome(code: str) -> None:
    response = PaymentProcessResponse(resp_code=code, resp_desc="as sent")
    if code in ("00", "42"):
        raise_for_code(response)  # success and pending return normally
        return
    error_class = error_class_for(code)
    assert error_class is not GatewayError
    with pytest.raises(error_class) as raised:
        raise_for_code(response, idempotency_id="k1")
    assert (raised.value.code, raised.value.description) == (code, "as sent")
    assert raised.value.idempotency_id == "k1"
    assert raised.value.response is response


def test_the_enum_and_the_reference_agree() -> None:
    assert {c.value for c in RespCode} == set(REFERENCE_CODES)


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
    assert error_class_for(code) is error


def test_unknown_and_missing_codes_raise_the_base_error() -> None:
    assert error_class_for("88") is GatewayError
    with pytest.raises(GatewayError) as raised:
        raise_for_code(PaymentProcessResponse())
    assert raised.value.code == "<missing>"
