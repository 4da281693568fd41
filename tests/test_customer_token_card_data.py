"""Card data in customer tokens (PCI DSS): the scan of test_card_data.py, for the JSON family.

One module-scoped run adds, reads, updates and deletes customer tokens through both clients, in
process and over real HTTP (urllib3 and aiohttp), with refusals, bad input, a lost answer, a
writer error after the card number and a key that fails while sealing, at DEBUG; then drives
``2c2p customer-tokens`` in subprocesses with ``-vv``. Everything the root logger saw, the
str/repr of every object and error, every error's traceback rendered with its locals (the
standard library's and pytest's ``--showlocals`` renderings), the emulator's ledger file bytes
and the subprocesses' stdout and stderr form the haystack, in which the full card number
(``accountNo`` on add) and the expiry must not appear.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from _cli_support import cli_env
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.client import AsyncClient, Client, RetryPolicy
from c2p_action.emulator import Emulator, Faults
from c2p_action.emulator.customer_token import CustomerTokenRules
from c2p_action.errors import C2PError, KeyProviderError
from c2p_action.keys._delegated import DelegatedRSAPrivateKey
from c2p_action.plugins import PluginManager
from c2p_action.schemas import (
    CardExpiryDate,
    CardNumber,
    CustomerTokenAddRequest,
    CustomerTokenResponse,
)
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

PAN = "5555555555554444"  # the Mastercard test number
MASKED = "555555XXXXXX4444"
EXPIRY = "12/99"  # sent as 2099-12-31: neither form can be a time stamp or a duration
EXPIRY_DATE = "2099-12-31"
BAD_PAN = "5555555555554445"  # one digit off: fails the Luhn check
MID = "JT01"


def _rendered(error: BaseException) -> str:
    """The error as people see it: str, repr, and its traceback with locals (two renderers)."""
    standard = traceback.TracebackException.from_exception(error, capture_locals=True)
    showlocals = pytest.ExceptionInfo.from_exception(error).getrepr(
        showlocals=True, style="long", chain=True
    )
    return "\n".join([str(error), repr(error), "".join(standard.format()), str(showlocals)])


def _expiry_hits(text: str) -> list[str]:
    return re.findall(r"2099-12-31|(?<![0-9])12/99(?![0-9])|2099-12", text)


def test_the_expiry_scan_would_find_a_leak() -> None:
    # The scan itself must be able to fail.
    assert _expiry_hits("expiry=2099-12-31 duration_ms=1299 12/99") == [
        "2099-12-31",
        "12/99",
    ]


class Capture(logging.Handler):
    """Keeps every record fully formatted."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass(repr=False)  # its own repr would hold everything rendered so far, in every frame
class Evidence:
    """What the run left behind."""

    texts: list[str] = field(default_factory=list)
    objects: list[object] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ledger_bytes: bytes = b""

    def record(self, call: Callable[[], object]) -> None:
        """Run ``call``; keep its result, or the rendering of the C2PError it raises."""
        try:
            self.objects.append(call())
        except C2PError as error:
            self.errors.append(type(error).__name__)
            self.texts.append(_rendered(error))

    @property
    def haystack(self) -> str:
        reprs = [text for obj in self.objects for text in (repr(obj), str(obj))]
        return "\n".join([*self.texts, *reprs, self.ledger_bytes.decode("latin-1")])


def _calls(run: Evidence, client: Client, emulator: Emulator) -> None:
    """Every customer-token operation, with refusals and failures, on one sync client."""
    added = client.customer_tokens.add(
        PAN, EXPIRY, "Terrance Tan", email="t@example.com", bank="UOB Bank", country="SG",
        currency="SGD",
    )  # fmt: skip
    run.objects.append(added)
    token = added.token
    assert token is not None
    run.record(lambda: client.customer_tokens.get(token))
    run.record(lambda: client.customer_tokens.update(token, EXPIRY, "T. Tan", bank="HSBC Bank"))
    run.record(lambda: client.customer_tokens.add(PAN, EXPIRY, "T", email="not-an-email"))  # 9005
    run.record(lambda: client.customer_tokens.add(BAD_PAN, EXPIRY, "T"))  # Luhn, nothing sent
    run.record(lambda: client.customer_tokens.add(PAN, "2099-13-31", "T"))  # bad month
    run.record(lambda: client.customer_tokens.add(PAN, EXPIRY, "T" * 51))  # after the number
    run.record(lambda: client.customer_tokens.add(PAN, EXPIRY, "T", emial="x"))  # type: ignore[call-arg]
    run.record(lambda: client.customer_tokens.update("999", EXPIRY, "T"))  # 9004
    emulator.faults = Faults.parse(["drop_after_commit=1x"])
    run.record(lambda: client.customer_tokens.add(PAN, EXPIRY, "Lost"))  # an unknown outcome
    emulator.faults = Faults()
    run.record(lambda: client.customer_tokens.delete(token))
    run.record(lambda: client.customer_tokens.get(token))  # 9004: deleted


