"""The named hostile corpus: each case delivered the way an attacker would, with its exact error.

Tokens are built with ``_forge`` (independent of the codec) and are cryptographically valid
wherever the case allows, so each check is reached for real rather than short-circuited by an
earlier failure. Hostile XML travels inside properly sealed tokens: through
``decode_response`` (merchant side), ``decode_request`` and the emulator's request handler
(gateway side). The last section is delivered over real sockets and files: a gateway that
trickles its answer to the client, false gzip to the HTTP emulator, a key file whose PEM block
never ends. Cases the older suites already assert are listed in SECURITY.md instead of
being repeated here (alg none, HS256/RS256 key confusion, RSA1_5 and other enc, zip/crit,
duplicate JWS header names, a lone non-ASCII character, spaces and '+' in segments).
"""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3
from _emulator_support import MERCHANT, OTHER_MERCHANT, build, wire
from _forge import Jwe, b64, encrypt, nested, replace, sign
from _slow_server import elapsed_since, slow_server
from cryptography.hazmat.primitives.asymmetric import rsa
from xsdata.formats.dataclass.models.generics import AnyElement

from c2p_action import AsyncClient, Client, Codec, RetryPolicy, inspect
from c2p_action.codec import decode_request, decode_response, encode_request, to_xml
from c2p_action.codec.xml import MAX_EQUALS, MAX_LIST_ITEMS, MAX_TAGS, MAX_UNKNOWN_NODES
from c2p_action.emulator import Emulator
from c2p_action.errors import (
    C2PError,
    DecryptionError,
    KeyLoadError,
    SignatureError,
    TokenFormatError,
    TransportError,
    ValidationError,
    XmlError,
)
from c2p_action.keys import load_private_key
from c2p_action.schemas import PaymentProcessResponse

INVOICE = "INV-HOSTILE"
RESPONSE_XML = b"<PaymentProcessResponse><respCode>00</respCode></PaymentProcessResponse>"
CAP = 1 << 20  # the default max_token_bytes


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def emulator(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
) -> Iterator[Emulator]:
    emu = Emulator(
        gateway_private, {MERCHANT: merchant_public, OTHER_MERCHANT: other_private.public_key()}
    )
    emu.seed(INVOICE, "100.00", merchant_id=MERCHANT, status="S")
    yield emu
    emu.close()


