"""Traces that are safe to share: one JSON line per call, nothing secret in it.

``Client(trace="calls.jsonl")`` (or ``--trace FILE`` on the CLI) appends one record per
logical call to the file: the operation and endpoint, timings, every HTTP attempt with its
status and both protected headers and segment sizes of each token (request and answer), the
request model with every sensitive field redacted, the verified response model, the code and
its explanation, or the error. ``2c2p decode --trace FILE`` reads it back.

What never reaches a trace: keys (the recorder never sees one), passwords, whole tokens (only
their headers and segment sizes), card data and account numbers (each operation's ``masked``
mapping, plus a safety net of card field names, redacts them as DEBUG logs do).

The hook in the call path is one optional :class:`Recorder` that
:class:`~c2p_action.client._core.Exchange` calls at four points; :class:`TraceWriter` is the
file recorder, and anything with the same four methods (a test, the conformance run) may be
passed instead.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

from c2p_action.client._logging import mask_value
from c2p_action.codec.inspection import inspect
from c2p_action.errors import C2PError, CodecError, ConfigurationError, GatewayError
from c2p_action.explanations import explanation_for
from c2p_action.operations import Mask
from c2p_action.schemas.codes import OpenEnum
from c2p_action.transports.base import TransportRequest, TransportResponse

if TYPE_CHECKING:
    from c2p_action.client._core import Exchange

__all__ = [
    "TRACE_FORMAT",
    "Recorder",
    "TraceWriter",
    "model_record",
    "read_trace",
    "token_record",
]

#: The ``trace`` value of every record this version writes.
TRACE_FORMAT: Final = "c2p_action.trace/1"

#: Card and credential fields redacted in every trace even if an operation forgot them.
SAFETY_NET: Final[Mapping[str, Mask]] = {
    "pan": Mask.PAN,
    "cardNo": Mask.PAN,
    "cardNumber": Mask.PAN,
    "accountNo": Mask.PAN,
    "panExpiry": Mask.ALL,
    "expiry": Mask.ALL,
    "cvv": Mask.ALL,
    "cvv2": Mask.ALL,
    "securityCode": Mask.ALL,
    "password": Mask.ALL,
    "token": Mask.LAST4,
    "accountNumber": Mask.LAST4,
    "accountName": Mask.ALL,
    "cardholderName": Mask.ALL,
}


@runtime_checkable
class Recorder(Protocol):
    """What an exchange tells a recorder; every method must return quickly and not raise."""

    def sent(self, exchange: Exchange, request: TransportRequest) -> None:
        """An attempt is about to go out."""

    def received(self, exchange: Exchange, response: TransportResponse) -> None:
        """An attempt got an HTTP answer (not verified yet)."""

    def failed(self, exchange: Exchange, error: C2PError, *, final: bool) -> None:
        """An attempt failed; ``final``: the call ends with ``error``."""

    def finished(self, exchange: Exchange, result: Any) -> None:
        """The call ends with ``result`` (a success or pending result)."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _scalar(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _masked(value: object, mask: Mask | None) -> object:
    if mask is None or value is None:
        return _scalar(value)
    return mask_value(str(_scalar(value)), mask)


def model_record(model: object, masked: Mapping[str, Mask] = SAFETY_NET) -> Any:
    """A JSON-ready copy of a message model with the ``masked`` fields redacted.

    Fields are keyed by their wire names (an xsdata field's ``name``, else its own name); a
    field is masked when its wire name, its own name or its camelCase form is in ``masked``
    or in :data:`SAFETY_NET`. Unknown elements kept by the reader are included, masked by
    their element name. Works on dataclasses, mappings, lists and scalars.
    """
    masks = {**SAFETY_NET, **masked}
    return _walk(model, masks, None)


def _walk(value: object, masks: Mapping[str, Mask], mask: Mask | None) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "qname") and hasattr(value, "text"):
            return _any_element(value, masks)
        record: dict[str, Any] = {}
        for item in dataclasses.fields(value):
            raw = getattr(value, item.name)
            if raw is None or raw == []:
                continue
            wire = str(item.metadata.get("name", item.name))
            found = masks.get(wire) or masks.get(item.name) or masks.get(_camel(item.name))
            record[wire] = _walk(raw, masks, found)
        return record
    if isinstance(value, Mapping):
        return {str(k): _walk(v, masks, masks.get(str(k))) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(item, masks, mask) for item in value]
    return _masked(value, mask)


def _any_element(node: Any, masks: Mapping[str, Mask]) -> dict[str, Any]:
    name = str(node.qname or "")
    local = name.rsplit("}", 1)[-1]
    mask = masks.get(local)
    record: dict[str, Any] = {"element": local}
    if node.text is not None:
        record["text"] = _masked(node.text, mask)
    children = [c for c in (getattr(node, "children", None) or []) if not isinstance(c, str)]
    if children:
        record["children"] = [_walk(child, masks, mask) for child in children]
    attributes = getattr(node, "attributes", None) or {}
    if attributes:
        record["attributes"] = {
            str(k): _masked(v, masks.get(str(k).rsplit("}", 1)[-1]) or mask)
            for k, v in attributes.items()
        }
    return record


def token_record(token: bytes | str) -> dict[str, Any]:
    """A token's envelope, length, protected headers and segment sizes; never its content."""
    try:
        info = inspect(token)
    except CodecError as error:
        return {"parsed": False, "error": type(error).__name__, "length": len(token)}
    return {
        "parsed": True,
        "envelope": info.envelope,
        "length": info.length,
        "jws_header": dict(info.jws_header),
        "jwe_header": dict(info.jwe_header),
        "jws_sizes": dict(info.jws_sizes),
        "jwe_sizes": dict(info.jwe_sizes),
    }


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _title(body: bytes) -> str | None:
    lower = body[:4096].lower()
    start = lower.find(b"<title>")
    end = lower.find(b"</title>")
    if start < 0 or end <= start:
        return None
    return body[start + 7 : end].decode("utf-8", "replace").strip()[:100]


