"""Build nested tokens with arbitrary headers and keys, independently of the library's codec.

Tests use it to produce tokens a well-behaved peer never would (other algorithms, odd header
spacing, tampered segments) while keeping every other part cryptographically valid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Jwe:
    """The five segments of a compact JWE, encoded."""

    header: str
    key: str
    iv: str
    ciphertext: str
    tag: str

    def compact(self) -> str:
        return ".".join((self.header, self.key, self.iv, self.ciphertext, self.tag))


def encrypt(
    plaintext: bytes,
    to: rsa.RSAPublicKey,
    header: bytes = b'{"alg":"RSA-OAEP","enc":"A256GCM"}',
) -> Jwe:
    cek, iv = os.urandom(32), os.urandom(12)
    header_b64 = b64(header)
    sealed = AESGCM(cek).encrypt(iv, plaintext, header_b64.encode())
    encrypted_key = b64(to.encrypt(cek, OAEP))
    return Jwe(header_b64, encrypted_key, b64(iv), b64(sealed[:-16]), b64(sealed[-16:]))


def sign(
    payload: str,
    key: rsa.RSAPrivateKey,
    header: bytes = b'{"alg":"PS256","typ":"JWT"}',
) -> str:
    signing_input = f"{b64(header)}.{b64(payload.encode())}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode(), PSS, hashes.SHA256()))}"


RS256_HEADER = b'{"alg":"RS256"}'
HS256_HEADER = b'{"alg":"HS256"}'


def sign_rs256(payload: str, key: rsa.RSAPrivateKey) -> str:
    signing_input = f"{b64(RS256_HEADER)}.{b64(payload.encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


def sign_hs256(payload: str, secret: bytes) -> str:
    signing_input = f"{b64(HS256_HEADER)}.{b64(payload.encode())}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def nested(
    plaintext: bytes,
    signer: rsa.RSAPrivateKey,
    recipient: rsa.RSAPublicKey,
    *,
    jws_header: bytes = b'{"alg":"PS256","typ":"JWT"}',
    jwe_header: bytes = b'{"alg":"RSA-OAEP","enc":"A256GCM"}',
) -> str:
    return sign(encrypt(plaintext, recipient, jwe_header).compact(), signer, jws_header)


def flip(segment: str, index: int = 0) -> str:
    """Change one base64url character so the decoded bytes differ."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    old = segment[index]
    new = alphabet[(alphabet.index(old) + 1) % 64]
    return segment[:index] + new + segment[index + 1 :]


__all__ = ["Jwe", "b64", "encrypt", "flip", "nested", "replace", "sign", "sign_hs256", "sign_rs256"]