@pytest.fixture(scope="module")
def other_merchant_codec(
    other_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> Codec:
    return Codec(other_private, gateway_public)


def _assert_untouched(emulator: Emulator) -> None:
    """Nothing a hostile request carried may have changed the ledger."""
    assert emulator.ledger.refunds(MERCHANT, INVOICE) == []
    txn = emulator.ledger.transaction(MERCHANT, INVOICE)
    assert txn is not None
    assert txn.status == "S"


def _gateway_answer(emulator: Emulator, codec: Codec, token: str) -> PaymentProcessResponse:
    answer = emulator.handle(wire(token))
    assert answer.status == 200, answer.body[:80]
    return decode_response(codec, answer.body, PaymentProcessResponse)


# --- headers: duplicates, size, nesting -----------------------------------------------------

_JWE_OK = b'{"alg":"RSA-OAEP","enc":"A256GCM"}'


@pytest.mark.parametrize(
    ("jws_header", "jwe_header", "message"),
    [
        pytest.param(
            None, b'{"alg":"RSA-OAEP","enc":"A256GCM","enc":"A128GCM"}', "duplicated",
            id="jwe-duplicate-enc",
        ),
        pytest.param(
            None, b'{"alg":"RSA-OAEP","alg":"RSA-OAEP","enc":"A256GCM"}', "duplicated",
            id="jwe-duplicate-same-value",
        ),
        pytest.param(
            b'{"alg":"PS256","kid":"a","kid":"b"}', None, "duplicated", id="jws-duplicate-kid"
        ),
        pytest.param(
            b'{"alg":"PS256","x5c":{"alg":"none","alg":"PS256"}}', None, "duplicated",
            id="jws-duplicate-in-nested-object",
        ),
        pytest.param(
            b'{"alg":"PS256","kid":"' + b"k" * 600_000 + b'","p":1}', None,
            r"JWS header is \d+ bytes, over 4096", id="jws-huge-header-unknown-parameter",
        ),
        pytest.param(
            b'{"alg":"PS256","kid":' + b"[" * 200_000 + b"]" * 200_000 + b"}", None,
            "over 4096", id="jws-deeply-nested-json",
        ),
        pytest.param(
            # Under the size cap, yet deeper than the JSON parser's recursion limit.
            b'{"alg":"PS256","kid":' + b"[" * 1_400 + b"]" * 1_400 + b"}", None,
            "not a JSON object", id="jws-deeply-nested-json-under-the-cap",
        ),
        pytest.param(
            b'{"alg":"PS256","kid":' + b"9" * 100_000 + b"}", None,
            "over 4096", id="jws-100k-digit-integer",
        ),
        pytest.param(
            None, b'{"alg":"RSA-OAEP","enc":"A256GCM","kid":' + b"[" * 50_000 + b"]" * 50_000
            + b"}", r"JWE header is \d+ bytes, over 4096", id="jwe-deeply-nested-json",
        ),
        pytest.param(
            None, b'{"alg":"RSA-OAEP","enc":"A256GCM","kid":"' + b"k" * 500_000 + b'"}"',
            "over 4096", id="jwe-huge-header-trailing-junk",
        ),
    ],
)
def test_hostile_headers_under_a_valid_signature(
    merchant_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    jws_header: bytes | None,
    jwe_header: bytes | None,
    message: str,
) -> None:
    token = nested(
        RESPONSE_XML,
        gateway_private,
        merchant_public,
        jws_header=jws_header or b'{"alg":"PS256","typ":"JWT"}',
        jwe_header=jwe_header or _JWE_OK,
    )
    assert len(token) < CAP
    with pytest.raises(TokenFormatError, match=message):
        decode_response(merchant_codec, token)


def test_duplicate_header_names_are_refused_by_inspect_too(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    token = nested(
        RESPONSE_XML, gateway_private, merchant_public,
        jwe_header=b'{"alg":"RSA-OAEP","enc":"A256GCM","enc":"A128GCM"}',
    )
    with pytest.raises(TokenFormatError, match="duplicated"):
        inspect(token)


# --- huge segments --------------------------------------------------------------------------


def _huge(size: int) -> str:
    return b64(b"\x00" * size)


@pytest.mark.parametrize(
    ("build_token", "error", "message"),
    [
        pytest.param(
            lambda jwe, key: sign(jwe.compact(), key).rsplit(".", 1)[0] + "." + _huge(700_000),
            SignatureError, "700000 bytes; the peer's RSA-2048 key makes 256",
            id="huge-signature",
        ),
        pytest.param(
            lambda jwe, key: sign(jwe.compact(), key).rsplit(".", 1)[0] + "." + "A" * (CAP + 1),
            TokenFormatError, "over the limit", id="signature-past-the-cap",
        ),
        pytest.param(
            lambda jwe, key: sign(replace(jwe, key=_huge(500_000)).compact(), key),
            DecryptionError, "encrypted key is 500000 bytes", id="huge-encrypted-key",
        ),
        pytest.param(
            lambda jwe, key: sign(replace(jwe, iv=_huge(500_000)).compact(), key),
            TokenFormatError, "iv must be 12 bytes", id="huge-iv",
        ),
        pytest.param(
            lambda jwe, key: sign(replace(jwe, tag=_huge(500_000)).compact(), key),
            TokenFormatError, "tag 16 bytes", id="huge-tag",
        ),
        pytest.param(
            lambda jwe, key: sign(replace(jwe, ciphertext=_huge(500_000)).compact(), key),
            DecryptionError, "failed authentication", id="huge-ciphertext-swapped-in",
        ),
        pytest.param(
            lambda jwe, key: "." * 900_000, TokenFormatError, "900001 segments",
            id="nine-hundred-thousand-dots",
        ),
        pytest.param(
            lambda jwe, key: sign("." * 400_000, key), TokenFormatError,
            "400001 segments; a compact JWE has 5", id="signed-payload-of-dots",
        ),
    ],
)
def test_huge_segments(
    merchant_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    build_token: Callable[[Jwe, rsa.RSAPrivateKey], str],
    error: type[C2PError],
    message: str,
) -> None:
    jwe = encrypt(RESPONSE_XML, merchant_public)
    token = build_token(jwe, gateway_private)
    with pytest.raises(error, match=message):
        decode_response(merchant_codec, token)


# --- non-ASCII and whitespace ---------------------------------------------------------------


def _insert(token: str, text: str, at: int = 30) -> str:
    return token[:at] + text + token[at:]


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        pytest.param(lambda t: _insert(t, "\t"), "base64url", id="tab"),
        pytest.param(lambda t: _insert(t, "\r\n"), "base64url", id="crlf-inside"),
        pytest.param(lambda t: _insert(t, "\x00"), "base64url", id="nul"),
        pytest.param(lambda t: _insert(t, "\x0b"), "base64url", id="vertical-tab"),
        pytest.param(lambda t: t.replace(".", " . ", 1), "base64url", id="spaces-around-dot"),
        pytest.param(lambda t: _insert(t, "\u200b"), "non-ASCII", id="zero-width-space"),
        pytest.param(lambda t: "\ufeff" + t, "non-ASCII", id="byte-order-mark"),
        pytest.param(lambda t: _insert(t, "\u00a0"), "non-ASCII", id="no-break-space"),
        pytest.param(lambda t: t.replace("A", "\uff21", 1), "non-ASCII", id="fullwidth-letter"),
        pytest.param(lambda t: t.replace(".", "\u2024", 1), "non-ASCII", id="one-dot-leader"),
        pytest.param(
            lambda t: _insert(t, b"\xc3\xa9".decode("latin-1")), "non-ASCII",
            id="utf8-bytes-as-latin1-text",
        ),
    ],
)
def test_non_ascii_and_whitespace_in_text_tokens(
    merchant_codec: Codec, gateway_codec: Codec, mangle: Callable[[str], str], message: str
) -> None:
    token = mangle(gateway_codec.seal(RESPONSE_XML))
    with pytest.raises(TokenFormatError, match=message):
        decode_response(merchant_codec, token)
    with pytest.raises(TokenFormatError):
        inspect(token)


