"""Installment (IPP) options: 2C2P's samples, the typed table, the emulator, both clients.

The sample's rates have four decimals although the table types them D 2,2: they are read as
sent (the sample is what the gateway sent), and the emulator answers with four decimals too.
The sample's response says version 2.2 where the table's text says 2.1: 2.2 is what the
emulator answers (the request table's version), and neither is compared.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from _emulator_support import MERCHANT, OTHER_MERCHANT, wire
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from c2p_action import Codec
from c2p_action.client import AsyncClient, Client
from c2p_action.codec import decode_response, from_xml, to_xml
from c2p_action.emulator import Emulator, Ledger
from c2p_action.emulator.installments import SAMPLE_BANKS, InstallmentsFamily
from c2p_action.errors import (
    ConfigurationError,
    InvalidRequestError,
    TransportError,
    UnknownOptionError,
    XmlError,
)
from c2p_action.operations import (
    Envelope,
    Evidence,
    RetrySafety,
    get_operation,
    installments,
    interpret,
    operation_for,
    prepare,
)
from c2p_action.operations.installments import (
    OPTIONS,
    AsyncInstallmentsService,
    InstallmentBank,
    InstallmentOption,
    InstallmentOptionsResult,
    InstallmentsService,
    build_options,
)
from c2p_action.plugins import PluginManager
from c2p_action.schemas import (
    XML_REQUEST_MODELS,
    XML_RESPONSE_MODELS,
    IppOption,
    IppOptionRequest,
    IppOptionResponse,
)
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

DATA = Path(__file__).resolve().parent / "data" / "ipp"


def _canonical(document: bytes) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(document, parser), method="c14n")


# --- 2C2P's samples -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model_type"),
    [("options-request.xml", IppOptionRequest), ("options-response.xml", IppOptionResponse)],
)
def test_the_samples_parse_and_round_trip_exactly(name: str, model_type: type[object]) -> None:
    sample = (DATA / name).read_bytes()
    model = from_xml(sample, model_type)
    written = to_xml(model)
    assert from_xml(written, model_type) == model
    # Same elements, attributes and text in the same order: nothing lost, nothing added.
    assert _canonical(written) == _canonical(sample)
    models = XML_REQUEST_MODELS if "request" in name else XML_RESPONSE_MODELS
    assert from_xml(sample, models) == model


def test_the_sample_answer_as_typed_values() -> None:
    response = from_xml((DATA / "options-response.xml").read_bytes(), IppOptionResponse)
    result = interpret(prepare(OPTIONS, build_options(MERCHANT)), response, attempts=1)
    assert isinstance(result, InstallmentOptionsResult)
    assert (result.code, result.description) == ("00", "Success")
    (bank,) = result.banks
    assert (bank.name, bank.short_name, bank.logo_url) == ("HSBC", "HSBC", "https://…/27.png")
    assert bank.terms is None
    assert bank.promo_url is None
    assert bank.bins == ("424625", "448521")
    assert bank.accepts_bin("448521")
    assert not bank.accepts_bin("411111")
    assert bank.options == (
        InstallmentOption(
            id=1,
            period=6,
            merchant_interest_rate=Decimal("1.0000"),
            customer_interest_rate=Decimal("1.0000"),
            min_amount=Decimal("1.00"),
            currency="SGD",
            valid_from=date(2018, 2, 6),
            valid_until=date(2023, 2, 1),
        ),
    )
    (option,) = bank.options
    assert str(option.merchant_interest_rate) == "1.0000"  # exactly as sent
    assert option.merchant_interest_offered
    assert option.customer_interest_offered
    assert option.valid_on(date(2023, 2, 1))
    assert not option.valid_on(date(2023, 2, 2))
    assert option.applies_to(Decimal("1.00"), on=date(2020, 1, 1))
    assert not option.applies_to(Decimal("0.99"), on=date(2020, 1, 1))
    assert result.bank("HSBC") == bank
    assert result.bank("UOB") is None


# --- options as typed values ----------------------------------------------------------------


def _option(**attributes: str | None) -> IppOption:
    values: dict[str, str | None] = {
        "id": "1",
        "installment_period": "6",
        "mer_interest_rate": "1.0000",
        "cus_interest_rate": "1.0000",
        "min_amount": "1.00",
        "currency_code": "SGD",
        "valid_from": "2018-02-06",
        "valid_until": "2023-02-01",
        **attributes,
    }
    return IppOption(**values)


@pytest.mark.parametrize(
    ("rates", "merchant", "customer"),
    [
        (("-1.0000", "0.8000"), None, Decimal("0.8000")),
        (("0.5", "-0.01"), Decimal("0.5"), None),
        (("-0.0000", "0"), Decimal("0"), Decimal("0")),  # zero is offered: interest-free
        (("12.123456", "1"), Decimal("12.123456"), Decimal("1")),  # any decimals, exactly
        # Beyond decimal's 28 significant digits: kept exactly, and written back as it came.
        (("1" * 40, "0"), Decimal("1" * 40), Decimal("0")),
    ],
)
def test_a_negative_rate_means_not_offered(
    rates: tuple[str, str], merchant: Decimal | None, customer: Decimal | None
) -> None:
    option = InstallmentOption.from_model(
        _option(mer_interest_rate=rates[0], cus_interest_rate=rates[1])
    )
    assert (option.merchant_interest_rate, option.customer_interest_rate) == (merchant, customer)
    assert option.merchant_interest_offered is (merchant is not None)
    assert option.customer_interest_offered is (customer is not None)
    assert InstallmentOption.from_model(option.to_model()) == option


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"id": None}, "option@id is missing"),
        ({"id": "x"}, "option@id is not a whole number"),
        ({"installment_period": "-6"}, "installmentPeriod is not a whole number"),
        ({"mer_interest_rate": "1,5"}, "merInterestRate is not a decimal rate"),
        ({"cus_interest_rate": "NaN"}, "cusInterestRate is not a decimal rate"),
        ({"cus_interest_rate": ""}, "cusInterestRate is missing"),
        ({"min_amount": "-1.00"}, "minAmount is not a plain decimal amount"),
        ({"min_amount": "1e3"}, "minAmount is not a plain decimal amount"),
        ({"currency_code": " "}, "currencyCode is missing"),
        ({"valid_from": "06/02/2018"}, "validFrom is not a yyyy-MM-dd date"),
        ({"valid_until": "2023-02-30"}, "validUntil is not a yyyy-MM-dd date"),
        ({"valid_until": "20230201"}, "validUntil is not a yyyy-MM-dd date"),
    ],
)
def test_a_malformed_attribute_is_named(attributes: dict[str, str | None], message: str) -> None:
    with pytest.raises(XmlError, match=message):
        InstallmentOption.from_model(_option(**attributes))


def test_a_malformed_option_anywhere_in_the_answer_is_named_with_its_place() -> None:
    sample = (
        (DATA / "options-response.xml")
        .read_bytes()
        .replace(b'minAmount="1.00"', b'minAmount="1.0.0"')
    )
    response = from_xml(sample, IppOptionResponse)  # the model keeps the raw text
    result = interpret(prepare(OPTIONS, build_options(MERCHANT)), response, attempts=1)
    with pytest.raises(XmlError, match=r"ippBank\[0\]\.option\[0\]@minAmount"):
        _ = result.banks
    assert response.ipp_banks is not None
    assert response.ipp_banks.ipp_bank[0].installment_options is not None
    assert response.ipp_banks.ipp_bank[0].installment_options.option[0].min_amount == "1.0.0"


def test_typed_banks_round_trip_through_the_model() -> None:
    for bank in SAMPLE_BANKS:
        assert InstallmentBank.from_model(bank.to_model()) == bank
    written = to_xml(SAMPLE_BANKS[0].options[1].to_model())
    assert b'merInterestRate="-1.0000"' in written
    assert b'cusInterestRate="0.8000"' in written


def test_an_empty_answer_has_no_banks() -> None:
    call = prepare(OPTIONS, build_options(MERCHANT))
    result = interpret(call, IppOptionResponse(resp_code="00", resp_reason="Success"), attempts=1)
    assert result.banks == ()


# --- the table ------------------------------------------------------------------------------


def test_the_installments_family_as_declared() -> None:
    assert installments.OPERATIONS == (OPTIONS,)
    assert get_operation("installments.options") is OPTIONS
    assert OPTIONS.envelope is Envelope.NESTED
    assert OPTIONS.evidence is Evidence.INFERRED
    assert any("envelope" in item for item in OPTIONS.inferred)
    assert OPTIONS.retry is RetrySafety.ALWAYS
    assert OPTIONS.binding == ()
    assert OPTIONS.codes.description_field == "resp_reason"
    assert operation_for(build_options(MERCHANT)) is OPTIONS
    assert to_xml(build_options(MERCHANT)) == (
        b"<IppOptionRequest><version>2.2</version><merchantID>JT01</merchantID></IppOptionRequest>"
    )
    with pytest.raises(UnknownOptionError):
        installments.options_call(MERCHANT, {"bank": "HSBC"})  # type: ignore[typeddict-unknown-key]


def test_sync_and_async_services_have_identical_signatures() -> None:
    sync_method, async_method = InstallmentsService.options, AsyncInstallmentsService.options
    assert inspect.iscoroutinefunction(async_method)
    assert inspect.signature(sync_method) == inspect.signature(async_method)


# --- the emulator and both clients ----------------------------------------------------------


@pytest.fixture
def emulator(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
) -> Iterator[Emulator]:
    emu = Emulator(
        gateway_private, {MERCHANT: merchant_public, OTHER_MERCHANT: other_private.public_key()}
    )
    yield emu
    emu.close()


UOB = InstallmentBank(
    name="United Overseas Bank",
    short_name="UOB",
    bins=("401234",),
    terms="https://uob.invalid/t",
    options=(
        InstallmentOption(
            id=7,
            period=24,
            merchant_interest_rate=Decimal("0"),
            customer_interest_rate=None,
            min_amount=Decimal("1000"),
            currency="SGD",
            valid_from=date(2026, 1, 1),
            valid_until=date(2026, 12, 31),
        ),
    ),
)


def test_both_clients_in_process_and_over_http(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    InstallmentsFamily.of(emulator).configure(OTHER_MERCHANT, [UOB])  # others keep the default
    plugins = PluginManager(allow=())
    results: list[InstallmentOptionsResult] = []
    with Client(
        MERCHANT,
        merchant_private,
        gateway_public,
        plugins=plugins,
        transport=InProcessTransport(emulator.handle),
    ) as client:
        results.append(client.installments.options())

    async def run(transport: str | None = None, base: str = "sandbox") -> InstallmentOptionsResult:
        async with AsyncClient(
            MERCHANT,
            merchant_private,
            gateway_public,
            plugins=plugins,
            environment=base,
            transport=transport or InProcessTransport(emulator.ahandle),
        ) as aclient:
            return await aclient.installments.options()

    results.append(asyncio.run(run()))
    with emulator.start_server() as server:
        with Client(
            MERCHANT,
            merchant_private,
            gateway_public,
            plugins=plugins,
            transport="urllib3",
            environment=server.base_url,
        ) as client:
            results.append(client.installments.options(timeout=10))
        results.append(asyncio.run(run("aiohttp", server.base_url)))
    for result in results:
        assert result.response.version == "2.2"
        assert result.banks == SAMPLE_BANKS
        assert result.response.ipp_banks is not None
        option = result.response.ipp_banks.ipp_bank[0].installment_options
        assert option is not None
        assert option.option[0].mer_interest_rate == "1.0000"  # four decimals, as the sample


def test_a_configured_table_is_kept_per_merchant_in_the_ledger(
    tmp_path: Path,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
) -> None:
    path = tmp_path / "ledger.sqlite"
    first = Emulator(gateway_private, {MERCHANT: merchant_public}, ledger=path)
    InstallmentsFamily.of(first).configure(MERCHANT, [UOB, *SAMPLE_BANKS])
    first.close()
    second = Emulator(gateway_private, {MERCHANT: merchant_public}, ledger=Ledger(path))
    family = InstallmentsFamily.of(second)
    assert family.banks_for(MERCHANT) == (UOB, *SAMPLE_BANKS)
    assert family.banks_for("NOBODY") == SAMPLE_BANKS
    answer = second.handle(wire(merchant_codec.seal(to_xml(build_options(MERCHANT)))))
    response = decode_response(merchant_codec, answer.body, IppOptionResponse)
    result = interpret(prepare(OPTIONS, build_options(MERCHANT)), response, attempts=1)
    assert [b.short_name for b in result.banks] == ["UOB", "HSBC"]
    family.configure(MERCHANT, [])  # no bank offers installments
    empty = decode_response(
        merchant_codec,
        second.handle(wire(merchant_codec.seal(to_xml(build_options(MERCHANT))))).body,
        IppOptionResponse,
    )
    assert (empty.resp_code, empty.ipp_banks) == ("00", None)
    second.close()


@pytest.mark.parametrize(
    "banks",
    [
        [InstallmentBank(name="X" * 251, short_name="X")],
        [InstallmentBank(name="B", short_name="B", bins=("1234567",))],
        ["HSBC"],
        [
            InstallmentBank(
                name="B",
                short_name="B",
                options=(
                    InstallmentOption(
                        id=100,
                        period=6,
                        merchant_interest_rate=None,
                        customer_interest_rate=None,
                        min_amount=Decimal(1),
                        currency="SGD",
                        valid_from=date(2020, 1, 1),
                        valid_until=date(2020, 1, 2),
                    ),
                ),
            )
        ],
    ],
)
def test_a_table_an_answer_cannot_carry_is_refused_when_configured(
    emulator: Emulator, banks: list[InstallmentBank]
) -> None:
    with pytest.raises(ConfigurationError, match="installment table"):
        InstallmentsFamily.of(emulator).configure(MERCHANT, banks)
    with pytest.raises(ConfigurationError):
        InstallmentsFamily(banks)


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (b"<IppOptionRequest><version>2.2</version>", "02"),
        (b"<IppOptionRequest><version>2.2</version></IppOptionRequest>", "10"),
        (b"<IppOptionRequest><merchantID></merchantID></IppOptionRequest>", "10"),
        (b"<IppOptionRequest><merchantID>JT02</merchantID></IppOptionRequest>", "03"),
        (b"<IppOptionRequest><merchantID>JT01</merchantID><x/></IppOptionRequest>", "11"),
        (
            b"<IppOptionRequest><merchantID>JT01</merchantID><merchantID>JT01</merchantID>"
            b"</IppOptionRequest>",
            "11",
        ),
        (
            b"<IppOptionRequest><version>123456</version><merchantID>JT01</merchantID>"
            b"</IppOptionRequest>",
            "11",
        ),
        (
            b"<IppOptionRequest><timeStamp>131221155503</timeStamp><merchantID>JT01</merchantID>"
            b"</IppOptionRequest>",
            "00",
        ),
    ],
)
def test_requests_on_the_wire_get_a_precise_code(
    emulator: Emulator, merchant_codec: Codec, document: bytes, code: str
) -> None:
    answer = emulator.handle(wire(merchant_codec.seal(document)))
    response = decode_response(merchant_codec, answer.body, IppOptionResponse)
    assert response.resp_code == code
    assert response.resp_reason
    assert (response.ipp_banks is not None) is (code == "00")
    if code == "00":
        assert response.time_stamp == "131221155503"  # echoed, as in the sample


def test_refusals_raise_and_a_lost_answer_is_asked_again(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    seen: list[TransportRequest] = []

    def flaky(request: TransportRequest) -> TransportResponse:
        seen.append(request)
        if len(seen) < 3:
            raise TransportError("connection reset", retryable=True)
        return emulator.handle(request)

    with Client(
        MERCHANT,
        merchant_private,
        gateway_public,
        plugins=PluginManager(allow=()),
        transport=InProcessTransport(flaky),
        max_attempts=3,
    ) as client:
        result = client.installments.options()
    assert (result.attempts, len(seen)) == (3, 3)
    assert result.banks == SAMPLE_BANKS
    refusal = IppOptionResponse(resp_code="11", resp_reason="Request validation failed")
    with pytest.raises(InvalidRequestError, match="11"):
        interpret(prepare(OPTIONS, build_options(MERCHANT)), refusal, attempts=1)
