"""Messages per second of the codec's envelopes, against the raw ``cryptography`` floor.

Behind ``2c2p bench``; ``benchmarks/bench_codec.py`` builds its floors from the same steps.

Each envelope is measured from both sides of the exchange: the merchant seals a request and
opens a response, the gateway seals a response and opens a request. The **floor** of each
operation is the same RSA and AES-GCM work called directly through ``cryptography`` (no
framing, no base64, no header checks), on inputs of the same sizes and with the same key
objects, so an HSM or KMS key pays its own cost in both. A batch of the codec's operation is
timed right next to a batch of its floor, the order alternating round after round until the
time is spent; the ratio reported is the median of those paired ratios (1.000x = the codec
adds nothing to the primitives). Messages per second are per thread.

To add an envelope, append an :class:`Envelope` to :data:`ENVELOPES`: its two codec calls and
the floor steps of each (``SIGN``, ``VERIFY``, ``ENCRYPT``, ``DECRYPT``).
"""

from __future__ import annotations

import base64
import gc
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from c2p_action.codec import Codec
from c2p_action.codec.jose import OAEP_SHA1, PSS_SHA256

__all__ = [
    "DECRYPT",
    "ENCRYPT",
    "ENVELOPES",
    "JWS",
    "JWS_JWE",
    "SAMPLE_REQUEST_XML",
    "SAMPLE_RESPONSE_XML",
    "SIGN",
    "VERIFY",
    "Case",
    "Envelope",
    "FloorStep",
    "Party",
    "Result",
    "build_cases",
    "floor",
    "measure",
]

#: The refund guide's sample refund request, as the codec's XML writer renders it.
SAMPLE_REQUEST_XML = (
    b"<PaymentProcessRequest><version>3.8</version><merchantID>JT07</merchantID>"
    b"<processType>R</processType><invoiceNo>260121085327</invoiceNo>"
    b"<actionAmount>25.00</actionAmount></PaymentProcessRequest>"
)
#: The refund guide's sample response.
SAMPLE_RESPONSE_XML = (
    b"<PaymentProcessResponse><version>3.8</version><timeStamp>250221155131</timeStamp>"
    b"<respCode>00</respCode><respDesc>Success</respDesc><processType>R</processType>"
    b"<invoiceNo>260121085327</invoiceNo><amount>25.00</amount><status>RF</status>"
    b"<approvalCode>2508513089</approvalCode><referenceNo>3528643</referenceNo>"
    b"<refundReferenceNo>3598743</refundReferenceNo><transactionDateTime>20210126085854"
    b"</transactionDateTime><maskedPan>411111XXXXXX1111</maskedPan><eci>05</eci>"
    b"<paymentScheme>VI</paymentScheme><processBy>VI</processBy></PaymentProcessResponse>"
)

# A compact JWE header of the length the codec uses, as the AES-GCM associated data.
_AAD = base64.urlsafe_b64encode(b'{"alg":"RSA-OAEP","enc":"A256GCM"}').rstrip(b"=")

Operation = Callable[[], object]

#: Builds one primitive operation of a floor from (own private key, peer public key, the
#: payload, a token of the envelope carrying it); the returned callable does the work once.
FloorStep = Callable[[rsa.RSAPrivateKey, rsa.RSAPublicKey, bytes, str], Operation]


def _signing_input(token: str) -> bytes:
    return token.rsplit(".", 1)[0].encode("ascii")


def _sign(own: rsa.RSAPrivateKey, peer: rsa.RSAPublicKey, payload: bytes, token: str) -> Operation:
    data = _signing_input(token)
    return partial(own.sign, data, PSS_SHA256, hashes.SHA256())


def _verify(
    own: rsa.RSAPrivateKey, peer: rsa.RSAPublicKey, payload: bytes, token: str
) -> Operation:
    # The token was signed by the peer: its own signature is verified, as the codec does.
    encoded = token.rsplit(".", 1)[1]
    signature = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    return partial(peer.verify, signature, _signing_input(token), PSS_SHA256, hashes.SHA256())


def _encrypt(
    own: rsa.RSAPrivateKey, peer: rsa.RSAPublicKey, payload: bytes, token: str
) -> Operation:
    def run() -> object:
        cek = os.urandom(32)
        peer.encrypt(cek, OAEP_SHA1)
        return AESGCM(cek).encrypt(os.urandom(12), payload, _AAD)

    return run


def _decrypt(
    own: rsa.RSAPrivateKey, peer: rsa.RSAPublicKey, payload: bytes, token: str
) -> Operation:
    cek, iv = os.urandom(32), os.urandom(12)
    encrypted_key = own.public_key().encrypt(cek, OAEP_SHA1)
    sealed = AESGCM(cek).encrypt(iv, payload, _AAD)

    def run() -> object:
        return AESGCM(own.decrypt(encrypted_key, OAEP_SHA1)).decrypt(iv, sealed, _AAD)

    return run


#: RSA-PSS (SHA-256) signature with our key over the token's signing input.
SIGN: FloorStep = _sign
#: RSA-PSS verification of the peer's signature with the peer's public key.
VERIFY: FloorStep = _verify
#: A fresh content key RSA-OAEP-encrypted to the peer, and the payload sealed with AES-256-GCM.
ENCRYPT: FloorStep = _encrypt
#: The content key RSA-OAEP-decrypted with our key, and the payload opened with AES-256-GCM.
DECRYPT: FloorStep = _decrypt


