"""``2c2p listen``: receive the gateway's notifications locally, verify them, print them."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

import click

from c2p_action.cli._common import connection_options, json_option, settings_from, table
from c2p_action.cli.emulator import _wait_for_signal
from c2p_action.client import Client
from c2p_action.errors import ConfigurationError
from c2p_action.listen import Forwarder, Notification, forward_payload, receiver_app

__all__ = ["listen_command"]


class _Printer:
    """Prints each notification (one JSON line, or a small table), from the server's thread."""

    def __init__(self, as_json: bool, forwarder: Forwarder | None) -> None:
        self.as_json = as_json
        self.forwarder = forwarder
        self._lock = threading.Lock()

    def emit(self, text: str) -> None:
        with self._lock:
            click.echo(text)

    def __call__(self, notification: Notification, received_at: datetime) -> str | None:
        payload = forward_payload(notification, received_at)
        problem = None if self.forwarder is None else self.forwarder.send(payload)
        fields = notification.record
        if self.as_json:
            forwarded = None if self.forwarder is None else problem is None
            record = {**payload, "forwarded": forwarded, "forward_error": problem}
            self.emit(json.dumps(record, default=str))
        else:
            rows: list[tuple[str, object]] = [
                (
                    "notification",
                    f"{notification.kind} at {payload['received_at']}"
                    " (signature verified, decrypted)",
                ),
                *((name, value) for name, value in fields.items() if not isinstance(value, dict)),
            ]
            if self.forwarder is not None:
                rows.append(("forwarded", "yes" if problem is None else f"no: {problem}"))
            self.emit(table(rows) + "\n")
        return problem


@click.command("listen")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 picks a free port (the real one is printed).",
)
@click.option(
    "--path",
    default="/2c2p/notify",
    show_default=True,
    help="The path notifications are posted to.",
)
@click.option(
    "--forward-to",
    metavar="URL",
    help="Also POST each verified notification as JSON to URL (https, or http on"
    " loopback): {format, kind, verified, received_at, notification}. Answers the"
    " gateway 502 (so it posts again) when URL does not answer 2xx.",
)
@connection_options
@json_option
def listen_command(
    host: str, port: int, path: str, forward_to: str | None, as_json: bool, **options: Any
) -> None:
    """Receive notifications (refund completions ...) at http://HOST:PORT/PATH until
    interrupted.

    Each is verified with the gateway key and decrypted with the merchant key, printed (one
    JSON line each with --json), forwarded if asked, and answered 200; a signature that does
    not verify gets 401, anything else unacceptable 400. Use the printed URL as notifyURL.
    The first line printed is the URL (JSON: {"listening": URL}).
    """
    from c2p_action.emulator.server import RunningServer

    if not path.startswith("/"):
        raise ConfigurationError("--path must start with /")
    forwarder = None if forward_to is None else Forwarder(forward_to)
    with Client(settings=settings_from(options)) as client:
        printer = _Printer(as_json, forwarder)
        app = receiver_app(client.codec, printer, path=path)
        with RunningServer(app, host, port, path=path) as server:
            if as_json:
                click.echo(json.dumps({"listening": server.url}))
            else:
                click.echo(f"listening on {server.url} (use it as notifyURL; Ctrl-C stops)")
            _wait_for_signal()
    if forwarder is not None:
        forwarder.close()
