"""The ``2c2p`` command: payment maintenance calls, keys, token decoding, the emulator, batches.

``main`` is the root click group (console script ``2c2p``). Library errors raised by any
command are reported here, once, and mapped to the documented exit codes
(:func:`c2p_action.cli._common.exit_code_for`).

Start-up is kept to click alone: each command's module is imported only when that command
runs or shows its own help (:data:`COMMANDS`), so ``2c2p --help`` and ``2c2p keygen`` do not
pay for the HTTP client, aiohttp or the emulator. ``benchmarks/bench_startup.py`` measures it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, Final

import click

from c2p_action.cli._exit_codes import EXIT_CODES_HELP, ExitCode

__all__ = ["COMMANDS", "ExitCode", "main"]

#: Every ``2c2p`` command: name -> ("module:attribute", its one-line summary).
#:
#: The attribute is the click command, or a sequence of commands holding one of that name
#: (``ops.COMMANDS``). The summary is what ``2c2p --help`` lists without importing the module:
#: the command's own short help, word for word (tests/test_startup.py checks both, and that
#: every entry loads). To add a command, add one line here.
COMMANDS: Final[Mapping[str, tuple[str, str]]] = {
    "agents": (
        "c2p_action.cli.customer_tokens:COMMANDS",
        "Show which FPX Malaysia agents (banks) are down: the CODEs given (at most 50, such as "
        "MYMBB), or every agent enabled for the merchant.",
    ),
    "balance": (
        "c2p_action.cli.funds:COMMANDS",
        "Show the merchant's available balance and its currency.",
    ),
    "bench": (
        "c2p_action.cli.bench:bench_command",
        "Measure the codec's messages per second against the raw cryptography floor.",
    ),
    "conformance": (
        "c2p_action.cli.conformance:conformance_command",
        "Settle what rests on inference: send each read-only operation once (and, only with "
        "--refund-invoice, one small refund) and write a redacted report you can share.",
    ),
    "customer-tokens": (
        "c2p_action.cli.customer_tokens:customer_tokens_group",
        "Customer tokens: store a card and get its token, then get, update or delete it.",
    ),
    "decode": (
        "c2p_action.cli.decode:decode_command",
        "Show what a gateway token (response or notification) holds; TOKEN or - for stdin.",
    ),
    "demo": (
        "c2p_action.cli.demo:demo_command",
        "Run the whole story end to end: throwaway keys, in-process emulator, no network.",
    ),
    "doctor": (
        "c2p_action.cli.doctor:doctor_command",
        "Check keys, certificates, the endpoint (DNS, TCP, TLS, what answers), the clock and, "
        "with --live, one verified inquiry.",
    ),
    "emulator": (
        "c2p_action.cli.emulator:emulator_group",
        "Run the gateway emulator over HTTP, or prepare its ledger.",
    ),
    "explain": (
        "c2p_action.cli.explain:explain_command",
        "Explain a respCode (96), a transaction status (RP) or a family's own code.",
    ),
    "fx": (
        "c2p_action.cli.fx:fx_group",
        "FX rates against the merchant's base currency (numeric ISO 4217 codes: 702 = SGD).",
    ),
    "hsm": (
        "c2p_action.cli.hsm:hsm",
        "Keys inside a PKCS#11 token (HSM): import, generate, list, certificate.",
    ),
    "inquiry": ("c2p_action.cli.ops:COMMANDS", "Show the current status of INVOICE."),
    "installments": (
        "c2p_action.cli.installments:installments_command",
        "List the banks offering installment plans (IPP), their card BINs and options.",
    ),
    "keygen": (
        "c2p_action.cli.keygen:keygen_command",
        "Generate the merchant key pair in DIRECTORY (default: current directory).",
    ),
    "listen": (
        "c2p_action.cli.listen:listen_command",
        "Receive notifications (refund completions ...) at http://HOST:PORT/PATH until "
        "interrupted.",
    ),
    "recurring": (
        "c2p_action.cli.recurring:recurring_group",
        "Recurring payment plans: inquiry, update, cancel (PLAN is the recurringUniqueID).",
    ),
    "refund": (
        "c2p_action.cli.ops:refund_command",
        "Refund AMOUNT of the settled transaction INVOICE.",
    ),
    "refund-batch": (
        "c2p_action.cli.batch:refund_batch_command",
        "Refund every row of FILE.csv: columns invoice, amount[, idempotency_id][, notes].",
    ),
    "refund-status": (
        "c2p_action.cli.ops:COMMANDS",
        "List every refund of INVOICE with its own status.",
    ),
    "reverse": (
        "c2p_action.cli.ops:COMMANDS",
        "Cancel INVOICE the right way for its state: void before settlement, refund after.",
    ),
    "settle": (
        "c2p_action.cli.ops:COMMANDS",
        "Settle (capture) the pre-authorised transaction INVOICE: the whole authorised amount, or "
        "AMOUNT (a partial settle, which only some merchants may do).",
    ),
    "tokens": (
        "c2p_action.cli.card_tokens:tokens_group",
        "Stored cards: add a card and get its token, then inquire, update or delete it.",
    ),
    "void": (
        "c2p_action.cli.ops:COMMANDS",
        "Void (cancel) the approved, not yet settled transaction INVOICE of AMOUNT.",
    ),
    "withdraw": (
        "c2p_action.cli.funds:COMMANDS",
        "Withdraw funds: list the withdraw options, send a withdrawal.",
    ),
}


def load_command(name: str) -> click.Command:
    """Import and return the command ``name`` of :data:`COMMANDS` (``KeyError`` if unknown)."""
    module_name, _, attribute = COMMANDS[name][0].partition(":")
    found = getattr(importlib.import_module(module_name), attribute)
    if isinstance(found, click.Command):
        return found
    for command in found:
        if command.name == name:
            return command  # type: ignore[no-any-return]
    raise LookupError(f"{module_name}:{attribute} holds no command named {name!r}")


class _Root(click.Group):
    """Loads commands on demand and maps the library's errors to exit codes for all of them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in COMMANDS:
            command = self.commands[cmd_name] = load_command(cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own listing, except that a command not loaded yet is described by its
        # summary in COMMANDS (shortened by click's rule, through a stand-in that never runs).
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(map(len, names))
        rows = []
        for name in names:
            command = self.commands.get(name) or click.Command(name, help=COMMANDS[name][1])
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        # Imported here, not at the top: `2c2p --help` never gets this far.
        from c2p_action.errors import C2PError

        try:
            return super().invoke(ctx)
        except C2PError as error:
            from c2p_action.cli._common import report_error

            ctx.exit(report_error(ctx, error))
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(ExitCode.INTERRUPTED)


@click.group(
    cls=_Root,
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="-v: INFO logs of the c2p_action logger on stderr; -vv: DEBUG (XML, account numbers"
    " masked). Keys, passwords and tokens are never logged.",
)
@click.version_option(package_name="2c2p-payment-action")
def main(verbose: int) -> None:
    """2C2P Payment Maintenance API (Payment Action 2.0) from the command line.

    \b
    Settings come from flags or the client's environment variables:
      C2P_MERCHANT_ID, C2P_MERCHANT_KEY (path or key URI: file:, pkcs11:,
      aws-kms:), C2P_MERCHANT_KEY_PASSWORD, C2P_GATEWAY_KEY, C2P_ENVIRONMENT
      (sandbox | production | URL), C2P_TRANSPORT, C2P_TIMEOUT,
      C2P_MAX_ATTEMPTS, C2P_CA_FILE, C2P_PROXY (http://[user:password@]host:port;
      HTTPS_PROXY is not read).

    Start with `2c2p demo`: the whole story on throwaway keys, no account, no network.
    """
    from c2p_action.cli._common import setup_logging

    setup_logging(verbose)
