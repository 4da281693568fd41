"""The emulator in process, through ``Emulator.handle``: every rule, idempotency, faults."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from _emulator_support import MERCHANT, OTHER_MERCHANT, build, exchange, wire
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.codec.messages import decode_response, encode_request
from c2p_action.emulator import Emulator, Faults, Method, Trigger
from c2p_action.errors import ConfigurationError, SignatureError, TransportError
from c2p_action.schemas import PaymentProcessResponse
from c2p_action.transports.inprocess import InProcessTransport

INVOICE = "INV-1001"


@pytest.fixture
def emulator(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
) -> Emulator:
    emu = Emulator(
        gateway_private, {MERCHANT: merchant_public, OTHER_MERCHANT: other_private.public_key()}
    )
    emu.seed(INVOICE, "100.00", merchant_id=MERCHANT, status="S")
    return emu


@pytest.fixture
def other_codec(other_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey) -> Codec:
    return Codec(other_private, gateway_public)


def call(
    emulator: Emulator,
    codec: Codec,
    kind: str,
    invoice: str = INVOICE,
    amount: str | None = None,
    **fields: object,
) -> PaymentProcessResponse:
    return exchange(emulator.handle, codec, kind, invoice, amount, **fields)


def raw_call(emulator: Emulator, codec: Codec, xml: str) -> PaymentProcessResponse:
    """A request whose XML the merchant's own writer would refuse to produce."""
    answer = emulator.handle(wire(codec.seal(xml.encode())))
    assert answer.status == 200
    return decode_response(codec, answer.body, PaymentProcessResponse)


# -- rules, end to end -------------------------------------------------------------------------


def test_story_settle_refunds_and_refund_status(emulator: Emulator, merchant_codec: Codec) -> None:
    emulator.seed("PREAUTH-1", "80.00", merchant_id=MERCHANT)
    settled = call(emulator, merchant_codec, "S", "PREAUTH-1", "80.00")
    assert (settled.resp_code, settled.status, settled.amount) == ("00", "RS", Decimal("80.00"))
    assert call(emulator, merchant_codec, "S", "PREAUTH-1", "80.00").resp_code == "39"
    # Ready for settlement is not settled: no refund before the settlement run.
    assert call(emulator, merchant_codec, "R", "PREAUTH-1", "30.00").resp_code == "41"
    assert [t.invoice_no for t in emulator.run_settlement()] == ["PREAUTH-1"]
    first = call(emulator, merchant_codec, "R", "PREAUTH-1", "30.00", user_defined1="order-9")
    assert (first.resp_code, first.status, first.user_defined1) == ("00", "RF", "order-9")
    second = call(emulator, merchant_codec, "R", "PREAUTH-1", "20.00")
    assert second.refund_reference_no != first.refund_reference_no
    assert call(emulator, merchant_codec, "R", "PREAUTH-1", "30.01").resp_code == "30"
    assert call(emulator, merchant_codec, "V", "PREAUTH-1", "80.00").resp_code == "21"
    status = call(emulator, merchant_codec, "RS", "PREAUTH-1", "80.00")
    assert (status.resp_code, status.status) == ("00", "S")  # the transaction's own status
    assert status.refund_list is not None
    assert [(r.amount, r.status) for r in status.refund_list.refund] == [
        (Decimal("30.00"), "RF"),
        (Decimal("20.00"), "RF"),
    ]
    assert call(emulator, merchant_codec, "R", "PREAUTH-1", "30.00").resp_code == "00"
    assert call(emulator, merchant_codec, "R", "PREAUTH-1", "0.01").resp_code == "49"


def test_inquiry_reports_card_details(emulator: Emulator, merchant_codec: Codec) -> None:
    answer = call(emulator, merchant_codec, "I")
    assert (answer.resp_code, answer.status, answer.amount) == ("00", "S", Decimal("100.00"))
    assert answer.masked_pan == "411111XXXXXX1111"
    assert answer.reference_no
    assert answer.transaction_date_time is not None
    assert len(answer.transaction_date_time) == 14


@pytest.mark.parametrize(
    ("status", "method", "kind", "amount", "code"),
    [
        ("A", Method.CARD, "V", "50.00", "00"),
        ("V", Method.CARD, "V", "50.00", "29"),
        ("S", Method.CARD, "V", "50.00", "21"),
        ("A", Method.CARD, "S", "50.01", "30"),
        ("A", Method.CARD, "S", "20.00", "33"),
        ("A", Method.APM, "S", "50.00", "31"),
        ("V", Method.CARD, "R", "10.00", "12"),
        ("A", Method.CARD, "R", "10.00", "41"),
        ("S", Method.CARD, "R", "50.01", "40"),
    ],
)
def test_state_rules(
    emulator: Emulator,
    merchant_codec: Codec,
    status: str,
    method: Method,
    kind: str,
    amount: str,
    code: str,
) -> None:
    emulator.seed("T", "50.00", merchant_id=MERCHANT, status=status, method=method)
    assert call(emulator, merchant_codec, kind, "T", amount).resp_code == code


