"""Customer token maintenance 3.0: add, get, update and delete a customer token (a stored card).

JSON bodies in the nested envelope (signed JWS over a JWE), each operation at its own endpoint
on 2C2P's PGW host (``sandbox-pgw.2c2p.com`` / ``pgw.2c2p.com``), with 4-digit codes in
``responseCode`` (``0000`` success) and their text in ``responseDesc`` (reference
``payment-maintenance-family.md`` section 4). A separate service from the XML card tokens
(:mod:`c2p_action.operations.card_token`).

Evidence: the add request and its URL are 2C2P's (its customer token page), so ``add`` is
DOCUMENTED; the other paths, the answers and most field types come from secondary sources, so
``get``, ``update`` and ``delete`` are INFERRED; each operation lists in ``inferred`` what rests
on inference. 2C2P publishes no failure code for these endpoints: every code but ``0000`` raises
:class:`~c2p_action.errors.GatewayError` itself (never a subclass chosen on a guess), with the
gateway's ``responseCode`` and ``responseDesc``.

Card data: the card number and expiry travel as :class:`~c2p_action.schemas.CardNumber` and
:class:`~c2p_action.schemas.CardExpiryDate`, which show themselves masked everywhere and give
their digits only to the JSON writer. The services turn strings into them before anything else,
so no frame of this library holds the digits while a call runs.

Add, update and delete change what 2C2P holds and 2C2P documents no de-duplication for them:
the client never repeats them (``RetrySafety.NEVER``); a lost answer raises
:class:`~c2p_action.errors.OutcomeUnknownError` saying to look with ``get``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Unpack

from c2p_action.errors import ValidationError
from c2p_action.explanations import Explanation, Kind, register_explanations
from c2p_action.operations._result import Result
from c2p_action.operations._spec import (
    AsyncCaller,
    Bind,
    BodyFormat,
    Caller,
    CallerSettings,
    CallOptions,
    CodeTable,
    Endpoint,
    Envelope,
    Evidence,
    Mask,
    Operation,
    RetrySafety,
)
from c2p_action.operations._values import check_options
from c2p_action.schemas.card import CardExpiryDate, CardNumber
from c2p_action.schemas.customer_token import (
    CARD_PROVIDER,
    CustomerTokenAddRequest,
    CustomerTokenCode,
    CustomerTokenDeleteRequest,
    CustomerTokenGetRequest,
    CustomerTokenResponse,
    CustomerTokenUpdateRequest,
)

__all__ = [
    "ADD",
    "CODES",
    "DELETE",
    "GET",
    "OPERATIONS",
    "UPDATE",
    "AsyncCustomerTokenService",
    "CustomerTokenDetails",
    "CustomerTokenResult",
    "CustomerTokenService",
    "build_add",
    "build_delete",
    "build_get",
    "build_update",
    "endpoint",
]


def endpoint(name: str) -> Endpoint:
    """The endpoint of one operation (``add``, ``update``, ``get``, ``delete``) on the PGW host."""
    path = f"/customertoken/3.0/CustomerToken/{name}"
    return Endpoint(service="pgw", sandbox_path=path, production_path=path)


#: ``responseCode``/``responseDesc``: only ``0000`` is published; no failure code is mapped on
#: a guess.
CODES: Final = CodeTable(
    enum=CustomerTokenCode,
    code_field="response_code",
    description_field="response_desc",
    success=frozenset({"0000"}),
    errors={},
)

register_explanations(
    CustomerTokenCode,
    "customer-token",
    [
        Explanation(
            "0000",
            Kind.SUCCESS,
            "the customer token request was carried out (add: the token is in the answer; delete:"
            " the token no longer exists). 2C2P publishes no other responseCode for these"
            " endpoints: any other code is shown with the gateway's own responseDesc.",
        )
    ],
)


# ---------------------------------------------------------------------------------------------
# Options and builders
# ---------------------------------------------------------------------------------------------


class CustomerTokenDetails(CallOptions, total=False):
    """Optional card details of ``add`` and ``update`` (each sent only when given).

    ``email``: the cardholder's (C 50); ``bank``: the issuing bank's name (``accountIssuer``,
    C 50); ``country``: the issuer's country, ISO 3166 alpha-2 (``SG``); ``currency``: the
    card's currency, alphabetic ISO 4217 (``SGD``).
    """

    email: str
    bank: str
    country: str
    currency: str


def _letters(value: object, size: int, what: str) -> str | None:
    if value is None:
        return None
    if not (isinstance(value, str) and len(value) == size and value.isascii() and value.isalpha()):
        raise ValidationError(what)
    return value.upper()


def _details(options: CustomerTokenDetails) -> dict[str, Any]:
    return {
        "email": options.get("email"),
        "account_issuer": options.get("bank"),
        "account_issuer_country": _letters(
            options.get("country"), 2, "country must be an ISO 3166 alpha-2 code such as SG"
        ),
        "account_currency": _letters(
            options.get("currency"), 3, "currency must be an alphabetic ISO 4217 code such as SGD"
        ),
    }


def _token(token: object) -> str:
    if not (isinstance(token, str) and token.strip()):
        raise ValidationError("token (the customer token 2C2P returned on add) is required")
    return token


def _name(name: object) -> str:
    if not (isinstance(name, str) and name.strip()):
        raise ValidationError("name (the cardholder's name) is required")
    return name


def build_add(
    merchant_id: str,
    pan: CardNumber,
    expiry: CardExpiryDate,
    name: str,
    options: CustomerTokenDetails | None = None,
) -> CustomerTokenAddRequest:
    """An add request for a card (``tokenProvider`` ``CC``), validated on writing."""
    return CustomerTokenAddRequest(
        merchant_id=merchant_id,
        account_no=pan,
        name=_name(name),
        expiry=expiry,
        token_provider=CARD_PROVIDER,
        **_details(options or {}),
    )


def build_update(
    merchant_id: str,
    token: str,
    expiry: CardExpiryDate,
    name: str,
    options: CustomerTokenDetails | None = None,
) -> CustomerTokenUpdateRequest:
    """An update request (name and expiry are mandatory there, [S2]); ``tokenProvider`` ``CC``
    as [S1]'s sample sends it."""
    return CustomerTokenUpdateRequest(
        merchant_id=merchant_id,
        token=_token(token),
        name=_name(name),
        expiry=expiry,
        token_provider=CARD_PROVIDER,
        **_details(options or {}),
    )


