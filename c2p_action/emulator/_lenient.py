"""Reading what a request that does not bind still says, to choose the code that refuses it.

The XML families on the shared Payment Action path answer every request with a precise
respCode, even one their schema refuses: its top-level elements are read again with a parser
that resolves no entities, loads no DTD and touches no network (the payment process family's
intake does the same for its own root).
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

__all__ = ["fits", "time_stamp_echo", "top_level_fields"]

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
)


def top_level_fields(plaintext: bytes, root: str) -> dict[str, str] | None:
    """The text of each top-level element of a ``root`` document (the first of each name), or
    ``None`` when it is no such document (not XML, a DOCTYPE, another root)."""
    if b"<!DOCTYPE" in plaintext or b"<!ENTITY" in plaintext:
        return None
    try:
        element = etree.fromstring(plaintext, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if element.getroottree().docinfo.internalDTD is not None or element.tag != root:
        return None
    fields: dict[str, str] = {}
    for child in element:
        if isinstance(child.tag, str):
            fields.setdefault(child.tag, (child.text or "").strip())
    return fields


def fits(value: str | None, limit: int) -> str | None:
    """``value`` if an answer may echo it (present and within the answer's length limit)."""
    return value if value and len(value) <= limit else None


def time_stamp_echo(sent: str | None, now: datetime) -> str:
    """The answer's ``timeStamp``: the request's, as every 2C2P sample shows, else ``now``
    (``ddMMyyHHmmss``)."""
    echoed = fits(sent, 22)
    return echoed if echoed is not None else now.strftime("%d%m%y%H%M%S")