_HEADER_AT, _PAYLOAD_AT, _SIGNATURE_AT = 10, 200, -20


@pytest.mark.parametrize(
    "inserted",
    [
        pytest.param(b"\xff", id="byte-ff"),
        pytest.param(b"\xc3\xa9", id="utf8-e-acute"),
        pytest.param(b" ", id="space"),
        pytest.param(b"\x00", id="nul"),
        pytest.param(b"\r\n", id="crlf"),
    ],
)
@pytest.mark.parametrize(
    ("at", "error", "message"),
    [
        pytest.param(
            _HEADER_AT, TokenFormatError, "JWS header is not valid base64url", id="header"
        ),
        # The payload is decoded only after the signature verified: the bytes it covers fail.
        pytest.param(_PAYLOAD_AT, SignatureError, "does not verify", id="payload"),
        pytest.param(
            _SIGNATURE_AT, TokenFormatError, "JWS signature is not valid base64url",
            id="signature",
        ),
    ],
)
def test_non_ascii_and_whitespace_in_byte_tokens(
    merchant_codec: Codec,
    gateway_codec: Codec,
    inserted: bytes,
    at: int,
    error: type[C2PError],
    message: str,
) -> None:
    token = gateway_codec.seal(RESPONSE_XML).encode()
    with pytest.raises(error, match=message):
        decode_response(merchant_codec, token[:at] + inserted + token[at:])


@pytest.mark.parametrize(
    ("inner", "message"),
    [
        pytest.param("é.a.b.c.d", "JWS payload is not a compact JWE", id="non-ascii-jwe"),
        pytest.param("\u3000.a.b.c.d", "JWS payload is not a compact JWE", id="ideographic-space"),
        pytest.param(None, "JWE encrypted key is not valid base64url", id="space-in-jwe-key"),
        pytest.param("\n", "2 segments; a compact JWE has 5", id="newline-jwe"),
    ],
)
def test_non_ascii_and_whitespace_inside_a_validly_signed_payload(
    merchant_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    inner: str | None,
    message: str,
) -> None:
    if inner is None:
        jwe = encrypt(RESPONSE_XML, merchant_public)
        inner = jwe.compact().replace(jwe.key, jwe.key[:10] + " " + jwe.key[10:])
    elif inner == "\n":
        inner = "a.b\nc"
    with pytest.raises(TokenFormatError, match=message):
        decode_response(merchant_codec, sign(inner, gateway_private))


# --- key confusion and replay ---------------------------------------------------------------


