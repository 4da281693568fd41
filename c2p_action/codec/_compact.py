"""Strict reading and writing of JOSE compact serialisation: segments, base64url, headers.

Everything here is structural: no keys, no cryptography. The policy (which algorithms are
acceptable) lives in :mod:`c2p_action.codec.jose`; :func:`c2p_action.codec.inspect` uses the same
readers without the policy so it can describe tokens the codec would refuse.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass
from typing import Any

from c2p_action.errors import TokenFormatError

# base64url -> standard alphabet; binascii's strict mode then rejects every other byte
# (whitespace, '+', '/', '=' inside the data) instead of silently skipping it.
_URL_TO_STD = bytes.maketrans(b"-_+/", b"+/-_")
_STD_TO_URL = bytes.maketrans(b"+/", b"-_")


def b64encode(data: bytes) -> bytes:
    """base64url without padding (RFC 7515 §2)."""
    return binascii.b2a_base64(data, newline=False).translate(_STD_TO_URL).rstrip(b"=")


def b64decode(segment: bytes, what: str) -> bytes:
    """Strict base64url decoding: no padding, no whitespace, no foreign characters."""
    if len(segment) % 4 == 1 or b"=" in segment:
        raise TokenFormatError(f"{what} is not valid base64url")
    try:
        return binascii.a2b_base64(
            segment.translate(_URL_TO_STD) + b"=" * (-len(segment) % 4), strict_mode=True
        )
    except binascii.Error:
        raise TokenFormatError(f"{what} is not valid base64url") from None


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    header = dict(pairs)
    if len(header) != len(pairs):
        # Two parsers may pick different values for a duplicated name (RFC 7515 §4 says reject).
        raise TokenFormatError("header has a duplicated parameter name")
    return header


# Real headers are under 100 bytes; a cap keeps JSON parsing of hostile headers cheap.
MAX_HEADER_SEGMENT = 4096


def decode_header(segment: bytes, what: str) -> dict[str, Any]:
    """Decode a protected header segment to a JSON object, refusing duplicate names."""
    if len(segment) > MAX_HEADER_SEGMENT:
        raise TokenFormatError(f"{what} is {len(segment)} bytes, over {MAX_HEADER_SEGMENT}")
    raw = b64decode(segment, what)
    try:
        header = json.loads(raw, object_pairs_hook=_reject_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise TokenFormatError(f"{what} is not a JSON object") from None
    if not isinstance(header, dict):
        raise TokenFormatError(f"{what} is not a JSON object")
    return header


def to_bytes(token: str | bytes, max_bytes: int) -> bytes:
    """The token as ASCII bytes, size-capped before any other work."""
    if not isinstance(token, str | bytes | bytearray | memoryview):
        raise TokenFormatError(f"token must be str or bytes, not {type(token).__name__}")
    if len(token) > max_bytes:
        raise TokenFormatError(f"token is {len(token)} bytes, over the limit of {max_bytes}")
    if isinstance(token, str):
        try:
            data = token.encode("ascii")
        except UnicodeEncodeError:
            raise TokenFormatError("token contains non-ASCII characters") from None
    else:
        data = bytes(token)
    # A trailing newline from a file or a shell is harmless; anything inside is not.
    data = data.strip()
    if data.startswith(b"{"):
        raise TokenFormatError("JSON serialisation is not accepted; expected a compact token")
    return data


@dataclass(frozen=True, slots=True)
class JwsParts:
    """The three segments of a compact JWS, still encoded, plus the exact signing input."""

    header: bytes
    payload: bytes
    signature: bytes
    signing_input: bytes


def split_jws(data: bytes) -> JwsParts:
    """Split a compact JWS into its three segments."""
    if data.count(b".") != 2:
        raise TokenFormatError(
            f"outer token has {data.count(b'.') + 1} segments; a compact JWS has 3"
        )
    header, payload, signature = data.split(b".")
    return JwsParts(header, payload, signature, data[: len(header) + 1 + len(payload)])


def split_jwe(data: bytes) -> list[bytes]:
    """Split a compact JWE into its five segments (header, key, iv, ciphertext, tag)."""
    if data.count(b".") != 4:
        raise TokenFormatError(
            f"inner token has {data.count(b'.') + 1} segments; a compact JWE has 5"
        )
    return data.split(b".")


_COMPACT_ALPHABET = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
)


def looks_like_jwe(payload: bytes) -> bool:
    """Whether a decoded JWS payload has the shape of a compact JWE: five base64url segments.

    A JSON or XML body never does (it holds quotes or angle brackets), so this tells the two
    envelopes apart without parsing anything.
    """
    return payload.count(b".") == 4 and _COMPACT_ALPHABET.issuperset(payload)


def jwe_from_payload(payload: bytes) -> bytes:
    """A decoded JWS payload that must be an ASCII compact JWE (the nested envelope).

    Only the shape is checked here; each segment's encoding is checked when it is decoded.
    """
    if not payload.isascii():
        raise TokenFormatError("JWS payload is not a compact JWE")
    if payload.count(b".") != 4:
        raise TokenFormatError(
            f"inner token has {payload.count(b'.') + 1} segments; a compact JWE has 5"
            " (a signed-only JWS where a nested JWS(JWE) is expected?)"
        )
    return payload
