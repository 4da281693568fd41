"""``reverse`` and ``wait_for_refund`` on both clients, against the emulator.

The emulator decides every answer; a hook in the in-process handler changes the ledger
between two requests to stage a real race (the payment is settled between the inquiry and
the void) and arms the emulator's drop-after-commit fault for one request. The "already
settled" (39) answer to a void, which the emulator never gives, comes from the scripted
gateway stand-in over HTTP (tests/_gateway_server.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _gateway_server import GatewayStandIn, Step, serve
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import (
    AsyncClient,
    Client,
    RefundNotices,
    RetryPolicy,
    Reversal,
    ReversalAction,
    reversal_ids,
)
from c2p_action.client._reverse import plan_reversal
from c2p_action.emulator import DeliverySchedule as NotifyRetry
from c2p_action.emulator import Emulator, Faults, Method, Trigger
from c2p_action.errors import TransportError, ValidationError, WaitTimeoutError
from c2p_action.keys import certificate_for
from c2p_action.notifications import parse_notification
from c2p_action.operations import check_idempotency_id
from c2p_action.schemas import TransactionStatus
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

MID = "JT01"


# -- the pure plan -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("A", ReversalAction.VOID),
        ("AP", ReversalAction.VOID),
        ("RS", ReversalAction.VOID),
        ("S", ReversalAction.REFUND),
        ("RF", ReversalAction.REFUND),
        ("RP", ReversalAction.REFUND),
        ("V", ReversalAction.NOTHING),
        ("VP", ReversalAction.NOTHING),
    ],
)
def test_plan_by_status(status: str, action: ReversalAction) -> None:
    total = Decimal("10.00")
    assert plan_reversal("INV", TransactionStatus(status), total, None) is action
    assert plan_reversal("INV", TransactionStatus(status), total, total) is action


def test_plan_refuses_what_cannot_be_done() -> None:
    total = Decimal("10.00")
    with pytest.raises(ValidationError, match=r"a void cancels the whole 10\.00"):
        plan_reversal("INV", TransactionStatus("A"), total, Decimal("4.00"))
    with pytest.raises(ValidationError, match="more than the transaction"):
        plan_reversal("INV", TransactionStatus("S"), total, Decimal("11.00"))
    with pytest.raises(ValidationError, match=r"status PF \(payment failed\)"):
        plan_reversal("INV", TransactionStatus("PF"), total, None)
    with pytest.raises(ValidationError, match="status none"):
        plan_reversal("INV", None, total, None)
    # Partial after settlement is a partial refund.
    assert plan_reversal("INV", TransactionStatus("S"), total, Decimal("4.00")) is (
        ReversalAction.REFUND
    )


def test_reversal_ids_are_derived_and_usable() -> None:
    first = reversal_ids(MID, "INV-1", "10.00")
    assert first == reversal_ids(MID, "INV-1", Decimal("10"))  # the same reversal
    void_id, refund_id = first
    assert void_id != refund_id  # one id per processType: 50 otherwise
    for other in (
        reversal_ids(MID, "INV-1", "9.00"),
        reversal_ids(MID, "INV-2", "10.00"),
        reversal_ids("JT02", "INV-1", "10.00"),
        reversal_ids(MID, "INV-1", None),
        reversal_ids(MID, "INV-1", "10.00", key="second"),
    ):
        assert set(other).isdisjoint(first)
    for value in first:
        assert check_idempotency_id(value) == value


# -- both clients against the emulator --------------------------------------------------------


@dataclass
class Hooked:
    """The emulator's in-process endpoint with hooks before (and after) numbered requests."""

    emulator: Emulator
    count: int = 0
    before: dict[int, Callable[[], object]] = field(default_factory=dict)
    after: dict[int, Callable[[], object]] = field(default_factory=dict)

    def _before(self) -> int:
        self.count += 1
        hook = self.before.pop(self.count, None)
        if hook is not None:
            hook()
        return self.count

    def _after(self, number: int) -> None:
        hook = self.after.pop(number, None)
        if hook is not None:
            hook()

    def handle(self, request: TransportRequest) -> TransportResponse:
        number = self._before()
        try:
            return self.emulator.handle(request)
        finally:
            self._after(number)

    async def ahandle(self, request: TransportRequest) -> TransportResponse:
        number = self._before()
        try:
            return await self.emulator.ahandle(request)
        finally:
            self._after(number)


