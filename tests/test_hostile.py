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
from decimal import Decimal
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
from c2p_action.codec import (
    BodyFormat,
    Envelope,
    decode_message,
    decode_request,
    decode_response,
    encode_request,
    from_json,
    to_xml,
)
from c2p_action.codec.xml import MAX_EQUALS, MAX_LIST_ITEMS, MAX_TAGS, MAX_UNKNOWN_NODES
from c2p_action.emulator import Emulator
from c2p_action.emulator.card_token import CardTokenRules
from c2p_action.emulator.funds import (
    BALANCE_PATH,
    WITHDRAW_OPTIONS_PATH,
    WITHDRAW_PATH,
    FundsLedger,
)
from c2p_action.emulator.fx import FxRules
from c2p_action.emulator.recurring import RecurringFamily
from c2p_action.errors import (
    C2PError,
    DecryptionError,
    JsonError,
    KeyLoadError,
    SignatureError,
    TokenFormatError,
    TransportError,
    ValidationError,
    XmlError,
)
from c2p_action.keys import load_private_key
from c2p_action.operations.installments import InstallmentBank
from c2p_action.schemas import (
    BalanceInquiryResponse,
    PaymentProcessResponse,
    WithdrawOptionResponse,
    WithdrawResponse,
)
from c2p_action.transports import TransportRequest, TransportResponse

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
            # Under the size cap, yet deeper than 3.11's JSON recursion limit: 3.11 stops
            # parsing ("not a JSON object"), 3.12+ parses it and the policy refuses the list.
            b'{"alg":"PS256","kid":' + b"[" * 1_400 + b"]" * 1_400 + b"}", None,
            "not a JSON object|parameter 'kid' must be a string",
            id="jws-deeply-nested-json-under-the-cap",
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
# --- the recurring plan and installment roots ------------------------------------------------
# Same attacks, other roots on the same path: the emulator chooses the family by the root
# element, so each must refuse on its own and leave its state untouched; the merchant side
# refuses the same documents as answers.

_PLAN = "156142"


def _recurring_request(body: bytes, prolog: bytes = b"", merchant: bytes = b"JT01") -> bytes:
    return (
        prolog
        + b"<RecurringMaintenanceRequest><version>2.4</version><merchantID>" + merchant
        + b"</merchantID><recurringUniqueID>" + _PLAN.encode()
        + b"</recurringUniqueID><processType>U</processType>" + body
        + b"</RecurringMaintenanceRequest>"
    )


def _ipp_request(body: bytes, prolog: bytes = b"") -> bytes:
    return prolog + b"<IppOptionRequest><merchantID>JT01</merchantID>" + body + (
        b"</IppOptionRequest>"
    )


# (name, request document, message from decode_request, respCode from the emulator)
_FAMILY_REQUEST_CASES = [
    ("recurring-billion-laughs",
     _recurring_request(b"<amount>&lol4;</amount>", _BILLION_LAUGHS_DTD), "DOCTYPE", "02"),
    ("recurring-external-entity",
     _recurring_request(b"<amount>&xxe;</amount>", _XXE_DTD), "DOCTYPE", "02"),
    ("recurring-billion-laughs-in-utf16",
     _utf16(_recurring_request(b"<amount>&lol4;</amount>", _BILLION_LAUGHS_DTD)),
     "DOCTYPE is not allowed", "02"),
    ("recurring-undeclared-entity",
     _recurring_request(b"<amount>&xxe;</amount>"), "malformed XML", "02"),
    ("recurring-deep-nesting", _recurring_request(_DEEP), "malformed XML", "02"),
    ("recurring-wide-attribute-on-unknown-element",
     _recurring_request(_WIDE_ATTRIBUTE), "unexpected element (child", "11"),
    ("recurring-duplicated-amount",
     _recurring_request(b"<amount>000000000100</amount><amount>000000999900</amount>"),
     "amount appears more than once", "11"),
    ("recurring-second-merchant-id",
     _recurring_request(b"").replace(b"</merchantID>", b"</merchantID><merchantID>JT02"
                                     b"</merchantID>", 1),
     "merchantID appears more than once", "03"),
    ("recurring-unknown-process-type",
     _recurring_request(b"").replace(b">U<", b">R<"), "processType is not one of", "17"),
    ("recurring-amount-1e3", _recurring_request(b"<amount>1e3</amount>"), None, "18"),
    ("recurring-amount-NaN", _recurring_request(b"<amount>NaN</amount>"), None, "18"),
    ("recurring-amount-negative", _recurring_request(b"<amount>-99.90</amount>"), None, "18"),
    ("recurring-amount-thirteen-digits",
     _recurring_request(b"<amount>0000000009990</amount>"), None, "11"),
    ("recurring-huge-plan-id",
     _recurring_request(b"").replace(_PLAN.encode(), b"9" * 500_000), None, "11"),
    ("recurring-count-overflow",
     _recurring_request(b"<recurringCount>99999999999999999999</recurringCount>"), None, "11"),
    ("ipp-billion-laughs",
     _ipp_request(b"<timeStamp>&lol4;</timeStamp>", _BILLION_LAUGHS_DTD), "DOCTYPE", "02"),
    ("ipp-deep-nesting", _ipp_request(_DEEP), "malformed XML", "02"),
    ("ipp-wide-attribute-on-unknown-element",
     _ipp_request(_WIDE_ATTRIBUTE), "unexpected element (child", "11"),
    ("ipp-second-merchant-id", _ipp_request(b"<merchantID>JT02</merchantID>"),
     "merchantID appears more than once", "03"),
]


