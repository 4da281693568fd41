"""``2c2p tokens add|inquiry|update|delete``: stored cards (card token maintenance 2.3).

The card number and expiry are never command-line arguments: arguments stay in the shell's
history and are visible to every user of the machine in ``ps``. They come from environment
variables (``C2P_CARD_PAN``, ``C2P_CARD_EXPIRY`` by default) or, when those are not set, from
a prompt that does not echo (one line each on standard input when it is not a terminal). What
is printed shows the card number masked, as 2C2P returns it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import click

from c2p_action.cli._common import (
    Output,
    card_input,
    connection_options,
    json_option,
    with_client,
)
from c2p_action.operations.card_token import CardDetails, CardTokenResult
from c2p_action.schemas import CardExpiry, CardNumber

__all__ = ["tokens_group"]

_VERIFIED: Final = "signature verified with the gateway key, decrypted with the merchant key"

_CARD_HELP: Final = (
    "The card number comes from the environment variable named by --pan-env (default"
    " C2P_CARD_PAN), or from a prompt that does not echo when it is not set; the expiry (MMYY)"
    " likewise from --expiry-env (default C2P_CARD_EXPIRY). Never pass card data as an argument:"
    " arguments stay in shell history and other users see them in `ps`."
)


def _read_pan(variable: str) -> CardNumber:
    # Straight into the type, never held in a variable of this frame.
    return CardNumber(card_input(variable, "Card number"))


def _read_expiry(variable: str) -> CardExpiry:
    return CardExpiry(card_input(variable, "Card expiry (MMYY)"))


def _show(operation: str, result: CardTokenResult, as_json: bool) -> None:
    record = {
        "ok": True,
        "operation": f"card_tokens.{operation}",
        "code": result.code.value,
        "description": result.description,
        "token": result.token,
        "masked_pan": result.masked_pan,
        "cardholder_name": result.cardholder_name,
        "bank": result.bank,
        "country": result.country,
        "attempts": result.attempts,
    }
    Output(as_json).emit(
        record,
        [
            ("operation", f"tokens {operation}"),
            ("code", f"{record['code']} {record['description']}".rstrip()),
            ("token", record["token"]),
            ("card", record["masked_pan"]),
            ("cardholder", record["cardholder_name"]),
            ("bank", record["bank"]),
            ("country", record["country"]),
            ("attempts", record["attempts"]),
            ("verified", _VERIFIED),
        ],
    )


def _details(
    email: str | None, bank: str | None, country: str | None, currency: str | None
) -> CardDetails:
    given = {"email": email, "bank": bank, "country": country, "currency": currency}
    return {k: v for k, v in given.items() if v is not None}  # type: ignore[return-value]


def _card_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        (
            click.option("--name", "cardholder_name", required=True, help="The cardholder's name."),
            click.option("--email", help="The cardholder's email."),
            click.option("--bank", help="The issuing bank's name."),
            click.option("--country", help="The card's country, ISO 3166 alpha-2 (SG)."),
            click.option("--currency", help="The card's currency, numeric ISO 4217 (702)."),
            click.option(
                "--pan-env",
                default="C2P_CARD_PAN",
                show_default=True,
                metavar="VAR",
                help="Environment variable holding the card number.",
            ),
            click.option(
                "--expiry-env",
                default="C2P_CARD_EXPIRY",
                show_default=True,
                metavar="VAR",
                help="Environment variable holding the expiry, MMYY.",
            ),
        )
    ):
        function = option(function)
    return function


@click.group("tokens")
def tokens_group() -> None:
    """Stored cards: add a card and get its token, then inquire, update or delete it.

    Card token maintenance (MaintenanceRequest 2.3). Only the add request is a 2C2P sample: the
    rest (the other actions, the answer) rests on secondary sources, see docs/card-tokens.md.
    Sending card numbers puts your systems in PCI DSS scope (SAQ D).
    """


@tokens_group.command("add", epilog=_CARD_HELP)
@_card_options
@connection_options
@json_option
def add_command(
    cardholder_name: str,
    email: str | None,
    bank: str | None,
    country: str | None,
    currency: str | None,
    pan_env: str,
    expiry_env: str,
    as_json: bool,
    **options: Any,
) -> None:
    """Store a card; prints its token (storeCardUniqueID) and the masked number.

    Never repeated automatically: if the outcome is unknown, look for the card before adding it
    again.
    """
    pan, expiry = _read_pan(pan_env), _read_expiry(expiry_env)
    extra = _details(email, bank, country, currency)
    result = with_client(
        options, lambda client: client.card_tokens.add(pan, expiry, cardholder_name, **extra)
    )
    _show("add", result, as_json)


@tokens_group.command("update", epilog=_CARD_HELP)
@click.argument("token")
@_card_options
@click.option(
    "--change-pan",
    is_flag=True,
    help="Also replace the card number (read like the expiry; not documented by 2C2P).",
)
@connection_options
@json_option
def update_command(
    token: str,
    cardholder_name: str,
    email: str | None,
    bank: str | None,
    country: str | None,
    currency: str | None,
    pan_env: str,
    expiry_env: str,
    change_pan: bool,
    as_json: bool,
    **options: Any,
) -> None:
    """Change the stored card TOKEN: its expiry and holder details (and number, --change-pan)."""
    pan = _read_pan(pan_env) if change_pan else None
    expiry = _read_expiry(expiry_env)
    extra = _details(email, bank, country, currency)
    result = with_client(
        options,
        lambda client: client.card_tokens.update(token, expiry, cardholder_name, pan=pan, **extra),
    )
    _show("update", result, as_json)


def _token_command(name: str, summary: str) -> click.Command:
    @click.command(name, help=summary)
    @click.argument("token")
    @connection_options
    @json_option
    def command(token: str, as_json: bool, **options: Any) -> None:
        result = with_client(options, lambda client: getattr(client.card_tokens, name)(token))
        _show(name, result, as_json)

    return command


tokens_group.add_command(
    _token_command("inquiry", "Show what 2C2P holds for the stored card TOKEN (masked).")
)
tokens_group.add_command(_token_command("delete", "Delete the stored card TOKEN."))
