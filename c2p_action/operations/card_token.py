"""The card token (stored card) family: add, inquiry, update and delete a stored card.

One request model (``MaintenanceRequest``, version 2.3) and one response model for all four,
told apart by ``action``; posted to the Payment Action URL in the nested envelope, where the
gateway tells the families apart by root element (reference ``payment-maintenance-family.md``
section 3). Only the add request is a 2C2P sample: the response root (``MaintenanceResponse``),
its fields, the field lengths and the letters of the other actions come from one secondary
source, so every operation here is INFERRED and says what in ``inferred``.

Card data: the card number and expiry travel as :class:`~c2p_action.schemas.CardNumber` and
:class:`~c2p_action.schemas.CardExpiry`, which show themselves masked everywhere and give their
digits only to the XML writer. The services take them as those types or as plain strings, and
turn strings into them before anything else, so that no frame of this library holds the
digits while a call runs (tracebacks rendered with their locals show only the masked form).

Add, update and delete change the gateway's state and 2C2P documents no de-duplication for
them: the client never repeats them (``RetrySafety.NEVER``); a lost answer is reported, and
``inquiry`` tells what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Unpack, cast

from c2p_action.errors import ValidationError
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
    CardExpiry,
    CardNumber,
    CardTokenAction,
    MaintenanceRequest,
    MaintenanceResponse,
    RespCode,
)

__all__ = [
    "ADD",
    "CODES",
    "DELETE",
    "INQUIRY",
    "OPERATIONS",
    "UPDATE",
    "VERSION",
    "AsyncCardTokenService",
    "CardDetails",
    "CardTokenResult",
    "CardTokenService",
    "build_request",
]

#: The message version this family sends (reference section 3).
VERSION: Final = "2.3"

#: The shared two-digit table (01 stored card not found, 04 invalid stored card ID and 05
#: invalid customer email are this family's), read from ``respCode`` with its text in
#: ``respReason`` (one secondary source: INFERRED).
CODES: Final = CodeTable(
    enum=RespCode,
    code_field="resp_code",
    description_field="resp_reason",
    success=frozenset({"00"}),
    errors=PAYMENT_CODES.errors,
    retryable_hint=PAYMENT_CODES.retryable_hint,
)


class CardDetails(CallOptions, total=False):
    """Optional card details of ``add`` and ``update`` (each sent only when given).

    ``email``: the cardholder's (C 50; 2C2P answers 05 for one it finds invalid); ``bank``: the
    issuing bank's name (C 50); ``country``: ISO 3166 alpha-2 (``SG``); ``currency``: the card's
    numeric ISO 4217 currency (``702``).
    """

    email: str
    bank: str
    country: str
    currency: str


def _time_stamp() -> str:
    # ddMMyyHHmmss as in every sample; the time zone 2C2P expects is not documented (UTC).
    return datetime.now(UTC).strftime("%d%m%y%H%M%S")


def _details(options: CardDetails) -> dict[str, Any]:
    country = options.get("country")
    if country is not None and not (
        isinstance(country, str) and len(country) == 2 and country.isascii() and country.isalpha()
    ):
        raise ValidationError("country must be an ISO 3166 alpha-2 code such as SG")
    currency = options.get("currency")
    if currency is not None and not (
        isinstance(currency, str)
        and len(currency) == 3
        and currency.isascii()
        and currency.isdigit()
    ):
        raise ValidationError("currency must be a numeric ISO 4217 code such as 702")
    return {
        "cardholder_email": options.get("email"),
        "pan_bank": options.get("bank"),
        "pan_country": None if country is None else country.upper(),
        "pan_currency": currency,
    }


def build_request(
    merchant_id: str,
    action: CardTokenAction,
    *,
    token: str | None = None,
    pan: CardNumber | None = None,
    expiry: CardExpiry | None = None,
    cardholder_name: str | None = None,
    options: CardDetails | None = None,
) -> MaintenanceRequest:
    """A ``MaintenanceRequest`` for ``action`` with the fields given (validated on writing).

    On add the token is sent as an empty element, as 2C2P's sample does.
    """
    if action is not CardTokenAction.A and not (isinstance(token, str) and token.strip()):
        raise ValidationError("token (the storeCardUniqueID 2C2P returned on add) is required")
    if action in (CardTokenAction.A, CardTokenAction.U) and not (
        isinstance(cardholder_name, str) and cardholder_name.strip()
    ):
        raise ValidationError("cardholder_name is required to add or update a card")
    return MaintenanceRequest(
        version=VERSION,
        time_stamp=_time_stamp(),
        merchant_id=merchant_id,
        store_card_unique_id="" if action is CardTokenAction.A else token,
        pan=pan,
        cardholder_name=cardholder_name,
        pan_expiry=expiry,
        action=action,
        **_details(options or {}),
    )


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardTokenResult(Result[MaintenanceResponse, RespCode]):
    """A verified answer with code ``00``. The fields are those one secondary source lists."""

    @property
    def token(self) -> str | None:
        """The stored card's token (``storeCardUniqueID``): new on add, echoed otherwise."""
        return self.response.store_card_unique_id or None

    @property
    def masked_pan(self) -> str | None:
        """The card number as 2C2P masks it (first six and last four, or last four only)."""
        return self.response.pan_masked or None

    @property
    def cardholder_name(self) -> str | None:
        """The cardholder's name as stored."""
        return self.response.cardholder_name

    @property
    def bank(self) -> str | None:
        """The issuing bank's name as stored."""
        return self.response.pan_bank

    @property
    def country(self) -> str | None:
        """The card's country as stored (ISO 3166 alpha-2)."""
        return self.response.pan_country


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------

