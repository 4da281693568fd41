"""refund-batch and idempotencyIDs across files: never a refund reported that did not happen.

Issue 10, point 1: a repeated idempotencyID is answered with the original response, so an id
reused on another row must never pass as that row's success. A journal shared by several CSV
files refuses, before sending anything, a file giving an id it already holds for another row;
files with journals of their own cannot see each other, and then the client's binding of each
answer to its request makes the reused row a refusal, not a success.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.cli import main
from c2p_action.emulator import Emulator
from c2p_action.emulator.server import RunningServer
from c2p_action.keys import certificate_for

MID = "JT01"


@pytest.fixture(scope="module")
def key_files(
    tmp_path_factory: pytest.TempPathFactory,
    merchant_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("batch-keys")
    merchant, gateway = folder / "merchant.pem", folder / "gateway.cer"
    merchant.write_bytes(
        merchant_private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    gateway.write_bytes(
        certificate_for(gateway_private).public_bytes(serialization.Encoding.PEM)
    )
    return merchant, gateway


@pytest.fixture
def served(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[tuple[Emulator, RunningServer]]:
    emulator = Emulator(gateway_private, {MID: merchant_public})
    for invoice in ("A-1", "A-2", "B-1", "B-2"):
        emulator.seed(invoice, "50.00", status="S")
    with emulator.start_server() as server:
        yield emulator, server
    emulator.close()


def _batch(
    csv_file: Path, keys: tuple[Path, Path], server: RunningServer, *extra: str
) -> tuple[int, dict[str, object], str]:
    env = {
        "C2P_MERCHANT_ID": MID,
        "C2P_MERCHANT_KEY": str(keys[0]),
        "C2P_GATEWAY_KEY": str(keys[1]),
        "C2P_ENVIRONMENT": server.base_url,
    }
    result = CliRunner().invoke(main, ["refund-batch", str(csv_file), "--json", *extra], env=env)
    document = json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}
    return result.exit_code, document, result.output


def test_a_shared_journal_refuses_an_id_it_holds_for_another_row(
    tmp_path: Path, key_files: tuple[Path, Path], served: tuple[Emulator, RunningServer]
) -> None:
    emulator, server = served
    journal = tmp_path / "refunds.journal.sqlite"
    first, second = tmp_path / "monday.csv", tmp_path / "tuesday.csv"
    first.write_text("invoice,amount,idempotency_id\nA-1,10.00,K1\nA-2,5.00,\n")
    second.write_text("invoice,amount,idempotency_id\nB-1,10.00,K1\nB-2,5.00,\n")

    code, done, _ = _batch(first, key_files, server, "--journal", str(journal))
    assert (code, done["success"]) == (0, 2)

    code, _, output = _batch(second, key_files, server, "--journal", str(journal))
    assert code == 2
    assert "idempotency_id 'K1' was already used for line 2 of" in output
    assert str(first.resolve()) in output
    assert emulator.ledger.refunds(MID, "B-1") == []  # nothing was sent for the second file
    assert emulator.ledger.refunds(MID, "B-2") == []

    # Without the reused id the same journal takes the second file, with ids of its own.
    second.write_text("invoice,amount,idempotency_id\nB-1,10.00,K2\nB-2,5.00,\n")
    code, done, _ = _batch(second, key_files, server, "--journal", str(journal))
    assert (code, done["success"]) == (0, 2)
    with closing(sqlite3.connect(journal)) as conn, conn:
        ids = [row[0] for row in conn.execute("SELECT idempotency_id FROM rows")]
    assert len(ids) == len(set(ids)) == 4
    # And the first file resumes as done: its rows are not sent again.
    code, done, _ = _batch(first, key_files, server, "--journal", str(journal))
    assert (code, done["skipped"]) == (0, 2)
    assert len(emulator.ledger.refunds(MID, "A-1")) == 1


def test_an_id_reused_across_separate_journals_is_refused_never_success(
    tmp_path: Path, key_files: tuple[Path, Path], served: tuple[Emulator, RunningServer]
) -> None:
    emulator, server = served
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("invoice,amount,idempotency_id\nA-1,10.00,K1\n")
    second.write_text("invoice,amount,idempotency_id\nB-1,55.00,K1\n")

    assert _batch(first, key_files, server)[0] == 0
    code, done, _ = _batch(second, key_files, server)  # its own default journal

    assert code == 4  # refused: a verified answer about another refund
    assert (done["success"], done["refused"]) == (0, 1)
    with (tmp_path / "b.result.csv").open() as handle:
        result = handle.read()
    assert "refused" in result
    assert "already used" in result
    assert emulator.ledger.refunds(MID, "B-1") == []


def test_a_journal_of_the_earlier_format_is_not_silently_reused(
    tmp_path: Path, key_files: tuple[Path, Path], served: tuple[Emulator, RunningServer]
) -> None:
    _, server = served
    journal = tmp_path / "old.sqlite"
    with closing(sqlite3.connect(journal)) as conn, conn:
        conn.execute("CREATE TABLE rows (line INTEGER PRIMARY KEY, idempotency_id TEXT)")
        conn.execute("INSERT INTO rows VALUES (2, 'kept-id')")
    csv_file = tmp_path / "x.csv"
    csv_file.write_text("invoice,amount\nA-1,1.00\n")
    code, _, output = _batch(csv_file, key_files, server, "--journal", str(journal))
    assert code == 3
    assert "earlier version" in output
