"""The pytest plugin: its fixtures, its import cost, and its use from a user's own project.

The fixtures are used directly below (this checkout is installed, so its ``pytest11`` entry
point is active in this suite as in any project's). The README's and the guide's example tests
run in pytest subprocesses. Last, a separate project in a temporary virtual environment gets
this checkout through a real ``pip install`` (offline: ``--no-index --no-build-isolation``,
the build backend and the dependencies coming from the environment running these tests,
without this checkout's own installation) and runs its pytest suite, as a user's would.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import urllib3

from c2p_action import Client
from c2p_action.client import AsyncClient
from c2p_action.emulator import Emulator
from c2p_action.errors import GatewayFailureError, NotAllowedError
from c2p_action.testing.harness import EmulatorServer

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "c2p_action"  # the entry point's name: `-p no:c2p_action`
LAZY = {"c2p_action", "c2p_action.testing", "c2p_action.testing.pytest_plugin"}


def _blocks(path: Path) -> list[tuple[str, str]]:
    """``(filename, source)`` of each ```python FILENAME block (pytest modules to run)."""
    text = path.read_text(encoding="utf-8")
    return re.findall(r"^```python (test_\w+\.py)\n(.*?)^```", text, re.M | re.S)


README_TESTS = _blocks(ROOT / "README.md")
GUIDE = ROOT / "docs" / "testing-with-the-emulator.md"
GUIDE_TESTS = _blocks(GUIDE)
GUIDE_SCRIPTS = re.findall(r"^```python\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.M | re.S)


def _pytest(
    python: str | Path, project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=project,
        env=env if env is not None else _clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _clean_env(**extra: str) -> dict[str, str]:
    # The user's environment, without this suite's settings steering the child.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("C2P_", "PYTEST_", "PYTHON", "PIP_"))
    }
    return env | extra


# -- the fixtures, used right here ---------------------------------------------------------------


def test_c2p_emulator_and_c2p_client_work_together(
    c2p_emulator: Emulator, c2p_client: Client
) -> None:
    c2p_emulator.seed("PL-1", "100.00", status="S")
    result = c2p_client.refund("PL-1", Decimal("25.00"))
    assert (result.code, result.status) == ("00", "RF")
    assert c2p_emulator.ledger.path is not None  # a temporary ledger file
    assert [r.amount for r in c2p_emulator.ledger.refunds("JT01", "PL-1")] == [Decimal("25.00")]


def test_scripting_and_faults_are_one_call_each(c2p_emulator: Emulator, c2p_client: Client) -> None:
    c2p_emulator.seed("PL-2", "100.00", status="S")
    c2p_emulator.answer("95", times=2, process_type="R")
    assert c2p_client.refund("PL-2", "10.00").attempts == 3  # retried without waiting
    c2p_emulator.inject_faults("drop_after_commit=1x")
    assert c2p_client.refund("PL-2", "5.00").attempts == 2  # the retry replays the commit
    assert len(c2p_emulator.ledger.refunds("JT01", "PL-2")) == 2
    c2p_emulator.answer("96", times=3)
    with pytest.raises(GatewayFailureError):
        c2p_client.inquiry("PL-2")


def test_each_test_gets_a_fresh_emulator(c2p_emulator: Emulator, c2p_client: Client) -> None:
    assert c2p_emulator.ledger.transactions() == []  # nothing left from the tests above
    c2p_emulator.seed("PL-1", "10.00")  # the invoice of another test, approved this time
    with pytest.raises(NotAllowedError) as refused:
        c2p_client.refund("PL-1", "1.00")
    assert refused.value.code == "41"


def test_c2p_async_client(c2p_emulator: Emulator, c2p_async_client: AsyncClient) -> None:
    c2p_emulator.seed("PL-3", "40.00", status="S")

    async def run() -> tuple[str, str | None]:
        refund = await c2p_async_client.refund("PL-3", "40.00")
        status = await c2p_async_client.refund_status("PL-3")
        return refund.code, status.status

    assert asyncio.run(run()) == ("00", "S")


