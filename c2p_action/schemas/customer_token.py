"""Customer token maintenance 3.0: the JSON models (written by hand).

2C2P publishes the add request as a sample on its customer token page; the other requests and
the answers are known from secondary sources only (reference ``payment-maintenance-family.md``
section 4), and no schema is published. The models are dataclasses declared with
:func:`~c2p_action.codec.json.member` and bound by :mod:`c2p_action.codec.json`; member order
follows the samples, so what the codec writes reads like them.

Card data (PCI DSS): the add request's ``accountNo`` is the full card number, a
:class:`~c2p_action.schemas.card.CardNumber`; the answers carry it masked
(``411111XXXXXX1111``), as ``CardNumber | str`` (a full number in an answer would still be read
as the type that masks itself). ``expiry`` is a
:class:`~c2p_action.schemas.card.CardExpiryDate` (``yyyy-MM-dd``) everywhere. Both show
themselves masked in reprs and are revealed only by the JSON writer.

Field lengths come from one secondary source ([S2]) and are INFERRED. One request model per
operation, since ``get`` and ``delete`` carry the same members and the client tells operations
apart by the request's class. Every member of the answer is optional: a refusal carries little
more than ``responseCode`` and ``responseDesc``; what an answer must echo is checked by the
operation's binding (:mod:`c2p_action.operations.customer_token`). Every model keeps unknown
members in ``extra``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from c2p_action.codec.json import extra_members, member
from c2p_action.schemas.card import CardExpiryDate, CardNumber, card_fields
from c2p_action.schemas.codes import GatewayCode, register_descriptions

__all__ = [
    "CARD_PROVIDER",
    "CustomerTokenAddRequest",
    "CustomerTokenCode",
    "CustomerTokenDeleteRequest",
    "CustomerTokenGetRequest",
    "CustomerTokenResponse",
    "CustomerTokenUpdateRequest",
]

#: ``tokenProvider`` for a card (``CC``, as in 2C2P's add sample). [S2] also names ``MA``
#: (a Mastercard token, whose ``accountNo`` is no card number): not supported here.
CARD_PROVIDER: Final = "CC"


class CustomerTokenCode(GatewayCode):
    """``responseCode`` of the customer token answers (4 digits).

    Only ``0000`` (success) is published for these endpoints; any other code is kept as an
    unknown member (``known`` false) with the gateway's ``responseDesc``.
    """

    SUCCESS = "0000"


register_descriptions(CustomerTokenCode, {"0000": "Success"})


@card_fields
@dataclass(kw_only=True, slots=True)
class CustomerTokenAddRequest:
    """Store a card as a customer token (2C2P's sample: every member below)."""

    merchant_id: str = member("merchantID", max_length=15)
    account_no: CardNumber = member("accountNo")
    name: str | None = member("name", required=False, max_length=50)
    email: str | None = member("email", required=False, max_length=50)
    expiry: CardExpiryDate | None = member("expiry", required=False)
    account_issuer: str | None = member("accountIssuer", required=False, max_length=50)
    account_issuer_country: str | None = member(
        "accountIssuerCountry", required=False, max_length=2
    )
    account_currency: str | None = member("accountCurrency", required=False, max_length=3)
    token_provider: str = member("tokenProvider", max_length=15)
    extra: dict[str, Any] = extra_members()


@card_fields
@dataclass(kw_only=True, slots=True)
class CustomerTokenUpdateRequest:
    """Change a customer token's holder details and expiry (no card number: [S1]'s sample)."""

    merchant_id: str = member("merchantID", max_length=15)
    token: str = member("token", min_length=1, max_length=255)
    name: str | None = member("name", required=False, max_length=50)
    email: str | None = member("email", required=False, max_length=50)
    expiry: CardExpiryDate | None = member("expiry", required=False)
    account_issuer: str | None = member("accountIssuer", required=False, max_length=50)
    account_issuer_country: str | None = member(
        "accountIssuerCountry", required=False, max_length=2
    )
    account_currency: str | None = member("accountCurrency", required=False, max_length=3)
    token_provider: str | None = member("tokenProvider", required=False, max_length=15)
    extra: dict[str, Any] = extra_members()


@dataclass(kw_only=True, slots=True)
class CustomerTokenGetRequest:
    """What 2C2P holds for a customer token ([S1]'s sample)."""

    merchant_id: str = member("merchantID", max_length=15)
    token: str = member("token", min_length=1, max_length=255)
    extra: dict[str, Any] = extra_members()


@dataclass(kw_only=True, slots=True)
class CustomerTokenDeleteRequest:
    """Delete a customer token ([S1]'s sample: the same members as ``get``)."""

    merchant_id: str = member("merchantID", max_length=15)
    token: str = member("token", min_length=1, max_length=255)
    extra: dict[str, Any] = extra_members()


@card_fields
@dataclass(kw_only=True, slots=True)
class CustomerTokenResponse:
    """The answer of every customer token operation ([S1]'s samples and [S2]'s list).

    ``account_no`` is the masked number as 2C2P answers it; ``delete`` answers only
    ``merchantID``, ``token``, ``responseCode`` and ``responseDesc``.
    """

    merchant_id: str | None = member("merchantID", required=False)
    token: str | None = member("token", required=False)
    token_reference: str | None = member("tokenReference", required=False)
    account_no: CardNumber | str | None = member("accountNo", required=False)
    name: str | None = member("name", required=False)
    email: str | None = member("email", required=False)
    expiry: CardExpiryDate | None = member("expiry", required=False)
    account_issuer: str | None = member("accountIssuer", required=False)
    account_issuer_country: str | None = member("accountIssuerCountry", required=False)
    account_currency: str | None = member("accountCurrency", required=False)
    channel_code: str | None = member("channelCode", required=False)
    sub_channel_code: str | None = member("subChannelCode", required=False)
    response_code: str | None = member("responseCode", required=False)
    response_desc: str | None = member("responseDesc", required=False)
    extra: dict[str, Any] = extra_members()
