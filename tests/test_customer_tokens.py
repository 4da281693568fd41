"""Customer token maintenance 3.0: the samples, the table, the emulator, both clients, the CLI.

2C2P's samples (tests/data/customer_token) parse and round-trip; the operations table says what
the reference says; every operation runs through both clients against the emulator, in process
and over real HTTP (urllib3 and aiohttp); answers are bound to their requests; add, update and
delete are never repeated and a lost answer says what to check. Answers the emulator would never
give come from a stand-in gateway that seals whatever the test says, with the real codec.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _cli_support import cli_env
from _family_support import MODES, Driver
from _forge import nested
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import AsyncClient, Client, RetryPolicy, Settings
from c2p_action.codec import from_json, to_json
from c2p_action.codec import inspect as inspect_token
from c2p_action.emulator import Emulator, Faults
from c2p_action.emulator.customer_token import (
    EMULATOR_CODES,
    PATHS,
    CustomerTokenRules,
    StoredCustomerToken,
)
from c2p_action.errors import (
    ConfigurationError,
    GatewayError,
    JsonError,
    OutcomeUnknownError,
    ResponseMismatchError,
    TransportError,
    UnknownOptionError,
    ValidationError,
)
from c2p_action.operations import (
    BodyFormat,
    Envelope,
    Evidence,
    Mask,
    RetrySafety,
    get_operation,
    operation_for,
)
from c2p_action.operations.customer_token import (
    ADD,
    DELETE,
    GET,
    OPERATIONS,
    UPDATE,
    AsyncCustomerTokenService,
    CustomerTokenResult,
    CustomerTokenService,
    build_add,
    build_delete,
    build_get,
    build_update,
)
from c2p_action.plugins import PluginManager
from c2p_action.schemas import (
    CardExpiryDate,
    CardNumber,
    CustomerTokenAddRequest,
    CustomerTokenCode,
    CustomerTokenDeleteRequest,
    CustomerTokenGetRequest,
    CustomerTokenResponse,
    CustomerTokenUpdateRequest,
)
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "customer_token"
PAN = "4111111111111111"
MASKED = "411111XXXXXX1111"
MID = "JT01"
FAST = RetryPolicy(max_attempts=3, backoff_base=0.0)


def _value(document: bytes) -> Any:
    return json.loads(document, parse_float=Decimal)


# --- 2C2P's samples --------------------------------------------------------------------------

SAMPLES: list[tuple[str, type[Any]]] = [
    ("add-request.json", CustomerTokenAddRequest),
    ("add-response.json", CustomerTokenResponse),
    ("update-request.json", CustomerTokenUpdateRequest),
    ("get-delete-request.json", CustomerTokenGetRequest),
    ("get-delete-request.json", CustomerTokenDeleteRequest),
    ("delete-response.json", CustomerTokenResponse),
]


@pytest.mark.parametrize(("name", "model"), SAMPLES)
def test_every_sample_parses_and_round_trips(name: str, model: type[Any]) -> None:
    sample = (DATA / name).read_bytes()
    parsed = from_json(sample, model)
    assert parsed.extra == {}  # every member of every sample is a declared one
    written = to_json(parsed)
    assert from_json(written, model) == parsed
    # The same JSON value, members in the same order (the line breaks are JSON whitespace).
    assert _value(written) == _value(sample)
    assert list(_value(written)) == list(_value(sample))
    assert written == json.dumps(_value(sample), separators=(",", ":")).encode()


def test_the_samples_values_and_types() -> None:
    add = from_json((DATA / "add-request.json").read_bytes(), CustomerTokenAddRequest)
    assert add == CustomerTokenAddRequest(
        merchant_id="458458000000000",
        account_no=CardNumber(PAN),
        name="Terrance",
        email="(email)",
        expiry=CardExpiryDate("2024-02-01"),
        account_issuer="UOB Bank",
        account_issuer_country="SG",
        account_currency="SGD",
        token_provider="CC",
    )
    assert isinstance(add.account_no, CardNumber)
    assert add.expiry is not None
    assert add.expiry.reveal() == "2024-02-01"  # kept as sent: the first of the month
    assert PAN not in repr(add)
    assert "2024-02-01" not in repr(add)

    answer = from_json((DATA / "add-response.json").read_bytes(), CustomerTokenResponse)
    assert (answer.token, answer.account_no, answer.response_code) == (
        "261020155003189559",
        MASKED,
        "0000",
    )
    assert type(answer.account_no) is str  # the masked number stays text
    assert "2024-02-01" not in repr(answer)

    update = from_json((DATA / "update-request.json").read_bytes(), CustomerTokenUpdateRequest)
    assert update.expiry == CardExpiryDate("2024-09-30")
    assert update.expiry == CardExpiryDate("09/24")  # the last day of the month
    deleted = from_json((DATA / "delete-response.json").read_bytes(), CustomerTokenResponse)
    assert (deleted.merchant_id, deleted.token, deleted.response_desc) == (
        "458458000000000",
        "261020155003189559",
        "Success",
    )


# --- the table -------------------------------------------------------------------------------


@pytest.mark.parametrize(("operation", "name"), [(ADD, "add"), (UPDATE, "update"),
                                                 (GET, "get"), (DELETE, "delete")])  # fmt: skip
def test_each_operation_is_posted_where_2c2p_prints_it(
    operation: Any, name: str, merchant_private: rsa.RSAPrivateKey
) -> None:
    path = f"/customertoken/3.0/CustomerToken/{name}"
    sandbox = Settings(merchant_id=MID, merchant_key=merchant_private)
    assert sandbox.url_for(operation.endpoint) == "https://sandbox-pgw.2c2p.com" + path
    production = Settings(
        merchant_id=MID,
        merchant_key=merchant_private,
        gateway_key=merchant_private.public_key(),
        environment="production",
    )
    assert production.url_for(operation.endpoint) == "https://pgw.2c2p.com" + path
    assert PATHS[name] == path


def test_the_table_says_what_the_reference_says() -> None:
    assert [op.name for op in OPERATIONS] == [
        "customer_tokens.add",
        "customer_tokens.update",
        "customer_tokens.get",
        "customer_tokens.delete",
    ]
    for op in OPERATIONS:
        assert (op.envelope, op.body) == (Envelope.NESTED, BodyFormat.JSON)
        assert op.endpoint.service == "pgw"
        assert get_operation(op.name) is op
        assert op.inferred
        assert op.inferred_flag
        assert op.codes.enum is CustomerTokenCode
        assert (op.codes.code_field, op.codes.description_field) == (
            "response_code",
            "response_desc",
        )
        assert op.codes.success == {"0000"}
        assert not op.codes.errors  # no subclass chosen on a guess
        assert [b.name for b in op.binding] == ["merchantID", "token"]
        assert op.masked == {
            "accountNo": Mask.PAN,
            "expiry": Mask.ALL,
            "name": Mask.ALL,
            "email": Mask.ALL,
        }
    assert [op.evidence for op in OPERATIONS] == [
        Evidence.DOCUMENTED,
        Evidence.INFERRED,
        Evidence.INFERRED,
        Evidence.INFERRED,
    ]
    assert [op.retry for op in OPERATIONS] == [
        RetrySafety.NEVER,
        RetrySafety.NEVER,
        RetrySafety.ALWAYS,
        RetrySafety.NEVER,
    ]
    assert "customer_tokens.get" in UPDATE.lost_answer
    assert "customer_tokens.get" in DELETE.lost_answer
    assert "portal" in ADD.lost_answer
    assert CustomerTokenCode("0000") is CustomerTokenCode.SUCCESS
    assert CustomerTokenCode.SUCCESS.description == "Success"
    assert CustomerTokenCode("4001").known is False


def test_send_finds_each_operation_from_its_request_model() -> None:
    expiry = CardExpiryDate("1230")
    assert operation_for(build_add(MID, CardNumber(PAN), expiry, "T")) is ADD
    assert operation_for(build_update(MID, "1", expiry, "T")) is UPDATE
    assert operation_for(build_get(MID, "1")) is GET
    assert operation_for(build_delete(MID, "1")) is DELETE


def test_the_builders_write_what_the_samples_show() -> None:
    request = build_add(
        "458458000000000",
        CardNumber(PAN),
        CardExpiryDate("2024-02-01"),
        "Terrance",
        {"email": "(email)", "bank": "UOB Bank", "country": "sg", "currency": "sgd"},
    )
    sample = (DATA / "add-request.json").read_bytes()
    assert to_json(request) == to_json(from_json(sample, CustomerTokenAddRequest))
    update = build_update("458458000000000", "261020155003189559", CardExpiryDate("09/24"),
                          "Terrance", {"email": "(email)", "bank": "HSBC Bank",
                                       "country": "MY", "currency": "MYR"})  # fmt: skip
    sample = (DATA / "update-request.json").read_bytes()
    assert to_json(update) == to_json(from_json(sample, CustomerTokenUpdateRequest))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: build_get(MID, ""), "token"),
        (lambda: build_delete(MID, "   "), "token"),
        (lambda: build_get(MID, 5), "token"),  # type: ignore[arg-type]
        (lambda: build_add(MID, CardNumber(PAN), CardExpiryDate("1230"), ""), "name"),
        (lambda: build_update(MID, "1", CardExpiryDate("1230"), None), "name"),  # type: ignore[arg-type]
        (lambda: build_add(MID, CardNumber(PAN), CardExpiryDate("1230"), "T",
                           {"country": "SGP"}), "alpha-2"),
        (lambda: build_add(MID, CardNumber(PAN), CardExpiryDate("1230"), "T",
                           {"currency": "702"}), "alphabetic ISO 4217"),
    ],
)  # fmt: skip
def test_the_builders_refuse_what_an_operation_cannot_send(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        build()


# --- through both clients ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[tuple[Emulator, CustomerTokenRules, str]]:
    tokens = CustomerTokenRules()
    emulator = Emulator(gateway_private, {MID: merchant_public}, families=[tokens])
    with emulator.start_server() as server:
        yield emulator, tokens, server.base_url
    emulator.close()


@pytest.fixture(params=MODES)
def driver(
    request: pytest.FixtureRequest,
    served: tuple[Emulator, CustomerTokenRules, str],
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> Iterator[Driver]:
    emulator, _, base_url = served
    driver = Driver(request.param, emulator, merchant_private, gateway_public, base_url)
    yield driver
    driver.close()


def test_every_operation_through_every_client(
    driver: Driver, served: tuple[Emulator, CustomerTokenRules, str]
) -> None:
    _, tokens, _ = served
    added: CustomerTokenResult = driver.do(
        lambda c: c.customer_tokens.add(
            CardNumber(PAN),
            "12/30",
            "Terrance",
            email="t@example.com",
            bank="UOB Bank",
            country="SG",
            currency="SGD",
        )
    )
    assert isinstance(added, CustomerTokenResult)
    assert added.code is CustomerTokenCode.SUCCESS
    token = added.token
    assert token is not None
    assert re.fullmatch(r"[0-9]{18}", token)
    assert (added.masked_account_no, added.name, added.bank, added.country, added.currency) == (
        MASKED,
        "Terrance",
        "UOB Bank",
        "SG",
        "SGD",
    )
    assert added.expiry == CardExpiryDate("2030-12-31")  # echoed by the add answer
    assert [t for t in tokens.tokens(MID) if t.token == token] == [
        StoredCustomerToken(MID, token, MASKED, "Terrance", "t@example.com", "UOB Bank", "SG",
                            "SGD"),
    ]  # fmt: skip

    found = driver.do(lambda c: c.customer_tokens.get(token))
    assert (found.token, found.masked_account_no, found.email) == (token, MASKED, "t@example.com")
    assert found.expiry is None  # the emulator never keeps the expiry

    updated = driver.do(
        lambda c: c.customer_tokens.update(token, "2031-01-31", "T. Tan", bank="HSBC Bank")
    )
    assert (updated.token, updated.name, updated.bank, updated.country) == (
        token,
        "T. Tan",
        "HSBC Bank",
        "SG",
    )
    assert updated.expiry == CardExpiryDate("01/31")

    deleted = driver.do(lambda c: c.customer_tokens.delete(token))
    assert (deleted.code.value, deleted.token, deleted.masked_account_no) == ("0000", token, None)
    with pytest.raises(GatewayError) as gone:
        driver.do(lambda c: c.customer_tokens.get(token))
    assert type(gone.value) is GatewayError  # an undocumented code: never a guessed subclass
    assert (gone.value.code, gone.value.description) == ("9004", "Customer token not found")
    assert isinstance(gone.value.code, CustomerTokenCode)
    assert gone.value.code.known is False
    assert [t for t in tokens.tokens(MID) if t.token == token] == []


def test_refusals_through_every_client(driver: Driver) -> None:
    with pytest.raises(GatewayError) as email:
        driver.do(lambda c: c.customer_tokens.add(PAN, "1230", "T", email="not an email"))
    assert (type(email.value), email.value.code) == (GatewayError, "9005")
    with pytest.raises(GatewayError) as unknown:
        driver.do(lambda c: c.customer_tokens.update("999", "1230", "T"))
    assert unknown.value.code == "9004"


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
            lambda: client.customer_tokens.add("4111111111111112", "1230", "T"),
            lambda: client.customer_tokens.add(PAN, "1330", "T"),
            lambda: client.customer_tokens.add(PAN, "2030-02-30", "T"),
            lambda: client.customer_tokens.add(PAN, "1230", ""),
            lambda: client.customer_tokens.add(PAN, "1230", "T" * 51),  # name is C 50
            lambda: client.customer_tokens.add(PAN, "1230", "T", email="e" * 51),
            lambda: client.customer_tokens.get(""),
            lambda: client.customer_tokens.get("9" * 256),  # token is AN 255
            lambda: client.customer_tokens.update("1", "99/99", "T"),
            lambda: client.customer_tokens.delete("1", timeout=0),
        ]
        for call in calls:
            with pytest.raises(ValidationError):
                call()
        with pytest.raises(UnknownOptionError, match="emial"):
            client.customer_tokens.add(PAN, "1230", "T", emial="x")  # type: ignore[call-arg]
        with pytest.raises(UnknownOptionError):
            client.customer_tokens.get("1", email="x")  # type: ignore[call-arg]
    assert sent == []


def _send(emulator: Emulator, codec: Codec, operation: str, document: bytes) -> Any:
    """Post ``document`` sealed to ``operation``'s path; the opened, parsed answer."""
    answer = emulator.handle(
        TransportRequest("http://emulator.test" + PATHS[operation],
                         codec.seal(document).encode(), {}, 10.0)
    )  # fmt: skip
    assert answer.status == 200
    return from_json(codec.open(answer.body), CustomerTokenResponse)


