"""Fuzz targets for every entry point that takes bytes from outside, bounded for CI.

Each target feeds generated and mutated input and lets nothing but a ``C2PError`` escape: any
other exception fails the test. The default budgets keep the whole file to seconds; set
``C2P_FUZZ_EXAMPLES`` (e.g. ``100000``) to give every target that many examples instead
(see SECURITY.md). The last test bounds memory: a batch of maximum-size hostile inputs must
not leave the Python heap larger than the token size cap.

Beyond the codec: key files (PEM framing, DER headers), the XML reader right at its memory
limits, and both transports against answers a hostile gateway scripts (status lines, headers,
false gzip, bodies, each cut and delayed at random) that must end by the deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import json
import os
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from _emulator_support import MERCHANT, wire
from _forge import b64, encrypt, nested, sign
from _slow_server import scripted_server
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from c2p_action import Codec, inspect
from c2p_action.codec import decode_response, from_json, from_xml
from c2p_action.codec.xml import MAX_EQUALS, MAX_LIST_ITEMS, MAX_TAGS, MAX_UNKNOWN_NODES
from c2p_action.emulator import Emulator, Faults, Trigger
from c2p_action.emulator.funds import BALANCE_PATH, WITHDRAW_OPTIONS_PATH, WITHDRAW_PATH
from c2p_action.errors import C2PError, TransportError
from c2p_action.keys import load_private_key, load_public_key
from c2p_action.notifications import FORM_FIELD, parse_notification
from c2p_action.schemas import (
    BalanceInquiryRequest,
    BalanceInquiryResponse,
    PaymentProcessRequest,
    PaymentProcessResponse,
    WithdrawOptionRequest,
    WithdrawOptionResponse,
    WithdrawRequest,
    WithdrawResponse,
)
from c2p_action.transports._aiohttp import AiohttpTransport
from c2p_action.transports._urllib3 import Urllib3Transport
from c2p_action.transports.base import TransportRequest, TransportResponse

_OVERRIDE = int(os.environ.get("C2P_FUZZ_EXAMPLES", "0"))
CAP = 1 << 20


def budget(examples: int) -> settings:
    """``examples`` in CI, or ``C2P_FUZZ_EXAMPLES`` when set; never a deadline (RSA varies)."""
    return settings(
        max_examples=_OVERRIDE or examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --- strategies: tokens ---------------------------------------------------------------------

_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_HEADER_NAMES = st.sampled_from(["alg", "enc", "typ", "kid", "zip", "crit", "jku", "b64", "cty"])
_HEADER_VALUES = st.one_of(
    st.sampled_from(["PS256", "RS256", "HS256", "none", "RSA-OAEP", "RSA1_5", "A256GCM", "JWT"]),
    st.text(max_size=8),
    st.integers(),
    st.floats(allow_nan=True),
    st.none(),
    st.booleans(),
    st.lists(st.text(max_size=4), max_size=3),
)
_json_header = st.dictionaries(_HEADER_NAMES | st.text(max_size=4), _HEADER_VALUES, max_size=5).map(
    lambda header: json.dumps(header).encode()
)
_raw_header = st.one_of(
    _json_header,
    st.binary(max_size=40),
    st.sampled_from([b"[]", b"null", b'{"alg":"PS256","alg":"none"}', b"{" * 50, b'"PS256"']),
)
_segment = st.one_of(
    _raw_header.map(b64),
    st.binary(max_size=300).map(b64),
    st.text(alphabet=_B64_ALPHABET, max_size=60),
    st.text(max_size=20),
)
_compact = st.lists(_segment, max_size=7).map(".".join)
_nested_unsigned = st.tuples(_raw_header, st.lists(_segment, max_size=6), _segment).map(
    lambda parts: ".".join((b64(parts[0]), b64(".".join(parts[1]).encode("utf-8")), parts[2]))
)
any_token = st.one_of(st.text(max_size=300), st.binary(max_size=300), _compact, _nested_unsigned)


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply (position, kind, bytes) edits: 0 replaces, 1 inserts, 2 deletes."""
    out = bytearray(data)
    for position, kind, chunk in edits:
        at = position % (len(out) + 1)
        if kind == 0:
            out[at : at + len(chunk)] = chunk
        elif kind == 1:
            out[at:at] = chunk
        else:
            del out[at : at + len(chunk) + 1]
    return bytes(out)


_edits = st.lists(
    st.tuples(st.integers(0, 1 << 16), st.integers(0, 2), st.binary(min_size=1, max_size=6)),
    min_size=1,
    max_size=4,
)


# --- strategies: XML ------------------------------------------------------------------------

