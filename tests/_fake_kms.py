"""FakeKms: a KMS-compatible HTTP server on 127.0.0.1 for tests (not AWS, not an emulator).

It speaks the AWS JSON 1.1 protocol (``X-Amz-Target: TrentService.<Operation>``) for
GetPublicKey, Sign and Decrypt, so ``boto3``, unchanged, talks to it through ``endpoint_url``.
It holds real RSA keys and performs the operations with ``cryptography`` the way AWS documents
them: ``RSASSA_PSS_SHA_256`` uses salt length 32 (the digest length), ``RSAES_OAEP_SHA_1``
is OAEP with SHA-1/MGF1-SHA-1. It enforces key usage, key state and per-key denied operations,
can throttle the next N calls, and answers errors in AWS's shape (HTTP 400,
``{"__type": ..., "message": ...}``). Request signatures (SigV4) are not verified; only the
presence of an ``Authorization`` header is. Real AWS KMS has not been exercised by this suite.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

REGION = "ap-southeast-1"
ACCOUNT = "111122223333"

_SIGNING = {
    "RSASSA_PSS_SHA_256": (
        hashes.SHA256(),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
    ),
    "RSASSA_PKCS1_V1_5_SHA_256": (hashes.SHA256(), padding.PKCS1v15()),
}
_ALL_SIGNING = [
    "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
]
_ENCRYPTION = {
    "RSAES_OAEP_SHA_1": padding.OAEP(
        mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None  # noqa: S303
    ),
    "RSAES_OAEP_SHA_256": padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
    ),
}


class KmsError(Exception):
    """An error answer in AWS's JSON shape."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class FakeKey:
    """One KMS key: its private RSA material, usage and state."""

    key_id: str
    private: rsa.RSAPrivateKey
    usage: str  # SIGN_VERIFY or ENCRYPT_DECRYPT
    enabled: bool = True
    denied: set[str] = field(default_factory=set)  # operations refused with AccessDenied

    @property
    def arn(self) -> str:
        return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{self.key_id}"


