"""Per-message cost of the codec against the raw `cryptography` floor, in one process.

    python benchmarks/bench_codec.py [--rounds 30] [--batch 20] [--no-write]

Every case runs on the same message and keys (merchant RSA-4096, gateway RSA-2048). Each case
is timed as a batch right next to a batch of its floor (the same primitives called directly:
RSA-OAEP, AES-GCM and RSA-PSS, no framing, no XML or JSON), the order alternating round by
round. Four directions: the nested XML request and response (the refund guide's sample), and a
JWS-only JSON message (a balance inquiry: signed by the merchant, verified by the gateway) and
its answer (a balance, verified by the merchant).
Reported: each case's fastest batch over the floor's fastest (interference on a shared machine
only ever adds time, so the minimum is the stable estimate; the targets are judged on it), and
the median of the paired ratios of adjacent batches. Absolute times are for orientation only.
``--batch 1`` measures single cold calls instead (every Python-level implementation pays more
then: its code and data are evicted by whatever ran before). The nested XML table is written
into benchmarks/README.md between the ``codec`` markers, the JWS-only one between the ``jws``
markers; ``--only nested`` or ``--only jws`` measures (and rewrites) one of them. The JWS-only
table also gives the cost of our own work alone: the same calls with keys that return
precomputed RSA results, which a loaded machine does not blur.
"""

from __future__ import annotations

import argparse
import base64
import gc
import statistics
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from _report import machine_line, write_table
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwe as joserfc_jwe
from joserfc import jws as joserfc_jws
from joserfc.jwk import RSAKey
from joserfc.jws import JWSRegistry
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws
from jwcrypto.common import json_encode

from c2p_action import Codec
from c2p_action._bench import JWS_JWE, SAMPLE_RESPONSE_XML, floor
from c2p_action.codec import decode_response, encode_request, from_json, from_xml, to_json, to_xml
from c2p_action.codec.jose import PSS_SHA256
from c2p_action.codec.xml import REFERENCE_PARSER, REFERENCE_SERIALIZER
from c2p_action.schemas import (
    BalanceInquiryRequest,
    BalanceInquiryResponse,
    PaymentProcessRequest,
    PaymentProcessResponse,
    ProcessType,
)

Case = Callable[[], object]
TARGET = 1.03

REQUEST = PaymentProcessRequest(
    merchant_id="JT07",
    invoice_no="260121085327",
    action_amount=Decimal("25.00"),
    process_type=ProcessType.R,
)
RESPONSE_XML = SAMPLE_RESPONSE_XML


# The balance guide's sample request and answer (reference section 7).
BALANCE_REQUEST = BalanceInquiryRequest(merchant_id="702702000000000", version="1.0")
BALANCE_JSON = (
    b'{"version":"1.0","respCode":"00","respDesc":"Success",'
    b'"availableBalance":"795904449.7206","currency":"SGD"}'
)
JWS_ROUND = "JWS-only balance request (model -> token -> model)"
JWS_ANSWER = "JWS-only balance answer (token -> model)"


class _InstantPrivate(rsa.RSAPrivateKey):
    """Benchmark stand-in: a private key whose ``sign`` returns a precomputed signature, so
    that what the codec does around RSA can be timed alone (never used for security)."""

    def __init__(self, inner: rsa.RSAPrivateKey, signature: bytes) -> None:
        self._inner, self._signature = inner, signature

    def sign(self, *args: Any) -> bytes:
        return self._signature

    def decrypt(self, *args: Any) -> bytes:
        return self._inner.decrypt(*args)

    @property
    def key_size(self) -> int:
        return self._inner.key_size

    def public_key(self) -> rsa.RSAPublicKey:
        return self._inner.public_key()

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        return self._inner.private_numbers()

    def private_bytes(self, *args: Any) -> bytes:
        return self._inner.private_bytes(*args)

    def __copy__(self) -> _InstantPrivate:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> _InstantPrivate:
        return self


class _InstantPublic(rsa.RSAPublicKey):
    """Benchmark stand-in: a public key whose ``verify`` accepts at once (see above)."""

    def __init__(self, inner: rsa.RSAPublicKey) -> None:
        self._inner = inner

    def verify(self, *args: Any) -> None:
        return None

    def encrypt(self, *args: Any) -> bytes:
        return self._inner.encrypt(*args)

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

    def __copy__(self) -> _InstantPublic:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> _InstantPublic:
        return self

    __hash__ = object.__hash__