@pytest.mark.parametrize(
    ("operation", "document", "code"),
    [
        ("add", b'{"merchantID":"JT01"}', "9001"),  # no accountNo
        ("add", b'{"merchantID":"JT01","accountNo":"4111111111111112","tokenProvider":"CC"}',
         "9001"),  # Luhn
        ("add", b'{"merchantID":"JT01","accountNo":"' + MASKED.encode() + b'","tokenProvider":'
         b'"CC","name":"T","expiry":"2030-12-31"}', "9001"),  # a masked number is no card
        ("add", b'{"merchantID":"JT01","accountNo":"4111111111111111","tokenProvider":"CC",'
         b'"expiry":"2030-12-31"}', "9002"),  # no name
        ("add", b'{"merchantID":"JT01","accountNo":"4111111111111111","tokenProvider":"CC",'
         b'"name":"T"}', "9002"),  # no expiry
        ("add", b'{"merchantID":"JT02","accountNo":"4111111111111111","tokenProvider":"CC",'
         b'"name":"T","expiry":"2030-12-31"}', "9003"),  # another merchant's ID
        ("add", b'{"merchantID":"JT01","accountNo":"4111111111111111","tokenProvider":"MA",'
         b'"name":"T","expiry":"2030-12-31"}', "9006"),
        ("update", b'{"merchantID":"JT01","token":"1","name":"T","expiry":"2030-12-31",'
         b'"tokenProvider":"XX"}', "9006"),
        ("get", b'{"merchantID":"JT01","token":"1","token":"2"}', "9001"),
        ("delete", b'[]', "9001"),
    ],
)  # fmt: skip
def test_the_emulator_refuses_with_its_own_codes_and_stores_nothing(
    served: tuple[Emulator, CustomerTokenRules, str],
    merchant_codec: Codec,
    operation: str,
    document: bytes,
    code: str,
) -> None:
    emulator, tokens, _ = served
    before = tokens.tokens()
    answer = _send(emulator, merchant_codec, operation, document)
    assert (answer.response_code, answer.response_desc) == (code, EMULATOR_CODES[code])
    assert tokens.tokens() == before