async def _async_calls(run: Evidence, client: AsyncClient) -> None:
    added = await client.customer_tokens.add(PAN, EXPIRY, "Terrance", email="t@example.com")
    run.objects.append(added)
    assert added.token is not None
    results = await asyncio.gather(
        client.customer_tokens.get(added.token),
        client.customer_tokens.update(added.token, EXPIRY, "T", email="bad"),  # 9005
        client.customer_tokens.add(BAD_PAN, EXPIRY, "T"),
        client.customer_tokens.add(PAN, EXPIRY, "N" * 60),
        return_exceptions=True,
    )
    for result in results:
        run.record(lambda result=result: _reraise(result))  # type: ignore[misc]


def _reraise(result: object) -> object:
    if isinstance(result, BaseException):
        raise result
    return result


class UnavailableHsm(DelegatedRSAPrivateKey):
    """Stand-in for an HSM that is down: every private-key operation fails as a provider would
    report it (a real token cannot be made to fail on cue here)."""

    backend = "stand-in HSM"

    def sign_pss_sha256(self, message: bytes) -> bytes:
        raise KeyProviderError("stand-in HSM unavailable", retryable=True)

    def sign_pkcs1v15_sha256(self, message: bytes) -> bytes:
        raise KeyProviderError("stand-in HSM unavailable")

    def decrypt_oaep_sha1(self, ciphertext: bytes) -> bytes:
        raise KeyProviderError("stand-in HSM unavailable")


def _full_run(
    run: Evidence,
    ledger: Path,
    merchant_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
) -> None:
    tokens = CustomerTokenRules()
    emulator = Emulator(
        gateway_private, {MID: merchant_private.public_key()}, ledger=ledger, families=[tokens]
    )
    options: dict[str, Any] = {
        "retry": RetryPolicy(max_attempts=2, backoff_base=0.0),
        "plugins": PluginManager(allow=()),
    }
    with Client(MID, merchant_private, gateway_public,
                transport=InProcessTransport(emulator.handle), **options) as client:  # fmt: skip
        run.objects.append(client)
        _calls(run, client, emulator)
    with emulator.start_server() as server:
        with Client(MID, merchant_private, gateway_public, environment=server.base_url,
                    transport="urllib3", **options) as http_client:  # fmt: skip
            _calls(run, http_client, emulator)

        async def both_async() -> None:
            for transport in (InProcessTransport(emulator.ahandle), "aiohttp"):
                async with AsyncClient(MID, merchant_private, gateway_public,
                                       environment=server.base_url, transport=transport,
                                       **options) as client:  # fmt: skip
                    run.objects.append(client)
                    await _async_calls(run, client)

        asyncio.run(both_async())

    def never(request: TransportRequest) -> TransportResponse:
        raise AssertionError("nothing may be sent when the key cannot seal")

    hsm = UnavailableHsm(other_private.public_key(), "slot 0")
    with Client(MID, hsm, gateway_public, transport=InProcessTransport(never),
                **options) as failing:  # fmt: skip
        run.record(lambda: failing.customer_tokens.add(PAN, EXPIRY, "T"))
    run.objects += [emulator, emulator.ledger, tokens, *tokens.tokens()]
    # Models given plain strings: they hold, and show, only the card types.
    given: dict[str, Any] = {"account_no": PAN, "expiry": EXPIRY_DATE}
    run.objects.append(CustomerTokenAddRequest(merchant_id=MID, token_provider="CC", **given))
    run.objects.append(CustomerTokenResponse(**given))
    run.objects += [CardNumber(PAN), CardExpiryDate(EXPIRY)]
    emulator.close()


@pytest.fixture(scope="module")
def evidence(
    tmp_path_factory: pytest.TempPathFactory,
    merchant_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
) -> Evidence:
    run = Evidence()
    capture = Capture()
    root = logging.getLogger()
    package = logging.getLogger("c2p_action")
    levels = (root.level, package.level)
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    package.setLevel(logging.DEBUG)
    ledger = tmp_path_factory.mktemp("ledger") / "ledger.sqlite"
    try:
        _full_run(run, ledger, merchant_private, gateway_private, gateway_public, other_private)
        logging.getLogger("app").info("card %s / %r", CardNumber(PAN), CardExpiryDate(EXPIRY))
    finally:
        root.removeHandler(capture)
        root.setLevel(levels[0])
        package.setLevel(levels[1])
    run.texts += capture.lines
    run.ledger_bytes = b"".join(
        path.read_bytes() for path in ledger.parent.iterdir() if path.name.startswith("ledger")
    )
    return run