def test_unknown_invoice_is_16(emulator: Emulator, merchant_codec: Codec) -> None:
    answer = call(emulator, merchant_codec, "I", "NOPE")
    assert (answer.resp_code, answer.resp_desc) == ("16", "Requested transaction doesn't exist")


def test_partial_settle_when_allowed(emulator: Emulator, merchant_codec: Codec) -> None:
    emulator.seed("P", "50.00", merchant_id=MERCHANT, partial_settle=True)
    assert call(emulator, merchant_codec, "S", "P", "20.00").amount == Decimal("20.00")


def test_submerchant_amounts_must_add_up(emulator: Emulator, merchant_codec: Codec) -> None:
    xml = (
        f"<PaymentProcessRequest><version>3.8</version><merchantID>{MERCHANT}</merchantID>"
        f"<processType>R</processType><invoiceNo>{INVOICE}</invoiceNo>"
        "<actionAmount>10.00</actionAmount><subMerchantList>"
        '<subMerchant subMID="S1" subAmount="4.00"/><subMerchant subMID="S2" subAmount="5.00"/>'
        "</subMerchantList></PaymentProcessRequest>"
    )
    assert raw_call(emulator, merchant_codec, xml).resp_code == "11"
    assert emulator.ledger.refunds(MERCHANT, INVOICE) == []


# -- merchants and tokens ----------------------------------------------------------------------


def test_request_naming_another_merchant_is_03(emulator: Emulator, merchant_codec: Codec) -> None:
    # Signed with JT01's key but naming JT02: a valid token replayed to another merchant.
    answer = call(emulator, merchant_codec, "I", merchant_id=OTHER_MERCHANT)
    assert answer.resp_code == "03"
    assert call(emulator, merchant_codec, "I", merchant_id="UNKNOWN").resp_code == "03"


def test_each_merchant_sees_only_its_own_invoices(emulator: Emulator, other_codec: Codec) -> None:
    assert call(emulator, other_codec, "I", merchant_id=OTHER_MERCHANT).resp_code == "16"
    emulator.seed(INVOICE, "5.00", merchant_id=OTHER_MERCHANT, status="S")
    answer = call(emulator, other_codec, "I", merchant_id=OTHER_MERCHANT)
    assert answer.amount == Decimal("5.00")


def test_unregistered_signer_gets_http_401(
    emulator: Emulator, gateway_public: rsa.RSAPublicKey
) -> None:
    stranger = Codec(rsa.generate_private_key(public_exponent=65537, key_size=2048), gateway_public)
    answer = emulator.handle(wire(encode_request(stranger, build("I", INVOICE))))
    assert answer.status == 401


@pytest.mark.parametrize("body", [b"", b"not a token", b"a.b", b'{"payload": "x"}'])
def test_non_token_gets_http_400(emulator: Emulator, body: bytes) -> None:
    assert emulator.handle(wire(body)).status == 400


def test_undecryptable_token_is_96_or_http_400(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_private: rsa.RSAPrivateKey,
    other_private: rsa.RSAPrivateKey,
    merchant_codec: Codec,
) -> None:
    # Signed by the merchant (so it is identified) but encrypted to a key that is not ours.
    misdirected = Codec(merchant_private, other_private.public_key()).seal(b"<x/>")
    respond = Emulator(gateway_private, {MERCHANT: merchant_public})
    answer = respond.handle(wire(misdirected))
    assert answer.status == 200
    assert decode_response(merchant_codec, answer.body).resp_code == "96"
    strict = Emulator(gateway_private, {MERCHANT: merchant_public}, undecryptable="http")
    assert strict.handle(wire(misdirected)).status == 400


# -- malformed requests ------------------------------------------------------------------------


def _xml(*elements: str) -> str:
    return "<PaymentProcessRequest>" + "".join(elements) + "</PaymentProcessRequest>"


MID = f"<merchantID>{MERCHANT}</merchantID>"
VERSION = "<version>3.8</version>"
INV = f"<invoiceNo>{INVOICE}</invoiceNo>"


