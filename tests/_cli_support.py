"""Environment for ``2c2p`` subprocesses against an emulator (this module holds no tests)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.keys import certificate_for


def cli_env(
    folder: Path,
    merchant_key: rsa.RSAPrivateKey,
    gateway_key: rsa.RSAPrivateKey,
    environment: str,
    *,
    merchant_id: str = "JT01",
    **extra: str,
) -> dict[str, str]:
    """A clean ``C2P_*`` environment: key files written to ``folder``, ``extra`` added."""
    key_file, cert_file = folder / "merchant.pem", folder / "gateway.cer"
    key_file.write_bytes(
        merchant_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    cert_file.write_bytes(certificate_for(gateway_key).public_bytes(serialization.Encoding.PEM))
    env = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    env.update(
        C2P_MERCHANT_ID=merchant_id,
        C2P_MERCHANT_KEY=str(key_file),
        C2P_GATEWAY_KEY=str(cert_file),
        C2P_ENVIRONMENT=environment,
        **extra,
    )
    return env
