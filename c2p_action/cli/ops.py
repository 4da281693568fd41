"""``2c2p refund|void|settle|inquiry|refund-status|reverse``: one call, its verified answer
printed (``refund --wait`` also waits for a pending refund's final status)."""

from __future__ import annotations

from typing import Any, Final

import click

from c2p_action.cli._common import (
    AmountCommand,
    ExitCode,
    Output,
    connection_options,
    explain_option,
    grid,
    json_option,
    result_record,
    table,
    trace_option,
    wants_explanation,
    with_client,
)
from c2p_action.client import Client, PaymentResult, RefundOptions, RefundWait, Reversal
from c2p_action.explanations import explanation_for

__all__ = ["COMMANDS"]

_IDEMPOTENCY_HELP: Final = (
    "idempotencyID to send (default: a fresh one). To retry a call whose outcome is unknown,"
    " pass the id it printed: the gateway then answers the original instead of acting twice."
)


def _show(operation: str, result: PaymentResult, as_json: bool) -> None:
    record = result_record(operation, result)
    rows: list[tuple[str, object]] = [
        ("operation", f"{operation} {record['invoice_no'] or ''}".rstrip()),
        ("code", f"{record['code']} {record['description']}".rstrip()),
        ("status", record["status"]),
        ("amount", record["amount"]),
        ("reference no", record["reference_no"]),
        ("refund reference no", record["refund_reference_no"]),
        ("approval code", record["approval_code"]),
        ("date/time", record["transaction_date_time"]),
        ("idempotency id", record["idempotency_id"]),
        ("attempts", record["attempts"]),
        ("verified", "signature verified with the gateway key, decrypted with the merchant key"),
    ]
    if as_json:
        Output(True).emit(record, rows)
        return
    text = table(rows)
    if record["refunds"]:
        refunds = grid(
            ("refund amount", "status", "reference no", "date/time"),
            [
                (r["amount"], r["status"], r["reference_no"], r["date_time"])
                for r in record["refunds"]
            ],
        )
        text += "\n\n" + refunds
    if result.pending:
        text += "\n\nPending (42): the final status comes to the notify URL, or poll refund-status."
    if wants_explanation(click.get_current_context()):
        text += "\n\n" + str(explanation_for(result.code))
    click.echo(text)




def _wait_record(wait: RefundWait) -> dict[str, Any]:
    return {
        "reference": wait.reference,
        "status": wait.status.value,
        "final": wait.final,
        "succeeded": wait.succeeded,
        "amount": None if wait.amount is None else f"{wait.amount:f}",
        "source": wait.source,
        "polls": wait.polls,
    }


@click.command("refund", cls=AmountCommand)
@click.argument("invoice")
@click.argument("amount")
@click.option("--idempotency-id", help=_IDEMPOTENCY_HELP)
@click.option("--notes", help="Free text sent with the refund (max 150 characters).")
@click.option("--notify-url", help="Where 2C2P posts the final status of an APM refund.")
@click.option("--child-merchant-id", help="Child merchant ID.")
@click.option("--bank-code", help="APM refunds: bank code.")
@click.option("--account-name", help="APM refunds: account holder name.")
@click.option("--account-number", help="APM refunds: account number (never printed).")
@click.option("--user-defined", multiple=True, help="userDefined1..5, in order (repeatable).")
@click.option(
    "--wait",
    is_flag=True,
    help="If the refund is pending (42), poll refund-status"
    " until it is final; exit 4 if it then fails.",
)
@click.option(
    "--wait-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=600.0,
    show_default=True,
    help="Seconds --wait waits before giving up (exit 5).",
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0, min_open=True),
    default=5.0,
    show_default=True,
    help="Seconds before --wait's first poll (then 1.5x longer).",
)
@connection_options
@trace_option
@explain_option
@json_option
@click.pass_context
def refund_command(
    ctx: click.Context,
    /,
    invoice: str,
    amount: str,
    idempotency_id: str | None,
    notes: str | None,
    notify_url: str | None,
    child_merchant_id: str | None,
    bank_code: str | None,
    account_name: str | None,
    account_number: str | None,
    user_defined: tuple[str, ...],
    wait: bool,
    wait_timeout: float,
    poll: float,
    as_json: bool,
    **options: Any,
) -> None:
    """Refund AMOUNT of the settled transaction INVOICE.

    AMOUNT has at most two decimals (25.00). Without --idempotency-id a fresh id is sent and
    printed: keep it to retry this same refund safely. With --wait, a pending refund is
    followed until its final status (a timeout exits 5: the refund is still pending).
    """
    given = {
        "idempotency_id": idempotency_id,
        "notes": notes,
        "notify_url": notify_url,
        "child_merchant_id": child_merchant_id,
        "bank_code": bank_code,
        "account_name": account_name,
        "account_number": account_number,
    }
    extra: RefundOptions = {k: v for k, v in given.items() if v is not None}  # type: ignore[assignment]
    if user_defined:
        extra["user_defined"] = list(user_defined)
    if not wait:
        result = with_client(options, lambda client: client.refund(invoice, amount, **extra))
        _show("refund", result, as_json)
        return

    def refund_and_wait(client: Client) -> tuple[PaymentResult, RefundWait | None]:
        result = client.refund(invoice, amount, **extra)
        if not result.pending:
            return result, None
        if not as_json:
            _show("refund", result, as_json)
            click.echo(
                f"\nWaiting for refund {result.refund_reference_no} (up to {wait_timeout:g}s) ..."
            )
        return result, client.wait_for_refund(invoice, result, timeout=wait_timeout, poll=poll)

    result, waited = with_client(options, refund_and_wait)
    if as_json:
        record = result_record("refund", result)
        record["wait"] = None if waited is None else _wait_record(waited)
        Output(True).emit(record, [])
    elif waited is None:
        _show("refund", result, as_json)
    else:
        click.echo(
            f"Refund {waited.reference}: {waited.status.value}"
            f" ({'confirmed' if waited.succeeded else 'failed'}; from {waited.source}"
            f" after {waited.polls} poll(s))"
        )
        if wants_explanation(ctx):
            click.echo(str(explanation_for(waited.status)))
    if waited is not None and not waited.succeeded:
        ctx.exit(ExitCode.REFUSED)


