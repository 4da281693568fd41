"""The emulator's pure parts: rules, idempotency verdicts, fault switches, retry schedule."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c2p_action.emulator.faults import FaultPlan, Faults, Trigger, corrupt_token
from c2p_action.emulator.model import Method, RefundRecord, Transaction
from c2p_action.emulator.notifier import DeliverySchedule
from c2p_action.emulator.rules import (
    Action,
    NewRefund,
    NewStatus,
    Replay,
    check_request,
    decide,
    idempotency_verdict,
    is_valid_amount,
    notification_code,
    refunded_total,
)
from c2p_action.errors import ConfigurationError

D = Decimal
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def txn(
    status: str = "S", amount: str = "100.00", method: Method = Method.CARD, **fields: Any
) -> Transaction:
    return Transaction("JT01", "INV", D(amount), method, status, partial_settle=False, **fields)


def refund(amount: str, status: str = "RF", n: int = 1, **fields: Any) -> RefundRecord:
    return RefundRecord(n, "JT01", "INV", D(amount), status, str(n), NOW, **fields)


def act(kind: str, amount: str | None = None, **subs: str) -> Action:
    split = tuple((mid, D(sub)) for mid, sub in subs.items())
    return Action("JT01", kind, "INV", None if amount is None else D(amount), split)


SPLIT = (("S1", D("60.00")), ("S2", D("40.00")))


# -- request checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (Action(None, "I", "INV"), "10"),
        (Action("JT01", None, "INV"), "10"),
        (Action("JT01", "I", None), "10"),
        (Action("JT01", "R", "INV"), "10"),  # refund without actionAmount
        (Action("JT01", "X", "INV"), "17"),
        (Action("JT01", "R", "INV", D("0")), "18"),
        (Action("JT01", "R", "INV", D("-1.00")), "18"),
        (Action("JT01", "R", "INV", D("1.005")), "18"),
        (Action("JT01", "R", "INV", D("NaN")), "18"),
        (Action("JT01", "R", "INV", D("100000000.00")), "18"),
        (Action("JT01", "R", "INV", D("10.00"), (("S1", D("4.00")), ("S2", D("5.00")))), "11"),
    ],
)
def test_check_request_refuses(action: Action, code: str) -> None:
    refusal = check_request(action)
    assert refusal is not None
    assert refusal.code == code


@pytest.mark.parametrize(
    "action",
    [
        Action("JT01", "I", "INV"),
        Action("JT01", "V", "INV"),
        Action("JT01", "R", "INV", D("99999999.99")),
        Action("JT01", "R", "INV", D("10.000")),  # trailing zero: still two decimals
        Action("JT01", "R", "INV", D("10.00"), (("S1", D("4.00")), ("S2", D("6.00")))),
    ],
)
def test_check_request_accepts(action: Action) -> None:
    assert check_request(action) is None


def test_settle_without_action_amount_is_a_complete_request() -> None:
    # 2C2P's settle sample carries no actionAmount: the whole authorised amount is settled.
    assert check_request(Action("JT01", "S", "INV")) is None


def test_amount_validity_edges() -> None:
    assert is_valid_amount(D("0.01"))
    assert not is_valid_amount(D("0.001"))
    assert not is_valid_amount(D("Infinity"))


# -- decisions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "refunds", "action", "code", "status"),
    [
        (txn("A"), [], act("I"), "00", "A"),
        # the transaction's own status at the top, after refunds too
        (txn("S"), [refund("10.00")], act("RS"), "00", "S"),
        (txn("S"), [refund("10.00", "RP")], act("I"), "00", "S"),
        # void
        (txn("A"), [], act("V", "100.00"), "00", "V"),
        (txn("A"), [], act("V"), "00", "V"),
        (txn("A"), [], act("V", "50.00"), "18", "A"),
        (txn("V"), [], act("V"), "29", "V"),
        (txn("S"), [], act("V"), "21", "S"),
        (txn("RS"), [], act("V"), "21", "RS"),
        # settle
        (txn("A"), [], act("S", "100.00"), "00", "RS"),
        (txn("A"), [], act("S"), "00", "RS"),
        (txn("A"), [], act("S", "100.01"), "30", "A"),
        (txn("A"), [], act("S", "50.00"), "33", "A"),
        (txn("RS"), [], act("S", "100.00"), "39", "RS"),
        (txn("S"), [], act("S"), "39", "S"),
        (txn("V"), [], act("S", "100.00"), "12", "V"),
        (txn("A", method=Method.APM), [], act("S", "100.00"), "31", "A"),
        # refund: only settled S; the answer carries the refund's own status
        (txn("S"), [], act("R", "40.00"), "00", "RF"),
        (txn("RS"), [], act("R", "100.00"), "41", "RS"),
        (txn("S", method=Method.APM), [], act("R", "40.00"), "42", "RP"),
        (txn("A"), [], act("R", "40.00"), "41", "A"),
        (txn("V"), [], act("R", "40.00"), "12", "V"),
        (txn("PF"), [], act("R", "40.00"), "12", "PF"),
        (txn("S"), [], act("R", "100.01"), "40", "S"),
        (txn("S"), [refund("60.00")], act("R", "40.01"), "30", "S"),
        (txn("S"), [refund("60.00")], act("R", "40.00"), "00", "RF"),
        (txn("S"), [refund("60.00"), refund("40.00", n=2)], act("R", "0.01"), "49", "S"),
        (txn("S"), [refund("100.00", "RP")], act("R", "1.00"), "49", "S"),
        # a failed refund gives its amount back
        (txn("S"), [refund("100.00", "RR")], act("R", "100.00"), "00", "RF"),
        # a partial settle caps the refunds at what was settled
        (txn("S", settled_amount=D("70.00")), [], act("R", "70.01"), "40", "S"),
    ],
)
def test_decide(
    record: Transaction, refunds: list[RefundRecord], action: Action, code: str, status: str
) -> None:
    decision = decide(record, refunds, action)
    assert (decision.code, decision.status) == (code, status)
    assert decision.description  # every code the emulator answers has its respDesc
    changes_ledger = code in ("00", "42") and action.process_type in ("V", "S", "R")
    assert (decision.change is not None) == changes_ledger


def test_decide_unknown_invoice() -> None:
    assert decide(None, [], act("I")).code == "16"


def test_changes_carry_what_to_record() -> None:
    assert decide(txn("A"), [], act("V")).change == NewStatus("V")
    assert decide(txn("A"), [], act("S", "100.00")).change == NewStatus("RS", D("100.00"))
    apm = decide(txn("S", method=Method.APM), [], act("R", "25.00"))
    assert apm.change == NewRefund(D("25.00"), "RP")


def test_settle_without_action_amount_settles_the_whole_authorised_amount() -> None:
    decision = decide(txn("A", "80.00"), [], act("S"))
    assert (decision.code, decision.status, decision.amount) == ("00", "RS", D("80.00"))
    assert decision.change == NewStatus("RS", D("80.00"))


def test_partial_settle_is_allowed_or_33_per_merchant_configuration() -> None:
    allowed = Transaction("JT01", "INV", D("80.00"), partial_settle=True)
    assert decide(allowed, [], act("S", "30.00")).change == NewStatus("RS", D("30.00"))
    assert decide(txn("A", "80.00"), [], act("S", "30.00")).code == "33"


def test_refund_of_ready_for_settlement_is_41_refund_not_allowed() -> None:
    # RS is settle-accepted, not settled: like A it answers 41 (see rules.refund_refusal).
    decision = decide(txn("RS"), [], act("R", "10.00"))
    assert (decision.code, decision.status, decision.change) == ("41", "RS", None)
    assert decision.description == "Refund not allowed"


@pytest.mark.parametrize(
    ("record", "code", "status"),
    [
        (txn("AP", method=Method.APM), "00", "V"),  # an unpaid payment slip is cancelled
        (txn("AP", method=Method.APM, void_pending=True), "00", "VP"),  # ... or cancel pending
        (txn("VP", method=Method.APM), "12", "VP"),
        (txn("V", method=Method.APM), "29", "V"),
        (txn("A", method=Method.APM), "61", "A"),  # paid: a refund's job, not a cancel's
        (txn("S", method=Method.APM), "61", "S"),
    ],
)
def test_apm_void_cancels_an_unpaid_payment_or_answers_void_pending(
    record: Transaction, code: str, status: str
) -> None:
    decision = decide(record, [], act("V"))
    assert (decision.code, decision.status) == (code, status)
    assert decision.change == (NewStatus(status) if code == "00" else None)


def test_apm_void_amount_must_be_the_transaction_amount() -> None:
    assert decide(txn("AP", method=Method.APM), [], act("V", "99.00")).code == "18"


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (act("S", "100.00", S1="60.00", S2="40.00"), "00"),
        (act("S", "100.00", S1="70.00", S2="30.00"), "37"),  # S1 above its 60.00
        (act("S", "100.00", S1="60.00", S3="40.00"), "37"),  # S3 has no share at all
        (act("S", "60.00", S1="60.00"), "38"),  # S1 alone: captured individually
        (act("V", "100.00", S1="60.00", S2="40.00"), "00"),
        (act("V", "100.00", S1="100.00"), "22"),  # not the split: voided individually
    ],
)
def test_sub_merchant_amounts_are_checked_against_the_transaction(
    action: Action, code: str
) -> None:
    record = Transaction("JT01", "INV", D("100.00"), partial_settle=True, sub_merchants=SPLIT)
    assert decide(record, [], action).code == code


@pytest.mark.parametrize(
    ("previous", "action", "code"),
    [
        ([], act("R", "60.00", S1="60.00"), "00"),
        ([], act("R", "70.00", S1="70.00"), "47"),  # more than S1's 60.00 of the payment
        ([], act("R", "10.00", S9="10.00"), "47"),  # S9 has no share
        ([refund("50.00", sub_amounts=(("S1", D("50.00")),))], act("R", "20.00", S1="20.00"), "48"),
        # a failed refund gives the sub-merchant's amount back
        (
            [refund("50.00", "RR", sub_amounts=(("S1", D("50.00")),))],
            act("R", "20.00", S1="20.00"),
            "00",
        ),
    ],
)
def test_sub_merchant_refunds_are_checked_against_their_share(
    previous: list[RefundRecord], action: Action, code: str
) -> None:
    record = txn("S", sub_merchants=SPLIT)
    decision = decide(record, previous, action)
    assert decision.code == code
    if code == "00":
        assert decision.change == NewRefund(action.amount or D(0), "RF", action.sub_merchants)


@given(st.lists(st.integers(min_value=1, max_value=6000), max_size=30))
def test_accepted_refunds_never_exceed_the_original(cents: list[int]) -> None:
    original = txn("S", "100.00")
    refunds: list[RefundRecord] = []
    for n, amount in enumerate(cents, start=1):
        decision = decide(original, refunds, act("R", str(D(amount) / 100)))
        if isinstance(decision.change, NewRefund):
            refunds.append(refund(str(decision.change.amount), n=n))
        else:
            assert decision.code in ("30", "40", "49")
    assert refunded_total(refunds) <= original.amount


def test_inquiry_and_refund_status_report_the_transactions_own_status() -> None:
    refunds = [refund("1.00"), refund("1.00", "RP", 2)]
    for kind in ("I", "RS"):
        assert decide(txn("S"), refunds, act(kind)).status == "S"
        assert decide(txn("A"), [], act(kind)).status == "A"


def test_notification_codes() -> None:
    assert [notification_code(s) for s in ("RF", "RFF", "RR2")] == ["00", "45", "44"]


# -- idempotency -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "pending", "kind", "verdict"),
    [
        (None, False, "R", Replay.NEW),
        ("R", False, "R", Replay.REPLAY),
        ("R", False, "V", Replay.OTHER_TYPE),
        ("R", True, "R", Replay.PENDING),
        ("V", True, "R", Replay.OTHER_TYPE),
    ],
)
def test_idempotency_verdict(stored: str | None, pending: bool, kind: str, verdict: Replay) -> None:
    assert idempotency_verdict(stored, pending, kind) is verdict


# -- faults ------------------------------------------------------------------------------------


def test_faults_off_by_default() -> None:
    faults = Faults()
    assert not faults.active
    assert all(faults.draw() == FaultPlan() for _ in range(20))


def test_counted_trigger_fires_exactly_that_often() -> None:
    faults = Faults(drop_after_commit=Trigger(times=2))
    plans = [faults.draw() for _ in range(5)]
    assert [p.drop_after_commit for p in plans] == [True, True, False, False, False]


def test_error_before_excludes_the_other_faults() -> None:
    plan = Faults(error_before=Trigger(), corrupt_response=Trigger(), error_status=500).draw()
    assert plan.error_status == 500
    assert not plan.corrupt_response


def test_probability_is_seeded() -> None:
    def run() -> list[bool]:
        faults = Faults(corrupt_response=Trigger(probability=0.5), seed=7)
        return [faults.draw().corrupt_response for _ in range(40)]

    first = run()
    assert first == run()
    assert 0 < sum(first) < 40


def test_parse_cli_specs() -> None:
    faults = Faults.parse(
        ["latency=0.25", "error-before=1x", "error_status=502", "corrupt_response"]
    )
    assert faults.active
    assert faults.draw() == FaultPlan(0.25, error_status=502)
    assert faults.draw() == FaultPlan(0.25, corrupt_response=True)


@pytest.mark.parametrize("spec", ["bogus", "latency=fast", "error_before=2.5", "error_status=404"])
def test_parse_rejects_bad_specs(spec: str) -> None:
    with pytest.raises(ConfigurationError):
        Faults.parse([spec])


def test_corrupt_token_changes_the_signature_only() -> None:
    token = b"aGVhZGVy.cGF5bG9hZA.AAAAAAAAAAAA"
    corrupted = corrupt_token(token)
    assert corrupted != token
    assert corrupted.rsplit(b".", 1)[0] == token.rsplit(b".", 1)[0]
    assert len(corrupted) == len(token)


# -- notification retry schedule ---------------------------------------------------------------


def test_delivery_schedule_backs_off_and_is_bounded() -> None:
    policy = DeliverySchedule(max_attempts=5, first_delay=1.0, factor=2.0, max_delay=5.0)
    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, None]


def test_delivery_schedule_rejects_nonsense() -> None:
    with pytest.raises(ConfigurationError):
        DeliverySchedule(max_attempts=0)
