"""The nested envelope: JWS(PS256) over a compact JWE(RSA-OAEP, A256GCM).

Built directly on ``cryptography`` so that the per-message cost stays at the RSA floor (see
``benchmarks/README.md``) and every inbound rule is explicit here rather than inside a
general-purpose JOSE library's defaults. ``joserfc`` and ``jwcrypto`` serve as independent
implementations in the tests and the benchmark.

The keys are used only through ``sign``/``verify``/``encrypt``/``decrypt``/``key_size`` so that
HSM and KMS keys, which cannot be exported, take exactly the same path as file keys.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
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
    split_jwe,
    split_jws,
    to_bytes,
)
from c2p_action.errors import DecryptionError, KeyLoadError, SignatureError, TokenFormatError

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


class Codec:
    """Seal and open 2C2P Payment Action tokens for one pair of keys.

    ``own_key`` is the local private key (signs outgoing tokens, decrypts incoming ones);
    ``peer_key`` is the other side's public key (encrypts outgoing, verifies incoming).
    A merchant uses ``Codec(merchant_private, gateway_public)``; a gateway uses
    ``Codec(gateway_private, merchant_public)``.

    Inbound tokens are checked in this order, and nothing is decrypted or parsed before the
    signature verifies: size cap, compact structure, outer header (PS256 only), signature,
    inner header (RSA-OAEP + A256GCM only), segment lengths, content key, content.
    A ``Codec`` holds no mutable state and may be shared between threads.
    """

    __slots__ = ("_max", "_own", "_own_bytes", "_peer")

    def __init__(
        self,
        own_key: rsa.RSAPrivateKey,
        peer_key: rsa.RSAPublicKey,
        *,
        max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
    ) -> None:
        if not isinstance(own_key, rsa.RSAPrivateKey):
            raise KeyLoadError(f"own_key must be an RSA private key, not {type(own_key).__name__}")
        if not isinstance(peer_key, rsa.RSAPublicKey):
            raise KeyLoadError(f"peer_key must be an RSA public key, not {type(peer_key).__name__}")
        for role, key in (("own_key", own_key), ("peer_key", peer_key)):
            if key.key_size < MIN_KEY_BITS:
                raise KeyLoadError(f"{role} is RSA-{key.key_size}; at least {MIN_KEY_BITS} needed")
        if max_token_bytes <= 0:
            raise ValueError("max_token_bytes must be positive")
        self._own = own_key
        self._peer = peer_key
        self._own_bytes = (own_key.key_size + 7) // 8
        self._max = max_token_bytes

    @property
    def max_token_bytes(self) -> int:
        """Inbound tokens longer than this are refused before any cryptography."""
        return self._max

    def __repr__(self) -> str:
        return (
            f"Codec(own=RSA-{self._own.key_size} private, peer=RSA-{self._peer.key_size} public,"
            f" max_token_bytes={self._max})"
        )

    def seal(self, plaintext: bytes) -> str:
        """Encrypt ``plaintext`` to the peer, then sign the compact JWE with our key."""
        cek = os.urandom(_CEK_BYTES)
        iv = os.urandom(_IV_BYTES)
        encrypted_key = self._peer.encrypt(cek, OAEP_SHA1)
        sealed = AESGCM(cek).encrypt(iv, plaintext, _JWE_HEADER)
        jwe = b".".join(
            (
                _JWE_HEADER,
                b64encode(encrypted_key),
                b64encode(iv),
                b64encode(sealed[:-_TAG_BYTES]),
                b64encode(sealed[-_TAG_BYTES:]),
            )
        )
        signing_input = _JWS_HEADER + b"." + b64encode(jwe)
        signature = self._own.sign(signing_input, PSS_SHA256, hashes.SHA256())
        return (signing_input + b"." + b64encode(signature)).decode("ascii")

    def verify(self, token: str | bytes) -> str:
        """Verify the outer signature with the peer's key; return the inner compact JWE.

        Proves a token was signed by the peer even when it was encrypted to someone else.
        """
        return self._verified_jwe(token).decode("ascii")

    def open(self, token: str | bytes) -> bytes:
        """Verify the signature, then decrypt; return the plaintext."""
        header_b64, key_b64, iv_b64, ciphertext_b64, tag_b64 = split_jwe(
            self._verified_jwe(token)
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
        if len(encrypted_key) != self._own_bytes:
            raise DecryptionError(
                f"JWE encrypted key is {len(encrypted_key)} bytes; our RSA-{self._own.key_size}"
                f" key expects {self._own_bytes} (was it encrypted to another key?)"
            )
        if len(iv) != _IV_BYTES or len(tag) != _TAG_BYTES:
            raise TokenFormatError("JWE iv must be 12 bytes and tag 16 bytes for A256GCM")
        try:
            cek = self._own.decrypt(encrypted_key, OAEP_SHA1)
        except ValueError:
            raise DecryptionError(
                "could not decrypt the JWE content key with our private key"
                " (encrypted to another key, or tampered)"
            ) from None
        if len(cek) != _CEK_BYTES:
            raise DecryptionError("JWE content key has the wrong length for A256GCM")
        try:
            # The AAD is the protected header exactly as received, never a re-serialisation.
            return AESGCM(cek).decrypt(iv, ciphertext + tag, header_b64)
        except InvalidTag:
            raise DecryptionError("JWE content failed authentication (tampered)") from None

    def _verified_jwe(self, token: str | bytes) -> bytes:
        return _verified_jwe(token, self._peer, self._max)


def verify_signature(
    token: str | bytes,
    peer_key: rsa.RSAPublicKey,
    *,
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
) -> str:
    """:meth:`Codec.verify` with the peer's public key alone: check the outer signature under
    the same rules and return the inner compact JWE (for tools that hold no private key)."""
    return _verified_jwe(token, peer_key, max_token_bytes).decode("ascii")


def _verified_jwe(token: str | bytes, peer: rsa.RSAPublicKey, max_bytes: int) -> bytes:
    parts = split_jws(to_bytes(token, max_bytes))
    if parts.header not in _KNOWN_GOOD_JWS:
        _check_header(decode_header(parts.header, "JWS header"), "JWS header", {"alg": "PS256"})
    signature = b64decode(parts.signature, "JWS signature")
    expected = (peer.key_size + 7) // 8
    if len(signature) != expected:
        raise SignatureError(
            f"JWS signature is {len(signature)} bytes; the peer's RSA-{peer.key_size}"
            f" key makes {expected}"
        )
    try:
        peer.verify(signature, parts.signing_input, PSS_SHA256, hashes.SHA256())
    except InvalidSignature:
        raise SignatureError("JWS signature does not verify with the peer's public key") from None
    return jwe_from_payload(parts.payload)
