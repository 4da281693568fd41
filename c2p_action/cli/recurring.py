"""``2c2p recurring inquiry|update|cancel``: one call about a recurring plan, its answer printed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import click

from c2p_action.cli._common import Output, connection_options, json_option, settings_from
from c2p_action.client import Client
from c2p_action.errors import TransportError, ValidationError
from c2p_action.operations.recurring import RecurringResult, RecurringUpdateOptions

__all__ = ["recurring_group", "result_record"]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def result_record(result: RecurringResult) -> dict[str, Any]:
    """A verified answer about a plan as a JSON-ready mapping (typed values as text)."""
    plan_currency = result.currency
    return {
        "ok": True,
        "operation": result.operation,
        "code": result.code.value,
        "description": result.description,
        "recurring_unique_id": result.recurring_unique_id,
        "status": None if result.status is None else result.status.value,
        "active": result.active,
        "currency": None if plan_currency is None else plan_currency.code,
        "amount": _text(result.amount),
        "allow_accumulate": result.allow_accumulate,
        "max_accumulate_amount": _text(result.max_accumulate_amount),
        "recurring_interval": result.recurring_interval,
        "recurring_count": result.recurring_count,
        "current_count": result.current_count,
        "remaining_count": result.remaining_count,
        "charge_next_date": _text(result.charge_next_date),
        "invoice_prefix": result.invoice_prefix,
        "masked_card_no": result.masked_card_no,
        "attempts": result.attempts,
    }


def _show(result: RecurringResult, as_json: bool) -> None:
    record = result_record(result)
    count, interval = record["recurring_count"], record["recurring_interval"]
    rows: list[tuple[str, object]] = [
        ("operation", f"{record['operation']} {record['recurring_unique_id'] or ''}".rstrip()),
        ("code", f"{record['code']} {record['description']}".rstrip()),
        ("status", record["status"]),
        ("amount", " ".join(v for v in (record["amount"], record["currency"]) if v)),
        ("every", None if interval is None else f"{interval} days"),
        ("charges", None if count is None else "until cancelled" if count == 0 else count),
        ("charges made", record["current_count"]),
        ("charges left", record["remaining_count"]),
        ("next charge", record["charge_next_date"]),
        ("accumulate", record["allow_accumulate"]),
        ("accumulate cap", record["max_accumulate_amount"]),
        ("invoice prefix", record["invoice_prefix"]),
        ("card", record["masked_card_no"]),
        ("attempts", record["attempts"]),
        ("verified", "signature verified with the gateway key, decrypted with the merchant key"),
    ]
    Output(as_json).emit(record, rows)


def _call(
    options: dict[str, Any], plan: str, run: Callable[[Client], RecurringResult], *, changes: bool
) -> RecurringResult:
    with Client(settings=settings_from(options)) as client:
        try:
            return run(client)
        except TransportError:
            if changes:
                # Never repeated by the client: say how to learn what happened.
                click.echo(
                    f"The plan may or may not have changed: check with `2c2p recurring inquiry"
                    f" {plan}` before sending it again.",
                    err=True,
                )
            raise


@click.group("recurring")
def recurring_group() -> None:
    """Recurring payment plans: inquiry, update, cancel (PLAN is the recurringUniqueID)."""


@recurring_group.command("inquiry")
@click.argument("plan")
@connection_options
@json_option
def inquiry_command(plan: str, as_json: bool, **options: Any) -> None:
    """Show the plan's status, amount, schedule and counts."""
    _show(_call(options, plan, lambda c: c.recurring.inquiry(plan), changes=False), as_json)


def _status(value: str | None) -> str | None:
    return None if value is None else {"active": "Y", "inactive": "N"}.get(value.lower(), value)


@recurring_group.command("update")
@click.argument("plan")
@click.option("--amount", help="New amount of each charge, in major units (99.90).")
@click.option(
    "--currency",
    help="The plan's currency, alphabetic or numeric (SGD, 702):"
    " needed with --amount or --max-accumulate-amount.",
)
@click.option(
    "--exponent", type=click.IntRange(0, 4), help="The currency's decimals, instead of --currency."
)
@click.option(
    "--status",
    type=click.Choice(["Y", "N", "active", "inactive"], case_sensitive=False),
    help="Y/active resumes the plan, N/inactive pauses it.",
)
@click.option(
    "--allow-accumulate/--no-allow-accumulate",
    default=None,
    help="Whether failed charges accumulate into the next cycle.",
)
@click.option("--max-accumulate-amount", help="Cap on accumulated failed amounts (major units).")
@click.option("--interval", type=click.IntRange(1, 365), help="Days between charges.")
@click.option(
    "--count", type=click.IntRange(0, 99999), help="Number of charges (0: until cancelled)."
)
@click.option(
    "--next-charge-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Next charge date, YYYY-MM-DD.",
)
@click.option("--charge-on-date", metavar="DDMM", help="Charge on this day every month (ddMM).")
@connection_options
@json_option
def update_command(
    plan: str,
    amount: str | None,
    currency: str | None,
    exponent: int | None,
    status: str | None,
    allow_accumulate: bool | None,
    max_accumulate_amount: str | None,
    interval: int | None,
    count: int | None,
    next_charge_date: Any,
    charge_on_date: str | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Change the plan. Never retried: 2C2P documents no de-duplication for updates."""
    given: dict[str, Any] = {
        "amount": amount,
        "currency": currency,
        "exponent": exponent,
        "recurring_status": _status(status),
        "allow_accumulate": allow_accumulate,
        "max_accumulate_amount": max_accumulate_amount,
        "recurring_interval": interval,
        "recurring_count": count,
        "charge_next_date": None if next_charge_date is None else next_charge_date.date(),
        "charge_on_date": charge_on_date,
    }
    changes: RecurringUpdateOptions = {k: v for k, v in given.items() if v is not None}  # type: ignore[assignment]
    if not set(changes) - {"currency", "exponent"}:
        raise ValidationError("nothing to update: give at least one option (see --help)")
    result = _call(options, plan, lambda c: c.recurring.update(plan, **changes), changes=True)
    _show(result, as_json)


@recurring_group.command("cancel")
@click.argument("plan")
@connection_options
@json_option
def cancel_command(plan: str, as_json: bool, **options: Any) -> None:
    """Cancel the plan: no further charges. Never retried."""
    _show(_call(options, plan, lambda c: c.recurring.cancel(plan), changes=True), as_json)
