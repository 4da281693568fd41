"""The emulator's FX rate family: ``FxRateRequest`` and ``FxRateListRequest`` on the action path.

Rates come from a table given to :class:`FxRules` (``rates``: numeric ISO 4217 code -> rate
against ``base_currency``); the default table is made up for tests and demos, not 2C2P's.
A list request's ``hashValue`` is checked with the merchant's secret key when one is
configured for that merchant (``secret_keys``), with the rule of
:class:`~c2p_action.operations.fx.MerchantSecret` (INFERRED: HMAC-SHA1 over version + timeStamp
+ merchantID, upper-case hex; ``hash_algorithm``/``hash_fields`` change it); for a merchant
without one it is not checked. The list answer's root and items (``FxRateListResponse``,
``currencyList/currency``) are INFERRED.

====  ==========================================================================  ===========
code  when                                                                        source
====  ==========================================================================  ===========
00    a rate (or the list)                                                        table
02    the request cannot be read as an FX request                                 emulator's
                                                                                  choice
02    a currency the table does not hold (2C2P documents no code for it)          emulator's
                                                                                  invention
03    the request names another merchantID than the signer                        emulator's
                                                                                  choice
11    a field breaks the schema (length, a currency that is not three digits)     emulator's
                                                                                  choice
13    the hashValue is not the one the merchant's secret key gives                table
====  ==========================================================================  ===========
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Final

from c2p_action.codec import Envelope
from c2p_action.codec.xml import from_xml, to_xml
from c2p_action.emulator.families import root_tag
from c2p_action.errors import ConfigurationError, ValidationError, XmlError
from c2p_action.operations.fx import DEFAULT_HASH_ALGORITHM, DEFAULT_HASH_FIELDS, MerchantSecret
from c2p_action.schemas import (
    FxCurrencyList,
    FxCurrencyRate,
    FxRateListRequest,
    FxRateListResponse,
    FxRateRequest,
    FxRateResponse,
    RespCode,
)

if TYPE_CHECKING:
    from c2p_action.emulator.core import Emulator
    from c2p_action.emulator.ledger import Ledger

__all__ = ["DEFAULT_RATES", "FxRules"]

_VERSION: Final = "2.1"
# fxRate is D 15,7 in the schema.
_MAX_RATE: Final = Decimal("1e8")
_RATE_QUANTUM: Final = Decimal("1e-7")

#: Made-up rates against SGD (702): for tests and demos only.
DEFAULT_RATES: Final[Mapping[str, str]] = {
    "702": "1.0000",  # SGD
    "840": "1.3421",  # USD
    "978": "1.4563",  # EUR
    "764": "0.0391",  # THB
    "458": "0.3012",  # MYR
    "036": "0.8905",  # AUD
}


def _rate(code: str, value: Decimal | str) -> tuple[str, Decimal]:
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise ConfigurationError(f"FX rate of {code} is not a number") from None
    if not (len(code) == 3 and code.isascii() and code.isdigit()) or not rate.is_finite():
        raise ConfigurationError(f"FX rates need numeric ISO 4217 codes and finite rates: {code}")
    if not 0 < rate < _MAX_RATE or rate != rate.quantize(_RATE_QUANTUM):
        raise ConfigurationError(
            f"FX rate of {code} must be positive, below {_MAX_RATE}, with at most 7 decimals"
        )
    return code, rate


class FxRules:
    """The FX family (:class:`~c2p_action.emulator.families.FamilyRules`).

    ``rates``: numeric ISO 4217 code -> rate (default :data:`DEFAULT_RATES`);
    ``base_currency``: what the rates are against; ``secret_keys``: merchantID -> the merchant's
    secret key, to check ``hashValue`` with. Change the table with :meth:`set_rate`.
    """

    name = "fx"
    routes: Mapping[str, Envelope] = {}
    xml_roots = frozenset({"FxRateRequest", "FxRateListRequest"})

    def __init__(
        self,
        rates: Mapping[str, Decimal | str] | None = None,
        *,
        base_currency: str = "702",
        secret_keys: Mapping[str, str | bytes] | None = None,
        hash_algorithm: str = DEFAULT_HASH_ALGORITHM,
        hash_fields: Sequence[str] = DEFAULT_HASH_FIELDS,
    ) -> None:
        self._rates = dict(_rate(c, v) for c, v in (rates or DEFAULT_RATES).items())
        self.base_currency = _rate(base_currency, "1")[0]
        try:
            self._secrets = {
                merchant: MerchantSecret(key, algorithm=hash_algorithm, fields=hash_fields)
                for merchant, key in (secret_keys or {}).items()
            }
        except ValidationError as error:
            raise ConfigurationError(f"FX secret keys: {error}") from None

    def __repr__(self) -> str:
        # The secret keys are not shown, only which merchants have one.
        return (
            f"FxRules(base_currency={self.base_currency!r}, currencies={sorted(self._rates)},"
            f" hash_checked_for={sorted(self._secrets)})"
        )

    @property
    def rates(self) -> dict[str, Decimal]:
        """The table: code -> rate."""
        return dict(self._rates)

    def set_rate(self, currency: str, rate: Decimal | str) -> None:
        """Add or change one currency's rate."""
        code, value = _rate(currency, rate)
        self._rates[code] = value

    def install(self, ledger: Ledger) -> None:
        """Nothing to store: the table is configuration."""

    def answer(self, emulator: Emulator, merchant_id: str, path: str, body: bytes) -> bytes:
        """The plaintext answer to a decrypted ``FxRateRequest`` or ``FxRateListRequest``."""
        if root_tag(body) == "FxRateListRequest":
            return self._list(merchant_id, body)
        return self._one(merchant_id, body)

    def _one(self, merchant_id: str, body: bytes) -> bytes:
        try:
            request = from_xml(body, FxRateRequest)
        except XmlError:
            return _write(FxRateResponse(version=_VERSION), "02")
        echo = FxRateResponse(
            version=_VERSION,
            time_stamp=_fits(request.time_stamp, 22),
            merchant_id=_fits(request.merchant_id, 15),
            currency=_fits(request.currency, 3),
        )
        code = _refusal(request, merchant_id)
        if code is None and not request.currency.isdigit():
            code = "11"
        if code is None:
            rate = self._rates.get(request.currency)
            if rate is None:
                code = "02"  # the emulator's invention: 2C2P documents no code for this
            else:
                echo.fx_rate = rate
                echo.base_currency = self.base_currency
                code = "00"
        return _write(echo, code)

    def _list(self, merchant_id: str, body: bytes) -> bytes:
        try:
            request = from_xml(body, FxRateListRequest)
        except XmlError:
            return _write(FxRateListResponse(version=_VERSION), "02")
        echo = FxRateListResponse(
            version=_VERSION,
            time_stamp=_fits(request.time_stamp, 22),
            merchant_id=_fits(request.merchant_id, 15),
        )
        code = _refusal(request, merchant_id)
        secret = self._secrets.get(merchant_id)
        if code is None and secret is not None:
            expected = secret.hash_value(request).encode()
            if not hmac.compare_digest(expected, request.hash_value.strip().upper().encode()):
                code = "13"
        if code is None:
            echo.base_currency = self.base_currency
            echo.currency_list = FxCurrencyList(
                currency=[
                    FxCurrencyRate(currency=c, fx_rate=r) for c, r in sorted(self._rates.items())
                ]
            )
            code = "00"
        return _write(echo, code)


def _fits(value: str | None, limit: int) -> str | None:
    """``value`` if the response schema can echo it, else nothing (the request was refused)."""
    return value if value is not None and len(value) <= limit else None


def _refusal(request: FxRateRequest | FxRateListRequest, signer: str) -> str | None:
    if request.merchant_id != signer:
        return "03"
    try:
        to_xml(request)  # the writer's rules are the schema's (lengths)
    except ValidationError:
        return "11"
    return None


def _write(echo: FxRateResponse | FxRateListResponse, code: str) -> bytes:
    echo.response_code = code
    echo.resp_reason = RespCode(code).description
    try:
        return to_xml(echo)
    except ValidationError:
        # An echo the response schema cannot carry (far too long): answer 99 without echoes.
        return to_xml(type(echo)(version=_VERSION, response_code="99", resp_reason="Error"))
