"""The emulator's family seam: routing by URL path and by XML root, each family's envelope.

Two small families defined here (test-only, named as such) stand in for the real ones so the
core's dispatch is tested on its own: a JWS-only family on a path of its own, and an XML
family answering its root element on the shared Payment Action path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest
from _emulator_support import MERCHANT, exchange
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.codec import Envelope
from c2p_action.emulator import ACTION_PATH, Emulator
from c2p_action.emulator.families import root_tag
from c2p_action.emulator.ledger import Ledger
from c2p_action.errors import ConfigurationError, TokenFormatError
from c2p_action.transports import TransportRequest

ECHO_PATH = "/test/echo"


class EchoFamily:
    """Test-only: answers a JWS-signed body with the body, the signer and a counter."""

    name = "echo"
    routes: Mapping[str, Envelope] = {ECHO_PATH: Envelope.JWS}
    xml_roots: frozenset[str] = frozenset()

    def install(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.seen = 0

    def answer(self, emulator: Emulator, merchant_id: str, path: str, body: bytes) -> bytes:
        self.seen += 1
        return b"%s|%s|%d" % (merchant_id.encode(), body, self.seen)


class PingFamily:
    """Test-only: answers <PingRequest/> with <PingResponse/> on the shared action path."""

    name = "ping"
    routes: Mapping[str, Envelope] = {}
    xml_roots = frozenset({"PingRequest"})

    def install(self, ledger: Ledger) -> None:
        pass

    def answer(self, emulator: Emulator, merchant_id: str, path: str, body: bytes) -> bytes:
        mid = merchant_id.encode()
        return b"<PingResponse><merchantID>" + mid + b"</merchantID></PingResponse>"


@pytest.fixture
def emulator(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> Iterator[Emulator]:
    emulator = Emulator(
        gateway_private, {MERCHANT: merchant_public}, families=[EchoFamily(), PingFamily()]
    )
    yield emulator
    emulator.close()


def _post(emulator: Emulator, path: str, token: str) -> tuple[int, bytes]:
    answer = emulator.handle(TransportRequest(f"http://emu.test{path}", token.encode(), {}, 5.0))
    return answer.status, answer.body


def test_a_family_path_gets_its_envelope_both_ways(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    status, body = _post(emulator, ECHO_PATH, merchant_codec.sign(b'{"x":1}'))
    assert status == 200
    assert merchant_codec.verify_payload(body) == b'JT01|{"x":1}|1'
    assert emulator.paths == [ACTION_PATH, ECHO_PATH]


def test_the_wrong_envelope_or_signer_is_refused_on_a_family_path(
    emulator: Emulator, merchant_codec: Codec, other_private: rsa.RSAPrivateKey
) -> None:
    # A nested token where a JWS-only one is expected.
    assert _post(emulator, ECHO_PATH, merchant_codec.seal(b"{}"))[0] == 400
    stranger = Codec(other_private, merchant_codec.peer_keys[0])
    assert _post(emulator, ECHO_PATH, stranger.sign(b"{}"))[0] == 401
    assert _post(emulator, "/nowhere", merchant_codec.sign(b"{}"))[0] == 404


def test_a_root_element_chooses_the_family_on_the_shared_path(
    emulator: Emulator, merchant_codec: Codec
) -> None:
    status, body = _post(emulator, ACTION_PATH, merchant_codec.seal(b"<PingRequest/>"))
    assert status == 200
    expected = b"<PingResponse><merchantID>JT01</merchantID></PingResponse>"
    assert merchant_codec.open(body) == expected
    # The payment process family still answers its own root on the same path.
    emulator.seed("INV-F", "10.00", status="S")
    assert exchange(emulator.handle, merchant_codec, "I", "INV-F").resp_code == "00"
    with pytest.raises(TokenFormatError):
        merchant_codec.verify_payload(body)  # the answer is nested, like the request


def test_families_cannot_claim_what_is_already_served(
    gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    class Thief(PingFamily):
        name = "thief"
        xml_roots = frozenset({"PaymentProcessRequest"})

    for families in ([Thief()], [EchoFamily(), EchoFamily()]):
        with pytest.raises(ConfigurationError, match="registered twice or claims"):
            Emulator(gateway_private, {MERCHANT: merchant_public}, families=families)


@pytest.mark.parametrize(
    ("body", "tag"),
    [
        (b"<A/>", "A"),
        (b"<?xml version='1.0'?><B><c/></B>", "B"),
        (b"<!DOCTYPE x [<!ENTITY e 'v'>]><x>&e;</x>", None),
        (b"not xml", None),
        (b"", None),
        ("<Z/>".encode("utf-16"), "Z"),
    ],
)
def test_root_tag_reads_only_the_start_tag(body: bytes, tag: str | None) -> None:
    assert root_tag(body) == tag
