"""The public API is precisely typed: mypy --strict accepts the example and rejects misuse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "typed_client.py"

MISUSE = '''\
from c2p_action.client import AsyncClient, Client


def misuse(client: Client, aclient: AsyncClient) -> None:
    client.refund("INV", 1.5)
    client.refund("INV", "1.00", notify="https://x")
    client.void("INV", "1.00", notes="refund-only option")
    client.inquiry("INV").code + 1
    aclient.refund("INV", "1.00").code
'''
EXPECTED_LINES = {5, 6, 7, 8, 9}


def _mypy(*files: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache),
         "--no-error-summary", *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_example_type_checks_and_misuse_does_not(tmp_path: Path) -> None:
    bad = tmp_path / "misuse.py"
    bad.write_text(MISUSE)

    result = _mypy(EXAMPLE, bad, cache=tmp_path / "cache")

    lines = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert not [line for line in lines if "typed_client.py" in line], result.stdout
    flagged = {int(line.split(":")[1]) for line in lines if "misuse.py" in line}
    assert flagged == EXPECTED_LINES, result.stdout


def test_example_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=True, cwd=ROOT
    )

    assert "refund 00 status=RF amount=25.00" in result.stdout
    assert "statuses: ['A', 'A', 'A']" in result.stdout
