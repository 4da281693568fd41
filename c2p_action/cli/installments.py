"""``2c2p installments``: the banks offering installment plans, their BINs and options."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import click

from c2p_action.cli._common import connection_options, grid, json_option, settings_from, table
from c2p_action.client import Client
from c2p_action.operations.installments import InstallmentBank, InstallmentOptionsResult

__all__ = ["installments_command", "result_record"]


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _bank_record(bank: InstallmentBank) -> dict[str, Any]:
    return {
        "name": bank.name,
        "short_name": bank.short_name,
        "bins": list(bank.bins),
        "terms": bank.terms,
        "logo_url": bank.logo_url,
        "promo_url": bank.promo_url,
        "options": [
            {
                "id": o.id,
                "period": o.period,
                "merchant_interest_rate": _rate(o.merchant_interest_rate),
                "customer_interest_rate": _rate(o.customer_interest_rate),
                "merchant_interest_offered": o.merchant_interest_offered,
                "customer_interest_offered": o.customer_interest_offered,
                "min_amount": f"{o.min_amount:f}",
                "currency": o.currency,
                "valid_from": o.valid_from.isoformat(),
                "valid_until": o.valid_until.isoformat(),
            }
            for o in bank.options
        ],
    }


def result_record(result: InstallmentOptionsResult) -> dict[str, Any]:
    """A verified options answer as a JSON-ready mapping (rates ``null`` when not offered)."""
    return {
        "ok": True,
        "operation": result.operation,
        "code": result.code.value,
        "description": result.description,
        "attempts": result.attempts,
        "banks": [_bank_record(bank) for bank in result.banks],
    }


@click.command("installments")
@connection_options
@json_option
def installments_command(as_json: bool, **options: Any) -> None:
    """List the banks offering installment plans (IPP), their card BINs and options.

    A rate shown as "-" is a variant the bank does not offer (2C2P sends a negative rate).
    """
    with Client(settings=settings_from(options)) as client:
        result = client.installments.options()
    record = result_record(result)
    if as_json:
        click.echo(json.dumps(record, indent=2))
        return
    header = table(
        [
            ("code", f"{record['code']} {record['description']}".rstrip()),
            ("banks", len(record["banks"])),
        ]
    )
    lines = [header]
    for bank in record["banks"]:
        lines.append("")
        lines.append(f"{bank['name'] or bank['short_name']}  BINs: {' '.join(bank['bins']) or '-'}")
        lines.append(
            grid(
                ("id", "months", "merchant rate", "customer rate", "min amount", "valid"),
                [
                    (
                        o["id"],
                        o["period"],
                        o["merchant_interest_rate"] or "-",
                        o["customer_interest_rate"] or "-",
                        f"{o['min_amount']} {o['currency']}",
                        f"{o['valid_from']}..{o['valid_until']}",
                    )
                    for o in bank["options"]
                ],
            )
        )
    click.echo("\n".join(lines))
