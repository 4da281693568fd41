"""Models generated from card_token.xsd by scripts/regen-schemas (xsdata 26.10).

Do not edit by hand: change the XSD and regenerate (see CODEGEN.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from c2p_action.schemas.card import card_data


class CardTokenAction(Enum):
    """
    action of a MaintenanceRequest: A add ([P] sample), I inquiry, U update, D delete ([S2],
    UNCONFIRMED letters).
    """

    A = "A"
    I = "I"
    U = "U"
    D = "D"


@dataclass(kw_only=True)
class MaintenanceResponse:
    version: None | str = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
            "max_length": 5,
        },
    )
    time_stamp: None | str = field(
        default=None,
        metadata={
            "name": "timeStamp",
            "type": "Element",
            "namespace": "",
            "max_length": 22,
        },
    )
    merchant_id: None | str = field(
        default=None,
        metadata={
            "name": "merchantID",
            "type": "Element",
            "namespace": "",
            "max_length": 15,
        },
    )
    resp_code: None | str = field(
        default=None,
        metadata={
            "name": "respCode",
            "type": "Element",
            "namespace": "",
            "max_length": 2,
        },
    )
    resp_reason: None | str = field(
        default=None,
        metadata={
            "name": "respReason",
            "type": "Element",
            "namespace": "",
            "max_length": 100,
        },
    )
    store_card_unique_id: None | str = field(
        default=None,
        metadata={
            "name": "storeCardUniqueID",
            "type": "Element",
            "namespace": "",
            "max_length": 20,
        },
    )
    pan_masked: None | str = field(
        default=None,
        metadata={
            "name": "panMasked",
            "type": "Element",
            "namespace": "",
            "max_length": 19,
        },
    )
    cardholder_name: None | str = field(
        default=None,
        metadata={
            "name": "cardholderName",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    pan_bank: None | str = field(
        default=None,
        metadata={
            "name": "panBank",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    pan_country: None | str = field(
        default=None,
        metadata={
            "name": "panCountry",
            "type": "Element",
            "namespace": "",
            "max_length": 2,
        },
    )
    other_element: list[object] = field(
        default_factory=list,
        metadata={
            "type": "Wildcard",
            "namespace": "##any",
        },
    )


@dataclass(kw_only=True)
@card_data
class MaintenanceRequest:
    version: str = field(
        default="2.3",
        metadata={
            "type": "Element",
            "namespace": "",
            "min_length": 1,
            "max_length": 5,
        },
    )
    time_stamp: None | str = field(
        default=None,
        metadata={
            "name": "timeStamp",
            "type": "Element",
            "namespace": "",
            "max_length": 22,
        },
    )
    merchant_id: str = field(
        metadata={
            "name": "merchantID",
            "type": "Element",
            "namespace": "",
            "min_length": 1,
            "max_length": 15,
        }
    )
    store_card_unique_id: None | str = field(
        default=None,
        metadata={
            "name": "storeCardUniqueID",
            "type": "Element",
            "namespace": "",
            "max_length": 20,
        },
    )
    pan: None | object = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
        },
    )
    pan_currency: None | str = field(
        default=None,
        metadata={
            "name": "panCurrency",
            "type": "Element",
            "namespace": "",
            "max_length": 3,
        },
    )
    pan_bank: None | str = field(
        default=None,
        metadata={
            "name": "panBank",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    pan_country: None | str = field(
        default=None,
        metadata={
            "name": "panCountry",
            "type": "Element",
            "namespace": "",
            "max_length": 2,
        },
    )
    cardholder_name: None | str = field(
        default=None,
        metadata={
            "name": "cardholderName",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    cardholder_email: None | str = field(
        default=None,
        metadata={
            "name": "cardholderEmail",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
        },
    )
    pan_expiry: None | object = field(
        default=None,
        metadata={
            "name": "panExpiry",
            "type": "Element",
            "namespace": "",
        },
    )
    action: CardTokenAction = field(
        metadata={
            "type": "Element",
            "namespace": "",
        }
    )
