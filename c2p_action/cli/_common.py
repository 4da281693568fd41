"""What every ``2c2p`` command shares: exit codes, error reporting, output, settings, keys.

Errors are mapped to exit codes in one place (:func:`exit_code_for`), by the root group, so a
command only raises the library's own exceptions and never picks a number itself.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, TypeVar

import click

from c2p_action.cli._exit_codes import ExitCode
from c2p_action.cli._journal import CsvError
from c2p_action.client import Client, PaymentResult, Settings
from c2p_action.errors import (
    CodecError,
    ConfigurationError,
    GatewayError,
    KeyLoadError,
    TransportError,
    ValidationError,
)
from c2p_action.schemas import PaymentProcessResponse

__all__ = [
    "AmountCommand",
    "ExitCode",
    "Output",
    "card_input",
    "cli_message",
    "connection_options",
    "error_record",
    "exit_code_for",
    "explain_option",
    "json_option",
    "response_record",
    "result_record",
    "settings_from",
    "setup_logging",
    "trace_option",
    "wants_explanation",
    "with_client",
]

F = TypeVar("F", bound=Callable[..., Any])

_JSON_META: Final = "c2p_action.json"
_EXPLAIN_META: Final = "c2p_action.explain"


# Most specific first.
_CODES: Final[Sequence[tuple[type[BaseException], ExitCode]]] = (
    (ValidationError, ExitCode.USAGE),
    (GatewayError, ExitCode.REFUSED),
    (TransportError, ExitCode.TRANSPORT),
    (CodecError, ExitCode.CODEC),
    (ConfigurationError, ExitCode.CONFIGURATION),
    (KeyLoadError, ExitCode.CONFIGURATION),
)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for an error the library raised."""
    for kind, code in _CODES:
        if isinstance(error, kind):
            return code
    return ExitCode.INTERNAL


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value) if not isinstance(value, Decimal) else f"{value:f}"


def response_record(response: PaymentProcessResponse) -> dict[str, Any]:
    """The fields of a verified response people and scripts look at (no card data beyond
    the gateway's own masked PAN)."""
    refunds = response.refund_list.refund if response.refund_list is not None else []
    return {
        "code": (response.resp_code or "").strip(),
        "description": response.resp_desc or "",
        "process_type": response.process_type,
        "invoice_no": response.invoice_no,
        "status": response.status,
        "amount": _text(response.amount),
        "reference_no": response.reference_no,
        "refund_reference_no": response.refund_reference_no,
        "approval_code": response.approval_code,
        "transaction_date_time": response.transaction_date_time,
        "refunds": [
            {
                "amount": _text(r.amount),
                "status": r.status,
                "reference_no": r.reference_no,
                "date_time": r.date_time,
            }
            for r in refunds
        ],
    }


def result_record(operation: str, result: PaymentResult) -> dict[str, Any]:
    """A successful (or pending) call as a JSON-ready mapping."""
    return {
        "ok": True,
        "operation": operation,
        "pending": result.pending,
        "idempotency_id": result.idempotency_id,
        "attempts": result.attempts,
        **response_record(result.response),
    }


# The library's messages name its Python keywords; on the command line the same settings are
# flags (or the INVOICE argument). Only identifiers that library messages really use are here,
# matched as whole words so a path such as "keys/merchant_key.pem" is left alone.
_FLAG_NAMES: Final = {
    "merchant_id": "--merchant-id",
    "merchant_key": "--merchant-key",
    "gateway_key": "--gateway-key",
    "idempotency_id": "--idempotency-id",
    "user_defined": "--user-defined",
    "invoice_no": "INVOICE",
    "common_name": "--common-name",
    "overwrite=True": "--overwrite",
    "generate_merchant_keys": "keygen",
    "pass them as arguments": "give them as flags",
}
_KEYWORDS: Final = re.compile(
    r"(?<![\w./\\-])("
    + "|".join(re.escape(name) for name in sorted(_FLAG_NAMES, key=len, reverse=True))
    + r")(?![\w./\\-])"
)


def cli_message(error: BaseException) -> str:
    """``str(error)``, with the library's keyword names of bad input replaced by CLI flags."""
    message = str(error)
    # A CSV problem names the file's columns (idempotency_id ...), which are not flags.
    if isinstance(error, ConfigurationError | ValidationError) and not isinstance(error, CsvError):
        message = _KEYWORDS.sub(lambda match: _FLAG_NAMES[match.group(1)], message)
    return message


