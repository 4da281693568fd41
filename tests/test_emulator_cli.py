"""``2c2p emulator serve --answer`` and ``2c2p emulator seed --from``, as real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import urllib3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.emulator import Ledger
from c2p_action.keys import certificate_for

MERCHANT = "JT01"
CLI = [sys.executable, "-m", "c2p_action.cli"]


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    return env | values


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env or clean_env(), capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def merchant_files(
    tmp_path_factory: pytest.TempPathFactory, other_private: rsa.RSAPrivateKey
) -> tuple[Path, Path]:
    """The merchant's unencrypted key and its certificate (RSA-2048: quick to load)."""
    folder = tmp_path_factory.mktemp("emulator-cli")
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
def served(
    tmp_path: Path, merchant_files: tuple[Path, Path]
) -> Iterator[tuple[dict[str, Any], Path]]:
    """``2c2p emulator serve`` with two scripted answers; yields its JSON record and ledger."""
    ledger = tmp_path / "ledger.sqlite"
    gateway_cert = tmp_path / "gateway.cer"
    command = [
        *CLI, "emulator", "serve", "--port", "0", "--ledger", str(ledger),
        "--merchant", f"{MERCHANT}={merchant_files[1]}", "--write-gateway-cert", str(gateway_cert),
        "--answer", "46:type=R,times=1", "--answer", "98:invoice=CLI-2", "--json",
    ]  # fmt: skip
    with subprocess.Popen(
        command, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        try:
            assert first, "emulator serve printed nothing"
            record = json.loads(first)
            record["gateway_cert"] = str(gateway_cert)
            yield record, ledger
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=30)
        assert process.returncode == 0, errors


def test_serve_answers_what_was_scripted_and_offers_the_control_endpoint(
    served: tuple[dict[str, Any], Path], merchant_files: tuple[Path, Path]
) -> None:
    record, ledger = served
    assert [a["code"] for a in record["answers"]] == ["46", "98"]
    assert record["control"].endswith("/_emulator")
    seeded = run(["emulator", "seed", "--ledger", str(ledger), "--merchant-id", MERCHANT,
                  "CLI-1", "100.00", "--status", "S"])  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    env = clean_env(
        C2P_MERCHANT_ID=MERCHANT,
        C2P_MERCHANT_KEY=str(merchant_files[0]),
        C2P_GATEWAY_KEY=record["gateway_cert"],
        C2P_ENVIRONMENT=record["environment"],
        C2P_MAX_ATTEMPTS="1",
    )
    refused = run(["refund", "CLI-1", "10.00", "--json"], env)
    assert refused.returncode == 4, refused.stderr
    assert json.loads(refused.stdout)["code"] == "46"
    assert run(["refund", "CLI-1", "10.00"], env).returncode == 0  # the answer was used up
    # The control endpoint of the running process scripts the next inquiry.
    urllib3.request(
        "POST",
        record["control"] + "/answers",
        body=json.dumps({"code": "99", "process_type": "I"}).encode(),
        retries=False,
    )
    inquiry = run(["inquiry", "CLI-1", "--json"], env)
    assert json.loads(inquiry.stdout)["code"] == "99"
    with Ledger(ledger) as book:
        assert [r.amount for r in book.refunds(MERCHANT, "CLI-1")] == [Decimal("10.00")]


def test_seed_takes_many_payments_from_a_csv_file_in_one_call(tmp_path: Path) -> None:
    rows = ["invoice,amount,status,method,sub_merchants"]
    rows += [f"B-{n:02d},{n}.50,S,card," for n in range(1, 61)]
    rows.append("B-APM,10.00,AP,apm,")
    rows.append('B-MM,100.00,A,card,"S1=60.00;S2=40.00"')
    payments = tmp_path / "payments.csv"
    payments.write_text("\n".join(rows) + "\n")
    ledger = tmp_path / "ledger.sqlite"
    done = run(["emulator", "seed", "--ledger", str(ledger), "--merchant-id", MERCHANT,
                "--from", str(payments), "--json"])  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["seeded"] == 62
    with Ledger(ledger) as book:
        txns = {t.invoice_no: t for t in book.transactions(MERCHANT)}
    assert len(txns) == 62
    assert (txns["B-07"].amount, txns["B-07"].status) == (Decimal("7.50"), "S")
    assert txns["B-APM"].payment_scheme == "MOBILEBANKING"
    assert txns["B-MM"].split == {"S1": Decimal("60.00"), "S2": Decimal("40.00")}


def test_seed_takes_a_json_file_whose_rows_may_name_their_merchant(tmp_path: Path) -> None:
    payments = tmp_path / "payments.json"
    payments.write_text(json.dumps([
        {"invoice": "J-1", "amount": "5.00", "status": "S"},
        {"invoice_no": "J-2", "amount": "6.00", "merchant_id": "JT02", "partial_settle": True,
         "sub_merchants": {"S1": "6.00"}},
    ]))  # fmt: skip
    ledger = tmp_path / "ledger.sqlite"
    done = run(["emulator", "seed", "--ledger", str(ledger), "--merchant-id", MERCHANT,
                "--from", str(payments)])  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "2 payments" in done.stdout
    with Ledger(ledger) as book:
        assert [t.invoice_no for t in book.transactions(MERCHANT)] == ["J-1"]
        [other] = book.transactions("JT02")
    assert (other.invoice_no, other.partial_settle, other.split) == (
        "J-2",
        True,
        {"S1": Decimal("6.00")},
    )


@pytest.mark.parametrize(
    ("header", "bad_row", "message"),
    [
        ("invoice,amount", "GOOD-1,12.00", "already seeded"),
        ("invoice,amount", "A-1,ten", "not a number"),
        ("invoice,amount,colour", "A-1,10.00,red", "unknown column 'colour'"),
        ("invoice,amount", "A-1,", "line 3: amount is missing"),
        ("invoice,amount,sub_merchants", 'A-1,10.00,"S1=4.00;S2=5.00"', "add up to 9.00"),
        ("invoice,amount,partial_settle", "A-1,10.00,maybe", "true or false"),
    ],
)
def test_a_bad_payments_file_exits_2_and_seeds_nothing(
    tmp_path: Path, header: str, bad_row: str, message: str
) -> None:
    good_row = "GOOD-1,1.00" + "," * (header.count(",") - 1)
    payments = tmp_path / "payments.csv"
    payments.write_text(f"{header}\n{good_row}\n{bad_row}\n")
    ledger = tmp_path / "ledger.sqlite"
    done = run(["emulator", "seed", "--ledger", str(ledger), "--merchant-id", MERCHANT,
                "--from", str(payments)])  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    with Ledger(ledger) as book:
        assert book.transactions() == []  # all or none: not even the good row


def test_the_single_invoice_form_stays_and_takes_a_split(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    done = run(["emulator", "seed", "--ledger", str(ledger), "--merchant-id", MERCHANT,
                "ONE-1", "100.00", "--sub-merchant", "S1=70.00", "--sub-merchant", "S2=30.00",
                "--json"])  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sub_merchants"] == {"S1": "70.00", "S2": "30.00"}
    both = run(["emulator", "seed", "--ledger", str(ledger), "--merchant-id", MERCHANT,
                "ONE-2", "1.00", "--from", str(ledger)])  # fmt: skip
    assert both.returncode == 2
    neither = run(["emulator", "seed", "--ledger", str(ledger), "--merchant-id", MERCHANT])
    assert neither.returncode == 2