@pytest.fixture
def family_emulator(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
) -> Iterator[Emulator]:
    emu = Emulator(
        gateway_private, {MERCHANT: merchant_public, OTHER_MERCHANT: other_private.public_key()}
    )
    RecurringFamily.of(emu).seed_plan(MERCHANT, _PLAN, "99.90")
    yield emu
    emu.close()


@pytest.mark.parametrize(
    ("document", "message", "code"),
    [pytest.param(c[1], c[2], c[3], id=c[0]) for c in _FAMILY_REQUEST_CASES],
)
def test_hostile_xml_under_the_new_roots(
    family_emulator: Emulator,
    merchant_codec: Codec,
    gateway_codec: Codec,
    document: bytes,
    message: str | None,
    code: str,
) -> None:
    token = merchant_codec.seal(document)
    if message is not None:
        with pytest.raises(XmlError) as caught:
            decode_request(gateway_codec, token)
        assert message in str(caught.value)
    family = RecurringFamily.of(family_emulator)
    before = family.plans()
    answer = family_emulator.handle(wire(token))
    assert answer.status == 200
    # Whichever family answers (a DOCTYPE hides the root, so the payment process family
    # does), it is a sealed, parseable refusal with the expected code.
    assert decode_response(merchant_codec, answer.body).resp_code == code
    assert family.plans() == before


_FAMILY_RESPONSE_CASES = [
    ("recurring-doctype",
     b"<!DOCTYPE r><RecurringMaintenanceResponse><respCode>00</respCode>"
     b"</RecurringMaintenanceResponse>", "DOCTYPE"),
    ("recurring-duplicated-code",
     b"<RecurringMaintenanceResponse><respCode>00</respCode><respCode>16</respCode>"
     b"</RecurringMaintenanceResponse>", "respCode appears more than once"),
    ("recurring-nested-element-in-amount",
     b"<RecurringMaintenanceResponse><amount><x/></amount></RecurringMaintenanceResponse>",
     "amount must not contain elements"),
    ("ipp-deep-nesting",
     b"<IppOptionResponse><ippBanks>" + _DEEP + b"</ippBanks></IppOptionResponse>",
     "malformed XML"),
    ("ipp-unknown-element-in-bins",
     b"<IppOptionResponse><ippBanks><ippBank><bins><x/></bins></ippBank></ippBanks>"
     b"</IppOptionResponse>", "unexpected element (child"),
    ("ipp-element-inside-bin",
     b"<IppOptionResponse><ippBanks><ippBank><bins><bin><b/></bin></bins></ippBank>"
     b"</ippBanks></IppOptionResponse>", "bin must not contain elements"),
    ("ipp-xxe", _XXE_DTD + b"<IppOptionResponse><respReason>&xxe;</respReason>"
     b"</IppOptionResponse>", "DOCTYPE"),
]


