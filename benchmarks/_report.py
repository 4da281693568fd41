"""Shared by the benchmark scripts: describe the machine and write tables into README.md."""

from __future__ import annotations

import os
import platform
import re
from datetime import date
from pathlib import Path

import cryptography

README = Path(__file__).with_name("README.md")


def machine_line() -> str:
    """One line naming what the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        if found:
            cpu = found.group(1).strip()
    return (
        f"Measured {date.today().isoformat()} on {cpu}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, cryptography {cryptography.__version__}"
        f" ({platform.system()} {platform.machine()})."
    )


def write_table(name: str, lines: list[str]) -> None:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    block = "\n".join([start, *lines, end])
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")
