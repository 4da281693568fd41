"""``2c2p conformance``: run the read-only operations against the sandbox, write a report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from c2p_action.cli._common import ExitCode, connection_options, grid, json_option, settings_from
from c2p_action.client import SANDBOX_CERTIFICATE
from c2p_action.conformance import REPORT_FORMAT, run_conformance

__all__ = ["conformance_command"]


def _inputs(invoice: str | None, params: tuple[str, ...]) -> dict[str, str]:
    given: dict[str, str] = {}
    for spec in params:
        name, sep, value = spec.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{spec!r} is not NAME=VALUE", param_hint="--param")
        given[name.strip()] = value
    if invoice is not None:
        given["invoice"] = invoice
    return given


@click.command("conformance")
@click.option(
    "--sandbox",
    is_flag=True,
    help="Run against 2C2P's real sandbox with the bundled sandbox certificate"
    " (overrides --environment and --gateway-key).",
)
@click.option(
    "--invoice",
    metavar="INVOICE",
    help="A sandbox invoice for the payment family's inquiry and refund status.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Another input a family's probe needs (repeatable).",
)
@click.option(
    "--refund-invoice",
    metavar="INVOICE",
    help="Also send ONE refund of --refund-amount for this settled sandbox invoice"
    " (the only call that changes anything; never without this flag).",
)
@click.option(
    "--refund-amount", default="1.00", show_default=True, help="Amount of that one refund."
)
@click.option(
    "--include-amounts",
    is_flag=True,
    help="Keep amount values in the report (left out by default).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("2c2p-conformance.json"),
    show_default=True,
    help="Where to write the report (format c2p_action.conformance/1).",
)
@connection_options
@json_option
@click.pass_context
def conformance_command(
    ctx: click.Context,
    /,
    sandbox: bool,
    invoice: str | None,
    params: tuple[str, ...],
    refund_invoice: str | None,
    refund_amount: str,
    include_amounts: bool,
    out: Path,
    as_json: bool,
    **options: Any,
) -> None:
    """Settle what rests on inference: send each read-only operation once (and, only with
    --refund-invoice, one small refund) and write a redacted report you can share.

    The report holds, per operation, the protected headers, the answer's root element and
    element order, the codes, the HTTP status and the timings; never a PAN, a key, a token,
    an invoice number or the merchant ID, and amounts only with --include-amounts.
    Production is refused. Exits 5 when an operation got no verified answer.
    """
    extra: dict[str, Any] = {}
    if sandbox:
        extra = {"environment": "sandbox", "gateway_key": str(SANDBOX_CERTIFICATE)}
    settings = settings_from(options, **extra)
    refund = None if refund_invoice is None else (refund_invoice, refund_amount)
    report = run_conformance(
        settings, inputs=_inputs(invoice, params), refund=refund, include_amounts=include_amounts
    )
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        rows = [
            (
                entry["operation"],
                entry["outcome"],
                entry.get("code", {}).get("value", ""),
                entry.get("http_status", ""),
                entry.get("timings_ms", {}).get("total", ""),
                entry.get("skipped") or entry.get("error", {}).get("message", ""),
            )
            for entry in report["operations"]
        ]
        click.echo(grid(("operation", "outcome", "code", "HTTP", "ms", "note"), rows))
        click.echo(f"\nReport ({REPORT_FORMAT}) written to {out}: share it as it is.")
    if any(entry["outcome"] == "failed" for entry in report["operations"]):
        ctx.exit(ExitCode.TRANSPORT)
