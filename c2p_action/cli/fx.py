"""``2c2p fx rate|rates``: FX rates, one currency or every currency (FX rate inquiry 2.1).

``rates`` needs the merchant's secret key (2C2P merchant portal) for its hashValue: it comes
from an environment variable (``C2P_SECRET_KEY`` by default) or from a prompt that does not
echo, never from an argument (shell history, ``ps``).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Final

import click

from c2p_action.cli._common import Output, connection_options, grid, json_option, settings_from
from c2p_action.client import Client
from c2p_action.errors import ConfigurationError
from c2p_action.operations.fx import DEFAULT_HASH_ALGORITHM, DEFAULT_HASH_FIELDS, MerchantSecret

__all__ = ["fx_group"]

_VERIFIED: Final = "signature verified with the gateway key, decrypted with the merchant key"


def _secret_input(variable: str) -> str:
    value = os.environ.get(variable)
    if value is not None:
        return value
    if sys.stdin is None or not sys.stdin.isatty():
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line:
            raise ConfigurationError(
                f"fx rates needs the merchant secret key: set {variable} or type it at the prompt"
            )
        return line.rstrip("\r\n")
    typed: str = click.prompt("Merchant secret key", hide_input=True, err=True)
    return typed


@click.group("fx")
def fx_group() -> None:
    """FX rates against the merchant's base currency (numeric ISO 4217 codes: 702 = SGD).

    Inferred from secondary sources in part (envelope, the list's answer, the hashValue rule):
    see docs/fx.md.
    """


@fx_group.command("rate")
@click.argument("currency")
@connection_options
@json_option
def rate_command(currency: str, as_json: bool, **options: Any) -> None:
    """The rate of one CURRENCY: a numeric ISO 4217 code such as 840 (USD)."""
    with Client(settings=settings_from(options)) as client:
        result = client.fx.rate(currency)
    record = {
        "ok": True,
        "operation": "fx.rate",
        "code": result.code.value,
        "description": result.description,
        "currency": result.currency,
        "rate": None if result.rate is None else f"{result.rate:f}",
        "base_currency": result.base_currency,
        "attempts": result.attempts,
    }
    Output(as_json).emit(
        record,
        [
            ("operation", "fx rate"),
            ("code", f"{record['code']} {record['description']}".rstrip()),
            ("currency", record["currency"]),
            ("rate", record["rate"]),
            ("base currency", record["base_currency"]),
            ("attempts", record["attempts"]),
            ("verified", _VERIFIED),
        ],
    )


@fx_group.command("rates")
@click.option(
    "--secret-env",
    default="C2P_SECRET_KEY",
    show_default=True,
    metavar="VAR",
    help="Environment variable holding the merchant secret key (prompted if unset).",
)
@click.option(
    "--hash-algorithm",
    default=DEFAULT_HASH_ALGORITHM,
    show_default=True,
    help="HMAC algorithm of hashValue (INFERRED; change it if 2C2P answers 13).",
)
@click.option(
    "--hash-fields",
    default=",".join(DEFAULT_HASH_FIELDS),
    show_default=True,
    help="Request elements hashed, in order (INFERRED; comma-separated).",
)
@connection_options
@json_option
def rates_command(
    secret_env: str, hash_algorithm: str, hash_fields: str, as_json: bool, **options: Any
) -> None:
    """Every currency's rate. The secret key is never an argument (shell history, `ps`)."""
    secret = MerchantSecret(
        _secret_input(secret_env),
        algorithm=hash_algorithm,
        fields=[name.strip() for name in hash_fields.split(",") if name.strip()],
    )
    with Client(settings=settings_from(options)) as client:
        result = client.fx.rates(secret)
    rates = {code: f"{rate:f}" for code, rate in result.rates.items()}
    record = {
        "ok": True,
        "operation": "fx.rates",
        "code": result.code.value,
        "description": result.description,
        "base_currency": result.base_currency,
        "rates": rates,
        "attempts": result.attempts,
    }
    if as_json:
        Output(True).emit(record, [])
        return
    click.echo(f"base currency  {record['base_currency'] or '-'}")
    click.echo(grid(("currency", "rate"), sorted(rates.items())))