def test_valid_signature_over_a_jwe_encrypted_to_a_key_of_another_size(
    merchant_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    other_private: rsa.RSAPrivateKey,
) -> None:
    # The gateway really signed it, but for another merchant (RSA-2048, ours is RSA-4096).
    token = nested(RESPONSE_XML, gateway_private, other_private.public_key())
    assert merchant_codec.verify(token)  # the signature itself is good
    with pytest.raises(DecryptionError, match="was it encrypted to another key"):
        decode_response(merchant_codec, token)


def test_response_for_one_merchant_replayed_to_another(
    gateway_private: rsa.RSAPrivateKey,
    merchant_codec: Codec,
    other_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> None:
    # Both merchants trust the same gateway key: the signature verifies, decryption cannot.
    for_other = Codec(gateway_private, other_private.public_key()).seal(RESPONSE_XML)
    with pytest.raises(DecryptionError):
        decode_response(merchant_codec, for_other)
    assert decode_response(Codec(other_private, gateway_public), for_other).resp_code == "00"


def test_valid_request_token_replayed_by_another_merchant_is_03(
    emulator: Emulator,
    merchant_codec: Codec,
    merchant_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
    other_merchant_codec: Codec,
) -> None:
    # JT02 captures JT01's refund request, strips JT01's signature (the inner JWE is encrypted
    # to the gateway, so JT02 cannot read or change it) and signs it with its own key.
    original = encode_request(merchant_codec, build("R", INVOICE, "10.00", idempotency_id="r-1"))
    inner = Codec(other_private, merchant_public).verify(original)
    replayed = sign(inner, other_private)
    answer = _gateway_answer(emulator, other_merchant_codec, replayed)
    assert (answer.resp_code, answer.invoice_no) == ("03", INVOICE)
    _assert_untouched(emulator)
    assert emulator.ledger.idempotency(MERCHANT, "r-1") is None
    # The untouched original still works exactly once for its real owner.
    assert _gateway_answer(emulator, merchant_codec, original).resp_code == "00"
    assert len(emulator.ledger.refunds(MERCHANT, INVOICE)) == 1


def test_request_token_sent_to_a_gateway_that_does_not_know_its_signer(
    gateway_private: rsa.RSAPrivateKey,
    other_private: rsa.RSAPrivateKey,
    merchant_codec: Codec,
) -> None:
    only_other = Emulator(gateway_private, {OTHER_MERCHANT: other_private.public_key()})
    only_other.seed(INVOICE, "100.00", status="S")
    token = encode_request(merchant_codec, build("R", INVOICE, "10.00", merchant_id=MERCHANT))
    assert only_other.handle(wire(token)).status == 401
    assert only_other.ledger.refunds(OTHER_MERCHANT, INVOICE) == []
    only_other.close()


# --- hostile XML inside sealed tokens -------------------------------------------------------

_BILLION_LAUGHS_DTD = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
)
_XXE_DTD = b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
_PARAMETER_ENTITY_DTD = (
    b'<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>'
)


def _response(body: bytes, prolog: bytes = b"") -> bytes:
    return prolog + b"<PaymentProcessResponse><respCode>00</respCode>" + body + (
        b"</PaymentProcessResponse>"
    )


def _request(body: bytes, prolog: bytes = b"", amount: bytes = b"10.00") -> bytes:
    return (
        prolog
        + b"<PaymentProcessRequest><version>3.8</version><merchantID>"
        + MERCHANT.encode()
        + b"</merchantID><processType>R</processType><invoiceNo>"
        + INVOICE.encode()
        + b"</invoiceNo><actionAmount>"
        + amount
        + b"</actionAmount>"
        + body
        + b"</PaymentProcessRequest>"
    )


def _utf16(document: bytes) -> bytes:
    return document.decode().encode("utf-16")


_DEEP = b"<x>" * 5000 + b"</x>" * 5000
_WIDE_ATTRIBUTE = b'<x a="' + b"A" * 500_000 + b'"/>'
# The memory limits of the XML reader (codec/xml.py), each just past its bound.
_MANY_SMALL_UNKNOWN = b"<u/>" * (MAX_UNKNOWN_NODES + 1)
_A_WALL_OF_TAGS = b"<u/>" * (MAX_TAGS + 1)
_MANY_ATTRIBUTES = b"<u " + b" ".join(b"a%d=''" % n for n in range(MAX_EQUALS + 1)) + b"/>"
_DEEP_UNKNOWN = (b"<a>" * 250 + b"</a>" * 250) * 5  # 1250 unknown elements, 250 deep
_REFUNDS_PAST_THE_LIMIT = b"<refundList>" + b"<refund/>" * (MAX_LIST_ITEMS + 1) + b"</refundList>"
_SUB_MERCHANTS_PAST_THE_LIMIT = (
    b"<subMerchantList>"
    + b'<subMerchant subMID="S1" subAmount="1.00"/>' * (MAX_LIST_ITEMS + 1)
    + b"</subMerchantList>"
)

