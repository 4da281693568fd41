"""The XSD, the committed xsdata models generated from it, and the hand-written code enums."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import typing
from decimal import Decimal
from pathlib import Path

import pytest

from c2p_action import schemas
from c2p_action.codec.xml import XML_CONTEXT
from c2p_action.schemas import (
    PaymentProcessRequest,
    PaymentProcessResponse,
    ProcessType,
    RespCode,
    TransactionStatus,
    models,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ROOT / "c2p_action" / "schemas"
REGEN = ROOT / "scripts" / "regen-schemas"
XSDATA = Path(sys.executable).parent / "xsdata"


def _run_regen(outdir: Path, xsdata: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XSDATA": str(xsdata)}
    return subprocess.run(
        [str(REGEN), str(outdir)], env=env, capture_output=True, text=True, check=False
    )


def test_committed_models_match_a_fresh_generation(tmp_path: Path) -> None:
    result = _run_regen(tmp_path, XSDATA)
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in tmp_path.glob("*.py"))
    assert "models.py" in written
    for name in written:
        fresh = (tmp_path / name).read_text()
        committed = (SCHEMA_DIR / name).read_text()
        assert fresh == committed, f"{name} drifted from its XSD: run scripts/regen-schemas"


def test_regen_refuses_an_unpinned_xsdata(tmp_path: Path) -> None:
    # A fake xsdata executable that only answers --version with the wrong release.
    fake = tmp_path / "xsdata"
    fake.write_text('#!/bin/sh\necho "xsdata, version 25.7"\n')
    fake.chmod(0o755)
    result = _run_regen(tmp_path / "out", fake)
    assert result.returncode == 2
    assert "26.10 required" in result.stderr
    assert not (tmp_path / "out" / "models.py").exists()


def test_package_exports_every_generated_model() -> None:
    generated = {
        name
        for name, value in vars(models).items()
        if isinstance(value, type) and value.__module__ == models.__name__
    }
    assert generated <= set(schemas.__all__)
    assert {"RespCode", "TransactionStatus"} <= set(schemas.__all__)
    for name in schemas.__all__:
        value = getattr(schemas, name)
        if name.startswith("XML_"):
            assert all(isinstance(model, type) for model in value)
        else:
            assert value.__name__ == name


def _xml_names(cls: type[object]) -> list[str]:
    return [var.local_name for var in XML_CONTEXT.build(cls).get_element_vars()]


def test_request_elements_follow_the_reference_table_order() -> None:
    assert _xml_names(PaymentProcessRequest) == [
        "version", "timeStamp", "merchantID", "childMerchantID", "processType", "invoiceNo",
        "actionAmount", "bankCode", "accountName", "accountNumber", "subMerchantList",
        "notifyURL", "userDefined1", "userDefined2", "userDefined3", "userDefined4",
        "userDefined5", "idempotencyID", "loyaltyPayments", "notes",
    ]  # fmt: skip


def test_response_elements_follow_the_samples_then_the_rest() -> None:
    # refundList between eci and paymentScheme: where 2C2P's refund-status sample has it.
    names = _xml_names(PaymentProcessResponse)
    assert names[:17] == [
        "version", "timeStamp", "respCode", "respDesc", "processType", "invoiceNo", "amount",
        "status", "approvalCode", "referenceNo", "refundReferenceNo", "transactionDateTime",
        "maskedPan", "eci", "refundList", "paymentScheme", "processBy",
    ]  # fmt: skip
    assert names[17:] == [
        "paidAgent", "paidChannel", "userDefined1", "userDefined2", "userDefined3",
        "userDefined4", "userDefined5", "other_element",
    ]  # fmt: skip
    assert XML_CONTEXT.build(PaymentProcessResponse).get_element_vars()[-1].is_wildcard


def _metadata(cls: type[object], name: str) -> typing.Mapping[str, object]:
    return {f.name: f.metadata for f in dataclasses.fields(cls)}[name]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cls", "field", "max_length"),
    [
        (PaymentProcessRequest, "version", 5),
        (PaymentProcessRequest, "time_stamp", 22),
        (PaymentProcessRequest, "merchant_id", 15),
        (PaymentProcessRequest, "child_merchant_id", 15),
        (PaymentProcessRequest, "invoice_no", 50),
        (PaymentProcessRequest, "bank_code", 10),
        (PaymentProcessRequest, "account_name", 50),
        (PaymentProcessRequest, "account_number", 50),
        (PaymentProcessRequest, "notify_url", 250),
        (PaymentProcessRequest, "user_defined1", 150),
        (PaymentProcessRequest, "user_defined5", 150),
        (PaymentProcessRequest, "idempotency_id", 100),
        (PaymentProcessRequest, "notes", 150),
        (models.SubMerchant, "sub_mid", 15),
        (models.LoyaltyRefund, "loyalty_provider", 20),
        (models.LoyaltyRefund, "external_merchant_id", 50),
        (PaymentProcessResponse, "resp_code", 2),
        (PaymentProcessResponse, "process_type", 2),
        (PaymentProcessResponse, "status", 3),
        # 2C2P's scheme codes (OVERTHECOUNTER is 14 characters) must fit.
        (PaymentProcessResponse, "payment_scheme", 20),
        (PaymentProcessResponse, "process_by", 20),
    ],
)
def test_string_lengths_come_from_the_reference(
    cls: type[object], field: str, max_length: int
) -> None:
    assert _metadata(cls, field)["max_length"] == max_length


@pytest.mark.parametrize(
    ("cls", "field", "digits"),
    [
        (PaymentProcessRequest, "action_amount", (10, 2)),
        (models.SubMerchant, "sub_amount", (10, 2)),
        (models.LoyaltyRefund, "total_refund_reward_amount", (12, 5)),
        (models.Reward, "quantity", (12, 5)),
        (PaymentProcessResponse, "amount", (10, 2)),
        (models.Refund, "amount", (10, 2)),
    ],
)
def test_amounts_are_positive_decimals_with_reference_digits(
    cls: type[object], field: str, digits: tuple[int, int]
) -> None:
    metadata = _metadata(cls, field)
    assert (metadata["total_digits"], metadata["fraction_digits"]) == digits
    assert metadata["min_exclusive"] == Decimal(0)
    hint = typing.get_type_hints(cls)[field]
    assert Decimal in typing.get_args(hint) or hint is Decimal


def test_field_names_and_types_match_the_core_api() -> None:
    request = typing.get_type_hints(PaymentProcessRequest)
    assert request["process_type"] is ProcessType
    assert request["merchant_id"] is str
    for name in ("time_stamp", "notify_url", "idempotency_id", "user_defined1", "notes"):
        assert name in request
    response = typing.get_type_hints(PaymentProcessResponse)
    for name in ("resp_code", "status", "process_type"):
        # Raw strings: an unknown code from the gateway must never break parsing.
        assert response[name] == str | None
    assert response["other_element"] == list[object]
    assert {f.name for f in dataclasses.fields(models.SubMerchant)} >= {"sub_mid", "sub_amount"}
    assert (
        PaymentProcessRequest(merchant_id="M", process_type=ProcessType.I, invoice_no="1").version
        == "3.8"
    )


def test_request_mandatory_fields_have_no_default() -> None:
    with pytest.raises(TypeError):
        PaymentProcessRequest(process_type=ProcessType.R, invoice_no="1")  # type: ignore[call-arg]
    assert _metadata(PaymentProcessRequest, "merchant_id")["min_length"] == 1
    assert _metadata(PaymentProcessRequest, "invoice_no")["min_length"] == 1


def test_process_types_are_exactly_the_five_of_the_reference() -> None:
    assert [member.value for member in ProcessType] == ["I", "V", "S", "R", "RS"]
    assert [member.value for member in models.RewardType] == ["P", "V"]


REFERENCE_RESP_CODES = """
    00 01 02 03 04 05 10 11 12 13 14 15 16 17 18 21 22 25 29 30 31 32 33 34 35 36 37 38 39 40
    41 42 43 44 45 46 47 48 49 50 51 52 53 54 61 65 95 96 97 98 99
