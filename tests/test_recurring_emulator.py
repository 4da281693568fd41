"""Recurring plans end to end: both clients against the emulator, in-process and over HTTP.

The emulator answers in the twelve-digit form and with version 2.4 (what every answer sample
but the oldest does); it accepts both amount forms in requests, as 2C2P's own request samples
use both. Its refusal codes are its own choice (see c2p_action/emulator/recurring.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _emulator_support import MERCHANT, OTHER_MERCHANT, wire
from _forge import sign
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import AsyncClient, Client
from c2p_action.codec import decode_response, from_xml, to_xml
from c2p_action.emulator import Emulator, Ledger
from c2p_action.emulator.recurring import Plan, RecurringFamily
from c2p_action.errors import (
    ConfigurationError,
    InvalidRequestError,
    NotAllowedError,
    NotFoundError,
    TransportError,
    ValidationError,
)
from c2p_action.operations.recurring import RecurringResult, RecurringStatus
from c2p_action.plugins import PluginManager
from c2p_action.schemas import RecurringMaintenanceResponse
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

PLAN = "156142"
TODAY = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
DATA = Path(__file__).resolve().parent / "data" / "recurring"


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


def _family(emulator: Emulator) -> RecurringFamily:
    return RecurringFamily.of(emulator)


def _seed(emulator: Emulator, plan: str = PLAN, **fields: Any) -> Plan:
    fields.setdefault("charge_next_date", date(2026, 3, 7))
    return _family(emulator).seed_plan(MERCHANT, plan, fields.pop("amount", "99.90"), **fields)


def _clients(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> tuple[Client, AsyncClient]:
    plugins = PluginManager(allow=())
    return (
        Client(
            MERCHANT,
            merchant_private,
            gateway_public,
            plugins=plugins,
            transport=InProcessTransport(emulator.handle),
        ),
        AsyncClient(
            MERCHANT,
            merchant_private,
            gateway_public,
            plugins=plugins,
            transport=InProcessTransport(emulator.ahandle),
        ),
    )


# --- the story, through both clients --------------------------------------------------------


_UPDATE: dict[str, Any] = {
    "amount": "120.50",
    "currency": "SGD",
    "recurring_count": 24,
    "charge_next_date": date(2026, 4, 1),
    "allow_accumulate": True,
    "max_accumulate_amount": "50",
}


def _story_sync(client: Client, plan: str) -> list[RecurringResult]:
    return [
        client.recurring.inquiry(plan),
        client.recurring.update(plan, **_UPDATE),
        client.recurring.inquiry(int(plan)),
        client.recurring.cancel(plan),
        client.recurring.inquiry(plan),
    ]


async def _story_async(client: AsyncClient, plan: str) -> list[RecurringResult]:
    return [
        await client.recurring.inquiry(plan),
        await client.recurring.update(plan, **_UPDATE),
        await client.recurring.inquiry(int(plan)),
        await client.recurring.cancel(plan),
        await client.recurring.inquiry(plan),
    ]


def _check_story(results: list[RecurringResult], emulator: Emulator, plan: str) -> None:
    before, updated, after, cancelled, final = results
    assert [r.operation for r in results] == [
        "recurring.inquiry",
        "recurring.update",
        "recurring.inquiry",
        "recurring.cancel",
        "recurring.inquiry",
    ]
    assert before.code == "00"
    assert before.description == "Inquiry Successful"
    assert before.response.version == "2.4"
    assert before.response.amount == "000000009990"  # the 12-digit form, as 2C2P answers
    assert (before.amount, str(before.currency)) == (Decimal("99.90"), "SGD")
    assert (before.active, before.recurring_interval, before.remaining_count) == (True, 30, 12)
    assert before.charge_next_date == date(2026, 3, 7)
    assert updated.description == "Update Successful"
    for result in (updated, after):
        assert result.amount == Decimal("120.50")
        assert result.recurring_count == 24
        assert result.charge_next_date == date(2026, 4, 1)
        assert result.allow_accumulate is True
        assert result.max_accumulate_amount == Decimal("50.00")
    assert (cancelled.description, cancelled.recurring_unique_id) == ("Cancel Successful", plan)
    assert cancelled.response.merchant_id is None  # the cancel sample's short shape
    assert (final.status, final.active) == (RecurringStatus.INACTIVE, False)
    stored = _family(emulator).plan(MERCHANT, plan)
    assert stored is not None
    assert stored.cancelled
    assert (stored.amount, stored.recurring_count) == (Decimal("120.50"), 24)


def test_both_clients_in_process(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    client, aclient = _clients(emulator, merchant_private, gateway_public)
    _seed(emulator, "156142")
    _seed(emulator, "156143")

    async def run() -> list[RecurringResult]:
        async with aclient:
            return await _story_async(aclient, "156143")

    with client:
        _check_story(_story_sync(client, "156142"), emulator, "156142")
    _check_story(asyncio.run(run()), emulator, "156143")


@pytest.mark.parametrize("transports", [("urllib3", "aiohttp")], ids=["urllib3+aiohttp"])
def test_both_clients_over_http(
    emulator: Emulator,
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    transports: tuple[str, str],
) -> None:
    _seed(emulator, "1")
    _seed(emulator, "2", amount="5000", currency="JPY")
    with emulator.start_server() as server:
        base, plugins = server.base_url, PluginManager(allow=())
        with Client(
            MERCHANT,
            merchant_private,
            gateway_public,
            transport=transports[0],
            environment=base,
            plugins=plugins,
        ) as client:
            sync_results = [
                client.recurring.inquiry("1"),
                client.recurring.update("1", recurring_status="N"),
                client.recurring.cancel("1"),
            ]

        async def run() -> list[RecurringResult]:
            async with AsyncClient(
                MERCHANT,
                merchant_private,
                gateway_public,
                transport=transports[1],
                environment=base,
                plugins=plugins,
            ) as aclient:
                return [
                    await aclient.recurring.inquiry("2"),
                    await aclient.recurring.update("2", amount=7000, currency="JPY"),
                    await aclient.recurring.cancel("2"),
                ]

        async_results = asyncio.run(run())
    assert [r.code.value for r in sync_results + async_results] == ["00"] * 6
    assert sync_results[1].active is False
    assert async_results[0].amount == Decimal(5000)  # JPY: exponent 0
    assert async_results[0].response.amount == "000000005000"
    assert async_results[1].amount == Decimal(7000)
    assert {p.recurring_unique_id: p.cancelled for p in _family(emulator).plans()} == {
        "1": True,
        "2": True,
    }


# --- refusals -------------------------------------------------------------------------------


def test_refusals_map_to_the_error_tree(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    _seed(emulator)
    client, _ = _clients(emulator, merchant_private, gateway_public)
    with client:
        with pytest.raises(NotFoundError) as missing:
            client.recurring.inquiry("999")
        assert (missing.value.code, missing.value.description) == (
            "16",
            "Requested transaction doesn't exist",
        )
        with pytest.raises(NotFoundError):
            client.recurring.cancel("999")
        # Another merchant's plan is no plan of ours.
        _family(emulator).seed_plan(OTHER_MERCHANT, "555", "1.00")
        with pytest.raises(NotFoundError):
            client.recurring.inquiry("555")
        # More charges made than the new count allows.
        _family(emulator).charge(MERCHANT, PLAN)
        _family(emulator).charge(MERCHANT, PLAN)
        with pytest.raises(InvalidRequestError) as fewer:
            client.recurring.update(PLAN, recurring_count=1)
        assert fewer.value.code == "11"
        client.recurring.cancel(PLAN)
        with pytest.raises(NotAllowedError) as twice:
            client.recurring.cancel(PLAN)
        assert twice.value.code == "61"
        with pytest.raises(NotAllowedError) as cancelled:
            client.recurring.update(PLAN, recurring_count=30)
        assert cancelled.value.code == "12"
    plan = _family(emulator).plan(MERCHANT, PLAN)
    assert plan is not None
    assert plan.recurring_count == 12  # the refused update changed nothing


def test_update_and_cancel_are_never_repeated_and_inquiry_is(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    _seed(emulator)
    seen: list[TransportRequest] = []

    def drop_after_acting(request: TransportRequest) -> TransportResponse:
        seen.append(request)
        emulator.handle(request)  # the emulator acts ...
        raise TransportError("connection reset", retryable=True)  # ... and the answer is lost

    client = Client(
        MERCHANT,
        merchant_private,
        gateway_public,
        plugins=PluginManager(allow=()),
        transport=InProcessTransport(drop_after_acting),
        max_attempts=3,
    )
    with client:
        with pytest.raises(TransportError):
            client.recurring.update(PLAN, recurring_count=20)
        assert len(seen) == 1
        with pytest.raises(TransportError):
            client.recurring.cancel(PLAN)
        assert len(seen) == 2
        with pytest.raises(TransportError):
            client.recurring.inquiry(PLAN)
        assert len(seen) == 5  # read-only: retried up to max_attempts
    plan = _family(emulator).plan(MERCHANT, PLAN)
    assert plan is not None
    assert (plan.recurring_count, plan.cancelled) == (20, True)


def test_nothing_is_sent_for_bad_input(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    sent: list[TransportRequest] = []

    def record(request: TransportRequest) -> TransportResponse:
        sent.append(request)
        return emulator.handle(request)

    client = Client(
        MERCHANT,
        merchant_private,
        gateway_public,
        plugins=PluginManager(allow=()),
        transport=InProcessTransport(record),
    )
    with client:
        calls: list[Callable[[], object]] = [
            lambda: client.recurring.update(PLAN, amount="99.90"),  # no currency
            lambda: client.recurring.update(PLAN, amount="99.999", currency="SGD"),
            lambda: client.recurring.update(PLAN),
            lambda: client.recurring.inquiry("12a"),
            lambda: client.recurring.cancel(PLAN, amount="1"),  # type: ignore[call-arg]
        ]
        for call in calls:
            with pytest.raises(ValidationError):
                call()
    assert sent == []


# --- the emulator's own rules, on the wire --------------------------------------------------


def _post(emulator: Emulator, codec: Codec, document: bytes) -> RecurringMaintenanceResponse:
    answer = emulator.handle(wire(codec.seal(document)))
    assert answer.status == 200
    response = decode_response(codec, answer.body)
    assert isinstance(response, RecurringMaintenanceResponse)
    return response


def _request(body: str, merchant: str = MERCHANT, plan: str = PLAN, kind: str = "U") -> bytes:
    return (
        f"<RecurringMaintenanceRequest><version>2.4</version><timeStamp>050321091314</timeStamp>"
        f"<merchantID>{merchant}</merchantID><recurringUniqueID>{plan}</recurringUniqueID>"
        f"<processType>{kind}</processType>{body}</RecurringMaintenanceRequest>"
    ).encode()


def test_the_samples_are_answered_as_2c2p_would(emulator: Emulator, merchant_codec: Codec) -> None:
    _seed(emulator)
    # The inquiry sample sends a decimal amount and empty elements: an inquiry ignores them.
    inquiry = _post(emulator, merchant_codec, (DATA / "inquiry-request.xml").read_bytes())
    assert (inquiry.resp_code, inquiry.time_stamp) == ("00", "030321155002")  # echoed
    assert (inquiry.amount, inquiry.currency, inquiry.charge_next_date) == (
        "000000009990",
        "702",
        "20260307",
    )
    update = _post(emulator, merchant_codec, (DATA / "update-request.xml").read_bytes())
    assert (update.resp_code, update.recurring_count) == ("00", "24")
    cancel = _post(emulator, merchant_codec, (DATA / "cancel-request.xml").read_bytes())
    expected = RecurringMaintenanceResponse(
        version="2.4",
        time_stamp="050321095210",
        resp_code="00",
        resp_reason="Cancel Successful",
        recurring_unique_id=PLAN,
    )
    assert cancel == expected
    # The very answer of 2C2P's cancel sample (whose element order differs).
    sample = (DATA / "cancel-response.xml").read_bytes()
    assert from_xml(sample, RecurringMaintenanceResponse) == expected


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ("<amount>000000012050</amount>", "00", ("amount_minor", 12050)),
        ("<amount>120.50</amount>", "00", ("amount_minor", 12050)),  # the decimal form too
        ("<amount>120.505</amount>", "18", None),
        ("<amount>12050</amount>", "18", None),
        ("<amount>000000000000</amount>", "18", None),
        ("<amount>1e3</amount>", "18", None),
        (
            "<maxAccumulateAmount>000000000000</maxAccumulateAmount>",
            "00",
            ("max_accumulate_minor", 0),
        ),
        ("<recurringStatus>N</recurringStatus>", "00", ("status", "N")),
        ("<recurringStatus>X</recurringStatus>", "11", None),
        ("<allowAccumulate>Y</allowAccumulate>", "00", ("allow_accumulate", True)),
        ("<recurringInterval>366</recurringInterval>", "11", None),
        ("<recurringInterval>7</recurringInterval>", "00", ("recurring_interval", 7)),
        ("<recurringCount>0</recurringCount>", "00", ("recurring_count", 0)),
        ("<chargeNextDate>01042026</chargeNextDate>", "00", ("charge_next_date", date(2026, 4, 1))),
        ("<chargeNextDate>20260401</chargeNextDate>", "00", ("charge_next_date", date(2026, 4, 1))),
        ("<chargeNextDate>2026-04-01</chargeNextDate>", "11", None),
        ("<chargeOnDate>0104</chargeOnDate>", "00", ("charge_on_date", "0104")),
        ("<chargeOnDate>3202</chargeOnDate>", "11", None),
        ("<allowAccumulate/><maxAccumulateAmount/>", "10", None),  # empty: nothing changes
    ],
)
def test_update_fields_on_the_wire(
    emulator: Emulator,
    merchant_codec: Codec,
    body: str,
    code: str,
    field: tuple[str, object] | None,
) -> None:
    seeded = _seed(emulator)
    answer = _post(emulator, merchant_codec, _request(body))
    assert answer.resp_code == code
    assert answer.recurring_unique_id == PLAN
    plan = _family(emulator).plan(MERCHANT, PLAN)
    if field is None:
        assert plan == seeded
    else:
        assert plan is not None
        assert getattr(plan, field[0]) == field[1]


@pytest.mark.parametrize(
    ("document", "code", "echo"),
    [
        (b"<RecurringMaintenanceRequest><version>2.4</version>", "02", None),
        (_request("", kind="X"), "17", PLAN),
        (_request("", plan=""), "10", None),
        (_request("").replace(b"<merchantID>JT01</merchantID>", b""), "10", PLAN),
        (_request("", plan="12a"), "11", "12a"),
        (_request("", plan="1" * 21), "11", None),
        (_request("<amount>1</amount><amount>2</amount>"), "11", PLAN),
        (_request("<hashValue>AB</hashValue>"), "11", PLAN),
        (_request("", merchant=OTHER_MERCHANT), "03", PLAN),
        (_request("", merchant=""), "10", PLAN),
        (_request("<recurringStatus>YY</recurringStatus>"), "11", PLAN),
    ],
)
def test_requests_that_do_not_bind_get_a_precise_code(
    emulator: Emulator, merchant_codec: Codec, document: bytes, code: str, echo: str | None
) -> None:
    seeded = _seed(emulator)
    answer = _post(emulator, merchant_codec, document)
    assert (answer.resp_code, answer.recurring_unique_id) == (code, echo)
    assert answer.resp_reason
    assert _family(emulator).plan(MERCHANT, PLAN) == seeded


def test_a_valid_token_replayed_by_another_merchant_is_03(
    emulator: Emulator,
    merchant_codec: Codec,
    merchant_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    _seed(emulator)
    other = Codec(other_private, gateway_public)
    # The other merchant re-signs our cancel (it cannot read it: it is encrypted to the gateway).
    inner = Codec(other_private, merchant_public).verify(
        merchant_codec.seal(_request("", kind="C"))
    )
    answer = emulator.handle(wire(sign(inner, other_private)))
    response = decode_response(other, answer.body, RecurringMaintenanceResponse)
    assert response.resp_code == "03"
    plan = _family(emulator).plan(MERCHANT, PLAN)
    assert plan is not None
    assert not plan.cancelled


# --- seeding, charging, persistence ---------------------------------------------------------


def test_seeding_checks_what_it_is_given(emulator: Emulator) -> None:
    family = _family(emulator)
    _seed(emulator)
    with pytest.raises(ConfigurationError, match="already seeded"):
        _seed(emulator)
    with pytest.raises(ConfigurationError, match="masked"):
        family.seed_plan(MERCHANT, "2", "1.00", masked_card_no="4111111111111111")
    with pytest.raises(ValidationError, match="more than 0 decimals"):
        family.seed_plan(MERCHANT, "3", "1.50", currency="JPY")
    with pytest.raises(ValidationError, match="no minor unit"):
        family.seed_plan(MERCHANT, "4", "1", currency="XAU")
    with pytest.raises(ValidationError):
        family.seed_plan(MERCHANT, "5", "1.00", recurring_interval=0)
    with pytest.raises(ValidationError):
        family.seed_plan(MERCHANT, "6", "1.00", charge_next_date=date(1800, 1, 1))
    assert [p.recurring_unique_id for p in family.plans()] == [PLAN]
    with pytest.raises(ConfigurationError, match="no recurring plans"):
        RecurringFamily.of(Emulator(*_keys(emulator), families=[]))


def _keys(emulator: Emulator) -> tuple[rsa.RSAPrivateKey, dict[str, rsa.RSAPublicKey]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, {MERCHANT: key.public_key()}


def test_charges_move_the_schedule_and_end_a_counted_plan(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    family = RecurringFamily(clock=lambda: TODAY)
    emulator = Emulator(gateway_private, {MERCHANT: merchant_public}, families=[family])
    plan = family.seed_plan(MERCHANT, "7", "10.00", recurring_interval=10, recurring_count=2)
    assert plan.charge_next_date == date(2026, 3, 11)  # one interval from the clock's today
    assert plan.invoice_prefix == "010326093000"
    first = family.charge(MERCHANT, "7")
    assert (first.current_count, first.remaining_count, first.charge_next_date) == (
        1,
        1,
        date(2026, 3, 21),
    )
    last = family.charge(MERCHANT, "7")
    assert (last.status, last.remaining_count, last.charge_next_date) == ("N", 0, None)
    with pytest.raises(ConfigurationError, match="not an active plan"):
        family.charge(MERCHANT, "7")
    endless = family.seed_plan(MERCHANT, "8", "10.00", recurring_count=0)
    assert family.charge(MERCHANT, endless.recurring_unique_id).remaining_count is None
    emulator.close()


def test_plans_survive_a_restart_of_a_file_ledger(
    tmp_path: Path, gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    path = tmp_path / "ledger.sqlite"
    first = Emulator(gateway_private, {MERCHANT: merchant_public}, ledger=path)
    _seed(first, amount="1.250", currency="KWD", max_accumulate_amount="0.5")
    first.close()
    second = Emulator(gateway_private, {MERCHANT: merchant_public}, ledger=Ledger(path))
    plan = _family(second).plan(MERCHANT, PLAN)
    assert plan is not None
    assert (plan.amount, plan.currency.code, plan.max_accumulate_minor) == (
        Decimal("1.250"),
        "KWD",
        500,
    )
    second.close()


def test_an_answer_that_cannot_be_written_is_99(emulator: Emulator, merchant_codec: Codec) -> None:
    family = _family(emulator)
    # A prefix longer than the answer's schema allows, put straight into the ledger.
    _seed(emulator, invoice_prefix="P" * 60)
    answer = _post(emulator, merchant_codec, _request("", kind="I"))
    assert (answer.resp_code, answer.recurring_unique_id) == ("99", None)
    assert to_xml(answer)
    assert family.plan(MERCHANT, PLAN) is not None