# (name, response document, message from decode_response,
#  request document, message from decode_request, respCode from the emulator)
_XML_CASES = [
    (
        "doctype",
        _response(b"", b"<!DOCTYPE PaymentProcessResponse>"), "DOCTYPE",
        _request(b"", b"<!DOCTYPE PaymentProcessRequest>"), "DOCTYPE", "02",
    ),
    (
        "billion-laughs",
        _response(b"<respDesc>&lol4;</respDesc>", _BILLION_LAUGHS_DTD), "DOCTYPE",
        _request(b"<notes>&lol4;</notes>", _BILLION_LAUGHS_DTD), "DOCTYPE", "02",
    ),
    (
        "external-entity",
        _response(b"<respDesc>&xxe;</respDesc>", _XXE_DTD), "DOCTYPE",
        _request(b"<notes>&xxe;</notes>", _XXE_DTD), "DOCTYPE", "02",
    ),
    (
        "external-parameter-entity",
        _response(b"", _PARAMETER_ENTITY_DTD), "DOCTYPE",
        _request(b"", _PARAMETER_ENTITY_DTD), "DOCTYPE", "02",
    ),
    (
        "billion-laughs-in-utf16",
        _utf16(_response(b"<respDesc>&lol4;</respDesc>", _BILLION_LAUGHS_DTD)),
        "DOCTYPE is not allowed",
        _utf16(_request(b"<notes>&lol4;</notes>", _BILLION_LAUGHS_DTD)),
        "DOCTYPE is not allowed", "02",
    ),
    (
        "external-entity-in-utf16",
        _utf16(_response(b"<respDesc>&xxe;</respDesc>", _XXE_DTD)), "DOCTYPE is not allowed",
        _utf16(_request(b"<notes>&xxe;</notes>", _XXE_DTD)), "DOCTYPE is not allowed", "02",
    ),
    (
        "undeclared-entity",
        _response(b"<respDesc>&xxe;</respDesc>"), "malformed XML",
        _request(b"<notes>&xxe;</notes>"), "malformed XML", "02",
    ),
    (
        "deep-nesting",
        _response(_DEEP), "malformed XML",
        _request(_DEEP), "malformed XML", "02",
    ),
    (
        "many-small-unknown-elements",
        _response(_MANY_SMALL_UNKNOWN), "more than 1000 unknown elements and attributes",
        _request(_MANY_SMALL_UNKNOWN), "unexpected element (child 6, line 1)", "11",
    ),
    (
        "a-wall-of-empty-tags",
        _response(_A_WALL_OF_TAGS), "more than 25000 tags",
        _request(_A_WALL_OF_TAGS), "more than 25000 tags", "11",
    ),
    (
        "fifty-thousand-attributes",
        _response(_MANY_ATTRIBUTES), "more than 50000 attributes",
        _request(_MANY_ATTRIBUTES), "more than 50000 attributes", "11",
    ),
    (
        "deep-and-repeated-unknown-nesting",
        _response(_DEEP_UNKNOWN), "more than 1000 unknown elements and attributes",
        _request(_DEEP_UNKNOWN), "unexpected element (child 6, line 1)", "11",
    ),
    (
        "repeated-elements-past-the-limit",
        _response(_REFUNDS_PAST_THE_LIMIT), "more than 10000 repeated elements",
        _request(_SUB_MERCHANTS_PAST_THE_LIMIT), "more than 10000 repeated elements", "11",
    ),
    (
        "huge-attribute-on-unknown-element",
        None, None,  # a response keeps unknown elements: see the test below
        _request(_WIDE_ATTRIBUTE), "unexpected element (child 6, line 1)", "11",
    ),
    (
        "wrong-root",
        b"<PaymentProcessRequest><respCode>00</respCode></PaymentProcessRequest>",
        "root element is not PaymentProcessResponse",
        b"<PaymentProcessResponse><merchantID>" + MERCHANT.encode()
        + b"</merchantID></PaymentProcessResponse>",
        "root element is not PaymentProcessRequest", "02",
    ),
    (
        "namespaced-root",
        b'<PaymentProcessResponse xmlns="urn:evil"><respCode>00</respCode>'
        b"</PaymentProcessResponse>",
        "root element is not PaymentProcessResponse",
        _request(b"").replace(b"<PaymentProcessRequest>", b'<PaymentProcessRequest xmlns="urn:e">'),
        "root element is not PaymentProcessRequest", "02",
    ),
    (
        "duplicated-element",
        _response(b"<respCode>01</respCode>"), "respCode appears more than once",
        _request(b"<actionAmount>90.00</actionAmount>"), "actionAmount appears more than once",
        "11",
    ),
    (
        "duplicated-amount-and-merchant-id",
        _response(b"<amount>1.00</amount><amount>99.00</amount>"), "amount appears more than once",
        _request(b"<merchantID>" + OTHER_MERCHANT.encode() + b"</merchantID>"),
        "merchantID appears more than once", "03",
    ),
    (
        "amount-1e3",
        _response(b"<amount>1e3</amount>"), "amount is not a plain decimal amount",
        _request(b"", amount=b"1e3"), "actionAmount is not a plain decimal amount", "18",
    ),
    (
        "amount-NaN",
        _response(b"<amount>NaN</amount>"), "amount is not a plain decimal amount",
        _request(b"", amount=b"NaN"), "actionAmount is not a plain decimal amount", "18",
    ),
    (
        "amount-negative-zero",
        _response(b"<amount>-0.00</amount>"), "amount is not a plain decimal amount",
        _request(b"", amount=b"-0.00"), "actionAmount is not a plain decimal amount", "18",
    ),
    (
        "amount-three-decimals",
        _response(b"<amount>25.001</amount>"), "amount has more than 2 decimal places",
        _request(b"", amount=b"25.001"), "actionAmount has more than 2 decimal places", "18",
    ),
    (
        "amount-infinity",
        _response(b"<amount>Infinity</amount>"), "amount is not a plain decimal amount",
        _request(b"", amount=b"Infinity"), "actionAmount is not a plain decimal amount", "18",
    ),
    (
        "refund-list-amount-1e3",
        _response(b'<refundList><refund amount="1e3" status="RF"/></refundList>'),
        "refundList.refund.amount is not a plain decimal amount",
        _request(b'<subMerchantList><subMerchant subMID="S1" subAmount="1e1"/>'
                 b"</subMerchantList>"),
        "subMerchant.subAmount is not a plain decimal amount", "11",
    ),
]

