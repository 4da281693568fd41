"""Running the probes and writing the redacted report (format: ``docs/conformance.md``)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from lxml import etree

from c2p_action.client import SANDBOX_CERTIFICATE, Client, RetryPolicy, Settings
from c2p_action.client._trace import token_record
from c2p_action.codec import Envelope
from c2p_action.codec.messages import BodyFormat, encode_body
from c2p_action.conformance import REPORT_FORMAT
from c2p_action.conformance._probes import probes
from c2p_action.errors import (
    C2PError,
    CodecError,
    ConfigurationError,
    GatewayError,
    ResponseMismatchError,
)
from c2p_action.keys import fingerprint, load_public_key
from c2p_action.operations import (
    AmountLike,
    Operation,
    RetrySafety,
    all_operations,
    payment,
    to_amount,
)
from c2p_action.operations.payment import build_refund
from c2p_action.transports.base import TransportRequest, TransportResponse

__all__ = ["run_conformance"]

_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


class _Capture:
    """A recorder keeping what one call sent and received (reset before each call)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.request: TransportRequest | None = None
        self.request_model: object = None
        self.response: TransportResponse | None = None
        self.attempt_ms: float | None = None
        self._sent = 0.0

    def sent(self, exchange: Any, request: TransportRequest) -> None:
        self.request, self.request_model = request, exchange.call.request
        self._sent = time.monotonic()

    def received(self, exchange: Any, response: TransportResponse) -> None:
        self.response = response
        self.attempt_ms = round((time.monotonic() - self._sent) * 1000, 1)

    def failed(self, exchange: Any, error: C2PError, *, final: bool) -> None:
        if self.attempt_ms is None and self.request is not None:
            self.attempt_ms = round((time.monotonic() - self._sent) * 1000, 1)

    def finished(self, exchange: Any, result: Any) -> None:
        """Nothing more to keep."""


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _xml_structure(data: bytes, amounts: bool) -> dict[str, Any]:
    root = etree.fromstring(data, _PARSER)
    order: list[dict[str, Any]] = []
    values: dict[str, str] = {}

    def walk(node: Any, prefix: str) -> None:
        previous: dict[str, Any] | None = None
        for child in node:
            if not isinstance(child.tag, str):
                continue  # comments, processing instructions
            path = f"{prefix}{_local(child.tag)}"
            if previous is not None and previous["element"] == path:
                previous["count"] += 1
            else:
                previous = {
                    "element": path,
                    "count": 1,
                    "attributes": [_local(a) for a in child.attrib],
                }
                order.append(previous)
            if amounts:
                if "amount" in path.rsplit("/", 1)[-1].lower() and child.text:
                    values.setdefault(path, child.text.strip())
                for name, value in child.attrib.items():
                    if "amount" in _local(name).lower():
                        values.setdefault(f"{path}@{_local(name)}", value)
            walk(child, path + "/")

    walk(root, "")
    record: dict[str, Any] = {"root": _local(root.tag), "elements": order}
    if amounts:
        record["amounts"] = values
    return record


def _json_structure(data: bytes, amounts: bool) -> dict[str, Any]:
    document = json.loads(data)
    order: list[dict[str, Any]] = []
    values: dict[str, str] = {}

    def walk(node: Any, prefix: str) -> None:
        items = node if isinstance(node, list) else [node]
        for item in items:
            if not isinstance(item, dict):
                continue
            for key, value in item.items():
                path = f"{prefix}{key}"
                if not any(entry["element"] == path for entry in order):
                    order.append({"element": path, "count": 1, "attributes": []})
                if amounts and "amount" in key.lower() and not isinstance(value, dict | list):
                    values.setdefault(path, str(value))
                walk(value, path + "/")

    walk(document, "")
    record: dict[str, Any] = {"root": None, "elements": order}
    if amounts:
        record["amounts"] = values
    return record


def _structure(data: bytes, body: BodyFormat, amounts: bool) -> dict[str, Any] | None:
    try:
        if body is BodyFormat.XML:
            return _xml_structure(data, amounts)
        return _json_structure(data, amounts)
    except (etree.LxmlError, ValueError):
        return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _error(error: C2PError) -> dict[str, Any]:
    if isinstance(error, ResponseMismatchError):
        fields = ", ".join(m.field for m in error.mismatches)
        message = f"the verified answer does not match the request in: {fields}"
    elif isinstance(error, GatewayError):
        message = f"refused: {error.code} {error.description}".rstrip()
    else:
        message = str(error)
    return {"type": type(error).__name__, "message": message}