_ELEMENT_NAMES = st.sampled_from(
    [
        "version", "timeStamp", "merchantID", "processType", "invoiceNo", "actionAmount",
        "respCode", "respDesc", "amount", "status", "notes", "accountNumber", "idempotencyID",
        "userDefined1", "refundList", "refund", "subMerchantList", "subMerchant",
        "loyaltyPayments", "loyaltyRefund", "refundRewards", "reward", "x", "a:b",
    ]
)
_ATTRIBUTE_NAMES = st.sampled_from(
    ["amount", "status", "referenceNo", "dateTime", "subMID", "subAmount", "type", "quantity", "z"]
)
_XML_TEXT = st.one_of(
    st.sampled_from(
        [
            "25.00", "1e3", "NaN", "-0.00", "25.001", "0", "99999999.99", "123456789.00",
            " 1.00 ", "R", "RS", "I", "X", "00", "JT01", "&amp;", "&lt;", "&#0;", "&#x41;", "&x;",
            "]]>", "<![CDATA[1.00]]>",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="<&"), max_size=12),
)
_attributes = st.dictionaries(_ATTRIBUTE_NAMES, _XML_TEXT, max_size=3).map(
    lambda attrs: "".join(f' {k}="{v.replace(chr(34), "")}"' for k, v in attrs.items())
)
_leaf = st.tuples(_ELEMENT_NAMES, _attributes, _XML_TEXT).map(
    lambda t: f"<{t[0]}{t[1]}>{t[2]}</{t[0]}>"
)
_element = st.recursive(
    _leaf,
    lambda children: st.tuples(_ELEMENT_NAMES, _attributes, st.lists(children, max_size=4)).map(
        lambda t: f"<{t[0]}{t[1]}>{''.join(t[2])}</{t[0]}>"
    ),
    max_leaves=16,
)
_PROLOGS = st.sampled_from(
    [
        "",
        '<?xml version="1.0"?>',
        '<?xml version="1.0" encoding="ISO-8859-1"?>',
        '<?xml version="1.1"?>',
        "<!DOCTYPE r>",
        '<!DOCTYPE r [<!ENTITY e "x">]>',
        "<!-- c -->",
        "<?pi x?>",
    ]
)
_generated_xml = st.tuples(
    _PROLOGS,
    st.sampled_from(["PaymentProcessRequest", "PaymentProcessResponse", "x"]),
    st.lists(_element, max_size=10),
).map(lambda t: f"{t[0]}<{t[1]}>{''.join(t[2])}</{t[1]}>".encode())

_SAMPLES = [
    b"<PaymentProcessRequest><version>3.8</version><merchantID>JT01</merchantID>"
    b"<processType>R</processType><invoiceNo>INV-F</invoiceNo><actionAmount>10.00</actionAmount>"
    b"<subMerchantList><subMerchant subMID='S1' subAmount='10.00'/></subMerchantList>"
    b"<idempotencyID>k-1</idempotencyID></PaymentProcessRequest>",
    b"<PaymentProcessResponse><version>3.8</version><respCode>00</respCode>"
    b"<respDesc>Success</respDesc><processType>RS</processType><invoiceNo>INV-F</invoiceNo>"
    b"<amount>25.00</amount><status>RF</status><refundList><refund amount='5.00' status='RF'"
    b" referenceNo='7000001' dateTime='20250101000000'/></refundList><extra a='1'>t</extra>"
    b"</PaymentProcessResponse>",
]
_mutated_xml = st.tuples(st.sampled_from(_SAMPLES), _edits).map(lambda t: _mutate(*t))
_encoded_xml = _generated_xml.map(lambda doc: doc.decode().encode("utf-16"))
any_xml = st.one_of(_generated_xml, _mutated_xml, _encoded_xml, st.binary(max_size=200))


# --- targets --------------------------------------------------------------------------------


def _only_library_errors(call: Callable[[], object]) -> None:
    # Any exception that is not a C2PError propagates and fails the test.
    with contextlib.suppress(C2PError):
        call()


@budget(500)
@given(token=any_token)
def test_fuzz_inspect(token: str | bytes) -> None:
    _only_library_errors(lambda: inspect(token))


@budget(400)
@given(token=any_token)
def test_fuzz_open_and_verify_unsigned(merchant_codec: Codec, token: str | bytes) -> None:
    with pytest.raises(C2PError):
        merchant_codec.open(token)
    with pytest.raises(C2PError):
        merchant_codec.verify(token)


@budget(300)
@given(header=_raw_header, inner=st.lists(_segment, max_size=7))
def test_fuzz_open_past_a_valid_signature(
    merchant_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    header: bytes,
    inner: list[str],
) -> None:
    # Everything after the signature check, reached with garbage the gateway really signed.
    token = sign(".".join(inner), gateway_private, header=header or b'{"alg":"PS256"}')
    _only_library_errors(lambda: merchant_codec.verify(token))
    _only_library_errors(lambda: merchant_codec.open(token))


@budget(300)
@given(jwe_header=_raw_header, plaintext=st.binary(max_size=64), edits=_edits | st.just([]))
def test_fuzz_open_signed_and_encrypted_with_odd_headers(
    merchant_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    jwe_header: bytes,
    plaintext: bytes,
    edits: list[tuple[int, int, bytes]],
) -> None:
    token = nested(plaintext, gateway_private, merchant_public, jwe_header=jwe_header)
    _only_library_errors(lambda: merchant_codec.open(_mutate(token.encode(), edits)))


@pytest.mark.slow
@budget(300)
@given(document=any_xml)
def test_fuzz_from_xml_request(document: bytes) -> None:
    _only_library_errors(lambda: from_xml(document, PaymentProcessRequest))


@pytest.mark.slow
@budget(300)
@given(document=any_xml)
def test_fuzz_from_xml_response(document: bytes) -> None:
    _only_library_errors(lambda: from_xml(document, PaymentProcessResponse))


@pytest.mark.slow
@budget(250)
@given(document=any_xml)
def test_fuzz_decode_response_of_sealed_xml(
    merchant_codec: Codec, gateway_codec: Codec, document: bytes
) -> None:
    _only_library_errors(lambda: decode_response(merchant_codec, gateway_codec.seal(document)))


