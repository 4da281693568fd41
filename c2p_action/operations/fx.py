"""The FX rate family: the rate of one currency, and the rates of every currency.

``FxRateRequest``/``FxRateResponse`` and ``FxRateListRequest``/``FxRateListResponse``, version
2.1, XML posted to the Payment Action URL (reference ``payment-maintenance-family.md``
section 5). The FX guide itself was not readable: the envelope (nested, as the rest of the
family), the list answer's root and items, and the ``hashValue`` rule are INFERRED, and each
operation says what in ``inferred``. The answers carry their code in ``responseCode`` (not
``respCode``) and its text in ``respReason``, read on the shared two-digit table.

``hashValue`` (list only) is an HMAC with the merchant's *secret key*, which this library
does not otherwise hold: the caller gives it for the call as a :class:`MerchantSecret`, which
also says how the hash is computed (HMAC-SHA1 over version + timeStamp + merchantID,
upper-case hex, INFERRED from 2C2P's legacy rule; both the algorithm and the field list can be
changed). Without it the call is refused with a ``ConfigurationError``: no hash is ever made up.

Both operations only read: the client may repeat them (``RetrySafety.ALWAYS``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final, NoReturn, Self, Unpack

from c2p_action.errors import ConfigurationError, ValidationError
from c2p_action.operations._result import Result
from c2p_action.operations._spec import (
    AsyncCaller,
    Bind,
    BodyFormat,
    Caller,
    CallOptions,
    CodeTable,
    Envelope,
    Evidence,
    Mask,
    Operation,
    RetrySafety,
)
from c2p_action.operations._values import check_options
from c2p_action.operations.payment import ACTION_ENDPOINT
from c2p_action.operations.payment import CODES as PAYMENT_CODES
from c2p_action.schemas import (
    FxCurrencyRate,
    FxRateListRequest,
    FxRateListResponse,
    FxRateRequest,
    FxRateResponse,
    RespCode,
)

__all__ = [
    "CODES",
    "DEFAULT_HASH_ALGORITHM",
    "DEFAULT_HASH_FIELDS",
    "OPERATIONS",
    "RATE",
    "RATES",
    "VERSION",
    "AsyncFxService",
    "FxRateListResult",
    "FxRateResult",
    "FxService",
    "MerchantSecret",
    "build_rate",
    "build_rates",
    "currency_code",
]

#: The message version this family sends (reference section 5).
VERSION: Final = "2.1"

#: The shared two-digit table, read from ``responseCode`` with its text in ``respReason``.
CODES: Final = CodeTable(
    enum=RespCode,
    code_field="response_code",
    description_field="resp_reason",
    success=frozenset({"00"}),
    errors=PAYMENT_CODES.errors,
    retryable_hint=PAYMENT_CODES.retryable_hint,
)

#: INFERRED: the HMAC of 2C2P's legacy ``hashValue`` (SHA-1 fits the sample's 40 hex digits).
DEFAULT_HASH_ALGORITHM: Final = "sha1"
#: INFERRED: the request elements whose text is concatenated, in this order, and HMAC'd.
DEFAULT_HASH_FIELDS: Final = ("version", "timeStamp", "merchantID")

# The FxRateListRequest elements a hash may cover, and the model attribute of each.
_HASHABLE: Final[Mapping[str, str]] = {
    "version": "version",
    "timeStamp": "time_stamp",
    "merchantID": "merchant_id",
}


class MerchantSecret:
    """The merchant's secret key (2C2P's merchant portal) and how ``hashValue`` is made with it.

    ``hash_value(request)`` is the upper-case hex HMAC, with ``algorithm`` (any name
    :mod:`hashlib` guarantees: ``sha1``, ``sha256``...), of the text of the request elements
    ``fields``, concatenated in that order. The defaults (HMAC-SHA1 over version + timeStamp +
    merchantID) are INFERRED from 2C2P's legacy rule, not published for this API: if 2C2P
    answers 13 (invalid hash value), ask 2C2P for the rule and pass it here.

    The key never shows itself (repr, str, errors); the object cannot be pickled.
    """

    __slots__ = ("_key", "algorithm", "fields")

    algorithm: str
    fields: tuple[str, ...]
    _key: bytes

    def __init__(
        self,
        key: str | bytes,
        *,
        algorithm: str = DEFAULT_HASH_ALGORITHM,
        fields: Sequence[str] = DEFAULT_HASH_FIELDS,
    ) -> None:
        problem = None
        if not isinstance(algorithm, str) or algorithm.lower() not in hashlib.algorithms_guaranteed:
            problem = "algorithm must be one of " + ", ".join(sorted(hashlib.algorithms_guaranteed))
        listed = isinstance(fields, Sequence) and not isinstance(fields, str)
        names = tuple(fields) if listed else ()
        if not names or any(name not in _HASHABLE for name in names):
            problem = "fields must name elements of FxRateListRequest: " + ", ".join(_HASHABLE)
        if not (isinstance(key, str | bytes) and key):
            problem = "the merchant secret key must be a non-empty string or bytes"
        secret = b"" if problem else key.encode() if isinstance(key, str) else bytes(key)
        del key  # not left in this frame for a traceback rendered with locals
        if problem:
            raise ValidationError(problem)
        object.__setattr__(self, "_key", secret)
        object.__setattr__(self, "algorithm", algorithm.lower())
        object.__setattr__(self, "fields", names)

    def hash_value(self, request: FxRateListRequest) -> str:
        """The upper-case hex HMAC of ``request``'s ``fields`` (absent elements count as "")."""
        text = "".join(str(getattr(request, _HASHABLE[name], None) or "") for name in self.fields)
        digest = hmac.new(self._key, text.encode("utf-8"), self.algorithm)
        return digest.hexdigest().upper()

    def __repr__(self) -> str:
        return f"MerchantSecret(algorithm={self.algorithm!r}, fields={self.fields!r}, key=<hidden>)"

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("MerchantSecret is immutable")

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Self:
        return self

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise ValidationError("MerchantSecret cannot be pickled: the key stays in its process")


