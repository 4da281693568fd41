"""The funds family: balance, withdraw options and withdraw, end to end.

2C2P's samples (tests/data/funds) parse and round-trip; the operations table says what the
reference says; both clients talk to the emulator in-process and over real HTTP (urllib3,
aiohttp); answers are bound to their requests; a withdrawal is never repeated and a lost answer
is reported as an unknown outcome; the emulator keeps balances, options and withdrawals.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import AsyncClient, Client, RetryPolicy, Settings
from c2p_action.codec import from_json, to_json
from c2p_action.codec import inspect as inspect_token
from c2p_action.emulator import Emulator, Faults, Ledger, Trigger
from c2p_action.emulator.funds import (
    BALANCE_PATH,
    DEFAULT_OPTIONS,
    EMULATOR_CODES,
    WITHDRAW_OPTIONS_PATH,
    WITHDRAW_PATH,
    FundsLedger,
    FundsRules,
    OptionRule,
)
from c2p_action.errors import (
    ConfigurationError,
    GatewayError,
    HttpStatusError,
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
    RetrySafety,
    get_operation,
    operation_for,
)
from c2p_action.operations.funds import (
    BALANCE,
    OPERATIONS,
    WITHDRAW,
    WITHDRAW_OPTIONS,
    BalanceResult,
    WithdrawResult,
    build_withdraw,
    estimate_fee,
)
from c2p_action.plugins import PluginManager
from c2p_action.schemas import (
    BalanceInquiryRequest,
    BalanceInquiryResponse,
    FundsRespCode,
    WithdrawOption,
    WithdrawOptionRequest,
    WithdrawOptionResponse,
    WithdrawRequest,
    WithdrawResponse,
)
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

DATA = Path(__file__).parent / "data" / "funds"
MERCHANT = "JT01"
FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.0)

# --- 2C2P's samples -----------------------------------------------------------------------------

SAMPLES: list[tuple[str, type[Any]]] = [
    ("balance-request.json", BalanceInquiryRequest),
    ("balance-response.json", BalanceInquiryResponse),
    ("withdraw-options-request.json", WithdrawOptionRequest),
    ("withdraw-options-request-token-payload.json", WithdrawOptionRequest),
    ("withdraw-options-response.json", WithdrawOptionResponse),
    ("withdraw-request.json", WithdrawRequest),
    ("withdraw-response.json", WithdrawResponse),
]


def _value(document: bytes) -> Any:
    return json.loads(document, parse_float=Decimal)


@pytest.mark.parametrize(("name", "model"), SAMPLES)
def test_every_sample_parses_and_round_trips(name: str, model: type[Any]) -> None:
    sample = (DATA / name).read_bytes()
    parsed = from_json(sample, model)
    assert parsed.extra == {}  # every member of every sample is a declared one
    written = to_json(parsed)
    assert from_json(written, model) == parsed
    # The same JSON value (numbers compare by value: 100.0 == 100), members in the same order
    # (the options guide prints version first, its sample token's payload merchantID first:
    # member order is not significant, and the model follows the guide).
    assert _value(written) == _value(sample)
    if "token-payload" not in name:
        assert list(_value(written)) == list(_value(sample))
    else:
        guide = (DATA / name.replace("-token-payload", "")).read_bytes()
        assert from_json(guide, model) == parsed


def test_the_samples_values() -> None:
    balance = from_json((DATA / "balance-response.json").read_bytes(), BalanceInquiryResponse)
    assert (balance.available_balance, balance.currency) == (Decimal("795904449.7206"), "SGD")
    assert to_json(balance).count(b'"795904449.7206"') == 1  # still a string, 4 decimals

    options = from_json(
        (DATA / "withdraw-options-response.json").read_bytes(), WithdrawOptionResponse
    )
    (option,) = options.withdraw_option
    assert option == WithdrawOption(
        merchant_id="702702000000000",
        withdraw_option_id=3,
        name="Withdraw fund",
        processing_time="5 days",
        fee_margin=Decimal("1000"),
        fee_lower=Decimal("0.5"),
        fee_lower_is_percentage=True,
        fee_upper=Decimal("0.7"),
        fee_upper_is_percentage=True,
    )
    assert b'"feeLowerIsPercentage":"1"' in to_json(options)  # written as the sample shows

    withdraw = from_json((DATA / "withdraw-response.json").read_bytes(), WithdrawResponse)
    assert (withdraw.withdraw_ref_no, withdraw.withdraw_option_id) == (691012, 3)
    assert (withdraw.amount, withdraw.fee, withdraw.net_amount) == (
        Decimal("100.0"), Decimal("0.5"), Decimal("99.5"),
    )  # fmt: skip
    request = from_json((DATA / "withdraw-request.json").read_bytes(), WithdrawRequest)
    assert to_json(request) == (DATA / "withdraw-request.json").read_bytes().strip()


@pytest.mark.parametrize(
    ("document", "model", "check"),
    [
        # The table's spellings and boolean type, beside the samples'.
        (b'{"withdrawOption":[{"merchantID":"M1","withdrawOptionID":"00007",'
         b'"feeLowerIsPercentage":false,"feeUpperIsPercentage":true}]}',
         WithdrawOptionResponse,
         lambda m: (m.withdraw_option[0].merchant_id, m.withdraw_option[0].withdraw_option_id,
                    m.withdraw_option[0].fee_lower_is_percentage,
                    m.withdraw_option[0].fee_upper_is_percentage) == ("M1", 7, False, True)),
        (b'{"withdrawOptionID":4,"amount":"100.50","withdrawRefNo":"000691012"}',
         WithdrawResponse,
         lambda m: (m.withdraw_option_id, m.amount, m.withdraw_ref_no) == (4, Decimal("100.50"),
                                                                           691012)),
        (b'{"availableBalance":12.5,"currency":"THB"}', BalanceInquiryResponse,
         lambda m: m.available_balance == Decimal("12.5")),
        (b'{"respCode":"99","respDesc":"Failed"}', WithdrawResponse,
         lambda m: (m.resp_code, m.amount, m.withdraw_ref_no) == ("99", None, None)),
    ],
)  # fmt: skip
def test_the_other_documented_forms_are_read(
    document: bytes, model: type[Any], check: Callable[[Any], bool]
) -> None:
    assert check(from_json(document, model))


@pytest.mark.parametrize(
    ("document", "model", "message"),
    [
        (b'{"withdrawOption":[{"feeLowerIsPercentage":"Y"}]}', WithdrawOptionResponse,
         r'feeLowerIsPercentage is not a boolean \("1" or "0"\)'),
        (b'{"withdrawOption":[{"withdrawOptionId":3,"withdrawOptionID":3}]}',
         WithdrawOptionResponse, "withdrawOptionId appears more than once"),
        (b'{"withdrawOptionId":100000}', WithdrawResponse, "must be at most 99999"),
        (b'{"fee":-0.5}', WithdrawResponse, "fee must be at least 0"),
        (b'{"netAmount":"-1"}', WithdrawResponse, "netAmount must be at least 0"),
        (b'{"amount":100.005}', WithdrawResponse, "more than 2 decimal places"),
        (b'{"availableBalance":"1.00001"}', BalanceInquiryResponse, "more than 4 decimal"),
        (b'{"withdrawOption":{"withdrawOptionId":3}}', WithdrawOptionResponse, "not an array"),
    ],
)  # fmt: skip
def test_off_schema_answers_are_refused(document: bytes, model: type[Any], message: str) -> None:
    with pytest.raises(JsonError, match=message):
        from_json(document, model)


# --- the operations table ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "sandbox", "production"),
    [
        (BALANCE, "https://demo2.2c2p.com/2c2pfrontend/paymentaction/2.0/balanceInquiry",
         "https://t.2c2p.com/paymentaction/2.0/balanceInquiry"),
        (WITHDRAW_OPTIONS, "https://demo2.2c2p.com/2c2pfrontend/paymentaction/2.0/withdrawOption",
         "https://t.2c2p.com/paymentaction/2.0/withdrawOption"),
        (WITHDRAW, "https://demo2.2c2p.com/2c2pfrontend/paymentaction/2.0/withdraw",
         "https://t.2c2p.com/paymentaction/2.0/withdraw"),
    ],
)  # fmt: skip
def test_each_operation_is_posted_where_2c2p_prints_it(
    operation: Any, sandbox: str, production: str, merchant_private: rsa.RSAPrivateKey
) -> None:
    assert (
        Settings(merchant_id=MERCHANT, merchant_key=merchant_private).url_for(operation.endpoint)
        == sandbox
    )
    assert (
        Settings(
            merchant_id=MERCHANT,
            merchant_key=merchant_private,
            gateway_key=merchant_private.public_key(),
            environment="production",
        ).url_for(operation.endpoint)
        == production
    )
    custom = Settings(
        merchant_id=MERCHANT,
        merchant_key=merchant_private,
        gateway_key=merchant_private.public_key(),
        environment="http://127.0.0.1:8080",
    )
    assert (
        custom.url_for(operation.endpoint) == "http://127.0.0.1:8080" + sandbox.split(".com", 1)[1]
    )


def test_the_table_says_what_the_reference_says() -> None:
    assert [op.name for op in OPERATIONS] == [
        "balance", "withdrawals.options", "withdrawals.withdraw",
    ]  # fmt: skip
    for op in OPERATIONS:
        assert (op.envelope, op.body, op.evidence) == (
            Envelope.JWS, BodyFormat.JSON, Evidence.DOCUMENTED,
        )  # fmt: skip
        assert op.inferred
        assert op.inferred_flag
        assert get_operation(op.name) is op
        assert op.codes.success == {"00"}
        assert not op.codes.errors
    assert (BALANCE.retry, WITHDRAW_OPTIONS.retry, WITHDRAW.retry) == (
        RetrySafety.ALWAYS, RetrySafety.ALWAYS, RetrySafety.NEVER,
    )  # fmt: skip
    assert [b.name for b in WITHDRAW.binding] == ["withdrawOptionID", "amount"]
    assert all(b.required for b in WITHDRAW.binding)
    assert "balance" in WITHDRAW.lost_answer
    assert "portal" in WITHDRAW.lost_answer
    assert operation_for(build_withdraw(MERCHANT, 3, "1.00")) is WITHDRAW


@pytest.mark.parametrize(
    ("option_id", "amount", "message"),
    [
        (True, "1.00", "option_id must be an int"),
        ("3", "1.00", "option_id must be an int"),
        (-1, "1.00", "option_id must be an int from 0 to 99999"),
        (100_000, "1.00", "option_id must be an int from 0 to 99999"),
        (3, 1.5, "amount must be a Decimal"),
        (3, "1.001", "at most two decimals"),
        (3, "0", "greater than 0"),
        (3, "100000000.00", "at most 99999999.99"),
    ],
)
def test_withdraw_arguments_are_checked_before_anything_is_built(
    option_id: object, amount: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        build_withdraw(MERCHANT, option_id, amount)  # type: ignore[arg-type]


SAMPLE_OPTION = from_json(
    (DATA / "withdraw-options-response.json").read_bytes(), WithdrawOptionResponse
).withdraw_option[0]


@pytest.mark.parametrize(
    ("option", "amount", "fee"),
    [
        (SAMPLE_OPTION, "100", "0.50"),  # the sample: 0.5 % of 100
        (SAMPLE_OPTION, "101", "0.51"),  # 0.505: half up (half even would give 0.50)
        (SAMPLE_OPTION, "999.99", "5.00"),  # 4.99995, still the lower rate below the margin
        (SAMPLE_OPTION, "1000", "7.00"),  # at the margin: the upper rate
        (SAMPLE_OPTION, "1234.56", "8.64"),  # 8.64192
        (SAMPLE_OPTION, "0.01", "0.00"),  # 0.00005
        (DEFAULT_OPTIONS[1].model("M"), "40", "25.00"),  # a fixed fee
        (WithdrawOption(fee_margin=Decimal(0), fee_lower=Decimal("1.5"),
                        fee_lower_is_percentage=True, fee_upper=Decimal(9),
                        fee_upper_is_percentage=False), "5000", "75.00"),  # margin 0: lower only
    ],
)  # fmt: skip
def test_estimate_fee_follows_the_published_rule(
    option: WithdrawOption, amount: str, fee: str
) -> None:
    assert estimate_fee(option, amount) == Decimal(fee)
    assert str(estimate_fee(option, amount)) == fee


def test_estimate_fee_needs_a_stated_fee() -> None:
    with pytest.raises(ValidationError, match="states no fee"):
        estimate_fee(WithdrawOption(fee_margin=Decimal(0)), "10")


# --- both clients, in-process and over HTTP ---------------------------------------------------


@pytest.fixture
def emulator(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[Emulator]:
    emulator = Emulator(gateway_private, {MERCHANT: merchant_public})
    FundsLedger(emulator.ledger).set_balance(MERCHANT, "1000.00", "SGD")
    yield emulator
    emulator.close()


@dataclass
class Harness:
    """Runs one call through a fresh client, sync or async, over one transport."""

    mode: str
    emulator: Emulator
    keys: tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey]
    base_url: str = "http://127.0.0.1:9"
    seen: int = 0

    @property
    def is_async(self) -> bool:
        return self.mode in ("inprocess-async", "aiohttp")

    def _transport(self) -> Any:
        if self.mode == "inprocess-sync":
            return InProcessTransport(self._counted(self.emulator.handle))
        if self.mode == "inprocess-async":
            handle = self.emulator.ahandle

            async def counted(request: TransportRequest) -> TransportResponse:
                self.seen += 1
                return await handle(request)

            return InProcessTransport(counted)
        return self.mode

    def _counted(
        self, handle: Callable[[TransportRequest], TransportResponse]
    ) -> Callable[[TransportRequest], TransportResponse]:
        def counted(request: TransportRequest) -> TransportResponse:
            self.seen += 1
            return handle(request)

        return counted

    def call(self, path: str, *args: Any, **kwargs: Any) -> Any:
        options: dict[str, Any] = {
            "transport": self._transport(),
            "environment": self.base_url,
            "retry": FAST_RETRY,
            "timeout": 10.0,
            "plugins": PluginManager(allow=()),
        }

        def target(client: Any) -> Any:
            for name in path.split("."):
                client = getattr(client, name)
            return client(*args, **kwargs)

        if not self.is_async:
            with Client(MERCHANT, *self.keys, **options) as client:
                return target(client)

        async def run() -> Any:
            async with AsyncClient(MERCHANT, *self.keys, **options) as client:
                return await target(client)

        return asyncio.run(run())


MODES = ["inprocess-sync", "inprocess-async", "urllib3", "aiohttp"]


@pytest.fixture(params=MODES)
def harness(
    request: pytest.FixtureRequest,
    emulator: Emulator,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> Iterator[Harness]:
    mode: str = request.param
    harness = Harness(mode, emulator, (merchant_private, gateway_public))
    if mode in ("urllib3", "aiohttp"):
        with emulator.start_server() as server:
            harness.base_url = server.base_url
            yield harness
        return
    yield harness


def test_balance_options_and_withdraw_end_to_end(harness: Harness) -> None:
    balance = harness.call("balance")
    assert isinstance(balance, BalanceResult)
    assert (balance.code, balance.balance, balance.currency) == ("00", Decimal("1000"), "SGD")
    assert balance.code is FundsRespCode.SUCCESS
    assert balance.attempts == 1

    options = harness.call("withdrawals.options")
    assert [o.withdraw_option_id for o in options.options] == [3, 5]
    assert options.option(3).fee_upper == Decimal("0.70")
    with pytest.raises(ValidationError, match="no withdraw option 9"):
        options.option(9)

    done = harness.call("withdrawals.withdraw", 3, "100.00")
    assert (done.code, done.option_id, done.amount, done.fee, done.net_amount) == (
        "00", 3, Decimal("100"), Decimal("0.50"), Decimal("99.50"),
    )  # fmt: skip
    assert done.currency == "SGD"
    assert done.withdraw_ref_no == 691001
    assert done.fee == estimate_fee(options.option(3), "100.00")

    # The balance dropped by amount + fee, once.
    assert harness.call("balance").balance == Decimal("899.50")
    (recorded,) = FundsLedger(harness.emulator.ledger).withdrawals(MERCHANT)
    assert (recorded.ref_no, recorded.debited) == (691001, Decimal("100.50"))


def test_refusals_raise_gateway_error_with_the_emulators_code(harness: Harness) -> None:
    with pytest.raises(GatewayError) as too_much:
        harness.call("withdrawals.withdraw", 5, "990.00")  # 990 + 25 > 1000
    error = too_much.value
    assert type(error) is GatewayError  # no subclass chosen for an undocumented code
    assert (error.code, error.description) == ("46", "Insufficient balance")
    assert not error.code.known  # type: ignore[attr-defined]
    assert error.operation == "withdrawals.withdraw"
    assert isinstance(error.response, WithdrawResponse)

    with pytest.raises(GatewayError, match="11 Invalid withdraw option"):
        harness.call("withdrawals.withdraw", 4, "10.00")
    with pytest.raises(GatewayError, match="18 Amount does not cover the withdrawal fee"):
        harness.call("withdrawals.withdraw", 5, "25.00")
    assert FundsLedger(harness.emulator.ledger).withdrawals() == []
    assert harness.call("balance").balance == Decimal("1000")


def test_unknown_options_are_refused_before_sending(harness: Harness) -> None:
    for path, args in (("balance", ()), ("withdrawals.options", ()),
                       ("withdrawals.withdraw", (3, "1.00"))):  # fmt: skip
        with pytest.raises(UnknownOptionError, match="idempotency_id"):
            harness.call(path, *args, idempotency_id="x")
    assert harness.seen == 0


def test_sync_and_async_signatures_are_identical() -> None:
    pairs = [
        (Client.balance, AsyncClient.balance),
        (Client.withdrawals.fget, AsyncClient.withdrawals.fget),  # type: ignore[attr-defined]
    ]
    for sync, async_ in pairs:
        assert list(inspect.signature(sync).parameters) == list(
            inspect.signature(async_).parameters
        )
    from c2p_action.operations.funds import AsyncWithdrawalsService, WithdrawalsService

    for name in ("options", "withdraw"):
        sync_sig = inspect.signature(getattr(WithdrawalsService, name))
        async_sig = inspect.signature(getattr(AsyncWithdrawalsService, name))
        assert sync_sig.parameters == async_sig.parameters
        assert inspect.iscoroutinefunction(getattr(AsyncWithdrawalsService, name))


# --- a withdrawal is never repeated -----------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_lost_withdraw_answer_is_an_unknown_outcome_never_repeated(
    mode: str,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    faults = Faults(drop_after_commit=Trigger(times=1))
    emulator = Emulator(gateway_private, {MERCHANT: merchant_public}, faults=faults)
    funds = FundsLedger(emulator.ledger)
    funds.set_balance(MERCHANT, "1000.00")
    harness = Harness(mode, emulator, (merchant_private, gateway_public))
    try:
        if mode in ("urllib3", "aiohttp"):
            with emulator.start_server() as server:
                harness.base_url = server.base_url
                with pytest.raises(OutcomeUnknownError) as lost:
                    harness.call("withdrawals.withdraw", 3, "100.00")
        else:
            with pytest.raises(OutcomeUnknownError) as lost:
                harness.call("withdrawals.withdraw", 3, "100.00")
            assert harness.seen == 1  # one attempt, although max_attempts is 3
        error = lost.value
        assert isinstance(error, TransportError)
        assert not error.retryable
        assert isinstance(error.__cause__, TransportError)
        assert error.operation == "withdrawals.withdraw"
        message = str(error)
        assert "outcome is unknown" in message
        assert "not repeated" in message
        assert "client.balance()" in message
        assert "withdrawal list" in message
        # The gateway did act, exactly once.
        assert len(funds.withdrawals(MERCHANT)) == 1
        assert funds.account(MERCHANT) == ("SGD", Decimal("899.50"))
    finally:
        emulator.close()


def test_a_lost_balance_answer_is_simply_retried(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    emulator = Emulator(
        gateway_private, {MERCHANT: merchant_public},
        faults=Faults(drop_after_commit=Trigger(times=1)),
    )  # fmt: skip
    harness = Harness("inprocess-sync", emulator, (merchant_private, gateway_public))
    try:
        result = harness.call("balance")
        assert (result.attempts, harness.seen, result.balance) == (2, 2, Decimal(0))
    finally:
        emulator.close()


def test_http_5xx_on_withdraw_is_unknown_and_4xx_is_not(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
) -> None:
    emulator = Emulator(
        gateway_private, {MERCHANT: merchant_public},
        faults=Faults(error_before=Trigger(times=1)),
    )  # fmt: skip
    try:
        harness = Harness("inprocess-sync", emulator, (merchant_private, gateway_public))
        with pytest.raises(OutcomeUnknownError) as lost:
            harness.call("withdrawals.withdraw", 3, "1.00")
        assert isinstance(lost.value.__cause__, HttpStatusError)
        assert harness.seen == 1
        # An unregistered key: 401, refused before anything was done.
        stranger = Harness("inprocess-sync", emulator, (other_private, gateway_public))
        with pytest.raises(HttpStatusError) as refused:
            stranger.call("withdrawals.withdraw", 3, "1.00")
        assert refused.value.status == 401
        assert not isinstance(refused.value, OutcomeUnknownError)
    finally:
        emulator.close()


# --- binding and answers that are not what a success must be --------------------------------


def _scripted(gateway: Codec, answer: dict[str, Any]) -> InProcessTransport:
    """Test-only stand-in gateway: verifies the signed request, signs ``answer`` as JSON."""

    def handle(request: TransportRequest) -> TransportResponse:
        gateway.verify_payload(request.body)
        body = json.dumps(answer).encode()
        return TransportResponse(200, gateway.sign(body).encode(), {})

    return InProcessTransport(handle)


def _client(transport: InProcessTransport, keys: tuple[Any, Any]) -> Client:
    return Client(MERCHANT, *keys, transport=transport, retry=FAST_RETRY,
                  plugins=PluginManager(allow=()))  # fmt: skip


_ECHO = {"respCode": "00", "withdrawRefNo": 1, "withdrawOptionId": 3, "amount": 100}


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({**_ECHO, "amount": 1000}, "amount '1000' instead of '100.00'"),
        ({**_ECHO, "withdrawOptionId": 5}, "withdrawOptionID '5' instead of '3'"),
        ({k: v for k, v in _ECHO.items() if k != "amount"}, r"no amount \(sent '100.00'\)"),
        ({**_ECHO, "respCode": "99", "amount": 5}, "amount '5' instead of '100.00'"),
    ],
)
def test_a_withdraw_answer_about_another_withdrawal_is_a_mismatch(
    gateway_codec: Codec,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    answer: dict[str, Any],
    message: str,
) -> None:
    transport = _scripted(gateway_codec, answer)
    with (
        _client(transport, (merchant_private, gateway_public)) as client,
        pytest.raises(ResponseMismatchError, match=message),
    ):
        client.withdrawals.withdraw(3, "100.00")


def test_answers_with_less_than_a_success_needs(
    gateway_codec: Codec, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    keys = (merchant_private, gateway_public)
    with (
        _client(_scripted(gateway_codec, {"respCode": "00", "currency": "SGD"}), keys) as c,
        pytest.raises(JsonError, match="balance success answer has no availableBalance"),
    ):
        c.balance()
    # A 00 withdrawal without a reference number still happened: never a failure.
    echo = {"respCode": "00", "withdrawOptionId": 3, "amount": 100.0}
    with _client(_scripted(gateway_codec, echo), keys) as c:
        assert c.withdrawals.withdraw(3, "100").withdraw_ref_no is None
    other = {"respCode": "00", "withdrawOption": [{"merchantId": "JT01"}, {"merchantId": "X"}]}
    with (
        _client(_scripted(gateway_codec, other), keys) as c,
        pytest.raises(ResponseMismatchError, match="several merchants: JT01, X"),
    ):
        c.withdrawals.options()
    mine = {"respCode": "00", "withdrawOption": [{"merchantId": "JT01", "withdrawOptionId": 1}]}
    with _client(_scripted(gateway_codec, mine), keys) as c:
        assert c.withdrawals.options().options[0].withdraw_option_id == 1


def test_the_answer_must_be_jws_only_and_signed_by_the_gateway(
    gateway_codec: Codec,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
) -> None:
    from c2p_action.errors import SignatureError, TokenFormatError

    def nested(request: TransportRequest) -> TransportResponse:
        return TransportResponse(200, gateway_codec.seal(b'{"respCode":"00"}').encode(), {})

    with (
        _client(InProcessTransport(nested), (merchant_private, gateway_public)) as client,
        pytest.raises(TokenFormatError, match="JWS only"),
    ):
        client.balance()
    forger = Codec(other_private, merchant_private.public_key())
    with (
        _client(_scripted(forger, {"respCode": "00"}), (merchant_private, gateway_public)) as c,
        pytest.raises(SignatureError),
    ):
        c.balance()


def test_requests_are_signed_not_encrypted(
    gateway_codec: Codec, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    sent: list[TransportRequest] = []

    def handle(request: TransportRequest) -> TransportResponse:
        sent.append(request)
        answer = {"respCode": "00", "availableBalance": "1.0000", "currency": "SGD"}
        return TransportResponse(200, gateway_codec.sign(json.dumps(answer).encode()).encode(), {})

    with _client(InProcessTransport(handle), (merchant_private, gateway_public)) as client:
        client.balance()
    (request,) = sent
    info = inspect_token(request.body)
    assert info.jws_header == {"alg": "PS256", "typ": "JWT"}
    assert (info.envelope, info.jwe_header) == ("JWS", {})
    assert gateway_codec.verify_payload(request.body) == (b'{"merchantID":"JT01","version":"1.0"}')
    assert request.url.endswith("/2c2pfrontend/paymentaction/2.0/balanceInquiry")
    assert request.headers["Content-Type"] == "text/plain"


def test_debug_logs_show_the_json_bodies_and_never_the_token(
    emulator: Emulator,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tokens: list[bytes] = []

    def handle(request: TransportRequest) -> TransportResponse:
        answer = emulator.handle(request)
        tokens.extend((request.body, answer.body))
        return answer

    with (
        caplog.at_level(logging.DEBUG, logger="c2p_action.client"),
        _client(InProcessTransport(handle), (merchant_private, gateway_public)) as client,
    ):
        client.withdrawals.withdraw(3, "100.00")
    text = caplog.text
    assert 'withdrawals.withdraw request JSON: {"version":"1.0","merchantID":"JT01",' in text
    assert '"withdrawRefNo":691001' in text
    assert "withdrawals.withdraw option=3 amount=100.00 code=00 attempts=1" in text
    for token in tokens:
        assert token.decode()[:60] not in text


# --- the emulator's side ------------------------------------------------------------------------


def _post(emulator: Emulator, path: str, token: str) -> TransportResponse:
    return emulator.handle(TransportRequest(f"http://emu.test{path}", token.encode(), {}, 5.0))


def _answer(codec: Codec, response: TransportResponse, model: type[Any]) -> Any:
    assert response.status == 200, response.body
    return from_json(codec.verify_payload(response.body), model)


def test_emulator_refusals_with_its_own_codes(emulator: Emulator, merchant_codec: Codec) -> None:
    cases = [
        (BALANCE_PATH, b'{"merchantID":"JT02","version":"1.0"}', "03"),
        (WITHDRAW_OPTIONS_PATH, b'{"merchantID":"JT02","version":"1.0"}', "03"),
        (WITHDRAW_PATH, b'{"version":"1.0","merchantID":"JT02","withdrawOptionID":3,"amount":1}',
         "03"),
        (WITHDRAW_PATH, b'{"version":"1.0","merchantID":"JT01","withdrawOptionID":3,'
         b'"amount":-1}', "02"),
        (WITHDRAW_PATH, b"not json", "02"),
        (BALANCE_PATH, b'{"merchantID":"JT01","version":"1.0","merchantID":"JT01"}', "02"),
        (WITHDRAW_PATH, b'{"version":"1.0","merchantID":"JT01","withdrawOptionID":3,'
         b'"amount":1e999999}', "02"),
    ]  # fmt: skip
    for path, body, code in cases:
        answer = _answer(merchant_codec, _post(emulator, path, merchant_codec.sign(body)),
                         WithdrawResponse)  # fmt: skip
        assert (answer.resp_code, answer.resp_desc) == (code, EMULATOR_CODES[code]), body
    assert FundsLedger(emulator.ledger).withdrawals() == []


def test_emulator_paths_envelope_and_case(emulator: Emulator, merchant_codec: Codec) -> None:
    body = b'{"merchantID":"JT01","version":"1.0"}'
    assert set(emulator.paths) >= {BALANCE_PATH, WITHDRAW_OPTIONS_PATH, WITHDRAW_PATH}
    # The path is matched exactly as printed: the Payment Action URL's casing is another path.
    assert _post(emulator, "/2C2PFrontend/PaymentAction/2.0/balanceInquiry",
                 merchant_codec.sign(body)).status == 404  # fmt: skip
    assert _post(emulator, BALANCE_PATH, merchant_codec.seal(body)).status == 400
    assert _post(emulator, BALANCE_PATH, "garbage").status == 400


def test_emulator_options_are_configurable_and_fee_on_top_is_a_choice(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey, merchant_codec: Codec
) -> None:
    rules = FundsRules(fee_on_top=False, currency="THB")
    emulator = Emulator(gateway_private, {MERCHANT: merchant_public}, families=[rules])
    try:
        store = rules.store
        assert store.account(MERCHANT, "THB") == ("THB", Decimal(0))
        store.set_balance(MERCHANT, "500", "THB")
        store.set_balance(MERCHANT, "7", "USD")  # kept, but THB stays the account currency
        cheque = OptionRule(12, "Cheque", "7 days", Decimal("0"), Decimal("2.00"), False)
        store.set_options(MERCHANT, [cheque])
        request = merchant_codec.sign(b'{"version":"1.0","merchantID":"JT01"}')
        answer = _post(emulator, WITHDRAW_OPTIONS_PATH, request)
        options = _answer(merchant_codec, answer, WithdrawOptionResponse)
        assert options.withdraw_option == [cheque.model(MERCHANT)]
        done = _answer(merchant_codec, _post(emulator, WITHDRAW_PATH, merchant_codec.sign(
            b'{"version":"1.0","merchantID":"JT01","withdrawOptionID":12,"amount":100}')),
            WithdrawResponse)  # fmt: skip
        assert (done.resp_code, done.fee, done.net_amount, done.currency) == (
            "00", Decimal("2.00"), Decimal("98.00"), "THB",
        )  # fmt: skip
        assert store.balances(MERCHANT) == {"THB": Decimal("400"), "USD": Decimal("7")}
    finally:
        emulator.close()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.set_balance(MERCHANT, "-1"), "at least 0"),
        (lambda s: s.set_balance(MERCHANT, "1.00001"), "at most 4 decimals"),
        (lambda s: s.set_balance(MERCHANT, "abc"), "decimal number"),
        (lambda s: s.set_balance(MERCHANT, 1.5), "a Decimal, an int or a decimal string"),
        (lambda s: s.set_balance(MERCHANT, "1", "S G"), "ISO 4217"),
        (lambda s: s.set_options(MERCHANT, [DEFAULT_OPTIONS[0], DEFAULT_OPTIONS[0]]), "unique"),
        (lambda s: s.set_options(MERCHANT, [OptionRule(1, "x" * 101, "1 day", Decimal(0),
                                                       Decimal(1), False)]), "longer than 100"),
    ],
)  # fmt: skip
def test_seeding_refuses_what_the_answers_could_not_carry(
    call: Callable[[FundsLedger], object], message: str
) -> None:
    with Ledger() as ledger, pytest.raises(ConfigurationError, match=message):
        call(FundsLedger(ledger))


def test_concurrent_withdrawals_never_overspend(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    # 1000.00 covers four withdrawals of 240 + 1.20 fee (964.80), not five.
    barrier = threading.Barrier(5)

    def withdraw(_: int) -> str:
        with _client(InProcessTransport(emulator.handle), (merchant_private, gateway_public)) as c:
            barrier.wait()
            try:
                return c.withdrawals.withdraw(3, "240.00").code.value
            except GatewayError as error:
                return str(error.code)

    with ThreadPoolExecutor(5) as pool:
        codes = sorted(pool.map(withdraw, range(5)))
    assert codes == ["00", "00", "00", "00", "46"]
    funds = FundsLedger(emulator.ledger)
    assert funds.account(MERCHANT) == ("SGD", Decimal("35.20"))
    assert len(funds.withdrawals(MERCHANT)) == 4


def test_a_ledger_file_keeps_balances_and_withdrawals(
    tmp_path: Path,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:  # seeded before any emulator opened the file
        FundsLedger(ledger).set_balance(MERCHANT, "300.00")
    emulator = Emulator(gateway_private, {MERCHANT: merchant_public}, ledger=path)
    body = b'{"version":"1.0","merchantID":"JT01","withdrawOptionID":5,"amount":100}'
    assert _answer(merchant_codec, _post(emulator, WITHDRAW_PATH, merchant_codec.sign(body)),
                   WithdrawResponse).resp_code == "00"  # fmt: skip
    emulator.close()
    with Ledger(path) as ledger:
        funds = FundsLedger(ledger)
        assert funds.account(MERCHANT) == ("SGD", Decimal("175.00"))
        assert [w.ref_no for w in funds.withdrawals()] == [691001]


def test_send_finds_the_funds_operation_from_the_model(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    with _client(InProcessTransport(emulator.handle), (merchant_private, gateway_public)) as c:
        result = c.send(BalanceInquiryRequest(merchant_id=MERCHANT, version="1.0"))
        assert isinstance(result, BalanceResult)
        assert result.balance == Decimal("1000")
        done = c.send(build_withdraw(MERCHANT, 5, "30.00"))
        assert isinstance(done, WithdrawResult)
        assert (done.operation, done.fee) == ("withdrawals.withdraw", Decimal("25"))


def test_debug_redaction_handles_the_funds_bodies() -> None:
    # No funds member is masked today; if one ever is, the JSON redactor must cope with these
    # bodies' shapes: strings, numbers, and a name in each of its spellings.
    from c2p_action.client._logging import redact_json
    from c2p_action.operations import Mask

    options = (DATA / "withdraw-options-response.json").read_bytes()
    masked = redact_json(options, {"merchantId": Mask.LAST4, "feeMargin": Mask.ALL})
    assert '"merchantId":"***********0000"' in masked
    assert '"feeMargin":"***"' in masked
    assert "702702000000000" not in masked
    request = (DATA / "withdraw-request.json").read_bytes()
    # Names match exactly: a masked member must list every spelling the models accept.
    assert "702702000000000" in redact_json(request, {"merchantId": Mask.LAST4})
    assert "702702000000000" not in redact_json(request, {"merchantID": Mask.LAST4})
    assert all(not op.masked for op in OPERATIONS)
