"""Reading what a request that does not bind still says, to choose the code that refuses it.

The XML families on the shared Payment Action path answer every request with a precise
respCode, even one their schema refuses: its top-level elements are read again with a parser
that resolves no entities, loads no DTD and touches no network (the payment process family's
intake does the same for its own root).
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

__all__ = ["first", "fits", "foreign_merchant", "time_stamp_echo", "top_level_fields"]

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
)


def top_level_fields(plaintext: bytes, root: str) -> dict[str, list[str]] | None:
    """The texts of the top-level elements of a ``root`` document, by name (a repeated element
    has several), or ``None`` when it is no such document (not XML, a DOCTYPE, another root)."""
    if b"<!DOCTYPE" in plaintext or b"<!ENTITY" in plaintext:
        return None
    try:
        element = etree.fromstring(plaintext, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if element.getroottree().docinfo.internalDTD is not None or element.tag != root:
        return None
    fields: dict[str, list[str]] = {}
    for child in element:
        if isinstance(child.tag, str):
            fields.setdefault(child.tag, []).append((child.text or "").strip())
    return fields


def first(fields: dict[str, list[str]], name: str) -> str | None:
    """The first text of element ``name`` among ``fields``, if it appears."""
    values = fields.get(name)
    return values[0] if values else None


def foreign_merchant(fields: dict[str, list[str]], signer: str) -> bool:
    """Whether any (non-empty) merchantID names another merchant than the signer (a token
    replayed by another merchant, perhaps with a second merchantID added)."""
    return any(value and value != signer for value in fields.get("merchantID", ()))


def fits(value: str | None, limit: int) -> str | None:
    """``value`` if an answer may echo it (present and within the answer's length limit)."""
    return value if value and len(value) <= limit else None


def time_stamp_echo(sent: str | None, now: datetime) -> str:
    """The answer's ``timeStamp``: the request's, as every 2C2P sample shows, else ``now``
    (``ddMMyyHHmmss``)."""
    echoed = fits(sent, 22)
    return echoed if echoed is not None else now.strftime("%d%m%y%H%M%S")