def body_record(response: TransportResponse) -> dict[str, Any]:
    """What an HTTP answer was: a token (headers and sizes), an HTML page (its title), or
    other text (its length only: it might echo what was sent)."""
    body = response.body.strip()
    content_type = _header(response.headers, "content-type")
    record: dict[str, Any] = {"content_type": content_type, "length": len(response.body)}
    head = body[:512].lower()
    if b"<html" in head or b"<!doctype html" in head:
        record.update(kind="html", title=_title(body))
    elif body.count(b".") in (2, 4) and b" " not in body and body[:1] == b"e":
        record.update(kind="token", token=token_record(body))
    else:
        record["kind"] = "empty" if not body else "text"
    return record


def _error_record(error: BaseException) -> dict[str, Any]:
    record: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    status = getattr(error, "status", None)
    if isinstance(status, int):
        record["http_status"] = status
    return record


def _code_record(code: object, description: str) -> dict[str, Any]:
    record: dict[str, Any] = {"code": str(code), "description": description}
    if isinstance(code, OpenEnum):
        record["explanation"] = explanation_for(code).as_dict()
    return record


class _Call:
    """What a writer collects about one call until it ends."""

    def __init__(self, exchange: Exchange) -> None:
        call = exchange.call
        operation = call.operation
        self.started = time.monotonic()
        self.record: dict[str, Any] = {
            "trace": TRACE_FORMAT,
            "operation": operation.name,
            "endpoint": exchange.url,
            "started_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "idempotency_id": call.idempotency_id,
            "request": model_record(call.request, operation.masked),
            "attempts": [],
        }
        self._masked = operation.masked
        self._sent_at = self.started

    def sent(self, number: int, request: TransportRequest) -> None:
        self._sent_at = time.monotonic()
        self.record["attempts"].append(
            {
                "attempt": number,
                "at_ms": round((self._sent_at - self.started) * 1000, 1),
                "request_token": token_record(request.body),
            }
        )

    def received(self, response: TransportResponse) -> None:
        attempt = self.record["attempts"][-1]
        attempt["duration_ms"] = round((time.monotonic() - self._sent_at) * 1000, 1)
        attempt["http_status"] = response.status
        attempt["response"] = body_record(response)
        date = _header(response.headers, "date")
        if date:
            attempt["date_header"] = date

    def failed(self, error: C2PError) -> None:
        if self.record["attempts"]:
            attempt = self.record["attempts"][-1]
            attempt.setdefault("duration_ms", round((time.monotonic() - self._sent_at) * 1000, 1))
            attempt["error"] = _error_record(error)

    def end(self, result: Any, error: C2PError | None) -> dict[str, Any]:
        record = self.record
        record["duration_ms"] = round((time.monotonic() - self.started) * 1000, 1)
        response = getattr(result if error is None else error, "response", None)
        record["verified"] = response is not None
        record["response"] = None if response is None else model_record(response, self._masked)
        if error is None:
            record["outcome"] = "pending" if getattr(result, "pending", False) else "success"
            record.update(_code_record(result.code, result.description))
        else:
            record["outcome"] = "error"
            record["error"] = _error_record(error)
            if isinstance(error, GatewayError):
                record.update(_code_record(error.code, error.description))
        return record


class TraceWriter:
    """A :class:`Recorder` appending one JSON line per call to ``path`` (created if missing).

    The file is opened for each record and closed again, so several clients (and processes)
    may append to one file and nothing needs closing. Thread-safe.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise ConfigurationError(f"trace file {self.path} is a directory")
        self._calls: dict[int, _Call] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TraceWriter({str(self.path)!r})"

    def _call(self, exchange: Exchange) -> _Call:
        with self._lock:
            found = self._calls.get(id(exchange))
            if found is None:
                found = self._calls[id(exchange)] = _Call(exchange)
            return found

    def sent(self, exchange: Exchange, request: TransportRequest) -> None:
        """Record the attempt's request token (headers and sizes)."""
        self._call(exchange).sent(exchange.attempts, request)

    def received(self, exchange: Exchange, response: TransportResponse) -> None:
        """Record the HTTP status and what the body was."""
        self._call(exchange).received(response)

    def failed(self, exchange: Exchange, error: C2PError, *, final: bool) -> None:
        """Record the attempt's error; write the call's record when it is final."""
        call = self._call(exchange)
        call.failed(error)
        if final:
            self._write(exchange, call.end(None, error))

    def finished(self, exchange: Exchange, result: Any) -> None:
        """Write the call's record."""
        self._write(exchange, self._call(exchange).end(result, None))

    def _write(self, exchange: Exchange, record: dict[str, Any]) -> None:
        line = json.dumps(record, default=str, separators=(",", ":")) + "\n"
        with self._lock:
            self._calls.pop(id(exchange), None)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line)


def read_trace(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The records of a trace file, in order.

    Raises :class:`~c2p_action.errors.ValidationError` for a line that is not a record of a
    format this version reads (naming the line), and ``ConfigurationError`` for a file that
    cannot be read.
    """
    from c2p_action.errors import ValidationError

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(f"cannot read trace file {path}: {error.strerror}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise ValidationError(f"{path}:{number}: not a JSON line") from None
        if not isinstance(record, dict) or record.get("trace") != TRACE_FORMAT:
            raise ValidationError(f"{path}:{number}: not a {TRACE_FORMAT} record")
        yield record
