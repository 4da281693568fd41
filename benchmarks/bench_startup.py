"""Start-up time of ``import c2p_action`` and ``2c2p --help`` against importing the dependencies.

    python benchmarks/bench_startup.py [--rounds 40] [--no-write]

Every case is a fresh interpreter (a subprocess of this Python), timed from spawn to exit.
The cases run interleaved, one of each per round, after warm-up rounds that also write the
bytecode caches; each case's median over the rounds is compared with the baseline's median of
the same run. The baseline is an interpreter importing the required dependencies alone:
``import cryptography, lxml, xsdata``. ``2c2p`` is the console script next to this Python
(or, without one, the same two lines it runs). The table is written into benchmarks/README.md
between the ``startup`` markers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _report import machine_line, write_table

BASELINE = "import cryptography, lxml, xsdata"


@dataclass(frozen=True)
class Case:
    """One command line, and the ratio to the baseline it must stay within (if any)."""

    name: str
    argv: list[str]
    target: float | None = None


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("2c2p")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from c2p_action.cli import main; sys.exit(main())"]


def cases() -> list[Case]:
    """The baseline first, then what it is compared with."""
    python, cli = [sys.executable], _cli()
    return [
        Case(f"baseline: `{BASELINE}`", [*python, "-c", BASELINE]),
        Case("interpreter alone: `pass`", [*python, "-c", "pass"]),
        Case("`import click` (the CLI's framework)", [*python, "-c", "import click"]),
        Case("`import c2p_action`", [*python, "-c", "import c2p_action"], target=1.3),
        Case("`2c2p --help`", [*cli, "--help"], target=1.5),
        Case("`2c2p keygen --help`", [*cli, "keygen", "--help"]),
        Case("`2c2p refund --help`", [*cli, "refund", "--help"]),
        Case("`import c2p_action.codec` (the core)", [*python, "-c", "import c2p_action.codec"]),
        Case("`from c2p_action import Client`", [*python, "-c", "from c2p_action import Client"]),
    ]


def _run_once(argv: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)  # noqa: S603
    return time.perf_counter() - start


def measure(selected: list[Case], rounds: int, warmup: int = 3) -> dict[str, list[float]]:
    """Seconds per run of each case, interleaved round by round."""
    # No PYTHON* variable (PYTHONPROFILEIMPORTTIME, PYTHONDONTWRITEBYTECODE ...) changes the
    # runs, and a neutral directory keeps a checkout off sys.path.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    times: dict[str, list[float]] = {case.name: [] for case in selected}
    with tempfile.TemporaryDirectory() as cwd:
        for round_no in range(warmup + rounds):
            order = selected if round_no % 2 else list(reversed(selected))
            for case in order:
                elapsed = _run_once(case.argv, env, cwd)
                if round_no >= warmup:
                    times[case.name].append(elapsed)
    return times


def table(selected: list[Case], times: dict[str, list[float]], rounds: int) -> list[str]:
    """Markdown rows: median per case, its ratio to the baseline's median, the verdict."""
    base = statistics.median(times[selected[0].name])
    rows = [
        "| case | median ms | ratio to the baseline | target |",
        "|---|---:|---:|---|",
    ]
    verdicts = []
    for case in selected:
        median = statistics.median(times[case.name])
        ratio = median / base
        target = ""
        if case.target is not None:
            met = ratio <= case.target
            target = f"<= {case.target}x: {'met' if met else 'NOT met'}"
            verdicts.append(
                f"{case.name} {ratio:.2f}x (target <= {case.target}x):"
                f" {'met' if met else 'NOT met'}"
            )
        rows.append(f"| {case.name} | {median * 1e3:.1f} | {ratio:.2f}x | {target} |")
    rows += ["", f"Medians of {rounds} interleaved runs of each case.", *verdicts]
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    selected = cases()
    rows = table(selected, measure(selected, args.rounds), args.rounds)
    print("\n".join(rows))
    if not args.no_write:
        write_table("startup", [machine_line(), "", *rows])


if __name__ == "__main__":
    main()