class FakeKms:
    """The server state and a ``ThreadingHTTPServer`` on 127.0.0.1; use as a context manager."""

    def __init__(self) -> None:
        self.keys: dict[str, FakeKey] = {}
        self.aliases: dict[str, str] = {}
        self.calls: Counter[str] = Counter()
        self.throttle_next = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeKms:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def add_key(self, private: rsa.RSAPrivateKey, usage: str, alias: str | None = None) -> FakeKey:
        """Import ``private`` as a new KMS key of ``usage``; optionally name it ``alias/...``."""
        key = FakeKey(str(uuid.uuid4()), private, usage)
        self.keys[key.key_id] = key
        if alias is not None:
            self.aliases[alias] = key.key_id
        return key

    def uri(self, sign: FakeKey | str, decrypt: FakeKey | str) -> str:
        """An ``aws-kms:`` URI for the two keys, pointing boto3 at this server."""
        ids = [k.arn if isinstance(k, FakeKey) else k for k in (sign, decrypt)]
        return (
            f"aws-kms:?sign={ids[0]}&decrypt={ids[1]}&region={REGION}"
            f"&endpoint-url={self.endpoint_url}"
        )

    # ------------------------------------------------------------------ operations

    def handle(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.calls[operation] += 1
            if self.throttle_next > 0:
                self.throttle_next -= 1
                raise KmsError("ThrottlingException", "Rate exceeded")
        method = {
            "GetPublicKey": self._get_public_key,
            "Sign": self._sign,
            "Decrypt": self._decrypt,
        }.get(operation)
        if method is None:
            raise KmsError("UnknownOperationException", f"{operation} is not implemented here")
        return method(request)

    def _key(self, request: dict[str, Any], operation: str) -> FakeKey:
        key_id = request.get("KeyId")
        if not isinstance(key_id, str) or not key_id:
            raise KmsError("ValidationException", "KeyId is required")
        if key_id.startswith("alias/"):
            key_id = self.aliases.get(key_id, "")
        elif key_id.startswith("arn:"):
            key_id = key_id.rsplit("/", 1)[-1]
        key = self.keys.get(key_id)
        if key is None:
            raise KmsError("NotFoundException", f"Key '{request['KeyId']}' does not exist")
        if operation in key.denied:
            raise KmsError(
                "AccessDeniedException",
                f"User is not authorized to perform: kms:{operation} on resource: {key.arn}",
            )
        if not key.enabled:
            raise KmsError("DisabledException", f"{key.arn} is disabled.")
        return key

    def _get_public_key(self, request: dict[str, Any]) -> dict[str, Any]:
        key = self._key(request, "GetPublicKey")
        der = key.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        answer: dict[str, Any] = {
            "KeyId": key.arn,
            "PublicKey": _b64(der),
            "KeySpec": f"RSA_{key.private.key_size}",
            "CustomerMasterKeySpec": f"RSA_{key.private.key_size}",
            "KeyUsage": key.usage,
        }
        if key.usage == "SIGN_VERIFY":
            answer["SigningAlgorithms"] = _ALL_SIGNING
        else:
            answer["EncryptionAlgorithms"] = sorted(_ENCRYPTION)
        return answer

    def _sign(self, request: dict[str, Any]) -> dict[str, Any]:
        key = self._key(request, "Sign")
        algorithm = request.get("SigningAlgorithm")
        if key.usage != "SIGN_VERIFY":
            raise KmsError(
                "InvalidKeyUsageException",
                f"{key.arn} key usage is {key.usage} which is not valid for Sign.",
            )
        if algorithm not in _SIGNING:
            raise KmsError("ValidationException", f"SigningAlgorithm {algorithm} not supported")
        digest_algorithm, scheme = _SIGNING[algorithm]
        message = base64.b64decode(request.get("Message", ""))
        message_type = request.get("MessageType", "RAW")
        if message_type == "DIGEST":
            if len(message) != digest_algorithm.digest_size:
                raise KmsError("ValidationException", "Digest is invalid length for algorithm")
            signature = key.private.sign(message, scheme, utils.Prehashed(digest_algorithm))
        elif message_type == "RAW":
            if len(message) > 4096:
                raise KmsError("ValidationException", "Message is too long")
            signature = key.private.sign(message, scheme, digest_algorithm)
        else:
            raise KmsError("ValidationException", f"MessageType {message_type} is invalid")
        return {"KeyId": key.arn, "Signature": _b64(signature), "SigningAlgorithm": algorithm}

    def _decrypt(self, request: dict[str, Any]) -> dict[str, Any]:
        key = self._key(request, "Decrypt")
        algorithm = request.get("EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
        if key.usage != "ENCRYPT_DECRYPT":
            raise KmsError(
                "InvalidKeyUsageException",
                f"{key.arn} key usage is {key.usage} which is not valid for Decrypt.",
            )
        if algorithm not in _ENCRYPTION:
            raise KmsError(
                "InvalidKeyUsageException",
                f"{algorithm} is not a valid encryption algorithm for {key.arn}",
            )
        try:
            plaintext = key.private.decrypt(
                base64.b64decode(request.get("CiphertextBlob", "")), _ENCRYPTION[algorithm]
            )
        except ValueError:
            raise KmsError("InvalidCiphertextException", "") from None
        return {"KeyId": key.arn, "Plaintext": _b64(plaintext), "EncryptionAlgorithm": algorithm}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _handler_for(kms: FakeKms) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            target = self.headers.get("X-Amz-Target", "")
            try:
                if not self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256"):
                    raise KmsError("MissingAuthenticationTokenException", "Missing token")
                if not target.startswith("TrentService."):
                    raise KmsError("UnknownOperationException", "Unknown target")
                answer = kms.handle(target.removeprefix("TrentService."), json.loads(body or b"{}"))
                self._reply(200, answer)
            except KmsError as exc:
                self._reply(400, {"__type": exc.code, "message": exc.message})

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler
