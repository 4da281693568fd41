"""FX rates: the samples, the hashValue rule, the table, the emulator, both clients, the CLI."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import pickle
import re
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
from lxml import etree

from c2p_action import Codec
from c2p_action.client import Client
from c2p_action.codec import to_xml
from c2p_action.codec.xml import REFERENCE_PARSER, from_xml
from c2p_action.emulator import Emulator, Faults
from c2p_action.emulator.fx import DEFAULT_RATES, FxRules
from c2p_action.errors import (
    ConfigurationError,
    InvalidRequestError,
    ResponseMismatchError,
    UnknownOptionError,
    ValidationError,
    XmlError,
)
from c2p_action.operations import Evidence, Mask, RetrySafety, operation_for
from c2p_action.operations.fx import (
    OPERATIONS,
    RATE,
    RATES,
    FxRateListResult,
    FxRateResult,
    MerchantSecret,
    build_rates,
    currency_code,
)
from c2p_action.plugins import PluginManager
from c2p_action.schemas import (
    XML_REQUEST_MODELS,
    XML_RESPONSE_MODELS,
    FxRateListRequest,
    FxRateListResponse,
    FxRateRequest,
    FxRateResponse,
)
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "fx"
XSD = ROOT / "c2p_action" / "schemas" / "fx_rate.xsd"
MID = "JT01"
SECRET = "merchant-secret-key-9c1e"


def _compact(document: bytes) -> bytes:
    return re.sub(rb">\s+<", b"><", document.strip())


# --- the samples ----------------------------------------------------------------------------


def test_the_single_currency_samples_parse_and_round_trip() -> None:
    sample = (DATA / "rate-request.xml").read_bytes()
    request = from_xml(sample, FxRateRequest)
    assert request == FxRateRequest(
        version="2.1", time_stamp="180321162445", merchant_id="JT", currency="702"
    )
    assert to_xml(request) == _compact(sample)
    assert request == REFERENCE_PARSER.from_bytes(sample, FxRateRequest)

    sample = (DATA / "rate-response.xml").read_bytes()
    response = from_xml(sample, FxRateResponse)
    assert response == FxRateResponse(
        version="2.1",
        time_stamp="180321162445",
        merchant_id="JT",
        currency="702",
        fx_rate=Decimal("1.0000"),
        base_currency="702",
        response_code="00",
        resp_reason="Success",
    )
    assert response == REFERENCE_PARSER.from_bytes(sample, FxRateResponse)
    # fxRate is written with the schema's seven decimals: the same number.
    written = to_xml(response)
    assert b"<fxRate>1.0000000</fxRate>" in written
    assert from_xml(written, FxRateResponse) == response


def test_the_list_request_sample_parses_and_round_trips() -> None:
    sample = (DATA / "list-request.xml").read_bytes()
    request = from_xml(sample, FxRateListRequest)
    assert request.hash_value == "22B47EA9A54A6BE7D4243C993F84EBBA55CC5AD8"
    assert (request.version, request.time_stamp, request.merchant_id) == (
        "2.1",
        "070222084005",
        "JT",
    )
    assert to_xml(request) == _compact(sample)


def test_the_samples_and_what_the_client_writes_are_valid_against_the_xsd() -> None:
    wildcard = b'<xs:any namespace="##any" processContents="lax" minOccurs="0" '
    wildcard += b'maxOccurs="unbounded"/>'
    schema = etree.XMLSchema(etree.fromstring(XSD.read_bytes().replace(wildcard, b"")))
    documents = [path.read_bytes() for path in sorted(DATA.glob("*.xml"))]
    documents.append(to_xml(build_rates(MID, MerchantSecret(SECRET))))
    documents.append(to_xml(RATE.request_type(merchant_id=MID, currency="840")))
    assert len(documents) == 5
    for document in documents:
        assert schema.validate(etree.fromstring(document)), schema.error_log


def test_the_roots_are_bound_by_name_on_the_shared_path() -> None:
    for request in (FxRateRequest, FxRateListRequest):
        assert request in XML_REQUEST_MODELS
    for response in (FxRateResponse, FxRateListResponse):
        assert response in XML_RESPONSE_MODELS


# --- hashValue -----------------------------------------------------------------------------


def test_hash_value_is_the_inferred_hmac_sha1_by_default() -> None:
    request = FxRateListRequest(
        version="2.1", time_stamp="070222084005", merchant_id="JT", hash_value=""
    )
    expected = hmac.new(SECRET.encode(), b"2.1070222084005JT", hashlib.sha1).hexdigest()
    assert MerchantSecret(SECRET).hash_value(request) == expected.upper()
    assert MerchantSecret(SECRET.encode()).hash_value(request) == expected.upper()


def test_the_hash_rule_can_be_corrected() -> None:
    request = FxRateListRequest(
        version="2.1", time_stamp="070222084005", merchant_id="JT", hash_value=""
    )
    secret = MerchantSecret(SECRET, algorithm="SHA256", fields=["merchantID", "timeStamp"])
    expected = hmac.new(SECRET.encode(), b"JT070222084005", hashlib.sha256).hexdigest()
    assert secret.hash_value(request) == expected.upper()
    assert len(secret.hash_value(request)) == 64


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("",), {}, "non-empty"),
        ((None,), {}, "non-empty"),
        ((SECRET,), {"algorithm": "md4x"}, "algorithm must be one of"),
        ((SECRET,), {"fields": []}, "fields must name"),
        ((SECRET,), {"fields": "version"}, "fields must name"),
        ((SECRET,), {"fields": ["version", "hashValue"]}, "fields must name"),
    ],
)
def test_a_bad_secret_or_rule_is_refused(args: Any, kwargs: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as raised:
        MerchantSecret(*args, **kwargs)
    assert SECRET not in str(raised.value)


def test_the_secret_never_shows_itself() -> None:
    secret = MerchantSecret(SECRET)
    assert SECRET not in repr(secret)
    assert SECRET not in str(secret)
    assert "key=<hidden>" in repr(secret)
    assert copy.deepcopy(secret) is secret
    with pytest.raises(ValidationError, match="cannot be pickled"):
        pickle.dumps(secret)
    with pytest.raises(AttributeError):
        secret.algorithm = "md5"


@pytest.mark.parametrize(
    ("given", "code"), [("702", "702"), (702, "702"), (36, "036"), (" 840 ", "840")]
)
def test_currencies_are_numeric_iso_4217_codes(given: str | int, code: str) -> None:
    assert currency_code(given) == code


@pytest.mark.parametrize("given", ["SGD", "7020", "70", 0, 1000, True, None, 7.02])
def test_other_currencies_are_refused(given: Any) -> None:
    with pytest.raises(ValidationError, match="numeric ISO 4217"):
        currency_code(given)


# --- the table ------------------------------------------------------------------------------


def test_the_operations_as_the_reference_gives_them() -> None:
    assert [op.name for op in OPERATIONS] == ["fx.rate", "fx.rates"]
    for op in OPERATIONS:
        assert op.retry is RetrySafety.ALWAYS
        assert op.evidence is Evidence.INFERRED
        assert op.inferred
        assert op.codes.code_field == "response_code"
        assert op.codes.description_field == "resp_reason"
        assert op.endpoint.sandbox_path == "/2C2PFrontend/PaymentAction/2.0/action"
    assert RATES.masked == {"hashValue": Mask.ALL}
    assert any("HMAC-SHA1" in note for note in RATES.inferred)
    assert any("FxRateListResponse" in note for note in RATES.inferred)
    assert operation_for(FxRateRequest(merchant_id=MID, currency="702")) is RATE
    assert operation_for(build_rates(MID, MerchantSecret(SECRET))) is RATES


# --- through both clients ------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[tuple[Emulator, FxRules, str]]:
    fx = FxRules(secret_keys={MID: SECRET})
    emulator = Emulator(gateway_private, {MID: merchant_public}, families=[fx])
    with emulator.start_server() as server:
        yield emulator, fx, server.base_url
    emulator.close()


@pytest.fixture(params=MODES)
def driver(
    request: pytest.FixtureRequest,
    served: tuple[Emulator, FxRules, str],
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> Iterator[Driver]:
    emulator, _, base_url = served
    driver = Driver(request.param, emulator, merchant_private, gateway_public, base_url)
    yield driver
    driver.close()


def test_both_operations_through_every_client(driver: Driver) -> None:
    one: FxRateResult = driver.do(lambda c: c.fx.rate(840))
    assert isinstance(one, FxRateResult)
    assert (one.code, one.currency, one.rate, one.base_currency) == (
        "00",
        "840",
        Decimal("1.3421"),
        "702",
    )
    every: FxRateListResult = driver.do(lambda c: c.fx.rates(MerchantSecret(SECRET)))
    assert isinstance(every, FxRateListResult)
    assert every.base_currency == "702"
    assert every.rates == {code: Decimal(rate) for code, rate in DEFAULT_RATES.items()}
    assert all(isinstance(rate, Decimal) for rate in every.rates.values())
    # A plain string secret is accepted too.
    assert driver.do(lambda c: c.fx.rates(SECRET)).rates == every.rates


def test_refusals_through_every_client(driver: Driver) -> None:
    with pytest.raises(InvalidRequestError) as wrong:
        driver.do(lambda c: c.fx.rates(MerchantSecret("not-the-key")))
    assert (wrong.value.code, wrong.value.description) == ("13", "Invalid hash value")
    with pytest.raises(InvalidRequestError) as unknown:
        driver.do(lambda c: c.fx.rate("999"))
    assert unknown.value.code == "02"
    with pytest.raises(ConfigurationError, match="secret key"):
        driver.do(lambda c: c.fx.rates())
    with pytest.raises(UnknownOptionError):
        driver.do(lambda c: c.fx.rate("702", secret="x"))


def test_a_table_change_shows_in_the_next_answer(
    served: tuple[Emulator, FxRules, str],
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    emulator, fx, _ = served
    fx.set_rate("392", "0.0091")  # JPY
    with Client(
        MID,
        merchant_private,
        gateway_public,
        transport=InProcessTransport(emulator.handle),
        plugins=PluginManager(allow=()),
    ) as client:
        assert client.fx.rate(392).rate == Decimal("0.0091")


def test_without_a_configured_secret_the_emulator_does_not_check_the_hash(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    emulator = Emulator(
        gateway_private, {MID: merchant_public}, families=[FxRules({"702": "1", "840": "1.35"})]
    )
    with Client(
        MID,
        merchant_private,
        gateway_public,
        transport=InProcessTransport(emulator.handle),
        plugins=PluginManager(allow=()),
    ) as client:
        assert client.fx.rates("anything").rates == {"702": Decimal(1), "840": Decimal("1.35")}
    emulator.close()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rates": {"SGD": "1"}}, "numeric ISO 4217"),
        ({"rates": {"702": "0"}}, "positive"),
        ({"rates": {"702": "1.123456789"}}, "7 decimals"),
        ({"rates": {"702": "x"}}, "not a number"),
        ({"base_currency": "SGD"}, "numeric ISO 4217"),
        ({"secret_keys": {MID: ""}}, "FX secret keys"),
    ],
)
def test_the_emulator_refuses_a_bad_table(kwargs: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        FxRules(**kwargs)


def test_the_emulator_answers_a_merchant_mismatch_and_unreadable_requests(
    served: tuple[Emulator, FxRules, str], merchant_codec: Codec
) -> None:
    emulator, _, base_url = served

    def ask(document: bytes, model: type[Any]) -> Any:
        answer = emulator.handle(
            TransportRequest(
                base_url + RATE.endpoint.sandbox_path,
                merchant_codec.seal(document).encode(),
                {},
                10,
            )
        )
        assert answer.status == 200
        return from_xml(merchant_codec.open(answer.body), model)

    def one(merchant: bytes, currency: bytes) -> bytes:
        return (
            b"<FxRateRequest><merchantID>"
            + merchant
            + b"</merchantID><currency>"
            + currency
            + b"</currency></FxRateRequest>"
        )

    assert ask(one(b"JT02", b"702"), FxRateResponse).response_code == "03"
    assert ask(one(b"JT01", b"SGD"), FxRateResponse).response_code == "11"
    broken = b"<FxRateListRequest><merchantID>JT01</merchantID></FxRateListRequest>"
    assert ask(broken, FxRateListResponse).response_code == "02"


# --- retries and answers the emulator would never give ---------------------------------------


def test_reads_are_retried(
    merchant_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    emulator = Emulator(
        gateway_private,
        {MID: merchant_public},
        families=[FxRules()],
        faults=Faults.parse(["drop_after_commit=1x"]),
    )
    with Client(
        MID,
        merchant_private,
        gateway_public,
        transport=InProcessTransport(emulator.handle),
        plugins=PluginManager(allow=()),
        max_attempts=3,
    ) as client:
        assert client.fx.rate("702").attempts == 2
        emulator.faults = Faults.parse(["error_before=1x"])
        assert client.fx.rates(SECRET).attempts == 2
    emulator.close()


def _stand_in(gateway_codec: Codec, answer: bytes) -> InProcessTransport:
    return InProcessTransport(
        lambda request: TransportResponse(200, gateway_codec.seal(answer).encode())
    )


def test_a_rate_for_another_currency_is_never_the_answer(
    gateway_codec: Codec, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    answers = {
        b"<FxRateResponse><currency>840</currency><fxRate>1.35</fxRate>"
        b"<responseCode>00</responseCode></FxRateResponse>": "currency '840' instead of '702'",
        b"<FxRateResponse><fxRate>1.35</fxRate><responseCode>00</responseCode>"
        b"</FxRateResponse>": "no currency",
    }
    for answer, message in answers.items():
        client = Client(
            MID,
            merchant_private,
            gateway_public,
            transport=_stand_in(gateway_codec, answer),
            plugins=PluginManager(allow=()),
        )
        with client, pytest.raises(ResponseMismatchError, match=message):
            client.fx.rate("702")


def test_the_list_answer_is_read_leniently_and_another_root_is_named(
    gateway_codec: Codec, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    odd = (
        b"<FxRateListResponse><responseCode>00</responseCode><currencyList>"
        b"<currency><currency>840</currency><fxRate>1.3</fxRate><spread>0.1</spread></currency>"
        b"<currency code='978' fxRate='1.4'/><rate>x</rate></currencyList>"
        b"</FxRateListResponse>"
    )
    with Client(
        MID,
        merchant_private,
        gateway_public,
        transport=_stand_in(gateway_codec, odd),
        plugins=PluginManager(allow=()),
    ) as client:
        result = client.fx.rates(SECRET)
    assert result.rates == {"840": Decimal("1.3")}  # only items that carry both
    assert len(result.items) == 2
    assert result.response.currency_list is not None
    assert [getattr(e, "qname", None) for e in result.response.currency_list.other_element] == [
        "rate"
    ]
    reply = b"<FxRateListReply><responseCode>00</responseCode></FxRateListReply>"
    client = Client(
        MID,
        merchant_private,
        gateway_public,
        transport=_stand_in(gateway_codec, reply),
        plugins=PluginManager(allow=()),
    )
    named = r"is not FxRateListResponse \(got FxRateListReply\)"
    with client, pytest.raises(XmlError, match=named):
        client.fx.rates(SECRET)


# --- the CLI, in subprocesses ----------------------------------------------------------------

CLI = [sys.executable, "-m", "c2p_action.cli"]


def test_fx_commands(
    tmp_path: Path, other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> None:
    emulator = Emulator(
        gateway_private,
        {MID: other_private.public_key()},
        families=[FxRules(secret_keys={MID: SECRET})],
    )
    with emulator.start_server() as server:
        env = cli_env(tmp_path, other_private, gateway_private, server.base_url)

        def run(*args: str, stdin: str = "", **extra: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*CLI, *args],
                env={**env, **extra},
                input=stdin,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )

        one = run("fx", "rate", "840", "--json")
        assert one.returncode == 0, one.stderr
        assert json.loads(one.stdout)["rate"] == "1.3421000"
        table = run("fx", "rate", "978")
        assert re.search(r"rate\s+1\.4563000", table.stdout)
        listed = run("fx", "rates", "--json", C2P_SECRET_KEY=SECRET)
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout)["rates"]["764"] == "0.0391000"
        prompted = run("fx", "rates", stdin=SECRET + "\n")
        assert prompted.returncode == 0, prompted.stderr
        assert re.search(r"^840\s+1\.3421000$", prompted.stdout, re.M)
        wrong = run("fx", "rates", "--json", C2P_SECRET_KEY="nope")
        assert wrong.returncode == 4
        assert json.loads(wrong.stdout)["code"] == "13"
        other_rule = run("fx", "rates", "--hash-algorithm", "sha256", C2P_SECRET_KEY=SECRET)
        assert other_rule.returncode == 4  # the emulator checks the default rule
        none = run("fx", "rates")
        assert none.returncode == 3
        assert "set C2P_SECRET_KEY or type it" in none.stderr
        assert run("fx", "rate", "SGD").returncode == 2
        for done in (listed, prompted, wrong, none):
            assert SECRET not in done.stdout + done.stderr
    emulator.close()


# --- the docs -------------------------------------------------------------------------------

DOC = ROOT / "docs" / "fx.md"
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


def test_the_docs_name_each_operation_and_the_hash_rule() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert BLOCKS
    for op in OPERATIONS:
        assert op.name in text
    assert "HMAC-SHA1" in text