def own_work(repeat: int = 40, number: int = 250) -> dict[str, float]:
    """Seconds per message of everything the JWS-only path does besides RSA: the same calls
    as the JWS cases, with keys that return precomputed results. Stable on a loaded machine,
    where the ratios to an RSA floor are not."""
    merchant = rsa.generate_private_key(65537, 4096)
    gateway = rsa.generate_private_key(65537, 2048)
    signature = Codec(merchant, gateway.public_key()).sign(b"x").rsplit(".", 1)[1]
    merchant_sig = b64decode_url(signature)
    fast_merchant = Codec(_InstantPrivate(merchant, merchant_sig), gateway.public_key())
    fast_gateway = Codec(gateway, _InstantPublic(merchant.public_key()))
    fast_reader = Codec(merchant, _InstantPublic(gateway.public_key()))
    answer_token = Codec(gateway, merchant.public_key()).sign(BALANCE_JSON)
    cases: dict[str, Case] = {
        JWS_ROUND: lambda: from_json(
            fast_gateway.verify_payload(fast_merchant.sign(to_json(BALANCE_REQUEST))),
            BalanceInquiryRequest,
        ),
        JWS_ANSWER: lambda: from_json(
            fast_reader.verify_payload(answer_token), BalanceInquiryResponse
        ),
    }
    return {
        name: min(timeit.repeat(case, number=number, repeat=repeat)) / number
        for name, case in cases.items()
    }


