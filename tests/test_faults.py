"""A seeded, bounded run of refunds against the HTTP emulator with every fault switched on.

Latency, 5xx before processing, connections dropped after the commit, corrupted answers and a
restart of the emulator on its SQLite file: the merchant side (sync ``Client`` and some
``AsyncClient``) keeps a book of what it believes, resolves every call whose outcome it could not
see the way a real merchant would (the same refund again with the same idempotencyID, until a
verified answer comes), and at the end the ledger must hold exactly the refunds of the book.

Two sizes: 300 operations on 30 invoices in every run, and 3000 operations on 300 invoices,
marked ``slow`` (``pytest --run-slow``; scripts/test runs it). ``C2P_FAULT_OPERATIONS`` changes
the size of the default run (one invoice per ten operations) and ``C2P_FAULT_SEED`` the seed.
The merchant key is RSA-2048 here (the conftest's ``other_private``) so that a few thousand
calls fit in CI time; the key size changes nothing the run checks.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.client import AsyncClient, Client, PaymentResult, RetryPolicy, new_idempotency_id
from c2p_action.emulator import Emulator, Faults, Trigger
from c2p_action.emulator.rules import FAILED_REFUND_STATUSES
from c2p_action.emulator.server import RunningServer
from c2p_action.errors import C2PError, GatewayError, SignatureError, TransportError
from c2p_action.plugins import PluginManager
from c2p_action.transports._urllib3 import Urllib3Transport
from c2p_action.transports.base import TransportOptions, TransportRequest, TransportResponse

OPERATIONS = int(os.environ.get("C2P_FAULT_OPERATIONS", "300"))
LONG_OPERATIONS = 3000
SEED = int(os.environ.get("C2P_FAULT_SEED", "20240611"))
MID = "JT01"
ORIGINAL = Decimal("100.00")
MAX_RESOLVE_ROUNDS = 40


def _faults(seed: int) -> Faults:
    return Faults(
        latency=0.0005,
        error_before=Trigger(0.05),
        drop_after_commit=Trigger(0.05),
        corrupt_response=Trigger(0.05),
        seed=seed,
    )


class ObservedTransport(Urllib3Transport):
    """The real urllib3 transport, counting what each attempt met (an observer, not a fake)."""

    def __init__(self, options: TransportOptions) -> None:
        super().__init__(options)
        self.seen: Counter[str] = Counter()

    def send(self, request: TransportRequest) -> TransportResponse:
        try:
            response = super().send(request)
        except TransportError:
            self.seen["transport-error"] += 1
            raise
        self.seen[f"http-{response.status}"] += 1
        return response


@dataclass
class Book:
    """What the merchant believes, keyed by idempotencyID."""

    invoices: list[str]  # the settled transactions it refunds from
    asked: dict[str, tuple[str, Decimal]] = field(default_factory=dict)
    landed: dict[str, str] = field(default_factory=dict)  # -> refundReferenceNo
    refused: dict[str, str] = field(default_factory=dict)  # -> respCode
    unknown: set[str] = field(default_factory=set)
    errors: Counter[str] = field(default_factory=Counter)
    untyped: list[str] = field(default_factory=list)

    def outcome(self, key: str, result: PaymentResult | BaseException) -> None:
        """Record one call's outcome for refund ``key``."""
        self.unknown.discard(key)
        if isinstance(result, PaymentResult):
            assert result.code == "00", result.code
            assert result.idempotency_id == key
            assert result.refund_reference_no
            self.landed[key] = result.refund_reference_no
        elif isinstance(result, GatewayError):
            # A verified refusal: nothing landed. (A replay repeats the original's refusal.)
            assert result.idempotency_id == key
            self.refused[key] = result.code
        elif isinstance(result, C2PError):
            # No verified answer: the refund may or may not have landed.
            assert getattr(result, "idempotency_id", None) == key
            self.errors[type(result).__name__] += 1
            self.unknown.add(key)
        else:
            self.untyped.append(repr(result))