# DEBUG logs show the card number as 411111XXXXXX1111 and nothing of the expiry, the
# cardholder's name or email.
_MASKED: Final = {
    "pan": Mask.PAN,
    "panExpiry": Mask.ALL,
    "cardholderName": Mask.ALL,
    "cardholderEmail": Mask.ALL,
}

_TOKEN = Bind("storeCardUniqueID", "store_card_unique_id", "store_card_unique_id", required=False)

_COMMON_INFERENCES: Final = (
    "the response root element MaintenanceResponse (2C2P does not publish it; another root is"
    " reported by name)",
    "the response fields (respCode, respReason, storeCardUniqueID, panMasked, cardholderName,"
    " panBank, panCountry) and the version/timeStamp/merchantID echoes: one secondary source",
    "field lengths and which fields each action requires: one secondary source",
    "result codes read from respCode on the shared table (01, 04, 05 are this family's) with"
    " respReason as their text: one secondary source",
    "timeStamp sent as ddMMyyHHmmss in UTC (the expected time zone is not documented)",
)


def _card_field(attribute: str) -> Any:
    def read(request: object) -> object:
        value = getattr(request, attribute, None)
        return None if value is None else str(value)  # the masked form

    read.__name__ = f"masked {attribute}"
    return read


def _operation(
    name: str,
    action: CardTokenAction,
    summary: str,
    *,
    retry: RetrySafety,
    binding: tuple[Bind, ...] = (),
    inferred: tuple[str, ...] = (),
) -> Operation[MaintenanceRequest, CardTokenResult]:
    return Operation(
        name=f"card_tokens.{name}",
        summary=summary,
        request_type=MaintenanceRequest,
        response_type=MaintenanceResponse,
        endpoint=ACTION_ENDPOINT,
        envelope=Envelope.NESTED,
        body=BodyFormat.XML,
        codes=CODES,
        result=CardTokenResult,
        retry=retry,
        evidence=Evidence.INFERRED,
        binding=binding,
        selects=lambda request: getattr(request.action, "value", request.action) == action.value,
        inferred=inferred + _COMMON_INFERENCES,
        log_fields=(("token", "store_card_unique_id"), ("card", _card_field("pan"))),
        masked=_MASKED,
    )


ADD: Final = _operation(
    "add",
    CardTokenAction.A,
    "Store a card; 2C2P returns its token (storeCardUniqueID).",
    retry=RetrySafety.NEVER,
    inferred=("the new token is read from the answer's storeCardUniqueID",),
)
INQUIRY: Final = _operation(
    "inquiry",
    CardTokenAction.I,
    "What 2C2P holds for a stored card (masked number, holder, bank, country).",
    retry=RetrySafety.ALWAYS,
    binding=(_TOKEN,),
    inferred=(
        "the action letter I (one secondary source)",
        "the answer echoes storeCardUniqueID (compared when present)",
    ),
)
UPDATE: Final = _operation(
    "update",
    CardTokenAction.U,
    "Change a stored card's expiry, holder details and, if given, its number.",
    retry=RetrySafety.NEVER,
    binding=(_TOKEN,),
    inferred=(
        "the action letter U (one secondary source)",
        "that expiry and cardholder name are mandatory for U (one secondary source)",
        "whether an update may change the card number is not documented: it is sent when given",
        "the answer echoes storeCardUniqueID (compared when present)",
    ),
)
DELETE: Final = _operation(
    "delete",
    CardTokenAction.D,
    "Delete a stored card.",
    retry=RetrySafety.NEVER,
    binding=(_TOKEN,),
    inferred=(
        "the action letter D (one secondary source)",
        "the answer echoes storeCardUniqueID (compared when present)",
    ),
)

#: The family's operations, in the order the guide lists them.
OPERATIONS: Final = (ADD, INQUIRY, UPDATE, DELETE)


# ---------------------------------------------------------------------------------------------
# Services: client.card_tokens
# ---------------------------------------------------------------------------------------------


_ACTIONS: Final = {
    ADD.name: CardTokenAction.A,
    INQUIRY.name: CardTokenAction.I,
    UPDATE.name: CardTokenAction.U,
    DELETE.name: CardTokenAction.D,
}


def _call(
    merchant_id: str,
    operation: Operation[MaintenanceRequest, CardTokenResult],
    options: CallOptions,
    allowed: type[Any],
    **fields: Any,
) -> tuple[Operation[MaintenanceRequest, CardTokenResult], MaintenanceRequest, CallOptions]:
    check_options(operation.name, options, allowed)
    details = cast(CardDetails, options)  # checked against ``allowed`` just above
    request = build_request(merchant_id, _ACTIONS[operation.name], options=details, **fields)
    return operation, request, options


