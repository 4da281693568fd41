"""Models generated from fx_rate.xsd by scripts/regen-schemas (xsdata 26.10).

Do not edit by hand: change the XSD and regenerate (see CODEGEN.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(kw_only=True)
class FxCurrencyRate:
    currency: None | str = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
            "max_length": 3,
        },
    )
    fx_rate: None | Decimal = field(
        default=None,
        metadata={
            "name": "fxRate",
            "type": "Element",
            "namespace": "",
            "min_exclusive": Decimal("0"),
            "total_digits": 15,
            "fraction_digits": 7,
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
class FxRateListRequest:
    version: str = field(
        default="2.1",
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
    hash_value: str = field(
        metadata={
            "name": "hashValue",
            "type": "Element",
            "namespace": "",
            "min_length": 1,
            "max_length": 128,
        }
    )


@dataclass(kw_only=True)
class FxRateRequest:
    version: str = field(
        default="2.1",
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
    currency: str = field(
        metadata={
            "type": "Element",
            "namespace": "",
            "min_length": 3,
            "max_length": 3,
        }
    )


@dataclass(kw_only=True)
class FxRateResponse:
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
    currency: None | str = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
            "max_length": 3,
        },
    )
    fx_rate: None | Decimal = field(
        default=None,
        metadata={
            "name": "fxRate",
            "type": "Element",
            "namespace": "",
            "min_exclusive": Decimal("0"),
            "total_digits": 15,
            "fraction_digits": 7,
        },
    )
    base_currency: None | str = field(
        default=None,
        metadata={
            "name": "baseCurrency",
            "type": "Element",
            "namespace": "",
            "max_length": 3,
        },
    )
    response_code: None | str = field(
        default=None,
        metadata={
            "name": "responseCode",
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
    other_element: list[object] = field(
        default_factory=list,
        metadata={
            "type": "Wildcard",
            "namespace": "##any",
        },
    )


@dataclass(kw_only=True)
class FxCurrencyList:
    currency: list[FxCurrencyRate] = field(
        default_factory=list,
        metadata={
            "type": "Element",
            "namespace": "",
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
class FxRateListResponse:
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
    base_currency: None | str = field(
        default=None,
        metadata={
            "name": "baseCurrency",
            "type": "Element",
            "namespace": "",
            "max_length": 3,
        },
    )
    currency_list: None | FxCurrencyList = field(
        default=None,
        metadata={
            "name": "currencyList",
            "type": "Element",
            "namespace": "",
        },
    )
    response_code: None | str = field(
        default=None,
        metadata={
            "name": "responseCode",
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
    other_element: list[object] = field(
        default_factory=list,
        metadata={
            "type": "Wildcard",
            "namespace": "##any",
        },
    )
