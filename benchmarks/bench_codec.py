"""Per-message cost of the codec against the raw `cryptography` floor, in one process.

    python benchmarks/bench_codec.py [--rounds 30] [--batch 20] [--no-write]

Every case runs on the same message and keys (merchant RSA-4096, gateway RSA-2048). Each case
is timed as a batch right next to a batch of its floor (the same primitives called directly:
RSA-OAEP, AES-GCM and RSA-PSS, no framing, no XML), the order alternating round by round.
Reported: each case's fastest batch over the floor's fastest (interference on a shared machine
only ever adds time, so the minimum is the stable estimate; the targets are judged on it), and
the median of the paired ratios of adjacent batches. Absolute times are for orientation only.
``--batch 1`` measures single cold calls instead (every Python-level implementation pays more
then: its code and data are evicted by whatever ran before). The table is written into
benchmarks/README.md between the ``codec`` markers.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from _report import machine_line, write_table
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
from c2p_action.codec import decode_response, encode_request, from_xml, to_xml
from c2p_action.codec.xml import REFERENCE_PARSER, REFERENCE_SERIALIZER
from c2p_action.schemas import PaymentProcessRequest, PaymentProcessResponse, ProcessType

Case = Callable[[], object]
TARGET = 1.03

REQUEST = PaymentProcessRequest(
    merchant_id="JT07",
    invoice_no="260121085327",
    action_amount=Decimal("25.00"),
    process_type=ProcessType.R,
)
RESPONSE_XML = SAMPLE_RESPONSE_XML


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
    return [
        Side("request", floor_encode, request),
        Side("response", floor_decode, response),
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


def table(results: list[Result]) -> list[str]:
    rows = [
        "| direction | case | best per message | ratio to the floor (best) | (paired median) |",
        "|---|---|---:|---:|---:|",
    ]
    for r in results:
        if r.name.startswith("XML"):
            ratios = f"+{r.best_ratio * 100:.1f}% | +{r.paired_ratio * 100:.1f}%"
        else:
            ratios = f"{r.best_ratio:.3f}x | {r.paired_ratio:.3f}x"
        rows.append(f"| {r.side} | {r.name} | {r.best * 1e6:,.1f} µs | {ratios} |")
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


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    results = measure(build_cases(), args.rounds, args.batch)
    rows = table(results)
    print("\n".join(rows))
    if not args.no_write:
        write_table("codec", [machine_line(), "", *rows])


if __name__ == "__main__":
    main()

