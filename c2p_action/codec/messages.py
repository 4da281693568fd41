"""From models to tokens and back, so callers never handle XML by hand."""

from __future__ import annotations

from c2p_action.codec.jose import Codec
from c2p_action.codec.xml import from_xml, to_xml
from c2p_action.schemas import PaymentProcessRequest, PaymentProcessResponse

__all__ = ["decode_request", "decode_response", "encode_request", "encode_response"]


def encode_request(codec: Codec, request: PaymentProcessRequest) -> str:
    """Validate and serialise ``request``, then seal it (merchant role)."""
    return codec.seal(to_xml(request))


def decode_response(codec: Codec, token: str | bytes) -> PaymentProcessResponse:
    """Verify, decrypt and parse a gateway response (merchant role)."""
    return from_xml(codec.open(token), PaymentProcessResponse)


def decode_request(codec: Codec, token: str | bytes) -> PaymentProcessRequest:
    """Verify, decrypt and parse a merchant request (gateway role, e.g. the emulator)."""
    return from_xml(codec.open(token), PaymentProcessRequest)


def encode_response(codec: Codec, response: PaymentProcessResponse) -> str:
    """Validate and serialise ``response``, then seal it (gateway role)."""
    return codec.seal(to_xml(response))
