"""The pure core: models <-> XML <-> JWE <-> JWS. No I/O.

- :class:`Codec` seals and opens tokens for one pair of keys;
- :func:`to_xml` / :func:`from_xml` validate and (de)serialise message models;
- :func:`encode_request` / :func:`decode_response` (merchant role) and :func:`decode_request` /
  :func:`encode_response` (gateway role) go from models to tokens and back;
- :func:`inspect` describes a token without keys; :func:`verify_signature` checks one with
  the peer's public key alone.
"""

from c2p_action.codec.inspection import TokenInfo, inspect
from c2p_action.codec.jose import DEFAULT_MAX_TOKEN_BYTES, Codec, verify_signature
from c2p_action.codec.messages import (
    decode_request,
    decode_response,
    encode_request,
    encode_response,
)
from c2p_action.codec.xml import from_xml, to_xml

__all__ = [
    "DEFAULT_MAX_TOKEN_BYTES",
    "Codec",
    "TokenInfo",
    "decode_request",
    "decode_response",
    "encode_request",
    "encode_response",
    "from_xml",
    "inspect",
    "to_xml",
    "verify_signature",
]
