"""``2c2p emulator serve|seed|seed-balance|ledger``: the gateway emulator from the command
line."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.cli._common import Output, env_secret, grid, json_option
from c2p_action.client import to_amount
from c2p_action.emulator import Emulator, Faults, Ledger, Method, NotificationFormat, Transaction
from c2p_action.emulator.notifier import Notifier
from c2p_action.emulator.rules import refunded_total
from c2p_action.errors import ValidationError
from c2p_action.keys import certificate_for, fingerprint
from c2p_action.plugins.manager import PluginManager

__all__ = ["emulator_group"]

_LEDGER_HELP = "SQLite ledger file (created if missing)."


def _merchants(specs: tuple[str, ...], plugins: PluginManager) -> dict[str, rsa.RSAPublicKey]:
    merchants: dict[str, rsa.RSAPublicKey] = {}
    for spec in specs:
        merchant_id, sep, source = spec.partition("=")
        if not sep or not merchant_id.strip() or not source.strip():
            raise click.BadParameter(f"{spec!r} is not ID=CERT", param_hint="--merchant")
        merchants[merchant_id.strip()] = plugins.load_public_key(source.strip())
    return merchants


def _gateway_key(
    source: str | None, password_env: str | None, cert_out: Path | None, plugins: PluginManager
) -> rsa.RSAPrivateKey:
    if source is None:
        if cert_out is None:
            raise click.UsageError(
                "give --gateway-key, or --write-gateway-cert PATH so that merchants can get the"
                " certificate of the throwaway gateway key"
            )
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        password = env_secret(password_env, "--gateway-key-password-env")
        key = plugins.load_private_key(source, None if password is None else password.encode())
    if cert_out is not None:
        cert = certificate_for(key, common_name="2C2P emulator gateway")
        cert_out.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key


def _wait_for_signal() -> None:
    stop = threading.Event()

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handler)
    stop.wait()


@click.group("emulator")
def emulator_group() -> None:
    """Run the gateway emulator over HTTP, or prepare its ledger."""


@emulator_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="0 picks a free port (the real one is printed).")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path),
              help=_LEDGER_HELP + " [default: in memory]")
@click.option("--merchant", "merchant_specs", multiple=True, required=True, metavar="ID=CERT",
              help="A merchant ID and its certificate/public key (path or key URI); repeatable.")
@click.option("--gateway-key", metavar="PATH|URI",
              help="The emulator's private key [default: a throwaway RSA-2048 key].")
@click.option("--gateway-key-password-env", metavar="VAR",
              help="Environment variable holding the gateway key file's password.")
@click.option("--write-gateway-cert", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the gateway certificate here (merchants verify answers with it).")
@click.option("--fault", "fault_specs", multiple=True, metavar="NAME[=VALUE]",
              help="latency=0.2, error_before=0.1, error_status=500, drop_after_commit=1x,"
              " corrupt_response; repeatable.")
@click.option("--fault-seed", type=int, help="Seed for probabilistic faults (reproducible).")
@click.option("--apm-refund-delay", type=click.FloatRange(min=0),
              help="Complete pending APM refunds after this many seconds [default: never].")
@click.option("--notify-format", type=click.Choice([f.value for f in NotificationFormat]),
              default="token", show_default=True,
              help="Notification body: the raw token, or the notifyResponse= form field.")
@click.option("--undecryptable", type=click.Choice(["respond", "http"]), default="respond",
              show_default=True, help="A request it cannot decrypt: respCode 96, or HTTP 400.")
@click.option("--poll-interval", default=0.5, show_default=True, type=click.FloatRange(min=0.01),
              help="Seconds between runs of due refunds/notifications.")
@json_option
def serve_command(
    host: str,
    port: int,
    ledger_path: Path | None,
    merchant_specs: tuple[str, ...],
    gateway_key: str | None,
    gateway_key_password_env: str | None,
    write_gateway_cert: Path | None,
    fault_specs: tuple[str, ...],
    fault_seed: int | None,
    apm_refund_delay: float | None,
    notify_format: str,
    undecryptable: str,
    poll_interval: float,
    as_json: bool,
) -> None:
    """Serve the emulator at http://HOST:PORT/2C2PFrontend/PaymentAction/2.0/action until
    interrupted (needs the aiohttp extra). Prints the real URL once it is listening."""
    plugins = PluginManager()
    merchants = _merchants(merchant_specs, plugins)
    key = _gateway_key(gateway_key, gateway_key_password_env, write_gateway_cert, plugins)
    emulator = Emulator(
        key,
        merchants,
        ledger=ledger_path,
        faults=Faults.parse(fault_specs, seed=fault_seed),
        notifier=Notifier(format=notify_format),
        apm_refund_delay=apm_refund_delay,
        undecryptable="http" if undecryptable == "http" else "respond",
    )
    try:
        server = emulator.start_server(host, port, poll_interval=poll_interval)
        try:
            record: dict[str, Any] = {
                "url": server.url,
                "environment": server.base_url,
                "merchants": sorted(merchants),
                "ledger": str(ledger_path) if ledger_path else ":memory:",
                "gateway_certificate": str(write_gateway_cert) if write_gateway_cert else None,
                "gateway_key_sha256": fingerprint(key.public_key()),
                "faults": repr(emulator.faults),
            }
            if as_json:
                click.echo(json.dumps(record))
            else:
                click.echo(f"2C2P emulator at {server.url}")
                click.echo(f"clients: C2P_ENVIRONMENT={server.base_url}")
                click.echo(f"merchants: {', '.join(record['merchants'])}")
                click.echo(f"ledger: {record['ledger']}")
                if write_gateway_cert:
                    click.echo(f"gateway certificate: {write_gateway_cert}")
                if emulator.faults.active:
                    click.echo(f"faults: {record['faults']}")
                click.echo("Ctrl-C to stop.")
            _wait_for_signal()
        finally:
            server.stop()
    finally:
        emulator.close()


@emulator_group.command("seed")
@click.option("--ledger", "ledger_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help=_LEDGER_HELP)
@click.option("--merchant-id", envvar="C2P_MERCHANT_ID", required=True,
              help="Merchant ID [env C2P_MERCHANT_ID].")
@click.argument("invoice")
@click.argument("amount")
@click.option("--method", type=click.Choice([m.value for m in Method]), default="card",
              show_default=True)
@click.option("--status", default="A", show_default=True,
              help="A approved (pre-authorised), S settled, RS ready for settlement, V voided...")
@click.option("--partial-settle", is_flag=True, help="Allow settling less than the amount.")
@json_option
def seed_command(
    ledger_path: Path,
    merchant_id: str,
    invoice: str,
    amount: str,
    method: str,
    status: str,
    partial_settle: bool,
    as_json: bool,
) -> None:
    """Add the payment INVOICE of AMOUNT to a ledger file (also beside a running server)."""
    value = to_amount(amount)
    if not invoice.strip():
        raise ValidationError("invoice must not be empty")
    card = method == Method.CARD.value
    with Ledger(ledger_path) as ledger:
        txn = ledger.add_transaction(
            Transaction(
                merchant_id=merchant_id,
                invoice_no=invoice,
                amount=value,
                method=Method(method),
                status=status,
                masked_pan="411111XXXXXX1111" if card else None,
                payment_scheme="VI" if card else "PROMPTPAY",
                partial_settle=partial_settle,
            )
        )
    Output(as_json).emit(
        {"ok": True, **_transaction_record(txn)},
        [("seeded", txn.invoice_no), ("merchant", txn.merchant_id), ("amount", txn.amount),
         ("method", txn.method.value), ("status", txn.status),
         ("reference no", txn.reference_no), ("ledger", ledger_path)],
    )


def _transaction_record(txn: Transaction) -> dict[str, Any]:
    return {
        "merchant_id": txn.merchant_id,
        "invoice_no": txn.invoice_no,
        "amount": f"{txn.amount:f}",
        "method": txn.method.value,
        "status": txn.status,
        "reference_no": txn.reference_no,
    }


@emulator_group.command("ledger")
@click.option("--ledger", "ledger_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help=_LEDGER_HELP)
@json_option
def ledger_command(ledger_path: Path, as_json: bool) -> None:
    """List the payments in a ledger file and their refunds."""
    with Ledger(ledger_path) as ledger:
        entries = [
            (txn, ledger.refunds(txn.merchant_id, txn.invoice_no))
            for txn in ledger.transactions()
        ]
    if as_json:
        click.echo(json.dumps([
            {**_transaction_record(txn),
             "refunds": [{"amount": f"{r.amount:f}", "status": r.status,
                          "reference_no": r.reference_no} for r in refunds]}
            for txn, refunds in entries
        ], indent=2))
        return
    click.echo(grid(
        ("merchant", "invoice", "amount", "method", "status", "refunded", "refunds"),
        [
            (txn.merchant_id, txn.invoice_no, txn.amount, txn.method.value, txn.status,
             refunded_total(refunds),
             " ".join(f"{r.amount}/{r.status}" for r in refunds))
            for txn, refunds in entries
        ],
    ))


@emulator_group.command("seed-balance")
@click.option("--ledger", "ledger_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help=_LEDGER_HELP)
@click.option("--merchant-id", envvar="C2P_MERCHANT_ID", required=True,
              help="Merchant ID [env C2P_MERCHANT_ID].")
@click.argument("amount")
@click.option("--currency", default="SGD", show_default=True,
              help="Alphabetic ISO 4217 code. The first currency seeded for a merchant is the"
              " one its balance inquiries report and its withdrawals debit.")
@json_option
def seed_balance_command(
    ledger_path: Path, merchant_id: str, amount: str, currency: str, as_json: bool
) -> None:
    """Set the merchant's balance in CURRENCY to AMOUNT in a ledger file (also beside a running
    server): what `2c2p balance` reports and withdrawals reduce."""
    from c2p_action.emulator.funds import FundsLedger

    with Ledger(ledger_path) as ledger:
        funds = FundsLedger(ledger)
        value = funds.set_balance(merchant_id, amount, currency)
        account, _ = funds.account(merchant_id)
    Output(as_json).emit(
        {"ok": True, "merchant_id": merchant_id, "currency": currency.upper(),
         "balance": f"{value:f}", "account_currency": account},
        [("merchant", merchant_id), ("balance", f"{value:f} {currency.upper()}"),
         ("account currency", account), ("ledger", ledger_path)],
    )