class CardTokenService:
    """``client.card_tokens``: stored cards (card token maintenance, version 2.3).

    Card numbers and expiries may be given as :class:`~c2p_action.schemas.CardNumber` /
    :class:`~c2p_action.schemas.CardExpiry` or as strings (checked the same way). Add, update
    and delete are never repeated by the client.
    """

    def __init__(self, caller: Caller) -> None:
        self._caller = caller

    def add(
        self,
        pan: CardNumber | str,
        expiry: CardExpiry | str,
        cardholder_name: str,
        **options: Unpack[CardDetails],
    ) -> CardTokenResult:
        """Store a card; ``result.token`` is its new storeCardUniqueID."""
        # Rebound first: from here on no frame holds the digits, only the masked types.
        try:
            pan, expiry = CardNumber(pan), CardExpiry(expiry)
        except ValidationError as error:
            del pan, expiry  # a refused value (a mistyped number) must not stay here either
            raise error.with_traceback(None) from None
        merchant_id = self._caller.settings.merchant_id
        return self._caller.call(
            *_call(
                merchant_id,
                ADD,
                options,
                CardDetails,
                pan=pan,
                expiry=expiry,
                cardholder_name=cardholder_name,
            )
        )

    def inquiry(self, token: str, **options: Unpack[CallOptions]) -> CardTokenResult:
        """What 2C2P holds for the stored card ``token`` (safe to repeat)."""
        merchant_id = self._caller.settings.merchant_id
        return self._caller.call(*_call(merchant_id, INQUIRY, options, CallOptions, token=token))

    def update(
        self,
        token: str,
        expiry: CardExpiry | str,
        cardholder_name: str,
        *,
        pan: CardNumber | str | None = None,
        **options: Unpack[CardDetails],
    ) -> CardTokenResult:
        """Change the stored card ``token``: its expiry, holder details and (if given) number."""
        try:
            pan, expiry = None if pan is None else CardNumber(pan), CardExpiry(expiry)
        except ValidationError as error:
            del pan, expiry
            raise error.with_traceback(None) from None
        merchant_id = self._caller.settings.merchant_id
        return self._caller.call(
            *_call(
                merchant_id,
                UPDATE,
                options,
                CardDetails,
                token=token,
                pan=pan,
                expiry=expiry,
                cardholder_name=cardholder_name,
            )
        )

    def delete(self, token: str, **options: Unpack[CallOptions]) -> CardTokenResult:
        """Delete the stored card ``token``."""
        merchant_id = self._caller.settings.merchant_id
        return self._caller.call(*_call(merchant_id, DELETE, options, CallOptions, token=token))


class AsyncCardTokenService:
    """:class:`CardTokenService` for :class:`~c2p_action.client.AsyncClient`."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def add(
        self,
        pan: CardNumber | str,
        expiry: CardExpiry | str,
        cardholder_name: str,
        **options: Unpack[CardDetails],
    ) -> CardTokenResult:
        """Store a card; ``result.token`` is its new storeCardUniqueID."""
        try:
            pan, expiry = CardNumber(pan), CardExpiry(expiry)
        except ValidationError as error:
            del pan, expiry
            raise error.with_traceback(None) from None
        merchant_id = self._caller.settings.merchant_id
        return await self._caller.call(
            *_call(
                merchant_id,
                ADD,
                options,
                CardDetails,
                pan=pan,
                expiry=expiry,
                cardholder_name=cardholder_name,
            )
        )

    async def inquiry(self, token: str, **options: Unpack[CallOptions]) -> CardTokenResult:
        """What 2C2P holds for the stored card ``token`` (safe to repeat)."""
        merchant_id = self._caller.settings.merchant_id
        return await self._caller.call(
            *_call(merchant_id, INQUIRY, options, CallOptions, token=token)
        )

    async def update(
        self,
        token: str,
        expiry: CardExpiry | str,
        cardholder_name: str,
        *,
        pan: CardNumber | str | None = None,
        **options: Unpack[CardDetails],
    ) -> CardTokenResult:
        """Change the stored card ``token``: its expiry, holder details and (if given) number."""
        try:
            pan, expiry = None if pan is None else CardNumber(pan), CardExpiry(expiry)
        except ValidationError as error:
            del pan, expiry
            raise error.with_traceback(None) from None
        merchant_id = self._caller.settings.merchant_id
        return await self._caller.call(
            *_call(
                merchant_id,
                UPDATE,
                options,
                CardDetails,
                token=token,
                pan=pan,
                expiry=expiry,
                cardholder_name=cardholder_name,
            )
        )

    async def delete(self, token: str, **options: Unpack[CallOptions]) -> CardTokenResult:
        """Delete the stored card ``token``."""
        merchant_id = self._caller.settings.merchant_id
        return await self._caller.call(
            *_call(merchant_id, DELETE, options, CallOptions, token=token)
        )
