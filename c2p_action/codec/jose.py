"""The envelopes: JWS(PS256) over a compact JWE(RSA-OAEP, A256GCM), or JWS(PS256) alone.

Built directly on ``cryptography`` so that the per-message cost stays at the RSA floor (see
``benchmarks/README.md``) and every inbound rule is explicit here rather than inside a
general-purpose JOSE library's defaults. ``joserfc`` and ``jwcrypto`` serve as independent
implementations in the tests and the benchmark.

The keys are used only through ``sign``/``verify``/``encrypt``/``decrypt``/``key_size`` so that
HSM and KMS keys, which cannot be exported, take exactly the same path as file keys.

Key rotation: a codec may hold several keys each way. The first own key signs and the first
peer key is encrypted to; an answer is accepted when any peer key verifies it, and decrypted
with the own keys whose size fits its encrypted key. So a merchant adds its next key (and
2C2P's next certificate) before the switch in the portal and removes the old ones after it,
with no window in which answers fail.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from c2p_action.codec._compact import (
    b64decode,
    b64encode,
    decode_header,
    jwe_from_payload,
    looks_like_jwe,
    split_jwe,
    split_jws,
    to_bytes,
)
from c2p_action.errors import (
    DecryptionError,
    KeyLoadError,
    SignatureError,
    TokenFormatError,
    ValidationError,
)

__all__ = ["DEFAULT_MAX_TOKEN_BYTES", "MIN_KEY_BITS", "Codec", "verify_signature"]

DEFAULT_MAX_TOKEN_BYTES = 1 << 20
MIN_KEY_BITS = 2048

#: PS256 as 2C2P and every mainstream JOSE library use it: salt length = digest length = 32.
PSS_SHA256 = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
#: JOSE "RSA-OAEP" is OAEP with SHA-1 and MGF1-SHA-1 (not RSA-OAEP-256).
OAEP_SHA1 = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303

# The exact headers 2C2P sends; serialised once, compact, in this key order.
_JWS_HEADER = b64encode(b'{"alg":"PS256","typ":"JWT"}')
_JWE_HEADER = b64encode(b'{"alg":"RSA-OAEP","enc":"A256GCM"}')
# Header segments that are known to pass the policy, as they arrive from 2C2P and from this
# library: recognising the bytes skips a JSON parse on every message.
_KNOWN_GOOD_JWS = frozenset({_JWS_HEADER, b64encode(b'{"alg":"PS256"}')})
_KNOWN_GOOD_JWE = frozenset({_JWE_HEADER})

_CEK_BYTES = 32  # A256GCM
_IV_BYTES = 12
_TAG_BYTES = 16

# Parameters tolerated beside the required ones; anything else (zip, crit, jku, x5u, b64 ...)
# changes how a token must be processed, so it is refused rather than ignored.
_OPTIONAL = frozenset({"typ", "kid"})


def _check_header(header: Mapping[str, Any], what: str, required: Mapping[str, str]) -> None:
    for name, value in required.items():
        if header.get(name) != value:
            found = header.get(name)
            raise TokenFormatError(
                f"{what} {name} {found!r} is not allowed (only {value})"
                if isinstance(found, str)
                else f"{what} has no valid {name!r} (expected {value})"
            )
    for name, value in header.items():
        if name in required:
            continue
        if name not in _OPTIONAL:
            raise TokenFormatError(f"{what} parameter {name!r} is not allowed")
        if not isinstance(value, str):
            raise TokenFormatError(f"{what} parameter {name!r} must be a string")


def _key_list(keys: object, kind: type[Any], role: str, what: str) -> tuple[Any, ...]:
    listed = tuple(keys) if isinstance(keys, Sequence) and not isinstance(keys, str) else (keys,)
    if not listed:
        raise KeyLoadError(f"{role} needs at least one key")
    for key in listed:
        if not isinstance(key, kind):
            raise KeyLoadError(f"{role} must be an RSA {what} key, not {type(key).__name__}")
        if key.key_size < MIN_KEY_BITS:
            raise KeyLoadError(f"{role} is RSA-{key.key_size}; at least {MIN_KEY_BITS} needed")
    return listed


class Codec:
    """Seal and open 2C2P Payment Action tokens for one pair of parties.

    ``own_key`` is the local private key (signs outgoing tokens, decrypts incoming ones);
    ``peer_key`` is the other side's public key (encrypts outgoing, verifies incoming).
    A merchant uses ``Codec(merchant_private, gateway_public)``; a gateway uses
    ``Codec(gateway_private, merchant_public)``. Either may be a sequence of keys, newest
    first, while keys rotate (see the module docstring).

    Two envelopes: :meth:`seal`/:meth:`open` (nested JWS(JWE): signed and encrypted) and
    :meth:`sign`/:meth:`verify_payload` (JWS only: signed, not encrypted). Each refuses the
    other's tokens: there is no negotiation.

    Inbound tokens are checked in this order, and nothing is decrypted or parsed before the
    signature verifies: size cap, compact structure, outer header (PS256 only), signature,
    envelope kind, inner header (RSA-OAEP + A256GCM only), segment lengths, content key,
    content. A ``Codec`` holds no mutable state and may be shared between threads.
    """

    __slots__ = ("_max", "_own", "_own_keys", "_peer", "_peer_keys")

    def __init__(
        self,
        own_key: rsa.RSAPrivateKey | Sequence[rsa.RSAPrivateKey],
        peer_key: rsa.RSAPublicKey | Sequence[rsa.RSAPublicKey],
        *,
        max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
    ) -> None:
        self._own_keys: tuple[rsa.RSAPrivateKey, ...] = _key_list(
            own_key, rsa.RSAPrivateKey, "own_key", "private"
        )
        self._peer_keys: tuple[rsa.RSAPublicKey, ...] = _key_list(
            peer_key, rsa.RSAPublicKey, "peer_key", "public"
        )
        if isinstance(max_token_bytes, bool) or not isinstance(max_token_bytes, int):
            raise KeyLoadError("max_token_bytes must be an int")
        if max_token_bytes <= 0:
            raise KeyLoadError("max_token_bytes must be positive")
        self._own = self._own_keys[0]
        self._peer = self._peer_keys[0]
        self._max = max_token_bytes

    @property
    def max_token_bytes(self) -> int:
        """Inbound tokens longer than this are refused before any cryptography."""
        return self._max

    @property
    def own_keys(self) -> tuple[rsa.RSAPrivateKey, ...]:
        """Our private keys, newest (the signing key) first."""
        return self._own_keys

    @property
    def peer_keys(self) -> tuple[rsa.RSAPublicKey, ...]:
        """The peer's public keys, current (the one encrypted to) first."""
        return self._peer_keys

    def __repr__(self) -> str:
        own = ", ".join(f"RSA-{k.key_size}" for k in self._own_keys)
        peer = ", ".join(f"RSA-{k.key_size}" for k in self._peer_keys)
        return f"Codec(own=[{own}] private, peer=[{peer}] public, max_token_bytes={self._max})"

    # -- nested: JWS(JWE) ------------------------------------------------------------------------

    def seal(self, plaintext: bytes) -> str:
        """Encrypt ``plaintext`` to the peer, then sign the compact JWE with our key."""
        cek = os.urandom(_CEK_BYTES)
        iv = os.urandom(_IV_BYTES)
        encrypted_key = self._peer.encrypt(cek, OAEP_SHA1)
        sealed = AESGCM(cek).encrypt(iv, _plaintext(plaintext), _JWE_HEADER)
        jwe = b".".join(
            (
                _JWE_HEADER,
                b64encode(encrypted_key),
                b64encode(iv),
                b64encode(sealed[:-_TAG_BYTES]),
                b64encode(sealed[-_TAG_BYTES:]),
            )
        )
        return self._signed(jwe)

    def verify(self, token: str | bytes) -> str:
        """Verify the outer signature of a nested token; return the inner compact JWE.

        Proves a token was signed by the peer even when it was encrypted to someone else.
        """
        return jwe_from_payload(self._verified_payload(token)).decode("ascii")

    def open(self, token: str | bytes) -> bytes:
        """Verify the signature, then decrypt; return the plaintext."""
        header_b64, key_b64, iv_b64, ciphertext_b64, tag_b64 = split_jwe(
            jwe_from_payload(self._verified_payload(token))
        )
        if header_b64 not in _KNOWN_GOOD_JWE:
            _check_header(
                decode_header(header_b64, "JWE header"),
                "JWE header",
                {"alg": "RSA-OAEP", "enc": "A256GCM"},
            )
        encrypted_key = b64decode(key_b64, "JWE encrypted key")
        iv = b64decode(iv_b64, "JWE iv")
        ciphertext = b64decode(ciphertext_b64, "JWE ciphertext")
        tag = b64decode(tag_b64, "JWE tag")
        fitting = [k for k in self._own_keys if (k.key_size + 7) // 8 == len(encrypted_key)]
        if not fitting:
            sizes = "/".join(str((k.key_size + 7) // 8) for k in self._own_keys)
            kinds = ", ".join(f"RSA-{k.key_size}" for k in self._own_keys)
            raise DecryptionError(
                f"JWE encrypted key is {len(encrypted_key)} bytes; our {kinds} key"
                f"{'s expect' if len(self._own_keys) > 1 else ' expects'} {sizes}"
                " (was it encrypted to another key?)"
            )
        if len(iv) != _IV_BYTES or len(tag) != _TAG_BYTES:
            raise TokenFormatError("JWE iv must be 12 bytes and tag 16 bytes for A256GCM")
        failure = DecryptionError(
            "could not decrypt the JWE content key with our private key"
            f"{'s' if len(fitting) > 1 else ''} (encrypted to another key, or tampered)"
        )
        # While keys rotate, only the keys of the right size are tried, newest first.
        for key in fitting:
            try:
                cek = key.decrypt(encrypted_key, OAEP_SHA1)
            except ValueError:
                continue
            if len(cek) != _CEK_BYTES:
                raise DecryptionError("JWE content key has the wrong length for A256GCM")
            try:
                # The AAD is the protected header exactly as received, never a
                # re-serialisation.
                return AESGCM(cek).decrypt(iv, ciphertext + tag, header_b64)
            except InvalidTag:
                failure = DecryptionError("JWE content failed authentication (tampered)")
        raise failure

    # -- JWS only ----------------------------------------------------------------------------

    def sign(self, payload: bytes) -> str:
        """Sign ``payload`` as a compact JWS (PS256) with our key; the payload is not encrypted."""
        return self._signed(_plaintext(payload))

    def verify_payload(self, token: str | bytes) -> bytes:
        """Verify a JWS-only token with the peer's key; return its payload.

        A nested JWS(JWE) is refused: an operation that expects a signed body never accepts an
        encrypted one in its place (and :meth:`open` refuses a bare JWS likewise).
        """
        payload = self._verified_payload(token)
        if looks_like_jwe(payload):
            raise TokenFormatError(
                "expected a signed body (JWS only), got a nested JWS(JWE) token"
            )
        return payload

    # -- shared --------------------------------------------------------------------------------

    def _signed(self, payload: bytes) -> str:
        signing_input = _JWS_HEADER + b"." + b64encode(payload)
        signature = self._own.sign(signing_input, PSS_SHA256, hashes.SHA256())
        return (signing_input + b"." + b64encode(signature)).decode("ascii")

    def _verified_payload(self, token: str | bytes) -> bytes:
        return _verified_payload(token, self._peer_keys, self._max)


def _plaintext(data: object) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    raise ValidationError(f"the payload to protect must be bytes, not {type(data).__name__}")


def verify_signature(
    token: str | bytes,
    peer_key: rsa.RSAPublicKey | Sequence[rsa.RSAPublicKey],
    *,
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
) -> str:
    """:meth:`Codec.verify` with the peer's public key(s) alone: check the outer signature
    under the same rules and return the inner compact JWE (for tools that hold no private key).
    """
    peers = _key_list(peer_key, rsa.RSAPublicKey, "peer_key", "public")
    return jwe_from_payload(_verified_payload(token, peers, max_token_bytes)).decode("ascii")


def _verified_payload(
    token: str | bytes, peers: tuple[rsa.RSAPublicKey, ...], max_bytes: int
) -> bytes:
    parts = split_jws(to_bytes(token, max_bytes))
    if parts.header not in _KNOWN_GOOD_JWS:
        _check_header(decode_header(parts.header, "JWS header"), "JWS header", {"alg": "PS256"})
    signature = b64decode(parts.signature, "JWS signature")
    fitting = [peer for peer in peers if (peer.key_size + 7) // 8 == len(signature)]
    if not fitting:
        kinds = ", ".join(f"RSA-{p.key_size}" for p in peers)
        sizes = "/".join(f"{(p.key_size + 7) // 8}" for p in peers)
        keys = "key makes" if len(peers) == 1 else "keys make"
        raise SignatureError(
            f"JWS signature is {len(signature)} bytes; the peer's {kinds} {keys} {sizes}"
        )
    for peer in fitting:
        try:
            peer.verify(signature, parts.signing_input, PSS_SHA256, hashes.SHA256())
        except InvalidSignature:
            continue
        return b64decode(parts.payload, "JWS payload")
    plural = "s" if len(peers) > 1 else ""
    raise SignatureError(f"JWS signature does not verify with the peer's public key{plural}")
