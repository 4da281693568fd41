"""What each gateway code means in plain words, and for set-up problems what to check.

Every code table has explanations registered under its code enum: the payment family registers
the two-digit ``respCode`` table and the transaction statuses (in
:mod:`c2p_action.operations.payment`); a family with its own codes (4-digit ``0000`` tables
...) registers its own in its module, next to its ``CodeTable``::

    register_explanations(MyCode, "customer-token", [
        Explanation("0000", Kind.SUCCESS, "The gateway did what was asked."),
        ...
    ])

A test checks that every code of every operation's ``CodeTable`` has one.

:func:`explain` looks a code up (``explain("96")``, ``explain("RP", family="status")``);
:func:`explanation_for` takes a code enum member (what a result's or error's ``.code`` is). A
code nobody documented still gets an :class:`Explanation`, with ``known`` false, so callers
never have to handle a missing one.

Pure: no I/O. The wording of the codes is 2C2P's (reference §5 and §6); the explanations,
causes and checks are this library's reading of them, and say so where they rest on
inference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from c2p_action.errors import ValidationError
from c2p_action.schemas.codes import GatewayCode, OpenEnum

__all__ = [
    "Explanation",
    "Kind",
    "explain",
    "explanation_for",
    "register_explanations",
    "tables",
    "tables_listing",
]


class Kind(StrEnum):
    """What sort of outcome a code stands for."""

    #: The gateway did what was asked.
    SUCCESS = "success"
    #: Accepted; the final outcome comes later.
    PENDING = "pending"
    #: Refused by the rules of the transaction (state, amounts): the request itself was fine.
    REFUSED = "refused"
    #: The request was malformed or incomplete.
    INVALID = "invalid"
    #: A set-up problem: keys, certificates, merchant ID, environment, enabled features.
    SETUP = "setup"
    #: The gateway or the acquirer failed; 2C2P calls some of these retryable.
    FAILURE = "failure"
    #: A transaction or refund status, not an outcome.
    STATUS = "status"
    #: A code this version does not know.
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Explanation:
    """One code in plain words.

    ``summary`` says what happened; ``causes`` and ``checks`` are filled for set-up problems
    and for refusals with a usual cause. ``meaning`` is the code table's own wording and
    ``table`` the table's name (``respCode``, ``status`` ...), both filled on lookup.
    """

    code: str
    kind: Kind
    summary: str
    causes: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    meaning: str = ""
    table: str = ""
    known: bool = field(default=True)

    def __str__(self) -> str:
        head = f"{self.code}"
        if self.meaning:
            head += f" ({self.meaning})"
        lines = [f"{head}: {self.summary}"]
        if self.causes:
            lines.append("Likely causes:")
            lines += [f"  - {cause}" for cause in self.causes]
        if self.checks:
            lines.append("What to check:")
            lines += [f"  - {check}" for check in self.checks]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "code": self.code,
            "table": self.table,
            "known": self.known,
            "kind": self.kind.value,
            "meaning": self.meaning,
            "summary": self.summary,
            "causes": list(self.causes),
            "checks": list(self.checks),
        }


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    enum: type[OpenEnum]
    entries: Mapping[str, Explanation]


#: Registered tables, by code enum (registration order is lookup order for ``explain``).
_TABLES: dict[type[OpenEnum], _Table] = {}


def register_explanations(
    enum: type[OpenEnum], name: str, explanations: Iterable[Explanation]
) -> None:
    """Register the explanations of one code table (its enum, its name, one per code).

    Registering an enum again replaces its table (a module reloaded in a test). Raises
    :class:`~c2p_action.errors.ValidationError` for an empty name or a code listed twice.
    """
    if not name or not isinstance(name, str):
        raise ValidationError("an explanation table needs a name")
    entries: dict[str, Explanation] = {}
    for item in explanations:
        if item.code in entries:
            raise ValidationError(f"{name}: code {item.code!r} is explained twice")
        entries[item.code] = item
    _TABLES[enum] = _Table(name, enum, entries)


def tables(family: str | None = None) -> Mapping[str, type[OpenEnum]]:
    """Registered tables, name -> code enum: all of them, or those of ``family``.

    ``family`` is a message family (``"payment"``, ``"recurring"`` ...: the tables its
    operations read) or a table's own name (``"respCode"``, ``"status"``). Raises
    :class:`~c2p_action.errors.ValidationError` for a name that is neither.
    """
    _load_families()
    registered = {table.name: enum for enum, table in _TABLES.items()}
    if family is None:
        return registered
    if family in registered:
        return {family: registered[family]}
    enums = _family_enums(family)
    if enums is None:
        known = sorted({*registered, *_family_names()})
        raise ValidationError(f"unknown family {family!r}; known: {', '.join(known)}")
    return {_TABLES[enum].name: enum for enum in enums if enum in _TABLES}


def _unknown(code: str, table: str, meaning: str = "") -> Explanation:
    where = f"the {table} table" if table else "any table this library knows"
    return Explanation(
        code,
        Kind.UNKNOWN,
        f"not a code of {where}. Read the description the gateway sent with it; a newer"
        " table may list it.",
        meaning=meaning,
        table=table,
        known=False,
    )


def explanation_for(code: OpenEnum) -> Explanation:
    """The explanation of a code enum member (a result's or a ``GatewayError``'s ``.code``)."""
    table = _TABLES.get(type(code))
    meaning = code.description if isinstance(code, GatewayCode) else ""
    if table is None:
        return _unknown(code.value, "", meaning)
    found = table.entries.get(code.value)
    if found is None:
        return _unknown(code.value, table.name, meaning)
    return replace(found, meaning=found.meaning or meaning, table=table.name)


def _load_families() -> None:
    # Families register their tables when their module is imported; the operations package
    # imports every family.
    import c2p_action.operations  # noqa: F401


def _family_enums(family: str) -> list[type[OpenEnum]] | None:
    from c2p_action.operations import FAMILIES

    for module in FAMILIES:
        if module.__name__.rsplit(".", 1)[-1] == family:
            enums: list[type[OpenEnum]] = []
            for operation in module.OPERATIONS:
                if operation.codes.enum not in enums:
                    enums.append(operation.codes.enum)
            return enums
    return None


def explain(code: str | OpenEnum, family: str | None = None) -> Explanation:
    """Explain ``code``: a respCode (``"96"``), a status (``"RP"``), a family's own code.

    ``family`` narrows the search to one message family (``"payment"``, ``"recurring"`` ...:
    the tables its operations read) or one table by name (``"respCode"``, ``"status"``).
    Without it, the tables are searched in registration order (the respCode table first,
    then the statuses, then the families' own tables). A code no table lists gives an
    explanation with ``known`` false. Raises :class:`~c2p_action.errors.ValidationError` for
    an unknown family or a code that is not a string.
    """
    _load_families()
    if isinstance(code, OpenEnum) and family is None:
        return explanation_for(code)
    text = code.value if isinstance(code, OpenEnum) else code
    if not isinstance(text, str):
        raise ValidationError(f"a code is a string, not {type(text).__name__}")
    text = text.strip()
    candidates = tables(family)
    for enum in _payment_first(candidates.values()):
        if text in _TABLES[enum].entries:
            return explanation_for(enum(text))
    names = list(candidates)
    return _unknown(text, names[0] if len(names) == 1 else "")


def tables_listing(code: str) -> list[str]:
    """The names of every registered table that lists ``code`` (respCode and status first):
    more than one means ``explain`` needs a ``family`` to be sure which is meant."""
    _load_families()
    text = code.strip()
    return [_TABLES[enum].name for enum in _payment_first(_TABLES) if text in _TABLES[enum].entries]


def _payment_first(enums: Iterable[type[OpenEnum]]) -> list[type[OpenEnum]]:
    # The payment family's tables (respCode, status) come first whatever order the family
    # modules were imported in: a bare "00" is a respCode before it is anything else.
    first = _family_enums("payment") or []
    return sorted(enums, key=lambda enum: first.index(enum) if enum in first else len(first))


def _family_names() -> list[str]:
    from c2p_action.operations import FAMILIES

    return [module.__name__.rsplit(".", 1)[-1] for module in FAMILIES]