def _entry(operation: Operation[Any, Any], *, write: bool = False) -> dict[str, Any]:
    return {
        "operation": operation.name,
        "write": write,
        "evidence": operation.evidence.value,
        "inferred": list(operation.inferred),
        "outcome": "skipped",
    }


def _probe(
    client: Client,
    capture: _Capture,
    operation: Operation[Any, Any],
    request: object,
    entry: dict[str, Any],
    amounts: bool,
) -> None:
    capture.reset()
    started = time.monotonic()
    response: object = None
    try:
        result = client.call(operation, request)
    except GatewayError as error:
        entry["outcome"] = "refused"
        entry["error"] = _error(error)
        response, code, description = error.response, error.code, error.description
    except C2PError as error:
        entry["outcome"] = "failed"
        entry["error"] = _error(error)
        code, description = None, None
    else:
        entry["outcome"] = "pending" if result.pending else "answered"
        response, code, description = result.response, result.code, result.description
    entry["timings_ms"] = {
        "total": round((time.monotonic() - started) * 1000, 1),
        "http": capture.attempt_ms,
    }
    if code is not None:
        entry["code"] = {
            "value": str(code),
            "known": bool(getattr(code, "known", False)),
            "description": description,
        }
    status = getattr(response, "status", None)
    if isinstance(status, str):
        entry["status"] = status.strip()
    if capture.request is not None:
        sent = encode_body(capture.request_model, operation.body)
        entry["request"] = {
            "token": token_record(capture.request.body),
            **(_structure(sent, operation.body, False) or {}),
        }
    raw = capture.response
    if raw is None:
        return
    entry["http_status"] = raw.status
    answer: dict[str, Any] = {
        "content_type": _header(raw.headers, "content-type"),
        "length": len(raw.body),
    }
    if 200 <= raw.status < 300:
        answer["token"] = token_record(raw.body)
        try:
            plaintext = (
                client.codec.open(raw.body)
                if operation.envelope is Envelope.NESTED
                else client.codec.verify_payload(raw.body)
            )
        except CodecError:
            plaintext = None
        if plaintext is not None:
            answer.update(_structure(plaintext, operation.body, amounts) or {})
    entry["response"] = answer


def _gateway(client: Client) -> dict[str, Any]:
    source = client.settings.gateway_keys[0]
    key = (
        source if isinstance(source, RSAPublicKey) else client.plugins.load_public_key(str(source))
    )
    own = fingerprint(key)
    return {
        "fingerprint": own,
        "sandbox_certificate": own == fingerprint(load_public_key(SANDBOX_CERTIFICATE)),
    }


def _library_version() -> str:
    try:
        return metadata.version("2c2p-payment-action")
    except metadata.PackageNotFoundError:
        return "unknown"


def run_conformance(
    settings: Settings,
    *,
    inputs: Mapping[str, str] | None = None,
    refund: tuple[str, AmountLike] | None = None,
    include_amounts: bool = False,
) -> dict[str, Any]:
    """Run every read-only operation that has a probe (and, with ``refund``, one refund of
    ``(invoice, amount)``) and return the redacted report (``docs/conformance.md``).

    One attempt per call (no retries), so timings are those of one exchange. Refuses
    production (:class:`~c2p_action.errors.ConfigurationError`): a conformance run is for
    the sandbox or a test endpoint.
    """
    if settings.env.is_production:
        raise ConfigurationError(
            "conformance runs against the sandbox (or a test endpoint), never production"
        )
    given = dict(inputs or {})
    capture = _Capture()
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "library": {"name": "2c2p-payment-action", "version": _library_version()},
        "environment": settings.env.name,
        "amounts_included": include_amounts,
        "inputs": sorted(given),
        "operations": [],
    }
    known = probes()
    with Client(settings=settings.replace(retry=RetryPolicy.never()), trace=capture) as client:
        report["gateway_certificate"] = _gateway(client)
        merchant, version = settings.merchant_id, settings.version
        for operation in all_operations():
            if operation.retry is not RetrySafety.ALWAYS:
                continue
            entry = _entry(operation)
            report["operations"].append(entry)
            probe = known.get(operation.name)
            if probe is None:
                entry["skipped"] = "no probe is registered for this operation"
                continue
            request = probe.build(merchant, version, given)
            if request is None:
                entry["skipped"] = f"needs input: {', '.join(probe.needs)}"
                continue
            _probe(client, capture, operation, request, entry, include_amounts)
        if refund is not None:
            invoice, amount = refund
            entry = _entry(payment.REFUND, write=True)
            report["operations"].append(entry)
            request = build_refund(merchant, version, invoice, to_amount(amount), {})
            _probe(client, capture, payment.REFUND, request, entry, include_amounts)
    return report
