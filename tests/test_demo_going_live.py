"""The demo ends with ``doctor`` and ``explain`` (run in a real subprocess)."""

from __future__ import annotations

import subprocess
import sys

# Each line must appear after the previous one, after the rest of the story.
ENDING = (
    "DEMO-1001 has 2 refunds",
    "13. Before going live: `2c2p doctor`",
    "ok       settings",
    "merchant certificate",
    "matches the merchant key",
    "ok       gateway certificate",
    "The classic mistake, caught",
    "error    gateway certificate: 2C2P's sandbox certificate with the production environment",
    "-> Production answers are signed with 2C2P's production key",
    "14. A refusal explained: `2c2p explain 30`",
    "30 (Unable to refund/settle more than transaction amount)",
    "96 (Unable to decrypt)",
    "likely: Wrong key pair",
    "Done: every answer above",
)


def test_the_demo_shows_doctor_and_explain() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "c2p_action.cli", "demo"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    position = 0
    for line in ENDING:
        found = done.stdout.find(line, position)
        assert found >= 0, f"{line!r} missing (or out of order)"
        position = found + len(line)