@dataclass
class Both:
    """One of the two clients behind the same blocking calls (``kind``: sync or async)."""

    kind: str
    key: rsa.RSAPrivateKey
    gateway: rsa.RSAPublicKey
    hooked: Hooked

    def _sync(self) -> Client:
        return Client(
            MID,
            self.key,
            self.gateway,
            retry=RetryPolicy.never(),
            transport=InProcessTransport(self.hooked.handle),
        )

    def _run(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.kind == "sync":
            with self._sync() as client:
                return getattr(client, method)(*args, **kwargs)

        async def main() -> Any:
            async with AsyncClient(
                MID,
                self.key,
                self.gateway,
                retry=RetryPolicy.never(),
                transport=InProcessTransport(self.hooked.ahandle),
            ) as client:
                return await getattr(client, method)(*args, **kwargs)

        return asyncio.run(main())

    def reverse(self, invoice: str, amount: str | None = None, **options: Any) -> Reversal:
        return self._run("reverse", invoice, amount, **options)  # type: ignore[no-any-return]

    def wait(self, invoice: str, refund: Any, **options: Any) -> Any:
        return self._run("wait_for_refund", invoice, refund, **options)

    def refund(self, invoice: str, amount: str, **options: Any) -> Any:
        return self._run("refund", invoice, amount, **options)


@pytest.fixture
def emulator(
    other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> Iterator[Emulator]:
    emulator = Emulator(gateway_private, {MID: other_private.public_key()})
    yield emulator
    emulator.close()


@pytest.fixture(params=["sync", "async"])
def both(
    request: pytest.FixtureRequest,
    emulator: Emulator,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> Both:
    return Both(request.param, other_private, gateway_private.public_key(), Hooked(emulator))


def test_a_payment_not_settled_yet_is_voided_once(both: Both, emulator: Emulator) -> None:
    emulator.seed("R-A", Decimal("40.00"), status="A")
    first = both.reverse("R-A")
    assert (first.action, first.status, first.amount) == (
        ReversalAction.VOID,
        "A",
        Decimal("40.00"),
    )
    assert first.result is not None
    assert (first.result.code, first.result.status) == ("00", "V")
    assert first.idempotency_id == reversal_ids(MID, "R-A")[0]
    assert "voided R-A" in first.note
    assert emulator.ledger.transaction(MID, "R-A").status == "V"  # type: ignore[union-attr]
    again = both.reverse("R-A")
    assert (again.action, again.result) == (ReversalAction.NOTHING, None)
    assert "already voided" in again.note


def test_a_settled_payment_is_refunded_whole_or_in_part(both: Both, emulator: Emulator) -> None:
    emulator.seed("R-S", Decimal("100.00"), status="S")
    part = both.reverse("R-S", "30.00")
    assert (part.action, part.amount, part.fell_back) == (
        ReversalAction.REFUND,
        Decimal("30.00"),
        False,
    )
    assert part.idempotency_id == reversal_ids(MID, "R-S", "30.00")[1]
    rest = both.reverse("R-S", "70.00")
    assert rest.result is not None
    assert rest.result.code == "00"
    refunds = emulator.ledger.refunds(MID, "R-S")
    assert [(r.amount, r.status) for r in refunds] == [
        (Decimal("30.00"), "RF"),
        (Decimal("70.00"), "RF"),
    ]


def test_a_partial_amount_before_settlement_is_refused_and_nothing_changes(
    both: Both, emulator: Emulator
) -> None:
    emulator.seed("R-P", Decimal("40.00"), status="A")
    with pytest.raises(ValidationError, match=r"partial reversal of 10\.00 is refused"):
        both.reverse("R-P", "10.00")
    assert both.hooked.count == 1  # the inquiry only
    assert emulator.ledger.transaction(MID, "R-P").status == "A"  # type: ignore[union-attr]


def test_a_failed_payment_has_nothing_to_reverse(both: Both, emulator: Emulator) -> None:
    emulator.seed("R-F", Decimal("40.00"), status="PF")
    with pytest.raises(ValidationError, match="nothing this library knows how to reverse"):
        both.reverse("R-F")


def _settle_meanwhile(emulator: Emulator, invoice: str) -> Callable[[], None]:
    return lambda: emulator.ledger.set_status(MID, invoice, "S")


def test_a_void_that_loses_the_race_with_settlement_refunds_once(
    both: Both, emulator: Emulator
) -> None:
    emulator.seed("R-RACE", Decimal("25.00"), status="A")
    # Settled between the inquiry (request 1) and the void (request 2): the void is refused
    # (21), a second inquiry shows S, and one refund follows.
    both.hooked.before[2] = _settle_meanwhile(emulator, "R-RACE")
    done = both.reverse("R-RACE")
    assert (done.action, done.fell_back, done.status) == (ReversalAction.REFUND, True, "A")
    assert done.idempotency_id == reversal_ids(MID, "R-RACE")[1]
    assert "lost the race" in done.note
    assert both.hooked.count == 4  # inquiry, void, inquiry, refund
    assert [(r.amount, r.status) for r in emulator.ledger.refunds(MID, "R-RACE")] == [
        (Decimal("25.00"), "RF")
    ]


def test_a_retried_reverse_never_refunds_twice(both: Both, emulator: Emulator) -> None:
    emulator.seed("R-RETRY", Decimal("25.00"), status="A")
    hooks = both.hooked.before
    hooks[2] = _settle_meanwhile(emulator, "R-RETRY")

    def drop_the_refunds_answer() -> None:  # the refund is committed, its answer lost
        emulator.faults = Faults(drop_after_commit=Trigger(times=1))

    hooks[4] = drop_the_refunds_answer
    with pytest.raises(TransportError) as lost:
        both.reverse("R-RETRY")
    refund_id = reversal_ids(MID, "R-RETRY")[1]
    assert lost.value.idempotency_id == refund_id  # what to persist: also derivable
    assert len(emulator.ledger.refunds(MID, "R-RETRY")) == 1

    # Later (another process, say): the same reversal again.
    again = both.reverse("R-RETRY")
    assert (again.action, again.idempotency_id) == (ReversalAction.REFUND, refund_id)
    assert again.result is not None
    assert again.result.code == "00"
    assert [(r.amount, r.status) for r in emulator.ledger.refunds(MID, "R-RETRY")] == [
        (Decimal("25.00"), "RF")
    ]


def test_a_void_answered_already_settled_falls_back_to_one_refund(
    merchant_codec: Codec,
    gateway_codec: Codec,
    other_private: rsa.RSAPrivateKey,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    # The stand-in answers the void with 39 (the emulator never does).
    stand_in = GatewayStandIn(gateway_codec, Codec(other_private, merchant_private.public_key()))
    stand_in.reset(
        Step(status="A"),
        Step(code="39", description="Transaction is already settled", status="S"),
        Step(status="RF"),
    )
    with (
        serve(stand_in) as url,
        Client(
            MID, merchant_private, gateway_public, environment=url, retry=RetryPolicy.never()
        ) as client,
    ):
        done = client.reverse("R-39", "12.00")
    assert [r.process_type.value for r in stand_in.received] == ["I", "V", "R"]
    void_id, refund_id = reversal_ids(MID, "R-39", "12.00")
    assert stand_in.idempotency_ids == [None, void_id, refund_id]
    assert (done.action, done.fell_back, done.amount) == (
        ReversalAction.REFUND,
        True,
        Decimal("12.00"),
    )


# -- waiting for a pending refund ----------------------------------------------------------


def _apm(emulator: Emulator, invoice: str) -> None:
    emulator.seed(invoice, Decimal("50.00"), method=Method.APM, status="S")


def test_wait_for_refund_polls_until_final(both: Both, emulator: Emulator) -> None:
    _apm(emulator, "W-1")
    pending = both.refund("W-1", "20.00")
    assert pending.pending
    start = both.hooked.count
    # Still pending at the first two polls; completed before the third.
    both.hooked.before[start + 3] = emulator.complete_pending_refunds
    done = both.wait("W-1", pending, timeout=30, poll=0.001)
    assert (done.status, done.succeeded, done.final, done.source, done.polls) == (
        "RF",
        True,
        True,
        "poll",
        3,
    )
    assert done.reference == pending.refund_reference_no
    assert done.amount == Decimal("20.00")


def test_wait_for_refund_reports_a_rejected_refund(both: Both, emulator: Emulator) -> None:
    _apm(emulator, "W-2")
    pending = both.refund("W-2", "20.00")
    emulator.complete_pending_refunds(status="RR2")
    done = both.wait("W-2", pending.refund_reference_no, timeout=30, poll=0.001)
    assert (done.status, done.final, done.succeeded) == ("RR2", True, False)


def test_wait_for_refund_times_out_with_the_last_status(both: Both, emulator: Emulator) -> None:
    _apm(emulator, "W-3")
    pending = both.refund("W-3", "20.00")
    with pytest.raises(WaitTimeoutError, match="still RP") as timed_out:
        both.wait("W-3", pending, timeout=0.05, poll=0.01)
    assert timed_out.value.last_status == "RP"
    assert timed_out.value.retryable


def test_wait_for_refund_refuses_bad_arguments(both: Both, emulator: Emulator) -> None:
    emulator.seed("W-4", Decimal("10.00"), status="S")
    card = both.refund("W-4", "1.00")
    with pytest.raises(ValidationError, match="positive number"):
        both.wait("W-4", card, timeout=0)
    with pytest.raises(ValidationError, match="reference number"):
        both.wait("W-4", "  ")


class FeedNotices:
    """A notification sender that verifies each token and hands it to ``notices``."""

    retry = NotifyRetry(max_attempts=1, first_delay=0.0)

    def __init__(self, codec: Codec, notices: RefundNotices) -> None:
        self._codec = codec
        self._notices = notices

    def send(self, url: str, token: str) -> str | None:
        self._notices.add(parse_notification(self._codec, token.encode("ascii")))
        return None

    def close(self) -> None:
        """Nothing to release."""


def test_a_notification_in_this_process_ends_the_wait_early(
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> None:
    for kind in ("sync", "async"):
        notices = RefundNotices()
        codec = Codec(other_private, gateway_private.public_key())
        emulator = Emulator(
            gateway_private, {MID: other_private.public_key()}, notifier=FeedNotices(codec, notices)
        )
        _apm(emulator, "W-N")
        both = Both(kind, other_private, gateway_private.public_key(), Hooked(emulator))
        pending = both.refund("W-N", "20.00", notify_url="https://merchant.example/notify")

        workers: list[threading.Thread] = []

        def complete_and_notify(
            target: Emulator = emulator, started: list[threading.Thread] = workers
        ) -> None:
            def work() -> None:
                target.complete_pending_refunds()
                target.deliver_notifications()

            started.append(threading.Thread(target=work))
            started[-1].start()

        # After the first poll answered RP: the refund completes and its notification
        # arrives while the wait sleeps before its next poll (due in 30 s).
        both.hooked.after[both.hooked.count + 1] = complete_and_notify
        done = both.wait("W-N", pending, timeout=5, poll=30, notices=notices)
        for worker in workers:
            worker.join()  # it records the delivery after handing the notice over
        assert (done.source, done.status, done.polls) == ("notification", "RF", 1), kind
        emulator.close()


# -- the CLI ------------------------------------------------------------------------------------


def test_reverse_command(
    tmp_path: Path,
    emulator: Emulator,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> None:
    key = tmp_path / "m.pem"
    key.write_bytes(
        other_private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert = tmp_path / "g.cer"
    cert.write_bytes(certificate_for(gateway_private).public_bytes(serialization.Encoding.PEM))
    emulator.seed("R-CLI-A", Decimal("20.00"), status="A")
    emulator.seed("R-CLI-S", Decimal("20.00"), status="S")
    base = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}

    def reverse(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "c2p_action.cli", "reverse", *args],
            env=base
            | {
                "C2P_MERCHANT_ID": MID,
                "C2P_MERCHANT_KEY": str(key),
                "C2P_GATEWAY_KEY": str(cert),
                "C2P_ENVIRONMENT": server.base_url,
            },
            capture_output=True,
            text=True,
            timeout=120,
        )

    with emulator.start_server() as server:
        voided = reverse("R-CLI-A", "--json")
        refunded = reverse("R-CLI-S", "5.00", "--key", "return-1")
        refused = reverse("R-CLI-S", "50.00")
    assert voided.returncode == 0, voided.stderr
    record = json.loads(voided.stdout)
    assert (record["action"], record["status_before"], record["result"]["status"]) == (
        "void",
        "A",
        "V",
    )
    assert record["idempotency_id"] == reversal_ids(MID, "R-CLI-A")[0]
    assert refunded.returncode == 0, refunded.stderr
    assert "refunded 5.00 of R-CLI-S" in refunded.stdout
    assert reversal_ids(MID, "R-CLI-S", "5.00", key="return-1")[1] in refunded.stdout
    assert refused.returncode == 2
    assert "more than the transaction" in refused.stderr
