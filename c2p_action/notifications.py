"""Refund notifications, merchant side: verify what arrives at your notifyURL.

When an asynchronous (APM) refund completes, 2C2P posts the final PaymentProcessResponse to the
request's ``notifyURL`` in the usual envelope (JWS signed by the gateway over a JWE encrypted to
you). The body is either the raw token or a form with the token in ``notifyResponse``; both are
accepted. Nothing is returned or handed to a callback unless the signature verified.

- :func:`parse_notification`: body (+ Content-Type) -> verified response model;
- :func:`notification_handler` / :func:`notification_app`: a ready aiohttp receiver (``aiohttp``
  extra) answering 401 for a bad signature, 400 for anything else unacceptable, 500 when your
  callback fails (so the gateway retries), and 200 once your callback returned.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from c2p_action.codec import Codec
from c2p_action.codec.messages import decode_response
from c2p_action.errors import CodecError, ConfigurationError, SignatureError, TokenFormatError
from c2p_action.schemas import PaymentProcessResponse

if TYPE_CHECKING:
    from aiohttp import web

__all__ = [
    "FORM_FIELD",
    "NotificationCallback",
    "extract_token",
    "notification_app",
    "notification_handler",
    "parse_notification",
]

FORM_FIELD = "notifyResponse"
_FORM_TYPE = "application/x-www-form-urlencoded"
_log = logging.getLogger("c2p_action.notifications")

#: Receives each verified notification; may be a plain or an ``async`` function.
NotificationCallback = Callable[[PaymentProcessResponse], Awaitable[object] | object]


def extract_token(body: bytes | str, content_type: str | None = None) -> bytes:
    """The token inside a notification body: the raw body, or the ``notifyResponse`` field of
    a form (chosen by Content-Type, or by the body's shape when the type is missing).
    """
    if isinstance(body, str):
        try:
            body = body.encode("ascii")
        except UnicodeEncodeError:
            raise TokenFormatError("notification body is not ASCII") from None
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TokenFormatError(f"notification body must be bytes, not {type(body).__name__}")
    if content_type is not None and not isinstance(content_type, str):
        raise TokenFormatError("notification content type must be a string")
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    data = bytes(body).strip()
    if media_type != _FORM_TYPE and not data.startswith(FORM_FIELD.encode() + b"="):
        return data
    try:
        fields = parse_qs(data.decode("ascii"), keep_blank_values=True, max_num_fields=16)
    except (UnicodeDecodeError, ValueError):
        raise TokenFormatError("notification form body is not a small ASCII form") from None
    values = fields.get(FORM_FIELD, [])
    if len(values) != 1 or not values[0]:
        raise TokenFormatError(f"notification form must carry exactly one {FORM_FIELD} field")
    try:
        return values[0].encode("ascii")
    except UnicodeEncodeError:
        raise TokenFormatError(f"notification {FORM_FIELD} field is not ASCII") from None


def parse_notification(
    codec: Codec, body: bytes | str, content_type: str | None = None
) -> PaymentProcessResponse:
    """Verify, decrypt and parse a notification (merchant codec: own key + gateway key).

    Raises :class:`~c2p_action.errors.CodecError` subclasses: ``TokenFormatError`` for a body
    that carries no token, ``SignatureError`` when the gateway did not sign it, ...
    """
    return decode_response(codec, extract_token(body, content_type), PaymentProcessResponse)


def notification_handler(
    codec: Codec, callback: NotificationCallback
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp request handler that hands verified notifications to ``callback``."""
    _require_aiohttp()
    from aiohttp import web

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            # RSA verify and decrypt take milliseconds: keep them off the event loop.
            response = await asyncio.to_thread(
                parse_notification, codec, body, request.headers.get("Content-Type")
            )
        except SignatureError:
            return web.Response(status=401, text="notification signature does not verify")
        except CodecError as exc:
            return web.Response(status=400, text=f"notification rejected: {type(exc).__name__}")
        try:
            result = callback(response)
            if inspect.isawaitable(result):
                await result
        except Exception:
            _log.exception("notification callback failed; answering 500 so it is retried")
            return web.Response(status=500, text="notification not processed")
        return web.Response(text="OK")

    return handle


def notification_app(
    codec: Codec, callback: NotificationCallback, *, path: str = "/2c2p/notify"
) -> web.Application:
    """An aiohttp application receiving notifications at ``path`` (POST)."""
    _require_aiohttp()
    from aiohttp import web
    app = web.Application()
    app.router.add_post(path, notification_handler(codec, callback))
    return app


def _require_aiohttp() -> None:
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        raise ConfigurationError(
            "the notification receiver needs aiohttp: pip install '2c2p-payment-action[aiohttp]'"
        ) from None