def build_get(merchant_id: str, token: str) -> CustomerTokenGetRequest:
    """A get request."""
    return CustomerTokenGetRequest(merchant_id=merchant_id, token=_token(token))


def build_delete(merchant_id: str, token: str) -> CustomerTokenDeleteRequest:
    """A delete request."""
    return CustomerTokenDeleteRequest(merchant_id=merchant_id, token=_token(token))


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomerTokenResult(Result[CustomerTokenResponse, CustomerTokenCode]):
    """A verified ``0000`` answer (echoing the merchant and, but for add, the token).

    Nothing else is required of it: a ``0000`` add without a token still stored the card, and
    is never reported as a failure (``token`` is then ``None``). ``delete`` answers only the
    merchant and the token.
    """

    @property
    def token(self) -> str | None:
        """The customer token: new on add, echoed otherwise."""
        return self.response.token or None

    @property
    def token_reference(self) -> str | None:
        """``tokenReference`` (may be empty, then ``None``)."""
        return self.response.token_reference or None

    @property
    def masked_account_no(self) -> str | None:
        """The card number as 2C2P masks it (``411111XXXXXX1111``)."""
        value = self.response.account_no
        return None if value is None else str(value)  # a CardNumber shows itself masked

    @property
    def name(self) -> str | None:
        """The cardholder's name as stored."""
        return self.response.name

    @property
    def email(self) -> str | None:
        """The cardholder's email as stored."""
        return self.response.email

    @property
    def expiry(self) -> CardExpiryDate | None:
        """The card's expiry date as 2C2P answers it (shows itself masked)."""
        return self.response.expiry

    @property
    def bank(self) -> str | None:
        """The issuing bank's name (``accountIssuer``)."""
        return self.response.account_issuer

    @property
    def country(self) -> str | None:
        """The issuer's country (``accountIssuerCountry``, ISO 3166 alpha-2)."""
        return self.response.account_issuer_country

    @property
    def currency(self) -> str | None:
        """The card's currency (``accountCurrency``, alphabetic ISO 4217)."""
        return self.response.account_currency

    @property
    def channel_code(self) -> str | None:
        """``channelCode`` (listed by one secondary source only)."""
        return self.response.channel_code

    @property
    def sub_channel_code(self) -> str | None:
        """``subChannelCode`` (may be empty, then ``None``)."""
        return self.response.sub_channel_code or None


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------

