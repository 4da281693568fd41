"""Payments to seed, from CSV or JSON (``2c2p emulator seed --from``, the control endpoint),
and the JSON form of a seeded payment. No I/O beyond reading the file it is given.

A row names a payment as :meth:`Emulator.seed <c2p_action.emulator.Emulator.seed>` does:

- ``invoice`` (or ``invoice_no``) and ``amount``, required;
- ``status`` (default ``A``), ``method`` (``card``/``apm``), ``merchant_id``,
  ``payment_scheme``, ``partial_settle`` and ``void_pending`` (``true``/``false``, ``1``/``0``,
  ``yes``/``no``), optional;
- ``sub_merchants``: in JSON an object ``{"S1": "60.00", ...}``, in CSV ``S1=60.00;S2=40.00``.

Empty CSV cells count as absent. Amounts stay strings until the seed checks them; a JSON
number with a fraction is refused (a float may not be the amount it looks like), a whole one
is exact and accepted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from c2p_action.emulator.model import RefundRecord, Transaction
from c2p_action.errors import ValidationError

__all__ = ["payment_arguments", "read_payments", "refund_record", "transaction_record"]

_ALIASES = {"invoice": "invoice_no", "merchant": "merchant_id", "scheme": "payment_scheme"}
_TEXT = ("invoice_no", "status", "method", "merchant_id", "payment_scheme")
_FLAGS = ("partial_settle", "void_pending")
_KNOWN = frozenset({*_TEXT, *_FLAGS, "amount", "sub_merchants"})
_TRUE, _FALSE = {"true", "1", "yes", "y"}, {"false", "0", "no", "n", ""}


def read_payments(path: str | Path) -> list[dict[str, Any]]:
    """The payments in a ``.json`` (a list of objects) or ``.csv`` (a header row) file, as
    keyword arguments for ``Emulator.seed``. Raises
    :class:`~c2p_action.errors.ValidationError` naming the row of a bad entry."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read payments from {file}: {exc}") from None
    if file.suffix.lower() == ".json" or text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"{file}: not JSON: {exc}") from None
        if not isinstance(data, list):
            raise ValidationError(f"{file}: a JSON payments file holds a list of objects")
        return [_row(entry, f"{file} entry {n}") for n, entry in enumerate(data, start=1)]
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ValidationError(f"{file}: the CSV file has no header row")
    # Line numbers as an editor shows them: the header is line 1.
    return [_row(entry, f"{file} line {n}") for n, entry in enumerate(reader, start=2)]


def payment_arguments(data: object, where: str = "payment") -> dict[str, Any]:
    """One payment (a JSON object or CSV row) as keyword arguments for ``Emulator.seed``."""
    return _row(data, where)


def _row(data: object, where: str) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise ValidationError(f"{where}: a payment is an object with invoice and amount")
    row: dict[str, Any] = {}
    for raw_key, value in data.items():
        if raw_key is None:  # a CSV row with more cells than the header
            raise ValidationError(f"{where}: more cells than the header names")
        key = _ALIASES.get(str(raw_key).strip(), str(raw_key).strip())
        if key not in _KNOWN:
            known = ", ".join(sorted({*_KNOWN, *_ALIASES}))
            raise ValidationError(f"{where}: unknown column {raw_key!r}; known: {known}")
        if value is None or value == "":
            continue
        row[key] = _value(key, value, where)
    for required in ("invoice_no", "amount"):
        if required not in row:
            raise ValidationError(f"{where}: {required.removesuffix('_no')} is missing")
    return row


def _value(key: str, value: object, where: str) -> object:
    if key in _FLAGS:
        return _flag(value, key, where)
    if key == "sub_merchants":
        return _split(value, where)
    if key == "amount":
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value).strip()
        raise ValidationError(f'{where}: amount must be a string such as "25.00"')
    if not isinstance(value, str):
        raise ValidationError(f"{where}: {key} must be text")
    return value.strip()


def _flag(value: object, key: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValidationError(f"{where}: {key} must be true or false, not {value!r}")


def _split(value: object, where: str) -> dict[str, str]:
    if isinstance(value, Mapping):
        items: Iterable[tuple[object, object]] = value.items()
    elif isinstance(value, str):
        pairs = [part.partition("=") for part in value.split(";") if part.strip()]
        if any(not sep for _, sep, _ in pairs):
            raise ValidationError(f"{where}: sub_merchants is SUBMID=AMOUNT;SUBMID=AMOUNT")
        items = [(mid, amount) for mid, _, amount in pairs]
    else:
        raise ValidationError(f"{where}: sub_merchants is an object or SUBMID=AMOUNT;...")
    split: dict[str, str] = {}
    for mid, amount in items:
        if not isinstance(amount, str):
            raise ValidationError(f'{where}: sub-merchant amounts are strings such as "60.00"')
        split[str(mid).strip()] = amount.strip()
    return split


def _money(amount: Decimal) -> str:
    return f"{amount:f}"


def refund_record(refund: RefundRecord) -> dict[str, Any]:
    """A refund as JSON-ready data."""
    return {
        "amount": _money(refund.amount),
        "status": refund.status,
        "reference_no": refund.reference_no,
        "sub_amounts": {mid: _money(amount) for mid, amount in refund.sub_amounts},
    }


def transaction_record(
    txn: Transaction, refunds: Sequence[RefundRecord] | None = None
) -> dict[str, Any]:
    """A seeded payment as JSON-ready data (with its refunds when given)."""
    record: dict[str, Any] = {
        "merchant_id": txn.merchant_id,
        "invoice_no": txn.invoice_no,
        "amount": _money(txn.amount),
        "method": txn.method.value,
        "status": txn.status,
        "reference_no": txn.reference_no,
        "payment_scheme": txn.payment_scheme,
        "sub_merchants": {mid: _money(amount) for mid, amount in txn.sub_merchants},
    }
    if refunds is not None:
        record["refunds"] = [refund_record(refund) for refund in refunds]
    return record