@pytest.fixture(scope="module")
def notification_token(gateway_codec: Codec) -> bytes:
    return gateway_codec.seal(_SAMPLES[1]).encode()


_CONTENT_TYPES = st.sampled_from(
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8",
        "multipart/form-data; boundary=x",
        "",
        ";;",
    ]
)
_form_junk = st.lists(
    st.tuples(st.sampled_from([FORM_FIELD, "x", "", "notifyresponse"]), st.text(max_size=20)),
    max_size=20,
)


@budget(300)
@given(
    shape=st.integers(0, 3),
    edits=_edits | st.just([]),
    junk=_form_junk,
    raw=st.binary(max_size=200),
    content_type=_CONTENT_TYPES,
)
def test_fuzz_parse_notification(
    merchant_codec: Codec,
    notification_token: bytes,
    shape: int,
    edits: list[tuple[int, int, bytes]],
    junk: list[tuple[str, str]],
    raw: bytes,
    content_type: str | None,
) -> None:
    token = _mutate(notification_token, edits) if edits else notification_token
    form = "&".join(f"{quote(k)}={quote(v)}" for k, v in junk).encode()
    body = [
        token,  # raw body
        FORM_FIELD.encode() + b"=" + token,  # form, detected by shape
        form + b"&" + FORM_FIELD.encode() + b"=" + token,  # form with other fields
        raw if not junk else form,  # garbage or a form without a usable token
    ][shape]
    _only_library_errors(lambda: parse_notification(merchant_codec, body, content_type))


