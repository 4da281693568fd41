"""The HTTP emulator's control endpoint: JSON in, JSON out, under ``/_emulator/``.

A test that drives ``2c2p emulator serve`` from another process scripts answers, seeds
payments and switches faults here; 2C2P's own paths all start with ``/PaymentAction`` or
``/2C2PFrontend``, so these never collide with them. Anyone who can reach the server can use
them: serve on 127.0.0.1 or a trusted network, or switch them off (``control=False``,
``--no-control``).

======  ===============================  ==========================================================
method  path                             body -> answer
======  ===============================  ==========================================================
GET     ``/_emulator/answers``           -> ``{"answers": [...]}`` (queued, ``times`` = uses left)
POST    ``/_emulator/answers``           an answer or a list (``code``, ``times``, ``merchant_id``,
                                         ``invoice_no``, ``process_type``, ``status``,
                                         ``description``) -> 201 ``{"answers": [...]}``
DELETE  ``/_emulator/answers``           -> ``{"answers": []}``
GET     ``/_emulator/payments``          -> ``{"payments": [...]}`` with their refunds
POST    ``/_emulator/payments``          a payment or a list (as ``2c2p emulator seed --from``)
                                         -> 201 ``{"payments": [...]}``, all or none
POST    ``/_emulator/faults``            ``{"faults": ["error_before=1x", ...], "seed": 7}``
                                         -> ``{"faults": "..."}`` (an empty list: all off)
POST    ``/_emulator/settlement``        ``{"merchant_id"?, "invoice_no"?}``
                                         -> ``{"settled": [...]}`` (``RS`` -> ``S``)
POST    ``/_emulator/refunds/complete``  ``{"status"?, "merchant_id"?, "invoice_no"?}``
                                         -> ``{"completed": [...]}``
POST    ``/_emulator/voids/complete``    the same, for pending APM voids
======  ===============================  ==========================================================

Bad input answers 400 ``{"error": "..."}``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from c2p_action.emulator.core import CONTROL_PREFIX
from c2p_action.emulator.script import ScriptedAnswer
from c2p_action.emulator.seeding import payment_arguments, refund_record, transaction_record
from c2p_action.errors import C2PError, ConfigurationError

if TYPE_CHECKING:
    from c2p_action.emulator.core import Emulator

__all__ = ["CONTROL_PREFIX", "add_control_routes"]

_CONTROLLED: web.AppKey[Emulator] = web.AppKey("controlled emulator")
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_control_routes(app: web.Application, emulator: Emulator) -> None:
    """Serve the control endpoint for ``emulator`` on ``app`` under :data:`CONTROL_PREFIX`."""
    app[_CONTROLLED] = emulator
    routes = (
        ("GET", "/answers", _list_answers),
        ("POST", "/answers", _add_answers),
        ("DELETE", "/answers", _clear_answers),
        ("GET", "/payments", _list_payments),
        ("POST", "/payments", _seed_payments),
        ("POST", "/faults", _set_faults),
        ("POST", "/settlement", _run_settlement),
        ("POST", "/refunds/complete", _complete_refunds),
        ("POST", "/voids/complete", _complete_voids),
    )
    for method, path, handler in routes:
        app.router.add_route(method, CONTROL_PREFIX + path, _guarded(handler))


def _guarded(handler: _Handler) -> _Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except C2PError as exc:
            return web.json_response({"error": str(exc)}, status=400)

    return guarded


async def _body(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ConfigurationError("the body is not JSON") from None


def _items(body: Any) -> list[Any]:
    items = body if isinstance(body, list) else [body]
    if not items:
        raise ConfigurationError("nothing given")
    return items


def _filters(body: Any, *names: str) -> dict[str, str]:
    if not isinstance(body, Mapping):
        raise ConfigurationError("the body is a JSON object")
    unknown = set(body) - set(names)
    if unknown:
        raise ConfigurationError(f"unknown keys {sorted(unknown)}; known: {', '.join(names)}")
    values = {name: body[name] for name in names if body.get(name) is not None}
    if not all(isinstance(value, str) for value in values.values()):
        raise ConfigurationError(f"{', '.join(names)} are strings")
    return values


async def _list_answers(request: web.Request) -> web.StreamResponse:
    emulator = request.app[_CONTROLLED]
    return web.json_response({"answers": [a.to_mapping() for a in emulator.script.pending()]})


async def _add_answers(request: web.Request) -> web.StreamResponse:
    emulator = request.app[_CONTROLLED]
    answers = [ScriptedAnswer.from_mapping(item) for item in _items(await _body(request))]
    for answer in answers:  # all checked before any is queued
        emulator.script.add(answer)
    return web.json_response({"answers": [a.to_mapping() for a in answers]}, status=201)


async def _clear_answers(request: web.Request) -> web.StreamResponse:
    request.app[_CONTROLLED].clear_answers()
    return web.json_response({"answers": []})


async def _list_payments(request: web.Request) -> web.StreamResponse:
    ledger = request.app[_CONTROLLED].ledger

    def records() -> list[dict[str, Any]]:
        return [
            transaction_record(txn, ledger.refunds(txn.merchant_id, txn.invoice_no))
            for txn in ledger.transactions()
        ]

    return web.json_response({"payments": await asyncio.to_thread(records)})


async def _seed_payments(request: web.Request) -> web.StreamResponse:
    emulator = request.app[_CONTROLLED]
    items = _items(await _body(request))
    payments = [payment_arguments(item, f"payment {n}") for n, item in enumerate(items, 1)]
    seeded = await asyncio.to_thread(emulator.seed_many, payments)
    return web.json_response({"payments": [transaction_record(t) for t in seeded]}, status=201)


async def _set_faults(request: web.Request) -> web.StreamResponse:
    emulator = request.app[_CONTROLLED]
    body = await _body(request)
    if not isinstance(body, Mapping) or set(body) - {"faults", "seed"}:
        raise ConfigurationError('the body is {"faults": ["NAME[=VALUE]", ...], "seed": N}')
    specs, seed = body.get("faults", []), body.get("seed")
    if not isinstance(specs, list) or not all(isinstance(spec, str) for spec in specs):
        raise ConfigurationError("faults is a list of NAME[=VALUE] strings")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ConfigurationError("seed is an integer")
    return web.json_response({"faults": repr(emulator.inject_faults(*specs, seed=seed))})


async def _run_settlement(request: web.Request) -> web.StreamResponse:
    emulator = request.app[_CONTROLLED]
    given = _filters(await _body(request), "merchant_id", "invoice_no")
    settled = await asyncio.to_thread(
        lambda: emulator.run_settlement(
            merchant_id=given.get("merchant_id"), invoice_no=given.get("invoice_no")
        )
    )
    return web.json_response({"settled": [txn.invoice_no for txn in settled]})


async def _complete_refunds(request: web.Request) -> web.StreamResponse:
    emulator = request.app[_CONTROLLED]
    given = _filters(await _body(request), "status", "merchant_id", "invoice_no")
    done = await asyncio.to_thread(
        lambda: emulator.complete_pending_refunds(
            status=given.get("status", "RF"),
            merchant_id=given.get("merchant_id"),
            invoice_no=given.get("invoice_no"),
        )
    )
    return web.json_response({"completed": [refund_record(refund) for refund in done]})


async def _complete_voids(request: web.Request) -> web.StreamResponse:
    emulator = request.app[_CONTROLLED]
    given = _filters(await _body(request), "status", "merchant_id", "invoice_no")
    done = await asyncio.to_thread(
        lambda: emulator.complete_pending_voids(
            status=given.get("status", "V"),
            merchant_id=given.get("merchant_id"),
            invoice_no=given.get("invoice_no"),
        )
    )
    return web.json_response({"completed": [txn.invoice_no for txn in done]})
