"""How each read-only operation is exercised in a conformance run: one probe per operation.

A probe builds the request of one read-only operation from the run's inputs (``--invoice`` is
``invoice``; ``--param NAME=VALUE`` adds others), or returns ``None`` when an input it needs is
missing (the operation is then reported as skipped, naming the input). Pure: no client, no
I/O, so a family registers its probes in its own module without import cycles::

    register_probe(Probe("recurring.inquiry", ("recurring_id",), build_recurring_inquiry))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from c2p_action.errors import ConfigurationError
from c2p_action.operations import card_token, funds, fx, installments, recurring
from c2p_action.operations.payment import INQUIRY, REFUND_STATUS, build_action
from c2p_action.schemas import CardTokenAction, ProcessType

__all__ = ["Probe", "ProbeBuilder", "probes", "register_probe"]

#: ``(merchant_id, version, inputs) -> request model``; ``None`` when an input is missing.
ProbeBuilder = Callable[[str, str, Mapping[str, str]], Any]


@dataclass(frozen=True, slots=True)
class Probe:
    """The request a conformance run sends for one read-only operation."""

    operation: str
    needs: tuple[str, ...]
    build: ProbeBuilder


_PROBES: dict[str, Probe] = {}


def register_probe(probe: Probe) -> None:
    """Make ``probe`` the conformance request of its operation (one per operation)."""
    if probe.operation in _PROBES:
        raise ConfigurationError(f"operation {probe.operation!r} has a probe already")
    _PROBES[probe.operation] = probe


def probes() -> Mapping[str, Probe]:
    """Every registered probe, by operation name."""
    return dict(_PROBES)


def _payment(process_type: ProcessType) -> ProbeBuilder:
    def build(merchant_id: str, version: str, inputs: Mapping[str, str]) -> Any:
        invoice = inputs.get("invoice")
        if not invoice:
            return None
        return build_action(merchant_id, version, process_type, invoice, None)

    return build


def _needs(name: str, build: Callable[[str, str], Any]) -> ProbeBuilder:
    """A builder of ``build(merchant_id, inputs[name])``, ``None`` without that input."""

    def probe(merchant_id: str, version: str, inputs: Mapping[str, str]) -> Any:
        value = inputs.get(name)
        return build(merchant_id, value) if value else None

    return probe


def _no_input(build: Callable[[str], Any]) -> ProbeBuilder:
    return lambda merchant_id, version, inputs: build(merchant_id)


INQUIRY_PROBE: Final = Probe(INQUIRY.name, ("invoice",), _payment(ProcessType.I))
REFUND_STATUS_PROBE: Final = Probe(REFUND_STATUS.name, ("invoice",), _payment(ProcessType.RS))
register_probe(INQUIRY_PROBE)
register_probe(REFUND_STATUS_PROBE)
# The other families' read-only operations. ``fx.rates`` has none: it needs the merchant's
# secret key, which a conformance run (whose report is meant to be shared) never handles.
register_probe(Probe("recurring.inquiry", ("recurring_id",),
                     _needs("recurring_id", recurring.build_inquiry)))
register_probe(Probe("installments.options", (), _no_input(installments.build_options)))
register_probe(Probe(funds.BALANCE.name, (), _no_input(funds.build_balance)))
register_probe(Probe(funds.WITHDRAW_OPTIONS.name, (), _no_input(funds.build_withdraw_options)))
register_probe(Probe("card_tokens.inquiry", ("card_token",), _needs(
    "card_token",
    lambda merchant_id, token: card_token.build_request(
        merchant_id, CardTokenAction.I, token=token
    ),
)))
register_probe(Probe("fx.rate", ("currency",), _needs("currency", fx.build_rate)))
