"""``2c2p doctor``: every check against real local counterparts.

A CA of our own and the certificates it issues (valid, expired, for another name), the
emulator over HTTPS on loopback, servers answering an IIS-style HTML page, a web server's 401
and a skewed Date header, a port nobody listens on, certificates we make expired or close to
expiry, and a merchant certificate that belongs to another key. The last tests run the
command itself in subprocesses.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from _gateway_server import refused_url
from _tls import IIS_401, NOW, PROXY_502, Canned, Pki, serve_canned
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.client import SANDBOX_CERTIFICATE, Settings
from c2p_action.doctor import Level, Report, run_checks
from c2p_action.emulator import Emulator
from c2p_action.keys import certificate_for, fingerprint, load_public_key

MERCHANT = "JT01"
PASSWORD = "doctor-password"
CLI = [sys.executable, "-m", "c2p_action.cli"]


@dataclass(frozen=True)
class Files:
    merchant_key: Path  # RSA-4096, encrypted with PASSWORD
    merchant_cert: Path
    small_key: Path  # RSA-2048, unencrypted
    small_cert: Path
    gateway_cert: Path
    gateway_expired: Path
    gateway_expiring: Path


def _write_key(path: Path, key: rsa.RSAPrivateKey, password: str | None) -> None:
    encryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )


def _write_cert(path: Path, key: rsa.RSAPrivateKey, **options: object) -> Path:
    certificate = certificate_for(key, **options)  # type: ignore[arg-type]
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.fixture(scope="module")
def files(
    tmp_path_factory: pytest.TempPathFactory,
    merchant_private: rsa.RSAPrivateKey,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> Files:
    folder = tmp_path_factory.mktemp("doctor")
    _write_key(folder / "merchant.key.pem", merchant_private, PASSWORD)
    _write_key(folder / "small.key.pem", other_private, None)
    return Files(
        merchant_key=folder / "merchant.key.pem",
        merchant_cert=_write_cert(folder / "merchant.cer", merchant_private),
        small_key=folder / "small.key.pem",
        small_cert=_write_cert(folder / "small.cer", other_private),
        gateway_cert=_write_cert(folder / "gateway.cer", gateway_private),
        gateway_expired=_write_cert(
            folder / "gateway-expired.cer",
            gateway_private,
            days=30,
            not_before=NOW - datetime.timedelta(days=60),
        ),
        gateway_expiring=_write_cert(
            folder / "gateway-expiring.cer", gateway_private, days=10, not_before=NOW
        ),
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


def settings(files: Files, environment: str, **changes: object) -> Settings:
    values: dict[str, object] = {
        "merchant_id": MERCHANT,
        "merchant_key": str(files.merchant_key),
        "merchant_key_password": PASSWORD,
        "gateway_key": str(files.gateway_cert),
        "environment": environment,
        "timeout": 10.0,
    }
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


def quick(files: Files, environment: str, **changes: object) -> Settings:
    """Settings with the RSA-2048 key, which loads faster, for checks that do not sign."""
    return settings(
        files, environment, merchant_key=str(files.small_key), merchant_key_password=None, **changes
    )


def check(report: Report, name: str) -> tuple[Level, str, str]:
    found = [c for c in report.checks if c.name == name]
    assert len(found) == 1, [c.name for c in report.checks]
    return found[0].level, found[0].message, found[0].advice


def names(report: Report) -> list[str]:
    return [c.name for c in report.checks]


# -- keys and certificates (no network) --------------------------------------------------------


def test_a_matching_4096_key_and_a_valid_certificate_pass(files: Files) -> None:
    report = run_checks(
        settings(files, "https://gateway.example"),
        merchant_certificate=str(files.merchant_cert),
        network=False,
    )
    assert report.ok
    assert [c.level for c in report.checks] == [Level.OK] * 4
    assert names(report) == [
        "settings",
        "merchant key",
        "merchant certificate",
        "gateway certificate",
    ]
    assert "RSA-4096" in check(report, "merchant key")[1]
    assert "matches" in check(report, "merchant certificate")[1]


def test_a_merchant_certificate_of_another_key_is_an_error(files: Files) -> None:
    report = run_checks(
        settings(files, "https://gateway.example"),
        merchant_certificate=str(files.small_cert),
        network=False,
    )
    level, message, advice = check(report, "merchant certificate")
    assert level is Level.ERROR
    assert "does not match" in message
    assert "upload the certificate of this key" in advice
    assert not report.ok


def test_a_2048_key_is_a_warning_and_without_a_certificate_one_is_made(files: Files) -> None:
    report = run_checks(
        settings(
            files,
            "https://gateway.example",
            merchant_key=str(files.small_key),
            merchant_key_password=None,
        ),
        network=False,
    )
    assert report.ok  # warnings only
    assert check(report, "merchant key")[0] is Level.WARNING
    assert "4096" in check(report, "merchant key")[2]
    level, _message, advice = check(report, "merchant certificate")
    assert level is Level.WARNING
    assert "Upload the certificate" in advice
    # The certificate printed is the key's own: what the portal must hold.
    assert report.certificate_pem is not None
    made = load_public_key(report.certificate_pem.encode())
    assert fingerprint(made) == fingerprint(load_public_key(files.small_key))
    assert report.certificate_fingerprint == fingerprint(made)


def test_a_wrong_password_is_a_merchant_key_error(files: Files) -> None:
    report = run_checks(
        settings(files, "https://gateway.example", merchant_key_password="not it"),
        network=False,
    )
    level, message, _ = check(report, "merchant key")
    assert level is Level.ERROR
    assert "not it" not in message
    assert "merchant certificate" not in names(report)


def test_missing_settings_are_reported_not_raised(files: Files) -> None:
    def broken() -> Settings:
        return Settings.from_env({}, merchant_key=str(files.merchant_key))

    report = run_checks(broken, network=False)
    level, message, _ = check(report, "settings")
    assert (level, report.ok) == (Level.ERROR, False)
    assert "merchant_id" in message


def test_the_sandbox_certificate_against_production_is_an_error(files: Files) -> None:
    report = run_checks(
        settings(files, "production", gateway_key=str(SANDBOX_CERTIFICATE)), network=False
    )
    level, message, advice = check(report, "gateway certificate")
    assert level is Level.ERROR
    assert "sandbox certificate" in message
    assert "production certificate" in advice
    assert not report.ok


def test_the_sandbox_certificate_is_named_in_the_sandbox(files: Files) -> None:
    report = run_checks(settings(files, "sandbox", gateway_key=None), network=False)
    level, message, _ = check(report, "gateway certificate")
    assert level is Level.OK
    assert "2C2P's sandbox certificate" in message


def test_another_certificate_in_the_sandbox_is_a_warning(files: Files) -> None:
    level, _, advice = check(
        run_checks(settings(files, "sandbox"), network=False), "gateway certificate"
    )
    assert level is Level.WARNING
    assert "published sandbox certificate" in advice


@pytest.mark.parametrize(
    ("which", "level", "words"),
    [
        ("gateway_expired", Level.ERROR, "expired on"),
        ("gateway_expiring", Level.WARNING, "expires in"),
    ],
)
def test_gateway_certificate_dates(files: Files, which: str, level: Level, words: str) -> None:
    report = run_checks(
        settings(files, "https://gateway.example", gateway_key=str(getattr(files, which))),
        network=False,
    )
    found, message, advice = check(report, "gateway certificate")
    assert found is level
    assert words in message
    assert advice


def test_the_merchant_key_given_as_gateway_key_is_an_error(files: Files) -> None:
    report = run_checks(
        settings(files, "https://gateway.example", gateway_key=str(files.merchant_cert)),
        network=False,
    )
    level, message, _ = check(report, "gateway certificate")
    assert level is Level.ERROR
    assert "merchant's own key" in message


# -- the network: real servers on loopback ------------------------------------------------------


@pytest.fixture(scope="module")
def emulator(
    merchant_public: rsa.RSAPublicKey, gateway_private: rsa.RSAPrivateKey
) -> Iterator[Emulator]:
    emulator = Emulator(gateway_private, {MERCHANT: merchant_public})
    emulator.seed("DOC-1", Decimal("10.00"), status="A")
    yield emulator
    emulator.close()


def test_every_check_passes_against_the_emulator_over_https(
    files: Files, pki: Pki, emulator: Emulator
) -> None:
    with emulator.start_server(ssl_context=pki.context("emulator")) as server:
        assert server.base_url.startswith("https://127.0.0.1:")
        report = run_checks(
            settings(files, server.base_url, ca_file=str(pki.ca_file)),
            merchant_certificate=str(files.merchant_cert),
            live_invoice="DOC-1",
        )
    assert report.ok, report.as_dict()
    assert names(report) == [
        "settings",
        "merchant key",
        "merchant certificate",
        "gateway certificate",
        "DNS",
        "TCP",
        "TLS",
        "endpoint",
        "clock",
        "live inquiry",
    ]
    assert all(c.level is Level.OK for c in report.checks), report.as_dict()
    assert "issued by CN=c2p test CA" in check(report, "TLS")[1]
    assert "HTTP 400" in check(report, "endpoint")[1]  # the emulator refuses a non-token body
    assert "code 00, status A" in check(report, "live inquiry")[1]


def test_a_certificate_from_an_unknown_ca_is_a_tls_error(
    files: Files, pki: Pki, emulator: Emulator
) -> None:
    with emulator.start_server(ssl_context=pki.context("unknown-ca")) as server:
        report = run_checks(quick(files, server.base_url), live_invoice="DOC-1")
    level, message, advice = check(report, "TLS")
    assert level is Level.ERROR
    assert "does not verify" in message
    assert "C2P_CA_FILE" in advice
    # The checks that need the connection are left out, not piled up.
    assert names(report)[-1] == "TLS"


@pytest.mark.parametrize(
    ("issue", "words"),
    [
        (
            {
                "not_before": NOW - datetime.timedelta(days=30),
                "not_after": NOW - datetime.timedelta(days=1),
            },
            "expired",
        ),
        ({"hosts": ("gateway.example",)}, "another name"),
    ],
    ids=["expired", "wrong-name"],
)
def test_expired_and_wrong_name_server_certificates(
    files: Files, pki: Pki, issue: dict[str, object], words: str
) -> None:
    with serve_canned(Canned(400, b"no"), tls=pki.context("bad", **issue)) as url:
        report = run_checks(quick(files, url, ca_file=str(pki.ca_file)))
    level, _, advice = check(report, "TLS")
    assert level is Level.ERROR
    assert words in advice


@pytest.mark.parametrize(
    ("canned", "words"),
    [
        (Canned(401, IIS_401, {"Content-Type": "text/html"}), "login or permission page"),
        (Canned(502, PROXY_502, {"Content-Type": "text/html"}), "error page"),
        (Canned(200, b"<html><body>Welcome</body></html>"), "an HTML page"),
        (Canned(401, b"", {"WWW-Authenticate": 'Basic realm="x"'}), "asking for authentication"),
        (Canned(404, b"not found"), "no such path"),
        (Canned(302, b"", {"Location": "https://elsewhere.example/"}), "redirects"),
    ],
    ids=["iis-401", "nginx-502", "html-200", "basic-auth", "404", "redirect"],
)
def test_what_answers_is_named(files: Files, pki: Pki, canned: Canned, words: str) -> None:
    with serve_canned(canned, tls=pki.context("canned")) as url:
        report = run_checks(quick(files, url, ca_file=str(pki.ca_file)))
    level, message, advice = check(report, "endpoint")
    assert level is Level.ERROR, message
    assert words in message
    assert advice


def test_an_html_page_names_its_title(files: Files) -> None:
    with serve_canned(Canned(401, IIS_401, {"Content-Type": "text/html"})) as url:
        report = run_checks(quick(files, url))
    message = check(report, "endpoint")[1]
    assert "401 - Unauthorized" in message
    assert "not the Payment Action API" in message


def test_clock_skew_is_reported_not_fatal(files: Files) -> None:
    skewed = Canned(400, b"bad token", date_offset=datetime.timedelta(hours=-1))
    with serve_canned(skewed) as url:
        report = run_checks(quick(files, url))
    level, message, _ = check(report, "clock")
    assert level is Level.WARNING
    assert "ahead of" in message
    assert abs(check_details(report, "clock")["skew_seconds"] - 3600) < 60
    assert report.ok


def check_details(report: Report, name: str) -> dict[str, float]:
    return dict(next(c for c in report.checks if c.name == name).details)


def test_nothing_listening_is_a_tcp_error(files: Files) -> None:
    report = run_checks(quick(files, refused_url()))
    level, message, _ = check(report, "TCP")
    assert level is Level.ERROR
    assert "cannot connect" in message


def test_a_name_that_does_not_resolve_is_a_dns_error(files: Files) -> None:
    # .invalid never resolves (RFC 6761): no network is needed to fail.
    report = run_checks(quick(files, "https://doctor-check.invalid"))
    level, _, _ = check(report, "DNS")
    assert level is Level.ERROR
    assert names(report)[-1] == "DNS"


def test_proxy_variables_are_a_warning(
    files: Files, monkeypatch: pytest.MonkeyPatch, emulator: Emulator
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    with emulator.start_server() as server:
        report = run_checks(quick(files, server.base_url))
    level, message, advice = check(report, "proxy")
    assert level is Level.WARNING
    assert "HTTPS_PROXY" in message
    assert "do not read proxy variables" in advice
    assert "set C2P_PROXY=" in advice  # how to use it, when the gateway must be reached so


def test_live_inquiry_with_an_unregistered_key_is_an_error(
    files: Files, other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> None:
    emulator = Emulator(gateway_private, {MERCHANT: other_private.public_key()})
    with emulator.start_server() as server:
        report = run_checks(settings(files, server.base_url), live_invoice="DOC-1")
    emulator.close()
    level, message, advice = check(report, "live inquiry")
    assert level is Level.ERROR
    assert "401" in message
    assert "upload this key's certificate" in advice


def test_live_inquiry_with_the_wrong_gateway_certificate_is_an_error(
    files: Files, emulator: Emulator
) -> None:
    with emulator.start_server() as server:
        report = run_checks(
            settings(files, server.base_url, gateway_key=str(files.small_cert)),
            live_invoice="DOC-1",
        )
    level, message, _ = check(report, "live inquiry")
    assert level is Level.ERROR
    assert "not signed by the gateway key" in message


def test_live_inquiry_of_an_unknown_invoice_is_a_verified_warning(
    files: Files, emulator: Emulator
) -> None:
    with emulator.start_server() as server:
        report = run_checks(settings(files, server.base_url), live_invoice="NOPE")
    level, message, _ = check(report, "live inquiry")
    assert level is Level.WARNING
    assert "verified end to end" in message
    assert report.ok


# -- the command, in subprocesses ------------------------------------------------------------


def env_for(files: Files, environment: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    env.update(
        C2P_MERCHANT_ID=MERCHANT,
        C2P_MERCHANT_KEY=str(files.merchant_key),
        C2P_MERCHANT_KEY_PASSWORD=PASSWORD,
        C2P_ENVIRONMENT=environment,
        **extra,
    )
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


def test_doctor_command_exit_codes_and_json(files: Files, pki: Pki, emulator: Emulator) -> None:
    env = env_for(files, "production", C2P_GATEWAY_KEY=str(SANDBOX_CERTIFICATE))
    bad = run(["doctor", "--offline", "--json", "--merchant-cert", str(files.merchant_cert)], env)
    assert bad.returncode == 3, bad.stderr
    record = json.loads(bad.stdout)
    assert record["ok"] is False
    levels = {c["name"]: c["level"] for c in record["checks"]}
    assert levels["gateway certificate"] == "error"
    assert PASSWORD not in bad.stdout + bad.stderr

    with emulator.start_server(ssl_context=pki.context("cli")) as server:
        env = env_for(files, server.base_url, C2P_GATEWAY_KEY=str(files.gateway_cert))
        good = run(["doctor", "--ca-file", str(pki.ca_file), "--live", "DOC-1"], env)
    assert good.returncode == 0, good.stdout + good.stderr
    lines = good.stdout.splitlines()
    assert any(line.startswith("ok") and "live inquiry" in line for line in lines)
    # Without --merchant-cert: a warning, the advice under it, and the certificate to upload.
    assert any(line.startswith("warning") and "merchant certificate" in line for line in lines)
    assert "-> Upload the certificate" in good.stdout
    assert "-----BEGIN CERTIFICATE-----" in good.stdout
    assert "0 error(s)" in good.stdout
    assert "PRIVATE KEY" not in good.stdout