@pytest.mark.parametrize(
    ("document", "message"), [pytest.param(c[1], c[2], id=c[0]) for c in _FAMILY_RESPONSE_CASES]
)
def test_hostile_xml_in_sealed_answers_of_the_new_roots(
    merchant_codec: Codec, gateway_codec: Codec, document: bytes, message: str
) -> None:
    with pytest.raises(XmlError) as caught:
        decode_response(merchant_codec, gateway_codec.seal(document))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "attribute",
    [b'minAmount="' + b"9" * 400_000 + b'"', b'merInterestRate="' + b"-" * 400_000 + b'"',
     b'validFrom="' + b"2" * 400_000 + b'"', b'id="' + b"1" * 400_000 + b'"'],
    ids=["huge-min-amount", "rate-of-dashes", "huge-date", "huge-id"],
)
def test_hostile_option_attributes_parse_but_never_pass_as_values(
    merchant_codec: Codec, gateway_codec: Codec, attribute: bytes
) -> None:
    # Answers are read leniently (strings); the typed table refuses what is not a value,
    # and a huge number stays exact rather than being cut or rounded.
    base = {b"id": b"1", b"installmentPeriod": b"6", b"merInterestRate": b"1.0000",
            b"cusInterestRate": b"1.0000", b"minAmount": b"1.00", b"currencyCode": b"SGD",
            b"validFrom": b"2018-02-06", b"validUntil": b"2023-02-01"}
    name = attribute.split(b"=", 1)[0]
    attrs = b" ".join(k + b'="' + v + b'"' for k, v in base.items() if k != name)
    document = (b"<IppOptionResponse><respCode>00</respCode><ippBanks><ippBank><installmentOptions>"
                b"<option " + attrs + b" " + attribute + b"/></installmentOptions></ippBank>"
                b"</ippBanks></IppOptionResponse>")
    response = decode_response(merchant_codec, gateway_codec.seal(document))
    assert response.ipp_banks is not None
    bank = response.ipp_banks.ipp_bank[0]
    if name == b"minAmount":
        (option,) = InstallmentBank.from_model(bank).options
        assert option.min_amount == Decimal("9" * 400_000)
        return
    with pytest.raises(XmlError):
        InstallmentBank.from_model(bank)


def test_a_recurring_request_and_answer_never_cross_roles(
    merchant_codec: Codec, gateway_codec: Codec
) -> None:
    request = _recurring_request(b"")
    with pytest.raises(XmlError, match="root element is not"):
        decode_response(merchant_codec, gateway_codec.seal(request))
    answer = b"<RecurringMaintenanceResponse><respCode>00</respCode></RecurringMaintenanceResponse>"
    with pytest.raises(XmlError, match="root element is not"):
        decode_request(gateway_codec, merchant_codec.seal(answer))
# --- hostile JSON inside signed JWS-only tokens (the funds endpoints) -----------------------

_FUNDS_RESPONSES = {
    "balance": BalanceInquiryResponse,
    "options": WithdrawOptionResponse,
    "withdraw": WithdrawResponse,
}

