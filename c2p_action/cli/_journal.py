"""The refund batch's input CSV, its SQLite journal and its result CSV. No click, no network.

The journal is what makes a batch safe to interrupt: every row gets its idempotencyID written
(and committed, with full sync) before the first request of the run goes out, and every later
attempt of that row, in this run or a resumed one, sends the same id. The gateway answers a
repeated id with the original answer instead of refunding again, so a row whose fate is unknown
(killed mid-request, connection dropped) is simply sent again. Rows with a final outcome are
never sent again.

One journal may serve many CSV files (``--journal`` shared across runs): each file is a batch
of its own, and an idempotencyID is unique across the whole journal. A CSV that gives an id the
journal already holds for another row is refused before anything is sent, because the gateway
would answer it with that other row's original response.
"""

from __future__ import annotations

import csv
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Final

from c2p_action.client import check_idempotency_id, new_idempotency_id, to_amount
from c2p_action.errors import C2PError, ConfigurationError, ValidationError

__all__ = [
    "RESULT_COLUMNS",
    "BatchRow",
    "CsvError",
    "Journal",
    "JournalRow",
    "Outcome",
    "read_rows",
]

_REQUIRED: Final = ("invoice", "amount")
_OPTIONAL: Final = ("idempotency_id", "notes")
_ALIASES: Final = {
    "invoice_no": "invoice", "invoiceno": "invoice", "idempotencyid": "idempotency_id"
}
_MAX_NOTES: Final = 150
RESULT_COLUMNS: Final = (
    "invoice", "amount", "idempotency_id", "outcome", "resp_code", "status", "error"
)

_FORMAT: Final = "2"
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY, source TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS rows (
    batch INTEGER NOT NULL REFERENCES batches (id),
    line INTEGER NOT NULL,
    invoice TEXT NOT NULL,
    amount TEXT NOT NULL,
    notes TEXT,
    given_id TEXT,
    idempotency_id TEXT NOT NULL UNIQUE,
    attempts INTEGER NOT NULL DEFAULT 0,
    outcome TEXT,
    resp_code TEXT,
    status TEXT,
    error TEXT,
    PRIMARY KEY (batch, line)
);
"""


class CsvError(ValidationError):
    """A problem with a refund CSV or its journal; its message names CSV columns, not flags."""


class Outcome(StrEnum):
    """What became of a row. Only ``UNRESOLVED`` (and never sent) rows are sent again."""

    SUCCESS = "success"  # 00: refunded
    PENDING = "pending"  # 42 (or 51): accepted, final status comes later
    REFUSED = "refused"  # a verified refusal: final, not retried
    UNRESOLVED = "unresolved"  # no verified answer: resend with the same id

    @property
    def final(self) -> bool:
        """Whether the row is done for good."""
        return self is not Outcome.UNRESOLVED


@dataclass(frozen=True, slots=True)
class BatchRow:
    """One CSV row, validated. ``line`` is its line number in the file (header = 1)."""

    line: int
    invoice: str
    amount: Decimal
    idempotency_id: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class JournalRow:
    """A row as journalled: its id is fixed; ``outcome`` is ``None`` until first answered."""

    line: int
    invoice: str
    amount: Decimal
    notes: str | None
    idempotency_id: str
    attempts: int
    outcome: Outcome | None
    resp_code: str | None
    status: str | None
    error: str | None

    @property
    def to_send(self) -> bool:
        """Never answered, or answered without a verified result."""
        return self.outcome is None or not self.outcome.final


def _header(fields: Sequence[str] | None, path: Path) -> list[str]:
    if not fields:
        raise CsvError(f"{path}: empty CSV (expected a header: invoice,amount[,...])")
    names = [_ALIASES.get(f.strip().lower(), f.strip().lower()) for f in fields]
    unknown = sorted(set(names) - set(_REQUIRED) - set(_OPTIONAL))
    # A misspelt idempotency_id column silently ignored would mean fresh ids: refuse instead.
    if unknown:
        raise CsvError(f"{path}: unknown column(s) {', '.join(unknown)}")
    missing = [n for n in _REQUIRED if n not in names]
    if missing or len(set(names)) != len(names):
        raise CsvError(f"{path}: header needs invoice and amount, each once")
    return names


def _row(line: int, values: dict[str, str]) -> BatchRow:
    invoice = values.get("invoice", "").strip()
    if not invoice:
        raise CsvError("invoice is empty")
    given = values.get("idempotency_id", "").strip() or None
    if given is not None:
        check_idempotency_id(given)
    notes = values.get("notes", "").strip() or None
    if notes is not None and len(notes) > _MAX_NOTES:
        raise CsvError(f"notes are longer than {_MAX_NOTES} characters")
    return BatchRow(line, invoice, to_amount(values.get("amount", "")), given, notes)


def read_rows(path: Path) -> list[BatchRow]:
    """Read and validate every row; raises ``ValidationError`` naming each bad line."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            names = _header(next(reader, None), path)
            rows: list[BatchRow] = []
            problems: list[str] = []
            for record in reader:
                if not any(cell.strip() for cell in record):
                    continue
                line = reader.line_num
                if len(record) > len(names):
                    problems.append(f"line {line}: more cells than header columns")
                    continue
                try:
                    rows.append(_row(line, dict(zip(names, record, strict=False))))
                except C2PError as exc:
                    problems.append(f"line {line}: {exc}")
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CsvError(f"{path}: cannot read the CSV ({type(exc).__name__})") from None
    ids = [r.idempotency_id for r in rows if r.idempotency_id]
    if len(ids) != len(set(ids)):
        problems.append("the same idempotency_id appears on several rows")
    if problems:
        raise CsvError(f"{path}: " + "; ".join(problems[:10]))
    if not rows:
        raise CsvError(f"{path}: no rows")
    return rows


