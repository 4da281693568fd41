"""The ``2c2p`` command: main flows through real subprocesses, edge cases with CliRunner.

Keys come from the session fixtures and are written to real files; the merchant uses the
RSA-2048 ``other_private`` key so each subprocess loads its key quickly. Subprocesses run
``python -m c2p_action.cli`` with a clean ``C2P_*`` environment.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.cli import main
from c2p_action.codec import encode_response
from c2p_action.emulator import Emulator, Faults, Ledger, Trigger
from c2p_action.keys import certificate_for, load_private_key
from c2p_action.schemas import PaymentProcessResponse

MERCHANT = "JT01"
KEY_PASSWORD = "correct horse"


@dataclass(frozen=True)
class KeyFiles:
    merchant_key: Path  # encrypted PKCS#8 PEM, password in C2P_MERCHANT_KEY_PASSWORD
    merchant_cert: Path
    gateway_key: Path
    gateway_cert: Path


@pytest.fixture(scope="module")
def keys(
    tmp_path_factory: pytest.TempPathFactory,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> KeyFiles:
    folder = tmp_path_factory.mktemp("cli-keys")
    files = KeyFiles(*(folder / n for n in ("m.key.pem", "m.cer", "g.key.pem", "g.cer")))
    encrypted = serialization.BestAvailableEncryption(KEY_PASSWORD.encode())
    for key, path, cert_path in (
        (other_private, files.merchant_key, files.merchant_cert),
        (gateway_private, files.gateway_key, files.gateway_cert),
    ):
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encrypted
            )
        )
        cert_path.write_bytes(certificate_for(key).public_bytes(serialization.Encoding.PEM))
    return files


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    env.update(values)
    return env


def merchant_env(keys: KeyFiles, environment: str) -> dict[str, str]:
    return clean_env(
        C2P_MERCHANT_ID=MERCHANT,
        C2P_MERCHANT_KEY=str(keys.merchant_key),
        C2P_MERCHANT_KEY_PASSWORD=KEY_PASSWORD,
        C2P_GATEWAY_KEY=str(keys.gateway_cert),
        C2P_ENVIRONMENT=environment,
    )


CLI = [sys.executable, "-m", "c2p_action.cli"]


def run(
    args: list[str], env: Mapping[str, str], stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120, cwd=cwd
    )


# -- emulator serve + seed + operations, all real subprocesses --------------------------------


@pytest.fixture
def served(tmp_path: Path, keys: KeyFiles) -> Iterator[tuple[str, Path, Path]]:
    ledger = tmp_path / "ledger.sqlite"
    gateway_cert = tmp_path / "emulator-gateway.cer"
    with subprocess.Popen(
        [*CLI, "emulator", "serve", "--port", "0", "--ledger", str(ledger),
         "--merchant", f"{MERCHANT}={keys.merchant_cert}",
         "--write-gateway-cert", str(gateway_cert), "--json"],
        env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        try:
            assert first, "emulator serve printed nothing"
            yield json.loads(first)["environment"], ledger, gateway_cert
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=30)
        assert process.returncode == 0, errors


def test_serve_seed_refund_and_refusal_through_subprocesses(
    served: tuple[str, Path, Path], keys: KeyFiles
) -> None:
    url, ledger, gateway_cert = served
    assert url.startswith("http://127.0.0.1:")
    assert url.rstrip("0123456789").endswith(":")  # a base URL: host and port only
    assert not url.endswith(":0")  # the real bound port, not the requested 0

    seeded = run(["emulator", "seed", "--ledger", str(ledger), "--merchant-id", MERCHANT,
                  "INV-CLI", "100.00", "--status", "S"], clean_env())
    assert seeded.returncode == 0, seeded.stderr

    # The gateway certificate the server wrote is the one merchants verify answers with.
    env = merchant_env(keys, url) | {"C2P_GATEWAY_KEY": str(gateway_cert)}
    refund = run(["refund", "INV-CLI", "25.00", "--notes", "cli test", "--json"], env)
    assert refund.returncode == 0, refund.stderr
    answer = json.loads(refund.stdout)
    assert (answer["code"], answer["status"], answer["amount"]) == ("00", "RF", "25.00")
    assert len(answer["idempotency_id"]) == 32

    refused = run(["refund", "INV-CLI", "100.00"], env)
    assert refused.returncode == 4
    assert "30" in refused.stderr
    assert "AmountError" in refused.stderr

    with Ledger(ledger) as book:
        refunds = book.refunds(MERCHANT, "INV-CLI")
    assert [(r.amount, r.status) for r in refunds] == [(Decimal("25.00"), "RF")]


# -- refund-batch: killed mid-run, resumed, never a double refund ------------------------------


def _journal_rows(path: Path) -> list[tuple[int, str, str, str | None]]:
    with closing(sqlite3.connect(path)) as conn, conn:
        return conn.execute(
            "SELECT line, invoice, idempotency_id, outcome FROM rows ORDER BY line"
        ).fetchall()


def test_refund_batch_killed_and_resumed_refunds_each_row_once(
    tmp_path: Path,
    keys: KeyFiles,
    gateway_private: rsa.RSAPrivateKey,
    other_private: rsa.RSAPrivateKey,
) -> None:
    rows = 16
    emulator = Emulator(
        gateway_private,
        {MERCHANT: other_private.public_key()},
        # Slow enough to kill mid-run; the very first refund is committed but its answer is
        # lost, the case a journal and idempotencyIDs exist for.
        faults=Faults(latency=0.25, drop_after_commit=Trigger(times=1)),
    )
    for n in range(rows):
        emulator.seed(f"B-{n:02d}", "10.00", status="S")
    batch = tmp_path / "refunds.csv"
    with batch.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["invoice", "amount", "idempotency_id", "notes"])
        for n in range(rows):
            # 4.00 of 10.00: a second refund of a row would be accepted, so it would show.
            out.writerow([f"B-{n:02d}", "4.00", f"given-{n}" if n % 4 == 0 else "", f"row {n}"])
    journal = tmp_path / "refunds.csv.journal.sqlite"
    args = ["refund-batch", str(batch), "--concurrency", "2", "--max-attempts", "1"]

    with emulator.start_server() as server:
        env = merchant_env(keys, server.base_url)
        first = subprocess.Popen([*CLI, *args], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while sum(len(emulator.ledger.refunds(MERCHANT, f"B-{n:02d}")) for n in range(rows)) < 4:
            assert first.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.02)
        first.kill()
        first.wait()

        interrupted = _journal_rows(journal)
        # Every row had its id journalled before the first send; CSV ids are kept.
        assert len(interrupted) == rows
        assert all(row[2] for row in interrupted)
        assert [r[2] for r in interrupted if r[0] in (2, 6)] == ["given-0", "given-4"]
        assert sum(r[3] is None for r in interrupted) > 0  # really interrupted mid-run
        lost = [r for r in interrupted if r[3] == "unresolved"]
        assert lost, "the dropped answer should have left a row unresolved"
        assert emulator.ledger.refunds(MERCHANT, lost[0][1])  # ... whose refund did land

        resumed = run(args, env)
        assert resumed.returncode == 0, resumed.stderr
        again = run([*args, "--json"], env)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["skipped"] == rows

    for n in range(rows):
        refunds = emulator.ledger.refunds(MERCHANT, f"B-{n:02d}")
        assert [(r.amount, r.status) for r in refunds] == [(Decimal("4.00"), "RF")], n
    with (tmp_path / "refunds.result.csv").open(newline="") as handle:
        result = list(csv.DictReader(handle))
    assert [r["invoice"] for r in result] == [f"B-{n:02d}" for n in range(rows)]
    assert {r["outcome"] for r in result} == {"success"}
    # Resumed rows reused the ids journalled before the kill.
    assert [r["idempotency_id"] for r in result] == [row[2] for row in interrupted]
    for row in result:
        remembered = emulator.ledger.idempotency(MERCHANT, row["idempotency_id"])
        assert remembered is not None
        assert remembered.refund_id is not None
    emulator.close()


def test_refund_batch_refuses_bad_csv_and_changed_rows(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"C2P_MERCHANT_ID": MERCHANT, "C2P_MERCHANT_KEY": "unused.pem",
           "C2P_GATEWAY_KEY": "unused.cer", "C2P_ENVIRONMENT": "http://127.0.0.1:9"}
    bad = tmp_path / "bad.csv"
    bad.write_text("invoice,amount,idempotencyid2\nA,1.00,x\n")
    result = runner.invoke(main, ["refund-batch", str(bad)], env=env)
    assert result.exit_code == 2
    assert "unknown column" in result.output

    bad.write_text("invoice,amount\nA,1.001\n,2.00\nB,3.00\n")
    result = runner.invoke(main, ["refund-batch", str(bad)], env=env)
    assert result.exit_code == 2
    assert "line 2" in result.output
    assert "line 3" in result.output
    assert not (tmp_path / "bad.csv.journal.sqlite").exists()  # nothing journalled

    good = tmp_path / "good.csv"
    good.write_text("invoice,amount\nA,1.00\n")
    journal = tmp_path / "j.sqlite"
    # The key files do not exist (exit 3), but the row's id was journalled before that.
    result = runner.invoke(main, ["refund-batch", str(good), "--journal", str(journal)], env=env)
    assert result.exit_code == 3
    assert [row[1] for row in _journal_rows(journal)] == ["A"]
    good.write_text("invoice,amount\nA,2.00\n")
    result = runner.invoke(main, ["refund-batch", str(good), "--journal", str(journal)], env=env)
    assert result.exit_code == 2
    assert "changed since it was journalled" in result.output


# -- decode -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def response_token(gateway_private: rsa.RSAPrivateKey, other_private: rsa.RSAPrivateKey) -> str:
    gateway = Codec(gateway_private, other_private.public_key())
    return encode_response(
        gateway,
        PaymentProcessResponse(
            version="3.8", resp_code="00", resp_desc="Success", process_type="R",
            invoice_no="INV-DEC", amount=Decimal("12.50"), status="RF",
        ),
    )


def test_decode_verifies_decrypts_and_pretty_prints(keys: KeyFiles, response_token: str) -> None:
    env = clean_env(C2P_MERCHANT_KEY_PASSWORD=KEY_PASSWORD)
    done = run(["decode", "-", "--gateway-cert", str(keys.gateway_cert),
                "--merchant-key", str(keys.merchant_key)], env, stdin=response_token + "\n")
    assert done.returncode == 0, done.stderr
    assert '"alg": "PS256"' in done.stdout
    assert '"enc": "A256GCM"' in done.stdout
    assert "step: verify signature" in done.stdout
    assert "<invoiceNo>INV-DEC</invoiceNo>" in done.stdout
    assert "\n  <respCode>00</respCode>" in done.stdout  # pretty-printed


def test_decode_names_the_failing_step(
    keys: KeyFiles, response_token: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    headers_only = runner.invoke(main, ["decode", response_token, "--json"], env=clean_env())
    assert headers_only.exit_code == 0
    shown = json.loads(headers_only.stdout)
    assert shown["jwe_header"] == {"alg": "RSA-OAEP", "enc": "A256GCM"}
    assert shown["steps"]["verify signature"].startswith("skipped")

    # The merchant's certificate is not the gateway's: verification must fail, nothing decrypted.
    wrong = runner.invoke(
        main, ["decode", response_token, "--gateway-cert", str(keys.merchant_cert),
               "--merchant-key", str(keys.merchant_key)],
        env=clean_env(C2P_MERCHANT_KEY_PASSWORD=KEY_PASSWORD),
    )
    assert wrong.exit_code == 6
    assert "step 'verify signature' failed (SignatureError)" in wrong.output
    assert "<invoiceNo>" not in wrong.output

    garbage = runner.invoke(main, ["decode", "not-a-token"], env=clean_env())
    assert garbage.exit_code == 6
    assert "step 'parse token' failed" in garbage.output

    no_cert = runner.invoke(main, ["decode", response_token, "--merchant-key", "k.pem"],
                            env=clean_env())
    assert no_cert.exit_code == 2
    assert "needs --gateway-cert" in no_cert.output


# -- keygen -------------------------------------------------------------------------------------


def test_keygen_writes_a_loadable_key_and_certificate(tmp_path: Path) -> None:
    made = run(["keygen", str(tmp_path / "keys"), "--bits", "2048", "--password-env", "KEYPASS",
                "--json"], clean_env(KEYPASS="s3cret-pass"))
    assert made.returncode == 0, made.stderr
    record = json.loads(made.stdout)
    p12 = Path(record["pkcs12"])
    assert p12.stat().st_mode & 0o777 == 0o600
    assert Path(record["certificate"]).read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert "s3cret-pass" not in made.stdout + made.stderr
    key = load_private_key(p12, "s3cret-pass")
    assert key.key_size == 2048
    assert key.fingerprint == record["fingerprint_sha256"]


def test_keygen_refuses_to_overwrite(tmp_path: Path) -> None:
    # The password prompt needs a terminal: test_cli_edges.py answers it on a real one.
    runner = CliRunner()
    folder = tmp_path / "k"
    first = runner.invoke(main, ["keygen", str(folder), "--bits", "2048", "--password", "pw-1"])
    assert first.exit_code == 0, first.output
    assert load_private_key(folder / "merchant.p12", "pw-1").key_size == 2048
    second = runner.invoke(main, ["keygen", str(folder), "--bits", "2048", "--password", "x"])
    assert second.exit_code == 3
    assert "exists" in second.output


# -- exit codes and configuration, in process ---------------------------------------------------


def test_exit_codes_for_bad_input_configuration_and_transport(keys: KeyFiles) -> None:
    runner = CliRunner()
    env = merchant_env(keys, "http://127.0.0.1:9")
    assert runner.invoke(main, ["refund", "INV", "1.234"], env=env).exit_code == 2
    missing = runner.invoke(main, ["inquiry", "INV"], env=env | {"C2P_MERCHANT_ID": ""})
    assert missing.exit_code == 3
    assert "C2P_MERCHANT_ID" in missing.output
    remote = runner.invoke(main, ["inquiry", "INV", "--environment", "http://192.0.2.1"], env=env)
    assert remote.exit_code == 3  # plain http only on loopback

    # Port 9 on loopback refuses: no answer, so the outcome is unknown and the id is printed.
    failed = runner.invoke(main, ["refund", "INV", "1.00", "--max-attempts", "1",
                                  "--idempotency-id", "keep-me-1", "--json"], env=env)
    assert failed.exit_code == 5
    assert json.loads(failed.stdout)["idempotency_id"] == "keep-me-1"
    assert "--idempotency-id keep-me-1" in failed.stderr
    assert KEY_PASSWORD not in failed.output


def test_help_documents_exit_codes_and_every_command() -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["--help"])
    assert shown.exit_code == 0
    for word in ("refund-batch", "refund-status", "decode", "keygen", "emulator", "demo", "hsm",
                 "Exit codes", "gateway refusal", "transport failure", "codec failure"):
        assert word in shown.output
    for command in (["refund"], ["emulator", "serve"], ["emulator", "seed"], ["refund-batch"]):
        assert runner.invoke(main, [*command, "--help"]).exit_code == 0