# (name, JSON body, response model key, message from the merchant's decoder)
_JSON_CASES = [
    ("duplicate-code", b'{"respCode":"99","respCode":"00"}', "balance",
     "'respCode' appears more than once"),
    ("duplicate-balance", b'{"respCode":"00","availableBalance":"1.00",'
     b'"availableBalance":"9999.00","currency":"SGD"}', "balance",
     "'availableBalance' appears more than once"),
    ("duplicate-through-alias", b'{"respCode":"00","withdrawOptionId":3,"withdrawOptionID":4}',
     "withdraw", "withdrawOptionId appears more than once"),
    ("duplicate-inside-an-option", b'{"withdrawOption":[{"feeLower":0.5,"feeLower":50}]}',
     "options", "'feeLower' appears more than once"),
    ("deep-nesting", b'{"respCode":"00","x":' + b"[" * 5_000 + b"]" * 5_000 + b"}", "balance",
     "nested deeper than 32"),
    ("huge-exponent", b'{"respCode":"00","amount":1e999999}', "withdraw",
     "a number beyond 1e40"),
    ("tiny-exponent", b'{"respCode":"00","fee":1e-999999}', "withdraw", "a number beyond 1e40"),
    ("100k-digit-integer", b'{"respCode":"00","withdrawRefNo":' + b"9" * 100_000 + b"}",
     "withdraw", "a number longer than 40 characters"),
    ("nan", b'{"respCode":"00","amount":NaN}', "withdraw", "NaN and Infinity"),
    ("infinity-in-unknown", b'{"respCode":"00","x":-Infinity}', "balance", "NaN and Infinity"),
    ("balance-1e3-string", b'{"respCode":"00","availableBalance":"1e3"}', "balance",
     "not a plain decimal amount"),
    ("amount-as-bool", b'{"respCode":"00","amount":true}', "withdraw",
     "amount is not a number or a string"),
    ("flag-Y", b'{"withdrawOption":[{"feeLowerIsPercentage":"Y"}]}', "options",
     "is not a boolean"),
    ("flag-as-number", b'{"withdrawOption":[{"feeUpperIsPercentage":1}]}', "options",
     "feeUpperIsPercentage is not"),
    ("option-id-float", b'{"respCode":"00","withdrawOptionId":3.5}', "withdraw",
     "not a whole number"),
    ("options-not-a-list", b'{"withdrawOption":"all"}', "options", "is not an array"),
    ("top-level-array", b'[{"respCode":"00"}]', "balance", "the top level is not an object"),
    ("top-level-string", b'"00"', "balance", "the top level is not an object"),
    ("not-utf8", b'{"respDesc":"\xff\xfe"}', "balance", "not UTF-8"),
    ("utf16", '{"respCode":"00"}'.encode("utf-16"), "balance", "not UTF-8"),
    ("lone-surrogate", b'{"respDesc":"\\udc80"}', "balance", "holds a lone surrogate"),
    ("trailing-garbage", b'{"respCode":"00"}<xml/>', "balance", "Extra data"),
    ("xml-instead", RESPONSE_XML, "balance", "Expecting value"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("document", "model", "message"),
    [pytest.param(c[1], c[2], c[3], id=c[0]) for c in _JSON_CASES],
)
def test_hostile_json_in_a_signed_funds_answer(
    merchant_codec: Codec, gateway_codec: Codec, document: bytes, model: str, message: str
) -> None:
    token = gateway_codec.sign(document)
    with pytest.raises(JsonError, match=message) as caught:
        decode_message(
            merchant_codec, token, _FUNDS_RESPONSES[model],
            envelope=Envelope.JWS, body=BodyFormat.JSON,
        )  # fmt: skip
    assert len(str(caught.value)) < 200


_FUNDS_PATHS = (BALANCE_PATH, WITHDRAW_OPTIONS_PATH, WITHDRAW_PATH)


def _funds_post(emulator: Emulator, path: str, token: str) -> TransportResponse:
    url = f"http://emulator.invalid{path}"
    return emulator.handle(TransportRequest(url, token.encode(), {}, 10.0))


@pytest.mark.parametrize("document", [pytest.param(c[1], id=c[0]) for c in _JSON_CASES])
def test_hostile_json_in_a_signed_funds_request_changes_nothing(
    emulator: Emulator, merchant_codec: Codec, document: bytes
) -> None:
    funds = FundsLedger(emulator.ledger)
    funds.set_balance(MERCHANT, "100.00")
    for path in _FUNDS_PATHS:
        answer = _funds_post(emulator, path, merchant_codec.sign(document))
        assert answer.status == 200
        reply = from_json(merchant_codec.verify_payload(answer.body), WithdrawResponse)
        assert reply.resp_code == "02"  # the emulator's own code for an unreadable request
    assert funds.withdrawals() == []
    assert funds.account(MERCHANT) == ("SGD", Decimal("100.00"))


def test_a_withdrawal_naming_the_option_twice_is_refused_not_guessed(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    funds = FundsLedger(emulator.ledger)
    funds.set_balance(MERCHANT, "100.00")
    body = (
        b'{"version":"1.0","merchantID":"' + MERCHANT.encode()
        + b'","withdrawOptionID":3,"withdrawOptionId":5,"amount":10}'
    )  # fmt: skip
    answer = _funds_post(emulator, WITHDRAW_PATH, merchant_codec.sign(body))
    assert from_json(merchant_codec.verify_payload(answer.body), WithdrawResponse).resp_code == "02"
    assert funds.withdrawals() == []


def test_a_funds_answer_signed_by_another_key_is_never_parsed(
    merchant_codec: Codec, other_private: rsa.RSAPrivateKey
) -> None:
    forged = Codec(other_private, merchant_codec.own_keys[0].public_key()).sign(
        b'{"respCode":"00","availableBalance":"1000000.00","currency":"SGD"}'
    )
    with pytest.raises(SignatureError):
        decode_message(merchant_codec, forged, BalanceInquiryResponse,
                       envelope=Envelope.JWS, body=BodyFormat.JSON)  # fmt: skip


# --- the card token and FX roots (issue 13) ---------------------------------------------------

_CARD_OK = (
    b"<version>2.3</version><merchantID>" + MERCHANT.encode() + b"</merchantID>"
    b"<storeCardUniqueID></storeCardUniqueID><pan>4111111111111111</pan>"
    b"<cardholderName>T</cardholderName><panExpiry>1230</panExpiry>"
)


def _card(body: bytes, prolog: bytes = b"", action: bytes = b"A") -> bytes:
    return (prolog + b"<MaintenanceRequest>" + body + b"<action>" + action + b"</action>"
            b"</MaintenanceRequest>")


def _fx(root: bytes, body: bytes) -> bytes:
    return (b"<" + root + b"><version>2.1</version><merchantID>" + MERCHANT.encode()
            + b"</merchantID>" + body + b"</" + root + b">")


# (name, sealed request document, code the emulator answers). Documents whose root element
# cannot be read (a DOCTYPE, a namespace) never reach the family: the core answers them.
_cardfx_FAMILY_REQUEST_CASES = [
    ("card-doctype", _card(_CARD_OK, b"<!DOCTYPE MaintenanceRequest>"), "02"),
    ("card-billion-laughs",
     _card(_CARD_OK.replace(b"<cardholderName>T", b"<cardholderName>&lol4;"),
           _BILLION_LAUGHS_DTD), "02"),
    ("card-external-entity",
     _card(_CARD_OK.replace(b"<cardholderName>T", b"<cardholderName>&xxe;"), _XXE_DTD), "02"),
    ("card-undeclared-entity",
     _card(_CARD_OK.replace(b"<cardholderName>T", b"<cardholderName>&xxe;")), "02"),
    ("card-deep-nesting", _card(_CARD_OK + _DEEP), "02"),
    ("card-duplicated-pan", _card(_CARD_OK + b"<pan>5555555555554444</pan>"), "02"),
    ("card-luhn", _card(_CARD_OK.replace(b"4111111111111111", b"4111111111111112")), "02"),
    ("card-pan-20-digits", _card(_CARD_OK.replace(b"4111111111111111", b"4" * 20)), "02"),
    ("card-pan-with-markup", _card(_CARD_OK.replace(b"4111111111111111", b"<b>4</b>")), "02"),
    ("card-expiry-month-13", _card(_CARD_OK.replace(b">1230<", b">1330<")), "02"),
    ("card-unknown-action", _card(_CARD_OK, action=b"X"), "02"),
    ("card-huge-token",
     _card(_CARD_OK.replace(b"<storeCardUniqueID></storeCardUniqueID>",
                            b"<storeCardUniqueID>" + b"9" * 5000 + b"</storeCardUniqueID>")),
     "11"),
    ("card-huge-time-stamp",
     _card(_CARD_OK.replace(b"</version>",
                            b"</version><timeStamp>" + b"1" * 100 + b"</timeStamp>")),
     "11"),
    ("card-other-merchant", _card(_CARD_OK.replace(MERCHANT.encode(), OTHER_MERCHANT.encode())),
     "03"),
    ("card-namespaced-root",
     _card(_CARD_OK).replace(b"<MaintenanceRequest>", b'<MaintenanceRequest xmlns="urn:e">'),
     "02"),
    ("fx-list-without-hash", _fx(b"FxRateListRequest", b""), "02"),
    ("fx-list-wrong-hash", _fx(b"FxRateListRequest", b"<hashValue>00</hashValue>"), "13"),
    ("fx-duplicated-currency",
     _fx(b"FxRateRequest", b"<currency>702</currency><currency>840</currency>"), "02"),
    ("fx-four-digit-currency", _fx(b"FxRateRequest", b"<currency>7020</currency>"), "11"),
    ("fx-doctype", b"<!DOCTYPE r>" + _fx(b"FxRateRequest", b"<currency>702</currency>"), "02"),
]


@pytest.fixture
def card_fx_emulator(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
) -> Iterator[Emulator]:
    emu = Emulator(
        gateway_private,
        {MERCHANT: merchant_public, OTHER_MERCHANT: other_private.public_key()},
        families=[CardTokenRules(), FxRules(secret_keys={MERCHANT: "k"})],
    )
    yield emu
    emu.close()


@pytest.mark.parametrize(
    ("document", "code"), [pytest.param(c[1], c[2], id=c[0]) for c in _cardfx_FAMILY_REQUEST_CASES]
)
def test_hostile_card_and_fx_requests_get_a_sealed_refusal_and_store_nothing(
    card_fx_emulator: Emulator, merchant_codec: Codec, document: bytes, code: str
) -> None:
    answer = card_fx_emulator.handle(wire(merchant_codec.seal(document)))
    assert answer.status == 200
    response = decode_response(merchant_codec, answer.body)  # whichever root answered
    assert (getattr(response, "resp_code", None) or response.response_code) == code
    cards = card_fx_emulator.families["card_tokens"]
    assert isinstance(cards, CardTokenRules)
    assert cards.cards() == []


# (name, sealed answer, the model the client expects, message of the XmlError)
_cardfx_FAMILY_RESPONSE_CASES = [
    ("card-doctype", b"<!DOCTYPE r><MaintenanceResponse/>", "MaintenanceResponse", "DOCTYPE"),
    ("card-duplicated-code",
     b"<MaintenanceResponse><respCode>00</respCode><respCode>01</respCode></MaintenanceResponse>",
     "MaintenanceResponse", "respCode appears more than once"),
    ("card-request-reflected",
     b"<MaintenanceRequest><merchantID>JT01</merchantID><action>A</action></MaintenanceRequest>",
     "MaintenanceResponse", "root element is not MaintenanceResponse (got MaintenanceRequest)"),
    ("fx-rate-exponent",
     b"<FxRateResponse><fxRate>1e3</fxRate></FxRateResponse>", "FxRateResponse",
     "fxRate is not a plain decimal amount"),
    ("fx-rate-eight-decimals",
     b"<FxRateResponse><fxRate>1.00000001</fxRate></FxRateResponse>", "FxRateResponse",
     "fxRate has more than 7 decimal places"),
    ("fx-rate-negative",
     b"<FxRateResponse><fxRate>-1.0</fxRate></FxRateResponse>", "FxRateResponse",
     "fxRate is not a plain decimal amount"),
    ("fx-list-item-nan",
     b"<FxRateListResponse><currencyList><currency><fxRate>NaN</fxRate></currency>"
     b"</currencyList></FxRateListResponse>", "FxRateListResponse",
     "currencyList.currency.fxRate is not a plain decimal amount"),
    ("fx-list-billion-laughs",
     _BILLION_LAUGHS_DTD + b"<FxRateListResponse><respReason>&lol4;</respReason>"
     b"</FxRateListResponse>", "FxRateListResponse", "DOCTYPE"),
]


@pytest.mark.parametrize(
    ("document", "model", "message"),
    [pytest.param(c[1], c[2], c[3], id=c[0]) for c in _cardfx_FAMILY_RESPONSE_CASES],
)
def test_hostile_card_and_fx_answers_raise_xml_errors(
    merchant_codec: Codec, gateway_codec: Codec, document: bytes, model: str, message: str
) -> None:
    from c2p_action import schemas

    with pytest.raises(XmlError) as caught:
        decode_response(merchant_codec, gateway_codec.seal(document), getattr(schemas, model))
    assert message in str(caught.value)


# --- customer tokens and FPX agent status: JSON in sealed tokens (issue 13) -------------------

from c2p_action.emulator.agent_status import AgentStatusRules as _PgwAgentRules  # noqa: E402
from c2p_action.emulator.customer_token import PATHS as _PGW_TOKEN_PATHS  # noqa: E402
from c2p_action.emulator.customer_token import CustomerTokenRules as _PgwTokenRules  # noqa: E402
from c2p_action.schemas import AgentStatusResponse as _PgwAgentResponse  # noqa: E402
from c2p_action.schemas import CustomerTokenResponse as _PgwTokenResponse  # noqa: E402

_PGW_PAN = b"4111111111111111"
_PGW_ADD = (b'"merchantID":"' + MERCHANT.encode() + b'","accountNo":"' + _PGW_PAN
            + b'","name":"T","expiry":"2030-12-31","tokenProvider":"CC"')  # fmt: skip
_PGW_RESPONSES = {"token": _PgwTokenResponse, "agents": _PgwAgentResponse}

# (name, sealed answer, model key, message of the JsonError): never quoting card data.
_pgw_ANSWER_CASES = [
    ("token-duplicate-code", b'{"responseCode":"9999","responseCode":"0000"}', "token",
     "'responseCode' appears more than once"),
    ("token-duplicate-token", b'{"responseCode":"0000","token":"1","token":"2"}', "token",
     "'token' appears more than once"),
    ("token-full-pan-failing-luhn", b'{"accountNo":"4111111111111112"}', "token",
     "accountNo is not a card number, full or masked"),
    ("token-eleven-digits-shown", b'{"accountNo":"4111111XXXXX1111"}', "token",
     "accountNo is not a card number, full or masked"),
    ("token-pan-as-number", b'{"accountNo":4111111111111111}', "token",
     "accountNo is not a string"),
    ("token-pan-as-object", b'{"accountNo":{"pan":"4111111111111111"}}', "token",
     "accountNo is not a string"),
    ("token-expiry-30-february", b'{"expiry":"2024-02-30"}', "token",
     "expiry is not a card expiry date"),
    ("token-expiry-as-list", b'{"expiry":["2024-02-29"]}', "token", "expiry is not a string"),
    ("token-code-as-number", b'{"responseCode":0}', "token", "responseCode is not a string"),
    ("token-deep-unknown", b'{"responseCode":"0000","x":' + b"[" * 5_000 + b"]" * 5_000 + b"}",
     "token", "nested deeper than 32"),
    ("token-huge-exponent", b'{"responseCode":"0000","x":1e999999}', "token",
     "a number beyond 1e40"),
    ("token-nan", b'{"responseCode":"0000","x":NaN}', "token", "NaN and Infinity"),
    ("token-lone-surrogate", b'{"responseDesc":"\\udc80"}', "token", "holds a lone surrogate"),
    ("token-not-utf8", b'{"name":"\xff"}', "token", "not UTF-8"),
    ("token-top-level-array", b'[{"responseCode":"0000"}]', "token",
     "the top level is not an object"),
    ("agents-not-an-array", b'{"agents":{"agentCode":"MYMBB","isDown":true}}', "agents",
     "agents is not an array"),
    ("agents-null-item", b'{"agents":[null]}', "agents", r"agents[0] is null"),
    ("agents-down-as-text", b'{"agents":[{"agentCode":"MYMBB","isDown":"true"}]}', "agents",
     "isDown is not true or false"),
    ("agents-down-as-1", b'{"agents":[{"agentCode":"MYMBB","isDown":1}]}', "agents",
     "isDown is not true or false"),
    ("agents-code-as-number", b'{"agents":[{"agentCode":1,"isDown":true}]}', "agents",
     "agentCode is not a string"),
    ("agents-duplicate-down", b'{"agents":[{"agentCode":"A","isDown":false,"isDown":true}]}',
     "agents", "'isDown' appears more than once"),
    ("agents-too-many", b'{"agents":[' + b",".join([b'{"agentCode":"A","isDown":true}'] * 9_000)
     + b"]}", "agents", "more than 25000"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("document", "model", "message"),
    [pytest.param(c[1], c[2], c[3], id=c[0]) for c in _pgw_ANSWER_CASES],
)
def test_hostile_json_in_a_sealed_customer_token_or_agent_answer(
    merchant_codec: Codec, gateway_codec: Codec, document: bytes, model: str, message: str
) -> None:
    with pytest.raises(JsonError) as caught:
        decode_message(
            merchant_codec, gateway_codec.seal(document), _PGW_RESPONSES[model],
            envelope=Envelope.NESTED, body=BodyFormat.JSON,
        )  # fmt: skip
    assert message in str(caught.value)
    assert len(str(caught.value)) < 200
    assert "4111111" not in str(caught.value)
    assert "2024-02" not in str(caught.value)


# (name, sealed request body, the emulator's code): the customer-token paths store nothing.
_pgw_TOKEN_REQUEST_CASES = [
    ("duplicate-pan", b"{" + _PGW_ADD + b',"accountNo":"5555555555554444"}', "9001"),
    ("pan-failing-luhn", b"{" + _PGW_ADD.replace(_PGW_PAN, b"4111111111111112") + b"}", "9001"),
    ("pan-masked", b"{" + _PGW_ADD.replace(_PGW_PAN, b"411111XXXXXX1111") + b"}", "9001"),
    ("pan-20-digits", b"{" + _PGW_ADD.replace(_PGW_PAN, b"4" * 20) + b"}", "9001"),
    ("pan-as-number", b"{" + _PGW_ADD.replace(b'"' + _PGW_PAN + b'"', _PGW_PAN) + b"}", "9001"),
    ("expiry-month-13", b"{" + _PGW_ADD.replace(b"2030-12-31", b"2030-13-31") + b"}", "9001"),
    ("name-5000", b"{" + _PGW_ADD.replace(b'"name":"T"', b'"name":"' + b"N" * 5000 + b'"') + b"}",
     "9001"),
    ("token-provider-twice", b"{" + _PGW_ADD + b',"tokenProvider":"MA"}', "9001"),
    ("deep-unknown", b"{" + _PGW_ADD + b',"x":' + b"[" * 5000 + b"]" * 5000 + b"}", "9001"),
    ("nan", b"{" + _PGW_ADD + b',"x":NaN}', "9001"),
    ("lone-surrogate-name", b"{" + _PGW_ADD.replace(b'"name":"T"', b'"name":"\\ud800"') + b"}",
     "9001"),
    ("top-level-array", b"[{" + _PGW_ADD + b"}]", "9001"),
    ("xml", b"<CustomerToken/>", "9001"),
    ("utf16", ("{" + _PGW_ADD.decode() + "}").encode("utf-16"), "9001"),
    ("other-merchant", b"{" + _PGW_ADD.replace(MERCHANT.encode(), OTHER_MERCHANT.encode()) + b"}",
     "9003"),
]  # fmt: skip


@pytest.fixture
def pgw_emulator(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
) -> Iterator[Emulator]:
    emu = Emulator(
        gateway_private,
        {MERCHANT: merchant_public, OTHER_MERCHANT: other_private.public_key()},
        families=[_PgwTokenRules(), _PgwAgentRules()],
    )
    yield emu
    emu.close()


def _pgw_post(emulator: Emulator, codec: Codec, path: str, document: bytes) -> TransportResponse:
    return emulator.handle(
        TransportRequest(f"http://emulator.invalid{path}", codec.seal(document).encode(), {}, 10.0)
    )


@pytest.mark.parametrize(
    ("document", "code"), [pytest.param(c[1], c[2], id=c[0]) for c in _pgw_TOKEN_REQUEST_CASES]
)
def test_hostile_customer_token_requests_get_a_sealed_refusal_and_store_nothing(
    pgw_emulator: Emulator, merchant_codec: Codec, document: bytes, code: str
) -> None:
    tokens = pgw_emulator.families["customer_tokens"]
    assert isinstance(tokens, _PgwTokenRules)
    for path in _PGW_TOKEN_PATHS.values():
        answer = _pgw_post(pgw_emulator, merchant_codec, path, document)
        assert answer.status == 200
        reply = from_json(merchant_codec.open(answer.body), _PgwTokenResponse)
        expected = code if path.endswith("/add") else "9001"
        if code == "9003" and not path.endswith("/add"):
            expected = "9001"  # the other paths refuse an add's body before the merchant
        assert reply.response_code == expected, path
    assert tokens.tokens() == []


_pgw_AGENT_REQUEST_CASES = [
    ("codes-not-a-list", b'{"merchantID":"JT01","agentCodes":"MYMBB"}', "9001"),
    ("code-as-number", b'{"merchantID":"JT01","agentCodes":[1]}', "9001"),
    ("code-null", b'{"merchantID":"JT01","agentCodes":[null]}', "9001"),
    ("code-26-chars", b'{"merchantID":"JT01","agentCodes":["' + b"A" * 26 + b'"]}', "9001"),
    ("codes-twice", b'{"merchantID":"JT01","agentCodes":["A"],"agentCodes":["B"]}', "9001"),
    ("five-thousand-codes", b'{"merchantID":"JT01","agentCodes":['
     + b",".join(b'"A%d"' % n for n in range(5000)) + b"]}", "9004"),
    ("deep-unknown", b'{"merchantID":"JT01","agentCodes":["A"],"x":' + b"[" * 5000
     + b"]" * 5000 + b"}", "9001"),
    ("other-merchant", b'{"merchantID":"JT02","agentCodes":["MYMBB"]}', "9003"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("document", "code"), [pytest.param(c[1], c[2], id=c[0]) for c in _pgw_AGENT_REQUEST_CASES]
)
def test_hostile_agent_status_requests_get_a_sealed_refusal(
    pgw_emulator: Emulator, merchant_codec: Codec, document: bytes, code: str
) -> None:
    agents = pgw_emulator.families["agent_status"]
    assert isinstance(agents, _PgwAgentRules)
    before = agents.agents()
    answer = _pgw_post(pgw_emulator, merchant_codec, "/AgentStatus/v1/Inquiry", document)
    assert answer.status == 200
    reply = from_json(merchant_codec.open(answer.body), _PgwAgentResponse)
    assert (reply.resp_code, reply.agents) == (code, [])
    assert agents.agents() == before


def test_a_customer_token_request_signed_only_is_refused_at_the_http_level(
    pgw_emulator: Emulator, merchant_codec: Codec
) -> None:
    # The nested paths take no JWS-only token (the funds envelope): nothing is parsed.
    body = merchant_codec.sign(b"{" + _PGW_ADD + b"}").encode()
    answer = pgw_emulator.handle(
        TransportRequest("http://emulator.invalid" + _PGW_TOKEN_PATHS["add"], body, {}, 10.0)
    )
    assert answer.status == 400
    tokens = pgw_emulator.families["customer_tokens"]
    assert isinstance(tokens, _PgwTokenRules)
    assert tokens.tokens() == []
