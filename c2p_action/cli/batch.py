"""``2c2p refund-batch FILE.csv``: many refunds, bounded concurrency, resumable via a journal.

Concurrency: a thread pool sharing one blocking :class:`~c2p_action.client.Client`. It needs
only the core dependencies (urllib3; no aiohttp extra), the client and its connection pool are
thread-safe, and the work is dominated by waiting on the gateway, which threads overlap well.
The main thread alone talks to the journal: it counts each attempt before handing the row to
a worker and records the outcome when the worker returns, so at most ``--concurrency`` rows
are ever in flight and an interruption loses at most their answers (never their ids).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from c2p_action.cli._common import ExitCode, Output, connection_options, json_option, settings_from
from c2p_action.cli._journal import Journal, JournalRow, Outcome, read_rows
from c2p_action.client import Client, RefundOptions
from c2p_action.errors import (
    C2PError,
    GatewayError,
    ResponseMismatchError,
    ValidationError,
)
from c2p_action.schemas import PaymentProcessResponse

__all__ = ["refund_batch_command"]


@dataclass(frozen=True, slots=True)
class _Answer:
    outcome: Outcome
    resp_code: str | None = None
    status: str | None = None
    error: str | None = None


def _classify(error: C2PError) -> _Answer:
    if isinstance(error, ResponseMismatchError):
        # A verified answer about another refund (a reused id): final, resending repeats it.
        return _Answer(Outcome.REFUSED, None, None, str(error))
    if isinstance(error, GatewayError):
        response = error.response
        status = response.status if isinstance(response, PaymentProcessResponse) else None
        return _Answer(Outcome.REFUSED, error.code, status, str(error))
    if isinstance(error, ValidationError):
        return _Answer(Outcome.REFUSED, None, None, str(error))
    # Transport, codec, key-provider failures: nothing verified came back; resend later.
    return _Answer(Outcome.UNRESOLVED, None, None, f"{type(error).__name__}: {error}")


def _refund(client: Client, row: JournalRow, notify_url: str | None) -> _Answer:
    options: RefundOptions = {"idempotency_id": row.idempotency_id}
    if row.notes:
        options["notes"] = row.notes
    if notify_url:
        options["notify_url"] = notify_url
    try:
        result = client.refund(row.invoice, row.amount, **options)
    except C2PError as error:
        return _classify(error)
    return _Answer(
        Outcome.PENDING if result.pending else Outcome.SUCCESS, result.code, result.status
    )


@contextmanager
def _progress(total: int, shown: bool) -> Iterator[Callable[[], None]]:
    """A tick per answered row: a bar on a terminal, else a line per whole percent (logs)."""
    if not shown:
        yield lambda: None
        return
    if sys.stderr.isatty():
        with click.progressbar(length=total, label="Refunding", file=sys.stderr) as bar:
            yield lambda: bar.update(1)
        return
    done = 0

    def line() -> None:
        nonlocal done
        done += 1
        if done * 100 // total != (done - 1) * 100 // total or done == total:
            click.echo(f"Refunding: {done}/{total} rows answered", err=True)

    yield line


def _run(
    journal: Journal,
    client: Client,
    rows: list[JournalRow],
    *,
    concurrency: int,
    notify_url: str | None,
    tick: Callable[[], None],
) -> None:
    queue = iter(rows)
    running: dict[Future[_Answer], JournalRow] = {}
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="c2p-batch") as pool:
        try:
            while True:
                while len(running) < concurrency:
                    row = next(queue, None)
                    if row is None:
                        break
                    journal.mark_sending(row.line)
                    running[pool.submit(_refund, client, row, notify_url)] = row
                if not running:
                    return
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    answer = future.result()
                    journal.record(
                        running.pop(future).line,
                        answer.outcome,
                        resp_code=answer.resp_code,
                        status=answer.status,
                        error=answer.error,
                    )
                    tick()
        finally:
            # Interrupted: keep what the rows already in flight bring back.
            for future, row in running.items():
                if not future.cancelled() and future.exception() is None:
                    answer = future.result()
                    journal.record(
                        row.line,
                        answer.outcome,
                        resp_code=answer.resp_code,
                        status=answer.status,
                        error=answer.error,
                    )


@click.command("refund-batch")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite journal [default: FILE.csv.journal.sqlite next to the CSV]. Keep it: it holds"
    " each row's idempotencyID.",
)
@click.option(
    "--result",
    "result_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Result CSV [default: FILE.result.csv next to the CSV].",
)
@click.option(
    "--concurrency",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Refunds in flight at once.",
)
@click.option("--notify-url", help="notifyURL sent with every refund (APM refunds).")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show progress on stderr: a bar on a terminal, a line per percent elsewhere"
    " [default: only when stderr is a terminal and --json is not given].",
)
@connection_options
@json_option
@click.pass_context
def refund_batch_command(
    ctx: click.Context,
    /,
    csv_file: Path,
    journal_path: Path | None,
    result_path: Path | None,
    concurrency: int,
    notify_url: str | None,
    progress: bool | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Refund every row of FILE.csv: columns invoice, amount[, idempotency_id][, notes].

    Each row's idempotencyID (the CSV's, or a fresh one) is journalled before anything is
    sent; running the same command again resumes: rows with a final outcome (success,
    pending, refused) are skipped, the others are sent again with the same id, so no row is
    ever refunded twice. Exit code 5 while some rows are unresolved (run again), 4 if any row
    was refused, 0 when every row succeeded or is pending.
    """
    rows = read_rows(csv_file)
    settings = settings_from(options, max_connections=concurrency)
    journal = Journal(journal_path or csv_file.with_name(csv_file.name + ".journal.sqlite"))
    result_file = result_path or csv_file.with_name(csv_file.stem + ".result.csv")
    try:
        journal.start(
            str(csv_file.resolve()), rows,
            merchant_id=settings.merchant_id, environment=settings.environment,
        )
        todo = [row for row in journal.rows() if row.to_send]
        skipped = len(rows) - len(todo)
        if todo:
            shown = progress if progress is not None else sys.stderr.isatty() and not as_json
            with Client(settings=settings) as client, _progress(len(todo), shown) as tick:
                try:
                    _run(
                        journal,
                        client,
                        todo,
                        concurrency=concurrency,
                        notify_url=notify_url,
                        tick=tick,
                    )
                finally:
                    journal.write_result(result_file)
        else:
            journal.write_result(result_file)
        counts = Counter((r.outcome or Outcome.UNRESOLVED).value for r in journal.rows())
    finally:
        journal.close()
    record = {
        "ok": counts[Outcome.UNRESOLVED] == 0 and counts[Outcome.REFUSED] == 0,
        "rows": len(rows),
        "skipped": skipped,
        **{outcome.value: counts[outcome.value] for outcome in Outcome},
        "journal": str(journal.path),
        "result": str(result_file),
    }
    Output(as_json).emit(
        record,
        [
            ("rows", len(rows)),
            ("skipped (done before)", skipped),
            *((outcome.value, counts[outcome.value]) for outcome in Outcome),
            ("journal", journal.path),
            ("result", result_file),
        ],
    )
    if counts[Outcome.UNRESOLVED]:
        click.echo("Some rows have no verified answer: run the same command again.", err=True)
        ctx.exit(ExitCode.TRANSPORT)
    if counts[Outcome.REFUSED]:
        ctx.exit(ExitCode.REFUSED)