# DEBUG logs show the card number as 411111XXXXXX1111 and nothing of the expiry, the
# cardholder's name or email.
_MASKED: Final = {
    "accountNo": Mask.PAN,
    "expiry": Mask.ALL,
    "name": Mask.ALL,
    "email": Mask.ALL,
}

_BINDING: Final = (
    Bind("merchantID", "merchant_id", "merchant_id"),
    # The request names a token on get, update and delete; add has none (nothing compared).
    Bind("token", "token", "token"),
)

_COMMON_INFERENCES: Final = (
    "failure codes: 2C2P publishes only 0000 for these endpoints; any other responseCode is"
    " reported as a GatewayError with the gateway's responseDesc",
    "field types and lengths (merchantID C 15, token AN 255, name and email C 50, accountIssuer"
    " C 50, accountIssuerCountry C 2, accountCurrency C 3): one secondary source",
    "the answers' members (token, tokenReference, accountNo masked, name, email, expiry,"
    " accountIssuer, accountIssuerCountry, accountCurrency, channelCode, subChannelCode,"
    " responseCode, responseDesc): secondary sources",
    "a success answer echoes merchantID (and the token the request names): both are bound",
    "the request's outer JWS header carries typ JWT (2C2P's add sample has none; answers are"
    " accepted either way)",
    "content type text/plain (one secondary source; the client's content_type setting applies)",
)

_EXPIRY_INFERENCE: Final = (
    "expiry is sent as yyyy-MM-dd; an MMYY or MM/YY expiry is sent as the last day of that"
    " month (2C2P is said to store the last day; its own samples show both 2024-02-01 and"
    " 2024-09-30)"
)
_PROVIDER_INFERENCE: Final = (
    "tokenProvider CC (a card) only: [S2]'s MA (a Mastercard token as accountNo) is not offered"
)


def _masked_account(request: object) -> object:
    value = getattr(request, "account_no", None)
    return None if value is None else str(value)  # the masked form


def _operation(
    name: str,
    summary: str,
    request_type: type[Any],
    *,
    retry: RetrySafety,
    evidence: Evidence,
    inferred: tuple[str, ...],
    lost_answer: str = "",
    log_fields: tuple[tuple[str, Any], ...] = (("token", "token"),),
) -> Operation[Any, CustomerTokenResult]:
    return Operation(
        name=f"customer_tokens.{name}",
        summary=summary,
        request_type=request_type,
        response_type=CustomerTokenResponse,
        endpoint=endpoint(name),
        envelope=Envelope.NESTED,
        body=BodyFormat.JSON,
        codes=CODES,
        result=CustomerTokenResult,
        retry=retry,
        evidence=evidence,
        binding=_BINDING,
        inferred=inferred + _COMMON_INFERENCES,
        log_fields=log_fields,
        masked=_MASKED,
        lost_answer=lost_answer or Operation.lost_answer,
    )


