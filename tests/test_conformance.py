"""``2c2p conformance``: end to end against the emulator over HTTPS on loopback.

The emulator serves HTTPS with a certificate from a CA made for the test (``C2P_CA_FILE``
trusts it), the command runs in a real subprocess, and its report is checked against the
JSON Schema shipped with the library (``c2p_action/data``) and scanned for what it must not
hold. The real sandbox is not reachable from the tests (no network).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _schema_lite import validate
from _tls import Pki
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.client import SANDBOX_CERTIFICATE, Settings
from c2p_action.conformance import (
    REPORT_FORMAT,
    REPORT_SCHEMA,
    Probe,
    probes,
    register_probe,
    run_conformance,
)
from c2p_action.emulator import Emulator
from c2p_action.emulator.server import RunningServer
from c2p_action.errors import ConfigurationError
from c2p_action.keys import certificate_for
from c2p_action.operations import RetrySafety, all_operations

MID = "JT01"
#: Every read-only operation of the table, in its order: what a conformance run probes.
READ_ONLY = [op.name for op in all_operations() if op.retry is RetrySafety.ALWAYS]
CLI = [sys.executable, "-m", "c2p_action.cli"]
SCHEMA: dict[str, Any] = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Served:
    emulator: Emulator
    server: RunningServer
    pki: Pki
    env: dict[str, str]


@pytest.fixture
def served(
    tmp_path: Path, other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> Iterator[Served]:
    pki = Pki(tmp_path / "pki")
    key = tmp_path / "m.pem"
    key.write_bytes(
        other_private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert = tmp_path / "g.cer"
    cert.write_bytes(certificate_for(gateway_private).public_bytes(serialization.Encoding.PEM))
    emulator = Emulator(gateway_private, {MID: other_private.public_key()})
    emulator.seed("CONF-INQ-7", Decimal("123.45"), status="S")
    emulator.seed("CONF-REF-8", Decimal("67.89"), status="S")
    with emulator.start_server(ssl_context=pki.context("emulator")) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
        env.update(
            C2P_MERCHANT_ID=MID,
            C2P_MERCHANT_KEY=str(key),
            C2P_GATEWAY_KEY=str(cert),
            C2P_ENVIRONMENT=server.base_url,
            C2P_CA_FILE=str(pki.ca_file),
        )
        yield Served(emulator, server, pki, env)
    emulator.close()


def conformance(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "conformance", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_report_over_https_is_valid_redacted_and_refunds_once(
    tmp_path: Path, served: Served
) -> None:
    out = tmp_path / "report.json"
    done = conformance(
        [
            "--invoice",
            "CONF-INQ-7",
            "--refund-invoice",
            "CONF-REF-8",
            "--refund-amount",
            "1.25",
            "--out",
            str(out),
        ],
        served.env,
    )
    assert done.returncode == 0, done.stderr
    assert served.server.base_url.startswith("https://")
    text = out.read_text(encoding="utf-8")
    report = json.loads(text)
    validate(report, SCHEMA)
    assert report["format"] == REPORT_FORMAT
    assert (report["environment"], report["amounts_included"]) == ("custom", False)
    assert report["gateway_certificate"]["sandbox_certificate"] is False
    assert report["inputs"] == ["invoice"]

    by_name = {entry["operation"]: entry for entry in report["operations"]}
    assert list(by_name) == [*READ_ONLY, "refund"]
    # Every family's read-only operation is probed; those with no input needed all answered.
    assert by_name["balance"]["outcome"] == "answered"
    assert by_name["installments.options"]["outcome"] == "answered"
    assert by_name["recurring.inquiry"]["skipped"] == "needs input: recurring_id"
    assert by_name["fx.rates"]["skipped"] == "no probe is registered for this operation"
    inquiry = by_name["inquiry"]
    assert (inquiry["outcome"], inquiry["http_status"], inquiry["code"]["value"]) == (
        "answered",
        200,
        "00",
    )
    assert inquiry["status"] == "S"
    assert inquiry["request"]["token"]["jwe_header"] == {"alg": "RSA-OAEP", "enc": "A256GCM"}
    response = inquiry["response"]
    assert response["root"] == "PaymentProcessResponse"
    order = [e["element"] for e in response["elements"]]
    assert order[:3] == ["version", "timeStamp", "respCode"]
    assert response["token"]["jws_header"]["alg"] == "PS256"
    assert inquiry["timings_ms"]["http"] is not None
    refund = by_name["refund"]
    assert (refund["write"], refund["outcome"], refund["status"]) == (True, "answered", "RF")
    assert not by_name["refund_status"]["write"]

    # Nothing that identifies the merchant or its payments, no amounts (JSON strings: a
    # timing may hold the same digits), no tokens.
    for secret in ("CONF-INQ-7", "CONF-REF-8", MID, '"123.45"', '"67.89"', '"1.25"', "eyJ"):
        assert secret not in text, secret
    assert "written to" in done.stdout
    # The one refund, and nothing else changed.
    ledger = served.emulator.ledger
    assert [(r.amount, r.status) for r in ledger.refunds(MID, "CONF-REF-8")] == [
        (Decimal("1.25"), "RF")
    ]
    assert ledger.refunds(MID, "CONF-INQ-7") == []


def test_no_refund_without_the_flag_and_amounts_only_when_allowed(
    tmp_path: Path, served: Served
) -> None:
    out = tmp_path / "report.json"
    done = conformance(
        ["--invoice", "CONF-INQ-7", "--include-amounts", "--json", "--out", str(out)], served.env
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report == json.loads(out.read_text())
    validate(report, SCHEMA)
    assert [e["operation"] for e in report["operations"]] == READ_ONLY
    assert not any(e["write"] for e in report["operations"])
    assert report["operations"][0]["response"]["amounts"] == {"amount": "123.45"}
    assert served.emulator.ledger.refunds(MID, "CONF-INQ-7") == []
    assert served.emulator.ledger.refunds(MID, "CONF-REF-8") == []


def test_missing_inputs_skip_and_a_wrong_gateway_key_fails(
    served: Served, other_private: rsa.RSAPrivateKey
) -> None:
    base = Settings(
        merchant_id=MID,
        merchant_key=other_private,
        environment=served.server.base_url,
        gateway_key=str(SANDBOX_CERTIFICATE),
        ca_file=str(served.pki.ca_file),
    )
    skipped = run_conformance(base)
    validate(skipped, SCHEMA)
    outcomes = {e["operation"]: e for e in skipped["operations"]}
    assert [outcomes[name]["outcome"] for name in ("inquiry", "refund_status")] == [
        "skipped",
        "skipped",
    ]
    assert outcomes["inquiry"]["skipped"] == "needs input: invoice"

    # The emulator does not sign with 2C2P's sandbox key: the answer does not verify.
    failed = run_conformance(base, inputs={"invoice": "CONF-INQ-7"})
    validate(failed, SCHEMA)
    assert failed["gateway_certificate"]["sandbox_certificate"] is True
    entry = failed["operations"][0]
    assert (entry["outcome"], entry["error"]["type"], entry["http_status"]) == (
        "failed",
        "SignatureError",
        200,
    )
    assert "root" not in entry["response"]  # nothing unverified is described


def test_production_is_refused_and_probes_register_once(
    other_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> None:
    production = Settings(
        merchant_id=MID,
        merchant_key=other_private,
        gateway_key=gateway_public,
        environment="production",
    )
    with pytest.raises(ConfigurationError, match="never production"):
        run_conformance(production)
    assert {"inquiry", "refund_status"} <= set(probes())
    with pytest.raises(ConfigurationError, match="has a probe already"):
        register_probe(Probe("inquiry", (), lambda merchant, version, inputs: None))


def test_the_schema_checker_can_fail() -> None:
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "generated_at": "x",
        "library": {"name": "n", "version": "v"},
        "environment": "sandbox",
        "amounts_included": False,
        "inputs": [],
        "operations": [],
        "gateway_certificate": {"fingerprint": "f", "sandbox_certificate": True},
    }
    validate(report, SCHEMA)
    with pytest.raises(AssertionError, match="unexpected 'merchant_id'"):
        validate({**report, "merchant_id": MID}, SCHEMA)
    with pytest.raises(AssertionError, match="not in"):
        validate({**report, "environment": "production"}, SCHEMA)
