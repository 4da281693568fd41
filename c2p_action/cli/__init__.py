"""The ``2c2p`` command: payment maintenance calls, keys, token decoding, the emulator, batches.

``main`` is the root click group (console script ``2c2p``). Library errors raised by any
command are reported here, once, and mapped to the documented exit codes
(:func:`c2p_action.cli._common.exit_code_for`).
"""

from __future__ import annotations

from typing import Any

import click

from c2p_action.cli._common import EXIT_CODES_HELP, ExitCode, report_error, setup_logging
from c2p_action.cli.batch import refund_batch_command
from c2p_action.cli.card_tokens import tokens_group
from c2p_action.cli.customer_tokens import COMMANDS as PGW_COMMANDS
from c2p_action.cli.decode import decode_command
from c2p_action.cli.demo import demo_command
from c2p_action.cli.emulator import emulator_group
from c2p_action.cli.funds import COMMANDS as FUNDS_COMMANDS
from c2p_action.cli.fx import fx_group
from c2p_action.cli.hsm import hsm
from c2p_action.cli.installments import installments_command
from c2p_action.cli.keygen import keygen_command
from c2p_action.cli.ops import COMMANDS
from c2p_action.cli.recurring import recurring_group
from c2p_action.errors import C2PError

__all__ = ["ExitCode", "main"]


class _Root(click.Group):
    """Maps the library's errors to exit codes for every subcommand."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except C2PError as error:
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
      C2P_MAX_ATTEMPTS, C2P_CA_FILE.

    Start with `2c2p demo`: the whole story on throwaway keys, no account, no network.
    """
    setup_logging(verbose)


for _command in (*COMMANDS, refund_batch_command, decode_command, keygen_command,
                 emulator_group, demo_command, hsm, recurring_group, installments_command,
                 *FUNDS_COMMANDS, tokens_group, fx_group, *PGW_COMMANDS):
    main.add_command(_command)