@dataclass(frozen=True)
class Envelope:
    """One way the codec wraps a message: how to seal and open it, and the floor of each."""

    name: str
    description: str
    seal: Callable[[Codec, bytes], str]
    open: Callable[[Codec, str], bytes]
    seal_floor: tuple[FloorStep, ...]
    open_floor: tuple[FloorStep, ...]


#: The nested envelope of every Payment Action message.
JWS_JWE = Envelope(
    "jws-jwe",
    "JWS (PS256) over JWE (RSA-OAEP, A256GCM): Codec.seal / Codec.open",
    seal=Codec.seal,
    open=Codec.open,
    seal_floor=(ENCRYPT, SIGN),
    open_floor=(VERIFY, DECRYPT),
)

#: The signed-only envelope of the balance and withdrawal messages.
JWS = Envelope(
    "jws",
    "JWS (PS256) over the body, not encrypted: Codec.sign / Codec.verify_payload",
    seal=Codec.sign,
    open=Codec.verify_payload,
    seal_floor=(SIGN,),
    open_floor=(VERIFY,),
)

#: Every envelope ``2c2p bench`` measures, in the order it prints them.
ENVELOPES: tuple[Envelope, ...] = (JWS_JWE, JWS)


@dataclass(frozen=True)
class Party:
    """One side of the exchange: its private key, the peer's public key, what it sends."""

    role: str
    own: rsa.RSAPrivateKey
    peer: rsa.RSAPublicKey
    outbound: bytes

    @property
    def codec(self) -> Codec:
        """The side's codec (the keys are used only through their public methods)."""
        return Codec(self.own, self.peer)


def floor(
    steps: Sequence[FloorStep],
    own: rsa.RSAPrivateKey,
    peer: rsa.RSAPublicKey,
    payload: bytes,
    token: str,
) -> Operation:
    """The floor operation: ``steps`` built for these keys and inputs, run one after another."""
    operations = [step(own, peer, payload, token) for step in steps]

    def run() -> object:
        result = None
        for operation in operations:
            result = operation()
        return result

    return run


@dataclass(frozen=True)
class Case:
    """One operation of one envelope on one side, and its floor."""

    envelope: str
    role: str
    operation: str
    run: Operation
    floor: Operation


def build_cases(envelopes: Sequence[Envelope], merchant: Party, gateway: Party) -> list[Case]:
    """Seal and open for each side of each envelope; every pair is checked to round-trip."""
    cases = []
    for envelope in envelopes:
        for me, peer in ((merchant, gateway), (gateway, merchant)):
            mine, theirs = me.codec, peer.codec
            outgoing = envelope.seal(mine, me.outbound)
            incoming = envelope.seal(theirs, peer.outbound)
            if (
                envelope.open(theirs, outgoing) != me.outbound
                or envelope.open(mine, incoming) != peer.outbound
            ):
                raise RuntimeError(f"{envelope.name}: a sealed message did not open as sent")
            cases.append(
                Case(
                    envelope.name,
                    me.role,
                    "seal",
                    partial(envelope.seal, mine, me.outbound),
                    floor(envelope.seal_floor, me.own, me.peer, me.outbound, outgoing),
                )
            )
            cases.append(
                Case(
                    envelope.name,
                    me.role,
                    "open",
                    partial(envelope.open, mine, incoming),
                    floor(envelope.open_floor, me.own, me.peer, peer.outbound, incoming),
                )
            )
    return cases


@dataclass(frozen=True)
class Result:
    """What one case measured."""

    envelope: str
    role: str
    operation: str
    messages_per_second: float  # 1 / the median time per message, one thread
    floor_messages_per_second: float
    ratio_to_floor: float  # median of the paired ratios: codec time / floor time
    messages: int  # how many the codec sealed or opened while measured


@contextmanager
def _quiet_gc() -> Iterator[None]:
    # Objects from start-up would otherwise be rescanned by every collection, charging
    # whichever batch happens to trigger one.
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _timed(operation: Operation, batch: int) -> float:
    start = time.perf_counter()
    for _ in range(batch):
        operation()
    return (time.perf_counter() - start) / batch


def measure(cases: Sequence[Case], duration: float, *, target_rounds: int = 30) -> list[Result]:
    """Time every case next to its floor, round after round, for about ``duration`` seconds.

    At least one round runs whatever ``duration`` is. Batches are sized from one timed call
    each so that about ``target_rounds`` rounds fit in the time.
    """
    batches = []
    for case in cases:
        case.run()  # warm caches and lazily built state
        case.floor()
        per_call = max(_timed(case.run, 1), 1e-7)
        share = duration / (target_rounds * 2 * len(cases))
        batches.append(max(1, min(1000, int(share / per_call))))
    ours: list[list[float]] = [[] for _ in cases]
    floors: list[list[float]] = [[] for _ in cases]
    with _quiet_gc():
        deadline = time.perf_counter() + duration
        round_no = 0
        while round_no == 0 or time.perf_counter() < deadline:
            for index, case in enumerate(cases):
                batch = batches[index]
                if round_no % 2:
                    ours[index].append(_timed(case.run, batch))
                    floors[index].append(_timed(case.floor, batch))
                else:
                    floors[index].append(_timed(case.floor, batch))
                    ours[index].append(_timed(case.run, batch))
            round_no += 1
    return [
        Result(
            case.envelope,
            case.role,
            case.operation,
            messages_per_second=1 / statistics.median(ours[index]),
            floor_messages_per_second=1 / statistics.median(floors[index]),
            ratio_to_floor=statistics.median(
                a / b for a, b in zip(ours[index], floors[index], strict=True)
            ),
            messages=batches[index] * len(ours[index]),
        )
        for index, case in enumerate(cases)
    ]