"""
REFERENCE_STATUSES = "A AP AE AL AM PF AR FF IP ROE RP RF RFF RR RR1 RR2 RR3 RS S T V VP EX CTS CTF"


def test_resp_codes_cover_the_reference_table() -> None:
    assert sorted(code.value for code in RespCode) == REFERENCE_RESP_CODES.split()
    assert RespCode("45") is RespCode.REFUND_FAILED
    assert RespCode.REFUND_PENDING.description == "Refund pending"
    assert all(code.description for code in RespCode)


def test_transaction_statuses_cover_the_reference_list() -> None:
    secondary = {"PPC", "PFC"}  # partially/fully captured: secondary sources only
    values = {status.value for status in TransactionStatus}
    assert values == set(REFERENCE_STATUSES.split()) | secondary


def test_codes_compare_equal_to_the_raw_response_strings() -> None:
    response = PaymentProcessResponse(resp_code="42", status="RP", process_type="R")
    assert response.resp_code == RespCode.REFUND_PENDING
    assert response.status == TransactionStatus.REFUND_PENDING
    assert response.process_type == ProcessType.R.value
    assert response.resp_code != RespCode.SUCCESS


def test_the_two_rs_codes_stay_apart() -> None:
    process_type: object = ProcessType.RS
    status: object = TransactionStatus.READY_FOR_SETTLEMENT
    assert ProcessType.RS.value == TransactionStatus.READY_FOR_SETTLEMENT.value == "RS"
    assert not isinstance(process_type, TransactionStatus)
    assert not isinstance(status, ProcessType)
    assert process_type != status
