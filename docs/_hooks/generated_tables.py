"""MkDocs hook: tables generated from the code, so the docs never drift from it.

A page asks for a table with a marker line, e.g. ``<!-- generated: response-codes -->``; the
marker is replaced by the table when the site is built (and by the docs tests, which render
the same markers). Tables:

- ``response-codes``: for every code table of the operations table, each code, the
  ``GatewayError`` subclass it raises (or the outcome), whether the client retries it by
  default, and whether 2C2P calls it retryable.
- ``status-lifecycle``: a Mermaid state diagram of the transaction statuses, found by asking
  the emulator's rules (which follow 2C2P's documented behaviour) what each operation does to
  a payment in each status, and by running its settlement and void-completion steps.
"""

from __future__ import annotations

import re
from typing import Any

_MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.M)


def response_code_table() -> str:
    """The respCode -> exception -> retry table, from the operations table and RetryPolicy."""
    from c2p_action.client import RetryPolicy
    from c2p_action.operations import all_operations

    retried = RetryPolicy().retry_gateway_codes
    tables: dict[int, Any] = {}
    users: dict[int, list[str]] = {}
    replays: dict[int, set[str]] = {}
    for operation in all_operations():
        tables.setdefault(id(operation.codes), operation.codes)
        users.setdefault(id(operation.codes), []).append(operation.name)
        replays.setdefault(id(operation.codes), set()).update(operation.replay_pending)
    parts: list[str] = []
    for key, table in tables.items():
        parts.append(
            f"**{table.enum.__name__}** (field `{table.code_field}`), used by "
            + ", ".join(f"`{name}`" for name in users[key])
            + ":\n"
        )
        parts.append("| code | meaning | outcome | retried by default | 2C2P: retryable |")
        parts.append("|---|---|---|---|---|")
        for code in table.enum:
            if code.value in table.success:
                outcome = "result (success)"
            elif code.value in table.pending:
                outcome = "result (pending)"
            else:
                outcome = f"`{table.error_class(code.value).__name__}`"
            if code.value in replays[key]:
                outcome += "; pending (`replayed`) when it answers an idempotencyID sent before"
            parts.append(
                f"| `{code.value}` | {code.description} | {outcome} |"
                f" {'yes' if code.value in retried else 'no'} |"
                f" {'yes' if code.value in table.retryable_hint else ''} |"
            )
        parts.append("")
    return "\n".join(parts)


def status_lifecycle() -> str:
    """The status diagram, probed from the emulator's rules rather than drawn by hand."""
    from decimal import Decimal

    from cryptography.hazmat.primitives.asymmetric import rsa

    from c2p_action.emulator import Emulator, Method
    from c2p_action.emulator.model import Transaction
    from c2p_action.emulator.rules import Action, NewStatus, decide

    statuses = ("A", "AP", "RS", "S", "V", "VP")
    edges: dict[tuple[str, str], set[str]] = {}
    for method in Method:
        for status in statuses:
            for asynchronous in (False, True):
                txn = Transaction("M", "I", Decimal("10.00"), method=method, status=status,
                                  void_pending=asynchronous)
                for kind, label in (("V", "void"), ("S", "settle")):
                    decision = decide(txn, [], Action("M", kind, "I"))
                    if decision.code == "00" and isinstance(decision.change, NewStatus):
                        if method is Method.APM:
                            label += " (APM that cancels later)" if asynchronous else " (APM)"
                        edges.setdefault((status, decision.change.status), set()).add(label)
                refund = decide(txn, [], Action("M", "R", "I", Decimal("1.00")))
                if refund.code in ("00", "42"):
                    edges.setdefault((status, status), set()).add(
                        "refund (card: RF at once; APM: RP, then RF)"
                    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    emulator = Emulator(key, {"M": key.public_key()})
    emulator.seed("RS-1", "10.00", status="RS")
    for moved in emulator.run_settlement():
        after = emulator.ledger.transaction("M", moved.invoice_no)
        assert after is not None
        edges.setdefault((moved.status, after.status), set()).add("settlement run")
    for final, label in (("V", "wallet confirms the cancel"), ("AP", "cancel fails")):
        invoice = f"VP-{final}"
        emulator.seed(invoice, "10.00", method=Method.APM, status="VP", void_pending=True)
        for moved in emulator.complete_pending_voids(status=final, invoice_no=invoice):
            edges.setdefault((moved.status, final), set()).add(label)
    emulator.close()
    lines = ["```mermaid", "stateDiagram-v2"]
    # Where payments come from: the payment flow, which is outside this API.
    lines += ["    [*] --> A : card payment authorised", "    [*] --> AP : APM payment slip issued"]
    for (before, after), labels in sorted(edges.items()):
        lines.append(f"    {before} --> {after} : {' / '.join(sorted(labels))}")
    lines.append("```")
    return "\n".join(lines)


GENERATORS = {"response-codes": response_code_table, "status-lifecycle": status_lifecycle}


def render(markdown: str) -> str:
    """``markdown`` with every generated-table marker replaced by its table."""
    return _MARKER.sub(lambda match: GENERATORS[match.group(1)](), markdown)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """MkDocs event: render the markers of each page."""
    return render(markdown)
