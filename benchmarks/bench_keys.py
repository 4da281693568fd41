"""Per-message cost of the merchant key in an HSM or KMS, relative to a file key, in one run.

    python benchmarks/bench_keys.py [--rounds N] [--no-write]

One "message" is what the merchant key does per API call: one PS256 signature (the request)
and one RSA-OAEP decryption (the response's content key). Three keys hold the same RSA-4096
material: a file key (``cryptography``), a SoftHSM2 token key (needs the ``softhsm2`` package)
and an AWS KMS key pair served by FakeKms, the test suite's KMS-compatible server on 127.0.0.1.
The KMS row therefore measures boto3, HTTP and local RSA, not AWS's network latency: real AWS
was not exercised. Cases are interleaved round by round; each row is the median per message and
its ratio to the file key. The table is written into benchmarks/README.md between the ``keys``
markers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _report import machine_line, write_table
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.codec.jose import OAEP_SHA1, PSS_SHA256
from c2p_action.keys._kms import AwsKmsKeyProvider
from c2p_action.keys._pkcs11 import Pkcs11KeyProvider, import_pkcs11_key

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import _fake_kms
import _softhsm

_SIGNING_INPUT = b"eyJhbGciOiJQUzI1NiJ9." + b"x" * 1400  # about one refund request


def _per_message(key: rsa.RSAPrivateKey, ciphertext: bytes) -> Callable[[], object]:
    def message() -> object:
        key.sign(_SIGNING_INPUT, PSS_SHA256, hashes.SHA256())
        return key.decrypt(ciphertext, OAEP_SHA1)

    return message


def _aws_test_environment() -> None:
    # FakeKms checks only that requests are signed; these credentials are placeholders.
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "AKIDBENCHMARK",
            "AWS_SECRET_ACCESS_KEY": "benchmark",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    file_key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    ciphertext = file_key.public_key().encrypt(os.urandom(32), OAEP_SHA1)
    _aws_test_environment()
    with tempfile.TemporaryDirectory() as tmp, _fake_kms.FakeKms() as kms:
        store = _softhsm.create(Path(tmp), ("bench",))
        uri = store.uri("bench", object="merchant")
        import_pkcs11_key(uri, file_key)
        hsm_key = Pkcs11KeyProvider().load_private_key(uri)
        kms_uri = kms.uri(
            kms.add_key(file_key, "SIGN_VERIFY"), kms.add_key(file_key, "ENCRYPT_DECRYPT")
        )
        kms_key = AwsKmsKeyProvider().load_private_key(kms_uri)
        cases = {
            "file key (cryptography)": _per_message(file_key, ciphertext),
            "PKCS#11 key (SoftHSM2)": _per_message(hsm_key, ciphertext),
            "AWS KMS key (FakeKms on 127.0.0.1)": _per_message(kms_key, ciphertext),
        }
        for case in cases.values():
            case()  # warm up: sessions, HTTP connections
        timings: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, case in cases.items():
                start = time.perf_counter()
                case()
                timings[name].append(time.perf_counter() - start)

    baseline = statistics.median(timings["file key (cryptography)"])
    lines = [
        "| merchant key (RSA-4096), per message: 1 sign + 1 decrypt | median ms | x file key |",
        "|---|---:|---:|",
    ]
    for name, samples in timings.items():
        median = statistics.median(samples)
        lines.append(f"| {name} | {median * 1000:.2f} | {median / baseline:.2f} |")
    lines += ["", machine_line() + f" {args.rounds} interleaved rounds."]
    print("\n".join(lines))
    if not args.no_write:
        write_table("keys", lines)


if __name__ == "__main__":
    main()