def currency_code(currency: str | int) -> str:
    """A numeric ISO 4217 code as the FX messages carry it (``702``; ``36`` -> ``036``)."""
    if isinstance(currency, int) and not isinstance(currency, bool) and 0 < currency < 1000:
        return f"{currency:03d}"
    if isinstance(currency, str):
        text = currency.strip()
        if len(text) == 3 and text.isascii() and text.isdigit():
            return text
    raise ValidationError(
        "currency must be a numeric ISO 4217 code such as 702 (SGD), 840 (USD) or 764 (THB)"
    )


def _time_stamp() -> str:
    # ddMMyyHHmmss as in every sample; the time zone 2C2P expects is not documented (UTC).
    return datetime.now(UTC).strftime("%d%m%y%H%M%S")


def build_rate(merchant_id: str, currency: str | int) -> FxRateRequest:
    """An ``FxRateRequest`` for one currency."""
    return FxRateRequest(
        version=VERSION,
        time_stamp=_time_stamp(),
        merchant_id=merchant_id,
        currency=currency_code(currency),
    )


def build_rates(merchant_id: str, secret: MerchantSecret) -> FxRateListRequest:
    """An ``FxRateListRequest`` carrying ``secret``'s ``hashValue``."""
    request = FxRateListRequest(
        version=VERSION, time_stamp=_time_stamp(), merchant_id=merchant_id, hash_value=""
    )
    request.hash_value = secret.hash_value(request)
    return request


def _secret(secret: MerchantSecret | str | bytes | None) -> MerchantSecret:
    if secret is None:
        raise ConfigurationError(
            "fx.rates sends a hashValue made with the merchant's secret key (2C2P merchant"
            " portal), which the client does not hold: pass it, e.g."
            " client.fx.rates(MerchantSecret(secret_key))"
        )
    return secret if isinstance(secret, MerchantSecret) else MerchantSecret(secret)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FxRateResult(Result[FxRateResponse, RespCode]):
    """A verified answer with code ``00``: one currency's rate against the base currency."""

    @property
    def currency(self) -> str | None:
        """The currency asked about (numeric ISO 4217), as echoed."""
        return self.response.currency

    @property
    def rate(self) -> Decimal | None:
        """``fxRate``, exactly as sent."""
        return self.response.fx_rate

    @property
    def base_currency(self) -> str | None:
        """The merchant's base currency (numeric ISO 4217)."""
        return self.response.base_currency


@dataclass(frozen=True, slots=True)
class FxRateListResult(Result[FxRateListResponse, RespCode]):
    """A verified answer with code ``00``: every currency's rate against the base currency."""

    @property
    def base_currency(self) -> str | None:
        """The merchant's base currency (numeric ISO 4217)."""
        return self.response.base_currency

    @property
    def items(self) -> list[FxCurrencyRate]:
        """Every ``currencyList`` item as sent (unknown content on ``other_element``)."""
        listed = self.response.currency_list
        return list(listed.currency) if listed is not None else []

    @property
    def rates(self) -> dict[str, Decimal]:
        """Currency code -> rate, for every item that carries both."""
        return {
            item.currency.strip(): item.fx_rate
            for item in self.items
            if item.currency and item.fx_rate is not None
        }


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------

