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
from c2p_action.operations.payment import INQUIRY, REFUND_STATUS, build_action
from c2p_action.schemas import ProcessType

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


INQUIRY_PROBE: Final = Probe(INQUIRY.name, ("invoice",), _payment(ProcessType.I))
REFUND_STATUS_PROBE: Final = Probe(REFUND_STATUS.name, ("invoice",), _payment(ProcessType.RS))
register_probe(INQUIRY_PROBE)
register_probe(REFUND_STATUS_PROBE)
