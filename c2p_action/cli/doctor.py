"""``2c2p doctor``: check the set-up before the first live call, and say what to fix."""

from __future__ import annotations

import json
from typing import Any

import click

from c2p_action.cli._common import ExitCode, connection_options, json_option, settings_from
from c2p_action.doctor import iter_lines, run_checks

__all__ = ["doctor_command"]


@click.command("doctor")
@click.option(
    "--merchant-cert",
    metavar="PATH",
    help="The certificate you uploaded to the merchant portal: checked against the"
    " key. Without it, the certificate to upload is printed.",
)
@click.option(
    "--ca-file",
    metavar="PATH",
    help="PEM bundle of CAs to trust for the endpoint [env C2P_CA_FILE].",
)
@click.option(
    "--live",
    "live_invoice",
    metavar="INVOICE",
    help="Also send one inquiry for INVOICE (harmless, read-only) and verify its"
    " answer end to end.",
)
@click.option("--offline", is_flag=True, help="Leave out every check that connects.")
@connection_options
@json_option
@click.pass_context
def doctor_command(
    ctx: click.Context,
    /,
    merchant_cert: str | None,
    ca_file: str | None,
    live_invoice: str | None,
    offline: bool,
    as_json: bool,
    **options: Any,
) -> None:
    """Check keys, certificates, the endpoint (DNS, TCP, TLS, what answers), the clock and,
    with --live, one verified inquiry.

    Each check prints ok, warning or error with one line of advice. Exits 0 when no check
    is an error (warnings allowed), 3 otherwise.
    """
    extra = {"ca_file": ca_file} if ca_file else {}
    report = run_checks(
        lambda: settings_from(options, **extra),
        merchant_certificate=merchant_cert,
        live_invoice=live_invoice,
        network=not offline,
    )
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for line in iter_lines(report):
            click.echo(line)
        if report.certificate_pem is not None:
            click.echo(
                f"\nCertificate for your merchant key (SHA-256 of its public key:"
                f" {report.certificate_fingerprint}); upload it to the merchant"
                f" portal and set it as the default key:\n\n{report.certificate_pem}"
            )
        errors = sum(1 for check in report.checks if check.level.value == "error")
        warnings = sum(1 for check in report.checks if check.level.value == "warning")
        click.echo(f"\n{errors} error(s), {warnings} warning(s).")
    if not report.ok:
        ctx.exit(ExitCode.CONFIGURATION)
