"""The API refuses what it would otherwise ignore, and every public way in raises ``C2PError``.

Covers issue 9's first section: unknown options in both clients and in ``send`` (nothing is
sent), ``ValidationError`` for our own bad input (not a ``CodecError``), and no bare
``TypeError``/``AttributeError`` from public functions given the wrong kind of value.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec, load_private_key, load_public_key, parse_notification
from c2p_action.client import AsyncClient, Client
from c2p_action.codec import decode_response, encode_request, inspect, verify_signature
from c2p_action.errors import C2PError, CodecError, UnknownOptionError, ValidationError
from c2p_action.plugins import PluginManager
from c2p_action.schemas import PaymentProcessRequest, ProcessType
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse

BAD_VALUES: tuple[object, ...] = (None, 12345, 1.5, object(), ["a"], {"a": 1})


class _NeverCalled:
    def __init__(self) -> None:
        self.sent: list[TransportRequest] = []

    def __call__(self, request: TransportRequest) -> TransportResponse:
        self.sent.append(request)
        return TransportResponse(500, b"")


def _clients(
    merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey, handler: _NeverCalled
) -> tuple[Client, AsyncClient]:
    kwargs: dict[str, Any] = {
        "transport": InProcessTransport(handler),
        "plugins": PluginManager(allow=()),
    }
    return (
        Client("JT01", merchant_private, gateway_public, **kwargs),
        AsyncClient("JT01", merchant_private, gateway_public, **kwargs),
    )


@pytest.mark.parametrize(
    ("method", "args", "typo"),
    [
        ("refund", ("T-7", "1.00"), "notfy_url"),
        ("void", ("T-7", "1.00"), "idempotencyid"),
        ("settle", ("T-7",), "amount_"),
        ("inquiry", ("T-7",), "notes"),
        ("refund_status", ("T-7",), "idempotency_id"),
    ],
)
def test_unknown_options_are_refused_by_both_clients_before_sending(
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    method: str,
    args: tuple[str, ...],
    typo: str,
) -> None:
    handler = _NeverCalled()
    sync, async_client = _clients(merchant_private, gateway_public, handler)
    options = {typo: "x"}  # passed as **dict, as code that forwards options does

    with pytest.raises(UnknownOptionError, match=typo) as raised:
        getattr(sync, method)(*args, **options)
    assert method in str(raised.value)
    assert isinstance(raised.value, ValidationError)
    assert isinstance(raised.value, TypeError)

    async def run() -> None:
        with pytest.raises(UnknownOptionError, match=typo):
            await getattr(async_client, method)(*args, **options)
        await async_client.aclose()

    asyncio.run(run())
    sync.close()
    assert handler.sent == []


def test_send_refuses_unknown_options_too(
    merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    handler = _NeverCalled()
    sync, async_client = _clients(merchant_private, gateway_public, handler)
    request = PaymentProcessRequest(merchant_id="JT01", process_type=ProcessType.I, invoice_no="1")
    with pytest.raises(UnknownOptionError, match="retries"):
        sync.send(request, retries=3)  # type: ignore[call-overload]

    async def run() -> None:
        with pytest.raises(UnknownOptionError, match="retries"):
            await async_client.send(request, retries=3)  # type: ignore[call-overload]
        await async_client.aclose()

    asyncio.run(run())
    assert handler.sent == []


def test_our_bad_input_is_a_validation_error_not_a_codec_error(
    merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    handler = _NeverCalled()
    sync, _ = _clients(merchant_private, gateway_public, handler)
    calls: list[Callable[[], object]] = [
        lambda: sync.refund("X" * 51, "1.00"),  # invoiceNo is C 50
        lambda: sync.refund("INV", "1.001"),
        lambda: sync.refund("INV", "NaN"),
        lambda: sync.refund("INV", Decimal("1.5"), timeout=-1),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as raised:
            call()
        assert not isinstance(raised.value, CodecError)
    assert handler.sent == []


def _entry_points(
    codec: Codec, gateway_public: rsa.RSAPublicKey
) -> dict[str, Callable[[Any], Any]]:
    return {
        "Codec.open": codec.open,
        "Codec.verify": codec.verify,
        "Codec.verify_payload": codec.verify_payload,
        "Codec.seal": codec.seal,
        "Codec.sign": codec.sign,
        "inspect": inspect,
        "verify_signature": lambda value: verify_signature(value, gateway_public),
        "decode_response": lambda value: decode_response(codec, value),
        "encode_request": lambda value: encode_request(codec, value),
        "load_private_key": load_private_key,
        "load_public_key": load_public_key,
        "parse_notification": lambda value: parse_notification(codec, value),
        "parse_notification(content_type)": lambda value: parse_notification(codec, b"x", value),
        "Codec(own_key)": lambda value: Codec(value, gateway_public),
        "Codec(peer_key)": lambda value: Codec(codec.own_keys[0], value),
    }


@pytest.mark.parametrize("value", [*BAD_VALUES, "str", b"\x00\xff"], ids=repr)
def test_public_functions_raise_c2p_errors_for_bad_input(
    merchant_codec: Codec, gateway_public: rsa.RSAPublicKey, value: object
) -> None:
    for name, function in _entry_points(merchant_codec, gateway_public).items():
        try:
            function(value)
        except C2PError:
            continue
        except Exception as exc:  # the point of the test: nothing else may escape
            pytest.fail(f"{name}({value!r}) raised {type(exc).__name__}: {exc}")
        else:
            # Only the envelopes take arbitrary bytes: anything else was bad input.
            if not (isinstance(value, bytes) and name in ("Codec.seal", "Codec.sign")):
                pytest.fail(f"{name}({value!r}) accepted a bad value")
