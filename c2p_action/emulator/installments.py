"""The installment (IPP) family in the emulator: an options table per merchant, answered.

Every merchant gets the family's default table (:data:`SAMPLE_BANKS`, the guide's sample bank
plus one option that shows "not offered"), unless :meth:`InstallmentsFamily.configure` stored
one of its own in the ledger's ``installment_tables`` table. Tables are the same typed values
the client returns (:class:`~c2p_action.operations.installments.InstallmentBank`).

Answers follow the guide's sample: version ``2.2``, the request's ``timeStamp`` echoed, rates
with four decimals, a negative rate (``-1.0000``) for a variant that is not offered. Refusals
use the shared code table; which case gets which code is the emulator's own choice (INVENTED,
never to be relied on by client logic): 02 a request that is not a readable
``IppOptionRequest``, 03 a merchantID that is not the signer's, 10 no merchantID, 11 a field
that breaks the schema, 99 an answer that could not be written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from c2p_action.codec import Envelope
from c2p_action.codec.xml import from_xml, to_xml
from c2p_action.emulator._lenient import (
    first,
    foreign_merchant,
    time_stamp_echo,
    top_level_fields,
)
from c2p_action.errors import ConfigurationError, ValidationError, XmlError
from c2p_action.operations.installments import (
    VERSION,
    InstallmentBank,
    InstallmentOption,
    banks_model,
)
from c2p_action.schemas import IppOptionRequest, IppOptionResponse, RespCode

if TYPE_CHECKING:
    from c2p_action.emulator.core import Emulator
    from c2p_action.emulator.ledger import Ledger

__all__ = ["SAMPLE_BANKS", "InstallmentsFamily"]

_ROOT: Final = "IppOptionRequest"
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS installment_tables (
    merchant_id TEXT PRIMARY KEY,
    banks TEXT NOT NULL
)
"""

