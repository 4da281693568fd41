"""docs/going-live.md runs as written: its ```python blocks, in order, in one fresh interpreter.

The chapter says so at the top: its examples build on each other. Blocks fenced ```sh are
shell fragments that need the reader's own keys or a running server.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "going-live.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```python\n(.*?)^```", TEXT, re.M | re.S)


def test_every_fence_is_python_sh_or_json() -> None:
    fences = re.findall(r"^```(\w*)$", TEXT, re.M)
    openings = fences[::2]
    assert set(openings) <= {"python", "sh", "json"}, openings
    assert len(BLOCKS) >= 8


def test_the_examples_run_in_order(tmp_path: Path) -> None:
    source = "\n\n".join(BLOCKS)
    result = subprocess.run(
        [sys.executable, "-c", source],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "voided ORDER-2" in result.stdout
    assert "96 (Unable to decrypt)" in result.stdout