_RESPONSE_CASES = [pytest.param(c[1], c[2], id=c[0]) for c in _XML_CASES if c[1] is not None]
_REQUEST_CASES = [pytest.param(c[3], c[4], c[5], id=c[0]) for c in _XML_CASES]


@pytest.mark.parametrize(("document", "message"), _RESPONSE_CASES)
def test_hostile_xml_in_a_sealed_response(
    merchant_codec: Codec, gateway_codec: Codec, document: bytes, message: str
) -> None:
    token = gateway_codec.seal(document)
    with pytest.raises(XmlError) as caught:
        decode_response(merchant_codec, token)
    assert message in str(caught.value)


@pytest.mark.parametrize(("document", "message", "code"), _REQUEST_CASES)
def test_hostile_xml_in_a_sealed_request(
    emulator: Emulator,
    merchant_codec: Codec,
    gateway_codec: Codec,
    document: bytes,
    message: str,
    code: str,
) -> None:
    token = merchant_codec.seal(document)
    with pytest.raises(XmlError) as caught:
        decode_request(gateway_codec, token)
    assert message in str(caught.value)
    # The emulator answers every one of them with a sealed refusal and changes nothing.
    assert _gateway_answer(emulator, merchant_codec, token).resp_code == code
    _assert_untouched(emulator)


def test_huge_attribute_in_a_response_stays_within_the_token_cap(
    merchant_codec: Codec, gateway_codec: Codec
) -> None:
    # Responses are read leniently (unknown elements are kept), so a wide attribute under the
    # cap is data, not an attack; it can never be larger than the token that carried it.
    response = decode_response(merchant_codec, gateway_codec.seal(_response(_WIDE_ATTRIBUTE)))
    (kept,) = response.other_element
    assert isinstance(kept, AnyElement)
    assert len(kept.attributes["a"]) == 500_000