@pytest.mark.parametrize(
    ("xml", "code"),
    [
        (
            _xml(VERSION, MID, "<processType>R</processType>", "<actionAmount>1.00</actionAmount>"),
            "10",
        ),
        (_xml(VERSION, MID, INV, "<actionAmount>1.00</actionAmount>"), "10"),
        (_xml(VERSION, MID, "<processType>R</processType>", INV), "10"),
        (_xml(VERSION, MID, "<processType>Q</processType>", INV), "17"),
        (
            _xml(
                VERSION,
                MID,
                "<processType>R</processType>",
                INV,
                "<actionAmount>-5.00</actionAmount>",
            ),
            "18",
        ),
        (
            _xml(
                VERSION,
                MID,
                "<processType>R</processType>",
                INV,
                "<actionAmount>0.00</actionAmount>",
            ),
            "18",
        ),
        (
            _xml(
                VERSION,
                MID,
                "<processType>R</processType>",
                INV,
                "<actionAmount>1.005</actionAmount>",
            ),
            "18",
        ),
        (
            _xml(
                VERSION,
                MID,
                "<processType>R</processType>",
                INV,
                "<actionAmount>ten</actionAmount>",
            ),
            "18",
        ),
        (
            _xml(
                VERSION,
                MID,
                "<processType>I</processType>",
                INV,
                "<notes>" + "n" * 151 + "</notes>",
            ),
            "11",
        ),
        ("<NotARequest/>", "02"),
        ("this is not xml", "02"),
        ('<!DOCTYPE x [<!ENTITY e "boom">]><PaymentProcessRequest/>', "02"),
    ],
)
def test_malformed_requests(emulator: Emulator, merchant_codec: Codec, xml: str, code: str) -> None:
    assert raw_call(emulator, merchant_codec, xml).resp_code == code
    assert emulator.ledger.refunds(MERCHANT, INVOICE) == []


# -- idempotency -------------------------------------------------------------------------------


def test_same_key_same_type_replays_the_original(emulator: Emulator, merchant_codec: Codec) -> None:
    token = encode_request(merchant_codec, build("R", INVOICE, "10.00", idempotency_id="k-1"))
    first = emulator.handle(wire(token))
    again = emulator.handle(wire(token))
    assert again.body == first.body  # the identical sealed response
    # A fresh token (new timestamp, new encryption) with the same key is still a replay.
    third = call(emulator, merchant_codec, "R", amount="10.00", idempotency_id="k-1")
    assert (
        third.refund_reference_no == decode_response(merchant_codec, first.body).refund_reference_no
    )
    assert len(emulator.ledger.refunds(MERCHANT, INVOICE)) == 1


def test_same_key_other_type_is_50(emulator: Emulator, merchant_codec: Codec) -> None:
    call(emulator, merchant_codec, "R", amount="10.00", idempotency_id="k-2")
    answer = call(emulator, merchant_codec, "I", idempotency_id="k-2")
    assert (answer.resp_code, answer.invoice_no) == ("50", INVOICE)


def test_same_key_while_pending_is_51(emulator: Emulator, merchant_codec: Codec) -> None:
    emulator.seed("APM-1", "40.00", merchant_id=MERCHANT, method="apm", status="S")
    pending = call(emulator, merchant_codec, "R", "APM-1", "15.00", idempotency_id="k-3")
    assert (pending.resp_code, pending.status) == ("42", "RP")
    assert (
        call(emulator, merchant_codec, "R", "APM-1", "15.00", idempotency_id="k-3").resp_code
        == "51"
    )
    emulator.complete_pending_refunds()
    replay = call(emulator, merchant_codec, "R", "APM-1", "15.00", idempotency_id="k-3")
    assert (replay.resp_code, replay.refund_reference_no) == ("42", pending.refund_reference_no)
    assert len(emulator.ledger.refunds(MERCHANT, "APM-1")) == 1


def test_keys_are_per_merchant(
    emulator: Emulator, merchant_codec: Codec, other_codec: Codec
) -> None:
    emulator.seed(INVOICE, "5.00", merchant_id=OTHER_MERCHANT, status="S")
    call(emulator, merchant_codec, "R", amount="1.00", idempotency_id="shared")
    answer = call(emulator, other_codec, "I", merchant_id=OTHER_MERCHANT, idempotency_id="shared")
    assert (answer.resp_code, answer.amount) == ("00", Decimal("5.00"))


# -- APM refunds -------------------------------------------------------------------------------


def test_apm_refund_pending_then_completed(emulator: Emulator, merchant_codec: Codec) -> None:
    emulator.seed("APM-2", "40.00", merchant_id=MERCHANT, method=Method.APM, status="S")
    call(emulator, merchant_codec, "R", "APM-2", "10.00", notify_url="http://127.0.0.1:9/n")
    call(emulator, merchant_codec, "R", "APM-2", "5.00")
    listed = call(emulator, merchant_codec, "RS", "APM-2", "40.00")
    assert listed.refund_list is not None
    assert [r.status for r in listed.refund_list.refund] == ["RP", "RP"]
    done = emulator.complete_pending_refunds(invoice_no="APM-2", status="RR")
    assert [r.status for r in done] == ["RR", "RR"]
    # Only the refund that named a notifyURL is queued.
    assert [n.url for n in emulator.ledger.notifications()] == ["http://127.0.0.1:9/n"]
    # Rejected refunds give the amount back.
    assert call(emulator, merchant_codec, "R", "APM-2", "40.00").resp_code == "42"


