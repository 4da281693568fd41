"""RFC 7512 PKCS#11 URIs: parse and format, nothing else (no I/O, no PKCS#11 library).

``pkcs11:token=Merchant;object=c2p-2024?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin``

Rules enforced beyond the grammar, and why:

* A path attribute may appear once (RFC 7512 section 2.3); a repeated standard query attribute is
  refused too, because two PINs or two modules leave no safe choice. Repeated vendor query
  attributes are kept.
* Unknown path attributes are refused: they narrow which object is meant, and ignoring a
  restriction we cannot honour could select a different key. Unknown query attributes are
  kept (``vendor_query``) and otherwise ignored, as the RFC allows.
* ``pin-value`` and ``pin-source`` together are refused (which one wins is not defined).
* ``pin-value`` never appears in ``repr`` or in :meth:`Pkcs11Uri.format` unless asked for.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from c2p_action.errors import KeyLoadError

__all__ = ["ObjectType", "Pkcs11Uri", "parse_pkcs11_uri"]

ObjectType = Literal["public", "private", "cert", "secret-key", "data"]

_SCHEME: Final = "pkcs11:"
_UNRESERVED: Final = frozenset(string.ascii_letters + string.digits + "-._~")
_RES_AVAIL: Final = frozenset(":[]@!$'()*+,=")
_PATH_CHARS: Final = _UNRESERVED | _RES_AVAIL | {"&"}
_QUERY_CHARS: Final = _UNRESERVED | _RES_AVAIL | {"/", "?", "|"}
_NAME: Final = re.compile(r"[A-Za-z0-9_-]+\Z")
_DIGITS: Final = re.compile(r"[0-9]+\Z")
_VERSION: Final = re.compile(r"([0-9]+)(?:\.([0-9]+))?\Z")
_HEX: Final = frozenset(string.hexdigits)

# Attribute name -> dataclass field, in the RFC's order (also the order format() writes).
_PATH_TEXT: Final = {
    "token": "token",
    "manufacturer": "manufacturer",
    "serial": "serial",
    "model": "model",
    "library-manufacturer": "library_manufacturer",
    "library-description": "library_description",
    "object": "object",
    "slot-description": "slot_description",
    "slot-manufacturer": "slot_manufacturer",
}
_PATH_OTHER: Final = {
    "library-version": "library_version",
    "type": "type",
    "id": "id",
    "slot-id": "slot_id",
}
_PATH: Final = {**_PATH_TEXT, **_PATH_OTHER}
_QUERY: Final = {
    "pin-source": "pin_source",
    "pin-value": "pin_value",
    "module-name": "module_name",
    "module-path": "module_path",
}


@dataclass(frozen=True, slots=True)
class Pkcs11Uri:
    """A parsed PKCS#11 URI; every attribute is optional, ``None`` meaning "any"."""

    token: str | None = None
    manufacturer: str | None = None
    serial: str | None = None
    model: str | None = None
    library_manufacturer: str | None = None
    library_description: str | None = None
    library_version: tuple[int, int] | None = None
    object: str | None = None
    type: ObjectType | None = None
    id: bytes | None = None
    slot_description: str | None = None
    slot_manufacturer: str | None = None
    slot_id: int | None = None
    pin_source: str | None = None
    pin_value: str | None = field(default=None, repr=False)
    module_name: str | None = None
    module_path: str | None = None
    vendor_query: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.pin_source is not None and self.pin_value is not None:
            raise KeyLoadError("PKCS#11 URI: use pin-source or pin-value, not both")

    def __str__(self) -> str:
        return self.format()

    def format(self, *, include_pin: bool = False) -> str:
        """The URI text; ``pin-value`` is left out unless ``include_pin`` is true."""
        path: list[str] = []
        for name in _PATH:
            raw = self._path_bytes(name)
            if raw is not None:
                # The RFC recommends percent-encoding the whole id: it is binary.
                allowed = frozenset[str]() if name == "id" else _PATH_CHARS
                path.append(f"{name}={_escape(raw, allowed)}")
        query: list[str] = []
        for name, attr in _QUERY.items():
            value = getattr(self, attr)
            if value is None or (name == "pin-value" and not include_pin):
                continue
            query.append(f"{name}={_escape(value.encode(), _QUERY_CHARS)}")
        query.extend(
            f"{name}={_escape(value.encode(), _QUERY_CHARS)}"
            for name, value in self.vendor_query
        )
        text = _SCHEME + ";".join(path)
        return f"{text}?{'&'.join(query)}" if query else text

    def _path_bytes(self, name: str) -> bytes | None:
        if name in _PATH_TEXT:
            value: str | None = getattr(self, _PATH_TEXT[name])
            return None if value is None else value.encode()
        if name == "id":
            return self.id
        if name == "type":
            return None if self.type is None else self.type.encode()
        if name == "slot-id":
            return None if self.slot_id is None else str(self.slot_id).encode()
        if self.library_version is None:
            return None
        major, minor = self.library_version
        return f"{major}.{minor}".encode()


