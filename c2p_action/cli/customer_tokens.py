"""``2c2p customer-tokens add|get|update|delete`` and ``2c2p agents``: the PGW JSON families.

Customer tokens (customer token maintenance 3.0): the card number and expiry are never
command-line arguments (arguments stay in the shell's history and every user of the machine sees
them in ``ps``). They come from environment variables (``C2P_CARD_PAN``, ``C2P_CARD_EXPIRY`` by
default) or, when those are not set, from a prompt that does not echo (one line each on standard
input when it is not a terminal), exactly as ``2c2p tokens`` reads them. What is printed shows
the card number masked, as 2C2P returns it, and never the expiry.

Agent status (FPX Malaysia, UNCONFIRMED): ``2c2p agents [CODE ...]`` shows which agents (banks)
are down: those named, or every agent enabled for the merchant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import click

from c2p_action.cli._common import (
    Output,
    card_input,
    connection_options,
    grid,
    json_option,
    with_client,
)
from c2p_action.operations.agent_status import AgentStatusResult
from c2p_action.operations.customer_token import CustomerTokenDetails, CustomerTokenResult
from c2p_action.schemas import CardExpiryDate, CardNumber

__all__ = ["COMMANDS", "agents_command", "customer_tokens_group"]


_VERIFIED: Final = "signature verified with the gateway key, decrypted with the merchant key"

_CARD_HELP: Final = (
    "The card number comes from the environment variable named by --pan-env (default"
    " C2P_CARD_PAN), or from a prompt that does not echo when it is not set; the expiry"
    " (yyyy-MM-dd, MMYY or MM/YY) likewise from --expiry-env (default C2P_CARD_EXPIRY). Never"
    " pass card data as an argument: arguments stay in shell history and other users see them"
    " in `ps`."
)


def _read_pan(variable: str) -> CardNumber:
    # Straight into the type, never held in a variable of this frame.
    return CardNumber(card_input(variable, "Card number"))


def _read_expiry(variable: str) -> CardExpiryDate:
    return CardExpiryDate(card_input(variable, "Card expiry (yyyy-MM-dd or MMYY)"))


def _show(operation: str, result: CustomerTokenResult, as_json: bool) -> None:
    record = {
        "ok": True,
        "operation": result.operation,
        "code": result.code.value,
        "description": result.description,
        "token": result.token,
        "masked_account_no": result.masked_account_no,
        "name": result.name,
        "email": result.email,
        "bank": result.bank,
        "country": result.country,
        "currency": result.currency,
        "attempts": result.attempts,
    }
    Output(as_json).emit(
        record,
        [
            ("operation", f"customer-tokens {operation}"),
            ("code", f"{record['code']} {record['description']}".rstrip()),
            ("token", record["token"]),
            ("card", record["masked_account_no"]),
            ("name", record["name"]),
            ("email", record["email"]),
            ("bank", record["bank"]),
            ("country", record["country"]),
            ("currency", record["currency"]),
            ("attempts", record["attempts"]),
            ("verified", _VERIFIED),
        ],
    )


def _details(
    email: str | None, bank: str | None, country: str | None, currency: str | None
) -> CustomerTokenDetails:
    given = {"email": email, "bank": bank, "country": country, "currency": currency}
    return {k: v for k, v in given.items() if v is not None}  # type: ignore[return-value]


def _detail_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        (
            click.option("--name", required=True, help="The cardholder's name."),
            click.option("--email", help="The cardholder's email."),
            click.option("--bank", help="The issuing bank's name (accountIssuer)."),
            click.option("--country", help="The issuer's country, ISO 3166 alpha-2 (SG)."),
            click.option("--currency", help="The card's currency, alphabetic ISO 4217 (SGD)."),
            click.option(
                "--expiry-env",
                default="C2P_CARD_EXPIRY",
                show_default=True,
                metavar="VAR",
                help="Environment variable holding the expiry (yyyy-MM-dd, MMYY or MM/YY).",
            ),
        )
    ):
        function = option(function)
    return function


@click.group("customer-tokens")
def customer_tokens_group() -> None:
    """Customer tokens: store a card and get its token, then get, update or delete it.

    Customer token maintenance 3.0 (JSON, on 2C2P's PGW host). The add request is 2C2P's
    sample; the other operations and the answers rest on secondary sources, see
    docs/customer-tokens.md. Sending card numbers puts your systems in PCI DSS scope (SAQ D).
    """


@customer_tokens_group.command("add", epilog=_CARD_HELP)
@_detail_options
@click.option(
    "--pan-env",
    default="C2P_CARD_PAN",
    show_default=True,
    metavar="VAR",
    help="Environment variable holding the card number.",
)
@connection_options
@json_option
def add_command(
    name: str,
    email: str | None,
    bank: str | None,
    country: str | None,
    currency: str | None,
    expiry_env: str,
    pan_env: str,
    as_json: bool,
    **options: Any,
) -> None:
    """Store a card; prints its customer token and the masked number.

    Never repeated automatically: if the outcome is unknown (exit code 5), look for the card in
    the merchant portal before adding it again.
    """
    pan, expiry = _read_pan(pan_env), _read_expiry(expiry_env)
    extra = _details(email, bank, country, currency)
    result = with_client(
        options, lambda client: client.customer_tokens.add(pan, expiry, name, **extra)
    )
    _show("add", result, as_json)


@customer_tokens_group.command("update", epilog=_CARD_HELP)
@click.argument("token")
@_detail_options
@connection_options
@json_option
def update_command(
    token: str,
    name: str,
    email: str | None,
    bank: str | None,
    country: str | None,
    currency: str | None,
    expiry_env: str,
    as_json: bool,
    **options: Any,
) -> None:
    """Change the customer token TOKEN: its expiry and holder details. Never repeated
    automatically: if the outcome is unknown, look with `customer-tokens get`."""
    expiry = _read_expiry(expiry_env)
    extra = _details(email, bank, country, currency)
    result = with_client(
        options, lambda client: client.customer_tokens.update(token, expiry, name, **extra)
    )
    _show("update", result, as_json)


def _token_command(name: str, summary: str) -> click.Command:
    @click.command(name, help=summary)
    @click.argument("token")
    @connection_options
    @json_option
    def command(token: str, as_json: bool, **options: Any) -> None:
        result = with_client(options, lambda client: getattr(client.customer_tokens, name)(token))
        _show(name, result, as_json)

    return command


customer_tokens_group.add_command(
    _token_command("get", "Show what 2C2P holds for the customer token TOKEN (masked).")
)
customer_tokens_group.add_command(
    _token_command(
        "delete",
        "Delete the customer token TOKEN. Never repeated automatically: if the outcome is"
        " unknown, look with `customer-tokens get`.",
    )
)


@click.command("agents")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@connection_options
@json_option
def agents_command(codes: tuple[str, ...], as_json: bool, **options: Any) -> None:
    """Show which FPX Malaysia agents (banks) are down: the CODEs given (at most 50, such as
    MYMBB), or every agent enabled for the merchant.

    UNCONFIRMED: no 2C2P page for this inquiry was readable; the endpoints and messages come
    from secondary sources and the envelope is inferred (see docs/agent-status.md).
    """
    result: AgentStatusResult = with_client(options, lambda client: client.agents.status(*codes))
    records = [{"agent_code": a.agent_code, "is_down": a.is_down} for a in result.agents]
    if as_json:
        Output(True).emit(
            {
                "ok": True,
                "operation": result.operation,
                "code": result.code.value,
                "description": result.description,
                "agents": records,
                "unlisted": [code for code in dict.fromkeys(codes) if result.agent(code) is None],
            },
            [],
        )
        return
    rows = [(r["agent_code"], "down" if r["is_down"] else "up") for r in records]
    rows += [(code, "not listed") for code in dict.fromkeys(codes) if result.agent(code) is None]
    click.echo(grid(("agent", "status"), rows))


COMMANDS: Final = (customer_tokens_group, agents_command)