def test_apm_refunds_complete_after_the_configured_delay(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey, merchant_codec: Codec
) -> None:
    now = [1_800_000_000.0]
    emu = Emulator(
        gateway_private,
        {MERCHANT: merchant_public},
        apm_refund_delay=60,
        clock=lambda: datetime.fromtimestamp(now[0], UTC),
    )
    emu.seed("APM-3", "10.00", method="apm", status="S")
    call(emu, merchant_codec, "R", "APM-3", "10.00")
    emu.process_due()
    assert emu.ledger.refunds(MERCHANT, "APM-3")[0].status == "RP"
    now[0] += 61
    emu.process_due()
    assert emu.ledger.refunds(MERCHANT, "APM-3")[0].status == "RF"


# -- faults ------------------------------------------------------------------------------------


def test_drop_after_commit_then_retry_refunds_once(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.faults = Faults(drop_after_commit=Trigger(times=1))
    token = encode_request(merchant_codec, build("R", INVOICE, "25.00", idempotency_id="retry-1"))
    with pytest.raises(TransportError) as dropped:
        emulator.handle(wire(token))
    assert dropped.value.retryable
    retried = emulator.handle(wire(token))
    assert decode_response(merchant_codec, retried.body).resp_code == "00"
    assert [r.amount for r in emulator.ledger.refunds(MERCHANT, INVOICE)] == [Decimal("25.00")]


def test_error_before_processing_commits_nothing(emulator: Emulator, merchant_codec: Codec) -> None:
    emulator.faults = Faults(error_before=Trigger(times=1), error_status=502)
    token = encode_request(merchant_codec, build("R", INVOICE, "25.00"))
    assert emulator.handle(wire(token)).status == 502
    assert emulator.ledger.refunds(MERCHANT, INVOICE) == []
    assert emulator.handle(wire(token)).status == 200


def test_corrupted_response_fails_verification(emulator: Emulator, merchant_codec: Codec) -> None:
    emulator.faults = Faults(corrupt_response=Trigger())
    answer = emulator.handle(wire(encode_request(merchant_codec, build("I", INVOICE))))
    assert answer.status == 200
    with pytest.raises(SignatureError):
        decode_response(merchant_codec, answer.body)


def test_latency_uses_the_injected_sleep(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey, merchant_codec: Codec
) -> None:
    slept: list[float] = []
    emu = Emulator(
        gateway_private,
        {MERCHANT: merchant_public},
        faults=Faults(latency=2.5),
        sleep=slept.append,
    )
    assert call(emu, merchant_codec, "I").resp_code == "16"
    assert slept == [2.5]


def test_async_handler_applies_faults_too(emulator: Emulator, merchant_codec: Codec) -> None:
    emulator.faults = Faults(drop_after_commit=Trigger(times=1))
    token = encode_request(merchant_codec, build("R", INVOICE, "5.00", idempotency_id="a-1"))

    async def run() -> bytes:
        with pytest.raises(TransportError):
            await emulator.ahandle(wire(token))
        return (await emulator.ahandle(wire(token))).body

    body = asyncio.run(run())
    assert decode_response(merchant_codec, body).resp_code == "00"
    assert len(emulator.ledger.refunds(MERCHANT, INVOICE)) == 1


# -- configuration -----------------------------------------------------------------------------


def test_seed_needs_a_merchant_when_several(emulator: Emulator) -> None:
    with pytest.raises(ConfigurationError):
        emulator.seed("X", "1.00")
    with pytest.raises(ConfigurationError):
        emulator.seed(INVOICE, "1.00", merchant_id=MERCHANT)  # already seeded
    for amount in ("ten", "0.00", "1.001"):
        with pytest.raises(ConfigurationError):
            emulator.seed("Y", amount, merchant_id=MERCHANT)


def test_needs_a_merchant(gateway_private: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ConfigurationError):
        Emulator(gateway_private, {})


def test_plugs_into_the_in_process_transport(emulator: Emulator, merchant_codec: Codec) -> None:
    token = encode_request(merchant_codec, build("I", INVOICE))
    sync_answer = InProcessTransport(emulator.handle).send(wire(token))
    async_answer = asyncio.run(InProcessTransport(emulator.ahandle).asend(wire(token)))
    for answer in (sync_answer, async_answer):
        assert decode_response(merchant_codec, answer.body).status == "S"