def parse_pkcs11_uri(text: str) -> Pkcs11Uri:
    """Parse an RFC 7512 URI; raise :class:`KeyLoadError` naming the offending part."""
    if not text[: len(_SCHEME)].lower() == _SCHEME:
        raise KeyLoadError("PKCS#11 URI must start with 'pkcs11:'")
    rest = text[len(_SCHEME) :]
    if "#" in rest:
        raise KeyLoadError("PKCS#11 URI: a fragment ('#') is not allowed")
    path_text, has_query, query_text = rest.partition("?")
    values: dict[str, object] = {}
    for name, raw in _attributes(path_text, ";", _PATH_CHARS, "path"):
        value = _path_value(name, raw)
        if _PATH[name] in values:
            raise KeyLoadError(f"PKCS#11 URI: path attribute {name!r} appears twice")
        values[_PATH[name]] = value
    vendor: list[tuple[str, str]] = []
    for name, raw in _attributes(query_text, "&", _QUERY_CHARS, "query") if has_query else ():
        if name not in _QUERY:
            vendor.append((name, _text(raw, name)))
        elif _QUERY[name] in values:
            raise KeyLoadError(f"PKCS#11 URI: query attribute {name!r} appears twice")
        else:
            values[_QUERY[name]] = _text(raw, name)
    return Pkcs11Uri(**values, vendor_query=tuple(vendor))  # type: ignore[arg-type]


def _attributes(
    text: str, separator: str, allowed: frozenset[str], where: str
) -> list[tuple[str, bytes]]:
    if not text:
        return []
    pairs: list[tuple[str, bytes]] = []
    for item in text.split(separator):
        name, equals, value = item.partition("=")
        if not equals or not _NAME.match(name):
            shown = name if _NAME.match(name) else "an attribute"
            raise KeyLoadError(f"PKCS#11 URI: {shown} in the {where} is not of the form name=value")
        pairs.append((name, _unescape(value, allowed, name)))
    return pairs


def _path_value(name: str, raw: bytes) -> object:
    if name in _PATH_TEXT:
        return _text(raw, name)
    if name == "id":
        return raw
    value = _text(raw, name)
    if name == "type":
        if value not in get_args(ObjectType):
            raise KeyLoadError(f"PKCS#11 URI: type {value!r} is not one of {get_args(ObjectType)}")
        return value
    if name == "slot-id":
        if not _DIGITS.match(value):
            raise KeyLoadError("PKCS#11 URI: slot-id must be a decimal number")
        return int(value)
    if name == "library-version":
        match = _VERSION.match(value)
        if match is None:
            raise KeyLoadError("PKCS#11 URI: library-version must be MAJOR or MAJOR.MINOR")
        return (int(match.group(1)), int(match.group(2) or 0))
    raise KeyLoadError(
        f"PKCS#11 URI: unknown path attribute {name!r} (refused: it would restrict the match in"
        " a way this library cannot honour)"
    )


def _unescape(value: str, allowed: frozenset[str], name: str) -> bytes:
    out = bytearray()
    i = 0
    while i < len(value):
        char = value[i]
        if char == "%":
            pair = value[i + 1 : i + 3]
            if len(pair) != 2 or not set(pair) <= _HEX:
                raise KeyLoadError(f"PKCS#11 URI: bad percent-escape in {name!r}")
            out.append(int(pair, 16))
            i += 3
            continue
        if char not in allowed:
            raise KeyLoadError(
                f"PKCS#11 URI: character {char!r} must be percent-encoded in {name!r}"
            )
        out.append(ord(char))
        i += 1
    return bytes(out)


def _text(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyLoadError(f"PKCS#11 URI: {name!r} is not valid UTF-8") from None


def _escape(raw: bytes, allowed: frozenset[str]) -> str:
    return "".join(
        chr(byte) if chr(byte) in allowed else f"%{byte:02X}" for byte in raw
    )