def test_c2p_emulator_server_gives_what_a_client_needs(
    c2p_emulator_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = c2p_emulator_server
    assert server.url.startswith("http://127.0.0.1:")
    server.seed("PL-4", "10.00")
    server.answer("98", process_type="V")
    # A client built as application code builds one: from files and a URL.
    with Client(
        server.merchant_id, str(server.merchant_key_file), str(server.gateway_cert),
        environment=server.base_url,
    ) as client:  # fmt: skip
        assert client.inquiry("PL-4").status == "A"
        with pytest.raises(GatewayFailureError):
            client.void("PL-4", "10.00")
    assert set(server.env) == {"C2P_MERCHANT_ID", "C2P_MERCHANT_KEY", "C2P_GATEWAY_KEY",
                               "C2P_ENVIRONMENT"}  # fmt: skip
    for name, value in server.env.items():  # the same, from the variables
        monkeypatch.setenv(name, value)
    with Client.from_env() as from_env:
        assert from_env.inquiry("PL-4").amount == Decimal("10.00")
    answers = urllib3.request("GET", server.control_url + "/answers", retries=False)
    assert json.loads(answers.data) == {"answers": []}


# -- import cost ---------------------------------------------------------------------------------


def test_loading_the_plugin_imports_nothing_from_the_library() -> None:
    probe = textwrap.dedent(
        """
        import sys
        import pytest
        before = set(sys.modules)
        import c2p_action.testing.pytest_plugin
        print(sorted(set(sys.modules) - before))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert set(eval(done.stdout)) <= LAZY  # noqa: S307 - our own probe's repr of a list


# -- the documented examples ----------------------------------------------------------------------


def test_the_readme_has_a_plugin_example() -> None:
    assert README_TESTS
    assert GUIDE_TESTS
    assert GUIDE_SCRIPTS


@pytest.mark.parametrize(("name", "source"), README_TESTS + GUIDE_TESTS, ids=lambda v: v[:40])
def test_documented_example_tests_pass(name: str, source: str, tmp_path: Path) -> None:
    (tmp_path / name).write_text(source, encoding="utf-8")
    done = _pytest(sys.executable, tmp_path, name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b\d+ passed\b", done.stdout)
    assert "failed" not in done.stdout


@pytest.mark.parametrize("source", GUIDE_SCRIPTS, ids=lambda v: v[:40])
def test_documented_example_scripts_run(source: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", source], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


# -- a user's own project ----------------------------------------------------------------------


@dataclass(frozen=True)
class UserProject:
    python: Path
    root: Path
    site: Path


USER_TESTS = {
    "test_where.py": """
        import c2p_action

        def test_the_library_comes_from_this_environment(request):
            assert request.config.pluginmanager.hasplugin("c2p_action")
            assert c2p_action.__file__.startswith(request.config.getoption("--site"))
        """,
    "test_modules.py": """
        import json
        import os
        import sys

        def test_record_the_modules_loaded_before_any_fixture():
            with open(os.environ["MODULES_OUT"], "w") as out:
                json.dump(sorted(sys.modules), out)
        """,
    "conftest.py": """
        def pytest_addoption(parser):
            parser.addoption("--site", default="")
        """,
}


@pytest.fixture(scope="module")
def user_project(tmp_path_factory: pytest.TempPathFactory) -> UserProject:
    """A virtual environment holding a real installation of this checkout, and a project."""
    base = tmp_path_factory.mktemp("user")
    # The dependencies (and pytest, and the build backend): this environment's packages,
    # except this checkout's own installation.
    deps = base / "deps"
    deps.mkdir()
    ours = ("2c2p_payment_action", "_editable_impl_2c2p", "__editable__")
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if entry.suffix == ".pth" or entry.name.startswith(ours) or entry.name == "c2p_action":
            continue
        (deps / entry.name).symlink_to(entry)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    (site / "_user_deps.pth").write_text(f"{deps}\n")
    env = _clean_env(PIP_CONFIG_FILE=os.devnull)
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index",
         "--no-deps", "--no-build-isolation", str(ROOT)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    project = base / "project"
    project.mkdir()
    for name, source in USER_TESTS.items():
        (project / name).write_text(textwrap.dedent(source), encoding="utf-8")
    for name, source in README_TESTS:
        (project / name).write_text(source, encoding="utf-8")
    return UserProject(python, project, site)


def test_a_users_project_gets_the_fixtures_from_a_real_installation(
    user_project: UserProject,
) -> None:
    done = _pytest(
        user_project.python, user_project.root, f"--site={user_project.site}",
        env=_clean_env(MODULES_OUT=os.devnull),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    expected = 2 + sum(source.count("\ndef test_") for _, source in README_TESTS)
    assert f"{expected} passed" in done.stdout


def test_in_a_users_project_the_plugin_costs_no_import_until_a_fixture_is_used(
    user_project: UserProject, tmp_path: Path
) -> None:
    loaded: dict[str, set[str]] = {}
    for label, args in (("with", ()), ("without", ("-p", f"no:{PLUGIN}"))):
        out = tmp_path / f"{label}.json"
        done = _pytest(
            user_project.python, user_project.root, *args, "test_modules.py",
            env=_clean_env(MODULES_OUT=str(out)),
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        loaded[label] = set(json.loads(out.read_text()))
    assert "c2p_action.testing.pytest_plugin" in loaded["with"]
    assert loaded["with"] - loaded["without"] <= LAZY
    for heavy in ("cryptography", "aiohttp", "sqlite3", "lxml", "xsdata", "c2p_action.emulator"):
        assert heavy not in loaded["with"], heavy


def test_in_a_users_project_the_plugin_can_be_switched_off(user_project: UserProject) -> None:
    name = README_TESTS[0][0]
    done = _pytest(user_project.python, user_project.root, "-p", f"no:{PLUGIN}", name)
    assert done.returncode == 1
    assert "fixture 'c2p_emulator' not found" in done.stdout
