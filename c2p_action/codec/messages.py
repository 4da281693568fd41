"""From models to tokens and back, so callers never handle XML (or JSON) by hand.

An operation travels in one :class:`Envelope` (nested JWS(JWE), or JWS alone) and carries one
:class:`BodyFormat`; :func:`encode_message` and :func:`decode_message` take both explicitly.
``encode_request``/``decode_response`` (merchant role) and ``decode_request``/
``encode_response`` (gateway role) are the nested-XML shorthand. Decoding takes the model class
to bind, or a sequence of classes (the one matching the document's root element is used), or
nothing: then the request models (decoding a request) or the response models (decoding a
response) of :mod:`c2p_action.schemas`, never the other role's.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, TypeVar, overload

from c2p_action.codec.jose import Codec
from c2p_action.codec.xml import from_xml, to_xml
from c2p_action.errors import ConfigurationError

__all__ = [
    "BodyFormat",
    "Envelope",
    "decode_message",
    "decode_request",
    "decode_response",
    "encode_message",
    "encode_request",
    "encode_response",
]

T = TypeVar("T")


class Envelope(StrEnum):
    """How a body travels. An operation expects exactly one; the other is refused."""

    #: JWS (PS256, sender's key) over a compact JWE (RSA-OAEP + A256GCM, to the receiver).
    NESTED = "JWS(JWE)"
    #: JWS (PS256) over the body itself: signed, not encrypted.
    JWS = "JWS"


class BodyFormat(StrEnum):
    """The body inside the envelope."""

    XML = "xml"
    JSON = "json"


def encode_body(model: object, body: BodyFormat = BodyFormat.XML) -> bytes:
    """Validate and serialise a model in ``body`` format."""
    if body is BodyFormat.XML:
        return to_xml(model)
    raise ConfigurationError(f"no serialiser for {body} bodies")


def decode_body(data: bytes, cls: type[T] | Sequence[type[Any]], body: BodyFormat) -> Any:
    """Parse an untrusted body into ``cls`` (or the matching one of several classes)."""
    if body is BodyFormat.XML:
        return from_xml(data, cls)
    raise ConfigurationError(f"no parser for {body} bodies")


def encode_message(
    codec: Codec,
    model: object,
    *,
    envelope: Envelope = Envelope.NESTED,
    body: BodyFormat = BodyFormat.XML,
) -> str:
    """Validate and serialise ``model``, then seal (nested) or sign (JWS) it."""
    data = encode_body(model, body)
    return codec.seal(data) if envelope is Envelope.NESTED else codec.sign(data)


@overload
def decode_message(
    codec: Codec,
    token: str | bytes,
    cls: type[T],
    *,
    envelope: Envelope = ...,
    body: BodyFormat = ...,
) -> T: ...


@overload
def decode_message(
    codec: Codec,
    token: str | bytes,
    cls: Sequence[type[Any]],
    *,
    envelope: Envelope = ...,
    body: BodyFormat = ...,
) -> Any: ...


def decode_message(
    codec: Codec,
    token: str | bytes,
    cls: type[T] | Sequence[type[Any]],
    *,
    envelope: Envelope = Envelope.NESTED,
    body: BodyFormat = BodyFormat.XML,
) -> T | Any:
    """Verify (and decrypt, for the nested envelope) a token, then parse its body."""
    data = codec.open(token) if envelope is Envelope.NESTED else codec.verify_payload(token)
    return decode_body(data, cls, body)


def _requests() -> Sequence[type[Any]]:
    from c2p_action.schemas import XML_REQUEST_MODELS

    return XML_REQUEST_MODELS


def _responses() -> Sequence[type[Any]]:
    from c2p_action.schemas import XML_RESPONSE_MODELS

    return XML_RESPONSE_MODELS


def encode_request(codec: Codec, request: object) -> str:
    """Validate and serialise an XML ``request``, then seal it (merchant role)."""
    return codec.seal(to_xml(request))


def encode_response(codec: Codec, response: object) -> str:
    """Validate and serialise an XML ``response``, then seal it (gateway role)."""
    return codec.seal(to_xml(response))


@overload
def decode_response(codec: Codec, token: str | bytes, cls: type[T]) -> T: ...


@overload
def decode_response(codec: Codec, token: str | bytes, cls: None = None) -> Any: ...


def decode_response(
    codec: Codec, token: str | bytes, cls: type[T] | None = None
) -> T | Any:
    """Verify, decrypt and parse an XML gateway response (merchant role).

    Without ``cls`` the document's root element chooses among the response models (never a
    request model: a reflected request is not an answer).
    """
    return from_xml(codec.open(token), _responses() if cls is None else cls)


@overload
def decode_request(codec: Codec, token: str | bytes, cls: type[T]) -> T: ...


@overload
def decode_request(codec: Codec, token: str | bytes, cls: None = None) -> Any: ...


def decode_request(codec: Codec, token: str | bytes, cls: type[T] | None = None) -> T | Any:
    """Verify, decrypt and parse an XML merchant request (gateway role, e.g. the emulator).

    Without ``cls`` the document's root element chooses among the request models.
    """
    return from_xml(codec.open(token), _requests() if cls is None else cls)
