"""CLI rough edges, each through a real ``2c2p`` subprocess (or a real pseudo-terminal).

Negative amounts, keygen without a terminal, messages that name flags rather than Python
keywords, and refund-batch's ``--progress/--no-progress``. Subprocesses run in a new session
(no controlling terminal) with a clean ``C2P_*`` environment; the terminal cases give the child
a pseudo-terminal of its own as stdin, stdout and stderr.
"""

from __future__ import annotations

import csv
import json
import os
import re
import select
import subprocess
import sys
import termios
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.emulator import Emulator
from c2p_action.keys import certificate_for, load_private_key

MERCHANT = "JT01"
KEY_PASSWORD = "edge-pass"
CLI = [sys.executable, "-m", "c2p_action.cli"]
UNREACHABLE = "http://127.0.0.1:9"


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    env.update(values)
    return env


def run(args: Sequence[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """``2c2p args`` with no terminal at all: stdin empty, output captured, new session."""
    return subprocess.run(
        [*CLI, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
        check=False,
    )


def run_in_terminal(
    args: Sequence[str], env: Mapping[str, str], replies: Sequence[tuple[str, str]] = ()
) -> tuple[int, str]:
    """``2c2p args`` on a pseudo-terminal; each reply is typed once its prompt is shown.

    A reply is written only when the prompt has appeared *and* the terminal's echo is off:
    getpass flushes pending input when it switches echo off, so typing earlier would be lost.
    """
    master, slave = os.openpty()
    process = subprocess.Popen(
        [*CLI, *args], stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    output = b""
    searched = 0
    pending = list(replies)
    deadline = time.monotonic() + 120
    try:
        while True:
            assert time.monotonic() < deadline, output.decode(errors="replace")
            if pending:
                prompt, answer = pending[0]
                found = output.find(prompt.encode(), searched)
                if found >= 0 and not termios.tcgetattr(slave)[3] & termios.ECHO:
                    os.write(master, answer.encode())
                    searched = found + len(prompt)
                    pending.pop(0)
            ready, _, _ = select.select([master], [], [], 0.02)
            if ready:
                output += os.read(master, 65536)
            elif process.poll() is not None:
                break
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        os.close(master)
        os.close(slave)
    return process.returncode, output.decode(errors="replace")


@dataclass(frozen=True)
class KeyFiles:
    merchant_key: Path  # encrypted PKCS#8, password KEY_PASSWORD
    gateway_cert: Path


@pytest.fixture(scope="module")
def keys(
    tmp_path_factory: pytest.TempPathFactory,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> KeyFiles:
    folder = tmp_path_factory.mktemp("edge-keys")
    files = KeyFiles(folder / "m.key.pem", folder / "g.cer")
    files.merchant_key.write_bytes(
        other_private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(KEY_PASSWORD.encode()),
        )
    )
    files.gateway_cert.write_bytes(
        certificate_for(gateway_private).public_bytes(serialization.Encoding.PEM)
    )
    return files


def merchant_env(keys: KeyFiles, environment: str = UNREACHABLE) -> dict[str, str]:
    return clean_env(
        C2P_MERCHANT_ID=MERCHANT,
        C2P_MERCHANT_KEY=str(keys.merchant_key),
        C2P_MERCHANT_KEY_PASSWORD=KEY_PASSWORD,
        C2P_GATEWAY_KEY=str(keys.gateway_cert),
        C2P_ENVIRONMENT=environment,
    )


# -- negative amounts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "given"),
    [
        (["refund", "INV-1", "-5"], "-5"),
        (["refund", "INV-1", "-5.00", "--notes", "x"], "-5.00"),
        (["void", "INV-1", "-1.50"], "-1.50"),
        (["settle", "INV-1", "-.5"], "-.5"),
        (["inquiry", "INV-1", "-3"], "-3"),
    ],
)
def test_a_negative_amount_is_an_amount_error(args: list[str], given: str) -> None:
    done = run(args, clean_env())

    assert done.returncode == 2, done.stderr
    # An optional AMOUNT (inquiry) is shown as '[AMOUNT]' by click.
    assert re.search(
        rf"Invalid value for '\[?AMOUNT\]?': {re.escape(given)} is negative", done.stderr
    )
    assert "No such option" not in done.stderr


def test_an_unknown_option_is_still_an_unknown_option() -> None:
    done = run(["refund", "INV-1", "5.00", "--notfy-url", "https://x"], clean_env())

    assert done.returncode == 2
    # click's words: "No such option: --notfy-url" up to 8.3, "No such option '--notfy-url'"
    # from 8.4.
    assert re.search(r"No such option:? '?--notfy-url'?", done.stderr), done.stderr


# -- keygen and its password --------------------------------------------------------------------


def test_keygen_without_a_terminal_or_password_env_exits_2_and_says_what_to_do(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "keys"

    done = run(["keygen", str(folder), "--bits", "2048"], clean_env())

    assert done.returncode == 2, done.stderr
    assert "no terminal to ask for the PKCS#12 password" in done.stderr
    assert "--password-env VAR" in done.stderr
    assert "Aborted" not in done.stdout + done.stderr
    assert not folder.exists()


def test_keygen_refuses_an_empty_password(tmp_path: Path) -> None:
    empty_env = run(
        ["keygen", str(tmp_path), "--bits", "2048", "--password-env", "KEYPASS"],
        clean_env(KEYPASS=""),
    )
    empty_flag = run(["keygen", str(tmp_path), "--bits", "2048", "--password", ""], clean_env())

    assert empty_env.returncode == 2
    assert "Invalid value for '--password-env': environment variable KEYPASS is empty" in (
        empty_env.stderr
    )
    assert empty_flag.returncode == 2
    assert "Invalid value for '--password'" in empty_flag.stderr
    assert list(tmp_path.iterdir()) == []


def test_keygen_prompts_in_a_terminal_without_echo(tmp_path: Path) -> None:
    folder = tmp_path / "keys"

    code, shown = run_in_terminal(
        ["keygen", str(folder), "--bits", "2048"],
        clean_env(),
        [
            ("Password for the PKCS#12 file", "tty-pass-1\n"),
            ("Repeat for confirmation", "tty-pass-1\n"),
        ],
    )

    assert code == 0, shown
    assert "tty-pass-1" not in shown  # never echoed
    assert load_private_key(folder / "merchant.p12", "tty-pass-1").key_size == 2048


def test_keygen_names_the_overwrite_flag_and_checks_before_asking(tmp_path: Path) -> None:
    env = clean_env(KEYPASS="first-pass")
    args = ["keygen", str(tmp_path), "--bits", "2048"]
    assert run([*args, "--password-env", "KEYPASS"], env).returncode == 0
    first = (tmp_path / "merchant.cer.pem").read_bytes()

    # No password source and no terminal: the existing files are reported first.
    again = run(args, env)
    replaced = run([*args, "--password-env", "KEYPASS", "--overwrite"], env)
    bad_name = run([*args, "--password-env", "KEYPASS", "--name", "../up"], env)

    assert again.returncode == 3
    assert "merchant.cer.pem: already exists; pass --overwrite to replace it" in again.stderr
    assert "overwrite=True" not in again.stderr
    assert replaced.returncode == 0, replaced.stderr
    assert (tmp_path / "merchant.cer.pem").read_bytes() != first
    assert bad_name.returncode == 2
    assert "Invalid value for '--name': must be a plain file name" in bad_name.stderr


# -- messages name flags ------------------------------------------------------------------------


def test_settings_errors_name_flags_not_keywords(keys: KeyFiles) -> None:
    env = merchant_env(keys)
    no_id = run(["inquiry", "INV-1"], {k: v for k, v in env.items() if k != "C2P_MERCHANT_ID"})
    long_id = run(["inquiry", "INV-1", "--merchant-id", "M" * 16, "--json"], env)

    assert no_id.returncode == 3
    assert "missing settings: --merchant-id (C2P_MERCHANT_ID) (or give them as flags)" in (
        no_id.stderr
    )
    assert long_id.returncode == 3
    expected = "--merchant-id must be a string of 1 to 15 characters"
    assert expected in long_id.stderr
    assert json.loads(long_id.stdout)["message"] == expected
    for done in (no_id, long_id):
        assert "merchant_id" not in done.stdout + done.stderr


def test_request_errors_name_flags_and_arguments(keys: KeyFiles) -> None:
    env = merchant_env(keys)

    long_id = run(["refund", "INV-1", "1.00", "--idempotency-id", "i" * 101], env)
    no_invoice = run(["refund", "", "1.00"], env)
    six = run(["refund", "INV-1", "1.00", *["--user-defined", "u"] * 6], env)

    assert long_id.returncode == 2
    assert "--idempotency-id must be 1 to 100 characters long" in long_id.stderr
    assert no_invoice.returncode == 2
    assert "INVOICE must not be empty" in no_invoice.stderr
    assert six.returncode == 2
    assert "--user-defined takes a sequence of at most 5 strings" in six.stderr
    for done in (long_id, no_invoice, six):
        assert "idempotency_id" not in done.stderr
        assert "invoice_no" not in done.stderr
        assert "user_defined" not in done.stderr


def test_a_key_file_path_with_a_keyword_in_it_is_left_alone(tmp_path: Path) -> None:
    missing = tmp_path / "merchant_key.pem"
    env = clean_env(
        C2P_MERCHANT_ID=MERCHANT,
        C2P_MERCHANT_KEY=str(missing),
        C2P_GATEWAY_KEY=str(missing),
        C2P_ENVIRONMENT=UNREACHABLE,
    )

    done = run(["inquiry", "INV-1"], env)

    assert done.returncode == 3
    assert str(missing) in done.stderr


# -- refund-batch --progress/--no-progress ------------------------------------------------------


@pytest.fixture
def gateway(
    gateway_private: rsa.RSAPrivateKey, other_private: rsa.RSAPrivateKey
) -> Iterator[tuple[Emulator, str]]:
    emulator = Emulator(gateway_private, {MERCHANT: other_private.public_key()})
    with emulator.start_server() as server:
        yield emulator, server.base_url
    emulator.close()


def _batch(folder: Path, emulator: Emulator, prefix: str, rows: int = 3) -> Path:
    path = folder / f"{prefix}.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["invoice", "amount"])
        for n in range(rows):
            emulator.seed(f"{prefix}-{n}", "10.00", status="S")
            out.writerow([f"{prefix}-{n}", "1.00"])
    return path


def test_refund_batch_progress_can_be_forced_or_silenced(
    tmp_path: Path, keys: KeyFiles, gateway: tuple[Emulator, str]
) -> None:
    emulator, url = gateway
    env = merchant_env(keys, url)

    forced = run(["refund-batch", str(_batch(tmp_path, emulator, "P1")), "--progress"], env)
    default = run(["refund-batch", str(_batch(tmp_path, emulator, "P2"))], env)
    json_forced = run(
        ["refund-batch", str(_batch(tmp_path, emulator, "P3")), "--json", "--progress"], env
    )

    assert forced.returncode == 0, forced.stderr
    assert [line for line in forced.stderr.splitlines() if line.startswith("Refunding")] == [
        "Refunding: 1/3 rows answered",
        "Refunding: 2/3 rows answered",
        "Refunding: 3/3 rows answered",
    ]
    assert default.returncode == 0, default.stderr
    assert "Refunding" not in default.stderr  # not a terminal: off unless asked for
    assert json_forced.returncode == 0
    assert json.loads(json_forced.stdout)["success"] == 3  # stdout stays one JSON document
    assert "Refunding: 3/3 rows answered" in json_forced.stderr


def test_refund_batch_shows_a_bar_on_a_terminal_unless_told_not_to(
    tmp_path: Path, keys: KeyFiles, gateway: tuple[Emulator, str]
) -> None:
    emulator, url = gateway
    env = merchant_env(keys, url)

    code, shown = run_in_terminal(["refund-batch", str(_batch(tmp_path, emulator, "T1"))], env)
    quiet_code, quiet = run_in_terminal(
        ["refund-batch", str(_batch(tmp_path, emulator, "T2")), "--no-progress"], env
    )

    assert code == 0, shown
    assert "Refunding" in shown
    assert "100%" in shown  # the bar itself, not the line form
    assert quiet_code == 0, quiet
    assert "Refunding" not in quiet


def test_settle_without_an_amount_settles_the_whole_authorisation(
    keys: KeyFiles, gateway: tuple[Emulator, str]
) -> None:
    emulator, url = gateway
    emulator.seed("SET-1", "75.00")  # authorised, not settled
    env = merchant_env(keys, url)

    settled = run(["settle", "SET-1", "--json"], env)

    assert settled.returncode == 0, settled.stderr
    answer = json.loads(settled.stdout)
    assert (answer["code"], answer["status"], answer["amount"]) == ("00", "RS", "75.00")
    txn = emulator.ledger.transaction(MERCHANT, "SET-1")
    assert txn is not None
    assert txn.settled_amount == Decimal("75.00")
    assert run(["void", "SET-1"], env).returncode == 2  # void still needs its amount