_COMMON_INFERENCES: Final = (
    "the nested JWS(JWE) envelope (the FX guide is not readable; the action URL is from"
    " secondary sources)",
    "timeStamp sent as ddMMyyHHmmss in UTC (the expected time zone is not documented)",
    "fxRate read as D 15,7 (one secondary source; the sample has four decimals)",
    "result codes read from responseCode on the shared respCode table, respReason as text",
)

RATE: Final[Operation[FxRateRequest, FxRateResult]] = Operation(
    name="fx.rate",
    summary="The rate of one currency against the merchant's base currency.",
    request_type=FxRateRequest,
    response_type=FxRateResponse,
    endpoint=ACTION_ENDPOINT,
    envelope=Envelope.NESTED,
    body=BodyFormat.XML,
    codes=CODES,
    result=FxRateResult,
    retry=RetrySafety.ALWAYS,
    evidence=Evidence.INFERRED,
    # A rate for another currency than asked must never pass as the answer (the sample echoes).
    binding=(Bind("currency", "currency", "currency"),),
    inferred=_COMMON_INFERENCES,
    log_fields=(("currency", "currency"),),
)

RATES: Final[Operation[FxRateListRequest, FxRateListResult]] = Operation(
    name="fx.rates",
    summary="The rates of every currency against the merchant's base currency.",
    request_type=FxRateListRequest,
    response_type=FxRateListResponse,
    endpoint=ACTION_ENDPOINT,
    envelope=Envelope.NESTED,
    body=BodyFormat.XML,
    codes=CODES,
    result=FxRateListResult,
    retry=RetrySafety.ALWAYS,
    evidence=Evidence.INFERRED,
    inferred=(
        "hashValue = upper-case hex HMAC-SHA1 with the merchant's secret key over version +"
        " timeStamp + merchantID (2C2P's legacy rule; changeable with MerchantSecret)",
        "whether the gateway still checks hashValue inside the JWE envelope is unknown",
        "the response root FxRateListResponse and its items currencyList/currency with currency"
        " and fxRate elements (not published)",
        *_COMMON_INFERENCES,
    ),
    # The HMAC would let anyone who reads the logs test guesses of the secret key offline.
    masked={"hashValue": Mask.ALL},
)

#: The family's operations.
OPERATIONS: Final = (RATE, RATES)


# ---------------------------------------------------------------------------------------------
# Services: client.fx
# ---------------------------------------------------------------------------------------------


def _rate_call(
    caller: Caller | AsyncCaller, currency: str | int, options: CallOptions
) -> tuple[Operation[FxRateRequest, FxRateResult], FxRateRequest, CallOptions]:
    check_options(RATE.name, options, CallOptions)
    return RATE, build_rate(caller.settings.merchant_id, currency), options


def _rates_call(
    caller: Caller | AsyncCaller, secret: MerchantSecret, options: CallOptions
) -> tuple[Operation[FxRateListRequest, FxRateListResult], FxRateListRequest, CallOptions]:
    check_options(RATES.name, options, CallOptions)
    return RATES, build_rates(caller.settings.merchant_id, secret), options


class FxService:
    """``client.fx``: FX rates (version 2.1), always safe to repeat."""

    def __init__(self, caller: Caller) -> None:
        self._caller = caller

    def rate(self, currency: str | int, **options: Unpack[CallOptions]) -> FxRateResult:
        """The rate of ``currency`` (numeric ISO 4217: ``"702"`` or ``702``)."""
        return self._caller.call(*_rate_call(self._caller, currency, options))

    def rates(
        self, secret: MerchantSecret | str | bytes | None = None, **options: Unpack[CallOptions]
    ) -> FxRateListResult:
        """Every currency's rate; ``secret`` (the merchant secret key) signs ``hashValue``."""
        secret = _secret(secret)  # rebound: the frame keeps only the masked object
        return self._caller.call(*_rates_call(self._caller, secret, options))


class AsyncFxService:
    """:class:`FxService` for :class:`~c2p_action.client.AsyncClient`."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def rate(self, currency: str | int, **options: Unpack[CallOptions]) -> FxRateResult:
        """The rate of ``currency`` (numeric ISO 4217: ``"702"`` or ``702``)."""
        return await self._caller.call(*_rate_call(self._caller, currency, options))

    async def rates(
        self, secret: MerchantSecret | str | bytes | None = None, **options: Unpack[CallOptions]
    ) -> FxRateListResult:
        """Every currency's rate; ``secret`` (the merchant secret key) signs ``hashValue``."""
        secret = _secret(secret)
        return await self._caller.call(*_rates_call(self._caller, secret, options))