@dataclass
class Gateway:
    """The emulator on its ledger file, served on a fixed local port; restartable."""

    path: Path
    gateway_key: rsa.RSAPrivateKey
    merchant_key: rsa.RSAPublicKey
    port: int = 0
    restarts: int = 0
    emulator: Emulator | None = None
    server: RunningServer | None = None

    def start(self) -> Gateway:
        self.emulator = Emulator(
            self.gateway_key,
            {MID: self.merchant_key},
            ledger=self.path,
            faults=_faults(SEED + self.restarts),
        )
        self.server = self.emulator.start_server(port=self.port, poll_interval=60)
        self.port = self.server.port
        return self

    def stop(self) -> None:
        assert self.server is not None
        assert self.emulator is not None
        self.server.stop()
        self.emulator.close()
        self.restarts += 1

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.base_url


@pytest.fixture(
    params=[
        pytest.param(OPERATIONS, id=f"{OPERATIONS}-operations"),
        pytest.param(LONG_OPERATIONS, id=f"{LONG_OPERATIONS}-operations", marks=pytest.mark.slow),
    ]
)
def operations(request: pytest.FixtureRequest) -> int:
    size: int = request.param
    return size


@pytest.fixture
def invoices(operations: int) -> list[str]:
    # About ten operations per invoice: enough refunds on each to reach the amount limit.
    return [f"INV-F{n:03d}" for n in range(max(10, operations // 10))]


@pytest.fixture
def gateway(
    tmp_path: Path,
    gateway_private: rsa.RSAPrivateKey,
    other_private: rsa.RSAPrivateKey,
    invoices: list[str],
) -> Iterator[Gateway]:
    path = tmp_path / "ledger.sqlite"
    seeding = Emulator(gateway_private, {MID: other_private.public_key()}, ledger=path)
    for invoice in invoices:
        seeding.seed(invoice, ORIGINAL, status="S")
    seeding.close()
    running = Gateway(path, gateway_private, other_private.public_key()).start()
    yield running
    if running.server is not None:
        running.stop()


def _retry(rng: random.Random) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=3, backoff_base=0.001, backoff_max=0.005, random_source=rng.random
    )


def _amount(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(100, 3500)) / 100


def _refund_sync(client: Client, book: Book, key: str) -> None:
    invoice, amount = book.asked[key]
    try:
        book.outcome(key, client.refund(invoice, amount, idempotency_id=key))
    except Exception as error:  # every outcome is booked; untyped ones fail the test
        book.outcome(key, error)


async def _refund_async(client: AsyncClient, book: Book, key: str) -> None:
    invoice, amount = book.asked[key]
    try:
        book.outcome(key, await client.refund(invoice, amount, idempotency_id=key))
    except Exception as error:
        book.outcome(key, error)


def _new_refund(book: Book, rng: random.Random) -> str:
    key = new_idempotency_id()
    book.asked[key] = (rng.choice(book.invoices), _amount(rng))
    return key


def _run_sync(client: Client, book: Book, rng: random.Random, count: int) -> None:
    for _ in range(count):
        roll = rng.random()
        if roll < 0.1 and book.asked:
            # The merchant repeats an earlier refund on purpose (a retry from its own queue).
            _refund_sync(client, book, rng.choice(sorted(book.asked)))
        elif roll < 0.2:
            try:
                client.inquiry(rng.choice(book.invoices))
            except C2PError as error:
                book.errors[f"inquiry {type(error).__name__}"] += 1
            except Exception as error:
                book.untyped.append(repr(error))
        else:
            _refund_sync(client, book, _new_refund(book, rng))


def _run_async(
    url: str, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey], book: Book, rng: random.Random,
    count: int,
) -> None:
    async def run() -> None:
        async with AsyncClient(
            MID, keys[0], keys[1], environment=url, timeout=10, retry=_retry(rng),
            max_connections=8, plugins=PluginManager(allow=()),
        ) as client:
            for _ in range(count // 8):
                batch = [_new_refund(book, rng) for _ in range(8)]
                await asyncio.gather(*(_refund_async(client, book, key) for key in batch))

    asyncio.run(run())


def _resolve(client: Client, book: Book) -> None:
    """Repeat every refund of unknown outcome with its idempotencyID until it is verified."""
    for _ in range(MAX_RESOLVE_ROUNDS):
        if not book.unknown:
            return
        for key in sorted(book.unknown):
            _refund_sync(client, book, key)
    raise AssertionError(f"{len(book.unknown)} refunds still unresolved")


def _refund_references(client: Client, invoice: str) -> set[str]:
    """What refund_status reports, asked until a verified answer comes (faults stay on)."""
    for _ in range(MAX_RESOLVE_ROUNDS):
        try:
            return {str(r.reference_no) for r in client.refund_status(invoice).refunds}
        except (TransportError, SignatureError):
            continue
    raise AssertionError(f"refund_status of {invoice} never answered")


def test_faulty_run_ledger_matches_what_the_merchant_believes(
    gateway: Gateway,
    operations: int,
    invoices: list[str],
    other_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    rng = random.Random(SEED)
    book = Book(invoices)
    transport = ObservedTransport(TransportOptions(timeout=10))
    keys = (other_private, gateway_public)
    with Client(
        MID, *keys, environment=gateway.url, transport=transport, timeout=10, retry=_retry(rng),
        plugins=PluginManager(allow=()),
    ) as client:
        sync_part = operations * 4 // 5
        _run_sync(client, book, rng, sync_part // 2)

        # Restart on the same ledger file; refunds asked while it is down must fail typed.
        gateway.stop()
        down = [_new_refund(book, rng) for _ in range(3)]
        for key in down:
            _refund_sync(client, book, key)
        assert set(down) <= book.unknown
        gateway.start()

        _run_sync(client, book, rng, sync_part - sync_part // 2)
        _run_async(gateway.url, keys, book, rng, operations - sync_part)
        _resolve(client, book)
        reported = {invoice: _refund_references(client, invoice) for invoice in invoices}
    transport.close()

    # Shown by pytest only when the test fails.
    print(f"asked {len(book.asked)}, landed {len(book.landed)}, refused {len(book.refused)}")
    print(f"errors {dict(book.errors)}; attempts {dict(transport.seen)}")
    assert book.untyped == []
    # Every fault really happened, and each surfaced as a typed error or was retried away.
    assert transport.seen["http-503"] > 0
    assert transport.seen["transport-error"] > 0
    assert book.errors["SignatureError"] > 0
    assert book.errors["TransportError"] >= len(down)

    assert gateway.emulator is not None
    ledger = gateway.emulator.ledger
    landed_ids: set[int] = set()
    for key, reference in book.landed.items():
        record = ledger.idempotency(MID, key)
        assert record is not None, key
        assert record.refund_id is not None, key
        refund = ledger.refund(record.refund_id)
        assert refund is not None
        invoice, amount = book.asked[key]
        assert (refund.invoice_no, refund.amount, refund.reference_no) == (
            invoice, amount, reference
        )
        landed_ids.add(refund.id)
    for key in book.refused:
        record = ledger.idempotency(MID, key)
        assert record is None or record.refund_id is None, key

    all_refunds = [r for invoice in invoices for r in ledger.refunds(MID, invoice)]
    assert {r.id for r in all_refunds} == landed_ids  # nothing the merchant does not know of
    assert len(book.landed) == len(landed_ids)  # one refund per idempotencyID
    for invoice in invoices:
        refunds = ledger.refunds(MID, invoice)
        live = sum(
            (r.amount for r in refunds if r.status not in FAILED_REFUND_STATUSES), Decimal(0)
        )
        assert live <= ORIGINAL, invoice
        believed = {ref for key, ref in book.landed.items() if book.asked[key][0] == invoice}
        assert reported[invoice] == believed == {r.reference_no for r in refunds}
    # The run is big enough to have refunded something and to have hit the amount limit.
    assert len(book.landed) > len(invoices)
    assert "30" in book.refused.values() or "49" in book.refused.values()
