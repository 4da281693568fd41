"""The SQLite ledger: persistence across restarts and serialisation across connections."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from _emulator_support import MERCHANT, build, exchange, wire
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.codec.messages import encode_request
from c2p_action.emulator import Emulator, Ledger, Method, Transaction
from c2p_action.emulator.rules import Action, NewRefund, decide
from c2p_action.errors import ConfigurationError

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_restart_with_the_same_file_loses_nothing(
    tmp_path: Path,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
) -> None:
    path = tmp_path / "ledger.sqlite"
    first = Emulator(gateway_private, {MERCHANT: merchant_public}, ledger=path)
    first.seed("CARD-1", "100.00", status="S")
    first.seed("APM-1", "50.00", method="apm", status="S")
    keyed = encode_request(merchant_codec, build("R", "CARD-1", "30.00", idempotency_id="k"))
    original = first.handle(wire(keyed))
    exchange(first.handle, merchant_codec, "R", "APM-1", "20.00", notify_url="http://127.0.0.1:9/")
    first.close()

    second = Emulator(gateway_private, {MERCHANT: merchant_public}, ledger=str(path))
    assert second.handle(wire(keyed)).body == original.body  # idempotency survived
    assert [r.amount for r in second.ledger.refunds(MERCHANT, "CARD-1")] == [Decimal("30.00")]
    over = exchange(second.handle, merchant_codec, "R", "CARD-1", "70.01")
    assert over.resp_code == "30"  # the first refund still counts
    assert [r.status for r in second.complete_pending_refunds()] == ["RF"]
    assert len(second.ledger.notifications("due")) == 1
    second.close()

    with Ledger(path) as third:
        assert third.refunds(MERCHANT, "APM-1")[0].status == "RF"
        assert third.notifications()[0].url == "http://127.0.0.1:9/"


def test_seeding_without_keys_and_duplicates(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite") as ledger:
        seeded = ledger.add_transaction(Transaction(MERCHANT, "A-1", Decimal("9.99")), now=NOW)
        assert seeded.reference_no
        assert seeded.created_at == NOW
        with pytest.raises(ConfigurationError):
            ledger.add_transaction(Transaction(MERCHANT, "A-1", Decimal("1.00")))
        assert [t.invoice_no for t in ledger.transactions(MERCHANT)] == ["A-1"]
        assert ledger.transactions("SOMEONE-ELSE") == []


def test_failed_unit_of_work_rolls_back() -> None:
    ledger = Ledger()
    ledger.add_transaction(Transaction(MERCHANT, "R-1", Decimal("5.00"), Method.CARD, "S"))

    def crash_before_commit() -> None:
        with ledger.atomic():
            ledger.add_refund(MERCHANT, "R-1", Decimal("5.00"), "RF", now=NOW)
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        crash_before_commit()
    assert ledger.refunds(MERCHANT, "R-1") == []


def test_two_connections_on_one_file_never_over_refund(tmp_path: Path) -> None:
    # Two Ledger objects = two SQLite connections, as two processes would have: only
    # BEGIN IMMEDIATE keeps their read-decide-write cycles from interleaving.
    path = tmp_path / "shared.sqlite"
    ledgers = [Ledger(path), Ledger(path)]
    ledgers[0].add_transaction(Transaction(MERCHANT, "C-1", Decimal("10.00"), status="S"))
    start = threading.Barrier(8)

    def refund_repeatedly(ledger: Ledger) -> None:
        start.wait()
        for _ in range(6):
            with ledger.atomic():
                txn = ledger.transaction(MERCHANT, "C-1")
                refunds = ledger.refunds(MERCHANT, "C-1")
                decision = decide(txn, refunds, Action(MERCHANT, "R", "C-1", Decimal("1.00")))
                if isinstance(decision.change, NewRefund):
                    ledger.add_refund(MERCHANT, "C-1", Decimal("1.00"), "RF", now=NOW)

    threads = [threading.Thread(target=refund_repeatedly, args=(ledgers[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refunds = ledgers[1].refunds(MERCHANT, "C-1")
    assert len(refunds) == 10  # 48 attempts of 1.00 against 10.00
    for ledger in ledgers:
        ledger.close()
