"""The emulator behaves as 2C2P documents it: one test per rule, through ``Emulator.handle``.

Every request here goes through the real envelope (signed and encrypted by the merchant side,
answered, sealed and verified back). Where a rule rests on inference rather than a 2C2P page,
the rule's docstring in ``c2p_action/emulator/rules.py`` says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from _emulator_support import MERCHANT, build, exchange, wire
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import Client, RetryPolicy
from c2p_action.codec.messages import decode_response, encode_request
from c2p_action.codec.xml import to_xml
from c2p_action.emulator import DEFAULT_APM_SCHEME, Emulator, ScriptedAnswer
from c2p_action.emulator.notifier import DeliverySchedule
from c2p_action.errors import ConfigurationError, GatewayFailureError
from c2p_action.plugins import PluginManager
from c2p_action.schemas import (
    LoyaltyPayments,
    LoyaltyRefund,
    PaymentProcessRequest,
    PaymentProcessResponse,
    ProcessType,
    RefundRewards,
    RespCode,
    Reward,
    RewardType,
    SubMerchant,
    SubMerchantList,
)
from c2p_action.transports import InProcessTransport

D = Decimal


@pytest.fixture
def emulator(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[Emulator]:
    emu = Emulator(gateway_private, {MERCHANT: merchant_public})
    yield emu
    emu.close()


def call(
    emulator: Emulator,
    codec: Codec,
    kind: str,
    invoice: str,
    amount: str | None = None,
    **fields: object,
) -> PaymentProcessResponse:
    return exchange(emulator.handle, codec, kind, invoice, amount, **fields)


def send(emulator: Emulator, codec: Codec, request: PaymentProcessRequest) -> bytes:
    answer = emulator.handle(wire(encode_request(codec, request)))
    assert answer.status == 200
    return answer.body


def subs(**amounts: str) -> SubMerchantList:
    return SubMerchantList(
        sub_merchant=[SubMerchant(sub_mid=mid, sub_amount=D(a)) for mid, a in amounts.items()]
    )


class Captured:
    """A notification sender that keeps what it is given (no HTTP involved)."""

    retry = DeliverySchedule(max_attempts=1, first_delay=0.0)

    def __init__(self) -> None:
        self.tokens: list[str] = []

    def send(self, url: str, token: str) -> str | None:
        self.tokens.append(token)
        return None

    def close(self) -> None:
        """Nothing to release."""


# -- 1. settle without actionAmount ------------------------------------------------------------


def test_settle_without_action_amount_settles_the_whole_authorised_amount(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("PRE-1", "80.00")
    # Built directly, as 2C2P's settle sample is: no actionAmount element at all.
    request = PaymentProcessRequest(
        merchant_id=MERCHANT, process_type=ProcessType.S, invoice_no="PRE-1"
    )
    assert b"actionAmount" not in to_xml(request)
    answer = decode_response(merchant_codec, send(emulator, merchant_codec, request))
    assert (answer.resp_code, answer.status, answer.amount) == ("00", "RS", D("80.00"))
    txn = emulator.ledger.transaction(MERCHANT, "PRE-1")
    assert txn is not None
    assert (txn.status, txn.settled_amount) == ("RS", D("80.00"))


def test_partial_settle_is_allowed_or_33_per_merchant_configuration(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("PART-OK", "80.00", partial_settle=True)
    emulator.seed("PART-NO", "80.00")
    allowed = call(emulator, merchant_codec, "S", "PART-OK", "30.00")
    assert (allowed.resp_code, allowed.status, allowed.amount) == ("00", "RS", D("30.00"))
    refused = call(emulator, merchant_codec, "S", "PART-NO", "30.00")
    assert (refused.resp_code, refused.status) == ("33", "A")
    # What was settled caps the refunds.
    emulator.run_settlement()
    assert call(emulator, merchant_codec, "R", "PART-OK", "30.01").resp_code == "40"
    assert call(emulator, merchant_codec, "R", "PART-OK", "30.00").resp_code == "00"


# -- 2. the transaction's own status at the top ------------------------------------------------


def test_inquiry_and_refund_status_report_the_transactions_status_at_the_top(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("CARD-1", "100.00", status="S")
    refund = call(emulator, merchant_codec, "R", "CARD-1", "40.00")
    assert refund.status == "RF"  # a refund answer carries the refund's status, as the sample
    assert call(emulator, merchant_codec, "I", "CARD-1").status == "S"
    listed = call(emulator, merchant_codec, "RS", "CARD-1", "100.00")
    assert (listed.status, listed.amount) == ("S", D("100.00"))
    assert listed.refund_list is not None
    assert [(r.amount, r.status) for r in listed.refund_list.refund] == [(D("40.00"), "RF")]

    emulator.seed("APM-1", "50.00", method="apm", status="S")
    assert call(emulator, merchant_codec, "R", "APM-1", "10.00").status == "RP"
    for kind in ("I", "RS"):
        assert call(emulator, merchant_codec, kind, "APM-1").status == "S"
    emulator.complete_pending_refunds()
    done = call(emulator, merchant_codec, "RS", "APM-1")
    assert done.status == "S"
    assert done.refund_list is not None
    assert [r.status for r in done.refund_list.refund] == ["RF"]


# -- 3. refunds only for settled S -------------------------------------------------------------


def test_refund_of_ready_for_settlement_is_41_refund_not_allowed(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("PRE-2", "60.00")
    assert call(emulator, merchant_codec, "S", "PRE-2").status == "RS"
    refused = call(emulator, merchant_codec, "R", "PRE-2", "10.00")
    assert (refused.resp_code, refused.resp_desc, refused.status) == (
        "41",
        "Refund not allowed",
        "RS",
    )
    assert emulator.ledger.refunds(MERCHANT, "PRE-2") == []
    assert [t.invoice_no for t in emulator.run_settlement()] == ["PRE-2"]
    assert call(emulator, merchant_codec, "R", "PRE-2", "10.00").resp_code == "00"


def test_settlement_runs_after_the_configured_delay(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey, merchant_codec: Codec
) -> None:
    now = [1_800_000_000.0]
    emu = Emulator(
        gateway_private,
        {MERCHANT: merchant_public},
        settlement_delay=3600,
        clock=lambda: datetime.fromtimestamp(now[0], UTC),
    )
    emu.seed("PRE-3", "10.00")
    call(emu, merchant_codec, "S", "PRE-3")
    emu.process_due()
    assert call(emu, merchant_codec, "I", "PRE-3").status == "RS"
    now[0] += 3601
    emu.process_due()
    assert call(emu, merchant_codec, "I", "PRE-3").status == "S"
    emu.close()


# -- 4. APM void -------------------------------------------------------------------------------


def test_apm_void_cancels_an_unpaid_payment_slip(emulator: Emulator, merchant_codec: Codec) -> None:
    emulator.seed("SLIP-1", "35.00", method="apm", status="AP", payment_scheme="OVERTHECOUNTER")
    cancelled = call(emulator, merchant_codec, "V", "SLIP-1", "35.00")
    assert (cancelled.resp_code, cancelled.status) == ("00", "V")
    assert call(emulator, merchant_codec, "I", "SLIP-1").status == "V"
    assert call(emulator, merchant_codec, "V", "SLIP-1").resp_code == "29"
    # A paid APM payment is not cancelled: that is a refund's job.
    emulator.seed("PAID-1", "35.00", method="apm", status="S")
    paid = call(emulator, merchant_codec, "V", "PAID-1")
    assert (paid.resp_code, paid.resp_desc, paid.status) == ("61", "Cancel not allowed", "S")


def test_apm_void_answers_void_pending_first_and_confirms_later(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("SLIP-2", "20.00", method="apm", status="AP", void_pending=True)
    token = encode_request(merchant_codec, build("V", "SLIP-2", "20.00", idempotency_id="v-1"))
    first = emulator.handle(wire(token))
    answer = decode_response(merchant_codec, first.body)
    assert (answer.resp_code, answer.status) == ("00", "VP")
    assert call(emulator, merchant_codec, "I", "SLIP-2").status == "VP"
    # The same idempotencyID while the void is pending: 51.
    assert decode_response(merchant_codec, emulator.handle(wire(token)).body).resp_code == "51"
    assert [t.invoice_no for t in emulator.complete_pending_voids()] == ["SLIP-2"]
    assert call(emulator, merchant_codec, "I", "SLIP-2").status == "V"
    # Once final, the same id replays the original answer byte for byte.
    assert emulator.handle(wire(token)).body == first.body


def test_a_failed_apm_cancel_leaves_the_slip_payable_and_voids_complete_after_a_delay(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey, merchant_codec: Codec
) -> None:
    now = [1_800_000_000.0]
    emu = Emulator(
        gateway_private,
        {MERCHANT: merchant_public},
        apm_void_delay=30,
        clock=lambda: datetime.fromtimestamp(now[0], UTC),
    )
    emu.seed("SLIP-3", "5.00", method="apm", status="AP", void_pending=True)
    emu.seed("SLIP-4", "5.00", method="apm", status="AP", void_pending=True)
    call(emu, merchant_codec, "V", "SLIP-3")
    emu.complete_pending_voids(status="AP", invoice_no="SLIP-3")
    assert call(emu, merchant_codec, "I", "SLIP-3").status == "AP"
    call(emu, merchant_codec, "V", "SLIP-4")
    emu.process_due()
    assert call(emu, merchant_codec, "I", "SLIP-4").status == "VP"
    now[0] += 31
    emu.process_due()
    assert call(emu, merchant_codec, "I", "SLIP-4").status == "V"
    with pytest.raises(ConfigurationError):
        emu.complete_pending_voids(status="VP")
    emu.close()


# -- 5. loyalty blocks; scheme codes -----------------------------------------------------------


def test_loyalty_blocks_are_optional_and_repeatable(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("LOY-1", "100.00", status="S", sub_merchants={"S1": "100.00"})
    loyalty = LoyaltyPayments(
        loyalty_refund=[
            LoyaltyRefund(loyalty_provider="PROVIDER1"),  # no amount, no rewards
            LoyaltyRefund(
                total_refund_reward_amount=D("2.5"),
                refund_rewards=RefundRewards(
                    reward=[Reward(reward_type=RewardType.P), Reward(quantity=D("3"))]
                ),
            ),
            LoyaltyRefund(),  # an empty block
        ]
    )
    request = build(
        "R",
        "LOY-1",
        "10.00",
        loyalty_payments=loyalty,
        sub_merchant_list=SubMerchantList(
            sub_merchant=[
                SubMerchant(sub_mid="S1", sub_amount=D("10.00"), loyalty_payments=loyalty)
            ]
        ),
    )
    document = to_xml(request)
    assert document.count(b"<loyaltyRefund>") + document.count(b"<loyaltyRefund/>") == 6
    answer = decode_response(merchant_codec, send(emulator, merchant_codec, request))
    assert (answer.resp_code, answer.status) == ("00", "RF")


def test_apm_scheme_codes_fit_and_the_default_is_one_2c2p_lists(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    assert DEFAULT_APM_SCHEME in {"OVERTHECOUNTER", "MOBILEBANKING", "BANKCOUNTER"}
    emulator.seed("APM-D", "10.00", method="apm", status="S")
    answer = call(emulator, merchant_codec, "I", "APM-D")
    assert (answer.payment_scheme, answer.process_by) == (DEFAULT_APM_SCHEME, DEFAULT_APM_SCHEME)
    assert answer.masked_pan is None
    emulator.seed("APM-O", "10.00", method="apm", status="S", payment_scheme="OVERTHECOUNTER")
    assert call(emulator, merchant_codec, "I", "APM-O").payment_scheme == "OVERTHECOUNTER"


# -- 6. sub-merchant amounts -------------------------------------------------------------------


def test_sub_merchant_amounts_are_checked_against_the_transaction(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed(
        "MM-1", "100.00", partial_settle=True, sub_merchants={"S1": "60.00", "S2": "40.00"}
    )

    def settle(amount: str, **split: str) -> str:
        request = build("S", "MM-1", amount, sub_merchant_list=subs(**split))
        return str(
            decode_response(merchant_codec, send(emulator, merchant_codec, request)).resp_code
        )

    def refund(amount: str, **split: str) -> str:
        request = build("R", "MM-1", amount, sub_merchant_list=subs(**split))
        return str(
            decode_response(merchant_codec, send(emulator, merchant_codec, request)).resp_code
        )

    assert settle("100.00", S1="70.00", S2="30.00") == "37"
    assert settle("60.00", S1="60.00") == "38"
    assert settle("100.00", S1="60.00", S2="40.00") == "00"
    emulator.run_settlement()
    assert refund("70.00", S1="70.00") == "47"
    assert refund("50.00", S1="50.00") == "00"
    assert refund("20.00", S1="20.00") == "48"  # only 10.00 of S1's 60.00 is left
    assert refund("50.00", S1="10.00", S2="40.00") == "00"
    refunds = emulator.ledger.refunds(MERCHANT, "MM-1")
    assert [r.sub_amounts for r in refunds] == [
        (("S1", D("50.00")),),
        (("S1", D("10.00")), ("S2", D("40.00"))),
    ]

    emulator.seed("MM-2", "100.00", sub_merchants={"S1": "60.00", "S2": "40.00"})
    request = build("V", "MM-2", "100.00", sub_merchant_list=subs(S1="100.00"))
    voided = decode_response(merchant_codec, send(emulator, merchant_codec, request))
    assert (voided.resp_code, voided.status) == ("22", "A")


def test_a_seeded_split_must_add_up(emulator: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="add up"):
        emulator.seed("MM-X", "100.00", sub_merchants={"S1": "60.00", "S2": "30.00"})
    assert emulator.ledger.transaction(MERCHANT, "MM-X") is None


# -- 7. idempotency, exactly as documented -----------------------------------------------------


def test_idempotency_repeat_returns_the_original_response_byte_for_byte_even_for_another_invoice(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("INV-A", "100.00", status="S")
    emulator.seed("INV-B", "100.00", status="S")
    first = send(emulator, merchant_codec, build("R", "INV-A", "10.00", idempotency_id="K1"))
    repeat = send(emulator, merchant_codec, build("R", "INV-B", "55.00", idempotency_id="K1"))
    assert repeat == first  # 2C2P's rule; issue 10's client binds answers to requests
    assert decode_response(merchant_codec, repeat).invoice_no == "INV-A"
    assert emulator.ledger.refunds(MERCHANT, "INV-B") == []
    assert len(emulator.ledger.refunds(MERCHANT, "INV-A")) == 1


def test_idempotency_repeat_of_a_refused_request_returns_the_refusal(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("INV-C", "10.00", status="S")
    refused = send(emulator, merchant_codec, build("R", "INV-C", "20.00", idempotency_id="K2"))
    assert decode_response(merchant_codec, refused).resp_code == "40"
    again = send(emulator, merchant_codec, build("R", "INV-C", "5.00", idempotency_id="K2"))
    assert again == refused
    assert emulator.ledger.refunds(MERCHANT, "INV-C") == []


def test_idempotency_same_key_with_another_process_type_is_50(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("INV-D", "10.00")
    call(emulator, merchant_codec, "V", "INV-D", idempotency_id="K3")
    answer = call(emulator, merchant_codec, "S", "INV-D", idempotency_id="K3")
    assert (answer.resp_code, answer.resp_desc) == (
        "50",
        "Same idempotent key exists with different type",
    )


def test_idempotency_same_key_while_the_original_is_pending_is_51(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("APM-P", "40.00", method="apm", status="S")
    pending = call(emulator, merchant_codec, "R", "APM-P", "15.00", idempotency_id="K4")
    assert (pending.resp_code, pending.status) == ("42", "RP")
    retry = call(emulator, merchant_codec, "R", "APM-P", "15.00", idempotency_id="K4")
    assert (retry.resp_code, retry.resp_desc) == (
        "51",
        "Same idempotent key exists with status pending",
    )
    emulator.complete_pending_refunds()
    replay = call(emulator, merchant_codec, "R", "APM-P", "15.00", idempotency_id="K4")
    assert (replay.resp_code, replay.refund_reference_no) == ("42", pending.refund_reference_no)
    assert len(emulator.ledger.refunds(MERCHANT, "APM-P")) == 1


# -- 8. scripted answers -----------------------------------------------------------------------


@pytest.mark.parametrize("code", list(RespCode), ids=[c.value for c in RespCode])
def test_every_respcode_in_the_table_can_be_scripted(
    emulator: Emulator, merchant_codec: Codec, code: RespCode
) -> None:
    emulator.seed("SCR-1", "100.00", status="S")
    emulator.answer(code.value, process_type="R")
    answer = call(emulator, merchant_codec, "R", "SCR-1", "10.00")
    assert (answer.resp_code, answer.resp_desc) == (code.value, code.description)
    expected = {"00": "RF", "42": "RP"}.get(code.value, "S")
    assert (answer.status, answer.amount, answer.invoice_no) == (expected, D("10.00"), "SCR-1")
    assert answer.reference_no  # transaction details, as a real answer has them
    assert emulator.ledger.refunds(MERCHANT, "SCR-1") == []  # it replaced processing
    assert call(emulator, merchant_codec, "R", "SCR-1", "10.00").resp_code == "00"  # used up


def test_scripted_answers_match_their_filters_and_count_down(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("F-1", "100.00", status="S")
    emulator.seed("F-2", "100.00", status="S")
    emulator.answer("46", times=2, invoice_no="F-2", process_type="R")
    emulator.answer("98", times=None, process_type="I")
    assert [a.times for a in emulator.script.pending()] == [2, None]
    assert call(emulator, merchant_codec, "R", "F-1", "1.00").resp_code == "00"  # other invoice
    assert call(emulator, merchant_codec, "RS", "F-2").resp_code == "00"  # other type
    assert call(emulator, merchant_codec, "R", "F-2", "1.00").resp_code == "46"
    assert [a.times for a in emulator.script.pending()] == [1, None]
    assert call(emulator, merchant_codec, "R", "F-2", "1.00").resp_code == "46"
    assert call(emulator, merchant_codec, "R", "F-2", "1.00").resp_code == "00"
    for _ in range(3):  # times=None: until cleared
        assert call(emulator, merchant_codec, "I", "F-1").resp_code == "98"
    emulator.clear_answers()
    assert call(emulator, merchant_codec, "I", "F-1").resp_code == "00"


def test_scripted_answer_statuses_are_sensible(emulator: Emulator, merchant_codec: Codec) -> None:
    emulator.seed("ST-1", "30.00")
    emulator.answer("00", process_type="V")
    emulator.answer("65", status="AP", description="Cancel failed at the provider")
    voided = call(emulator, merchant_codec, "V", "ST-1")
    assert (voided.resp_code, voided.status) == ("00", "V")
    txn = emulator.ledger.transaction(MERCHANT, "ST-1")
    assert txn is not None
    assert txn.status == "A"  # nothing was voided
    custom = call(emulator, merchant_codec, "I", "ST-1")
    assert (custom.resp_code, custom.status, custom.resp_desc) == (
        "65",
        "AP",
        "Cancel failed at the provider",
    )
    emulator.answer("95")
    unknown = call(emulator, merchant_codec, "I", "NOPE")
    assert (unknown.resp_code, unknown.status, unknown.reference_no) == ("95", None, None)


def test_a_scripted_answer_is_not_remembered_under_its_idempotency_id(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    emulator.seed("IK-1", "100.00", status="S")
    emulator.answer("95")
    token = encode_request(merchant_codec, build("R", "IK-1", "10.00", idempotency_id="K5"))
    assert decode_response(merchant_codec, emulator.handle(wire(token)).body).resp_code == "95"
    retried = decode_response(merchant_codec, emulator.handle(wire(token)).body)
    assert (retried.resp_code, retried.status) == ("00", "RF")
    assert len(emulator.ledger.refunds(MERCHANT, "IK-1")) == 1


def test_the_client_retries_a_scripted_95_and_gives_up_after_its_attempts(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    emulator.seed("RT-1", "100.00", status="S")
    retry = RetryPolicy(max_attempts=3, backoff_base=0.0, backoff_max=0.0)
    with Client(
        MERCHANT,
        merchant_private,
        gateway_public,
        transport=InProcessTransport(emulator.handle),
        retry=retry,
        plugins=PluginManager(allow=()),
    ) as client:
        emulator.answer("95", times=2, process_type="R")
        result = client.refund("RT-1", "10.00")
        assert (result.code, result.attempts) == ("00", 3)
        emulator.answer("95", times=3, process_type="R")
        with pytest.raises(GatewayFailureError) as failed:
            client.refund("RT-1", "10.00")
        assert failed.value.code == "95"
    assert [r.amount for r in emulator.ledger.refunds(MERCHANT, "RT-1")] == [D("10.00")]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("95", ScriptedAnswer("95")),
        (" 95:times=2,type=R ", ScriptedAnswer("95", times=2, process_type="R")),
        (
            "46:invoice=INV-9,merchant=JT01,times=all",
            ScriptedAnswer("46", times=None, invoice_no="INV-9", merchant_id="JT01"),
        ),
        (
            "77:desc=Something new,status=XX",
            ScriptedAnswer("77", status="XX", description="Something new"),
        ),
    ],
)
def test_scripted_answer_specs(spec: str, expected: ScriptedAnswer) -> None:
    assert ScriptedAnswer.parse(spec) == expected
    assert ScriptedAnswer.from_mapping(expected.to_mapping()) == expected


@pytest.mark.parametrize(
    "spec",
    ["9", "AB", "77", "95:times=0", "95:times=-1", "95:type=X", "95:colour=red", "95:times"],
)
def test_bad_scripted_answer_specs_are_configuration_errors(spec: str) -> None:
    with pytest.raises(ConfigurationError):
        ScriptedAnswer.parse(spec)


def test_faults_are_injected_in_one_call(emulator: Emulator, merchant_codec: Codec) -> None:
    emulator.seed("FT-1", "100.00", status="S")
    emulator.inject_faults("error_before=1x", "error_status=502")
    token = encode_request(merchant_codec, build("I", "FT-1"))
    assert emulator.handle(wire(token)).status == 502
    assert emulator.handle(wire(token)).status == 200
    assert not emulator.inject_faults().active


# -- 9. versions -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["3.8", "4.3"])
def test_versions_3_8_and_4_3_are_answered_with_the_version_asked(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
    version: str,
) -> None:
    captured = Captured()
    emu = Emulator(gateway_private, {MERCHANT: merchant_public}, notifier=captured)
    emu.seed("V-1", "100.00", status="S")
    emu.seed("V-APM", "100.00", method="apm", status="S")
    for kind, invoice, amount in (("I", "V-1", None), ("R", "V-1", "5.00"), ("RS", "V-1", None)):
        assert call(emu, merchant_codec, kind, invoice, amount, version=version).version == version
    emulator_refund = call(
        emu, merchant_codec, "R", "V-APM", "5.00", version=version, notify_url="http://n.invalid/"
    )
    assert emulator_refund.version == version
    emu.complete_pending_refunds()
    emu.deliver_notifications()
    [token] = captured.tokens
    assert decode_response(merchant_codec, token).version == version  # the notification too
    emu.close()
