"""The documentation is tested like code: every example runs, the site builds strictly.

The rule for code blocks in README.md and docs/, visible to every reader of the sources:

- ```` ```python ```` blocks are complete programs: each runs as written, in a fresh
  interpreter, in an empty directory;
- ```` ```python test_name.py ```` blocks are complete pytest modules: each runs under pytest
  (with this library's pytest plugin, as in a user's project);
- ```` ```py ```` blocks are fragments (they need the reader's own keys, account or network):
  each must be announced by a paragraph starting with ``Fragment:`` just before it, saying what
  it needs. Nothing else is skipped.

Every page of the site carries at least one example that runs, and ``mkdocs build --strict``
(broken links, missing references) must succeed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted([ROOT / "README.md", *DOCS.rglob("*.md")])
_FENCE = re.compile(r"^```(\w*)([^\n]*)\n(.*?)^```", re.M | re.S)


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int
    language: str
    info: str
    source: str
    before: str  # the text between the previous block and this one

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def _blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    found: list[Block] = []
    previous_end = 0
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found.append(
            Block(
                page,
                line,
                match.group(1),
                match.group(2).strip(),
                match.group(3),
                text[previous_end : match.start()],
            )
        )
        previous_end = match.end()
    return found


BLOCKS = [block for page in PAGES for block in _blocks(page)]
SCRIPTS = [b for b in BLOCKS if b.language == "python" and not b.info]
MODULES = [b for b in BLOCKS if b.language == "python" and b.info]
FRAGMENTS = [b for b in BLOCKS if b.language == "py"]


def _clean_env() -> dict[str, str]:
    # Examples configure themselves; the caller's C2P_* variables must not leak in.
    return {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}


@pytest.mark.parametrize("block", SCRIPTS, ids=lambda block: block.id)
def test_every_python_example_runs_as_written(block: Block, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", block.source],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{block.id}\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize("block", MODULES, ids=lambda block: block.id)
def test_every_example_test_module_passes(block: Block, tmp_path: Path) -> None:
    assert re.fullmatch(r"test_\w+\.py", block.info), f"{block.id}: not a test file name"
    (tmp_path / block.info).write_text(block.source, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", block.info],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{block.id}\n{done.stdout}\n{done.stderr}"
    assert " passed" in done.stdout


@pytest.mark.parametrize("block", FRAGMENTS, ids=lambda block: block.id)
def test_fragments_are_announced_as_such(block: Block) -> None:
    paragraphs = [p for p in block.before.strip().split("\n\n") if p.strip()]
    assert paragraphs, f"{block.id}: a fragment needs a 'Fragment:' paragraph before it"
    assert paragraphs[-1].strip().startswith("Fragment:"), (
        f"{block.id}: announce the fragment with a paragraph starting 'Fragment:'"
    )


def _nav_pages() -> list[Path]:
    config = yaml.safe_load(
        re.sub(r"!!python/name:\S+", "''", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    )
    pages: list[Path] = []

    def walk(entry: object) -> None:
        if isinstance(entry, str):
            pages.append(DOCS / entry)
        elif isinstance(entry, dict):
            for value in entry.values():
                walk(value)
        elif isinstance(entry, list):
            for value in entry:
                walk(value)

    walk(config["nav"])
    return pages


def test_every_page_is_in_the_site_and_carries_a_runnable_example() -> None:
    nav = _nav_pages()
    assert set(nav) == set(DOCS.rglob("*.md")), "a page is missing from mkdocs.yml's nav"
    runnable = {b.page for b in SCRIPTS + MODULES}
    missing = [str(page.relative_to(ROOT)) for page in nav if page not in runnable]
    assert not missing, f"pages without an example that runs: {missing}"


def test_the_readme_points_to_the_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/index.md" in readme or "mkdocs" in readme


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    errors = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert "<!-- generated: response-codes -->" in errors
    built = (tmp_path / "errors" / "index.html").read_text(encoding="utf-8")
    # The generated table is in the page, with a code and the exception it maps to.
    assert "AmountError" in built
    assert "Refund amount is more than transaction amount" in built
    # The life-cycle diagram, probed from the emulator's rules.
    lifecycle = (tmp_path / "lifecycle" / "index.html").read_text(encoding="utf-8")
    for edge in ("A --&gt; RS : settle", "RS --&gt; S : settlement run", "A --&gt; V : void"):
        assert edge in lifecycle