def test_the_requests_are_nested_json_at_the_pgw_paths(
    gateway_codec: Codec, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    sent: list[TransportRequest] = []

    def handle(request: TransportRequest) -> TransportResponse:
        sent.append(request)
        answer = b'{"merchantID":"JT01","token":"7","responseCode":"0000"}'
        return TransportResponse(200, gateway_codec.seal(answer).encode(), {})

    with Client(MID, merchant_private, gateway_public, transport=InProcessTransport(handle),
                plugins=PluginManager(allow=())) as client:  # fmt: skip
        assert client.customer_tokens.add(PAN, "02/24", "T").token == "7"
    (request,) = sent
    assert request.url == "https://sandbox-pgw.2c2p.com/customertoken/3.0/CustomerToken/add"
    info = inspect_token(request.body)
    assert info.envelope == "JWS(JWE)"
    assert info.jwe_header == {"alg": "RSA-OAEP", "enc": "A256GCM"}
    assert PAN.encode() not in request.body
    # What 2C2P decrypts carries the card number and the expiry date: the last day of 02/24.
    assert gateway_codec.open(request.body) == (
        b'{"merchantID":"JT01","accountNo":"4111111111111111","name":"T",'
        b'"expiry":"2024-02-29","tokenProvider":"CC"}'
    )


def test_an_answer_without_typ_in_its_outer_header_is_accepted(
    gateway_private: rsa.RSAPrivateKey,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    # 2C2P's customer-token sample token has the outer header {"alg":"PS256"}.
    def handle(request: TransportRequest) -> TransportResponse:
        answer = b'{"merchantID":"JT01","token":"7","responseCode":"0000"}'
        token = nested(answer, gateway_private, merchant_private.public_key(),
                       jws_header=b'{"alg":"PS256"}')  # fmt: skip
        assert inspect_token(token).jws_header == {"alg": "PS256"}
        return TransportResponse(200, token.encode(), {})

    with Client(MID, merchant_private, gateway_public, transport=InProcessTransport(handle),
                plugins=PluginManager(allow=())) as client:  # fmt: skip
        assert client.customer_tokens.get("7").token == "7"


# --- retries and lost answers ------------------------------------------------------------------


def test_add_update_delete_are_never_repeated_and_get_is(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    tokens = CustomerTokenRules()
    emulator = Emulator(gateway_private, {MID: merchant_public}, families=[tokens])
    with Client(MID, merchant_private, gateway_public, retry=FAST,
                transport=InProcessTransport(emulator.handle),
                plugins=PluginManager(allow=())) as client:  # fmt: skip
        emulator.faults = Faults.parse(["drop_after_commit=1x"])
        with pytest.raises(OutcomeUnknownError, match="merchant portal") as lost:
            client.customer_tokens.add(PAN, "1230", "T")
        assert isinstance(lost.value, TransportError)
        assert len(tokens.tokens()) == 1  # stored once, and the client did not send it again
        token = tokens.tokens()[0].token
        emulator.faults = Faults.parse(["drop_after_commit=1x"])
        with pytest.raises(OutcomeUnknownError, match=r"customer_tokens\.get\(token\)"):
            client.customer_tokens.update(token, "1230", "Changed")
        assert tokens.tokens()[0].name == "Changed"  # carried out once
        emulator.faults = Faults.parse(["error_before=1x"])
        found = client.customer_tokens.get(token)
        assert (found.attempts, found.name) == (2, "Changed")
        emulator.faults = Faults.parse(["drop_after_commit=1x"])
        with pytest.raises(OutcomeUnknownError, match="no longer knows the token"):
            client.customer_tokens.delete(token)
        assert tokens.tokens() == []
    emulator.close()


# --- answers the emulator would never give ----------------------------------------------------


def _stand_in(gateway_codec: Codec, answer: dict[str, Any]) -> InProcessTransport:
    """Test-only stand-in gateway: opens the sealed request, seals ``answer`` as JSON."""

    def handle(request: TransportRequest) -> TransportResponse:
        gateway_codec.open(request.body)
        return TransportResponse(200, gateway_codec.seal(json.dumps(answer).encode()).encode())

    return InProcessTransport(handle)


def _client(transport: InProcessTransport, keys: tuple[Any, Any]) -> Client:
    return Client(MID, *keys, transport=transport, retry=FAST, plugins=PluginManager(allow=()))


_OK = {"merchantID": MID, "token": "1", "responseCode": "0000", "responseDesc": "Success"}


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({**_OK, "token": "2"}, "token '2' instead of '1'"),
        ({**_OK, "merchantID": "JT02"}, "merchantID 'JT02' instead of 'JT01'"),
        ({k: v for k, v in _OK.items() if k != "token"}, r"no token \(sent '1'\)"),
        ({k: v for k, v in _OK.items() if k != "merchantID"}, r"no merchantID \(sent 'JT01'\)"),
        # A refusal about another token is not this request's refusal either.
        ({**_OK, "token": "2", "responseCode": "4001"}, "token '2' instead of '1'"),
    ],
)
def test_an_answer_about_another_token_or_merchant_is_a_mismatch(
    gateway_codec: Codec,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    answer: dict[str, Any],
    message: str,
) -> None:
    with (
        _client(_stand_in(gateway_codec, answer), (merchant_private, gateway_public)) as client,
        pytest.raises(ResponseMismatchError, match=message),
    ):
        client.customer_tokens.delete("1")


def test_answers_the_emulator_would_never_give(
    gateway_codec: Codec, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    keys = (merchant_private, gateway_public)
    # A 0000 add without a token still stored the card: a result, never a failure.
    bare = {"merchantID": MID, "responseCode": "0000", "accountNo": MASKED, "channelCode": "VI",
            "subChannelCode": "", "tokenReference": "", "somethingNew": [1, 2]}  # fmt: skip
    with _client(_stand_in(gateway_codec, bare), keys) as client:
        result = client.customer_tokens.add(PAN, "1230", "T")
    assert (result.token, result.masked_account_no, result.channel_code) == (None, MASKED, "VI")
    assert (result.sub_channel_code, result.token_reference) == (None, None)
    assert result.response.extra == {"somethingNew": [1, 2]}
    # An undocumented code (PGW 4.x style) is a GatewayError with the gateway's own text.
    refused = {**_OK, "responseCode": "4001", "responseDesc": "Invalid token"}
    with (
        _client(_stand_in(gateway_codec, refused), keys) as client,
        pytest.raises(GatewayError) as raised,
    ):
        client.customer_tokens.get("1")
    assert type(raised.value) is GatewayError
    assert (raised.value.code, raised.value.description) == ("4001", "Invalid token")
    # A full card number in an answer is read as the type that masks itself.
    full = {**_OK, "accountNo": PAN}
    with _client(_stand_in(gateway_codec, full), keys) as client:
        shown = client.customer_tokens.get("1")
    assert shown.masked_account_no == MASKED
    assert PAN not in repr(shown)
    # Anything else in accountNo is refused without being quoted.
    odd = {**_OK, "accountNo": "4111111111111112"}
    with _client(_stand_in(gateway_codec, odd), keys) as client, pytest.raises(JsonError) as bad:
        client.customer_tokens.get("1")
    assert "accountNo is not a card number, full or masked" in str(bad.value)
    assert "4111111111111112" not in str(bad.value)


# --- the ledger ---------------------------------------------------------------------------------


def test_customer_tokens_survive_a_restart_of_a_file_ledger(
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
        with Client(MID, merchant_private, gateway_public,
                    transport=InProcessTransport(emulator.handle),
                    plugins=PluginManager(allow=())) as client:  # fmt: skip
            if tokens:
                assert client.customer_tokens.get(tokens[0]).masked_account_no == MASKED
            token = client.customer_tokens.add(PAN, "2099-12-31", "T").token
            assert token is not None
            tokens.append(token)
        emulator.close()
    assert tokens[0] != tokens[1]  # the counter continues after the restart
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("ledger"))
    assert PAN.encode() not in data
    assert b"2099" not in data
    assert MASKED.encode() in data


def test_an_uninstalled_family_says_so() -> None:
    with pytest.raises(ConfigurationError, match="not installed"):
        CustomerTokenRules().tokens()


# --- the CLI, in subprocesses -------------------------------------------------------------------

CLI = [sys.executable, "-m", "c2p_action.cli"]


def test_customer_tokens_commands_print_tables_and_exit_codes(
    tmp_path: Path,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> None:
    emulator = Emulator(gateway_private, {MID: other_private.public_key()})
    with emulator.start_server() as server:
        env = cli_env(tmp_path, other_private, gateway_private, server.base_url,
                      C2P_CARD_PAN=PAN, C2P_CARD_EXPIRY="2099-12-31")  # fmt: skip

        def run(*args: str, stdin: str | None = None, **extra: str) -> Any:
            return subprocess.run(
                [*CLI, *args], env={**env, **extra}, input=stdin, capture_output=True,
                text=True, timeout=120, check=False,
            )  # fmt: skip

        added = run("customer-tokens", "add", "--name", "Terrance", "--bank", "UOB Bank",
                    "--country", "SG", "--json")  # fmt: skip
        assert added.returncode == 0, added.stderr
        record = json.loads(added.stdout)
        assert (record["ok"], record["operation"], record["code"]) == (
            True,
            "customer_tokens.add",
            "0000",
        )
        assert record["masked_account_no"] == MASKED
        token = record["token"]
        got = run("customer-tokens", "get", token)
        assert got.returncode == 0, got.stderr
        assert re.search(r"card\s+411111XXXXXX1111", got.stdout)
        assert "UOB Bank" in got.stdout
        updated = run("customer-tokens", "update", token, "--name", "T. Tan",
                      C2P_CARD_EXPIRY="01/31")  # fmt: skip
        assert updated.returncode == 0, updated.stderr
        assert "T. Tan" in updated.stdout
        refused = run("customer-tokens", "add", "--name", "T", "--email", "nope", "--json")
        assert refused.returncode == 4
        assert json.loads(refused.stdout)["code"] == "9005"
        # Card data typed at the prompt (standard input), the variables unset.
        prompted = {k: v for k, v in env.items() if k not in ("C2P_CARD_PAN", "C2P_CARD_EXPIRY")}
        typed = subprocess.run(
            [*CLI, "customer-tokens", "add", "--name", "P"], env=prompted,
            input=f"{PAN}\n12/99\n", capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert typed.returncode == 0, typed.stderr
        no_card = subprocess.run(
            [*CLI, "customer-tokens", "add", "--name", "T"], env=prompted, input="",
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert no_card.returncode == 3
        assert "set C2P_CARD_PAN or type it at the prompt" in no_card.stderr
        bad_expiry = run("customer-tokens", "add", "--name", "T", C2P_CARD_EXPIRY="2099-02-30")
        assert bad_expiry.returncode == 2
        assert "day" in bad_expiry.stderr
        deleted = run("customer-tokens", "delete", token)
        assert deleted.returncode == 0
        missing = run("customer-tokens", "delete", token, "--json")
        assert missing.returncode == 4
        assert json.loads(missing.stdout)["code"] == "9004"
        for done in (added, got, updated, typed, deleted):
            assert PAN not in done.stdout + done.stderr
            assert "2099-12-31" not in done.stdout + done.stderr
    emulator.close()


def test_cli_help_says_why_card_data_is_never_an_argument() -> None:
    done = subprocess.run([*CLI, "customer-tokens", "add", "--help"], capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0
    assert "shell history" in done.stdout
    assert "--pan " not in done.stdout  # no option takes the number itself


# --- the docs -----------------------------------------------------------------------------------

DOC = ROOT / "docs" / "customer-tokens.md"


def test_the_docs_name_every_operation_its_evidence_and_pci_scope() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "```python" in text
    assert "SAQ D" in text
    for op in OPERATIONS:
        assert op.name in text
    for code in EMULATOR_CODES:
        assert code in text  # every invented code is listed as such
    assert "invention" in text


# --- sync and async -----------------------------------------------------------------------------


def test_the_async_service_has_the_sync_signatures() -> None:
    sync, async_ = CustomerTokenService, AsyncCustomerTokenService
    names = [name for name in vars(sync) if not name.startswith("_")]
    assert names == ["add", "get", "update", "delete"]
    assert names == [name for name in vars(async_) if not name.startswith("_")]
    for name in names:
        method, twin = getattr(sync, name), getattr(async_, name)
        assert inspect.iscoroutinefunction(twin)
        assert not inspect.iscoroutinefunction(method)
        assert inspect.signature(method) == inspect.signature(twin), name
        assert method.__doc__ == twin.__doc__, name
    assert vars(Client)["customer_tokens"].fget.__annotations__["return"] == sync.__name__
    assert vars(AsyncClient)["customer_tokens"].fget.__annotations__["return"] == async_.__name__
