"""A notification receiver for any family: verify, decrypt, identify, hand on.

2C2P posts asynchronous outcomes to the merchant (refund completions today, in the
PaymentProcessResponse format). Each family that defines a notification registers its
:class:`NotificationKind` (its envelope, body format, model and masks) with
:func:`register_notification_kind`; :func:`read_notification` verifies a body, decrypts it,
and binds it to the kind whose model matches (an XML body by its root element).

:func:`receiver_app` is an aiohttp application answering as the gateway expects: 401 for a
signature that does not verify, 400 for anything else unacceptable, 502 when the handler
fails (a forward that was not acknowledged: the gateway posts again later), and 200 once the
handler returned. :class:`Forwarder` posts each verified notification as JSON to a local URL
(see :func:`forward_payload` for the form). ``2c2p listen`` runs both.
"""

from __future__ import annotations

import asyncio
import inspect as pyinspect
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import urllib3

from c2p_action.client._trace import model_record
from c2p_action.codec import Codec, Envelope, inspect
from c2p_action.codec.messages import BodyFormat, decode_body
from c2p_action.errors import (
    CodecError,
    ConfigurationError,
    SignatureError,
    TokenFormatError,
)
from c2p_action.notifications import extract_token
from c2p_action.operations import Environment, Mask
from c2p_action.schemas import PaymentProcessResponse

if TYPE_CHECKING:
    from aiohttp import web

__all__ = [
    "FORWARD_FORMAT",
    "Forwarder",
    "Notification",
    "NotificationKind",
    "forward_payload",
    "kinds",
    "read_notification",
    "receiver_app",
    "register_notification_kind",
]

#: The ``format`` member of every forwarded payload.
FORWARD_FORMAT: Final = "c2p_action.notification/1"
_log = logging.getLogger("c2p_action.listen")


@dataclass(frozen=True, slots=True)
class NotificationKind:
    """A notification some family defines: how it travels and what model it binds to.

    ``masked`` names the wire fields redacted when the notification is printed or
    forwarded (as an operation's ``masked``).
    """

    name: str
    envelope: Envelope
    body: BodyFormat
    model: type[Any]
    masked: Mapping[str, Mask] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Notification:
    """A verified, decrypted notification: its kind, its model and a redacted record."""

    kind: str
    model: Any
    record: Mapping[str, Any]


_KINDS: list[NotificationKind] = []


def register_notification_kind(kind: NotificationKind) -> None:
    """Let receivers recognise ``kind`` (a family calls this in its own module)."""
    if any(k.name == kind.name for k in _KINDS):
        raise ConfigurationError(f"notification kind {kind.name!r} is registered twice")
    _KINDS.append(kind)


def kinds() -> tuple[NotificationKind, ...]:
    """Every registered kind."""
    return tuple(_KINDS)


#: Refund completions (reference §3: "the same format as PaymentProcessResponse").
REFUND: Final = NotificationKind(
    "refund",
    Envelope.NESTED,
    BodyFormat.XML,
    PaymentProcessResponse,
    {"accountNumber": Mask.LAST4, "accountName": Mask.ALL},
)
register_notification_kind(REFUND)


def read_notification(
    codec: Codec, body: bytes | str, content_type: str | None = None
) -> Notification:
    """Verify, decrypt and identify one notification body (raw token or form field).

    Raises ``SignatureError`` when the gateway did not sign it, other ``CodecError``
    subclasses for anything else unacceptable (including a message no kind recognises).
    """
    token = extract_token(body, content_type)
    envelope = Envelope.NESTED if inspect(token).envelope == "JWS(JWE)" else Envelope.JWS
    candidates = [kind for kind in _KINDS if kind.envelope is envelope]
    if not candidates:
        raise TokenFormatError(f"no notification kind travels in a {envelope.value} envelope")
    payload = codec.open(token) if envelope is Envelope.NESTED else codec.verify_payload(token)
    xml = [kind for kind in candidates if kind.body is BodyFormat.XML]
    if xml:
        try:
            model = decode_body(payload, [kind.model for kind in xml], BodyFormat.XML)
        except CodecError:
            if len(xml) == len(candidates):
                raise
        else:
            kind = next(k for k in xml if isinstance(model, k.model))
            return Notification(kind.name, model, model_record(model, kind.masked))
    for kind in candidates:
        if kind.body is BodyFormat.XML:
            continue
        try:
            model = decode_body(payload, kind.model, kind.body)
        except CodecError:
            continue
        return Notification(kind.name, model, model_record(model, kind.masked))
    raise TokenFormatError("a verified message, but no notification kind recognises it")


