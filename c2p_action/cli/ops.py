"""``2c2p refund|void|settle|inquiry|refund-status``: one call, its verified answer printed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import click

from c2p_action.cli._common import (
    AmountCommand,
    Output,
    connection_options,
    grid,
    json_option,
    result_record,
    settings_from,
    table,
)
from c2p_action.client import Client, PaymentResult, RefundOptions

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
    click.echo(text)


def _call(options: dict[str, Any], run: Callable[[Client], PaymentResult]) -> PaymentResult:
    with Client(settings=settings_from(options)) as client:
        return run(client)


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
@connection_options
@json_option
def refund_command(
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
    as_json: bool,
    **options: Any,
) -> None:
    """Refund AMOUNT of the settled transaction INVOICE.

    AMOUNT has at most two decimals (25.00). Without --idempotency-id a fresh id is sent and
    printed: keep it to retry this same refund safely.
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
    result = _call(options, lambda client: client.refund(invoice, amount, **extra))
    _show("refund", result, as_json)


def _action_command(name: str, summary: str, *, amount_required: bool = True) -> click.Command:
    """``void`` and ``settle``: an invoice, its amount and an optional idempotencyID."""

    @click.command(name, cls=AmountCommand, help=summary)
    @click.argument("invoice")
    @click.argument("amount", required=amount_required)
    @click.option("--idempotency-id", help=_IDEMPOTENCY_HELP)
    @click.option("--child-merchant-id", help="Child merchant ID.")
    @connection_options
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
        result = _call(options, lambda client: operation(client, invoice, amount, **extra))
        _show(name, result, as_json)

    return command


def _query_command(name: str, method: str, summary: str) -> click.Command:
    """``inquiry`` and ``refund-status``: an invoice and, optionally, its amount."""

    @click.command(name, cls=AmountCommand, help=summary)
    @click.argument("invoice")
    @click.argument("amount", required=False)
    @click.option("--child-merchant-id", help="Child merchant ID.")
    @connection_options
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
        result = _call(options, lambda client: operation(client, invoice, amount, **extra))
        _show(name, result, as_json)

    return command


COMMANDS: Final = (
    refund_command,
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