@pytest.fixture(scope="module")
def quiet_emulator(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[Emulator]:
    emulator = Emulator(gateway_private, {MERCHANT: merchant_public})
    emulator.seed("INV-F", "100.00", status="S")
    yield emulator
    emulator.close()


@pytest.fixture(scope="module")
def faulty_emulator(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[Emulator]:
    faults = Faults(
        error_before=Trigger(0.2),
        drop_after_commit=Trigger(0.2),
        corrupt_response=Trigger(0.2),
        seed=7,
    )
    emulator = Emulator(gateway_private, {MERCHANT: merchant_public}, faults=faults)
    emulator.seed("INV-F", "100.00", status="S")
    yield emulator
    emulator.close()


_request_bodies = st.one_of(
    st.tuples(st.just("sealed"), any_xml),
    st.tuples(st.just("raw"), any_token.map(lambda t: t if isinstance(t, bytes) else t.encode())),
)


def _body(merchant_codec: Codec, kind: str, data: bytes) -> bytes:
    return merchant_codec.seal(data).encode() if kind == "sealed" else data


@pytest.mark.slow
@budget(250)
@given(request=_request_bodies)
def test_fuzz_emulator_handle_answers_every_signed_request(
    quiet_emulator: Emulator, merchant_codec: Codec, request: tuple[str, bytes]
) -> None:
    kind, data = request
    answer = quiet_emulator.handle(wire(_body(merchant_codec, kind, data)))
    assert isinstance(answer, TransportResponse)
    if kind == "sealed":
        # Signed by a registered merchant: always a sealed answer that verifies and parses.
        assert answer.status == 200
        assert decode_response(merchant_codec, answer.body).resp_code
    else:
        assert answer.status in (200, 400, 401)


@pytest.mark.slow
@budget(200)
@given(request=_request_bodies)
def test_fuzz_emulator_handle_with_faults(
    faulty_emulator: Emulator, merchant_codec: Codec, request: tuple[str, bytes]
) -> None:
    kind, data = request
    try:
        answer = faulty_emulator.handle(wire(_body(merchant_codec, kind, data)))
    except TransportError:
        return  # the drop_after_commit fault, as a real transport would report it
    assert isinstance(answer, TransportResponse)
    assert answer.status in (200, 400, 401, 503)
    if answer.status == 200:
        _only_library_errors(lambda: decode_response(merchant_codec, answer.body))


# --- the XML reader's limits: wide, deep and many-attribute shapes ----------------------------

_SHAPES: dict[str, Callable[[int], bytes]] = {
    "siblings": lambda n: b"<u/>" * n,
    "children": lambda n: b"<u>" + b"<v/>" * n + b"</u>",
    "nesting": lambda n: (b"<a>" * 200 + b"</a>" * 200) * max(1, n // 200),
    "attributes": lambda n: b"<u " + b" ".join(b"a%d=''" % i for i in range(n)) + b"/>",
    "refunds": lambda n: b"<refundList>" + b"<refund amount='1.00'/>" * n + b"</refundList>",
    "text": lambda n: b"<u>" + b"t" * (n * 40) + b"</u>",
}
_near_limits = st.tuples(
    st.sampled_from(sorted(_SHAPES)),
    st.sampled_from([MAX_UNKNOWN_NODES, MAX_LIST_ITEMS, MAX_TAGS, MAX_EQUALS]),
    st.integers(-3, 3),
)


@budget(60)
@given(shape=_near_limits, which=st.sampled_from([PaymentProcessResponse, PaymentProcessRequest]))
def test_fuzz_from_xml_of_wide_and_deep_shapes(
    shape: tuple[str, int, int], which: type[Any]
) -> None:
    # Right at and around each bound of the reader: only XmlError, and a bounded heap.
    name, limit, offset = shape
    root = which.__name__.encode()
    document = b"<%s><respCode>00</respCode>%s</%s>" % (root, _SHAPES[name](limit + offset), root)
    tracemalloc.start()
    try:
        _only_library_errors(lambda: from_xml(document, which))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * CAP


# --- key files ------------------------------------------------------------------------------

_LABEL = st.sampled_from(
    ["PRIVATE KEY", "RSA PRIVATE KEY", "PUBLIC KEY", "CERTIFICATE", "ENCRYPTED PRIVATE KEY", "X"]
)
_pem_line = st.one_of(
    _LABEL.map(lambda label: f"-----BEGIN {label}-----\n".encode()),
    _LABEL.map(lambda label: f"-----END {label}-----\n".encode()),
    st.text(alphabet=_B64_ALPHABET + "+/=", max_size=64).map(lambda t: t.encode() + b"\n"),
    st.sampled_from([b"-----", b"----", b"-----BEGIN ", b"Proc-Type: 4,ENCRYPTED\n", b"\r\n"]),
    st.binary(max_size=20),
)
_key_files = st.one_of(
    st.lists(_pem_line, max_size=30).map(b"".join),
    st.tuples(_pem_line, st.integers(1, 20_000)).map(lambda t: t[0] * t[1]),  # repeated lines
    st.binary(max_size=400),
    st.tuples(st.sampled_from([b"\x30\x82", b"\x30\x84\xff\xff", b"\x30\x80"]), st.binary())
    .map(b"".join),
)


@budget(300)
@given(content=_key_files, password=st.sampled_from([None, "pw", ""]))
def test_fuzz_key_loading(content: bytes, password: str | None) -> None:
    _only_library_errors(lambda: load_private_key(content, password))
    _only_library_errors(lambda: load_public_key(content, password))


# --- transports against answers a hostile gateway scripts -----------------------------------

_STATUS_LINES = st.sampled_from(
    [
        b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 503 Busy\r\n", b"HTTP/1.0 200 OK\r\n",
        b"HTTP/1.1 200\r\n", b"HTTP/1.1 999 Odd\r\n", b"HTTP/2 200\r\n", b"HTTP/1.1 OK\r\n",
        b"ICY 200 OK\r\n", b"HTTP/1.1 200 OK\n", b"", b"\r\n",
    ]
)  # fmt: skip
_ANSWER_HEADERS = st.lists(
    st.sampled_from(
        [
            b"Content-Length: 5\r\n", b"Content-Length: 99999999\r\n", b"Content-Length: -1\r\n",
            b"Content-Length: 5\r\nContent-Length: 6\r\n", b"Transfer-Encoding: chunked\r\n",
            b"Content-Encoding: gzip\r\n", b"Content-Encoding: deflate\r\n",
            b"Content-Encoding: br\r\n", b"Connection: close\r\n", b"X: " + b"x" * 70_000 + b"\r\n",
            b"Location: /elsewhere\r\n", b"no colon\r\n", b" folded\r\n",
        ]
    ),
    max_size=4,
)  # fmt: skip
_ANSWER_BODIES = st.one_of(
    st.binary(max_size=64),
    st.just(b"5\r\nhello\r\n0\r\n\r\n"),
    st.just(b"zz\r\n"),
    st.just(gzip.compress(b"token")),
    st.just(gzip.compress(b"t" * (4 << 20))),  # expands past the response cap
)


@st.composite
def _scripts(draw: st.DrawFn) -> list[tuple[float, bytes]]:
    answer = draw(_STATUS_LINES) + b"".join(draw(_ANSWER_HEADERS)) + b"\r\n" + draw(_ANSWER_BODIES)
    cuts = sorted(draw(st.lists(st.integers(0, len(answer)), max_size=3)))
    pieces = [answer[a:b] for a, b in zip([0, *cuts], [*cuts, len(answer)], strict=True)]
    pauses = draw(st.lists(st.sampled_from([0.0, 0.0, 0.05, 0.4]), min_size=len(pieces),
                           max_size=len(pieces)))  # fmt: skip
    return list(zip(pauses, pieces, strict=True))


_ANSWER_DEADLINE = 0.5


@pytest.mark.parametrize("kind", ["urllib3", "aiohttp"])
def test_fuzz_transports_against_scripted_answers(kind: str) -> None:
    # Whatever comes back, and however slowly: a TransportResponse or a TransportError, by
    # the deadline (plus a margin for a loaded 2-core machine; a correctness bound: without
    # the deadline a trickled answer takes far longer).
    with scripted_server() as server:

        @budget(40)
        @given(script=_scripts())
        def run(script: list[tuple[float, bytes]]) -> None:
            server.script = script
            request = TransportRequest(server.url, b"token", {}, _ANSWER_DEADLINE)
            start = time.monotonic()
            result = _send_once(kind, request)
            assert isinstance(result, TransportResponse | TransportError)
            assert time.monotonic() - start < _ANSWER_DEADLINE + 5.0

        run()


def _send_once(kind: str, request: TransportRequest) -> TransportResponse | TransportError:
    try:
        if kind == "urllib3":
            transport = Urllib3Transport()
            try:
                return transport.send(request)
            finally:
                transport.close()

        async def run() -> TransportResponse:
            atransport = AiohttpTransport()
            try:
                return await atransport.asend(request)
            finally:
                await atransport.aclose()

        return asyncio.run(run())
    except TransportError as error:
        return error


# --- memory ---------------------------------------------------------------------------------


def _hostile_batch(
    merchant_codec: Codec,
    gateway_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
) -> list[tuple[str, bytes]]:
    """(entry point, input) pairs, each input close to the 1 MiB cap."""
    near = CAP - 4096
    wide = b'<PaymentProcessResponse><x a="' + b"A" * 560_000 + b'"/></PaymentProcessResponse>'
    deep = b"<PaymentProcessResponse>" + b"<x>" * 90_000 + b"</PaymentProcessResponse>"
    huge_kid = b'{"alg":"PS256","kid":"' + b"k" * 700_000 + b'"}'
    deep_json = b'{"alg":"PS256","kid":' + b"[" * 350_000 + b"]" * 350_000 + b"}"
    # The XML reader's widest and deepest shapes, sealed; each stays under the token cap.
    room = 560_000
    many_small = b"<PaymentProcessResponse>" + b"<u/>" * (room // 4) + b"</PaymentProcessResponse>"
    at_the_limits = (
        b"<PaymentProcessResponse>"
        + b"<u a=''/>" * (MAX_UNKNOWN_NODES // 2)
        + b"<refundList>"
        + b"<refund amount='1.00' status='RF'/>" * (room // 40)
        + b"</refundList></PaymentProcessResponse>"
    )
    many_attributes = (
        b"<PaymentProcessResponse><u "
        + b" ".join(b"a%d=''" % n for n in range(MAX_EQUALS - 100))
        + b"/></PaymentProcessResponse>"
    )
    nested_unknown = (
        b"<PaymentProcessResponse>"
        + (b"<a>" * 250 + b"</a>" * 250) * 3
        + b"</PaymentProcessResponse>"
    )
    astral_text = (
        b"<PaymentProcessResponse><u>"
        + "\U0001f600".encode() * (room // 4)
        + b"</u></PaymentProcessResponse>"
    )
    jwe = encrypt(b"<x/>", merchant_public).compact()
    inputs = [
        b"." * near,
        b"A" * near,
        sign(jwe, gateway_private, header=huge_kid).encode(),
        sign(jwe, gateway_private, header=deep_json).encode(),
        (sign(jwe, gateway_private).rsplit(".", 1)[0] + "." + b64(b"\x00" * 700_000)).encode(),
        gateway_codec.seal(wide).encode(),
        gateway_codec.seal(deep).encode(),
        merchant_codec.seal(deep.replace(b"Response", b"Request")).encode(),
        gateway_codec.seal(many_small).encode(),
        gateway_codec.seal(at_the_limits).encode(),
        gateway_codec.seal(many_attributes).encode(),
        gateway_codec.seal(nested_unknown).encode(),
        gateway_codec.seal(astral_text).encode(),
    ]
    assert all(len(data) <= CAP for data in inputs)
    batch = [(target, data) for data in inputs for target in ("open", "inspect", "notify")]
    batch += [("emulator", data) for data in inputs]
    return batch


def test_hostile_inputs_at_the_cap_do_not_grow_the_heap(
    merchant_codec: Codec,
    gateway_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    quiet_emulator: Emulator,
) -> None:
    batch = _hostile_batch(merchant_codec, gateway_codec, gateway_private, merchant_public)
    form_type = "application/x-www-form-urlencoded"
    targets: dict[str, Callable[[bytes], object]] = {
        "open": lambda data: decode_response(merchant_codec, data),
        "inspect": inspect,
        "notify": lambda data: parse_notification(
            merchant_codec, FORM_FIELD.encode() + b"=" + data, form_type
        ),
        "emulator": lambda data: quiet_emulator.handle(wire(data)),
    }

    def run_batch() -> int:
        """Run every input once; return the highest heap peak above the start, in bytes."""
        worst = 0
        for target, data in batch:
            start = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            with contextlib.suppress(C2PError):
                targets[target](data)
            worst = max(worst, tracemalloc.get_traced_memory()[1] - start)
        return worst

    run_batch()  # warm-up: one-time caches (XML plans, per-thread parsers) fill here
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        peaks = [run_batch() for _ in range(3)]
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Three passes over ~30 inputs of ~1 MiB each: nothing of them may stay behind.
    assert retained < CAP // 4, f"heap grew by {retained} bytes"
    # While one input is processed, the copies it needs stay a small multiple of the cap
    # (measured: under 6x, for the base64 layers and the XML text of the widest input).
    assert max(peaks) < 8 * CAP, f"one input needed {max(peaks)} bytes"


# --- the recurring plan and installment roots -----------------------------------------------

_FAMILY_NAMES = st.sampled_from(
    [
        "version", "timeStamp", "merchantID", "recurringUniqueID", "processType",
        "recurringStatus", "amount", "allowAccumulate", "maxAccumulateAmount",
        "recurringInterval", "recurringCount", "chargeNextDate", "chargeOnDate", "respCode",
        "respReason", "currency", "currentCount", "maskedCardNo", "ippBanks", "ippBank",
        "bankName", "bins", "bin", "installmentOptions", "option", "x",
    ]
)
_FAMILY_TEXT = st.one_of(
    st.sampled_from(
        [
            "JT01", "JT02", "156142", "I", "U", "C", "Y", "N", "000000009990", "99.90", "9990",
            "1e3", "-1", "0", "702", "392", "999", "20210307", "07032021", "20211307", "0104",
            "3202", "365", "99999", "9" * 30, "", " ",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="<&"), max_size=10),
)
_OPTION_ATTRIBUTES = st.dictionaries(
    st.sampled_from(
        ["id", "installmentPeriod", "merInterestRate", "cusInterestRate", "minAmount",
         "currencyCode", "validFrom", "validUntil"]
    ),
    st.one_of(
        st.sampled_from(["1", "6", "1.0000", "-1.0000", "1.00", "SGD", "2018-02-06",
                         "2023-02-30", "x", "", "1" * 20]),
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters='<&"'), max_size=8),
    ),
    max_size=8,
).map(lambda attrs: "".join(f' {k}="{v}"' for k, v in attrs.items()))
_family_leaf = st.one_of(
    st.tuples(_FAMILY_NAMES, _FAMILY_TEXT).map(lambda t: f"<{t[0]}>{t[1]}</{t[0]}>"),
    _OPTION_ATTRIBUTES.map(lambda attrs: f"<option{attrs}/>"),
)
_family_element = st.recursive(
    _family_leaf,
    lambda children: st.tuples(_FAMILY_NAMES, st.lists(children, max_size=4)).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>"
    ),
    max_leaves=16,
)
_FAMILY_ROOTS = [
    "RecurringMaintenanceRequest", "RecurringMaintenanceResponse", "IppOptionRequest",
    "IppOptionResponse",
]
_FAMILY_SAMPLES = [
    b"<RecurringMaintenanceRequest><version>2.4</version><merchantID>JT01</merchantID>"
    b"<recurringUniqueID>156142</recurringUniqueID><processType>U</processType>"
    b"<amount>000000009990</amount><recurringCount>24</recurringCount>"
    b"<chargeNextDate>07032021</chargeNextDate></RecurringMaintenanceRequest>",
    b"<RecurringMaintenanceResponse><version>2.1</version><recurringUniqueID>156142"
    b"</recurringUniqueID><respCode>00</respCode><currency>702</currency><amount>000000009990"
    b"</amount><recurringCount>12</recurringCount><chargeNextDate>20210307</chargeNextDate>"
    b"</RecurringMaintenanceResponse>",
    b"<IppOptionResponse><respCode>00</respCode><ippBanks><ippBank><bankName>HSBC</bankName>"
    b"<bins><bin>424625</bin></bins><installmentOptions><option id='1' installmentPeriod='6'"
    b" merInterestRate='1.0000' cusInterestRate='-1.0000' minAmount='1.00' currencyCode='SGD'"
    b" validFrom='2018-02-06' validUntil='2023-02-01'/></installmentOptions></ippBank>"
    b"</ippBanks></IppOptionResponse>",
]
family_xml = st.one_of(
    st.tuples(_PROLOGS, st.sampled_from(_FAMILY_ROOTS), st.lists(_family_element, max_size=10))
    .map(lambda t: f"{t[0]}<{t[1]}>{''.join(t[2])}</{t[1]}>".encode()),
    st.tuples(st.sampled_from(_FAMILY_SAMPLES), _edits).map(lambda t: _mutate(*t)),
)


def _typed_values(response: object) -> None:
    """Every typed property of a family's result: only C2PError may come out."""
    from c2p_action.operations import interpret, prepare
    from c2p_action.operations.installments import OPTIONS, build_options
    from c2p_action.operations.recurring import INQUIRY, build_inquiry
    from c2p_action.schemas import IppOptionResponse, RecurringMaintenanceResponse

    if isinstance(response, RecurringMaintenanceResponse):
        response.resp_code, response.recurring_unique_id = "00", "1"
        result = interpret(prepare(INQUIRY, build_inquiry(MERCHANT, "1")), response, attempts=1)
        for name in ("status", "active", "currency", "amount", "max_accumulate_amount",
                     "amount_minor_units", "allow_accumulate", "recurring_interval",
                     "recurring_count", "current_count", "remaining_count", "charge_next_date"):
            _only_library_errors(lambda name=name: getattr(result, name))  # type: ignore[misc]
        _only_library_errors(lambda: result.amount_in("JPY"))
    elif isinstance(response, IppOptionResponse):
        response.resp_code = "00"
        options = interpret(prepare(OPTIONS, build_options(MERCHANT)), response, attempts=1)
        _only_library_errors(lambda: options.banks)


@budget(300)
@given(document=family_xml)
def test_fuzz_from_xml_and_typed_values_of_the_new_roots(document: bytes) -> None:
    from c2p_action.schemas import XML_REQUEST_MODELS, XML_RESPONSE_MODELS

    _only_library_errors(lambda: from_xml(document, XML_REQUEST_MODELS))
    try:
        response = from_xml(document, XML_RESPONSE_MODELS)
    except C2PError:
        return
    _typed_values(response)


@pytest.fixture(scope="module")
def family_emulator(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[Emulator]:
    from c2p_action.emulator.recurring import RecurringFamily

    emulator = Emulator(gateway_private, {MERCHANT: merchant_public})
    RecurringFamily.of(emulator).seed_plan(MERCHANT, "156142", "99.90")
    yield emulator
    emulator.close()


@budget(120)
@given(document=family_xml)
def test_fuzz_emulator_answers_every_sealed_family_request(
    family_emulator: Emulator, merchant_codec: Codec, document: bytes
) -> None:
    answer = family_emulator.handle(wire(merchant_codec.seal(document)))
    # Signed by a registered merchant: always a sealed answer that verifies and parses,
    # whichever family the root chose.
    assert answer.status == 200
    assert decode_response(merchant_codec, answer.body).resp_code
# --- JSON bodies (the funds family) -----------------------------------------------------------

_FUNDS_DATA = Path(__file__).parent / "data" / "funds"
_JSON_SAMPLES = [path.read_bytes() for path in sorted(_FUNDS_DATA.glob("*.json"))]
_MEMBER_NAMES = st.sampled_from(
    [
        "version", "merchantID", "merchantId", "respCode", "respDesc", "availableBalance",
        "currency", "withdrawOption", "withdrawOptionId", "withdrawOptionID", "name",
        "processingTime", "feeMargin", "feeLower", "feeLowerIsPercentage", "feeUpper",
        "feeUpperIsPercentage", "amount", "withdrawRefNo", "fee", "netAmount", "x", "",
    ]
) | st.text(max_size=6)
_JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1", "0", "Y", "00", "1.00", "1e3", "-0", "SGD", "\ud800", "", " 1 "]),
    st.text(max_size=10),
)
_json_values = st.recursive(
    _JSON_SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(_MEMBER_NAMES, children, max_size=5),
    max_leaves=20,
)
_generated_json = st.dictionaries(_MEMBER_NAMES, _json_values, max_size=8).map(
    lambda document: json.dumps(document).encode("utf-8", "surrogatepass")
)
_RAW_JSON = st.sampled_from(
    [b"", b"[]", b"{", b'{"a":1,"a":2}', b"\xef\xbb\xbf{}", b"[" * 40 + b"]" * 40,
     b'{"amount":1e999999}', b'{"amount":' + b"9" * 500 + b"}", b'{"x":NaN}', b"\xff"]
)  # fmt: skip
any_json = st.one_of(
    _generated_json,
    st.tuples(st.sampled_from(_JSON_SAMPLES), _edits).map(lambda t: _mutate(*t)),
    _RAW_JSON,
    st.binary(max_size=120),
)
_FUNDS_MODELS = [
    BalanceInquiryRequest, BalanceInquiryResponse, WithdrawOptionRequest, WithdrawOptionResponse,
    WithdrawRequest, WithdrawResponse,
]  # fmt: skip


@budget(400)
@given(document=any_json, model=st.sampled_from(_FUNDS_MODELS))
def test_fuzz_from_json(document: bytes, model: type[object]) -> None:
    _only_library_errors(lambda: from_json(document, model))


@budget(150)
@given(
    document=any_json,
    path=st.sampled_from([BALANCE_PATH, WITHDRAW_OPTIONS_PATH, WITHDRAW_PATH]),
)
def test_fuzz_emulator_answers_every_signed_funds_request(
    quiet_emulator: Emulator, merchant_codec: Codec, document: bytes, path: str
) -> None:
    token = merchant_codec.sign(document).encode()
    answer = quiet_emulator.handle(TransportRequest(f"http://127.0.0.1{path}", token, {}, 10.0))
    # Signed by a registered merchant: always a signed answer with a code.
    assert answer.status == 200
    reply = from_json(merchant_codec.verify_payload(answer.body), WithdrawResponse)
    assert reply.resp_code


# --- the card token and FX roots (issue 13) ---------------------------------------------------

_FAMILY_ELEMENTS = st.sampled_from(
    [
        "version", "timeStamp", "merchantID", "storeCardUniqueID", "pan", "panCurrency",
        "panBank", "panCountry", "cardholderName", "cardholderEmail", "panExpiry", "action",
        "respCode", "respReason", "panMasked", "currency", "fxRate", "baseCurrency",
        "responseCode", "currencyList", "hashValue", "x",
    ]
)
_cardfx_FAMILY_TEXT = st.one_of(
    st.sampled_from(
        [
            "4111111111111111", "4111111111111112", "4111 1111 1111 1111", "1230", "12/30",
            "1330", "A", "I", "U", "D", "X", "JT01", "JT02", "702", "SGD", "1.0000", "1e3",
            "NaN", "20000000000001", "a@b.co", "", "&amp;", "&#0;",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="<&"), max_size=25),
)
_cardfx_family_leaf = st.tuples(_FAMILY_ELEMENTS, _cardfx_FAMILY_TEXT).map(
    lambda t: f"<{t[0]}>{t[1]}</{t[0]}>"
)
_cardfx_family_element = st.recursive(
    _cardfx_family_leaf,
    lambda children: st.tuples(_FAMILY_ELEMENTS, st.lists(children, max_size=3)).map(
        lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>"
    ),
    max_leaves=12,
)
_cardfx_FAMILY_ROOTS = [
    "MaintenanceRequest", "FxRateRequest", "FxRateListRequest",
    "MaintenanceResponse", "FxRateResponse", "FxRateListResponse",
]
cardfx_family_xml = st.tuples(
    _PROLOGS, st.sampled_from(_cardfx_FAMILY_ROOTS), st.lists(_cardfx_family_element, max_size=14)
).map(lambda t: f"{t[0]}<{t[1]}>{''.join(t[2])}</{t[1]}>".encode())


@budget(300)
@given(document=cardfx_family_xml | st.binary(max_size=200))
def test_fuzz_from_xml_card_and_fx_models(document: bytes) -> None:
    from c2p_action import schemas

    for name in _cardfx_FAMILY_ROOTS:
        model: type[object] = getattr(schemas, name)
        with contextlib.suppress(C2PError):
            from_xml(document, model)


@pytest.fixture(scope="module")
def card_fx_emulator(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[Emulator]:
    from c2p_action.emulator.card_token import CardTokenRules
    from c2p_action.emulator.fx import FxRules

    emulator = Emulator(
        gateway_private, {MERCHANT: merchant_public},
        families=[CardTokenRules(), FxRules(secret_keys={MERCHANT: "k"})],
    )
    yield emulator
    emulator.close()


@budget(250)
@given(document=cardfx_family_xml)
def test_fuzz_emulator_answers_every_sealed_card_or_fx_request(
    card_fx_emulator: Emulator, merchant_codec: Codec, document: bytes
) -> None:
    answer = card_fx_emulator.handle(wire(merchant_codec.seal(document)))
    # Signed by a registered merchant: always a sealed answer that verifies, parses and
    # carries a code, whichever family (or the core) answered it.
    assert answer.status == 200
    response = decode_response(merchant_codec, answer.body)
    assert getattr(response, "resp_code", None) or getattr(response, "response_code", None)


# --- customer tokens and FPX agent status: JSON in sealed tokens (issue 13) -------------------

from c2p_action import schemas as _pgw  # noqa: E402
from c2p_action.emulator.agent_status import AgentStatusRules as _PgwAgentRules  # noqa: E402
from c2p_action.emulator.customer_token import PATHS as _PGW_TOKEN_PATHS  # noqa: E402
from c2p_action.emulator.customer_token import CustomerTokenRules as _PgwTokenRules  # noqa: E402

_PGW_DATA = Path(__file__).parent / "data"
_PGW_SAMPLES = [
    path.read_bytes()
    for folder in ("customer_token", "agent_status")
    for path in sorted((_PGW_DATA / folder).glob("*.json"))
]
_PGW_NAMES = st.sampled_from(
    [
        "merchantID", "token", "tokenReference", "accountNo", "name", "email", "expiry",
        "accountIssuer", "accountIssuerCountry", "accountCurrency", "tokenProvider",
        "channelCode", "subChannelCode", "responseCode", "responseDesc", "agentCodes", "agents",
        "agentCode", "isDown", "respCode", "respDesc", "x",
    ]
) | st.text(max_size=5)
_PGW_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(
        [
            "4111111111111111", "4111111111111112", "411111XXXXXX1111", "XXXXXXXXXXXX1111",
            "4111111XXXXX1111", "4111 1111 1111 1111", "2024-02-29", "2023-02-29", "1230",
            "12/30", "0000", "9004", "CC", "MA", "JT01", "MYMBB", "", "\ud800",
        ]
    ),
    st.text(max_size=12),
)
_pgw_values = st.recursive(
    _PGW_SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(_PGW_NAMES, children, max_size=4),
    max_leaves=16,
)
pgw_json = st.one_of(
    st.dictionaries(_PGW_NAMES, _pgw_values, max_size=9).map(
        lambda document: json.dumps(document).encode("utf-8", "surrogatepass")
    ),
    st.tuples(st.sampled_from(_PGW_SAMPLES), _edits).map(lambda t: _mutate(*t)),
    st.binary(max_size=120),
)
_PGW_MODELS = [
    _pgw.CustomerTokenAddRequest, _pgw.CustomerTokenUpdateRequest, _pgw.CustomerTokenGetRequest,
    _pgw.CustomerTokenDeleteRequest, _pgw.CustomerTokenResponse, _pgw.AgentStatusRequest,
    _pgw.AgentStatusResponse,
]  # fmt: skip


def _pgw_card_values_are_safe(model: object) -> None:
    """Whatever a card member holds after reading: a card type, or masked text."""
    for name in ("account_no", "expiry"):
        value = getattr(model, name, None)
        if isinstance(value, str):
            assert name == "account_no"
            assert _pgw.CardNumber.is_masked(value), "plain text in a card member"
        else:
            assert value is None or isinstance(value, _pgw.CardNumber | _pgw.CardExpiryDate)


@budget(400)
@given(document=pgw_json)
def test_fuzz_from_json_customer_token_and_agent_models(document: bytes) -> None:
    for model in _PGW_MODELS:
        try:
            parsed: object = from_json(document, model)
        except C2PError:
            continue
        _pgw_card_values_are_safe(parsed)


@pytest.fixture(scope="module")
def pgw_emulator(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[Emulator]:
    emulator = Emulator(gateway_private, {MERCHANT: merchant_public},
                        families=[_PgwTokenRules(), _PgwAgentRules()])  # fmt: skip
    yield emulator
    emulator.close()


_PGW_PATHS = [*_PGW_TOKEN_PATHS.values(), "/AgentStatus/v1/Inquiry",
              "/AgentStatus/v1/InquiryEnabledAgents"]  # fmt: skip


@budget(200)
@given(document=pgw_json, path=st.sampled_from(_PGW_PATHS))
def test_fuzz_emulator_answers_every_sealed_customer_token_or_agent_request(
    pgw_emulator: Emulator, merchant_codec: Codec, document: bytes, path: str
) -> None:
    token = merchant_codec.seal(document).encode()
    answer = pgw_emulator.handle(TransportRequest(f"http://127.0.0.1{path}", token, {}, 10.0))
    # Sealed by a registered merchant: always a sealed answer that opens, parses and carries
    # a code, and never a stored card number.
    assert answer.status == 200
    opened = merchant_codec.open(answer.body)
    if "AgentStatus" in path:
        assert from_json(opened, _pgw.AgentStatusResponse).resp_code
    else:
        reply = from_json(opened, _pgw.CustomerTokenResponse)
        assert reply.response_code
        assert reply.account_no is None or isinstance(reply.account_no, str)
        assert b"4111111111111111" not in opened
