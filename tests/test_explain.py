"""``explain``: every documented code explained, in the API, in every GatewayError and the CLI."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import c2p_action
from c2p_action.client import AsyncClient, Client, RetryPolicy
from c2p_action.emulator import Emulator
from c2p_action.errors import GatewayError, NotAllowedError, NotFoundError, ValidationError
from c2p_action.explanations import (
    Explanation,
    Kind,
    explain,
    explanation_for,
    tables,
    tables_listing,
)
from c2p_action.explanations import register_explanations as register
from c2p_action.keys import certificate_for
from c2p_action.operations import all_operations
from c2p_action.schemas import GatewayCode, RespCode, TransactionStatus
from c2p_action.transports import InProcessTransport

MERCHANT = "JT01"
CLI = [sys.executable, "-m", "c2p_action.cli"]


def _codes_of_every_table() -> list[tuple[str, type[GatewayCode], str]]:
    found: dict[tuple[type[GatewayCode], str], str] = {}
    for operation in all_operations():
        table = operation.codes
        listed = {member.value for member in table.enum}
        listed |= table.success | table.pending | set(table.errors) | table.retryable_hint
        listed |= operation.replay_pending
        for code in listed:
            found.setdefault((table.enum, code), operation.name)
    return [
        (name, enum, code)
        for (enum, code), name in sorted(
            found.items(), key=lambda item: (item[0][0].__name__, item[0][1])
        )
    ]


CODES = _codes_of_every_table()


def test_every_operation_has_a_code_table_with_codes() -> None:
    assert len(CODES) >= len(RespCode)  # the payment family's 51 codes at least


@pytest.mark.parametrize(
    ("operation", "enum", "code"), CODES, ids=[f"{e.__name__}-{c}" for _, e, c in CODES]
)
def test_every_code_of_every_registered_code_table_is_explained(
    operation: str, enum: type[GatewayCode], code: str
) -> None:
    found = explanation_for(enum(code))
    assert found.known, f"{operation}: {enum.__name__} {code} has no explanation"
    assert found.summary.strip()
    assert found.table
    table = next(op.codes for op in all_operations() if op.name == operation)
    # The kind agrees with what the code table does with the code.
    if code in table.success:
        assert found.kind is Kind.SUCCESS
    elif code in table.pending:
        assert found.kind is Kind.PENDING
    else:
        assert found.kind not in (Kind.SUCCESS, Kind.STATUS, Kind.UNKNOWN)


@pytest.mark.parametrize("status", list(TransactionStatus), ids=lambda s: s.value)
def test_every_transaction_status_is_explained(status: TransactionStatus) -> None:
    found = explain(status.value, family="status")
    assert (found.known, found.kind, found.table) == (True, Kind.STATUS, "status")
    assert found.meaning
    assert found.summary


def test_96_names_the_setup_problems() -> None:
    found = explain("96")
    assert (found.kind, found.meaning, found.table) == (Kind.SETUP, "Unable to decrypt", "respCode")
    causes = " ".join(found.causes)
    for words in ("Wrong key pair", "RSA-OAEP-256", "sandbox certificate", "default key"):
        assert words in causes
    assert any("2c2p doctor" in check for check in found.checks)
    text = str(found)
    assert "Likely causes:" in text
    assert "What to check:" in text


def test_lookups_by_family_enum_and_unknown_codes() -> None:
    assert explain("RS").table == "status"  # not a respCode: found among the statuses
    assert explain("RS", family="respCode").known is False
    assert explain("42", family="payment").kind is Kind.PENDING
    assert explain(RespCode("49")).code == "49"
    assert explain(" 16 ").code == "16"
    unknown = explain("7X")
    assert (unknown.known, unknown.kind) == (False, Kind.UNKNOWN)
    assert "description the gateway sent" in unknown.summary
    assert explanation_for(RespCode("7X")).known is False
    with pytest.raises(ValidationError, match="unknown family 'nosuch'"):
        explain("00", family="nosuch")
    with pytest.raises(ValidationError):
        explain(96, family="payment")  # type: ignore[arg-type]
    assert {"respCode", "status"} <= set(tables())
    assert set(tables("payment")) == {"respCode"}


def test_a_bare_code_is_a_respcode_before_any_family_table() -> None:
    # funds also lists "00", and family modules register in import order, not payment first.
    assert explain("00").table == "respCode"
    assert tables_listing("00")[0] == "respCode"
    assert "funds" in tables_listing("00")
    # "0000" belongs to two 4-digit tables: both are named, so a caller can narrow it.
    assert {"customer-token", "agent-status"} <= set(tables_listing("0000"))
    assert explain("0000", family="customer_token").table == "customer-token"
    assert explain("0000", family="agent_status").table == "agent-status"


def test_the_package_root_exports_explain_lazily() -> None:
    assert c2p_action.explain is explain
    assert "explain" in c2p_action.__all__


def test_a_family_registers_its_own_table() -> None:
    class DemoCode(GatewayCode):
        SUCCESS = "0000"
        DECLINED = "4001"

    register(
        DemoCode,
        "demo-family",
        [
            Explanation("0000", Kind.SUCCESS, "Done."),
            Explanation("4001", Kind.REFUSED, "Declined."),
        ],
    )
    assert explain("4001", family="demo-family").summary == "Declined."
    assert explanation_for(DemoCode("4001")).table == "demo-family"
    assert explain("4001").summary == "Declined."  # found without a family too
    with pytest.raises(ValidationError, match="explained twice"):
        register(
            DemoCode,
            "demo-family",
            [Explanation("0000", Kind.SUCCESS, "a"), Explanation("0000", Kind.SUCCESS, "b")],
        )


# -- every GatewayError carries its explanation ----------------------------------------------


@pytest.fixture
def emulator(
    other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> Iterator[Emulator]:
    emulator = Emulator(gateway_private, {MERCHANT: other_private.public_key()})
    emulator.seed("EXP-A", Decimal("10.00"), status="A")
    yield emulator
    emulator.close()


def _client(emulator: Emulator, key: rsa.RSAPrivateKey, gateway: rsa.RSAPrivateKey) -> Client:
    return Client(
        MERCHANT,
        key,
        gateway.public_key(),
        retry=RetryPolicy.never(),
        transport=InProcessTransport(emulator.handle),
    )


def test_gateway_errors_carry_an_explanation_shown_at_debug(
    emulator: Emulator, other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> None:
    with _client(emulator, other_private, gateway_private) as client:
        with pytest.raises(NotFoundError) as missing:
            client.inquiry("NO-SUCH")
        with pytest.raises(NotAllowedError) as not_yet:
            client.refund("EXP-A", "1.00")
    error = missing.value
    assert isinstance(error.explanation, Explanation)
    assert error.explanation.code == "16"
    assert "No transaction with this invoice number" in error.explanation.summary
    assert not_yet.value.explanation is not None
    assert "void it instead" in " ".join(not_yet.value.explanation.causes)

    library = logging.getLogger("c2p_action")
    before = library.level
    try:
        library.setLevel(logging.INFO)
        assert "No transaction with this invoice number" not in str(error)
        library.setLevel(logging.DEBUG)
        assert "No transaction with this invoice number" in str(error)
        assert str(error).startswith("gateway refused the request: 16")
    finally:
        library.setLevel(before)


def test_the_async_client_raises_explained_errors_too(
    emulator: Emulator, other_private: rsa.RSAPrivateKey, gateway_private: rsa.RSAPrivateKey
) -> None:
    async def main() -> None:
        async with AsyncClient(
            MERCHANT,
            other_private,
            gateway_private.public_key(),
            transport=InProcessTransport(emulator.ahandle),
        ) as client:
            await client.refund("EXP-A", "1.00")

    with pytest.raises(GatewayError) as caught:
        asyncio.run(main())
    assert caught.value.explanation is not None
    assert caught.value.explanation.code == "41"


def test_a_gateway_error_without_an_explanation_still_prints() -> None:
    error = GatewayError("16", "Requested transaction doesn't exist")
    assert error.explanation is None
    assert str(error) == "gateway refused the request: 16 Requested transaction doesn't exist"


# -- the CLI ------------------------------------------------------------------------------------


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("C2P_")}
    return subprocess.run(
        [*CLI, *args], env=base | (env or {}), capture_output=True, text=True, timeout=120
    )


def test_explain_command() -> None:
    shown = run(["explain", "96"])
    assert shown.returncode == 0, shown.stderr
    assert "96 (Unable to decrypt)" in shown.stdout
    assert "RSA-OAEP-256" in shown.stdout

    as_json = run(["explain", "RP", "--family", "status", "--json"])
    assert as_json.returncode == 0
    record = json.loads(as_json.stdout)
    assert (record["code"], record["table"], record["kind"]) == ("RP", "status", "status")

    ambiguous = run(["explain", "0000"])
    assert ambiguous.returncode == 0
    assert "narrow it with --family" in ambiguous.stdout
    assert "narrow it" not in run(["explain", "0000", "--family", "agent_status"]).stdout

    assert run(["explain", "7X"]).returncode == 2
    unknown_family = run(["explain", "00", "--family", "nosuch"])
    assert unknown_family.returncode == 2
    assert "unknown family" in unknown_family.stderr

    listing = run(["explain", "--list", "--family", "respCode", "--json"])
    assert listing.returncode == 0
    assert [item["code"] for item in json.loads(listing.stdout)] == [c.value for c in RespCode]


def test_a_refusal_is_explained_with_the_explain_flag(
    tmp_path: Path,
    emulator: Emulator,
    other_private: rsa.RSAPrivateKey,
    gateway_private: rsa.RSAPrivateKey,
) -> None:
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
    with emulator.start_server() as server:
        env = {
            "C2P_MERCHANT_ID": MERCHANT,
            "C2P_MERCHANT_KEY": str(key),
            "C2P_GATEWAY_KEY": str(cert),
            "C2P_ENVIRONMENT": server.base_url,
        }
        plain = run(["refund", "EXP-A", "1.00"], env)
        explained = run(["refund", "EXP-A", "1.00", "--explain"], env)
        as_json = run(["refund", "EXP-A", "1.00", "--json"], env)
    assert plain.returncode == explained.returncode == 4
    assert "Likely causes" not in plain.stderr
    assert "41 (Refund not allowed)" in explained.stderr
    assert "void it instead" in explained.stderr
    assert json.loads(as_json.stdout)["explanation"]["code"] == "41"
