"""``2c2p decode``: look inside a gateway token, step by step, saying which step failed.

Steps: parse (both headers, no key) -> verify the signature (``--gateway-cert``) -> decrypt
(``--merchant-key``) -> parse and pretty-print the XML. Nothing is decrypted unless its
signature verified first, as in the codec. ``--trace FILE`` reads back a trace written by
``Client(trace=...)`` or ``--trace`` instead.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click
from lxml import etree

from c2p_action.cli._common import exit_code_for, json_option, response_record, table
from c2p_action.client import read_trace, redact_xml
from c2p_action.codec import Codec, from_xml, inspect, verify_signature
from c2p_action.errors import C2PError
from c2p_action.keys import fingerprint
from c2p_action.notifications import extract_token
from c2p_action.plugins.manager import PluginManager
from c2p_action.schemas import PaymentProcessResponse

__all__ = ["decode_command"]


def _read_token(source: str) -> bytes:
    raw = sys.stdin.buffer.read() if source == "-" else source.encode("utf-8", "replace")
    # A notification body pasted whole (notifyResponse=...) works too.
    return extract_token(raw.strip())


def _pretty(xml: bytes) -> str:
    # Only reached after from_xml's hardened parse accepted it (no DTD, no entities).
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True
    )
    root = etree.fromstring(xml, parser)
    return redact_xml(etree.tostring(root, pretty_print=True, encoding="utf-8")).rstrip()


class _Steps:
    """Runs the steps in order and records what each found (or why it failed)."""

    def __init__(self) -> None:
        self.record: dict[str, Any] = {"ok": True, "steps": {}}
        self.failed: C2PError | None = None

    def done(self, step: str, outcome: str) -> None:
        self.record["steps"][step] = outcome

    def fail(self, step: str, error: C2PError) -> None:
        self.record.update(ok=False, failed_step=step, error=type(error).__name__,
                           message=str(error), exit_code=int(exit_code_for(error)))
        self.record["steps"][step] = "FAILED"
        self.failed = error


def _run(steps: _Steps, token: str, gateway_cert: str | None, merchant_key: str | None,
         password: str | None) -> str | None:
    step = "read token"
    try:
        data = _read_token(token)
        step = "parse token"
        info = inspect(data)
        steps.record.update(
            length=info.length,
            jws_header=dict(info.jws_header),
            jwe_header=dict(info.jwe_header),
            jws_sizes=dict(info.jws_sizes),
            jwe_sizes=dict(info.jwe_sizes),
        )
        steps.done(step, "ok")
        if gateway_cert is None:
            steps.done("verify signature", "skipped (no --gateway-cert)")
            steps.done("decrypt", "skipped (needs --gateway-cert and --merchant-key)")
            return None
        plugins = PluginManager()
        step = "load gateway key"
        gateway = plugins.load_public_key(gateway_cert)
        step = "verify signature"
        verify_signature(data, gateway)
        steps.done(step, f"ok (gateway key SHA-256 {fingerprint(gateway)[:16]}...)")
        if merchant_key is None:
            steps.done("decrypt", "skipped (no --merchant-key)")
            return None
        step = "load merchant key"
        secret = None if password is None else password.encode()
        own = plugins.load_private_key(merchant_key, secret)
        step = "decrypt"
        xml = Codec(own, gateway).open(data)
        steps.done(step, "ok")
        step = "parse XML"
        steps.record["response"] = response_record(from_xml(xml, PaymentProcessResponse))
        steps.done(step, "ok")
        return _pretty(xml)
    except C2PError as error:
        steps.fail(step, error)
        return None


def _headers(token: dict[str, Any] | None) -> str:
    if not token:
        return "-"
    if not token.get("parsed"):
        return f"not a token ({token.get('error')}, {token.get('length')} bytes)"
    parts = [f"JWS {json.dumps(token['jws_header'])} {json.dumps(token['jws_sizes'])}"]
    if token.get("jwe_header"):
        parts.append(f"JWE {json.dumps(token['jwe_header'])} {json.dumps(token['jwe_sizes'])}")
    return "; ".join(parts)


def _answer(response: dict[str, Any] | None) -> str:
    if not response:
        return "-"
    kind = response.get("kind")
    if kind == "token":
        return "token: " + _headers(response.get("token"))
    if kind == "html":
        return f"an HTML page ({response.get('title') or 'no title'}), not a gateway token"
    return f"{kind} body of {response.get('length')} bytes ({response.get('content_type')})"


def _show_trace(records: list[dict[str, Any]]) -> str:
    blocks = []
    for number, record in enumerate(records, start=1):
        outcome = record.get("outcome", "?")
        code = ""
        if "code" in record:
            code = f" {record['code']} {record.get('description', '')}".rstrip()
        rows: list[tuple[str, object]] = [
            (f"call {number}", f"{record.get('operation')}  {outcome}{code}"),
            ("started", record.get("started_at")),
            ("duration", f"{record.get('duration_ms')} ms"),
            ("endpoint", record.get("endpoint")),
            ("idempotency id", record.get("idempotency_id")),
            ("request (redacted)", json.dumps(record.get("request"))),
        ]
        for attempt in record.get("attempts", []):
            label = f"attempt {attempt.get('attempt')}"
            status = attempt.get("http_status")
            rows += [
                (label, f"HTTP {status if status is not None else '-'},"
                        f" {attempt.get('duration_ms', '-')} ms"),
                ("  sent", _headers(attempt.get("request_token"))),
                ("  answer", _answer(attempt.get("response"))),
            ]
            if "error" in attempt:
                error = attempt["error"]
                rows.append(("  error", f"{error.get('type')}: {error.get('message')}"))
        rows.append(("verified answer", json.dumps(record.get("response"))
                     if record.get("verified") else "none"))
        if "error" in record:
            error = record["error"]
            rows.append(("error", f"{error.get('type')}: {error.get('message')}"))
        explanation = record.get("explanation")
        if explanation:
            rows.append(("explanation", explanation.get("summary")))
            rows += [("  likely cause", cause) for cause in explanation.get("causes", [])]
            rows += [("  check", check) for check in explanation.get("checks", [])]
        blocks.append(table(rows))
    return "\n\n".join(blocks) if blocks else "(empty trace)"


@click.command("decode")
@click.argument("token", metavar="TOKEN|-", required=False)
@click.option(
    "--gateway-cert",
    "--gateway-key",
    "gateway_cert",
    envvar="C2P_GATEWAY_KEY",
    metavar="PATH|URI",
    help="Verify the signature with 2C2P's certificate [env C2P_GATEWAY_KEY].",
)
@click.option(
    "--merchant-key",
    envvar="C2P_MERCHANT_KEY",
    metavar="PATH|URI",
    help="Decrypt with the merchant private key [env C2P_MERCHANT_KEY]; needs --gateway-cert.",
)
@click.option(
    "--merchant-key-password-env",
    metavar="VAR",
    default="C2P_MERCHANT_KEY_PASSWORD",
    show_default=True,
    help="Environment variable holding the merchant key file's password.",
)
@click.option(
    "--trace",
    "trace_file",
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False),
    help="Read back a trace file (written by --trace or Client(trace=...)) instead of a token.",
)
@json_option
@click.pass_context
def decode_command(
    ctx: click.Context,
    token: str | None,
    gateway_cert: str | None,
    merchant_key: str | None,
    merchant_key_password_env: str,
    trace_file: str | None,
    as_json: bool,
) -> None:
    """Show what a gateway token (response or notification) holds; TOKEN or - for stdin.

    Always: both protected headers and segment sizes (no key needed). With --gateway-cert:
    the signature is verified. With --merchant-key as well: decrypted, and the XML parsed and
    pretty-printed. A failure names its step and exits with the codec (6) or key (3) code.
    With --trace FILE: each recorded call, its attempts, headers, timings and answer.
    """
    if trace_file is not None:
        if token is not None:
            raise click.UsageError("give a TOKEN or --trace FILE, not both")
        records = list(read_trace(trace_file))
        if as_json:
            click.echo(json.dumps({"ok": True, "calls": records}, indent=2))
        else:
            click.echo(_show_trace(records))
        return
    if token is None:
        raise click.UsageError("give a TOKEN (or - for stdin), or --trace FILE")
    if merchant_key is not None and gateway_cert is None:
        raise click.UsageError(
            "--merchant-key needs --gateway-cert: nothing is decrypted before its signature"
            " verifies"
        )
    password = os.environ.get(merchant_key_password_env) or None if merchant_key else None
    steps = _Steps()
    xml = _run(steps, token, gateway_cert, merchant_key, password)
    record = steps.record
    if as_json:
        click.echo(json.dumps({**record, "xml": xml}, indent=2))
    else:
        rows: list[tuple[str, object]] = [("token", f"{record.get('length', '?')} characters")]
        if "jws_header" in record:
            rows += [
                ("JWS header", json.dumps(record["jws_header"])),
                ("JWS sizes", json.dumps(record["jws_sizes"])),
                ("JWE header", json.dumps(record["jwe_header"])),
                ("JWE sizes", json.dumps(record["jwe_sizes"])),
            ]
        rows += [(f"step: {name}", outcome) for name, outcome in record["steps"].items()]
        click.echo(table(rows))
        if xml is not None:
            click.echo("\n" + xml)
    if steps.failed is not None:
        step, kind, message = record["failed_step"], record["error"], record["message"]
        click.echo(f"Error: step '{step}' failed ({kind}): {message}", err=True)
        ctx.exit(record["exit_code"])

