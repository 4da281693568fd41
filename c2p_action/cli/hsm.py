"""``2c2p hsm``: put the merchant key into a PKCS#11 token and make its portal certificate.

Library errors propagate to the root command, which maps them to the documented exit codes.

Every command takes ``--uri``, an RFC 7512 URI naming the token (and, for ``import``/``keygen``
/``cert``, the key's label with ``object=``), e.g.::

    2c2p hsm keygen --cert merchant.cer --uri \\
      'pkcs11:token=Merchant;object=c2p-2025?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin'
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from cryptography.hazmat.primitives import serialization

from c2p_action.keys import certificate_for, load_private_key
from c2p_action.keys._pkcs11 import (
    Pkcs11KeyProvider,
    generate_pkcs11_key,
    import_pkcs11_key,
    list_pkcs11_keys,
)

__all__ = ["hsm"]

_URI_HELP = "pkcs11: URI of the token (object= names the key); put the PIN in pin-source"


def _write_certificate(uri: str, out: Path, common_name: str, days: int) -> None:
    key = Pkcs11KeyProvider().load_private_key(uri)
    cert = certificate_for(key, common_name=common_name, days=days)
    out.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    click.echo(f"wrote portal certificate {out}")


@click.group()
def hsm() -> None:
    """Keys inside a PKCS#11 token (HSM): import, generate, list, certificate."""


@hsm.command("import")
@click.option("--uri", required=True, help=_URI_HELP)
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Merchant private key file (PEM, DER or PKCS#12).",
)
@click.option("--password-env", metavar="VAR", help="Environment variable holding its password.")
@click.option("--cert", "cert_out", type=click.Path(path_type=Path), help="Also write a cert.")
@click.option("--common-name", default="2C2P merchant", show_default=True)
@click.option("--days", default=3650, show_default=True)
def import_command(
    uri: str,
    key_path: Path,
    password_env: str | None,
    cert_out: Path | None,
    common_name: str,
    days: int,
) -> None:
    """Import an existing merchant key as a sensitive, non-extractable token key."""
    password = os.environ.get(password_env) if password_env else None
    key = load_private_key(key_path, password)
    stored = import_pkcs11_key(uri, key)
    click.echo(str(stored))
    if cert_out is not None:
        _write_certificate(uri, cert_out, common_name, days)


@hsm.command("keygen")
@click.option("--uri", required=True, help=_URI_HELP)
@click.option("--bits", default=4096, show_default=True, type=click.IntRange(min=2048))
@click.option("--cert", "cert_out", type=click.Path(path_type=Path), help="Also write a cert.")
@click.option("--common-name", default="2C2P merchant", show_default=True)
@click.option("--days", default=3650, show_default=True)
def keygen_command(
    uri: str, bits: int, cert_out: Path | None, common_name: str, days: int
) -> None:
    """Generate the merchant key pair inside the token."""
    click.echo(str(generate_pkcs11_key(uri, bits=bits)))
    if cert_out is not None:
        _write_certificate(uri, cert_out, common_name, days)


@hsm.command("list")
@click.option("--uri", required=True, help=_URI_HELP)
def list_command(uri: str) -> None:
    """List the RSA private keys on the token, one URI per line."""
    for info in list_pkcs11_keys(uri):
        flags = ("sensitive" if info.sensitive else "NOT-sensitive") + (
            ",EXTRACTABLE" if info.extractable else ""
        )
        click.echo(f"{info.uri}\tRSA-{info.bits}\t{flags}")


@hsm.command("cert")
@click.option("--uri", required=True, help=_URI_HELP)
@click.option("--out", required=True, type=click.Path(path_type=Path))
@click.option("--common-name", default="2C2P merchant", show_default=True)
@click.option("--days", default=3650, show_default=True)
def cert_command(uri: str, out: Path, common_name: str, days: int) -> None:
    """Write the self-signed X.509 certificate for the merchant portal (signed in the token)."""
    _write_certificate(uri, out, common_name, days)
