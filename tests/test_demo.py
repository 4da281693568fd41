"""``2c2p demo`` tells the whole story and exits 0, also without the aiohttp extra."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

# The story's answers, in order: each line must appear after the previous one.
STORY = (
    "throwaway RSA-2048 merchant key",
    "no account, no network",
    "DEMO-1001  card 100.00",
    "settle DEMO-1001",
    "00 Success | status RS | amount 100.00",
    "refund DEMO-1001 30.00",
    "41 Refund not allowed | status RS",  # ready for settlement is not settled
    "refused as expected: NotAllowedError",
    "inquiry DEMO-1001",
    "00 Success | status S | amount 100.00",  # after the settlement run
    "refund DEMO-1001 30.00",
    "00 Success | status RF | amount 30.00",
    "(same idempotencyID)",
    "refund DEMO-1001 20.00",
    "refund-status DEMO-1001",
    "00 Success | status S | amount 100.00",  # the payment's own status at the top
    "refund 30.00 RF",
    "refund 20.00 RF",
    "refund DEMO-1001 60.00",
    "30 Unable to refund/settle more than transaction amount",
    "refused as expected: AmountError",
    "void DEMO-1001 100.00",
    "21 Void not allowed",
    "refused as expected: NotAllowedError",
    "refund DEMO-2001 50.00",
    "42 Refund pending | status RP | amount 50.00",
    "notified  https://merchant.example/2c2p/notify",
    "payload   00 Success | status RF | amount 50.00  (signature verified, decrypted)",
    "refund-status DEMO-2001",
    "00 Success | status S | amount 50.00",
    "refund 50.00 RF",
    "DEMO-1001 has 2 refunds",
)

# The demo must run with the core dependencies only: make `import aiohttp` fail.
WITHOUT_AIOHTTP = (
    "import sys; sys.modules['aiohttp'] = None; "
    "from c2p_action.cli import main; main(['demo'], prog_name='2c2p')"
)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param([sys.executable, "-m", "c2p_action.cli", "demo"], id="installed"),
        pytest.param([sys.executable, "-c", WITHOUT_AIOHTTP], id="without-aiohttp"),
    ],
)
def test_demo_tells_the_story_and_exits_0(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    position = 0
    for line in STORY:
        found = done.stdout.find(line, position)
        assert found >= 0, f"missing or out of order: {line!r}\n{done.stdout}"
        position = found + len(line)
    # Steps are numbered 0, 1, 2 ... once each (the going-live steps once repeated 11 and 12).
    numbers = [int(m) for m in re.findall(r"^(\d+)\. ", done.stdout, flags=re.MULTILINE)]
    assert numbers == list(range(len(numbers))), numbers