def b64decode_url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def build_cases() -> list[Side]:
    merchant = rsa.generate_private_key(65537, 4096)
    gateway = rsa.generate_private_key(65537, 2048)
    merchant_codec = Codec(merchant, gateway.public_key())
    gateway_codec = Codec(gateway, merchant.public_key())
    request_xml = to_xml(REQUEST)
    response_token = gateway_codec.seal(RESPONSE_XML)
    gw_public = gateway.public_key()

    # The floor: the primitives alone, on inputs of the same sizes, no framing and no XML
    # (the same floor as `2c2p bench`).
    floor_encode = floor(
        JWS_JWE.seal_floor, merchant, gw_public, request_xml, merchant_codec.seal(request_xml)
    )
    floor_decode = floor(JWS_JWE.open_floor, merchant, gw_public, RESPONSE_XML, response_token)

    # joserfc and jwcrypto doing the same nested work, keys imported once.
    rfc_merchant, rfc_gateway = RSAKey.import_key(merchant), RSAKey.import_key(gateway)
    rfc_gateway_public = RSAKey.import_key(gw_public)
    ps256 = JWSRegistry(algorithms=["PS256"])

    def joserfc_encode() -> object:
        inner = joserfc_jwe.encrypt_compact(
            {"alg": "RSA-OAEP", "enc": "A256GCM"}, to_xml(REQUEST), rfc_gateway_public
        )
        return joserfc_jws.serialize_compact(
            {"alg": "PS256", "typ": "JWT"}, inner, rfc_merchant, algorithms=["PS256"]
        )

    def joserfc_decode() -> object:
        outer = joserfc_jws.deserialize_compact(response_token, rfc_gateway, registry=ps256)
        plaintext = joserfc_jwe.decrypt_compact(outer.payload, rfc_merchant).plaintext
        assert plaintext is not None
        return from_xml(plaintext, PaymentProcessResponse)

    jc_merchant = jwcrypto_jwk.JWK.from_pyca(merchant)
    jc_gateway_public = jwcrypto_jwk.JWK.from_pyca(gw_public)

    def jwcrypto_encode() -> object:
        inner = jwcrypto_jwe.JWE(
            to_xml(REQUEST), json_encode({"alg": "RSA-OAEP", "enc": "A256GCM"})
        )
        inner.add_recipient(jc_gateway_public)
        outer = jwcrypto_jws.JWS(inner.serialize(compact=True))
        outer.add_signature(jc_merchant, None, json_encode({"alg": "PS256", "typ": "JWT"}))
        return outer.serialize(compact=True)

    def jwcrypto_decode() -> object:
        outer = jwcrypto_jws.JWS()
        outer.deserialize(response_token)
        outer.verify(jc_gateway_public, alg="PS256")
        inner = jwcrypto_jwe.JWE()
        inner.deserialize(outer.payload.decode(), jc_merchant)
        return from_xml(inner.payload, PaymentProcessResponse)

    request: dict[str, Case] = {
        "request encode (model -> token)": lambda: encode_request(merchant_codec, REQUEST),
        "codec seal (XML -> token)": lambda: merchant_codec.seal(request_xml),
        "joserfc request encode": joserfc_encode,
        "jwcrypto request encode": jwcrypto_encode,
        "XML: to_xml (request)": lambda: to_xml(REQUEST),
        "XML: xsdata serializer (request)": lambda: REFERENCE_SERIALIZER.render(REQUEST),
    }
    response: dict[str, Case] = {
        "response decode (token -> model)": lambda: decode_response(merchant_codec, response_token),
        "codec open (token -> XML)": lambda: merchant_codec.open(response_token),
        "joserfc response decode": joserfc_decode,
        "jwcrypto response decode": jwcrypto_decode,
        "XML: from_xml (response)": lambda: from_xml(RESPONSE_XML, PaymentProcessResponse),
        "XML: xsdata parser (response)": lambda: REFERENCE_PARSER.from_bytes(
            RESPONSE_XML, PaymentProcessResponse
        ),
    }
    # JWS only: the merchant signs the balance inquiry, the gateway verifies it (PS256 with the
    # merchant's RSA-4096 key both ways); the floor is that sign and that verify, nothing else.
    balance_json = to_json(BALANCE_REQUEST)
    merchant_public = merchant.public_key()
    jws_input = merchant_codec.sign(balance_json).rsplit(".", 1)[0].encode()
    answer_token = gateway_codec.sign(BALANCE_JSON)
    answer_input = answer_token.rsplit(".", 1)[0].encode()
    answer_sig = gateway.sign(answer_input, PSS_SHA256, hashes.SHA256())

    def floor_jws() -> object:
        signature = merchant.sign(jws_input, PSS_SHA256, hashes.SHA256())
        merchant_public.verify(signature, jws_input, PSS_SHA256, hashes.SHA256())
        return signature

    def floor_jws_answer() -> object:
        gw_public.verify(answer_sig, answer_input, PSS_SHA256, hashes.SHA256())
        return answer_sig

    rfc_merchant_public = RSAKey.import_key(merchant_public)

    def joserfc_jws_round() -> object:
        token = joserfc_jws.serialize_compact(
            {"alg": "PS256", "typ": "JWT"}, to_json(BALANCE_REQUEST), rfc_merchant,
            algorithms=["PS256"],
        )  # fmt: skip
        verified = joserfc_jws.deserialize_compact(token, rfc_merchant_public, registry=ps256)
        return from_json(verified.payload, BalanceInquiryRequest)

    jc_merchant_public = jwcrypto_jwk.JWK.from_pyca(merchant_public)

    def jwcrypto_jws_round() -> object:
        outer = jwcrypto_jws.JWS(to_json(BALANCE_REQUEST))
        outer.add_signature(jc_merchant, None, json_encode({"alg": "PS256", "typ": "JWT"}))
        received = jwcrypto_jws.JWS()
        received.deserialize(outer.serialize(compact=True))
        received.verify(jc_merchant_public, alg="PS256")
        return from_json(received.payload, BalanceInquiryRequest)

    jws: dict[str, Case] = {
        JWS_ROUND: lambda: from_json(
            gateway_codec.verify_payload(merchant_codec.sign(to_json(BALANCE_REQUEST))),
            BalanceInquiryRequest,
        ),
        "codec sign + verify_payload (JSON bytes)": lambda: gateway_codec.verify_payload(
            merchant_codec.sign(balance_json)
        ),
        "joserfc JWS-only round": joserfc_jws_round,
        "jwcrypto JWS-only round": jwcrypto_jws_round,
        "JSON: to_json + from_json (balance request)": lambda: from_json(
            to_json(BALANCE_REQUEST), BalanceInquiryRequest
        ),
    }
    jws_answer: dict[str, Case] = {
        JWS_ANSWER: lambda: from_json(
            merchant_codec.verify_payload(answer_token), BalanceInquiryResponse
        ),
        "codec verify_payload (token -> JSON)": lambda: merchant_codec.verify_payload(
            answer_token
        ),
        "JSON: from_json (balance answer)": lambda: from_json(
            BALANCE_JSON, BalanceInquiryResponse
        ),
    }
    return [
        Side("request", floor_encode, request),
        Side("response", floor_decode, response),
        Side("JWS only", floor_jws, jws),
        Side("JWS answer", floor_jws_answer, jws_answer),
    ]


@dataclass
class Side:
    """One direction: its floor and the cases measured against it."""

    name: str
    floor: Case
    cases: dict[str, Case]


@dataclass
class Result:
    side: str
    name: str
    best: float  # fastest batch, per message: what the code costs when nothing interferes
    best_ratio: float  # best / the floor's best
    paired_ratio: float  # median of the ratios of adjacent batches


def _batch(case: Case, batch: int) -> float:
    start = time.perf_counter()
    for _ in range(batch):
        case()
    return (time.perf_counter() - start) / batch


