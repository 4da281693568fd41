"""Card data (PCI DSS): the card number and expiry never show themselves outside the sealed XML.

The first part holds the types to their rules (checks, masks, copies, pickling, the XML
writer's one reveal). The second is the scan the issue asks for: one module-scoped run stores,
reads, updates and deletes cards, and fetches FX rates, through both clients, in process and
over real HTTP (urllib3 and aiohttp), with refusals and bad input along the way, at DEBUG;
then drives the ``2c2p tokens`` commands in subprocesses with ``-vv``. Everything the root
logger saw, the str/repr of every object and error, every error's traceback rendered with
its locals (the standard library's and pytest's ``--showlocals`` renderings), the emulator's
ledger file bytes and the subprocesses' stdout and stderr form the haystack, in which the
card number, the expiry and the FX secret key must not appear.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import pickle
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

from c2p_action import Codec
from c2p_action.client import AsyncClient, Client, RetryPolicy, redact_xml
from c2p_action.client._logging import mask_value
from c2p_action.codec import to_xml
from c2p_action.codec.xml import from_xml
from c2p_action.emulator import Emulator
from c2p_action.emulator.card_token import CardTokenRules
from c2p_action.emulator.fx import FxRules
from c2p_action.errors import C2PError, KeyProviderError, ValidationError, XmlError
from c2p_action.keys._delegated import DelegatedRSAPrivateKey
from c2p_action.operations import Mask
from c2p_action.operations.fx import MerchantSecret
from c2p_action.plugins import PluginManager
from c2p_action.schemas import CardExpiry, CardNumber, CardTokenAction, MaintenanceRequest
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

PAN = "5555555555554444"  # the Mastercard test number
MASKED = "555555XXXXXX4444"
# "99" cannot occur in a ddMMyyHHmmss time stamp, so a hit is the expiry, not a clock.
EXPIRY = "1299"
BAD_PAN = "5555555555554445"  # one digit off: fails the Luhn check
SECRET = "fx-secret-3f9a6b1c7d2e"
MID = "JT01"


# --- the types ------------------------------------------------------------------------------


def _rendered(error: BaseException) -> str:
    """The error as people see it: str, repr, and its traceback with locals (two renderers)."""
    standard = traceback.TracebackException.from_exception(error, capture_locals=True)
    showlocals = pytest.ExceptionInfo.from_exception(error).getrepr(
        showlocals=True, style="long", chain=True
    )
    return "\n".join([str(error), repr(error), "".join(standard.format()), str(showlocals)])


@pytest.mark.parametrize(
    ("given", "digits"),
    [
        ("4111111111111111", "4111111111111111"),
        ("4111 1111 1111 1111", "4111111111111111"),
        ("4111-1111-1111-1111", "4111111111111111"),
        ("378282246310005", "378282246310005"),  # 15 digits (Amex test number)
        ("6011111111111117", "6011111111111117"),
        ("4222222222222", "4222222222222"),  # 13 digits
        ("000000000000", "000000000000"),  # 12 digits, Luhn-valid
        ("6" + "0" * 17 + "4", "6" + "0" * 17 + "4"),  # 19 digits, Luhn-valid
    ],
)
def test_card_numbers_of_12_to_19_digits_with_a_good_luhn_digit_are_accepted(
    given: str, digits: str
) -> None:
    assert CardNumber(given).reveal() == digits


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("4111111111111112", "Luhn"),
        ("41111111111", "12 to 19 digits, not 11"),
        ("4" * 20, "12 to 19 digits, not 20"),
        ("", "only the digits"),
        ("4111a11111111111", "only the digits"),
        ("٤١١١١١١١١١١١١١١١", "only the digits"),  # Arabic-Indic digits are not ASCII
        ("4111.1111.1111.1111", "only the digits"),
        (4111111111111111, "not int"),
        (None, "not NoneType"),
    ],
)
def test_a_bad_card_number_is_refused_without_showing_it(given: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as raised:
        CardNumber(given)  # type: ignore[arg-type]
    text = str(raised.value) + repr(raised.value)
    assert "4111" not in text
    assert "1111" not in text


@pytest.mark.parametrize("length", range(12, 20))
def test_the_mask_is_first_six_and_last_four_like_the_debug_logs(length: int) -> None:
    digits = "4" + "0" * (length - 3) + "00"
    # Make the Luhn digit right.
    for last in "0123456789":
        candidate = digits[:-1] + last
        try:
            number = CardNumber(candidate)
        except ValidationError:
            continue
        break
    assert number.masked == mask_value(number.reveal(), Mask.PAN)
    shown = number.masked
    if length >= 13:
        assert shown[:6] == number.reveal()[:6]
        assert shown[-4:] == number.reveal()[-4:]
        assert shown[6:-4] == "X" * (length - 10)
    else:
        assert shown == "X" * 12  # too short to show anything (the logs do the same)


def test_every_rendering_shows_the_masked_form() -> None:
    number = CardNumber(PAN)
    expiry = CardExpiry(EXPIRY)
    assert repr(number) == f"CardNumber('{MASKED}')"
    assert str(number) == MASKED == f"{number}" == format(number, "")
    assert f"{number:>20}" == f"{MASKED:>20}"
    assert "%s %r" % (number, number) == f"{MASKED} CardNumber('{MASKED}')"  # noqa: UP031
    assert repr(expiry) == "CardExpiry('**/**')"
    assert str(expiry) == "**/**"
    assert number.last4 == "4444"
    assert copy.copy(number) is number
    assert copy.deepcopy(expiry) is expiry
    assert CardNumber(number) == number == CardNumber("5555 5555 5555 4444")
    assert number != PAN  # never equal to a plain string
    assert hash(number) == hash(CardNumber(PAN))
    assert CardExpiry("12/99") == expiry


def test_card_data_is_immutable_and_cannot_be_pickled() -> None:
    number = CardNumber(PAN)
    with pytest.raises(AttributeError):
        number._value = "4111111111111111"
    for value in (number, CardExpiry(EXPIRY)):
        with pytest.raises(ValidationError, match="cannot be pickled") as raised:
            pickle.dumps(value)
        assert PAN not in str(raised.value)
    with pytest.raises(ValidationError, match="cannot be pickled"):
        pickle.dumps(MaintenanceRequest(merchant_id=MID, pan=PAN, action=CardTokenAction.A))


@pytest.mark.parametrize(
    ("given", "ok"),
    [
        ("1230", True),
        ("12/30", True),
        (" 0131 ", True),
        ("1330", False),
        ("0030", False),
        ("123", False),
        ("12-30", False),
        ("abcd", False),
        (1230, False),
    ],
)
def test_expiry_is_mmyy(given: object, ok: bool) -> None:
    if ok:
        assert len(CardExpiry(given).reveal()) == 4  # type: ignore[arg-type]
    else:
        with pytest.raises(ValidationError, match="expiry"):
            CardExpiry(given)  # type: ignore[arg-type]


def test_a_refused_number_leaves_no_frame_holding_it() -> None:
    with pytest.raises(ValidationError) as raised:
        CardNumber(BAD_PAN)
    rendered = _rendered(raised.value)
    assert "Luhn" in rendered
    assert BAD_PAN not in rendered


def test_models_coerce_strings_and_show_only_the_mask() -> None:
    request = MaintenanceRequest(
        merchant_id=MID, pan=PAN, pan_expiry=EXPIRY, action=CardTokenAction.A
    )
    assert isinstance(request.pan, CardNumber)
    assert isinstance(request.pan_expiry, CardExpiry)
    assert PAN not in repr(request)
    assert EXPIRY not in repr(request)
    assert MASKED in repr(request)
    request.pan = "4111111111111111"
    assert request.pan == CardNumber("4111111111111111")
    with pytest.raises(ValidationError, match="takes a CardNumber"):
        request.pan = 4111111111111111
    with pytest.raises(ValidationError, match="Luhn"):
        MaintenanceRequest(merchant_id=MID, pan=BAD_PAN, action=CardTokenAction.A)


def test_the_xml_writer_is_where_the_digits_are_revealed() -> None:
    request = MaintenanceRequest(
        merchant_id=MID,
        pan=CardNumber(PAN),
        pan_expiry=CardExpiry("12/99"),
        action=CardTokenAction.A,
    )
    document = to_xml(request)
    assert f"<pan>{PAN}</pan>".encode() in document
    assert b"<panExpiry>1299</panExpiry>" in document
    back = from_xml(document, MaintenanceRequest)
    assert back == request
    assert isinstance(back.pan, CardNumber)
    # The DEBUG logs mask what the writer revealed.
    logged = redact_xml(document, {"pan": Mask.PAN, "panExpiry": Mask.ALL})
    assert PAN not in logged
    assert "1299" not in logged
    assert MASKED in logged


def test_the_xml_writer_refuses_card_data_of_the_wrong_type() -> None:
    request = MaintenanceRequest(merchant_id=MID, action=CardTokenAction.A)
    object.__setattr__(request, "pan", PAN)  # around the coercion, as a careless caller might
    with pytest.raises(ValidationError, match=r"MaintenanceRequest\.pan: expected a CardNumber"):
        to_xml(request)
    object.__setattr__(request, "pan", CardExpiry(EXPIRY))
    with pytest.raises(ValidationError, match="expected a CardNumber"):
        to_xml(request)


@pytest.mark.parametrize(
    ("element", "message"),
    [
        (b"<pan>4111111111111112</pan>", "MaintenanceRequest.pan is not a card number"),
        (b"<pan>4111</pan>", "MaintenanceRequest.pan is not a card number"),
        (b"<panExpiry>1399</panExpiry>", "MaintenanceRequest.panExpiry is not a card expiry"),
        (b"<pan><x/></pan>", "must not contain elements"),
    ],
)
def test_the_reader_checks_card_data_and_never_quotes_it(element: bytes, message: str) -> None:
    document = (
        b"<MaintenanceRequest><merchantID>JT01</merchantID>"
        + element
        + b"<action>A</action></MaintenanceRequest>"
    )
    with pytest.raises(XmlError, match=message) as raised:
        from_xml(document, MaintenanceRequest)
    assert b"4111" not in str(raised.value).encode()
    assert "1399" not in str(raised.value)


def test_an_empty_card_element_is_an_absent_value() -> None:
    document = (
        b"<MaintenanceRequest><merchantID>JT01</merchantID><storeCardUniqueID>1</storeCardUniqueID>"
        b"<pan></pan><panExpiry> </panExpiry><action>I</action></MaintenanceRequest>"
    )
    request = from_xml(document, MaintenanceRequest)
    assert request.pan is None
    assert request.pan_expiry is None


# --- the scan -------------------------------------------------------------------------------


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


def _calls(run: Evidence, client: Client) -> None:
    """Every card and FX operation, with refusals, on one sync client."""
    added = client.card_tokens.add(
        PAN,
        EXPIRY,
        "Terrance Tan",
        email="t@example.com",
        bank="OCBC",
        country="SG",
        currency="702",
    )
    run.objects.append(added)
    token = added.token
    assert token is not None
    run.record(lambda: client.card_tokens.inquiry(token))
    run.record(lambda: client.card_tokens.update(token, EXPIRY, "Terrance Tan", pan=PAN))
    run.record(lambda: client.card_tokens.add(PAN, EXPIRY, "T", email="not-an-email"))  # 05
    run.record(lambda: client.card_tokens.update("999", EXPIRY, "T", pan=PAN))  # 01
    run.record(lambda: client.card_tokens.add(BAD_PAN, EXPIRY, "T"))  # Luhn, nothing sent
    run.record(lambda: client.card_tokens.add(PAN, "1399", "T"))  # bad month, nothing sent
    run.record(lambda: client.card_tokens.add(PAN, EXPIRY, "T", countryy="SG"))  # type: ignore[call-arg]
    run.record(lambda: client.card_tokens.delete(token))
    run.record(lambda: client.card_tokens.delete(token))  # 01: already deleted
    run.record(lambda: client.fx.rate("840"))
    run.record(lambda: client.fx.rates(MerchantSecret(SECRET)))
    run.record(lambda: client.fx.rates(SECRET + "x"))  # 13
    run.record(lambda: client.fx.rates())  # refused: no secret


async def _async_calls(run: Evidence, client: AsyncClient) -> None:
    added = await client.card_tokens.add(PAN, EXPIRY, "Terrance Tan", email="t@example.com")
    run.objects.append(added)
    assert added.token is not None
    results = await asyncio.gather(
        client.card_tokens.inquiry(added.token),
        client.card_tokens.update(added.token, EXPIRY, "T", pan=PAN, email="bad"),  # 05
        client.card_tokens.add(BAD_PAN, EXPIRY, "T"),
        client.fx.rates(SECRET),
        client.fx.rates("wrong"),
        return_exceptions=True,
    )
    for result in results:
        run.record(lambda result=result: _reraise(result))  # type: ignore[misc]


def _reraise(result: object) -> object:
    if isinstance(result, BaseException):
        raise result
    return result


@pytest.fixture(scope="module")
def evidence(
    tmp_path_factory: pytest.TempPathFactory,
    merchant_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
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
        _full_run(run, ledger, merchant_private, gateway_private, gateway_public)
        # Logging through %s / %r and with a card number in the message itself.
        logging.getLogger("app").info("card %s / %r", CardNumber(PAN), CardExpiry(EXPIRY))
        logging.getLogger("app").info(CardNumber(PAN))
    finally:
        root.removeHandler(capture)
        root.setLevel(levels[0])
        package.setLevel(levels[1])
    run.texts += capture.lines
    run.ledger_bytes = b"".join(
        path.read_bytes() for path in ledger.parent.iterdir() if path.name.startswith("ledger")
    )
    return run


def _full_run(
    run: Evidence,
    ledger: Path,
    merchant_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    cards = CardTokenRules()
    emulator = Emulator(
        gateway_private,
        {MID: merchant_private.public_key()},
        ledger=ledger,
        families=[cards, FxRules(secret_keys={MID: SECRET})],
    )
    plugins = PluginManager(allow=())
    options: dict[str, Any] = {
        "retry": RetryPolicy(max_attempts=2, backoff_base=0.0),
        "plugins": plugins,
    }
    with Client(
        MID,
        merchant_private,
        gateway_public,
        transport=InProcessTransport(emulator.handle),
        **options,
    ) as client:
        run.objects.append(client)
        _calls(run, client)
    with emulator.start_server() as server:
        with Client(
            MID,
            merchant_private,
            gateway_public,
            environment=server.base_url,
            transport="urllib3",
            **options,
        ) as http_client:
            _calls(run, http_client)

        async def both_async() -> None:
            for transport in (InProcessTransport(emulator.ahandle), "aiohttp"):
                async with AsyncClient(
                    MID,
                    merchant_private,
                    gateway_public,
                    environment=server.base_url,
                    transport=transport,
                    **options,
                ) as client:
                    run.objects.append(client)
                    await _async_calls(run, client)

        asyncio.run(both_async())
    run.objects += [emulator, emulator.ledger, cards, *cards.cards()]
    run.objects.append(
        MaintenanceRequest(merchant_id=MID, pan=PAN, pan_expiry=EXPIRY, action=CardTokenAction.A)
    )
    emulator.close()


def test_the_run_went_through_every_path(evidence: Evidence) -> None:
    for name in (
        "InvalidRequestError",
        "NotFoundError",
        "ValidationError",
        "UnknownOptionError",
        "ConfigurationError",
    ):
        assert name in evidence.errors, name
    # The card was sent (the emulator masked and stored it) and DEBUG XML was logged.
    assert MASKED in evidence.haystack
    assert "<pan>555555XXXXXX4444</pan>" in evidence.haystack
    assert "<panExpiry>***</panExpiry>" in evidence.haystack
    assert "<hashValue>***</hashValue>" in evidence.haystack
    assert evidence.ledger_bytes
    assert MASKED.encode() in evidence.ledger_bytes
    assert "pan = CardNumber('555555XXXXXX4444')" in evidence.haystack  # locals were rendered


def _expiry_hits(text: str) -> list[str]:
    # The one number a log line may hold that is not data: a call's duration.
    text = re.sub(r"duration_ms=\d+", "", text)
    return re.findall(r"(?<![0-9])(?:1299|12/99)(?![0-9])", text)


def test_no_card_number_anywhere(evidence: Evidence) -> None:
    assert PAN not in evidence.haystack
    assert BAD_PAN not in evidence.haystack  # a mistyped number is card data too
    assert PAN.encode() not in evidence.ledger_bytes


def test_no_expiry_anywhere(evidence: Evidence) -> None:
    assert _expiry_hits(evidence.haystack) == []


def test_no_secret_key_anywhere(evidence: Evidence) -> None:
    assert SECRET not in evidence.haystack
    assert SECRET.encode().hex() not in evidence.haystack


def test_the_expiry_scan_would_find_a_leak() -> None:
    # The scan itself must be able to fail.
    assert _expiry_hits("panExpiry=1299 duration_ms=1299 12/99") == ["1299", "12/99"]


# --- the CLI, in subprocesses ----------------------------------------------------------------


CLI = [sys.executable, "-m", "c2p_action.cli"]


@pytest.fixture(scope="module")
def cli_run(
    tmp_path_factory: pytest.TempPathFactory,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> tuple[list[str], bytes]:
    folder = tmp_path_factory.mktemp("cli-card")
    ledger = folder / "ledger.sqlite"
    emulator = Emulator(gateway_private, {MID: other_private.public_key()}, ledger=ledger)
    outputs: list[str] = []
    with emulator.start_server() as server:
        env = cli_env(
            folder,
            other_private,
            gateway_private,
            server.base_url,
            C2P_CARD_PAN=PAN,
            C2P_CARD_EXPIRY=EXPIRY,
        )

        def run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
            done = subprocess.run(
                [*CLI, "-vv", *args],
                env=env,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            outputs.extend([done.stdout, done.stderr])
            return done

        added = run(["tokens", "add", "--name", "Terrance", "--json"])
        assert added.returncode == 0, added.stderr
        token = json.loads(added.stdout)["token"]
        assert run(["tokens", "inquiry", token]).returncode == 0
        update = ["tokens", "update", token, "--name", "T. Tan", "--change-pan"]
        assert run(update).returncode == 0
        # Card data typed at the prompt (standard input), the variables unset.
        prompted = {k: v for k, v in env.items() if k not in ("C2P_CARD_PAN", "C2P_CARD_EXPIRY")}
        done = subprocess.run(
            [*CLI, "-vv", "tokens", "add", "--name", "P"],
            env=prompted,
            input=f"{PAN}\n{EXPIRY}\n",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        outputs.extend([done.stdout, done.stderr])
        assert done.returncode == 0, done.stderr
        refused = run(["tokens", "add", "--name", "T", "--email", "nope"])
        assert refused.returncode == 4
        luhn = subprocess.run(
            [*CLI, "-vv", "tokens", "add", "--name", "T"],
            env={**env, "C2P_CARD_PAN": BAD_PAN},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        outputs.extend([luhn.stdout, luhn.stderr])
        assert luhn.returncode == 2
        assert "Luhn" in luhn.stderr
        assert run(["tokens", "delete", token, "--json"]).returncode == 0
    emulator.close()
    files = [path for path in folder.iterdir() if path.name.startswith("ledger")]
    return outputs, b"".join(path.read_bytes() for path in files)


def test_cli_output_and_ledger_hold_no_card_data(cli_run: tuple[list[str], bytes]) -> None:
    outputs, ledger = cli_run
    text = "\n".join(outputs)
    assert MASKED in text
    assert "<pan>555555XXXXXX4444</pan>" in text
    assert PAN not in text
    assert BAD_PAN not in text
    assert _expiry_hits(text) == []
    assert PAN.encode() not in ledger
    assert MASKED.encode() in ledger


def test_cli_help_says_why_card_data_is_never_an_argument() -> None:
    done = subprocess.run(
        [*CLI, "tokens", "add", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert "shell history" in done.stdout
    assert "ps" in done.stdout
    assert "--pan " not in done.stdout  # no option takes the number itself


def test_the_sealed_message_does_carry_the_digits(
    merchant_codec: Codec, gateway_codec: Codec
) -> None:
    # What the masking hides from everything else is what 2C2P must receive.
    request = MaintenanceRequest(
        merchant_id=MID, pan=PAN, pan_expiry=EXPIRY, action=CardTokenAction.A
    )
    token = merchant_codec.seal(to_xml(request))
    assert PAN not in token
    opened = gateway_codec.open(token)
    assert f"<pan>{PAN}</pan><panExpiry>{EXPIRY}</panExpiry>".encode() in opened


# --- a key that fails while the card data is being sealed -------------------------------------


class UnavailableHsm(DelegatedRSAPrivateKey):
    """Stand-in for an HSM that is down: every private-key operation fails as a provider
    would report it (a real token cannot be made to fail on cue here)."""

    backend = "stand-in HSM"

    def sign_pss_sha256(self, message: bytes) -> bytes:
        raise KeyProviderError("stand-in HSM unavailable", retryable=True)

    def sign_pkcs1v15_sha256(self, message: bytes) -> bytes:
        raise KeyProviderError("stand-in HSM unavailable")

    def decrypt_oaep_sha1(self, ciphertext: bytes) -> bytes:
        raise KeyProviderError("stand-in HSM unavailable")


def test_a_key_failing_while_sealing_leaves_no_plaintext_in_the_traceback(
    other_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    key = UnavailableHsm(other_private.public_key(), "slot 0")
    sent: list[TransportRequest] = []

    def never(request: TransportRequest) -> TransportResponse:
        sent.append(request)
        return TransportResponse(500, b"")

    client = Client(
        MID,
        key,
        gateway_public,
        transport=InProcessTransport(never),
        plugins=PluginManager(allow=()),
    )
    with client, pytest.raises(KeyProviderError) as raised:
        client.card_tokens.add(PAN, EXPIRY, "T")
    rendered = _rendered(raised.value)
    assert "stand-in HSM unavailable" in rendered
    assert PAN not in rendered
    assert _expiry_hits(rendered) == []
    assert sent == []


def test_an_xml_writer_error_after_the_number_leaves_no_digits_in_the_traceback() -> None:
    # cardholderName is written after pan: the partial document held the revealed digits.
    request = MaintenanceRequest(
        merchant_id=MID, pan=PAN, cardholder_name="T" * 51, action=CardTokenAction.A
    )
    with pytest.raises(ValidationError, match="cardholderName: longer than 50") as refused:
        to_xml(request)
    rendered = _rendered(refused.value)
    assert "out = []" in rendered  # the locals were rendered, and the partial output cleared
    assert PAN not in rendered
