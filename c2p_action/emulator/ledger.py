"""The emulator's durable state in SQLite: transactions, refunds, idempotency keys, outbox.

One connection guarded by a re-entrant lock serialises the threads of one process; every write
runs inside ``BEGIN IMMEDIATE`` so that a second process on the same file (``2c2p emulator seed``
beside a running server) waits for the write lock instead of interleaving. Reading the refunds,
deciding and recording the new refund therefore happen in one critical section: concurrent
refunds of one invoice cannot both see the same remaining amount.

A file ledger uses WAL with full sync: a restarted emulator finds everything a committed answer
promised. Without a path the ledger lives in memory and ends with the object.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Self

from c2p_action.emulator.model import Method, RefundRecord, Split, Transaction
from c2p_action.emulator.rules import is_valid_amount
from c2p_action.errors import ConfigurationError

__all__ = ["IdempotencyRecord", "Ledger", "OutboxEntry"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS transactions (
    merchant_id TEXT NOT NULL,
    invoice_no TEXT NOT NULL,
    amount TEXT NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL,
    reference_no TEXT NOT NULL,
    approval_code TEXT NOT NULL,
    masked_pan TEXT,
    payment_scheme TEXT,
    partial_settle INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    sub_merchants TEXT NOT NULL DEFAULT '[]',
    void_pending INTEGER NOT NULL DEFAULT 0,
    settled_amount TEXT,
    status_at TEXT,
    PRIMARY KEY (merchant_id, invoice_no)
);
CREATE TABLE IF NOT EXISTS refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id TEXT NOT NULL,
    invoice_no TEXT NOT NULL,
    amount TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    completed_at TEXT,
    notify_url TEXT,
    user_defined TEXT NOT NULL,
    sub_amounts TEXT NOT NULL DEFAULT '[]',
    version TEXT,
    FOREIGN KEY (merchant_id, invoice_no) REFERENCES transactions (merchant_id, invoice_no)
);
CREATE TABLE IF NOT EXISTS idempotency (
    merchant_id TEXT NOT NULL,
    idempotency_id TEXT NOT NULL,
    process_type TEXT NOT NULL,
    refund_id INTEGER REFERENCES refunds (id),
    token TEXT NOT NULL,
    invoice_no TEXT,
    PRIMARY KEY (merchant_id, idempotency_id)
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id TEXT NOT NULL,
    refund_id INTEGER NOT NULL REFERENCES refunds (id),
    url TEXT NOT NULL,
    token TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at REAL,
    state TEXT NOT NULL DEFAULT 'due',
    last_error TEXT
);
"""

# Columns added after the first release of the ledger: an older file gets them on opening.
_ADDED_COLUMNS = (
    ("transactions", "sub_merchants", "TEXT NOT NULL DEFAULT '[]'"),
    ("transactions", "void_pending", "INTEGER NOT NULL DEFAULT 0"),
    ("transactions", "settled_amount", "TEXT"),
    ("transactions", "status_at", "TEXT"),
    ("refunds", "sub_amounts", "TEXT NOT NULL DEFAULT '[]'"),
    ("refunds", "version", "TEXT"),
    ("idempotency", "invoice_no", "TEXT"),
)

