"""Card token (stored card) maintenance: the sample, the table, the emulator, both clients.

Every operation runs through both clients against the emulator, in process and over real
HTTP (urllib3 and aiohttp). Answers the emulator cannot give (another root, another token)
come from a stand-in gateway that seals whatever the test says, with the real codec.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _cli_support import cli_env
from _family_support import MODES, Driver
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from c2p_action import Codec
from c2p_action.client import AsyncClient, Client
from c2p_action.codec import to_xml
from c2p_action.codec.xml import REFERENCE_PARSER, from_xml
from c2p_action.emulator import Emulator, Faults
from c2p_action.emulator.card_token import CardTokenRules
from c2p_action.errors import (
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    ResponseMismatchError,
    TransportError,
    UnknownOptionError,
    ValidationError,
    XmlError,
)
from c2p_action.operations import Envelope, Evidence, Mask, RetrySafety, operation_for
from c2p_action.operations.card_token import (
    ADD,
    DELETE,
    INQUIRY,
    OPERATIONS,
    UPDATE,
    AsyncCardTokenService,
    CardTokenResult,
    CardTokenService,
    build_request,
)
from c2p_action.operations.fx import AsyncFxService, FxService
from c2p_action.plugins import PluginManager
from c2p_action.schemas import (
    XML_REQUEST_MODELS,
    XML_RESPONSE_MODELS,
    CardExpiry,
    CardNumber,
    CardTokenAction,
    MaintenanceRequest,
    MaintenanceResponse,
    RespCode,
)
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "card_token"
XSD = ROOT / "c2p_action" / "schemas" / "card_token.xsd"
PAN = "4111111111111111"
MID = "JT01"


def _compact(document: bytes) -> bytes:
    return re.sub(rb">\s+<", b"><", document.strip())


# --- the sample -----------------------------------------------------------------------------


def test_the_add_sample_parses_with_every_field() -> None:
    request = from_xml((DATA / "add-request.xml").read_bytes(), MaintenanceRequest)
    assert request == MaintenanceRequest(
        version="2.3",
        time_stamp="050321102154",
        merchant_id="JT01",
        store_card_unique_id="",
        pan=CardNumber(PAN),
        pan_currency="702",
        pan_bank="OCBC",
        pan_country="SG",
        cardholder_name="Terrance",
        cardholder_email="(email)",
        pan_expiry=CardExpiry("1230"),
        action=CardTokenAction.A,
    )
    # xsdata's own parser reads the same model (the card fields become the card types).
    reference = REFERENCE_PARSER.from_bytes(
        (DATA / "add-request.xml").read_bytes(), MaintenanceRequest
    )
    assert reference == request


def test_the_add_sample_round_trips_byte_for_byte() -> None:
    sample = (DATA / "add-request.xml").read_bytes()
    request = from_xml(sample, MaintenanceRequest)
    assert to_xml(request) == _compact(sample)
    assert from_xml(to_xml(request), MaintenanceRequest) == request


def test_the_sample_and_what_the_client_writes_are_valid_against_the_xsd() -> None:
    # XSD 1.0 validators refuse the response's trailing wildcard (see test_xml.strict_schema).
    wildcard = b'<xs:any namespace="##any" processContents="lax" minOccurs="0" '
    wildcard += b'maxOccurs="unbounded"/>'
    schema = etree.XMLSchema(etree.fromstring(XSD.read_bytes().replace(wildcard, b"")))
    documents = [(DATA / "add-request.xml").read_bytes()]
    for action in CardTokenAction:
        documents.append(
            to_xml(
                build_request(
                    MID,
                    action,
                    token="123",
                    pan=CardNumber(PAN),
                    expiry=CardExpiry("1230"),
                    cardholder_name="T",
                    options={"email": "t@example.com", "country": "sg"},
                )
            )
        )
    for document in documents:
        assert schema.validate(etree.fromstring(document)), schema.error_log


def test_the_roots_are_bound_by_name_on_the_shared_path() -> None:
    assert MaintenanceRequest in XML_REQUEST_MODELS
    assert MaintenanceResponse in XML_RESPONSE_MODELS


# --- the table ------------------------------------------------------------------------------


def test_the_operations_as_the_reference_gives_them() -> None:
    assert [op.name for op in OPERATIONS] == [
        "card_tokens.add",
        "card_tokens.inquiry",
        "card_tokens.update",
        "card_tokens.delete",
    ]
    for op in OPERATIONS:
        assert op.envelope is Envelope.NESTED
        assert op.endpoint.sandbox_path == "/2C2PFrontend/PaymentAction/2.0/action"
        assert op.evidence is Evidence.INFERRED
        assert any("MaintenanceResponse" in note for note in op.inferred)
        assert op.masked["pan"] is Mask.PAN
        assert op.masked["panExpiry"] is Mask.ALL
        assert op.codes.code_field == "resp_code"
        assert op.codes.description_field == "resp_reason"
    assert [op.retry for op in OPERATIONS] == [
        RetrySafety.NEVER,
        RetrySafety.ALWAYS,
        RetrySafety.NEVER,
        RetrySafety.NEVER,
    ]
    assert ADD.codes.error_class("01") is NotFoundError
    assert ADD.codes.error_class("04") is InvalidRequestError
    assert ADD.codes.error_class("05") is InvalidRequestError


@pytest.mark.parametrize(
    ("action", "operation"),
    [(CardTokenAction.A, ADD), ("I", INQUIRY), (CardTokenAction.U, UPDATE), ("D", DELETE)],
)
def test_send_finds_the_operation_from_the_action(action: Any, operation: Any) -> None:
    assert operation_for(MaintenanceRequest(merchant_id=MID, action=action)) is operation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": CardTokenAction.I}, "token"),
        ({"action": CardTokenAction.D, "token": "  "}, "token"),
        ({"action": CardTokenAction.A}, "cardholder_name"),
        ({"action": CardTokenAction.U, "token": "1", "cardholder_name": ""}, "cardholder_name"),
        (
            {"action": CardTokenAction.A, "cardholder_name": "T", "options": {"country": "SGP"}},
            "alpha-2",
        ),
        (
            {"action": CardTokenAction.A, "cardholder_name": "T", "options": {"currency": "SGD"}},
            "numeric ISO 4217",
        ),
    ],
)
def test_the_builder_refuses_what_an_action_cannot_do(kwargs: Any, message: str) -> None:
    action = kwargs.pop("action")
    with pytest.raises(ValidationError, match=message):
        build_request(MID, action, **kwargs)


def test_add_sends_the_token_as_an_empty_element_like_the_sample() -> None:
    request = build_request(
        MID, CardTokenAction.A, pan=CardNumber(PAN), expiry=CardExpiry("1230"), cardholder_name="T"
    )
    assert b"<storeCardUniqueID></storeCardUniqueID>" in to_xml(request)
    assert request.version == "2.3"
    assert re.fullmatch(r"[0-9]{12}", request.time_stamp or "")


# --- through both clients ------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[tuple[Emulator, CardTokenRules, str]]:
    cards = CardTokenRules()
    emulator = Emulator(gateway_private, {MID: merchant_public}, families=[cards])
    with emulator.start_server() as server:
        yield emulator, cards, server.base_url
    emulator.close()


@pytest.fixture(params=MODES)
def driver(
    request: pytest.FixtureRequest,
    served: tuple[Emulator, CardTokenRules, str],
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> Iterator[Driver]:
    emulator, _, base_url = served
    driver = Driver(request.param, emulator, merchant_private, gateway_public, base_url)
    yield driver
    driver.close()


def test_every_operation_through_every_client(
    driver: Driver, served: tuple[Emulator, CardTokenRules, str]
) -> None:
    _, cards, _ = served
    added: CardTokenResult = driver.do(
        lambda c: c.card_tokens.add(
            CardNumber(PAN),
            "12/30",
            "Terrance",
            email="t@example.com",
            bank="OCBC",
            country="SG",
            currency="702",
        )
    )
    assert isinstance(added, CardTokenResult)
    assert added.code == RespCode.SUCCESS
    token = added.token
    assert token is not None
    assert (added.masked_pan, added.cardholder_name, added.bank, added.country) == (
        "411111XXXXXX1111",
        "Terrance",
        "OCBC",
        "SG",
    )
    stored = [c for c in cards.cards(MID) if c.token == token]
    assert [(c.masked_pan, c.cardholder_email, c.currency) for c in stored] == [
        ("411111XXXXXX1111", "t@example.com", "702"),
    ]

    found = driver.do(lambda c: c.card_tokens.inquiry(token))
    assert (found.token, found.masked_pan) == (token, "411111XXXXXX1111")

    updated = driver.do(
        lambda c: c.card_tokens.update(
            token,
            CardExpiry("0131"),
            "T. Tan",
            pan="5555 5555 5555 4444",
            bank="DBS",
        )
    )
    assert (updated.masked_pan, updated.cardholder_name, updated.bank, updated.country) == (
        "555555XXXXXX4444",
        "T. Tan",
        "DBS",
        "SG",
    )

    deleted = driver.do(lambda c: c.card_tokens.delete(token))
    assert (deleted.code, deleted.token) == ("00", token)
    with pytest.raises(NotFoundError) as gone:
        driver.do(lambda c: c.card_tokens.inquiry(token))
    assert (gone.value.code, gone.value.description) == ("01", "Stored card ID cannot be found")
    assert [c for c in cards.cards(MID) if c.token == token] == []


def test_refusals_through_every_client(driver: Driver) -> None:
    with pytest.raises(InvalidRequestError) as email:
        driver.do(lambda c: c.card_tokens.add(PAN, "1230", "T", email="not an email"))
    assert email.value.code == "05"
    with pytest.raises(InvalidRequestError) as malformed:
        driver.do(lambda c: c.card_tokens.inquiry("not-a-token"))
    assert malformed.value.code == "04"
    with pytest.raises(NotFoundError) as unknown:
        driver.do(lambda c: c.card_tokens.update("999999", "1230", "T"))
    assert unknown.value.code == "01"


def test_bad_input_is_refused_before_anything_is_sent(
    merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    sent: list[TransportRequest] = []

    def handler(request: TransportRequest) -> TransportResponse:
        sent.append(request)
        return TransportResponse(500, b"")

    with Client(
        MID,
        merchant_private,
        gateway_public,
        transport=InProcessTransport(handler),
        plugins=PluginManager(allow=()),
    ) as client:
        calls: list[Callable[[], object]] = [
            lambda: client.card_tokens.add("4111111111111112", "1230", "T"),
            lambda: client.card_tokens.add(PAN, "1330", "T"),
            lambda: client.card_tokens.add(PAN, "1230", ""),
            lambda: client.card_tokens.add(PAN, "1230", "T" * 51),  # cardholderName is C 50
            lambda: client.card_tokens.inquiry(""),
            lambda: client.card_tokens.update("1", "1230", "T", pan="123"),
            lambda: client.card_tokens.delete("1", timeout=0),
        ]
        for call in calls:
            with pytest.raises(ValidationError):
                call()
        with pytest.raises(UnknownOptionError, match="emial"):
            client.card_tokens.add(PAN, "1230", "T", emial="x")  # type: ignore[call-arg]
        with pytest.raises(UnknownOptionError):
            client.card_tokens.inquiry("1", email="x")  # type: ignore[call-arg]
    assert sent == []


def test_the_emulator_answers_other_refusals_with_their_codes(
    served: tuple[Emulator, CardTokenRules, str],
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    emulator = served[0]
    with Client(
        MID,
        merchant_private,
        gateway_public,
        transport=InProcessTransport(emulator.handle),
        plugins=PluginManager(allow=()),
    ) as client:
        cases = [
            # another merchant's ID under this merchant's signature (a replayed token): 03
            (
                MaintenanceRequest(
                    merchant_id="JT02", store_card_unique_id="1", action=CardTokenAction.I
                ),
                "03",
                NotFoundError,
            ),
            # an add without the name one source marks mandatory: 10
            (
                MaintenanceRequest(
                    merchant_id=MID, pan=PAN, pan_expiry="1230", action=CardTokenAction.A
                ),
                "10",
                InvalidRequestError,
            ),
            # an add that carries a token: 11 (the emulator's choice)
            (
                MaintenanceRequest(
                    merchant_id=MID,
                    store_card_unique_id="5",
                    pan=PAN,
                    pan_expiry="1230",
                    cardholder_name="T",
                    action=CardTokenAction.A,
                ),
                "11",
                InvalidRequestError,
            ),
        ]
        for request, code, error in cases:
            with pytest.raises(error) as raised:
                client.send(request)
            assert raised.value.code == code


def test_an_unreadable_request_gets_02_and_changes_nothing(
    served: tuple[Emulator, CardTokenRules, str], merchant_codec: Codec
) -> None:
    emulator, cards, base_url = served
    before = cards.cards()
    document = (
        b"<MaintenanceRequest><merchantID>JT01</merchantID><pan>4111111111111112</pan>"
        b"<panExpiry>1230</panExpiry><cardholderName>T</cardholderName>"
        b"<action>A</action></MaintenanceRequest>"
    )
    answer = emulator.handle(
        TransportRequest(
            base_url + ADD.endpoint.sandbox_path, merchant_codec.seal(document).encode(), {}, 10.0
        )
    )
    assert answer.status == 200
    response = from_xml(merchant_codec.open(answer.body), MaintenanceResponse)
    assert response.resp_code == "02"
    assert cards.cards() == before


# --- retries -------------------------------------------------------------------------------


def test_add_is_never_repeated_and_inquiry_is(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    cards = CardTokenRules()
    emulator = Emulator(gateway_private, {MID: merchant_public}, families=[cards])
    with Client(
        MID,
        merchant_private,
        gateway_public,
        transport=InProcessTransport(emulator.handle),
        plugins=PluginManager(allow=()),
        max_attempts=3,
    ) as client:
        emulator.faults = Faults.parse(["drop_after_commit=1x"])
        with pytest.raises(TransportError):
            client.card_tokens.add(PAN, "1230", "T")
        assert len(cards.cards()) == 1  # stored once, and the client did not send it again
        emulator.faults = Faults.parse(["error_before=1x"])
        found = client.card_tokens.inquiry(cards.cards()[0].token)
        assert found.attempts == 2
    emulator.close()


# --- answers the emulator would never give --------------------------------------------------


def _stand_in(gateway_codec: Codec, answer: bytes) -> InProcessTransport:
    """A gateway that answers every request with ``answer``, sealed for real."""
    return InProcessTransport(
        lambda request: TransportResponse(200, gateway_codec.seal(answer).encode())
    )


@pytest.mark.parametrize(
    ("root", "named"),
    [
        (b"CardTokenResponse", True),
        (b"StoreCardMaintenanceResponse", True),
        (b"ns:Odd xmlns:ns='urn:x'", False),
        (b"R" + b"x" * 80, False),
    ],
)
def test_an_answer_with_another_root_names_it_so_it_can_be_reported(
    gateway_codec: Codec,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    root: bytes,
    named: bool,
) -> None:
    tag = root.split(b" ")[0]
    answer = b"<" + root + b"><respCode>00</respCode><panMasked>4111</panMasked></" + tag + b">"
    client = Client(
        MID,
        merchant_private,
        gateway_public,
        transport=_stand_in(gateway_codec, answer),
        plugins=PluginManager(allow=()),
    )
    with client, pytest.raises(XmlError) as raised:
        client.card_tokens.inquiry("1")
    message = str(raised.value)
    assert "root element is not MaintenanceResponse" in message
    assert (f"(got {tag.decode()})" in message) is named
    assert "4111" not in message
    assert "respCode" not in message


def test_an_answer_about_another_card_is_a_mismatch(
    gateway_codec: Codec, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    answer = (
        b"<MaintenanceResponse><respCode>00</respCode><storeCardUniqueID>777"
        b"</storeCardUniqueID></MaintenanceResponse>"
    )
    with Client(
        MID,
        merchant_private,
        gateway_public,
        transport=_stand_in(gateway_codec, answer),
        plugins=PluginManager(allow=()),
    ) as client:
        with pytest.raises(ResponseMismatchError, match="storeCardUniqueID '777' instead of '1'"):
            client.card_tokens.delete("1")
        # The token is compared only when the answer carries one (an UNCONFIRMED echo).
        bare = _stand_in(
            gateway_codec, b"<MaintenanceResponse><respCode>00</respCode></MaintenanceResponse>"
        )
    with Client(
        MID, merchant_private, gateway_public, transport=bare, plugins=PluginManager(allow=())
    ) as client:
        assert client.card_tokens.delete("1").token is None


# --- the ledger ----------------------------------------------------------------------------


def test_stored_cards_survive_a_restart_of_a_file_ledger(
    tmp_path: Path,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    ledger = tmp_path / "ledger.sqlite"
    tokens: list[str] = []
    for _ in range(2):
        emulator = Emulator(gateway_private, {MID: merchant_public}, ledger=ledger)
        with Client(
            MID,
            merchant_private,
            gateway_public,
            transport=InProcessTransport(emulator.handle),
            plugins=PluginManager(allow=()),
        ) as client:
            if tokens:
                assert client.card_tokens.inquiry(tokens[0]).masked_pan == "411111XXXXXX1111"
            token = client.card_tokens.add(PAN, "1230", "T").token
            assert token is not None
            tokens.append(token)
        emulator.close()
    assert tokens[0] != tokens[1]  # the counter continues after the restart
    assert PAN.encode() not in ledger.read_bytes()


def test_an_uninstalled_family_says_so() -> None:
    with pytest.raises(ConfigurationError, match="not installed"):
        CardTokenRules().cards()


# --- the CLI, in subprocesses ----------------------------------------------------------------

CLI = [sys.executable, "-m", "c2p_action.cli"]


def test_tokens_commands_print_tables_and_exit_codes(
    tmp_path: Path,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> None:
    emulator = Emulator(gateway_private, {MID: other_private.public_key()})
    with emulator.start_server() as server:
        env = cli_env(
            tmp_path,
            other_private,
            gateway_private,
            server.base_url,
            C2P_CARD_PAN=PAN,
            C2P_CARD_EXPIRY="1230",
        )

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
            )

        added = run("tokens", "add", "--name", "Terrance", "--bank", "OCBC")
        assert added.returncode == 0, added.stderr
        assert "411111XXXXXX1111" in added.stdout
        token = re.search(r"token\s+(\d+)", added.stdout)
        assert token is not None
        inquiry = run("tokens", "inquiry", token.group(1))
        assert inquiry.returncode == 0
        assert "OCBC" in inquiry.stdout
        missing = run("tokens", "delete", "424242", "--json")
        assert missing.returncode == 4
        assert '"code": "01"' in missing.stdout
        no_card = subprocess.run(
            [*CLI, "tokens", "add", "--name", "T"],
            env={k: v for k, v in env.items() if k != "C2P_CARD_PAN"},
            input="",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert no_card.returncode == 3
        assert "set C2P_CARD_PAN or type it at the prompt" in no_card.stderr
    emulator.close()


# --- the docs -------------------------------------------------------------------------------

DOC = ROOT / "docs" / "card-tokens.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.M | re.S)


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_the_docs_examples_run(source: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", source],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert PAN not in result.stdout + result.stderr


def test_the_docs_say_what_pci_scope_means() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert BLOCKS
    assert "SAQ D" in text
    for op in OPERATIONS:
        assert op.name in text


# --- sync and async ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sync", "async_", "prop"),
    [
        (CardTokenService, AsyncCardTokenService, "card_tokens"),
        (FxService, AsyncFxService, "fx"),
    ],
)
def test_the_async_services_have_the_sync_signatures(sync: type, async_: type, prop: str) -> None:
    names = [name for name in vars(sync) if not name.startswith("_")]
    assert names == [name for name in vars(async_) if not name.startswith("_")]
    assert names
    for name in names:
        method, twin = getattr(sync, name), getattr(async_, name)
        assert inspect.iscoroutinefunction(twin)
        assert not inspect.iscoroutinefunction(method)
        assert inspect.signature(method) == inspect.signature(twin), name
        assert method.__doc__ == twin.__doc__, name
    # One typed property per service on each client.
    assert vars(Client)[prop].fget.__annotations__["return"] == sync.__name__
    assert vars(AsyncClient)[prop].fget.__annotations__["return"] == async_.__name__