def test_the_run_went_through_every_path(evidence: Evidence) -> None:
    for name in (
        "GatewayError",
        "ValidationError",
        "UnknownOptionError",
        "OutcomeUnknownError",
        "KeyProviderError",
    ):
        assert name in evidence.errors, name
    haystack = evidence.haystack
    # The card was sent (the emulator masked and stored it) and the DEBUG JSON was logged.
    assert f'"accountNo":"{MASKED}"' in haystack
    assert '"expiry":"***"' in haystack
    assert '"name":"***"' in haystack
    assert "customer_tokens.add card=555555XXXXXX4444 code=0000" in haystack
    assert evidence.ledger_bytes
    assert MASKED.encode() in evidence.ledger_bytes
    assert f"pan = CardNumber('{MASKED}')" in haystack  # locals were rendered
    assert "expiry = CardExpiryDate('****-**-**')" in haystack


def test_no_card_number_anywhere(evidence: Evidence) -> None:
    assert PAN not in evidence.haystack
    assert BAD_PAN not in evidence.haystack  # a mistyped number is card data too
    assert PAN.encode() not in evidence.ledger_bytes


def test_no_expiry_anywhere(evidence: Evidence) -> None:
    assert _expiry_hits(evidence.haystack) == []
    assert b"2099" not in evidence.ledger_bytes


# --- the CLI, in subprocesses ----------------------------------------------------------------

CLI = [sys.executable, "-m", "c2p_action.cli"]


@pytest.fixture(scope="module")
def cli_run(
    tmp_path_factory: pytest.TempPathFactory,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> tuple[list[str], bytes]:
    folder = tmp_path_factory.mktemp("cli-customer-token")
    ledger = folder / "ledger.sqlite"
    emulator = Emulator(gateway_private, {MID: other_private.public_key()}, ledger=ledger)
    outputs: list[str] = []
    with emulator.start_server() as server:
        env = cli_env(folder, other_private, gateway_private, server.base_url,
                      C2P_CARD_PAN=PAN, C2P_CARD_EXPIRY=EXPIRY)  # fmt: skip

        def run(
            args: list[str], stdin: str | None = None, environ: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
            done = subprocess.run(
                [*CLI, "-vv", *args], env=environ or env, input=stdin, capture_output=True,
                text=True, timeout=120, check=False,
            )  # fmt: skip
            outputs.extend([done.stdout, done.stderr])
            return done

        added = run(["customer-tokens", "add", "--name", "Terrance", "--json"])
        assert added.returncode == 0, added.stderr
        token = json.loads(added.stdout)["token"]
        assert run(["customer-tokens", "get", token]).returncode == 0
        assert run(["customer-tokens", "update", token, "--name", "T. Tan"]).returncode == 0
        prompted = {k: v for k, v in env.items() if k not in ("C2P_CARD_PAN", "C2P_CARD_EXPIRY")}
        typed = run(["customer-tokens", "add", "--name", "P"], f"{PAN}\n{EXPIRY}\n", prompted)
        assert typed.returncode == 0, typed.stderr
        refused = run(["customer-tokens", "add", "--name", "T", "--email", "nope"])
        assert refused.returncode == 4
        luhn = run(
            ["customer-tokens", "add", "--name", "T"], None, {**env, "C2P_CARD_PAN": BAD_PAN}
        )
        assert luhn.returncode == 2
        assert "Luhn" in luhn.stderr
        long_name = run(["customer-tokens", "add", "--name", "N" * 60])
        assert long_name.returncode == 2
        assert run(["customer-tokens", "delete", token, "--json"]).returncode == 0
    emulator.close()
    files = [path for path in folder.iterdir() if path.name.startswith("ledger")]
    return outputs, b"".join(path.read_bytes() for path in files)


def test_cli_output_and_ledger_hold_no_card_data(cli_run: tuple[list[str], bytes]) -> None:
    outputs, ledger = cli_run
    text = "\n".join(outputs)
    assert MASKED in text
    assert f'"accountNo":"{MASKED}"' in text  # the -vv DEBUG log of the request
    assert PAN not in text
    assert BAD_PAN not in text
    assert _expiry_hits(text) == []
    assert PAN.encode() not in ledger
    assert b"2099" not in ledger
    assert MASKED.encode() in ledger