def error_record(error: BaseException) -> dict[str, Any]:
    """A failed command as a JSON-ready mapping; the message is the library's (never a secret)."""
    record: dict[str, Any] = {
        "ok": False,
        "exit_code": int(exit_code_for(error)),
        "error": type(error).__name__,
        "message": cli_message(error),
    }
    idempotency_id = getattr(error, "idempotency_id", None)
    if idempotency_id is not None:
        record["idempotency_id"] = idempotency_id
    if isinstance(error, GatewayError):
        record["code"] = str(error.code)
        record["description"] = error.description
        if error.explanation is not None:
            record["explanation"] = error.explanation.as_dict()
        if isinstance(error.response, PaymentProcessResponse):
            record["response"] = response_record(error.response)
    return record


_NEGATIVE_NUMBER: Final = re.compile(r"-(\d+(\.\d*)?|\.\d+)")


class AmountCommand(click.Command):
    """A command with an ``amount`` argument: ``-5`` there is a bad amount, not an unknown option.

    Click reads any word starting with ``-`` as an option, so ``2c2p refund INV -5`` would fail
    with "No such option: -5". The amount is reported instead (exit code 2, as for any bad
    amount); ``--`` before the arguments still passes such a word through to the library.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse as usual; turn "no such option" for a negative number into an amount error."""
        words = list(args)  # the parser consumes the list it is given
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as error:
            given = next(
                (
                    arg
                    for arg in words
                    if _NEGATIVE_NUMBER.fullmatch(arg) and arg.startswith(error.option_name)
                ),
                None,
            )
            amount = next((p for p in self.params if p.name == "amount"), None)
            if given is None or amount is None:
                raise
            raise click.BadParameter(
                f"{given} is negative; an amount is greater than 0 with at most two decimals"
                " (25.00)",
                ctx=ctx,
                param=amount,
            ) from None


def _remember_json(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    # ctx.meta is shared by the whole invocation: the root group reads it to report errors.
    ctx.meta[_JSON_META] = value
    return value


def json_option(function: F) -> F:
    """``--json``: one JSON document on stdout instead of the table (errors too)."""
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        callback=_remember_json,
        expose_value=True,
        is_eager=True,
        help="Print one JSON document on stdout (also for errors) instead of a table.",
    )(function)


def wants_json(ctx: click.Context) -> bool:
    """Whether the running command was given ``--json``."""
    return bool(ctx.meta.get(_JSON_META))