def _action_command(name: str, summary: str, *, amount_required: bool = True) -> click.Command:
    """``void`` and ``settle``: an invoice, its amount and an optional idempotencyID."""

    @click.command(name, cls=AmountCommand, help=summary)
    @click.argument("invoice")
    @click.argument("amount", required=amount_required)
    @click.option("--idempotency-id", help=_IDEMPOTENCY_HELP)
    @click.option("--child-merchant-id", help="Child merchant ID.")
    @connection_options
    @trace_option
    @explain_option
    @json_option
    def command(
        invoice: str,
        amount: str | None,
        idempotency_id: str | None,
        child_merchant_id: str | None,
        as_json: bool,
        **options: Any,
    ) -> None:
        given = (("idempotency_id", idempotency_id), ("child_merchant_id", child_merchant_id))
        extra = {k: v for k, v in given if v is not None}
        operation = getattr(Client, name)
        result = with_client(options, lambda client: operation(client, invoice, amount, **extra))
        _show(name, result, as_json)

    return command


def _query_command(name: str, method: str, summary: str) -> click.Command:
    """``inquiry`` and ``refund-status``: an invoice and, optionally, its amount."""

    @click.command(name, cls=AmountCommand, help=summary)
    @click.argument("invoice")
    @click.argument("amount", required=False)
    @click.option("--child-merchant-id", help="Child merchant ID.")
    @connection_options
    @trace_option
    @explain_option
    @json_option
    def command(
        invoice: str,
        amount: str | None,
        child_merchant_id: str | None,
        as_json: bool,
        **options: Any,
    ) -> None:
        extra = {"child_merchant_id": child_merchant_id} if child_merchant_id else {}
        operation = getattr(Client, method)
        result = with_client(options, lambda client: operation(client, invoice, amount, **extra))
        _show(name, result, as_json)

    return command


def _reversal_record(reversal: Reversal) -> dict[str, Any]:
    result = reversal.result
    return {
        "ok": True,
        "operation": "reverse",
        "invoice_no": reversal.invoice_no,
        "action": reversal.action.value,
        "status_before": None if reversal.status is None else reversal.status.value,
        "amount": None if reversal.amount is None else f"{reversal.amount:f}",
        "idempotency_id": reversal.idempotency_id,
        "fell_back": reversal.fell_back,
        "pending": reversal.pending,
        "note": reversal.note,
        "result": None if result is None else result_record(result.operation, result),
    }


@click.command("reverse")
@click.argument("invoice")
@click.argument("amount", required=False)
@click.option(
    "--key",
    help="Names this reversal: two different reversals of the same amount of"
    " one invoice need different keys (a retry of the same one keeps its key).",
)
@connection_options
@trace_option
@explain_option
@json_option
def reverse_command(
    invoice: str, amount: str | None, key: str | None, as_json: bool, **options: Any
) -> None:
    """Cancel INVOICE the right way for its state: void before settlement, refund after.

    Inquires first and prints what it did. AMOUNT (default: the whole amount) is refused
    before settlement unless it is the whole amount (a void is full-amount only). Run it again
    after a failure: the void/refund carries an idempotencyID derived from INVOICE, AMOUNT
    and --key, so a retry never refunds twice.
    """
    reversal = with_client(options, lambda client: client.reverse(invoice, amount, key=key))
    record = _reversal_record(reversal)
    rows: list[tuple[str, object]] = [
        ("reverse", invoice),
        ("status before", record["status_before"]),
        (
            "action",
            reversal.action.value
            + (" (void lost the race with settlement)" if reversal.fell_back else ""),
        ),
        ("amount", record["amount"]),
        ("idempotency id", reversal.idempotency_id),
        ("note", reversal.note),
    ]
    if reversal.result is not None:
        answer = reversal.result
        rows += [
            ("code", f"{answer.code.value} {answer.description}".rstrip()),
            ("status", answer.response.status),
            ("refund reference no", answer.refund_reference_no),
        ]
    Output(as_json).emit(record, rows)
    if (
        not as_json
        and reversal.result is not None
        and wants_explanation(click.get_current_context())
    ):
        click.echo("\n" + str(explanation_for(reversal.result.code)))


COMMANDS: Final = (
    refund_command,
    reverse_command,
    _action_command(
        "void", "Void (cancel) the approved, not yet settled transaction INVOICE of AMOUNT."
    ),
    _action_command(
        "settle",
        "Settle (capture) the pre-authorised transaction INVOICE: the whole authorised amount,"
        " or AMOUNT (a partial settle, which only some merchants may do).",
        amount_required=False,
    ),
    _query_command("inquiry", "inquiry", "Show the current status of INVOICE."),
    _query_command(
        "refund-status", "refund_status", "List every refund of INVOICE with its own status."
    ),
)