# Reference numbers look like 2C2P's (seven digits) and are stable for a given ledger.
_REFERENCE_BASE = 3_500_000
_REFUND_REFERENCE_BASE = 7_000_000


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """The original answer to an idempotencyID: its type, sealed response, the refund it
    created (if any) and the invoice it named."""

    process_type: str
    token: str = field(repr=False)
    refund_id: int | None = None
    invoice_no: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A notification to deliver: ``state`` is ``due``, ``delivered`` or ``failed``."""

    id: int
    merchant_id: str
    refund_id: int
    url: str
    token: str = field(repr=False)
    attempts: int
    due_at: float | None
    state: str
    last_error: str | None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _split_json(split: Split) -> str:
    return json.dumps([[mid, str(amount)] for mid, amount in split])


def _split(text: str) -> Split:
    return tuple((mid, Decimal(amount)) for mid, amount in json.loads(text))


def _transaction(row: sqlite3.Row) -> Transaction:
    settled = row["settled_amount"]
    return Transaction(
        merchant_id=row["merchant_id"],
        invoice_no=row["invoice_no"],
        amount=Decimal(row["amount"]),
        method=Method(row["method"]),
        status=row["status"],
        reference_no=row["reference_no"],
        approval_code=row["approval_code"],
        masked_pan=row["masked_pan"],
        payment_scheme=row["payment_scheme"],
        created_at=_moment(row["created_at"]),
        partial_settle=bool(row["partial_settle"]),
        sub_merchants=_split(row["sub_merchants"]),
        void_pending=bool(row["void_pending"]),
        settled_amount=None if settled is None else Decimal(settled),
        status_at=_moment(row["status_at"]),
    )


def _refund(row: sqlite3.Row) -> RefundRecord:
    created = _moment(row["created_at"])
    assert created is not None  # NOT NULL column
    return RefundRecord(
        id=row["id"],
        merchant_id=row["merchant_id"],
        invoice_no=row["invoice_no"],
        amount=Decimal(row["amount"]),
        status=row["status"],
        reference_no=str(_REFUND_REFERENCE_BASE + row["id"]),
        created_at=created,
        completed_at=_moment(row["completed_at"]),
        notify_url=row["notify_url"],
        user_defined=tuple(json.loads(row["user_defined"])),
        sub_amounts=_split(row["sub_amounts"]),
        version=row["version"],
    )


def _check_seed(txn: Transaction) -> None:
    where = f"invoice {txn.invoice_no!r}"
    if not is_valid_amount(txn.amount):
        raise ConfigurationError(f"{where}: amount {txn.amount} is not a positive 2-decimal amount")
    if not txn.sub_merchants:
        return
    mids = [mid for mid, _ in txn.sub_merchants]
    if len(set(mids)) != len(mids) or not all(mids):
        raise ConfigurationError(f"{where}: sub-merchant IDs must be unique and named")
    if not all(is_valid_amount(amount) for _, amount in txn.sub_merchants):
        raise ConfigurationError(
            f"{where}: sub-merchant amounts must be positive 2-decimal amounts"
        )
    total = sum((amount for _, amount in txn.sub_merchants), Decimal(0))
    if total != txn.amount:
        raise ConfigurationError(
            f"{where}: the sub-merchant amounts add up to {total}, not to the amount {txn.amount}"
        )


class Ledger:
    """SQLite-backed state of an emulator; ``path=None`` keeps it in memory.

    Safe to share between threads. Group several calls into one atomic unit with
    :meth:`atomic`; single calls are atomic on their own. :meth:`close` (or ``with``) releases
    the database at once; a ledger that is simply dropped is closed when it is collected.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, busy_timeout: float = 30.0):
        self.path = None if path is None else os.fspath(path)
        self._conn = sqlite3.connect(
            ":memory:" if self.path is None else self.path,
            timeout=busy_timeout,
            isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE in atomic()
            check_same_thread=False,  # guarded by self._lock
        )
        # A ledger dropped without close() (an emulator built inline in a test, as the docs
        # show) still closes its connection when collected, instead of leaving it to
        # sqlite3's finaliser, which warns (ResourceWarning, from Python 3.13).
        self._closer = weakref.finalize(self, self._conn.close)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._depth = 0
        self._conn.execute("PRAGMA foreign_keys = ON")
        if self.path is not None:
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = FULL")
        with self.atomic():
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._conn.execute(statement)
            self._add_missing_columns()

    def __repr__(self) -> str:
        return f"Ledger({self.path or ':memory:'})"

    def _add_missing_columns(self) -> None:
        for table, column, declaration in _ADDED_COLUMNS:
            present = {row["name"] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection (also done when the ledger is collected)."""
        with self._lock:
            self._closer()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One write transaction (``BEGIN IMMEDIATE``) holding the lock; nests."""
        with self._lock:
            if self._depth == 0:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self.atomic():
            return self._conn.execute(sql, params).fetchall()

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self.atomic():
            return self._conn.execute(sql, params)

    # -- the tables of other message families ---------------------------------------------------

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run one statement on a family's own tables (atomic alone, or inside :meth:`atomic`
        with the rest of a decision); returns the row id of an ``INSERT``."""
        return self._run(sql, params).lastrowid or 0

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """The rows of one query on a family's own tables."""
        return self._all(sql, params)

    # -- transactions --------------------------------------------------------------------------

    def add_transaction(self, txn: Transaction, *, now: datetime | None = None) -> Transaction:
        """Record an original payment; fills in reference number, approval code and time.

        Raises :class:`~c2p_action.errors.ConfigurationError` if the invoice already exists, the
        amount is not a D 10,2 amount, or a sub-merchant split does not add up to it.
        """
        return self.add_transactions([txn], now=now)[0]

    def add_transactions(
        self, txns: Iterable[Transaction], *, now: datetime | None = None
    ) -> list[Transaction]:
        """Record many original payments in one write transaction: all of them or none."""
        moment = now or datetime.now(UTC)
        with self.atomic():
            return [self._insert(txn, moment) for txn in txns]

    def _insert(self, txn: Transaction, now: datetime) -> Transaction:
        _check_seed(txn)
        created = txn.created_at or now
        if self.transaction(txn.merchant_id, txn.invoice_no) is not None:
            raise ConfigurationError(
                f"invoice {txn.invoice_no!r} of merchant {txn.merchant_id!r} is already seeded"
            )
        cursor = self._conn.execute(
            "INSERT INTO transactions (merchant_id, invoice_no, amount, method, status,"
            " reference_no, approval_code, masked_pan, payment_scheme, partial_settle,"
            " created_at, sub_merchants, void_pending, settled_amount, status_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                txn.merchant_id,
                txn.invoice_no,
                str(txn.amount),
                txn.method.value,
                txn.status,
                txn.reference_no,
                txn.approval_code,
                txn.masked_pan,
                txn.payment_scheme,
                int(txn.partial_settle),
                _iso(created),
                _split_json(txn.sub_merchants),
                int(txn.void_pending),
                None if txn.settled_amount is None else str(txn.settled_amount),
                _iso(txn.status_at or created),
            ),
        )
        serial = cursor.lastrowid or 0
        filled = replace(
            txn,
            reference_no=txn.reference_no or str(_REFERENCE_BASE + serial),
            approval_code=txn.approval_code or f"{serial:06d}",
            created_at=created,
            status_at=txn.status_at or created,
        )
        self._conn.execute(
            "UPDATE transactions SET reference_no = ?, approval_code = ?"
            " WHERE merchant_id = ? AND invoice_no = ?",
            (filled.reference_no, filled.approval_code, txn.merchant_id, txn.invoice_no),
        )
        return filled

    def transaction(self, merchant_id: str, invoice_no: str) -> Transaction | None:
        """The transaction, or ``None`` if the invoice is unknown."""
        rows = self._all(
            "SELECT * FROM transactions WHERE merchant_id = ? AND invoice_no = ?",
            (merchant_id, invoice_no),
        )
        return _transaction(rows[0]) if rows else None

    def transactions(self, merchant_id: str | None = None) -> list[Transaction]:
        """All transactions (of one merchant), in the order they were added."""
        if merchant_id is None:
            return [_transaction(r) for r in self._all("SELECT * FROM transactions ORDER BY rowid")]
        rows = self._all(
            "SELECT * FROM transactions WHERE merchant_id = ? ORDER BY rowid", (merchant_id,)
        )
        return [_transaction(r) for r in rows]

    def set_status(
        self,
        merchant_id: str,
        invoice_no: str,
        status: str,
        *,
        now: datetime | None = None,
        settled_amount: Decimal | None = None,
    ) -> None:
        """Move a transaction to another status (settle also records what it captured)."""
        moment = _iso(now or datetime.now(UTC))
        if settled_amount is None:
            self._run(
                "UPDATE transactions SET status = ?, status_at = ?"
                " WHERE merchant_id = ? AND invoice_no = ?",
                (status, moment, merchant_id, invoice_no),
            )
            return
        self._run(
            "UPDATE transactions SET status = ?, status_at = ?, settled_amount = ?"
            " WHERE merchant_id = ? AND invoice_no = ?",
            (status, moment, str(settled_amount), merchant_id, invoice_no),
        )

    def in_status(
        self,
        status: str,
        *,
        merchant_id: str | None = None,
        invoice_no: str | None = None,
        changed_before: datetime | None = None,
    ) -> list[Transaction]:
        """Transactions in one status, optionally of one merchant or invoice, or in that
        status since before a moment."""
        rows = self._all("SELECT * FROM transactions WHERE status = ? ORDER BY rowid", (status,))
        return [
            txn
            for txn in map(_transaction, rows)
            if (merchant_id is None or txn.merchant_id == merchant_id)
            and (invoice_no is None or txn.invoice_no == invoice_no)
            and (changed_before is None or txn.status_at is None or txn.status_at <= changed_before)
        ]

    # -- refunds -------------------------------------------------------------------------------

    def refunds(self, merchant_id: str, invoice_no: str) -> list[RefundRecord]:
        """Every refund of one invoice, oldest first."""
        rows = self._all(
            "SELECT * FROM refunds WHERE merchant_id = ? AND invoice_no = ? ORDER BY id",
            (merchant_id, invoice_no),
        )
        return [_refund(r) for r in rows]

    def refund(self, refund_id: int) -> RefundRecord | None:
        """One refund by id."""
        rows = self._all("SELECT * FROM refunds WHERE id = ?", (refund_id,))
        return _refund(rows[0]) if rows else None

    def add_refund(
        self,
        merchant_id: str,
        invoice_no: str,
        amount: Decimal,
        status: str,
        *,
        now: datetime,
        notify_url: str | None = None,
        user_defined: tuple[str | None, ...] = (None,) * 5,
        sub_amounts: Split = (),
        version: str | None = None,
    ) -> RefundRecord:
        """Record a refund; its reference number derives from its id."""
        with self.atomic():
            cursor = self._conn.execute(
                "INSERT INTO refunds (merchant_id, invoice_no, amount, status, created_at,"
                " notify_url, user_defined, sub_amounts, version)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    merchant_id,
                    invoice_no,
                    str(amount),
                    status,
                    _iso(now),
                    notify_url,
                    json.dumps(list(user_defined)),
                    _split_json(sub_amounts),
                    version,
                ),
            )
            record = self.refund(cursor.lastrowid or 0)
        assert record is not None
        return record

    def pending_refunds(
        self,
        *,
        merchant_id: str | None = None,
        invoice_no: str | None = None,
        created_before: datetime | None = None,
    ) -> list[RefundRecord]:
        """Refunds still at RP, optionally of one invoice or older than a moment."""
        rows = self._all("SELECT * FROM refunds WHERE status = 'RP' ORDER BY id")
        return [
            refund
            for refund in map(_refund, rows)
            if (merchant_id is None or refund.merchant_id == merchant_id)
            and (invoice_no is None or refund.invoice_no == invoice_no)
            and (created_before is None or refund.created_at <= created_before)
        ]

    def finish_refund(self, refund_id: int, status: str, *, now: datetime) -> RefundRecord:
        """Give a pending refund its final status."""
        with self.atomic():
            self._conn.execute(
                "UPDATE refunds SET status = ?, completed_at = ? WHERE id = ?",
                (status, _iso(now), refund_id),
            )
            record = self.refund(refund_id)
        if record is None:
            raise KeyError(refund_id)
        return record

    # -- idempotency ---------------------------------------------------------------------------

    def idempotency(self, merchant_id: str, idempotency_id: str) -> IdempotencyRecord | None:
        """The original answer recorded under an idempotencyID, if any."""
        rows = self._all(
            "SELECT process_type, token, refund_id, invoice_no FROM idempotency"
            " WHERE merchant_id = ? AND idempotency_id = ?",
            (merchant_id, idempotency_id),
        )
        if not rows:
            return None
        row = rows[0]
        return IdempotencyRecord(
            row["process_type"], row["token"], row["refund_id"], row["invoice_no"]
        )

    def remember(self, merchant_id: str, idempotency_id: str, record: IdempotencyRecord) -> None:
        """Record the original answer to an idempotencyID."""
        self._run(
            "INSERT INTO idempotency (merchant_id, idempotency_id, process_type, refund_id,"
            " token, invoice_no) VALUES (?, ?, ?, ?, ?, ?)",
            (
                merchant_id,
                idempotency_id,
                record.process_type,
                record.refund_id,
                record.token,
                record.invoice_no,
            ),
        )

    # -- notification outbox -------------------------------------------------------------------

    def enqueue_notification(
        self, merchant_id: str, refund_id: int, url: str, token: str, *, due_at: float
    ) -> None:
        """Queue a notification for delivery at ``due_at`` (epoch seconds)."""
        self._run(
            "INSERT INTO outbox (merchant_id, refund_id, url, token, due_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (merchant_id, refund_id, url, token, due_at),
        )

    def notifications(self, state: str | None = None) -> list[OutboxEntry]:
        """Outbox entries (in one state), oldest first."""
        if state is None:
            rows = self._all("SELECT * FROM outbox ORDER BY id")
        else:
            rows = self._all("SELECT * FROM outbox WHERE state = ? ORDER BY id", (state,))
        return [OutboxEntry(**dict(row)) for row in rows]

    def due_notifications(self, now: float) -> list[OutboxEntry]:
        """Entries waiting for delivery whose time has come."""
        return [n for n in self.notifications("due") if n.due_at is not None and n.due_at <= now]

    def record_attempt(
        self, entry_id: int, *, delivered: bool, retry_at: float | None, error: str | None
    ) -> None:
        """After one delivery attempt: delivered, due again at ``retry_at``, or given up."""
        state = "delivered" if delivered else ("due" if retry_at is not None else "failed")
        self._run(
            "UPDATE outbox SET attempts = attempts + 1, state = ?, due_at = ?, last_error = ?"
            " WHERE id = ?",
            (state, retry_at, error, entry_id),
        )