ADD: Final[Operation[CustomerTokenAddRequest, CustomerTokenResult]] = _operation(
    "add",
    "Store a card as a customer token; 2C2P returns the token.",
    CustomerTokenAddRequest,
    retry=RetrySafety.NEVER,
    evidence=Evidence.DOCUMENTED,
    inferred=(
        "the answer (token, masked accountNo and the echoed details): a secondary source's sample",
        "name and expiry are sent on every add (the page marks them conditional, for cards)",
        _EXPIRY_INFERENCE,
        _PROVIDER_INFERENCE,
    ),
    lost_answer=(
        "the card may have been stored under a token you never received: look for it in the"
        " 2C2P merchant portal before adding it again (customer_tokens.get needs the token)."
    ),
    log_fields=(("card", _masked_account),),
)
GET: Final[Operation[CustomerTokenGetRequest, CustomerTokenResult]] = _operation(
    "get",
    "What 2C2P holds for a customer token (masked number, holder, issuer).",
    CustomerTokenGetRequest,
    retry=RetrySafety.ALWAYS,
    evidence=Evidence.INFERRED,
    inferred=(
        "the path /customertoken/3.0/CustomerToken/get and its request (secondary sources)",
        "the answer's members: no sample of a get answer is published",
    ),
)
UPDATE: Final[Operation[CustomerTokenUpdateRequest, CustomerTokenResult]] = _operation(
    "update",
    "Change a customer token's holder details and expiry.",
    CustomerTokenUpdateRequest,
    retry=RetrySafety.NEVER,
    evidence=Evidence.INFERRED,
    inferred=(
        "the path /customertoken/3.0/CustomerToken/update and its request (secondary sources)",
        "name and expiry are mandatory on update (one secondary source)",
        "the card number cannot be changed (no accountNo in the update request)",
        "the answer's members: no sample of an update answer is published",
        _EXPIRY_INFERENCE,
        _PROVIDER_INFERENCE,
    ),
    lost_answer=(
        "look with customer_tokens.get(token) whether the change is there before sending it again."
    ),
)
DELETE: Final[Operation[CustomerTokenDeleteRequest, CustomerTokenResult]] = _operation(
    "delete",
    "Delete a customer token.",
    CustomerTokenDeleteRequest,
    retry=RetrySafety.NEVER,
    evidence=Evidence.INFERRED,
    inferred=(
        "the path /customertoken/3.0/CustomerToken/delete, its request and its answer"
        " (secondary sources)",
    ),
    lost_answer=(
        "look with customer_tokens.get(token): if 2C2P no longer knows the token, it was deleted."
    ),
)

#: The family's operations, in the order the reference lists them.
OPERATIONS: Final = (ADD, UPDATE, GET, DELETE)


# ---------------------------------------------------------------------------------------------
# Services: client.customer_tokens
# ---------------------------------------------------------------------------------------------

_Call = tuple[Operation[Any, CustomerTokenResult], object, CallOptions]


def _add_call(
    settings: CallerSettings,
    pan: CardNumber,
    expiry: CardExpiryDate,
    name: str,
    options: CustomerTokenDetails,
) -> _Call:
    check_options(ADD.name, options, CustomerTokenDetails)
    return ADD, build_add(settings.merchant_id, pan, expiry, name, options), options


def _update_call(
    settings: CallerSettings,
    token: str,
    expiry: CardExpiryDate,
    name: str,
    options: CustomerTokenDetails,
) -> _Call:
    check_options(UPDATE.name, options, CustomerTokenDetails)
    return UPDATE, build_update(settings.merchant_id, token, expiry, name, options), options


def _get_call(settings: CallerSettings, token: str, options: CallOptions) -> _Call:
    check_options(GET.name, options, CallOptions)
    return GET, build_get(settings.merchant_id, token), options


def _delete_call(settings: CallerSettings, token: str, options: CallOptions) -> _Call:
    check_options(DELETE.name, options, CallOptions)
    return DELETE, build_delete(settings.merchant_id, token), options


