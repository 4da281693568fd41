"""A real SoftHSM2 token store in a temporary directory (test support, not a fake).

SoftHSM2 reads ``SOFTHSM2_CONF`` when the module is initialised, and a process initialises a
module once, so one store is set up per test session and every token is created up front.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
)

USER_PIN = "1234-user"
SO_PIN = "5678-so"


def find_module() -> str:
    """Path of libsofthsm2.so; the test command installs the ``softhsm2`` package."""
    for candidate in MODULE_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    raise RuntimeError("libsofthsm2.so not found: install the softhsm2 package (scripts/test does)")


@dataclass(frozen=True)
class SoftHsm:
    """A token store: ``module`` to load, tokens initialised with :data:`USER_PIN`."""

    directory: Path
    module: str
    tokens: tuple[str, ...]

    def uri(self, token: str, *, pin: str | None = USER_PIN, **path: str) -> str:
        """A ``pkcs11:`` URI for ``token`` (plus ``object=...`` etc.) with this module and PIN."""
        parts = [f"token={token}", *(f"{name}={value}" for name, value in path.items())]
        query = [f"module-path={self.module}"]
        if pin is not None:
            query.append(f"pin-value={pin}")
        return f"pkcs11:{';'.join(parts)}?{'&'.join(query)}"


def create(directory: Path, tokens: tuple[str, ...]) -> SoftHsm:
    """Write a SoftHSM2 config under ``directory``, point ``SOFTHSM2_CONF`` at it, init tokens."""
    util = shutil.which("softhsm2-util")
    if util is None:
        raise RuntimeError("softhsm2-util not found: install the softhsm2 package")
    store = directory / "tokens"
    store.mkdir(parents=True)
    config = directory / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {store}\nobjectstore.backend = file\nlog.level = ERROR\n"
        "slots.removable = false\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(config)
    for label in tokens:
        subprocess.run(
            [util, "--init-token", "--free", "--label", label, "--pin", USER_PIN,
             "--so-pin", SO_PIN],
            check=True,
            capture_output=True,
        )
    return SoftHsm(directory, find_module(), tokens)
