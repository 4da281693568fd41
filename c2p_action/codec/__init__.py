"""The pure core: models <-> XML <-> JWE <-> JWS. No I/O.

- :class:`Codec` seals and opens tokens for one pair of keys;
- :func:`to_xml` / :func:`from_xml` validate and (de)serialise message models;
- :func:`encode_message` / :func:`decode_message` go from a model to a token and back in any
  envelope (:class:`Envelope`) and body format (:class:`BodyFormat`); :func:`encode_request` /
  :func:`decode_response` (merchant role) and :func:`decode_request` / :func:`encode_response`
  (gateway role) are the nested-XML shorthand;
- :func:`inspect` describes a token without keys; :func:`verify_signature` checks one with
  the peer's public key alone.
"""

from c2p_action.codec.inspection import TokenInfo, inspect
from c2p_action.codec.jose import DEFAULT_MAX_TOKEN_BYTES, Codec, verify_signature
from c2p_action.codec.messages import (
    BodyFormat,
    Envelope,
    decode_message,
    decode_request,
    decode_response,
    encode_message,
    encode_request,
    encode_response,
)
from c2p_action.codec.xml import from_xml, to_xml

__all__ = [
    "DEFAULT_MAX_TOKEN_BYTES",
    "BodyFormat",
    "Codec",
    "Envelope",
    "TokenInfo",
    "decode_message",
    "decode_request",
    "decode_response",
    "encode_message",
    "encode_request",
    "encode_response",
    "from_xml",
    "inspect",
    "to_xml",
    "verify_signature",
]