def _remember_explain(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.meta[_EXPLAIN_META] = value
    return value


def explain_option(function: F) -> F:
    """``--explain``: say what a gateway code means and, for set-up problems, what to check."""
    return click.option(
        "--explain",
        "explain",
        is_flag=True,
        callback=_remember_explain,
        expose_value=False,
        is_eager=True,
        help="Explain the gateway's code in plain words (likely causes and what to check).",
    )(function)


def wants_explanation(ctx: click.Context) -> bool:
    """Whether the running command was given ``--explain``."""
    return bool(ctx.meta.get(_EXPLAIN_META))


def trace_option(function: F) -> F:
    """``--trace FILE``: append a shareable record of each call (no keys, tokens or card data)."""
    return click.option(
        "--trace",
        "trace",
        metavar="FILE",
        type=click.Path(dir_okay=False),
        help="Append one JSON line per call to FILE: headers, sizes, timings, the redacted"
        " request and the verified answer; safe to share. Read it with `2c2p decode --trace`.",
    )(function)


def report_error(ctx: click.Context, error: BaseException) -> ExitCode:
    """Print ``error`` (stderr, and stdout as JSON with ``--json``); return its exit code."""
    code = exit_code_for(error)
    if wants_json(ctx):
        click.echo(json.dumps(error_record(error), indent=2))
    click.echo(f"Error ({type(error).__name__}): {cli_message(error)}", err=True)
    explanation = getattr(error, "explanation", None)
    if wants_explanation(ctx) and explanation is not None and explanation.summary not in str(error):
        click.echo(str(explanation), err=True)
    idempotency_id = getattr(error, "idempotency_id", None)
    if code is ExitCode.TRANSPORT and idempotency_id:
        click.echo(
            "The outcome is unknown. Check with `inquiry`/`refund-status`, or repeat the"
            f" command with --idempotency-id {idempotency_id} (never a new id).",
            err=True,
        )
    return code


class Output:
    """Either a JSON document or a readable two-column table, on stdout."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def emit(self, record: Mapping[str, Any], rows: Iterable[tuple[str, object]]) -> None:
        """Print ``record`` as JSON, or ``rows`` (label, value) as an aligned table."""
        if self.as_json:
            click.echo(json.dumps(record, indent=2, default=str))
            return
        click.echo(table(rows))


def table(rows: Iterable[tuple[str, object]]) -> str:
    """Aligned ``label  value`` lines; rows whose value is ``None`` or empty are left out."""
    shown = [(label, str(value)) for label, value in rows if value not in (None, "")]
    width = max((len(label) for label, _ in shown), default=0)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in shown)


def grid(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A small column-aligned table with a header line."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = [headers, *cells]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def setup_logging(verbosity: int) -> None:
    """``-v``: INFO of the ``c2p_action`` logger on stderr; ``-vv``: DEBUG (XML, redacted).

    Without ``-v`` the library's warnings are not printed (the command reports errors itself):
    a ``NullHandler`` keeps Python's last-resort handler away, and nothing else changes, so
    an embedding program's logging configuration is left as it was.
    """
    logger = logging.getLogger("c2p_action")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    if verbosity <= 0:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG)


def env_secret(variable: str | None, what: str) -> str | None:
    """The value of environment variable ``variable`` (``None`` when no variable is named)."""
    if not variable:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise ConfigurationError(f"{what}: environment variable {variable} is not set")
    return value


_CONNECTION_OPTIONS: Final = (
    click.option("--merchant-id", help="Merchant ID [env C2P_MERCHANT_ID]."),
    click.option(
        "--merchant-key",
        metavar="PATH|URI",
        help="Merchant private key: file (PEM/DER/PKCS#12) or key URI (file:, pkcs11:,"
        " aws-kms:); while keys rotate, several, comma-separated, newest first"
        " [env C2P_MERCHANT_KEY].",
    ),
    click.option(
        "--merchant-key-password-env",
        metavar="VAR",
        help="Environment variable holding the key file's password"
        " [default: C2P_MERCHANT_KEY_PASSWORD].",
    ),
    click.option(
        "--gateway-key",
        "--gateway-cert",
        "gateway_key",
        metavar="PATH|URI",
        help="2C2P's certificate or public key; while 2C2P rotates, several, comma-separated,"
        " current first [env C2P_GATEWAY_KEY; default in the sandbox: 2C2P's bundled sandbox"
        " certificate].",
    ),
    click.option(
        "--environment",
        metavar="sandbox|production|URL",
        help="Where to send: sandbox (default), production, or a base URL such as a running"
        " emulator's http://127.0.0.1:8080 [env C2P_ENVIRONMENT].",
    ),
    click.option("--transport", metavar="NAME", help="Transport name [env C2P_TRANSPORT]."),
    click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        help="Seconds per HTTP exchange [env C2P_TIMEOUT, default 60].",
    ),
    click.option(
        "--max-attempts",
        type=click.IntRange(min=1),
        help="Attempts per call incl. the first; retries reuse the idempotencyID"
        " [env C2P_MAX_ATTEMPTS, default 3].",
    ),
    click.option(
        "--proxy",
        metavar="URL",
        help="HTTP proxy to reach the gateway through: http://[user:password@]host:port"
        " (put credentials in C2P_PROXY rather than on the command line); HTTPS_PROXY is"
        " not read [env C2P_PROXY].",
    ),
)


def connection_options(function: F) -> F:
    """The options that say who we are and where to send (each falls back to ``C2P_*``)."""
    for option in reversed(_CONNECTION_OPTIONS):
        function = option(function)
    return function


def settings_from(options: Mapping[str, Any], **extra: Any) -> Settings:
    """``Settings.from_env`` with the connection flags that were given as overrides."""
    overrides: dict[str, Any] = {
        name: options[name]
        for name in ("merchant_id", "environment", "transport", "timeout", "proxy")
        if options.get(name) is not None
    }
    for name in ("merchant_key", "gateway_key"):
        if options.get(name) is not None:
            # While keys rotate: several, comma-separated, newest (current) first, as in C2P_*.
            keys = tuple(part.strip() for part in options[name].split(",") if part.strip())
            overrides[name] = keys[0] if len(keys) == 1 else keys
    password = env_secret(options.get("merchant_key_password_env"), "--merchant-key-password-env")
    if password is not None:
        overrides["merchant_key_password"] = password
    if options.get("max_attempts") is not None:
        overrides["max_attempts"] = options["max_attempts"]
    overrides.update(extra)
    return Settings.from_env(**overrides)


R = TypeVar("R")


def with_client(options: Mapping[str, Any], run: Callable[[Client], R]) -> R:
    """``run`` with a client built from the command's connection flags (and ``--trace``), closed
    afterwards: one client per command, as a command makes one logical call."""
    with Client(settings=settings_from(options), trace=options.get("trace")) as client:
        return run(client)


def card_input(variable: str, label: str) -> str:
    """Card data from the environment variable ``variable``, else one line typed at a prompt
    that does not echo (one line of standard input when it is not a terminal).

    Never a command-line argument: arguments stay in shell history and other users of the
    machine see them in ``ps``.
    """
    value = os.environ.get(variable)
    if value is not None:
        return value
    if sys.stdin is None or not sys.stdin.isatty():
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line:
            raise ConfigurationError(f"{label}: set {variable} or type it at the prompt")
        return line.rstrip("\r\n")
    typed: str = click.prompt(label, hide_input=True, err=True)
    return typed