def forward_payload(notification: Notification, received_at: datetime) -> dict[str, Any]:
    """What :class:`Forwarder` posts, as JSON::

        {"format": "c2p_action.notification/1", "kind": "refund", "verified": true,
         "received_at": "2026-05-27T10:30:00.123+00:00",
         "notification": {"respCode": "00", "invoiceNo": "...", "status": "RF", ...}}

    ``notification`` holds the verified message's fields by their wire names, sensitive ones
    redacted; ``verified`` is always true (nothing unverified is forwarded).
    """
    return {
        "format": FORWARD_FORMAT,
        "kind": notification.kind,
        "verified": True,
        "received_at": received_at.isoformat(timespec="milliseconds"),
        "notification": dict(notification.record),
    }


class Forwarder:
    """Posts each verified notification as JSON (:func:`forward_payload`) to ``url``.

    ``url`` is https, or http on a loopback host (a local application); anything else
    raises :class:`~c2p_action.errors.ConfigurationError`. :meth:`send` returns why a forward
    was not acknowledged, so the receiver answers 502 and the gateway posts again.
    """

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        environment = Environment.parse(url)
        if environment.base_url is None:
            raise ConfigurationError("--forward-to takes a URL, not an environment name")
        self.url = url
        self._timeout = urllib3.Timeout(total=timeout)
        self._pool = urllib3.PoolManager(retries=False)

    def __repr__(self) -> str:
        return f"Forwarder({self.url!r})"

    def send(self, payload: Mapping[str, Any]) -> str | None:
        """POST once; ``None`` when acknowledged with 2xx, else why not."""
        body = json.dumps(payload, default=str).encode("utf-8")
        try:
            answer = self._pool.request(
                "POST",
                self.url,
                body=body,
                headers={"Content-Type": "application/json"},
                timeout=self._timeout,
                redirect=False,
                retries=False,
            )
        except urllib3.exceptions.HTTPError as error:
            return f"no answer from {self.url} ({type(error).__name__})"
        if 200 <= answer.status < 300:
            return None
        return f"{self.url} answered HTTP {answer.status}"

    def close(self) -> None:
        """Release pooled connections."""
        self._pool.clear()


#: Receives each verified notification; returns ``None`` when handled, else why not (502).
Handler = Callable[[Notification, datetime], str | Awaitable[str | None] | None]


def receiver_app(codec: Codec, handler: Handler, *, path: str = "/2c2p/notify") -> web.Application:
    """An aiohttp application receiving notifications at ``path`` (POST; aiohttp extra)."""
    from aiohttp import web

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            notification = await asyncio.to_thread(
                read_notification, codec, body, request.headers.get("Content-Type")
            )
        except SignatureError:
            return web.Response(status=401, text="notification signature does not verify")
        except CodecError as error:
            return web.Response(status=400, text=f"notification rejected: {type(error).__name__}")
        try:
            outcome = handler(notification, datetime.now(UTC))
            if pyinspect.isawaitable(outcome):
                outcome = await outcome
        except Exception:
            _log.exception("notification handler failed; answering 502 so it is sent again")
            return web.Response(status=502, text="notification not processed")
        if outcome is not None:
            return web.Response(status=502, text=f"notification not processed: {outcome}")
        return web.Response(text="OK")

    app = web.Application()
    app.router.add_post(path, receive)
    return app
