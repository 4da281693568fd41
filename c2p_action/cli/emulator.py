"""``2c2p emulator serve|seed|ledger``: the gateway emulator from the command line."""

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
from c2p_action.emulator import (
    CONTROL_PREFIX,
    Emulator,
    Faults,
    Ledger,
    Method,
    NotificationFormat,
)
from c2p_action.emulator.core import make_transaction
from c2p_action.emulator.limits import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
)
from c2p_action.emulator.notifier import Notifier
from c2p_action.emulator.rules import refunded_total
from c2p_action.emulator.script import ScriptedAnswer
from c2p_action.emulator.seeding import read_payments, transaction_record
from c2p_action.errors import ConfigurationError, ValidationError
from c2p_action.keys import certificate_for, fingerprint
from c2p_action.plugins.manager import PluginManager

__all__ = ["emulator_group"]

_LEDGER_HELP = "SQLite ledger file (created if missing)."


def _merchants(
    specs: tuple[str, ...], plugins: PluginManager
) -> dict[str, list[rsa.RSAPublicKey]]:
    # A merchant named twice has uploaded two certificates; the first given is its default.
    merchants: dict[str, list[rsa.RSAPublicKey]] = {}
    for spec in specs:
        merchant_id, sep, source = spec.partition("=")
        if not sep or not merchant_id.strip() or not source.strip():
            raise click.BadParameter(f"{spec!r} is not ID=CERT", param_hint="--merchant")
        merchants.setdefault(merchant_id.strip(), []).append(
            plugins.load_public_key(source.strip())
        )
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
              help="A merchant ID and its certificate/public key (path or key URI); repeatable,"
              " also for one merchant with several certificates (the first is its default).")
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
# -- scripted answers, settlement and APM voids, the control endpoint --
@click.option("--answer", "answer_specs", multiple=True, metavar="CODE[:KEY=VALUE,...]",
              help="Answer respCode CODE to the next matching requests, e.g. 95,"
              " 95:times=2,type=R or 46:invoice=INV-9 (keys: times, merchant, invoice, type,"
              " status, desc); repeatable.")
@click.option("--settlement-delay", type=click.FloatRange(min=0),
              help="Settle (RS -> S) accepted settles after this many seconds [default: never;"
              " POST /_emulator/settlement runs it].")
@click.option("--apm-void-delay", type=click.FloatRange(min=0),
              help="Confirm pending APM voids (VP -> V) after this many seconds [default: never].")
@click.option("--no-control", is_flag=True,
              help="Do not serve the /_emulator/ control endpoint.")
# -- slow clients and notification targets (a shared emulator's locks) --
@click.option("--header-timeout", default=DEFAULT_HEADER_TIMEOUT, show_default=True,
              type=click.FloatRange(min=0, min_open=True),
              help="Seconds a connection has to send a complete request head.")
@click.option("--body-timeout", default=DEFAULT_BODY_TIMEOUT, show_default=True,
              type=click.FloatRange(min=0, min_open=True),
              help="Seconds a request body has to arrive after its head (else HTTP 408).")
@click.option("--max-connections", default=DEFAULT_MAX_CONNECTIONS, show_default=True,
              type=click.IntRange(min=1), help="Connections served at once; more get HTTP 503.")
@click.option("--notify-allow-host", "notify_allow_hosts", multiple=True,
              metavar="HOST[:PORT]",
              help="Post notifications only to these hosts (as written in notifyURL; repeatable)"
              " [default: any host].")
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
    answer_specs: tuple[str, ...],
    settlement_delay: float | None,
    apm_void_delay: float | None,
    no_control: bool,
    header_timeout: float,
    body_timeout: float,
    max_connections: int,
    notify_allow_hosts: tuple[str, ...],
    as_json: bool,
) -> None:
    """Serve the emulator at http://HOST:PORT/2C2PFrontend/PaymentAction/2.0/action until
    interrupted (needs the aiohttp extra). Prints the real URL once it is listening."""
    plugins = PluginManager()
    merchants = _merchants(merchant_specs, plugins)
    answers = [ScriptedAnswer.parse(spec) for spec in answer_specs]
    key = _gateway_key(gateway_key, gateway_key_password_env, write_gateway_cert, plugins)
    emulator = Emulator(
        key,
        merchants,
        ledger=ledger_path,
        faults=Faults.parse(fault_specs, seed=fault_seed),
        notifier=Notifier(format=notify_format, allowed_hosts=notify_allow_hosts or None),
        apm_refund_delay=apm_refund_delay,
        apm_void_delay=apm_void_delay,
        settlement_delay=settlement_delay,
        undecryptable="http" if undecryptable == "http" else "respond",
    )
    for answer in answers:
        emulator.script.add(answer)
    try:
        server = emulator.start_server(
            host,
            port,
            poll_interval=poll_interval,
            control=not no_control,
            header_timeout=header_timeout,
            body_timeout=body_timeout,
            max_connections=max_connections,
        )
        try:
            record: dict[str, Any] = {
                "url": server.url,
                "environment": server.base_url,
                "merchants": sorted(merchants),
                "ledger": str(ledger_path) if ledger_path else ":memory:",
                "gateway_certificate": str(write_gateway_cert) if write_gateway_cert else None,
                "gateway_key_sha256": fingerprint(key.public_key()),
                "faults": repr(emulator.faults),
                "answers": [answer.to_mapping() for answer in answers],
                "control": None if no_control else server.base_url + CONTROL_PREFIX,
                "limits": {
                    "header_timeout": header_timeout,
                    "body_timeout": body_timeout,
                    "max_connections": max_connections,
                    "notify_allowed_hosts": sorted(notify_allow_hosts) or None,
                },
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
                for spec in answer_specs:
                    click.echo(f"scripted answer: {spec}")
                if record["control"]:
                    click.echo(f"control: {record['control']}/ (answers, payments, faults ...)")
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
              help="Merchant ID [env C2P_MERCHANT_ID]; a file row may name its own.")
