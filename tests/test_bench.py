"""``2c2p bench`` in real subprocesses (tiny durations), and the floors it measures against.

No timing is asserted: only the shape of the output, that every rate and ratio is a positive
number, and that the floors do the same cryptographic work as the codec.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _softhsm import SO_PIN, USER_PIN, SoftHsm, find_module
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action._bench import (
    ENVELOPES,
    JWS_JWE,
    SAMPLE_RESPONSE_XML,
    Party,
    build_cases,
    floor,
    measure,
)
from c2p_action.codec import Codec
from c2p_action.codec.jose import PSS_SHA256
from c2p_action.keys import fingerprint

PASSWORD = "bench horse"
ROLES_AND_OPERATIONS = {
    ("merchant", "seal"),
    ("merchant", "open"),
    ("gateway", "seal"),
    ("gateway", "open"),
}


def _bench(
    *args: str, env: dict[str, str] | None = None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    return subprocess.run(
        [sys.executable, "-m", "c2p_action.cli", "bench", "--duration", "0.05", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


def _check_results(record: dict[str, Any]) -> None:
    expected = {(e.name, role, op) for e in ENVELOPES for role, op in ROLES_AND_OPERATIONS}
    seen = {(r["envelope"], r["role"], r["operation"]) for r in record["results"]}
    assert seen == expected
    assert len(record["results"]) == len(expected)
    for result in record["results"]:
        for field in ("messages_per_second", "floor_messages_per_second", "ratio_to_floor"):
            value = result[field]
            assert isinstance(value, float)
            assert math.isfinite(value)
            assert value > 0
        assert result["messages"] >= 1


def test_default_run_measures_every_envelope_on_throwaway_keys(tmp_path: Path) -> None:
    done = _bench("--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["ok"] is True
    assert record["keys"] == {
        "merchant": {"bits": 4096, "source": "throwaway"},
        "gateway": {"bits": 2048, "source": "throwaway"},
    }
    assert set(record["envelopes"]) == {e.name for e in ENVELOPES}
    _check_results(record)


@pytest.fixture
def key_file(tmp_path: Path, other_private: rsa.RSAPrivateKey) -> Path:
    path = tmp_path / "merchant.key.pem"
    path.write_bytes(
        other_private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    return path


def test_own_key_file_prints_a_table_naming_the_key(
    tmp_path: Path, key_file: Path, other_private: rsa.RSAPrivateKey
) -> None:
    done = _bench(
        "--merchant-key",
        str(key_file),
        "--merchant-key-password-env",
        "BENCH_PASSWORD",
        env={"BENCH_PASSWORD": PASSWORD},
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert f"merchant key: RSA-2048 (file, SHA-256 {fingerprint(other_private)})" in done.stdout
    assert "gateway key: RSA-2048 (throwaway)" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("envelope"))
    assert lines[header].split() == [
        "envelope",
        "side",
        "operation",
        "msg/s",
        "floor",
        "msg/s",
        "x",
        "floor",
    ]
    rows = [line.split() for line in lines[header + 1 : header + 1 + 4 * len(ENVELOPES)]]
    assert {(row[1], row[2]) for row in rows} == ROLES_AND_OPERATIONS
    for row in rows:
        assert float(row[3].replace(",", "")) > 0
        assert float(row[4].replace(",", "")) > 0
        assert re.fullmatch(r"\d+\.\d{3}x", row[5])
        assert float(row[5][:-1]) > 0


def test_key_in_an_hsm_goes_through_the_plugin_manager(tmp_path: Path) -> None:
    # A SoftHSM2 store of this test's own, configured only in the subprocesses' environment.
    util = shutil.which("softhsm2-util")
    assert util is not None, "scripts/test installs softhsm2"
    (tmp_path / "tokens").mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\nslots.removable = false\n"
    )
    env = {"SOFTHSM2_CONF": str(config)}
    subprocess.run(
        [util, "--init-token", "--free", "--label", "bench", "--pin", USER_PIN, "--so-pin", SO_PIN],
        check=True,
        capture_output=True,
        env={**os.environ, **env},
    )
    uri = SoftHsm(tmp_path, find_module(), ("bench",)).uri("bench", object="merchant")
    made = subprocess.run(
        [sys.executable, "-m", "c2p_action.cli", "hsm", "keygen", "--uri", uri, "--bits", "2048"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=tmp_path,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr

    done = _bench("--merchant-key", uri, "--json", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["keys"]["merchant"]["source"] == "pkcs11"
    assert record["keys"]["merchant"]["bits"] == 2048
    assert re.fullmatch(r"[0-9a-f]{64}", record["keys"]["merchant"]["fingerprint"])
    assert USER_PIN not in done.stdout + done.stderr  # the URI carries the PIN: never printed
    _check_results(record)


def test_key_that_does_not_load_exits_3_with_a_json_error(tmp_path: Path) -> None:
    done = _bench("--merchant-key", str(tmp_path / "missing.pem"), "--json", cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    record = json.loads(done.stdout)
    assert record["ok"] is False
    assert record["exit_code"] == 3
    assert "missing.pem" in record["message"]


def test_password_variable_that_is_not_set_exits_3(tmp_path: Path, key_file: Path) -> None:
    done = _bench(
        "--merchant-key", str(key_file), "--merchant-key-password-env", "NOT_SET_X", cwd=tmp_path
    )
    assert done.returncode == 3
    assert "NOT_SET_X is not set" in done.stderr


@pytest.mark.parametrize("args", [["--envelope", "nope"], ["--duration", "0"]])
def test_bad_options_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    done = _bench(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert "Invalid value" in done.stderr


def test_the_floors_do_the_codecs_cryptographic_work(
    other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> None:
    merchant, gateway = other_private, gateway_private
    token = Codec(gateway, merchant.public_key()).seal(SAMPLE_RESPONSE_XML)
    # Opening: the peer's signature verifies and the same payload comes out of the decryption.
    opened = floor(JWS_JWE.open_floor, merchant, gateway.public_key(), SAMPLE_RESPONSE_XML, token)
    assert opened() == SAMPLE_RESPONSE_XML
    tampered = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    with pytest.raises(InvalidSignature):
        floor(JWS_JWE.open_floor, merchant, gateway.public_key(), b"", tampered)()
    # Sealing ends with our signature over the token's signing input.
    sealed = Codec(merchant, gateway.public_key()).seal(b"<x/>")
    signature = floor(JWS_JWE.seal_floor, merchant, gateway.public_key(), b"<x/>", sealed)()
    assert isinstance(signature, bytes)
    merchant.public_key().verify(
        signature, sealed.rsplit(".", 1)[0].encode(), PSS_SHA256, hashes.SHA256()
    )


def test_cases_refuse_an_envelope_that_does_not_round_trip(
    other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> None:
    merchant = Party("merchant", other_private, gateway_private.public_key(), b"<a/>")
    gateway = Party("gateway", gateway_private, other_private.public_key(), b"<b/>")
    cases = build_cases(ENVELOPES, merchant, gateway)
    assert [(c.role, c.operation) for c in cases] == [
        ("merchant", "seal"),
        ("merchant", "open"),
        ("gateway", "seal"),
        ("gateway", "open"),
    ] * len(ENVELOPES)
    results = measure(cases, 0.001)
    assert all(r.messages >= 1 and r.ratio_to_floor > 0 for r in results)

    broken = replace(JWS_JWE, open=lambda codec, token: codec.open(token) + b" ")
    with pytest.raises(RuntimeError, match="did not open as sent"):
        build_cases([broken], merchant, gateway)
