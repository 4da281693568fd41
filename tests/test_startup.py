"""Start-up stays cheap: what ``import c2p_action`` and ``2c2p --help`` load, and the lazy CLI.

Timings live in ``benchmarks/bench_startup.py``; these tests check which modules a fresh
interpreter holds afterwards (``sys.modules``), which is what the timings follow from. The
lazy command table of ``c2p_action.cli`` is checked against the real commands: each entry
loads, is named as listed, is summarised word for word, and no command module is left out.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import c2p_action.cli
from c2p_action.cli import COMMANDS, load_command, main

# What must never be paid for by `import c2p_action` or `2c2p --help`: the dependencies that
# do real work, the transports, the emulator's storage, the event loop.
HEAVY = (
    "aiohttp",
    "asyncio",
    "boto3",
    "cryptography",
    "lxml",
    "pkcs11",
    "pluggy",
    "sqlite3",
    "ssl",
    "urllib3",
    "xsdata",
)

_DUMP = "import atexit, json, sys; atexit.register(lambda: print(json.dumps(sorted(sys.modules))))"


def _loaded(code: str, cwd: Path) -> tuple[set[str], str]:
    """The modules a fresh interpreter holds after running ``code``, and what it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "C2P_"))}
    done = subprocess.run(
        [sys.executable, "-c", f"{_DUMP}\n{code}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    output, _, modules = done.stdout.rstrip("\n").rpartition("\n")
    return set(json.loads(modules)), output


def _top_level(modules: Iterable[str]) -> set[str]:
    return {name.partition(".")[0] for name in modules}


def test_import_c2p_action_loads_nothing_but_the_package_root(tmp_path: Path) -> None:
    modules, _ = _loaded("import c2p_action", tmp_path)
    assert {m for m in modules if m.startswith("c2p_action")} == {"c2p_action"}
    assert not _top_level(modules) & {*HEAVY, "click"}
    # typing alone costs about as much as the interpreter's start-up (benchmarks/README.md).
    assert "typing" not in modules


def test_a_public_name_still_loads_on_first_use(tmp_path: Path) -> None:
    modules, printed = _loaded("import c2p_action; print(c2p_action.Codec.__name__)", tmp_path)
    assert printed == "Codec"
    assert "c2p_action.codec" in modules
    assert "c2p_action.emulator" not in modules
    assert "aiohttp" not in modules


def test_help_loads_click_and_no_command_module(tmp_path: Path) -> None:
    # The console script's own two lines.
    modules, printed = _loaded(
        "import sys; sys.argv = ['2c2p', '--help']\n"
        "from c2p_action.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code",
        tmp_path,
    )
    # _exit_codes holds the exit-code table the help epilog prints: an enum, no command.
    assert {m for m in modules if m.startswith("c2p_action")} == {
        "c2p_action",
        "c2p_action.cli",
        "c2p_action.cli._exit_codes",
    }
    assert not _top_level(modules) & set(HEAVY)
    for name in COMMANDS:
        assert f"  {name} " in printed


def test_a_command_help_loads_only_that_command(tmp_path: Path) -> None:
    modules, printed = _loaded(
        "from c2p_action.cli import main\n"
        "try:\n    main(['hsm', '--help'])\nexcept SystemExit as exit:\n    assert exit.code == 0",
        tmp_path,
    )
    assert "Usage: " in printed
    assert "c2p_action.cli.hsm" in modules
    loaded_commands = {m for m in modules if m.startswith("c2p_action.cli.")}
    assert not loaded_commands & {
        "c2p_action.cli.emulator",
        "c2p_action.cli.demo",
        "c2p_action.cli.batch",
        "c2p_action.cli.bench",
    }


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_listed_command_loads_under_its_name_and_summary(name: str) -> None:
    command = load_command(name)
    assert isinstance(command, click.Command)
    assert command.name == name
    assert not command.hidden
    # The summary `2c2p --help` shows before loading is the command's own, word for word.
    assert COMMANDS[name][1] == command.get_short_help_str(limit=10_000)
    assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0


def _commands_defined_in(module_name: str) -> set[click.Command]:
    module = importlib.import_module(module_name)
    found: set[click.Command] = set()
    for value in vars(module).values():
        if isinstance(value, click.Command):
            found.add(value)
        elif (
            isinstance(value, tuple | list)
            and value
            and all(isinstance(item, click.Command) for item in value)
        ):
            found.update(value)
    return found


def test_no_command_module_is_missing_from_the_table() -> None:
    defined: set[click.Command] = set()
    for info in pkgutil.iter_modules(c2p_action.cli.__path__, "c2p_action.cli."):
        if info.name != "c2p_action.cli.__main__":
            defined |= _commands_defined_in(info.name)
    subcommands = {
        sub
        for group in defined
        if isinstance(group, click.Group)
        for sub in group.commands.values()
    }
    top_level = {command for command in defined - subcommands if command is not main}
    assert {command.name for command in top_level} == set(COMMANDS)
    assert top_level == {load_command(name) for name in COMMANDS}


def _help(code: str, columns: int, tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "C2P_"))}
    env["COLUMNS"] = str(columns)
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nfrom c2p_action.cli import main\nmain(['--help'])"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("columns", [100, 60])
def test_lazy_help_is_what_the_loaded_commands_would_show(columns: int, tmp_path: Path) -> None:
    lazy = _help("", columns, tmp_path)
    loaded = _help(
        "from c2p_action.cli import COMMANDS, main\n"
        "for name in COMMANDS:\n    main.get_command(None, name)",
        columns,
        tmp_path,
    )
    assert "Commands:" in lazy
    assert lazy == loaded


def test_help_epilog_is_the_exit_code_table() -> None:
    from c2p_action.cli import _exit_codes

    assert main.epilog == _exit_codes.EXIT_CODES_HELP
    for code in _exit_codes.ExitCode:
        assert f"\n  {code.value} " in main.epilog or code.value == 0


def test_exit_code_is_the_one_the_error_mapping_uses() -> None:
    from c2p_action.cli import ExitCode, _common

    assert ExitCode is _common.ExitCode


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["refnud"])
    assert result.exit_code == 2
    assert "No such command 'refnud'" in result.output
