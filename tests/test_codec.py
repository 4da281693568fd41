"""The nested JWS(JWE) codec: round trips, interop, tampering, wrong keys, header policy."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from _forge import Jwe, b64, encrypt, flip, nested, replace, sign, sign_hs256, sign_rs256
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jwe as joserfc_jwe
from joserfc import jws as joserfc_jws
from joserfc.jwk import RSAKey
from joserfc.jws import JWSRegistry

from c2p_action import Codec
from c2p_action.codec import inspect
from c2p_action.errors import (
    C2PError,
    DecryptionError,
    KeyLoadError,
    SignatureError,
    TokenFormatError,
)

GUIDE = Path(__file__).resolve().parent / "data" / "reference" / "refund-guide.txt"
NONE_HEADER = b'{"alg":"none"}'
XML = b"<PaymentProcessRequest><version>3.8</version></PaymentProcessRequest>"


# --- round trips -------------------------------------------------------------------------


def test_merchant_to_gateway_round_trip(merchant_codec: Codec, gateway_codec: Codec) -> None:
    assert gateway_codec.open(merchant_codec.seal(XML)) == XML


def test_gateway_to_merchant_round_trip(merchant_codec: Codec, gateway_codec: Codec) -> None:
    assert merchant_codec.open(gateway_codec.seal(XML)) == XML


def test_seal_emits_the_exact_wire_headers(merchant_codec: Codec) -> None:
    info = inspect(merchant_codec.seal(XML))
    assert info.jws_header == {"alg": "PS256", "typ": "JWT"}
    assert info.jwe_header == {"alg": "RSA-OAEP", "enc": "A256GCM"}
    # Merchant RSA-4096 signs; gateway RSA-2048 receives the content key.
    assert info.jws_sizes["signature"] == 512
    assert info.jwe_sizes == {
        "header": 34, "encrypted_key": 256, "iv": 12, "ciphertext": len(XML), "tag": 16
    }


def test_seal_is_randomised(merchant_codec: Codec) -> None:
    assert merchant_codec.seal(XML) != merchant_codec.seal(XML)


def test_open_accepts_bytes_and_a_trailing_newline(
    merchant_codec: Codec, gateway_codec: Codec
) -> None:
    token = merchant_codec.seal(XML)
    assert gateway_codec.open(token.encode() + b"\r\n") == XML


def test_verify_returns_the_inner_jwe_even_when_encrypted_to_someone_else(
    gateway_private: rsa.RSAPrivateKey,
    merchant_codec: Codec,
    other_private: rsa.RSAPrivateKey,
) -> None:
    inner = encrypt(XML, other_private.public_key())
    token = sign(inner.compact(), gateway_private)
    assert merchant_codec.verify(token) == inner.compact()
    with pytest.raises(DecryptionError, match="another key"):
        merchant_codec.open(token)


# --- interoperability with independent implementations ----------------------------------


def test_joserfc_opens_our_token(
    merchant_codec: Codec,
    merchant_public: rsa.RSAPublicKey,
    gateway_private: rsa.RSAPrivateKey,
) -> None:
    outer = joserfc_jws.deserialize_compact(
        merchant_codec.seal(XML),
        RSAKey.import_key(merchant_public),
        registry=JWSRegistry(algorithms=["PS256"]),
    )
    inner = joserfc_jwe.decrypt_compact(outer.payload, RSAKey.import_key(gateway_private))
    assert inner.plaintext == XML


def test_we_open_a_joserfc_token(
    merchant_codec: Codec, merchant_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> None:
    inner = joserfc_jwe.encrypt_compact(
        {"alg": "RSA-OAEP", "enc": "A256GCM"}, XML, RSAKey.import_key(merchant_private)
    )
    token = joserfc_jws.serialize_compact(
        {"alg": "PS256", "typ": "JWT"},
        inner,
        RSAKey.import_key(gateway_private),
        algorithms=["PS256"],
    )
    assert merchant_codec.open(token) == XML


@pytest.mark.parametrize(
    ("jws_header", "jwe_header"),
    [
        pytest.param(b'{"alg":"PS256"}', None, id="no-typ"),
        pytest.param(b'{"alg":"PS256","typ":"JWT","kid":"1"}', None, id="kid"),
        pytest.param(None, b'{ "alg" : "RSA-OAEP",\n "enc" : "A256GCM" }', id="spaced-jwe"),
        pytest.param(None, b'{"enc":"A256GCM","alg":"RSA-OAEP","typ":"JWT"}', id="jwe-typ"),
        pytest.param(None, b'{"alg":"RSA-OAEP","enc":"A256GCM","kid":"m-1"}', id="jwe-kid"),
    ],
)
def test_header_variants_seen_in_the_wild_are_accepted(
    merchant_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    jws_header: bytes | None,
    jwe_header: bytes | None,
) -> None:
    kwargs: dict[str, bytes] = {}
    if jws_header is not None:
        kwargs["jws_header"] = jws_header
    if jwe_header is not None:
        kwargs["jwe_header"] = jwe_header
    assert merchant_codec.open(nested(XML, gateway_private, merchant_public, **kwargs)) == XML


def test_the_guides_tokens_are_recognised() -> None:
    tokens = set(re.findall(r"eyJ[A-Za-z0-9_\-.]{100,}", GUIDE.read_text(encoding="utf-8")))
    # The request token is printed twice (sample and cURL), the response once.
    assert len(tokens) == 2
    for token in tokens:
        info = inspect(token)
        assert info.jws_header == {"alg": "PS256", "typ": "JWT"}
        assert info.jwe_header == {"alg": "RSA-OAEP", "enc": "A256GCM"}
        assert info.jwe_sizes["iv"] == 12
        assert info.jwe_sizes["tag"] == 16
        # One side's key is RSA-4096, the other's RSA-2048.
        assert {info.jws_sizes["signature"], info.jwe_sizes["encrypted_key"]} == {256, 512}


# --- tampering ----------------------------------------------------------------------------


@pytest.mark.parametrize("segment", [0, 1, 2])
def test_any_tampered_outer_segment_fails_before_decryption(
    merchant_codec: Codec, gateway_codec: Codec, segment: int
) -> None:
    parts = gateway_codec.seal(XML).split(".")
    parts[segment] = flip(parts[segment], 5)
    with pytest.raises((SignatureError, TokenFormatError)):
        merchant_codec.open(".".join(parts))


@pytest.mark.parametrize("field", ["header", "key", "iv", "ciphertext", "tag"])
def test_tampered_inner_segment_under_a_valid_signature_fails_decryption(
    merchant_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    field: str,
) -> None:
    good = encrypt(XML, merchant_public)
    value: str = getattr(good, field)
    # Flip a character in the middle so the header stays parseable JSON where it matters.
    tampered: Jwe = replace(good, **{field: flip(value, len(value) // 2)})
    token = sign(tampered.compact(), gateway_private)
    with pytest.raises((DecryptionError, TokenFormatError)):
        merchant_codec.open(token)


def test_tampered_jwe_header_is_caught_by_the_aad(
    merchant_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
) -> None:
    good = encrypt(XML, merchant_public)
    # Same meaning, different bytes: the AAD is the header as received, so GCM must fail.
    respaced = replace(good, header=b64(b'{"alg": "RSA-OAEP", "enc": "A256GCM"}'))
    with pytest.raises(DecryptionError, match="authentication"):
        merchant_codec.open(sign(respaced.compact(), gateway_private))


# --- wrong keys ---------------------------------------------------------------------------


def test_signed_by_another_key(
    merchant_codec: Codec, other_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    with pytest.raises(SignatureError):
        merchant_codec.open(nested(XML, other_private, merchant_public))


def test_gateway_refuses_a_token_signed_by_an_unknown_merchant(
    gateway_codec: Codec, other_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    with pytest.raises(SignatureError):
        gateway_codec.open(nested(XML, other_private, gateway_public))


def test_encrypted_to_another_key_of_the_same_size(
    gateway_codec: Codec, merchant_private: rsa.RSAPrivateKey, other_private: rsa.RSAPrivateKey
) -> None:
    token = nested(XML, merchant_private, other_private.public_key())
    with pytest.raises(DecryptionError, match="content key"):
        gateway_codec.open(token)


def test_keys_must_be_rsa_and_large_enough(gateway_public: rsa.RSAPublicKey) -> None:
    with pytest.raises(KeyLoadError, match="RSA private key"):
        Codec(ec.generate_private_key(ec.SECP256R1()), gateway_public)  # type: ignore[arg-type]
    with pytest.raises(KeyLoadError, match="RSA-1024"):
        Codec(rsa.generate_private_key(65537, 1024), gateway_public)  # noqa: S505


# --- header policy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jws_header", "message"),
    [
        (b'{"alg":"PS384"}', "alg 'PS384' is not allowed"),
        (b'{"alg":"RS256"}', "alg 'RS256' is not allowed"),
        (b'{"typ":"JWT"}', "no valid 'alg'"),
        (b'{"alg":"PS256","crit":["exp"]}', "'crit' is not allowed"),
        (b'{"alg":"PS256","zip":"DEF"}', "'zip' is not allowed"),
        (b'{"alg":"PS256","jku":"https://attacker.invalid/k"}', "'jku' is not allowed"),
        (b'{"alg":"PS256","alg":"none"}', "duplicated"),
        (b'{"alg":"PS256","kid":7}', "must be a string"),
        (b'["PS256"]', "not a JSON object"),
        (b"\xff\xfe", "not a JSON object"),
    ],
)
def test_forbidden_jws_headers(
    merchant_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    jws_header: bytes,
    message: str,
) -> None:
    with pytest.raises(TokenFormatError, match=message):
        merchant_codec.open(nested(XML, gateway_private, merchant_public, jws_header=jws_header))


@pytest.mark.parametrize(
    ("jwe_header", "message"),
    [
        (b'{"alg":"RSA1_5","enc":"A256GCM"}', "alg 'RSA1_5' is not allowed"),
        (b'{"alg":"RSA-OAEP-256","enc":"A256GCM"}', "alg 'RSA-OAEP-256' is not allowed"),
        (b'{"alg":"dir","enc":"A256GCM"}', "alg 'dir' is not allowed"),
        (b'{"alg":"RSA-OAEP","enc":"A128GCM"}', "enc 'A128GCM' is not allowed"),
        (b'{"alg":"RSA-OAEP","enc":"A256CBC-HS512"}', "enc 'A256CBC-HS512' is not allowed"),
        (b'{"alg":"RSA-OAEP","enc":"A256GCM","zip":"DEF"}', "'zip' is not allowed"),
        (b'{"alg":"RSA-OAEP","enc":"A256GCM","crit":["b64"]}', "'crit' is not allowed"),
    ],
)
def test_forbidden_jwe_headers(
    merchant_codec: Codec,
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    jwe_header: bytes,
    message: str,
) -> None:
    with pytest.raises(TokenFormatError, match=message):
        merchant_codec.open(nested(XML, gateway_private, merchant_public, jwe_header=jwe_header))


def test_alg_none_is_refused(merchant_codec: Codec, merchant_public: rsa.RSAPublicKey) -> None:
    payload = encrypt(XML, merchant_public).compact()
    token = f"{b64(NONE_HEADER)}.{b64(payload.encode())}."
    with pytest.raises(TokenFormatError, match="'none' is not allowed"):
        merchant_codec.open(token)


def test_hs256_with_the_public_key_as_secret_is_refused(
    merchant_codec: Codec, gateway_public: rsa.RSAPublicKey, merchant_public: rsa.RSAPublicKey
) -> None:
    secret = gateway_public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = sign_hs256(encrypt(XML, merchant_public).compact(), secret)
    with pytest.raises(TokenFormatError, match="'HS256' is not allowed"):
        merchant_codec.open(token)


def test_rs256_with_the_right_key_is_still_refused(
    merchant_codec: Codec, gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey
) -> None:
    token = sign_rs256(encrypt(XML, merchant_public).compact(), gateway_private)
    with pytest.raises(TokenFormatError, match="'RS256' is not allowed"):
        merchant_codec.open(token)


# --- structure ----------------------------------------------------------------------------


def _good(gateway_codec: Codec) -> str:
    return gateway_codec.seal(XML)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda t: t + ".x", "4 segments"),
        (lambda t: t.rsplit(".", 1)[0], "2 segments"),
        (lambda t: t.replace(".", "", 1), "2 segments"),
        (lambda t: t[:10] + " " + t[10:], "base64url"),
        (lambda t: t[:10] + "+" + t[11:], "base64url"),
        (lambda t: t[:-20] + "\n" + t[-20:], "base64url"),
        (lambda t: t + "=", "base64url"),
        (lambda t: t[:-1] + "é", "non-ASCII"),
        (lambda t: json.dumps({"payload": t}), "JSON serialisation"),
        (lambda t: "", "segments"),
    ],
)
def test_malformed_tokens(
    merchant_codec: Codec, gateway_codec: Codec, mangle: Any, message: str
) -> None:
    with pytest.raises(TokenFormatError, match=message):
        merchant_codec.open(mangle(_good(gateway_codec)))


def test_payload_that_is_not_a_five_part_jwe(
    merchant_codec: Codec, gateway_private: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(TokenFormatError, match="3 segments; a compact JWE has 5"):
        merchant_codec.open(sign("a.b.c", gateway_private))


def test_oversize_token_is_refused_before_any_rsa_work(
    merchant_private: rsa.RSAPrivateKey,
) -> None:
    calls: list[str] = []

    class CountingPublicKey(rsa.RSAPublicKey):
        """A real public key that records which operations the codec asks of it."""

        def __init__(self, inner: rsa.RSAPublicKey) -> None:
            self._inner = inner

        def verify(self, *args: Any) -> None:
            calls.append("verify")
            self._inner.verify(*args)

        def encrypt(self, plaintext: bytes, padding: Any) -> bytes:
            calls.append("encrypt")
            return self._inner.encrypt(plaintext, padding)

        @property
        def key_size(self) -> int:
            return self._inner.key_size

        def public_numbers(self) -> rsa.RSAPublicNumbers:
            return self._inner.public_numbers()

        def public_bytes(self, *args: Any) -> bytes:
            return self._inner.public_bytes(*args)

        def recover_data_from_signature(self, *args: Any) -> bytes:
            return self._inner.recover_data_from_signature(*args)

        def __eq__(self, other: object) -> bool:
            return self is other

        def __copy__(self) -> CountingPublicKey:
            return self

        def __deepcopy__(self, memo: dict[int, object]) -> CountingPublicKey:
            return self

        __hash__ = object.__hash__

    gateway_private = rsa.generate_private_key(65537, 2048)
    counting = CountingPublicKey(gateway_private.public_key())
    codec = Codec(merchant_private, counting, max_token_bytes=4096)
    token = Codec(gateway_private, merchant_private.public_key()).seal(b"x" * 4096)
    with pytest.raises(TokenFormatError, match="over the limit of 4096"):
        codec.open(token)
    assert calls == []
    small = Codec(gateway_private, merchant_private.public_key()).seal(b"x")
    assert codec.open(small) == b"x"
    assert calls == ["verify"]


def test_a_non_exportable_private_key_takes_the_same_path(
    merchant_private: rsa.RSAPrivateKey, gateway_codec: Codec, gateway_public: rsa.RSAPublicKey
) -> None:
    class SignDecryptOnly(rsa.RSAPrivateKey):
        """Stands for an HSM key: it can sign and decrypt, and refuses to reveal itself."""

        def __init__(self, inner: rsa.RSAPrivateKey) -> None:
            self._inner = inner

        def sign(self, data: bytes, padding: Any, algorithm: Any) -> bytes:
            return self._inner.sign(data, padding, algorithm)

        def decrypt(self, ciphertext: bytes, padding: Any) -> bytes:
            return self._inner.decrypt(ciphertext, padding)

        def public_key(self) -> rsa.RSAPublicKey:
            return self._inner.public_key()

        @property
        def key_size(self) -> int:
            return self._inner.key_size

        def private_numbers(self) -> rsa.RSAPrivateNumbers:
            raise AssertionError("the codec must not export the private key")

        def private_bytes(self, *args: Any) -> bytes:
            raise AssertionError("the codec must not export the private key")

        def __copy__(self) -> SignDecryptOnly:
            return self

        def __deepcopy__(self, memo: dict[int, object]) -> SignDecryptOnly:
            return self

    codec = Codec(SignDecryptOnly(merchant_private), gateway_public)
    assert gateway_codec.open(codec.seal(XML)) == XML
    assert codec.open(gateway_codec.seal(XML)) == XML


def test_errors_never_echo_the_token(merchant_codec: Codec, gateway_codec: Codec) -> None:
    token = gateway_codec.seal(XML)
    broken = token[:-10] + "AAAAAAAAAA"
    with pytest.raises(SignatureError) as caught:
        merchant_codec.open(broken)
    text = str(caught.value)
    assert all(segment[:16] not in text for segment in token.split("."))


# --- properties ---------------------------------------------------------------------------

_fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_fast
@given(plaintext=st.binary(max_size=4096))
def test_random_plaintexts_round_trip(
    merchant_codec: Codec, gateway_codec: Codec, plaintext: bytes
) -> None:
    assert gateway_codec.open(merchant_codec.seal(plaintext)) == plaintext


@_fast
@given(token=st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_random_input_raises_only_library_errors(merchant_codec: Codec, token: str | bytes) -> None:
    with pytest.raises(C2PError):
        merchant_codec.open(token)
    with contextlib.suppress(C2PError):
        inspect(token)


@_fast
@given(data=st.data())
def test_mutated_tokens_raise_only_library_errors(
    merchant_codec: Codec, gateway_codec: Codec, data: st.DataObject
) -> None:
    token = bytearray(gateway_codec.seal(XML).encode())
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(token) - 1))
        token[position] = data.draw(st.integers(0, 255))
    with contextlib.suppress(C2PError):
        assert merchant_codec.open(bytes(token)) == XML


def test_known_good_header_shortcuts_pass_the_full_policy() -> None:
    # The codec skips the JSON parse for these exact segments; each must pass the slow path.
    from c2p_action.codec import jose
    from c2p_action.codec._compact import decode_header

    for segment in jose._KNOWN_GOOD_JWS:
        jose._check_header(decode_header(segment, "JWS header"), "JWS header", {"alg": "PS256"})
    for segment in jose._KNOWN_GOOD_JWE:
        header = decode_header(segment, "JWE header")
        jose._check_header(header, "JWE header", {"alg": "RSA-OAEP", "enc": "A256GCM"})


def test_verify_signature_needs_only_the_peer_public_key(
    gateway_codec: Codec,
    merchant_codec: Codec,
    gateway_public: rsa.RSAPublicKey,
    other_private: rsa.RSAPrivateKey,
) -> None:
    from c2p_action.codec import verify_signature

    token = gateway_codec.seal(XML)
    assert verify_signature(token, gateway_public) == merchant_codec.verify(token)
    with pytest.raises(SignatureError):
        verify_signature(token, other_private.public_key())
    with pytest.raises(TokenFormatError, match="over the limit"):
        verify_signature(token, gateway_public, max_token_bytes=100)


def test_large_messages_pass_below_the_cap(merchant_codec: Codec, gateway_codec: Codec) -> None:
    # joserfc's default caps refuse XML over ~48 KB; only our own configurable cap applies.
    xml = b"<PaymentProcessRequest><notes>" + b"n" * 300_000 + b"</notes></PaymentProcessRequest>"
    assert gateway_codec.open(merchant_codec.seal(xml)) == xml


# --- the JWS-only envelope ------------------------------------------------------------------

JSON_BODY = b'{"merchantID":"702702000000000","version":"1.0"}'


def test_sign_and_verify_payload_round_trip(merchant_codec: Codec, gateway_codec: Codec) -> None:
    token = merchant_codec.sign(JSON_BODY)
    info = inspect(token)
    assert info.envelope == "JWS"
    assert info.jws_header == {"alg": "PS256", "typ": "JWT"}
    assert info.jwe_header == {}
    assert gateway_codec.verify_payload(token) == JSON_BODY


def test_the_balance_guide_token_payload_is_what_sign_produces(merchant_codec: Codec) -> None:
    # The balance guide's sample token carries the JSON itself, base64url, under PS256/JWT.
    header, payload, _ = merchant_codec.sign(JSON_BODY).split(".")
    assert header == "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCJ9"
    assert payload == "eyJtZXJjaGFudElEIjoiNzAyNzAyMDAwMDAwMDAwIiwidmVyc2lvbiI6IjEuMCJ9"


def test_each_envelope_refuses_the_others_tokens(
    merchant_codec: Codec, gateway_codec: Codec
) -> None:
    with pytest.raises(TokenFormatError, match="got a nested JWS\\(JWE\\)"):
        gateway_codec.verify_payload(merchant_codec.seal(XML))
    with pytest.raises(TokenFormatError, match="compact JWE has 5"):
        gateway_codec.open(merchant_codec.sign(JSON_BODY))


def test_verify_payload_applies_the_same_policy_and_cap(
    merchant_codec: Codec, gateway_codec: Codec, other_private: rsa.RSAPrivateKey
) -> None:
    forged = Codec(other_private, gateway_codec.own_keys[0].public_key()).sign(JSON_BODY)
    with pytest.raises(SignatureError):
        gateway_codec.verify_payload(forged)
    token = merchant_codec.sign(JSON_BODY)
    hs256 = b64(b'{"alg":"HS256"}') + token[token.index(".") :]
    with pytest.raises(TokenFormatError, match="HS256"):
        gateway_codec.verify_payload(hs256)
    small = Codec(gateway_codec.own_keys[0], gateway_codec.peer_keys[0], max_token_bytes=100)
    with pytest.raises(TokenFormatError, match="over the limit"):
        small.verify_payload(token)


# --- key rotation ---------------------------------------------------------------------------


def test_rotation_newest_signs_any_peer_key_verifies_fitting_keys_decrypt(
    merchant_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
    other_private: rsa.RSAPrivateKey,
) -> None:
    old_gateway, new_gateway = gateway_private, other_private
    merchant = Codec(merchant_private, [old_gateway.public_key(), new_gateway.public_key()])
    # Answers signed by either gateway key are accepted while 2C2P rotates.
    for gateway_key in (old_gateway, new_gateway):
        answer = Codec(gateway_key, merchant_private.public_key()).seal(XML)
        assert merchant.open(answer) == XML
    # Requests are encrypted to the current (first) gateway key only.
    request = merchant.seal(XML)
    assert Codec(old_gateway, merchant_private.public_key()).open(request) == XML
    with pytest.raises(DecryptionError):
        Codec(new_gateway, merchant_private.public_key()).open(request)

    # The merchant side: the new key signs; answers encrypted to either key decrypt.
    new_merchant = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rotating = Codec([new_merchant, merchant_private], old_gateway.public_key())
    gateway_sees_new = Codec(old_gateway, new_merchant.public_key())
    assert gateway_sees_new.open(rotating.seal(XML)) == XML
    for merchant_key in (new_merchant, merchant_private):
        answer = Codec(old_gateway, merchant_key.public_key()).seal(XML)
        assert rotating.open(answer) == XML
    assert "RSA-2048, RSA-4096" in repr(rotating)


def test_rotation_never_accepts_an_unlisted_key(
    merchant_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
    other_private: rsa.RSAPrivateKey,
) -> None:
    merchant = Codec(merchant_private, [gateway_private.public_key()])
    forged = Codec(other_private, merchant_private.public_key()).seal(XML)
    with pytest.raises(SignatureError, match="does not verify"):
        merchant.open(forged)
    with pytest.raises(KeyLoadError, match="at least one key"):
        Codec([], gateway_private.public_key())
