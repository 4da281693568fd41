"""``2c2p keygen``: a merchant key pair, its PKCS#12 file and the portal certificate."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from c2p_action.cli._common import Output, env_secret, json_option
from c2p_action.errors import ConfigurationError
from c2p_action.keys import generate_merchant_keys

__all__ = ["keygen_command"]


def _password(password_env: str | None, password: str | None) -> str:
    from_env = env_secret(password_env, "--password-env")
    if from_env is not None:
        if not from_env:
            raise click.BadParameter(
                f"environment variable {password_env} is empty", param_hint="'--password-env'"
            )
        return from_env
    if password is not None:
        if not password:
            raise click.BadParameter("the password must not be empty", param_hint="'--password'")
        return password
    if not sys.stdin.isatty():
        # A prompt with nobody to answer would end in click's "Aborted!" (exit code 1, which
        # means a bug here): say what to do instead.
        raise click.UsageError(
            "no terminal to ask for the PKCS#12 password: name the environment variable that"
            " holds it with --password-env VAR, or run keygen in a terminal"
        )
    # Prompted, never echoed: the password stays out of shell history and `ps`.
    value: str = click.prompt(
        "Password for the PKCS#12 file", hide_input=True, confirmation_prompt=True, err=True
    )
    return value


def _plain_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value or value != Path(value).name or value.startswith("."):
        raise click.BadParameter("must be a plain file name (no directory, no leading '.')")
    return value


def _refuse_existing(directory: Path, name: str, pem: bool) -> None:
    """Refuse existing files before asking for a password (the library checks again)."""
    for suffix in (".cer.pem", ".p12", *((".key.pem",) if pem else ())):
        path = directory / f"{name}{suffix}"
        if path.exists() or path.is_symlink():
            raise ConfigurationError(f"{path}: already exists; pass --overwrite to replace it")


@click.command("keygen")
@click.argument(
    "directory", type=click.Path(file_okay=False, path_type=Path), default=".", required=False
)
@click.option(
    "--password-env",
    metavar="VAR",
    help="Read the PKCS#12 password from environment variable VAR (otherwise: prompt, which"
    " needs a terminal).",
)
@click.option(
    "--password",
    help="The password itself. RISKY: it lands in shell history and is visible to other"
    " users in the process list; prefer --password-env or the prompt.",
)
@click.option("--bits", default=4096, show_default=True, type=click.IntRange(2048, 16384))
@click.option("--common-name", default="2C2P merchant", show_default=True)
@click.option("--days", default=3650, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--name", default="merchant", show_default=True, callback=_plain_name, help="File name stem."
)
@click.option("--pem", is_flag=True, help="Also write the key as encrypted PKCS#8 PEM.")
@click.option("--overwrite", is_flag=True, help="Replace existing files (atomically).")
@json_option
def keygen_command(
    directory: Path,
    password_env: str | None,
    password: str | None,
    bits: int,
    common_name: str,
    days: int,
    name: str,
    pem: bool,
    overwrite: bool,
    as_json: bool,
) -> None:
    """Generate the merchant key pair in DIRECTORY (default: current directory).

    Writes NAME.cer.pem (upload it to the 2C2P merchant portal), NAME.p12 (your private key
    and certificate, password-protected, mode 0600) and with --pem NAME.key.pem. The password
    comes from --password-env VAR, or from a prompt when run in a terminal.
    """
    if not overwrite:
        _refuse_existing(directory, name, pem)
    secret = _password(password_env, password)
    generated = generate_merchant_keys(
        directory,
        password=secret,
        key_size=bits,
        common_name=common_name,
        days=days,
        pem=pem,
        overwrite=overwrite,
        name=name,
    )
    record = {
        "ok": True,
        "certificate": str(generated.certificate_path),
        "pkcs12": str(generated.pkcs12_path),
        "pem": None if generated.pem_path is None else str(generated.pem_path),
        "bits": bits,
        "fingerprint_sha256": generated.fingerprint,
    }
    Output(as_json).emit(
        record,
        [
            ("certificate", f"{generated.certificate_path}  (upload to the merchant portal)"),
            ("private key", f"{generated.pkcs12_path}  (keep secret; mode 0600)"),
            ("encrypted PEM", generated.pem_path),
            ("key", f"RSA-{bits}"),
            ("fingerprint", f"SHA-256 {generated.fingerprint}"),
        ],
    )
