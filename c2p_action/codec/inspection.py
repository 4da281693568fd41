"""Describe a token without any key: its protected headers and the size of every segment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from c2p_action.codec._compact import (
    b64decode,
    decode_header,
    looks_like_jwe,
    split_jwe,
    split_jws,
    to_bytes,
)
from c2p_action.codec.jose import DEFAULT_MAX_TOKEN_BYTES

__all__ = ["TokenInfo", "inspect"]

_JWE_SEGMENTS = ("header", "encrypted_key", "iv", "ciphertext", "tag")


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What a token says about itself. Nothing here is verified.

    ``envelope`` is ``"JWS(JWE)"`` for a nested token and ``"JWS"`` for a signed-only one
    (whose ``jwe_header`` is then empty and ``jwe_sizes`` too). ``jws_sizes`` and
    ``jwe_sizes`` give each segment's decoded length in bytes, keyed by segment name
    (``header``, ``payload``, ``signature``; ``header``, ``encrypted_key``, ``iv``,
    ``ciphertext``, ``tag``).
    """

    jws_header: Mapping[str, Any]
    jwe_header: Mapping[str, Any]
    jws_sizes: Mapping[str, int]
    jwe_sizes: Mapping[str, int]
    length: int
    envelope: str = "JWS(JWE)"


def inspect(token: str | bytes, *, max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES) -> TokenInfo:
    """Read the headers and segment sizes of a JWS(JWE) or JWS-only token; no key needed.

    Unlike :meth:`Codec.open` this applies no algorithm policy, so it can describe a token the
    codec would refuse; it still raises :class:`~c2p_action.errors.TokenFormatError` for
    anything that is not a well-formed compact token.
    """
    data = to_bytes(token, max_token_bytes)
    jws = split_jws(data)
    payload = b64decode(jws.payload, "JWS payload")
    jws_sizes = {
        "header": len(b64decode(jws.header, "JWS header")),
        "payload": len(payload),
        "signature": len(b64decode(jws.signature, "JWS signature")),
    }
    jws_header = decode_header(jws.header, "JWS header")
    if not looks_like_jwe(payload):
        return TokenInfo(jws_header, {}, jws_sizes, {}, len(data), envelope="JWS")
    segments = split_jwe(payload)
    return TokenInfo(
        jws_header=jws_header,
        jwe_header=decode_header(segments[0], "JWE header"),
        jws_sizes=jws_sizes,
        jwe_sizes={
            name: len(b64decode(segment, f"JWE {name}"))
            for name, segment in zip(_JWE_SEGMENTS, segments, strict=True)
        },
        length=len(data),
    )