def measure(sides: list[Side], rounds: int, batch: int) -> list[Result]:
    """Each case is timed right next to its floor, in alternating order, round after round."""
    times: dict[tuple[str, str], list[float]] = {}
    paired: dict[tuple[str, str], list[float]] = {}
    for side in sides:  # warm caches and lazily compiled plans
        side.floor()
        for case in side.cases.values():
            case()
    # The libraries' import-time objects would otherwise be rescanned by every collection,
    # charging whichever case happens to trigger one.
    gc.collect()
    gc.freeze()
    for round_no in range(rounds):
        for side in sides:
            for name, case in side.cases.items():
                if round_no % 2:
                    ours, floor = _batch(case, batch), _batch(side.floor, batch)
                else:
                    floor, ours = _batch(side.floor, batch), _batch(case, batch)
                times.setdefault((side.name, name), []).append(ours)
                times.setdefault((side.name, "floor"), []).append(floor)
                paired.setdefault((side.name, name), []).append(ours / floor)
    results = []
    for side in sides:
        floor_best = min(times[(side.name, "floor")])
        results.append(Result(side.name, f"floor: {side.name} primitives", floor_best, 1.0, 1.0))
        for name in side.cases:
            best = min(times[(side.name, name)])
            median = statistics.median(paired[(side.name, name)])
            results.append(Result(side.name, name, best, best / floor_best, median))
    return results


def _rows(results: list[Result]) -> list[str]:
    rows = [
        "| direction | case | best per message | ratio to the floor (best) | (paired median) |",
        "|---|---|---:|---:|---:|",
    ]
    for r in results:
        if r.name.startswith(("XML", "JSON")):
            ratios = f"+{r.best_ratio * 100:.1f}% | +{r.paired_ratio * 100:.1f}%"
        else:
            ratios = f"{r.best_ratio:.3f}x | {r.paired_ratio:.3f}x"
        rows.append(f"| {r.side} | {r.name} | {r.best * 1e6:,.1f} µs | {ratios} |")
    return rows


def table(results: list[Result]) -> list[str]:
    """The nested XML directions (the ``codec`` table)."""
    rows = _rows(results)
    ratio = {r.name: r.best_ratio for r in results}
    ours = (ratio["request encode (model -> token)"], ratio["response decode (token -> model)"])
    rows += ["", f"Targets: request encode {ours[0]:.3f}x and response decode {ours[1]:.3f}x"
             f" of the floor (target <= {TARGET}x): {_verdict(max(ours) <= TARGET)}."]
    for library in ("jwcrypto", "joserfc"):
        theirs = (ratio[f"{library} request encode"], ratio[f"{library} response decode"])
        ahead = ours[0] < theirs[0] and ours[1] < theirs[1]
        rows.append(
            f"Ahead of {library} ({theirs[0]:.3f}x / {theirs[1]:.3f}x): {_verdict(ahead)}."
        )
    return rows


def jws_table(results: list[Result], own: dict[str, float]) -> list[str]:
    """The JWS-only JSON directions (the ``jws`` table), with the cost of our own work alone."""
    rows = _rows(results)
    ratio = {r.name: r.best_ratio for r in results}
    paired = {r.name: r.paired_ratio for r in results}
    best = {r.name: r.best for r in results}
    jws = ratio[JWS_ROUND]
    others = (ratio["joserfc JWS-only round"], ratio["jwcrypto JWS-only round"])
    floor = best["floor: JWS only primitives"]
    mine = own[JWS_ROUND]
    rows += [
        "",
        f"Target: the JWS-only balance request (to_json, sign, verify_payload, from_json)"
        f" {jws:.3f}x of its floor, paired median {paired[JWS_ROUND]:.3f}x (target <= {TARGET}x):"
        f" {_verdict(jws <= TARGET)}.",
        f"Own work of that round, RSA replaced by precomputed results (same calls otherwise):"
        f" {mine * 1e6:.1f} µs per message = {mine / floor * 100:.2f}% of this run's floor"
        f" ({1 + mine / floor:.3f}x).",
        f"Ahead of joserfc ({others[0]:.3f}x) and jwcrypto ({others[1]:.3f}x):"
        f" {_verdict(jws < min(others))}.",
        f"JWS-only balance answer (verify_payload, from_json): {ratio[JWS_ANSWER]:.3f}x of one"
        f" RSA-2048 verify, +{(best[JWS_ANSWER] - best['floor: JWS answer primitives']) * 1e6:.1f}"
        f" µs; own work alone {own[JWS_ANSWER] * 1e6:.1f} µs (no target: see below).",
    ]
    return rows


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument(
        "--only", choices=["nested", "jws"], help="measure (and write) one table only"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    sides = build_cases()
    tables = []
    if args.only != "jws":
        nested = [side for side in sides if not side.name.startswith("JWS")]
        tables.append(("codec", table(measure(nested, args.rounds, args.batch))))
    if args.only != "nested":
        jws = [side for side in sides if side.name.startswith("JWS")]
        results = measure(jws, args.rounds, args.batch)
        tables.append(("jws", jws_table(results, own_work())))
    for name, rows in tables:
        print("\n".join(rows), end="\n\n")
        if not args.no_write:
            write_table(name, [machine_line(), "", *rows])


if __name__ == "__main__":
    main()

