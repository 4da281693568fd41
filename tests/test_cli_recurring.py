"""``2c2p recurring``, ``2c2p installments`` and ``2c2p emulator seed-plan|plans`` in real
subprocesses, against ``2c2p emulator serve`` (also a subprocess) sharing a ledger file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.keys import certificate_for

MERCHANT = "JT01"
CLI = [sys.executable, "-m", "c2p_action.cli"]


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    env.update(values)
    return env


def run(args: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def merchant_files(
    tmp_path_factory: pytest.TempPathFactory, other_private: rsa.RSAPrivateKey
) -> tuple[Path, Path]:
    # The RSA-2048 session key: each subprocess loads it quickly.
    folder = tmp_path_factory.mktemp("cli-recurring-keys")
    key, cert = folder / "merchant.key.pem", folder / "merchant.cer"
    key.write_bytes(
        other_private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert.write_bytes(certificate_for(other_private).public_bytes(serialization.Encoding.PEM))
    return key, cert


@pytest.fixture
def served(tmp_path: Path, merchant_files: tuple[Path, Path]) -> Iterator[dict[str, Any]]:
    """A running ``2c2p emulator serve`` and what a merchant needs to talk to it."""
    ledger = tmp_path / "ledger.sqlite"
    gateway_cert = tmp_path / "gateway.cer"
    with subprocess.Popen(
        [
            *CLI,
            "emulator",
            "serve",
            "--port",
            "0",
            "--ledger",
            str(ledger),
            "--merchant",
            f"{MERCHANT}={merchant_files[1]}",
            "--write-gateway-cert",
            str(gateway_cert),
            "--json",
        ],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        try:
            assert first, "emulator serve printed nothing"
            yield {
                "ledger": ledger,
                "env": _env(
                    C2P_MERCHANT_ID=MERCHANT,
                    C2P_MERCHANT_KEY=str(merchant_files[0]),
                    C2P_GATEWAY_KEY=str(gateway_cert),
                    C2P_ENVIRONMENT=json.loads(first)["environment"],
                ),
            }
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=30)
        assert process.returncode == 0, errors


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_seed_inquire_update_cancel_through_subprocesses(served: dict[str, Any]) -> None:
    env, ledger = served["env"], str(served["ledger"])
    seeded = run(
        [
            "emulator",
            "seed-plan",
            "--ledger",
            ledger,
            "--merchant-id",
            MERCHANT,
            "156142",
            "99.90",
            "--next-charge-date",
            "2026-03-07",
            "--json",
        ],
        _env(),
    )
    assert seeded.returncode == 0, seeded.stderr
    assert _json(seeded)["remaining_count"] == 12

    inquiry = run(["recurring", "inquiry", "156142", "--json"], env)
    assert inquiry.returncode == 0, inquiry.stderr
    record = _json(inquiry)
    assert record["operation"] == "recurring.inquiry"
    assert (record["code"], record["description"]) == ("00", "Inquiry Successful")
    assert (record["amount"], record["currency"], record["active"]) == ("99.90", "SGD", True)
    assert (record["charge_next_date"], record["remaining_count"]) == ("2026-03-07", 12)

    update = run(
        [
            "recurring",
            "update",
            "156142",
            "--amount",
            "120.50",
            "--currency",
            "702",
            "--count",
            "0",
            "--next-charge-date",
            "2026-04-01",
            "--status",
            "inactive",
            "--json",
        ],
        env,
    )
    assert update.returncode == 0, update.stderr
    record = _json(update)
    assert (record["amount"], record["recurring_count"], record["remaining_count"]) == (
        "120.50",
        0,
        None,
    )
    assert (record["status"], record["charge_next_date"]) == ("N", "2026-04-01")

    table = run(["recurring", "inquiry", "156142"], env)
    assert table.returncode == 0, table.stderr
    assert "120.50 SGD" in table.stdout
    assert "until cancelled" in table.stdout

    cancel = run(["recurring", "cancel", "156142", "--json"], env)
    assert cancel.returncode == 0, cancel.stderr
    assert _json(cancel)["description"] == "Cancel Successful"

    again = run(["recurring", "cancel", "156142", "--json"], env)
    assert again.returncode == 4  # a gateway refusal
    assert (_json(again)["code"], _json(again)["error"]) == ("61", "NotAllowedError")

    plans = run(["emulator", "plans", "--ledger", ledger, "--json"], _env())
    assert plans.returncode == 0, plans.stderr
    (plan,) = _json(plans)
    assert (plan["cancelled"], plan["amount"], plan["status"]) == (True, "120.50", "N")


def test_refusals_and_bad_input_get_their_exit_codes(served: dict[str, Any]) -> None:
    env = served["env"]
    missing = run(["recurring", "inquiry", "999", "--json"], env)
    assert missing.returncode == 4
    assert (_json(missing)["code"], _json(missing)["error"]) == ("16", "NotFoundError")
    # Refused before anything is sent: an amount needs the plan's currency.
    no_currency = run(["recurring", "update", "999", "--amount", "10.00"], env)
    assert no_currency.returncode == 2
    assert "state the plan's currency" in no_currency.stderr
    nothing = run(["recurring", "update", "999", "--currency", "SGD"], env)
    assert nothing.returncode == 2
    assert "nothing to update" in nothing.stderr
    inexact = run(["recurring", "update", "999", "--amount", "10.5", "--currency", "JPY"], env)
    assert inexact.returncode == 2
    assert "cannot be written exactly" in inexact.stderr
    bad_seed = run(
        [
            "emulator",
            "seed-plan",
            "--ledger",
            str(served["ledger"]),
            "--merchant-id",
            MERCHANT,
            "1",
            "1.005",
        ],
        _env(),
    )
    assert bad_seed.returncode == 2


def test_installments_lists_the_default_table(served: dict[str, Any]) -> None:
    listed = run(["installments", "--json"], served["env"])
    assert listed.returncode == 0, listed.stderr
    record = _json(listed)
    assert (record["operation"], record["code"]) == ("installments.options", "00")
    (bank,) = record["banks"]
    assert (bank["short_name"], bank["bins"]) == ("HSBC", ["424625", "448521"])
    first, second = bank["options"]
    assert (first["period"], first["merchant_interest_rate"]) == (6, "1.0000")
    assert (second["merchant_interest_rate"], second["merchant_interest_offered"]) == (None, False)
    table = run(["installments"], served["env"])
    assert table.returncode == 0, table.stderr
    assert "BINs: 424625 448521" in table.stdout
    assert "2018-02-06..2023-02-01" in table.stdout


def test_a_lost_answer_to_an_update_says_how_to_check(merchant_files: tuple[Path, Path]) -> None:
    # Nothing listens on this port: no answer at all, and the update is not repeated.
    env = _env(
        C2P_MERCHANT_ID=MERCHANT,
        C2P_MERCHANT_KEY=str(merchant_files[0]),
        C2P_GATEWAY_KEY=str(merchant_files[1]),
        C2P_ENVIRONMENT="http://127.0.0.1:9",
        C2P_TIMEOUT="5",
    )
    lost = run(["recurring", "cancel", "156142"], env)
    assert lost.returncode == 5
    assert "2c2p recurring inquiry 156142" in lost.stderr
