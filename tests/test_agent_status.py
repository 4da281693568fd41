"""Agent status inquiry (FPX Malaysia, UNCONFIRMED): samples, table, emulator, both clients, CLI.

The samples (tests/data/agent_status) parse and round-trip; the table says what the reference
says and that everything rests on inference; ``client.agents.status`` runs through both clients
against the emulator, in process and over real HTTP (urllib3 and aiohttp), by agent codes and
for every enabled agent; answers are bound to their requests.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _cli_support import cli_env
from _family_support import MODES, Driver
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import AsyncClient, Client, RetryPolicy, Settings
from c2p_action.codec import from_json, to_json
from c2p_action.emulator import Emulator, Faults
from c2p_action.emulator.agent_status import (
    DEFAULT_AGENTS,
    EMULATOR_CODES,
    ENABLED_PATH,
    INQUIRY_PATH,
    AgentStatusRules,
)
from c2p_action.errors import (
    ConfigurationError,
    GatewayError,
    JsonError,
    ResponseMismatchError,
    UnknownOptionError,
    ValidationError,
)
from c2p_action.operations import (
    BodyFormat,
    Envelope,
    Evidence,
    RetrySafety,
    get_operation,
    operation_for,
)
from c2p_action.operations.agent_status import (
    OPERATIONS,
    STATUS,
    STATUS_ENABLED,
    AgentsService,
    AgentStatusResult,
    AsyncAgentsService,
    build_request,
)
from c2p_action.plugins import PluginManager
from c2p_action.schemas import (
    AgentStatus,
    AgentStatusCode,
    AgentStatusRequest,
    AgentStatusResponse,
)
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "agent_status"
MID = "JT01"
FAST = RetryPolicy(max_attempts=3, backoff_base=0.0)


def _value(document: bytes) -> Any:
    return json.loads(document, parse_float=Decimal)


# --- the samples --------------------------------------------------------------------------------

SAMPLES: list[tuple[str, type[Any]]] = [
    ("inquiry-request.json", AgentStatusRequest),
    ("enabled-agents-request.json", AgentStatusRequest),
    ("response.json", AgentStatusResponse),
]


@pytest.mark.parametrize(("name", "model"), SAMPLES)
def test_every_sample_parses_and_round_trips(name: str, model: type[Any]) -> None:
    sample = (DATA / name).read_bytes()
    parsed = from_json(sample, model)
    assert parsed.extra == {}
    written = to_json(parsed)
    assert from_json(written, model) == parsed
    assert _value(written) == _value(sample)
    assert written == json.dumps(_value(sample), separators=(",", ":")).encode()


def test_the_samples_values() -> None:
    response = from_json((DATA / "response.json").read_bytes(), AgentStatusResponse)
    assert response.agents == [
        AgentStatus(agent_code="MYMBB", is_down=True),
        AgentStatus(agent_code="MYABB", is_down=True),
    ]
    assert (response.merchant_id, response.resp_code, response.resp_desc) == (
        "458458000000000",
        "0000",
        "Success",
    )
    by_codes = from_json((DATA / "inquiry-request.json").read_bytes(), AgentStatusRequest)
    assert by_codes == build_request("458458000000000", ["MYMBB", "MYABB"])
    assert operation_for(by_codes) is STATUS
    enabled = from_json((DATA / "enabled-agents-request.json").read_bytes(), AgentStatusRequest)
    assert enabled == build_request("458458000000000")
    assert operation_for(enabled) is STATUS_ENABLED


# --- the table ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("operation", "path"), [(STATUS, "/AgentStatus/v1/Inquiry"),
                         (STATUS_ENABLED, "/AgentStatus/v1/InquiryEnabledAgents")])  # fmt: skip
def test_each_operation_is_posted_where_the_sources_print_it(
    operation: Any, path: str, merchant_private: rsa.RSAPrivateKey
) -> None:
    sandbox = Settings(merchant_id=MID, merchant_key=merchant_private)
    assert sandbox.url_for(operation.endpoint) == "https://sandbox-pgw.2c2p.com" + path
    production = Settings(
        merchant_id=MID,
        merchant_key=merchant_private,
        gateway_key=merchant_private.public_key(),
        environment="production",
    )
    assert production.url_for(operation.endpoint) == "https://pgw.2c2p.com" + path


def test_the_table_labels_everything_inferred() -> None:
    assert [op.name for op in OPERATIONS] == ["agents.status", "agents.status_enabled"]
    assert (
        STATUS.endpoint.sandbox_path,
        STATUS_ENABLED.endpoint.sandbox_path,
    ) == (INQUIRY_PATH, ENABLED_PATH)
    for op in OPERATIONS:
        assert (op.envelope, op.body, op.evidence, op.retry) == (
            Envelope.NESTED,
            BodyFormat.JSON,
            Evidence.INFERRED,
            RetrySafety.ALWAYS,
        )
        assert get_operation(op.name) is op
        assert any("envelope" in note for note in op.inferred)
        assert any("secondary sources" in note for note in op.inferred)
        assert op.codes.enum is AgentStatusCode
        assert (op.codes.code_field, op.codes.description_field) == ("resp_code", "resp_desc")
        assert op.codes.success == {"0000"}
        assert not op.codes.errors
        assert [b.name for b in op.binding] == ["merchantID", "agentCode"]
    assert AgentStatusCode.SUCCESS.description == "Success"


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (["MY MBB"], "printable ASCII characters without spaces"),
        ([""], "1 to 25"),
        (["X" * 26], "1 to 25"),
        ([5], "1 to 25"),
        ("MYMBB", "one per argument"),
        ([f"A{n}" for n in range(51)], r"at most 50 agent codes per inquiry \(51 given\)"),
    ],
)
def test_bad_agent_codes_are_refused(codes: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        build_request(MID, codes)


def test_fifty_codes_and_repeats() -> None:
    assert len(build_request(MID, [f"A{n}" for n in range(50)]).agent_codes) == 50
    # A code given twice is asked once (so 51 arguments with one repeat are 50 codes).
    request = build_request(MID, ["MYMBB", *[f"A{n}" for n in range(49)], "MYMBB"])
    assert len(request.agent_codes) == 50
    assert request.agent_codes[0] == "MYMBB"


# --- through both clients -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[tuple[Emulator, AgentStatusRules, str]]:
    agents = AgentStatusRules()
    emulator = Emulator(gateway_private, {MID: merchant_public}, families=[agents])
    with emulator.start_server() as server:
        yield emulator, agents, server.base_url
    emulator.close()


@pytest.fixture(params=MODES)
def driver(
    request: pytest.FixtureRequest,
    served: tuple[Emulator, AgentStatusRules, str],
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> Iterator[Driver]:
    emulator, agents, base_url = served
    agents.set_agents(DEFAULT_AGENTS)
    driver = Driver(request.param, emulator, merchant_private, gateway_public, base_url)
    yield driver
    driver.close()


def test_status_by_codes_and_of_every_enabled_agent_through_every_client(
    driver: Driver, served: tuple[Emulator, AgentStatusRules, str]
) -> None:
    _, agents, _ = served
    asked: AgentStatusResult = driver.do(lambda c: c.agents.status("MYMBB", "MYPBB", "MYXXX"))
    assert isinstance(asked, AgentStatusResult)
    assert asked.operation == "agents.status"
    assert asked.code is AgentStatusCode.SUCCESS
    assert asked.agents == [
        AgentStatus(agent_code="MYMBB", is_down=True),
        AgentStatus(agent_code="MYPBB", is_down=False),
    ]
    assert (asked.down, asked.up) == (["MYMBB"], ["MYPBB"])
    assert asked.agent("MYXXX") is None  # not listed: the emulator does not know it

    everyone = driver.do(lambda c: c.agents.status())
    assert everyone.operation == "agents.status_enabled"
    assert {a.agent_code: a.is_down for a in everyone.agents} == dict(DEFAULT_AGENTS)

    agents.set_down("MYMBB", False)
    agents.set_down("MYNEW")
    again = driver.do(lambda c: c.agents.status("MYMBB", "MYNEW"))
    assert (again.up, again.down) == (["MYMBB"], ["MYNEW"])


def test_bad_input_is_refused_before_anything_is_sent(
    merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    sent: list[TransportRequest] = []

    def handler(request: TransportRequest) -> TransportResponse:
        sent.append(request)
        return TransportResponse(500, b"")

    with Client(MID, merchant_private, gateway_public, transport=InProcessTransport(handler),
                plugins=PluginManager(allow=())) as client:  # fmt: skip
        with pytest.raises(ValidationError, match="at most 50"):
            client.agents.status(*[f"A{n}" for n in range(51)])
        with pytest.raises(ValidationError):
            client.agents.status("MY MBB")
        with pytest.raises(UnknownOptionError, match="codes"):
            client.agents.status(codes=["MYMBB"])  # type: ignore[call-arg]
    assert sent == []


def test_a_read_is_retried_after_an_error(
    served: tuple[Emulator, AgentStatusRules, str],
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    emulator = served[0]
    with Client(MID, merchant_private, gateway_public, retry=FAST,
                transport=InProcessTransport(emulator.handle),
                plugins=PluginManager(allow=())) as client:  # fmt: skip
        emulator.faults = Faults.parse(["error_before=1x"])
        try:
            assert client.agents.status("MYMBB").attempts == 2
            emulator.faults = Faults.parse(["drop_after_commit=1x"])
            assert client.agents.status().attempts == 2
        finally:
            emulator.faults = Faults()


def _post(emulator: Emulator, codec: Codec, path: str, document: bytes) -> AgentStatusResponse:
    answer = emulator.handle(
        TransportRequest("http://emulator.test" + path, codec.seal(document).encode(), {}, 10.0)
    )
    assert answer.status == 200
    return from_json(codec.open(answer.body), AgentStatusResponse)


@pytest.mark.parametrize(
    ("path", "document", "code"),
    [
        (INQUIRY_PATH, b'{"merchantID":"JT01"}', "9002"),
        (ENABLED_PATH, b'{"merchantID":"JT01","agentCodes":["MYMBB"]}', "9002"),
        (INQUIRY_PATH, b'{"merchantID":"JT02","agentCodes":["MYMBB"]}', "9003"),
        (INQUIRY_PATH, b'{"merchantID":"JT01","agentCodes":[' + b",".join(
            b'"A%d"' % n for n in range(51)) + b"]}", "9004"),
        (INQUIRY_PATH, b'{"merchantID":"JT01","agentCodes":"MYMBB"}', "9001"),
        (INQUIRY_PATH, b'{"merchantID":"JT01","agentCodes":[1]}', "9001"),
        (ENABLED_PATH, b"<xml/>", "9001"),
    ],
)  # fmt: skip
def test_the_emulator_refuses_with_its_own_codes(
    served: tuple[Emulator, AgentStatusRules, str],
    merchant_codec: Codec,
    path: str,
    document: bytes,
    code: str,
) -> None:
    answer = _post(served[0], merchant_codec, path, document)
    assert (answer.resp_code, answer.resp_desc) == (code, EMULATOR_CODES[code])
    assert answer.agents == []


def test_the_emulator_answers_the_sample_like_the_sample(
    served: tuple[Emulator, AgentStatusRules, str], merchant_codec: Codec
) -> None:
    emulator, agents, _ = served
    agents.set_agents(DEFAULT_AGENTS)
    sample = (DATA / "inquiry-request.json").read_bytes().replace(b"458458000000000", b"JT01")
    answer = _post(emulator, merchant_codec, INQUIRY_PATH, sample)
    expected = from_json((DATA / "response.json").read_bytes(), AgentStatusResponse)
    expected.merchant_id = MID
    assert answer == expected


def test_the_agent_table_is_configurable_and_kept_in_a_ledger_file(
    tmp_path: Path, gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    ledger = tmp_path / "ledger.sqlite"
    configured = AgentStatusRules({"MYBIMB": False})
    Emulator(gateway_private, {MID: merchant_public}, ledger=ledger,
             families=[configured]).close()  # fmt: skip
    kept = AgentStatusRules()  # no table given: the file's table is kept, not the defaults
    emulator = Emulator(gateway_private, {MID: merchant_public}, ledger=ledger, families=[kept])
    assert kept.agents() == {"MYBIMB": False}
    kept.set_down("MYBIMB")
    assert kept.agents() == {"MYBIMB": True}
    emulator.close()
    with pytest.raises(ConfigurationError, match="is-down"):
        AgentStatusRules({"MYMBB": "yes"})  # type: ignore[dict-item]
    with pytest.raises(ConfigurationError, match="not installed"):
        AgentStatusRules().agents()


def test_a_new_ledger_gets_the_default_table(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    fresh = AgentStatusRules()
    emulator = Emulator(gateway_private, {MID: merchant_public}, families=[fresh])
    assert fresh.agents() == dict(DEFAULT_AGENTS)
    assert dict(DEFAULT_AGENTS) == {"MYMBB": True, "MYABB": True, "MYPBB": False, "MYAMB": False}
    emulator.close()


# --- answers the emulator would never give ------------------------------------------------------


def _stand_in(gateway_codec: Codec, answer: dict[str, Any]) -> InProcessTransport:
    """Test-only stand-in gateway: opens the sealed request, seals ``answer`` as JSON."""

    def handle(request: TransportRequest) -> TransportResponse:
        gateway_codec.open(request.body)
        return TransportResponse(200, gateway_codec.seal(json.dumps(answer).encode()).encode())

    return InProcessTransport(handle)


def _client(transport: InProcessTransport, keys: tuple[Any, Any]) -> Client:
    return Client(MID, *keys, transport=transport, retry=FAST, plugins=PluginManager(allow=()))


_OK: dict[str, Any] = {
    "agents": [{"agentCode": "MYMBB", "isDown": False}],
    "merchantID": MID,
    "respCode": "0000",
    "respDesc": "Success",
}


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({**_OK, "agents": [{"agentCode": "MYMBB", "isDown": False},
                            {"agentCode": "MYHLB", "isDown": True}]},
         "agentCode 'MYHLB' instead of 'one of MYMBB, MYABB'"),
        ({**_OK, "merchantID": "JT02"}, "merchantID 'JT02' instead of 'JT01'"),
        ({k: v for k, v in _OK.items() if k != "merchantID"}, r"no merchantID \(sent 'JT01'\)"),
    ],
)  # fmt: skip
def test_an_answer_about_other_agents_or_another_merchant_is_a_mismatch(
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
        client.agents.status("MYMBB", "MYABB")


def test_answers_the_emulator_would_never_give(
    gateway_codec: Codec, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    keys = (merchant_private, gateway_public)
    # Every enabled agent: any code may be listed.
    with _client(_stand_in(gateway_codec, {**_OK, "agents": [
            {"agentCode": "MYHLB", "isDown": True, "since": "x"}]}), keys) as client:  # fmt: skip
        result = client.agents.status()
    assert result.down == ["MYHLB"]
    assert result.agents[0].extra == {"since": "x"}
    refused = {"merchantID": MID, "respCode": "4001", "respDesc": "Invalid agent"}
    with (
        _client(_stand_in(gateway_codec, refused), keys) as client,
        pytest.raises(GatewayError) as raised,
    ):
        client.agents.status("MYMBB")
    assert type(raised.value) is GatewayError
    assert (raised.value.code, raised.value.description) == ("4001", "Invalid agent")
    for agents, message in (
        ([{"agentCode": "MYMBB", "isDown": "true"}], "isDown is not true or false"),
        ([{"agentCode": "MYMBB"}], "isDown is missing"),
        ([{"isDown": True}], "agentCode is missing"),
    ):
        with (
            _client(_stand_in(gateway_codec, {**_OK, "agents": agents}), keys) as client,
            pytest.raises(JsonError, match=message),
        ):
            client.agents.status("MYMBB")


# --- the CLI, in subprocesses -------------------------------------------------------------------

CLI = [sys.executable, "-m", "c2p_action.cli"]


def test_agents_command_prints_a_table_or_json(
    tmp_path: Path, other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> None:
    emulator = Emulator(gateway_private, {MID: other_private.public_key()})
    with emulator.start_server() as server:
        env = cli_env(tmp_path, other_private, gateway_private, server.base_url)

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*CLI, "agents", *args], env=env, capture_output=True,
                                  text=True, timeout=120, check=False)  # fmt: skip

        table = run("MYMBB", "MYPBB", "MYXXX")
        assert table.returncode == 0, table.stderr
        lines = [line.split() for line in table.stdout.splitlines()]
        assert lines == [
            ["agent", "status"],
            ["MYMBB", "down"],
            ["MYPBB", "up"],
            ["MYXXX", "not", "listed"],
        ]
        every = run("--json")
        assert every.returncode == 0, every.stderr
        record = json.loads(every.stdout)
        assert (record["ok"], record["operation"], record["code"]) == (
            True,
            "agents.status_enabled",
            "0000",
        )
        assert record["agents"] == [
            {"agent_code": code, "is_down": down} for code, down in DEFAULT_AGENTS.items()
        ]
        too_many = run(*[f"A{n}" for n in range(51)])
        assert too_many.returncode == 2
        assert "at most 50" in too_many.stderr
    emulator.close()


# --- the docs -----------------------------------------------------------------------------------


def test_the_docs_label_the_inquiry_unconfirmed() -> None:
    text = (ROOT / "docs" / "agent-status.md").read_text(encoding="utf-8")
    assert "```python" in text
    assert "UNCONFIRMED" in text
    for op in OPERATIONS:
        assert op.name in text
    for code in EMULATOR_CODES:
        assert code in text
    assert "invention" in text


# --- sync and async -----------------------------------------------------------------------------


def test_the_async_service_has_the_sync_signature() -> None:
    method, twin = AgentsService.status, AsyncAgentsService.status
    assert [n for n in vars(AgentsService) if not n.startswith("_")] == ["status"]
    assert [n for n in vars(AsyncAgentsService) if not n.startswith("_")] == ["status"]
    assert inspect.iscoroutinefunction(twin)
    assert inspect.signature(method) == inspect.signature(twin)
    assert method.__doc__ == twin.__doc__
    assert vars(Client)["agents"].fget.__annotations__["return"] == "AgentsService"
    assert vars(AsyncClient)["agents"].fget.__annotations__["return"] == "AsyncAgentsService"
