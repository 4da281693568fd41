"""Per-message cost of the codec against the raw `cryptography` floor, in one process.

    python benchmarks/bench_codec.py [--rounds N] [--no-write]

Every case runs on the same message and keys (merchant RSA-4096, gateway RSA-2048). Cases are
interleaved round by round, so that load from elsewhere on a shared machine hits them alike, and
each is reported as its median time per message and as a ratio to the floor measured in the same
run. Absolute times are printed for orientation only; compare ratios. The table is written into
benchmarks/README.md between the ``codec`` markers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

from _report import machine_line, write_table
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc import jwe as joserfc_jwe
from joserfc import jws as joserfc_jws
from joserfc.jwk import RSAKey
from joserfc.jws import JWSRegistry
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws
from jwcrypto.common import json_encode

from c2p_action import Codec
from c2p_action.codec import decode_response, encode_request, from_xml, to_xml
from c2p_action.codec.jose import OAEP_SHA1, PSS_SHA256
from c2p_action.codec.xml import REFERENCE_PARSER, REFERENCE_SERIALIZER
from c2p_action.schemas import PaymentProcessRequest, PaymentProcessResponse, ProcessType

Case = Callable[[], object]

REQUEST = PaymentProcessRequest(
    merchant_id="JT07",
    invoice_no="260121085327",
    action_amount=Decimal("25.00"),
    process_type=ProcessType.R,
)
RESPONSE_XML = b"""<PaymentProcessResponse><version>3.8</version>\
<timeStamp>250221155131</timeStamp>\
<respCode>00</respCode><respDesc>Success</respDesc><processType>R</processType>\
<invoiceNo>260121085327</invoiceNo><amount>25.00</amount><status>RF</status>\
<approvalCode>2508513089</approvalCode><referenceNo>3528643</referenceNo>\
<refundReferenceNo>3598743</refundReferenceNo><transactionDateTime>20210126085854\
</transactionDateTime><maskedPan>411111XXXXXX1111</maskedPan><eci>05</eci>\
<paymentScheme>VI</paymentScheme><processBy>VI</processBy></PaymentProcessResponse>"""


def build_cases() -> dict[str, Case]:
    merchant = rsa.generate_private_key(65537, 4096)
    gateway = rsa.generate_private_key(65537, 2048)
    merchant_codec = Codec(merchant, gateway.public_key())
    gateway_codec = Codec(gateway, merchant.public_key())
    request_xml = to_xml(REQUEST)
    response_token = gateway_codec.seal(RESPONSE_XML)
    response_model = from_xml(RESPONSE_XML, PaymentProcessResponse)
    gw_public = gateway.public_key()

    # The floor: the primitives alone, on inputs of the same sizes, no framing and no XML.
    signing_input = merchant_codec.seal(request_xml).rsplit(".", 1)[0].encode()
    jwe_aad = b"eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ"
    cek, iv = os.urandom(32), os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, RESPONSE_XML, jwe_aad)
    encrypted_key = merchant.public_key().encrypt(cek, OAEP_SHA1)
    outer_input = response_token.rsplit(".", 1)[0].encode()
    outer_sig = gateway.sign(outer_input, PSS_SHA256, hashes.SHA256())

    def floor_encode() -> object:
        key, nonce = os.urandom(32), os.urandom(12)
        gw_public.encrypt(key, OAEP_SHA1)
        AESGCM(key).encrypt(nonce, request_xml, jwe_aad)
        return merchant.sign(signing_input, PSS_SHA256, hashes.SHA256())

    def floor_decode() -> object:
        gw_public.verify(outer_sig, outer_input, PSS_SHA256, hashes.SHA256())
        key = merchant.decrypt(encrypted_key, OAEP_SHA1)
        return AESGCM(key).decrypt(iv, sealed, jwe_aad)

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

    return {
        "floor: request primitives": floor_encode,
        "request encode (model -> token)": lambda: encode_request(merchant_codec, REQUEST),
        "codec seal (XML -> token)": lambda: merchant_codec.seal(request_xml),
        "joserfc request encode": joserfc_encode,
        "jwcrypto request encode": jwcrypto_encode,
        "floor: response primitives": floor_decode,
        "response decode (token -> model)": lambda: decode_response(merchant_codec, response_token),
        "codec open (token -> XML)": lambda: merchant_codec.open(response_token),
        "joserfc response decode": joserfc_decode,
        "jwcrypto response decode": jwcrypto_decode,
        "XML: to_xml (request)": lambda: to_xml(REQUEST),
        "XML: from_xml (response)": lambda: from_xml(RESPONSE_XML, PaymentProcessResponse),
        "XML: xsdata serializer (request)": lambda: REFERENCE_SERIALIZER.render(REQUEST),
        "XML: xsdata parser (response)": lambda: REFERENCE_PARSER.from_bytes(
            RESPONSE_XML, PaymentProcessResponse
        ),
        "XML: to_xml (response)": lambda: to_xml(response_model),
    }


def measure(cases: dict[str, Case], rounds: int, batch: int) -> dict[str, float]:
    """Median seconds per call of each case over interleaved rounds."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for case in cases.values():  # warm caches and lazily compiled plans
        case()
    for _ in range(rounds):
        for name, case in cases.items():
            start = time.perf_counter()
            for _ in range(batch):
                case()
            samples[name].append((time.perf_counter() - start) / batch)
    return {name: statistics.median(values) for name, values in samples.items()}


def table(results: dict[str, float]) -> list[str]:
    floors = {
        "request": results["floor: request primitives"],
        "response": results["floor: response primitives"],
    }
    rows = ["| case | median per message | ratio to its floor |", "|---|---:|---:|"]
    for name, seconds in results.items():
        side = "response" if ("response" in name or "open" in name) else "request"
        ratio = f"{seconds / floors[side]:.3f}x" if not name.startswith("XML") else (
            f"{seconds / floors[side] * 100:.1f}% of the {side} floor"
        )
        rows.append(f"| {name} | {seconds * 1e6:,.1f} µs | {ratio} |")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    results = measure(build_cases(), args.rounds, args.batch)
    rows = table(results)
    print("\n".join(rows))
    if not args.no_write:
        write_table("codec", [machine_line(), "", *rows])


if __name__ == "__main__":
    main()

