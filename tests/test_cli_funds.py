"""``2c2p balance``, ``2c2p withdraw options|send`` and ``2c2p emulator seed-balance`` in real
subprocesses, against ``2c2p emulator serve`` (also a subprocess) on 127.0.0.1.

The merchant key is the RSA-2048 ``other_private`` fixture, so each subprocess loads it quickly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.emulator import Ledger
from c2p_action.emulator.funds import FundsLedger
from c2p_action.keys import certificate_for

MERCHANT = "JT01"
CLI = [sys.executable, "-m", "c2p_action.cli"]


@dataclass(frozen=True)
class Served:
    environment: str
    ledger: Path
    env: dict[str, str]  # what a merchant's subprocess runs with


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    env.update(values)
    return env


def run(
    args: list[str], env: Mapping[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def _serve(tmp_path: Path, other_private: rsa.RSAPrivateKey, *extra: str) -> Iterator[Served]:
    key_file, cert_file = tmp_path / "merchant.pem", tmp_path / "merchant.cer"
    key_file.write_bytes(
        other_private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(certificate_for(other_private).public_bytes(serialization.Encoding.PEM))
    ledger, gateway_cert = tmp_path / "ledger.sqlite", tmp_path / "gateway.cer"
    with subprocess.Popen(
        [*CLI, "emulator", "serve", "--port", "0", "--ledger", str(ledger),
         "--merchant", f"{MERCHANT}={cert_file}", "--write-gateway-cert", str(gateway_cert),
         "--json", *extra],
        env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        first = process.stdout.readline()
        try:
            assert first, "emulator serve printed nothing"
            environment = json.loads(first)["environment"]
            env = clean_env(
                C2P_MERCHANT_ID=MERCHANT,
                C2P_MERCHANT_KEY=str(key_file),
                C2P_GATEWAY_KEY=str(gateway_cert),
                C2P_ENVIRONMENT=environment,
            )
            yield Served(environment, ledger, env)
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=30)
        assert process.returncode == 0, errors


@pytest.fixture
def served(tmp_path: Path, other_private: rsa.RSAPrivateKey) -> Iterator[Served]:
    yield from _serve(tmp_path, other_private)


def _seed(served: Served, amount: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run(
        ["emulator", "seed-balance", "--ledger", str(served.ledger), "--merchant-id", MERCHANT,
         amount, *extra],
        clean_env(),
    )  # fmt: skip


def test_seed_balance_withdraw_and_refusals_through_subprocesses(served: Served) -> None:
    seeded = _seed(served, "1000.00", "--json")
    assert seeded.returncode == 0, seeded.stderr
    assert json.loads(seeded.stdout) == {
        "ok": True, "merchant_id": MERCHANT, "currency": "SGD", "balance": "1000.00",
        "account_currency": "SGD",
    }  # fmt: skip

    balance = run(["balance", "--json"], served.env)
    assert balance.returncode == 0, balance.stderr
    record = json.loads(balance.stdout)
    assert (record["balance"], record["currency"], record["code"]) == ("1000.0000", "SGD", "00")

    options = run(["withdraw", "options"], served.env)
    assert options.returncode == 0, options.stderr
    assert "0.5% below 1000, 0.7% from 1000" in options.stdout
    assert "Telegraphic transfer" in options.stdout
    listed = json.loads(run(["withdraw", "options", "--json"], served.env).stdout)
    assert [o["option_id"] for o in listed["options"]] == [3, 5]

    sent = run(["withdraw", "send", "3", "100.00", "--yes", "--json"], served.env)
    assert sent.returncode == 0, sent.stderr
    done = json.loads(sent.stdout)
    # Amounts as the gateway wrote them: JSON numbers, in their shortest form.
    assert (done["withdraw_ref_no"], done["amount"], done["fee"], done["net_amount"]) == (
        691001, "100", "0.5", "99.5",
    )  # fmt: skip

    table = run(["balance"], served.env)
    assert "899.5000 SGD" in table.stdout
    assert "JWS only" in table.stdout

    # A gateway refusal (the emulator's own code for an insufficient balance): exit 4.
    refused = run(["withdraw", "send", "5", "990.00", "--yes", "--json"], served.env)
    assert refused.returncode == 4, refused.stderr
    error = json.loads(refused.stdout)
    assert (error["code"], error["description"], error["error"]) == (
        "46", "Insufficient balance", "GatewayError",
    )  # fmt: skip
    with Ledger(served.ledger) as ledger:
        assert len(FundsLedger(ledger).withdrawals(MERCHANT)) == 1


def test_withdraw_send_asks_first(served: Served) -> None:
    assert _seed(served, "50").returncode == 0
    declined = run(["withdraw", "send", "3", "10"], served.env, stdin="n\n")
    assert declined.returncode == 2
    assert "Withdraw 10 through option 3?" in declined.stderr
    assert "nothing was sent" in declined.stderr
    no_answer = run(["withdraw", "send", "3", "10"], served.env, stdin="")
    assert no_answer.returncode == 2
    with Ledger(served.ledger) as ledger:
        assert FundsLedger(ledger).withdrawals() == []

    confirmed = run(["withdraw", "send", "3", "10"], served.env, stdin="y\n")
    assert confirmed.returncode == 0, confirmed.stderr
    assert "691001" in confirmed.stdout
    bad = run(["withdraw", "send", "3", "10.001", "--yes"], served.env)
    assert bad.returncode == 2
    assert "at most two decimals" in bad.stderr


def test_a_lost_withdraw_answer_exits_5_with_what_to_check(
    tmp_path: Path, other_private: rsa.RSAPrivateKey
) -> None:
    for served in _serve(tmp_path, other_private, "--fault", "drop_after_commit=1x"):
        assert _seed(served, "500").returncode == 0
        lost = run(["withdraw", "send", "3", "100", "--yes", "--json"], served.env)
        assert lost.returncode == 5, lost.stderr
        error = json.loads(lost.stdout)
        assert error["error"] == "OutcomeUnknownError"
        assert "outcome is unknown" in error["message"]
        assert "withdrawal list" in error["message"]
        # It happened once and was not sent again; the balance says so.
        with Ledger(served.ledger) as ledger:
            assert len(FundsLedger(ledger).withdrawals(MERCHANT)) == 1
        balance = json.loads(run(["balance", "--json"], served.env).stdout)
        assert Decimal(balance["balance"]) == Decimal("399.50")


def test_seed_balance_refuses_bad_input(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite"
    base = ["emulator", "seed-balance", "--ledger", str(ledger), "--merchant-id", MERCHANT]
    negative = run([*base, "--", "-5"], clean_env())
    assert negative.returncode == 3
    assert "at least 0" in negative.stderr
    currency = run([*base, "5", "--currency", "DOLLARS"], clean_env())
    assert currency.returncode == 3
    assert "ISO 4217" in currency.stderr
