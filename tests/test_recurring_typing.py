"""The new services are precisely typed: mypy --strict accepts correct use and flags misuse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = """\
from datetime import date
from decimal import Decimal

from c2p_action.client import AsyncClient, Client


def good(client: Client) -> Decimal | None:
    client.recurring.update("1", amount="9.90", currency="SGD", charge_next_date=date(2026, 1, 1))
    client.installments.options(timeout=5)
    return client.recurring.inquiry(156142).amount


def misuse(client: Client, aclient: AsyncClient) -> None:
    client.recurring.update("1", amount=1.5, currency="SGD")
    client.recurring.update("1", charge_next_date="2026-01-01")
    client.recurring.cancel("1", amount="1.00")
    client.recurring.inquiry("1").amount + 1
    aclient.recurring.inquiry("1").amount
    client.installments.options(bank="HSBC")
    client.installments.options().banks[0].options[0].merchant_interest_rate + 1
"""
FIRST_MISUSE = 14


def test_good_use_type_checks_and_misuse_does_not(tmp_path: Path) -> None:
    source = tmp_path / "use.py"
    source.write_text(CODE)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--no-error-summary",
            str(source),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # Only the user's file: the library's own type-cleanliness is the dev stage's mypy run,
    # and an older mypy (the lowest-direct stage) has opinions of its own about library code.
    flagged = {
        int(line.split(":")[1])
        for line in result.stdout.splitlines()
        if ": error:" in line and line.startswith(str(source))
    }
    assert flagged == set(range(FIRST_MISUSE, FIRST_MISUSE + 7)), result.stdout