class CustomerTokenService:
    """``client.customer_tokens``: customer tokens (customer token maintenance 3.0).

    Card numbers and expiries may be given as :class:`~c2p_action.schemas.CardNumber` /
    :class:`~c2p_action.schemas.CardExpiryDate` or as strings (checked the same way; an expiry
    as ``yyyy-MM-dd``, ``MMYY`` or ``MM/YY``). Add, update and delete are never repeated by the
    client.
    """

    def __init__(self, caller: Caller) -> None:
        self._caller = caller

    def add(
        self,
        pan: CardNumber | str,
        expiry: CardExpiryDate | str,
        name: str,
        **details: Unpack[CustomerTokenDetails],
    ) -> CustomerTokenResult:
        """Store a card; ``result.token`` is its new customer token. Never repeated."""
        # Rebound first: from here on no frame holds the digits, only the masked types.
        try:
            pan, expiry = CardNumber(pan), CardExpiryDate(expiry)
        except ValidationError as error:
            del pan, expiry  # a refused value (a mistyped number) must not stay here either
            raise error.with_traceback(None) from None
        return self._caller.call(*_add_call(self._caller.settings, pan, expiry, name, details))

    def get(self, token: str, **options: Unpack[CallOptions]) -> CustomerTokenResult:
        """What 2C2P holds for the customer token ``token`` (safe to repeat)."""
        return self._caller.call(*_get_call(self._caller.settings, token, options))

    def update(
        self,
        token: str,
        expiry: CardExpiryDate | str,
        name: str,
        **details: Unpack[CustomerTokenDetails],
    ) -> CustomerTokenResult:
        """Change the customer token ``token``: its expiry and holder details. Never repeated."""
        try:
            expiry = CardExpiryDate(expiry)
        except ValidationError as error:
            del expiry
            raise error.with_traceback(None) from None
        return self._caller.call(*_update_call(self._caller.settings, token, expiry, name, details))

    def delete(self, token: str, **options: Unpack[CallOptions]) -> CustomerTokenResult:
        """Delete the customer token ``token``. Never repeated."""
        return self._caller.call(*_delete_call(self._caller.settings, token, options))


class AsyncCustomerTokenService:
    """:class:`CustomerTokenService` for :class:`~c2p_action.client.AsyncClient`."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def add(
        self,
        pan: CardNumber | str,
        expiry: CardExpiryDate | str,
        name: str,
        **details: Unpack[CustomerTokenDetails],
    ) -> CustomerTokenResult:
        """Store a card; ``result.token`` is its new customer token. Never repeated."""
        try:
            pan, expiry = CardNumber(pan), CardExpiryDate(expiry)
        except ValidationError as error:
            del pan, expiry
            raise error.with_traceback(None) from None
        return await self._caller.call(
            *_add_call(self._caller.settings, pan, expiry, name, details)
        )

    async def get(self, token: str, **options: Unpack[CallOptions]) -> CustomerTokenResult:
        """What 2C2P holds for the customer token ``token`` (safe to repeat)."""
        return await self._caller.call(*_get_call(self._caller.settings, token, options))

    async def update(
        self,
        token: str,
        expiry: CardExpiryDate | str,
        name: str,
        **details: Unpack[CustomerTokenDetails],
    ) -> CustomerTokenResult:
        """Change the customer token ``token``: its expiry and holder details. Never repeated."""
        try:
            expiry = CardExpiryDate(expiry)
        except ValidationError as error:
            del expiry
            raise error.with_traceback(None) from None
        return await self._caller.call(
            *_update_call(self._caller.settings, token, expiry, name, details)
        )

    async def delete(self, token: str, **options: Unpack[CallOptions]) -> CustomerTokenResult:
        """Delete the customer token ``token``. Never repeated."""
        return await self._caller.call(*_delete_call(self._caller.settings, token, options))
