"""docs/funds.md runs as written: every ```python block, in a fresh interpreter.

Each block's printed lines that the page annotates with ``# expected`` comments are checked too,
so the page cannot drift from what the code does.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "funds.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.M | re.S)

# What each block prints, in order (lines that must appear in its output).
EXPECTED = [
    ["1000.0000 SGD", "3 Withdraw fund 0.5 True", "5 Telegraphic transfer 25 False",
     "691001 100 0.5 99.5 SGD", "46 Insufficient balance"],
    ["250.0000 [3, 5]", "0.05 9.95"],
    ["the outcome is unknown", "399.5000", "1"],
    ['b\'{"version":"1.0","merchantID":"702702000000000","withdrawOptionID":3,"amount":100}\'',
     "0.5 99.5 {'settlementDate': '2024-01-31'}"],
]  # fmt: skip


def test_the_page_has_one_expectation_per_block() -> None:
    assert len(BLOCKS) == len(EXPECTED)


@pytest.mark.parametrize(
    ("source", "expected"), list(zip(BLOCKS, EXPECTED, strict=False)),
    ids=[f"block{i}" for i in range(len(BLOCKS))],
)  # fmt: skip
def test_funds_page_example_runs(source: str, expected: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", source],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for line in expected:
        assert line in result.stdout, result.stdout
