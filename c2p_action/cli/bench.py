"""``2c2p bench``: the codec's messages per second on this machine, against the raw floor."""

from __future__ import annotations

import platform
from dataclasses import asdict
from typing import Any

import click
import cryptography
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action._bench import (
    ENVELOPES,
    SAMPLE_REQUEST_XML,
    SAMPLE_RESPONSE_XML,
    Party,
    Result,
    build_cases,
    measure,
)
from c2p_action.cli._common import Output, env_secret, grid, json_option
from c2p_action.keys import fingerprint
from c2p_action.plugins.manager import PluginManager, split_scheme

__all__ = ["bench_command"]

_NAMES = [envelope.name for envelope in ENVELOPES]


def _throwaway(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _describe(key: rsa.RSAPrivateKey, source: str) -> dict[str, Any]:
    # The URI itself is never shown: a pkcs11: URI may carry its PIN.
    described: dict[str, Any] = {"bits": key.key_size, "source": source}
    if source != "throwaway":
        described["fingerprint"] = fingerprint(key)
    return described


def _text(results: list[Result], keys: dict[str, dict[str, Any]], header: str) -> str:
    lines = [header]
    for role, key in keys.items():
        where = key["source"] + (f", SHA-256 {key['fingerprint']}" if "fingerprint" in key else "")
        lines.append(f"{role} key: RSA-{key['bits']} ({where})")
    rows = [
        (
            r.envelope,
            r.role,
            r.operation,
            f"{r.messages_per_second:,.1f}",
            f"{r.floor_messages_per_second:,.1f}",
            f"{r.ratio_to_floor:.3f}x",
        )
        for r in results
    ]
    lines += [
        "",
        grid(("envelope", "side", "operation", "msg/s", "floor msg/s", "x floor"), rows),
        "",
        "msg/s: messages per second on one thread. x floor: the codec's time per message over"
        " the same RSA and AES-GCM operations called directly through cryptography, measured"
        " side by side in this run (1.000x: the codec adds nothing).",
    ]
    return "\n".join(lines)


@click.command("bench")
@click.option(
    "--merchant-key",
    metavar="PATH|URI",
    help="Measure with your own merchant private key: file (PEM/DER/PKCS#12) or key URI"
    " (file:, pkcs11:, aws-kms:). Default: a throwaway RSA-4096 key.",
)
@click.option(
    "--merchant-key-password-env",
    metavar="VAR",
    help="Environment variable holding the key file's password.",
)
@click.option(
    "--envelope",
    "envelopes",
    multiple=True,
    type=click.Choice(_NAMES),
    help="Measure only this envelope (repeatable). Default: all.",
)
@click.option(
    "--duration",
    default=5.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True, max=3600),
    help="Seconds to measure for (at least one round always runs; key generation and"
    " warm-up come on top).",
)
@json_option
def bench_command(
    merchant_key: str | None,
    merchant_key_password_env: str | None,
    envelopes: tuple[str, ...],
    duration: float,
    as_json: bool,
) -> None:
    """Measure the codec's messages per second against the raw cryptography floor.

    Both sides of every envelope: the merchant seals a request and opens a response, the
    gateway seals a response and opens a request (the refund guide's sample messages). The
    gateway key is always a throwaway RSA-2048 key; the merchant key is a throwaway RSA-4096
    key unless --merchant-key names yours (an HSM or KMS key then shows what it costs per
    message: its floor uses the same key).
    """
    if merchant_key is None:
        merchant, source = _throwaway(4096), "throwaway"
    else:
        password = env_secret(merchant_key_password_env, "--merchant-key-password-env")
        merchant = PluginManager().load_private_key(
            merchant_key, password.encode() if password is not None else None
        )
        source = split_scheme(merchant_key) or "file"
    gateway = _throwaway(2048)
    selected = [e for e in ENVELOPES if not envelopes or e.name in envelopes]
    cases = build_cases(
        selected,
        Party("merchant", merchant, gateway.public_key(), SAMPLE_REQUEST_XML),
        Party("gateway", gateway, merchant.public_key(), SAMPLE_RESPONSE_XML),
    )
    results = measure(cases, duration)
    keys = {"merchant": _describe(merchant, source), "gateway": _describe(gateway, "throwaway")}
    record = {
        "ok": True,
        "duration_seconds": duration,
        "python": platform.python_version(),
        "cryptography": cryptography.__version__,
        "keys": keys,
        "envelopes": {e.name: e.description for e in selected},
        "results": [asdict(r) for r in results],
    }
    header = (
        f"Codec throughput for {duration:g} s on Python {record['python']},"
        f" cryptography {record['cryptography']}."
    )
    if as_json:
        Output(True).emit(record, [])
    else:
        click.echo(_text(results, keys, header))