def test_attribute_past_libxml2_limit_is_refused_even_with_a_raised_cap(
    merchant_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    gateway_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
) -> None:
    document = _response(b'<x a="' + b"A" * 10_100_000 + b'"/>')
    token = Codec(gateway_private, merchant_public).seal(document)
    with pytest.raises(TokenFormatError, match="over the limit"):
        decode_response(merchant_codec, token)
    roomy = Codec(merchant_private, gateway_public, max_token_bytes=len(token))
    with pytest.raises(XmlError, match="malformed XML"):
        decode_response(roomy, token)


def test_oversized_request_gets_http_400_from_the_emulator(
    emulator: Emulator, merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    roomy = Codec(merchant_private, gateway_public, max_token_bytes=4 * CAP)
    token = roomy.seal(_request(b'<notes a="' + b"A" * CAP + b'"/>'))
    assert emulator.handle(wire(token)).status == 400
    _assert_untouched(emulator)


@pytest.mark.parametrize("amount", ["NaN", "-0.00", "25.001", "-Infinity"])
def test_the_merchants_writer_never_emits_the_corpus_amounts(
    merchant_codec: Codec, amount: str
) -> None:
    with pytest.raises(ValidationError):
        encode_request(merchant_codec, build("R", INVOICE, amount))


def test_an_exponent_amount_is_written_plainly() -> None:
    # 1E+3 is exactly 1000: the writer accepts the value, never the notation.
    assert b"<actionAmount>1000.00</actionAmount>" in to_xml(build("R", INVOICE, "1e3"))


# --- over real sockets and files ------------------------------------------------------------

DEADLINE = 1.0
MARGIN = 3.0  # a correctness bound for a loaded 2-core machine, not a performance claim


def _inquire(
    client_class: type[Client] | type[AsyncClient],
    keys: tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey],
    options: dict[str, Any],
) -> None:
    if client_class is Client:
        with Client(MERCHANT, *keys, **options) as client:
            client.inquiry(INVOICE)
        return

    async def run() -> None:
        async with AsyncClient(MERCHANT, *keys, **options) as client:
            await client.inquiry(INVOICE)

    asyncio.run(run())


@pytest.mark.parametrize("phase", ["status", "headers", "body"])
@pytest.mark.parametrize("client_class", [Client, AsyncClient])
def test_a_gateway_trickling_its_answer_is_given_up_at_the_deadline(
    merchant_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
    client_class: type[Client] | type[AsyncClient],
    phase: str,
) -> None:
    with slow_server(phase) as gateway:
        base = gateway.url.removesuffix("/slow")  # the client adds the operation's path
        options: dict[str, Any] = {
            "environment": base, "timeout": DEADLINE, "retry": RetryPolicy.never(),
        }  # fmt: skip
        start = time.monotonic()
        with pytest.raises(TransportError) as caught:
            _inquire(client_class, (merchant_private, gateway_public), options)
        elapsed = elapsed_since(start)
    assert caught.value.retryable
    assert DEADLINE <= elapsed < DEADLINE + MARGIN


@pytest.mark.parametrize(
    "body", [b"not gzip at all", gzip.compress(b"x" * 64)[:-6], b"\x1f\x8b" + b"\x00" * 30]
)
def test_false_gzip_to_the_http_emulator_is_400_and_changes_nothing(
    emulator: Emulator, body: bytes
) -> None:
    with emulator.start_server() as running:
        answer = urllib3.request(
            "POST", running.url, body=body, headers={"Content-Encoding": "gzip"}, retries=False
        )
    assert answer.status == 400
    _assert_untouched(emulator)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"-----BEGIN PRIVATE KEY-----\n" + b"A" * (CAP - 100), id="no-end-line"),
        pytest.param(b"-----BEGIN PRIVATE KEY-----\n" * (CAP // 28), id="only-begin-lines"),
    ],
)
def test_a_key_file_whose_pem_block_never_ends(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "hostile.pem"
    path.write_bytes(content)
    tracemalloc.start()
    try:
        with pytest.raises(KeyLoadError, match="no complete PEM block"):
            load_private_key(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * CAP  # the regular expression this replaced needed ~180x
