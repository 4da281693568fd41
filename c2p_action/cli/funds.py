"""``2c2p balance`` and ``2c2p withdraw options|send``: the merchant's funds.

``withdraw send`` moves money and is never retried: it asks for confirmation unless given
``--yes``, and when its answer is lost it exits 5 with what to check (the balance, the portal's
withdrawal list) instead of sending it again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

import click

from c2p_action.cli._common import (
    Output,
    connection_options,
    grid,
    json_option,
    with_client,
)
from c2p_action.errors import ValidationError
from c2p_action.operations.funds import (
    BalanceResult,
    WithdrawOptionsResult,
    WithdrawResult,
)
from c2p_action.schemas import WithdrawOption

__all__ = ["COMMANDS", "balance_command", "withdraw_group"]


_VERIFIED: Final = "signature verified with the gateway key (JWS only: signed, not encrypted)"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


@click.command("balance")
@connection_options
@json_option
def balance_command(as_json: bool, **options: Any) -> None:
    """Show the merchant's available balance and its currency."""
    result: BalanceResult = with_client(options, lambda client: client.balance())
    record = {
        "ok": True,
        "operation": result.operation,
        "code": result.code.value,
        "description": result.description,
        "balance": _text(result.balance),
        "currency": result.currency,
        "attempts": result.attempts,
    }
    Output(as_json).emit(
        record,
        [
            ("balance", f"{record['balance']} {record['currency']}"),
            ("code", f"{record['code']} {record['description']}".rstrip()),
            ("attempts", record["attempts"]),
            ("verified", _VERIFIED),
        ],
    )


@click.group("withdraw")
def withdraw_group() -> None:
    """Withdraw funds: list the withdraw options, send a withdrawal."""


def _fee_rule(option: WithdrawOption) -> str:
    def fee(amount: Decimal | None, percentage: bool | None) -> str:
        if amount is None:
            return "?"
        return f"{amount:f}%" if percentage else f"{amount:f}"

    lower = fee(option.fee_lower, option.fee_lower_is_percentage)
    margin = option.fee_margin
    if not margin or option.fee_upper is None:
        return lower
    upper = fee(option.fee_upper, option.fee_upper_is_percentage)
    return f"{lower} below {margin:f}, {upper} from {margin:f}"


def _option_record(option: WithdrawOption) -> dict[str, Any]:
    return {
        "option_id": option.withdraw_option_id,
        "name": option.name,
        "processing_time": option.processing_time,
        "fee_margin": _text(option.fee_margin),
        "fee_lower": _text(option.fee_lower),
        "fee_lower_is_percentage": option.fee_lower_is_percentage,
        "fee_upper": _text(option.fee_upper),
        "fee_upper_is_percentage": option.fee_upper_is_percentage,
        "fee_rule": _fee_rule(option),
    }


@withdraw_group.command("options")
@connection_options
@json_option
def options_command(as_json: bool, **options: Any) -> None:
    """List the ways the merchant may withdraw, with each fee rule."""
    result: WithdrawOptionsResult = with_client(
        options, lambda client: client.withdrawals.options()
    )
    records = [_option_record(option) for option in result.options]
    if as_json:
        Output(True).emit(
            {"ok": True, "operation": result.operation, "code": result.code.value,
             "options": records},
            [],
        )  # fmt: skip
        return
    click.echo(
        grid(
            ("id", "name", "processing time", "fee"),
            [(r["option_id"], r["name"], r["processing_time"], r["fee_rule"]) for r in records],
        )
    )


@withdraw_group.command("send")
@click.argument("option_id", type=click.IntRange(0, 99999))
@click.argument("amount")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@connection_options
@json_option
def send_command(option_id: int, amount: str, yes: bool, as_json: bool, **options: Any) -> None:
    """Withdraw AMOUNT through withdraw option OPTION_ID (see `2c2p withdraw options`).

    A withdrawal is never retried: 2C2P documents no way to de-duplicate it. If its answer is
    lost (exit code 5), check the balance and the merchant portal's withdrawal list before
    sending it again. Asks for confirmation unless --yes is given.
    """
    if not yes:
        prompt = f"Withdraw {amount} through option {option_id}? It is sent once and never retried"
        try:
            confirmed = click.confirm(prompt, err=True)
        except click.Abort:
            confirmed = False
        if not confirmed:
            raise ValidationError("withdrawal not confirmed: nothing was sent (--yes skips this)")
    result: WithdrawResult = with_client(
        options, lambda client: client.withdrawals.withdraw(option_id, amount)
    )
    record = {
        "ok": True,
        "operation": result.operation,
        "code": result.code.value,
        "description": result.description,
        "withdraw_ref_no": result.withdraw_ref_no,
        "option_id": result.option_id,
        "amount": _text(result.amount),
        "fee": _text(result.fee),
        "net_amount": _text(result.net_amount),
        "currency": result.currency,
        "attempts": result.attempts,
    }
    currency = f" {record['currency']}" if record["currency"] else ""
    Output(as_json).emit(
        record,
        [
            ("withdrawal", record["withdraw_ref_no"]),
            ("code", f"{record['code']} {record['description']}".rstrip()),
            ("option", record["option_id"]),
            ("amount", f"{record['amount']}{currency}"),
            ("fee", record["fee"]),
            ("net amount", record["net_amount"]),
            ("verified", _VERIFIED),
        ],
    )


COMMANDS: Final = (balance_command, withdraw_group)
