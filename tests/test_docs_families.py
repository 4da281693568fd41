"""docs/recurring.md and docs/installments.md run as written: every ```python block, in a
fresh interpreter, prints what its comments say it prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = ("recurring.md", "installments.md")
BLOCKS = [
    pytest.param(block, id=f"{page}-block{index}")
    for page in PAGES
    for index, block in enumerate(
        re.findall(r"^```python\n(.*?)^```", (DOCS / page).read_text(encoding="utf-8"), re.M | re.S)
    )
]
# A comment of the form  print(...)  # expected output  : the output the block must show.
_EXPECTED = re.compile(r"^\s*print\(.*\)\s*#\s*(?P<expected>[^:]+?)(?::.*)?$")


def test_each_page_has_runnable_examples() -> None:
    for page in PAGES:
        assert "```python" in (DOCS / page).read_text(encoding="utf-8"), page


@pytest.mark.parametrize("source", BLOCKS)
def test_doc_example_runs_and_prints_what_it_says(source: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", source],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for line in source.splitlines():
        match = _EXPECTED.match(line)
        if match:
            expected = match.group("expected").strip().removesuffix("...").strip()
            assert expected in result.stdout, f"{expected!r} not printed:\n{result.stdout}"
