"""Evidence from the real sandbox: run each read-only operation and write a redacted report.

Parts of the API rest on inference (each operation's ``evidence`` and ``inferred``). A user
with a 2C2P sandbox account settles them with ``2c2p conformance --sandbox``: every
read-only operation that has a :class:`Probe` is sent once with the user's merchant key and
2C2P's bundled sandbox certificate (and, only when asked, one small refund), and the report
records per operation the protected headers, the answer's root element and element order,
the codes, the HTTP status and the timings; never a PAN, a key, a token or an invoice
number, and amounts only when allowed. The report's format is ``c2p_action.conformance/1``
(``docs/conformance.md``; JSON Schema in ``c2p_action/data``).

The probes (:mod:`._probes`) are pure, so families register theirs in their own modules;
:func:`run_conformance` imports the client only when called.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from c2p_action.conformance._probes import Probe, ProbeBuilder, probes, register_probe

if TYPE_CHECKING:
    from collections.abc import Mapping

    from c2p_action.client import Settings
    from c2p_action.operations import AmountLike

__all__ = [
    "REPORT_FORMAT",
    "REPORT_SCHEMA",
    "Probe",
    "ProbeBuilder",
    "probes",
    "register_probe",
    "run_conformance",
]

#: The ``format`` member of every report this version writes.
REPORT_FORMAT: Final = "c2p_action.conformance/1"
#: The JSON Schema (draft 2020-12) of that format, shipped with the library.
REPORT_SCHEMA: Final = Path(
    str(resources.files("c2p_action").joinpath("data/conformance-report-1.schema.json"))
)


def run_conformance(
    settings: Settings,
    *,
    inputs: Mapping[str, str] | None = None,
    refund: tuple[str, AmountLike] | None = None,
    include_amounts: bool = False,
) -> dict[str, Any]:
    """Run the probes and return the report (see :mod:`c2p_action.conformance._run`)."""
    from c2p_action.conformance._run import run_conformance as run

    return run(settings, inputs=inputs, refund=refund, include_amounts=include_amounts)