#: The default table: the guide's sample (HSBC, two BINs, 6 months at 1.0000 from 1.00 SGD),
#: plus a 12-month option whose merchant-interest variant is not offered.
SAMPLE_BANKS: Final = (
    InstallmentBank(
        name="HSBC",
        short_name="HSBC",
        logo_url="https://emulator.invalid/banks/27.png",
        bins=("424625", "448521"),
        options=(
            InstallmentOption(
                id=1,
                period=6,
                merchant_interest_rate=Decimal("1.0000"),
                customer_interest_rate=Decimal("1.0000"),
                min_amount=Decimal("1.00"),
                currency="SGD",
                valid_from=date(2018, 2, 6),
                valid_until=date(2023, 2, 1),
            ),
            InstallmentOption(
                id=2,
                period=12,
                merchant_interest_rate=None,
                customer_interest_rate=Decimal("0.8000"),
                min_amount=Decimal("500.00"),
                currency="SGD",
                valid_from=date(2018, 2, 6),
                valid_until=date(2099, 12, 31),
            ),
        ),
    ),
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _option_record(option: InstallmentOption) -> dict[str, Any]:
    def rate(value: Decimal | None) -> str | None:
        return None if value is None else f"{value:f}"

    return {
        "id": option.id,
        "period": option.period,
        "merchant_interest_rate": rate(option.merchant_interest_rate),
        "customer_interest_rate": rate(option.customer_interest_rate),
        "min_amount": f"{option.min_amount:f}",
        "currency": option.currency,
        "valid_from": option.valid_from.isoformat(),
        "valid_until": option.valid_until.isoformat(),
    }


def _option(record: Mapping[str, Any]) -> InstallmentOption:
    def rate(value: str | None) -> Decimal | None:
        return None if value is None else Decimal(value)

    return InstallmentOption(
        id=int(record["id"]),
        period=int(record["period"]),
        merchant_interest_rate=rate(record["merchant_interest_rate"]),
        customer_interest_rate=rate(record["customer_interest_rate"]),
        min_amount=Decimal(record["min_amount"]),
        currency=str(record["currency"]),
        valid_from=date.fromisoformat(record["valid_from"]),
        valid_until=date.fromisoformat(record["valid_until"]),
    )


def _dumps(banks: Sequence[InstallmentBank]) -> str:
    return json.dumps(
        [
            {
                "name": bank.name,
                "short_name": bank.short_name,
                "bins": list(bank.bins),
                "options": [_option_record(o) for o in bank.options],
                "terms": bank.terms,
                "logo_url": bank.logo_url,
                "promo_url": bank.promo_url,
            }
            for bank in banks
        ]
    )


def _loads(text: str) -> tuple[InstallmentBank, ...]:
    return tuple(
        InstallmentBank(
            name=record["name"],
            short_name=record["short_name"],
            bins=tuple(record["bins"]),
            options=tuple(_option(o) for o in record["options"]),
            terms=record["terms"],
            logo_url=record["logo_url"],
            promo_url=record["promo_url"],
        )
        for record in json.loads(text)
    )


def _checked(banks: Sequence[InstallmentBank]) -> tuple[InstallmentBank, ...]:
    """``banks`` if an answer can carry them (the schema's lengths, types), else refused."""
    table = tuple(banks)
    if not all(isinstance(bank, InstallmentBank) for bank in table):
        raise ConfigurationError("an installment table is a sequence of InstallmentBank values")
    try:
        to_xml(IppOptionResponse(ipp_banks=banks_model(table)))
        for bank in table:
            for option in bank.options:
                if not isinstance(option, InstallmentOption) or option.min_amount < 0:
                    raise ValidationError("options must be InstallmentOption values")
    except (ValidationError, AttributeError, TypeError, ValueError) as error:
        raise ConfigurationError(f"this installment table cannot be answered: {error}") from None
    return table


class InstallmentsFamily:
    """The emulator's installment options (see the module docstring).

    ``banks`` is the table every merchant gets unless configured otherwise (default
    :data:`SAMPLE_BANKS`); ``clock`` gives "now" for answers to requests without a timeStamp.
    Reach the instance an emulator serves with :meth:`of`.
    """

    name = "installments"
    routes: Mapping[str, Envelope] = {}
    xml_roots = frozenset({_ROOT})

    def __init__(
        self,
        banks: Sequence[InstallmentBank] = SAMPLE_BANKS,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.default_banks = _checked(banks)
        self._clock = clock
        self._ledger: Ledger | None = None

    @classmethod
    def of(cls, emulator: Emulator) -> InstallmentsFamily:
        """The installments family ``emulator`` serves (a ``ConfigurationError`` if none)."""
        for family in emulator.families.values():
            if isinstance(family, cls):
                return family
        raise ConfigurationError("this emulator serves no installment options")

    def install(self, ledger: Ledger) -> None:
        """Create the ``installment_tables`` table (kept if the ledger file already has it)."""
        ledger.execute(_SCHEMA)
        self._ledger = ledger

    @property
    def ledger(self) -> Ledger:
        """The ledger the family was installed in."""
        if self._ledger is None:
            raise ConfigurationError("the installments family is not installed in a ledger yet")
        return self._ledger

    def configure(self, merchant_id: str, banks: Sequence[InstallmentBank]) -> None:
        """Give ``merchant_id`` its own table (an empty one: no bank offers installments)."""
        table = _checked(banks)
        self.ledger.execute(
            "REPLACE INTO installment_tables VALUES (?, ?)", (merchant_id, _dumps(table))
        )

    def banks_for(self, merchant_id: str) -> tuple[InstallmentBank, ...]:
        """The table ``merchant_id`` is answered with."""
        rows = self.ledger.query(
            "SELECT banks FROM installment_tables WHERE merchant_id = ?", (merchant_id,)
        )
        return _loads(rows[0]["banks"]) if rows else self.default_banks

    def answer(self, emulator: Emulator, merchant_id: str, path: str, body: bytes) -> bytes:
        """The plaintext ``IppOptionResponse`` to a decrypted request."""
        now = self._clock()
        response = IppOptionResponse(version=VERSION)
        try:
            request = from_xml(body, IppOptionRequest)
        except XmlError:
            fields = top_level_fields(body, _ROOT)
            if fields is None:
                response.time_stamp = time_stamp_echo(None, now)
                return _refused(response, "02")
            response.time_stamp = time_stamp_echo(first(fields, "timeStamp"), now)
            if foreign_merchant(fields, merchant_id):
                return _refused(response, "03")
            return _refused(response, "11" if first(fields, "merchantID") else "10")
        response.time_stamp = time_stamp_echo(request.time_stamp, now)
        if not request.merchant_id.strip():
            return _refused(response, "10")  # present but empty: the reader checks no lengths
        if request.merchant_id != merchant_id:
            return _refused(response, "03")
        try:
            to_xml(request)  # the schema's lengths, which the reader does not enforce
        except ValidationError:
            return _refused(response, "11")
        response.resp_code, response.resp_reason = "00", "Success"
        response.ipp_banks = banks_model(self.banks_for(merchant_id))
        try:
            return to_xml(response)
        except ValidationError:
            return _refused(IppOptionResponse(version=VERSION), "99")


def _refused(response: IppOptionResponse, code: str) -> bytes:
    response.resp_code = code
    response.resp_reason = RespCode(code).description
    response.ipp_banks = None
    return to_xml(response)
