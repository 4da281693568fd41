"""MkDocs hook: tables generated from the code, so the docs never drift from it.

A page asks for a table with a marker line, e.g. ``<!-- generated: response-codes -->``; the
marker is replaced by the table when the site is built (and by the docs tests, which render
the same markers). Tables:

- ``response-codes``: for every code table of the operations table, each code, the
  ``GatewayError`` subclass it raises (or the outcome), whether the client retries it by
  default, and whether 2C2P calls it retryable.
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


GENERATORS = {"response-codes": response_code_table}


def render(markdown: str) -> str:
    """``markdown`` with every generated-table marker replaced by its table."""
    return _MARKER.sub(lambda match: GENERATORS[match.group(1)](), markdown)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """MkDocs event: render the markers of each page."""
    return render(markdown)