def _journal_row(row: sqlite3.Row) -> JournalRow:
    return JournalRow(
        line=row["line"],
        invoice=row["invoice"],
        amount=Decimal(row["amount"]),
        notes=row["notes"],
        idempotency_id=row["idempotency_id"],
        attempts=row["attempts"],
        outcome=None if row["outcome"] is None else Outcome(row["outcome"]),
        resp_code=row["resp_code"],
        status=row["status"],
        error=row["error"],
    )


class Journal:
    """The SQLite journal of one batch (one connection; used from one thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
        except sqlite3.Error as exc:
            raise ConfigurationError(f"cannot open the journal {path}: {exc}") from None
        self._batch = 0
        try:
            self._set_up(path)
        except BaseException:
            self._conn.close()  # a refused journal is not left open
            raise

    def _set_up(self, path: Path) -> None:
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a row's id, or its outcome, is on disk before the next request goes out.
        self._conn.execute("PRAGMA synchronous = FULL")
        with self._write():
            columns = {r["name"] for r in self._conn.execute("PRAGMA table_info(rows)")}
            if columns and "batch" not in columns:
                # Its ids must not be forgotten (resending under new ids refunds twice).
                raise ConfigurationError(
                    f"journal {path} was written by an earlier version of refund-batch: finish"
                    " its batch with that version, and use a new journal with this one"
                )
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._conn.execute(statement)
            self._check_meta("format", _FORMAT)

    def close(self) -> None:
        """Close the database."""
        self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[None]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _check_meta(self, name: str, value: str) -> None:
        found = self._conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        if found is None:
            self._conn.execute("INSERT INTO meta VALUES (?, ?)", (name, value))
        elif found["value"] != value:
            raise ConfigurationError(
                f"journal {self.path} belongs to another {name} ({found['value']});"
                " use another --journal"
            )

    def start(
        self, source: str, rows: Sequence[BatchRow], *, merchant_id: str, environment: str
    ) -> None:
        """Journal every row of the CSV ``source`` with its idempotencyID, or check they match
        a previous run of the same file.

        Everything is committed in one transaction before anything is sent; a CSV giving an id
        the journal already holds for another row is refused, with nothing journalled.
        """
        with self._write():
            self._check_meta("merchant", merchant_id)
            self._check_meta("environment", environment)
            self._conn.execute("INSERT OR IGNORE INTO batches (source) VALUES (?)", (source,))
            self._batch = self._conn.execute(
                "SELECT id FROM batches WHERE source = ?", (source,)
            ).fetchone()["id"]
            known = {r.line: r for r in self.rows()}
            if known and set(known) != {row.line for row in rows}:
                raise CsvError(
                    f"the CSV's rows differ from those journalled for it in {self.path};"
                    " restore the file or use another --journal"
                )
            problems = [problem for row in rows if (problem := self._reused(row))]
            if problems:
                raise CsvError("; ".join(problems[:10]))
            for row in rows:
                previous = known.get(row.line)
                if previous is None:
                    self._conn.execute(
                        "INSERT INTO rows (batch, line, invoice, amount, notes, given_id,"
                        " idempotency_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (self._batch, row.line, row.invoice, str(row.amount), row.notes,
                         row.idempotency_id, row.idempotency_id or new_idempotency_id()),
                    )
                elif (previous.invoice, previous.amount, previous.notes) != (
                    row.invoice, row.amount, row.notes
                ) or (row.idempotency_id not in (None, previous.idempotency_id)):
                    raise CsvError(
                        f"line {row.line} of the CSV changed since it was journalled in"
                        f" {self.path}; restore it or use another --journal"
                    )

    def _reused(self, row: BatchRow) -> str | None:
        """Why ``row``'s given id cannot be used: the journal holds it for another row."""
        if row.idempotency_id is None:
            return None
        found = self._conn.execute(
            "SELECT batches.source, rows.batch, rows.line FROM rows"
            " JOIN batches ON batches.id = rows.batch WHERE rows.idempotency_id = ?",
            (row.idempotency_id,),
        ).fetchone()
        if found is None or (found["batch"], found["line"]) == (self._batch, row.line):
            return None
        return (
            f"line {row.line}: idempotency_id {row.idempotency_id!r} was already used for line"
            f" {found['line']} of {found['source']} (the gateway would answer that refund's"
            " original response)"
        )

    def rows(self) -> list[JournalRow]:
        """Every journalled row of this batch, in file order."""
        return [
            _journal_row(r)
            for r in self._conn.execute(
                "SELECT * FROM rows WHERE batch = ? ORDER BY line", (self._batch,)
            )
        ]

    def mark_sending(self, line: int) -> None:
        """Count an attempt before it is made (the outcome stays as it was)."""
        with self._write():
            self._conn.execute(
                "UPDATE rows SET attempts = attempts + 1 WHERE batch = ? AND line = ?",
                (self._batch, line),
            )

    def record(
        self,
        line: int,
        outcome: Outcome,
        *,
        resp_code: str | None = None,
        status: str | None = None,
        error: str | None = None,
    ) -> None:
        """Store a row's outcome."""
        with self._write():
            self._conn.execute(
                "UPDATE rows SET outcome = ?, resp_code = ?, status = ?, error = ?"
                " WHERE batch = ? AND line = ?",
                (outcome.value, resp_code, status, error, self._batch, line),
            )

    def write_result(self, path: Path) -> None:
        """Write the result CSV (all rows, file order) atomically."""
        temporary = path.with_name(f".{path.name}.tmp")
        with temporary.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(RESULT_COLUMNS)
            for row in self.rows():
                writer.writerow(
                    (
                        row.invoice,
                        f"{row.amount:f}",
                        row.idempotency_id,
                        (row.outcome or Outcome.UNRESOLVED).value,
                        row.resp_code or "",
                        row.status or "",
                        row.error or ("" if row.outcome else "not sent yet"),
                    )
                )
        os.replace(temporary, path)