@click.argument("invoice", required=False)
@click.argument("amount", required=False)
@click.option("--from", "from_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Seed every payment of a CSV (header row) or JSON (list of objects) file in"
              " one step, all or none. Columns: invoice, amount, status, method, merchant_id,"
              " payment_scheme, partial_settle, void_pending, sub_merchants (S1=60.00;S2=40.00).")
@click.option("--method", type=click.Choice([m.value for m in Method]), default="card",
              show_default=True)
@click.option("--status", default="A", show_default=True,
              help="A approved (pre-authorised), S settled, RS ready for settlement, V voided,"
              " AP an unpaid APM payment slip...")
@click.option("--partial-settle", is_flag=True, help="Allow settling less than the amount.")
@click.option("--payment-scheme", help="paymentScheme/processBy to report [default: VI for"
              " cards, MOBILEBANKING for APMs].")
@click.option("--sub-merchant", "sub_merchant_specs", multiple=True, metavar="SUBMID=AMOUNT",
              help="The payment's split between sub-merchants (adding up to AMOUNT); repeatable.")
@click.option("--void-pending", is_flag=True,
              help="An APM payment whose voids answer VP (void pending) first.")
@json_option
def seed_command(
    ledger_path: Path,
    merchant_id: str,
    invoice: str | None,
    amount: str | None,
    from_file: Path | None,
    method: str,
    status: str,
    partial_settle: bool,
    payment_scheme: str | None,
    sub_merchant_specs: tuple[str, ...],
    void_pending: bool,
    as_json: bool,
) -> None:
    """Add the payment INVOICE of AMOUNT to a ledger file, or every payment of a CSV or JSON
    file with --from (also beside a running server)."""
    if from_file is not None:
        if invoice is not None or amount is not None:
            raise click.UsageError("give INVOICE AMOUNT or --from FILE, not both")
        payments = read_payments(from_file)
    else:
        if invoice is None or amount is None:
            raise click.UsageError("give INVOICE and AMOUNT, or --from FILE")
        to_amount(amount)  # the CLI's own amount check and message
        if not invoice.strip():
            raise ValidationError("invoice must not be empty")
        payments = [{
            "invoice_no": invoice, "amount": amount, "method": method, "status": status,
            "partial_settle": partial_settle, "payment_scheme": payment_scheme,
            "sub_merchants": _split(sub_merchant_specs), "void_pending": void_pending,
        }]
    txns = []
    for number, payment in enumerate(payments, start=1):
        try:
            txns.append(make_transaction(**{"merchant_id": merchant_id, **payment}))
        except ConfigurationError as exc:  # bad input, not a configuration problem: exit 2
            where = f"payment {number} of {from_file}: " if from_file else ""
            raise ValidationError(f"{where}{exc}") from None
    with Ledger(ledger_path) as ledger:
        try:
            seeded = ledger.add_transactions(txns)
        except ConfigurationError as exc:  # a duplicate or a split that does not add up
            raise ValidationError(str(exc)) from None
    if from_file is not None:
        Output(as_json).emit(
            {"ok": True, "seeded": len(seeded), "ledger": str(ledger_path),
             "payments": [transaction_record(txn) for txn in seeded]},
            [("seeded", f"{len(seeded)} payments from {from_file}"), ("ledger", ledger_path)],
        )
        return
    txn = seeded[0]
    Output(as_json).emit(
        {"ok": True, **transaction_record(txn)},
        [("seeded", txn.invoice_no), ("merchant", txn.merchant_id), ("amount", txn.amount),
         ("method", txn.method.value), ("status", txn.status),
         ("reference no", txn.reference_no), ("ledger", ledger_path)],
    )


def _split(specs: tuple[str, ...]) -> dict[str, str]:
    split: dict[str, str] = {}
    for spec in specs:
        mid, sep, value = spec.partition("=")
        if not sep or not mid.strip() or not value.strip():
            raise click.BadParameter(f"{spec!r} is not SUBMID=AMOUNT", param_hint="--sub-merchant")
        split[mid.strip()] = value.strip()
    return split


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
        click.echo(json.dumps([transaction_record(txn, refunds) for txn, refunds in entries],
                              indent=2))
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
