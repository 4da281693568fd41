"""Models generated from ipp.xsd by scripts/regen-schemas (xsdata 26.10).

Do not edit by hand: change the XSD and regenerate (see CODEGEN.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(kw_only=True)
class IppBins:
    bin: list[str] = field(
        default_factory=list,
        metadata={
            "type": "Element",
            "namespace": "",
            "max_length": 6,
        },
    )


@dataclass(kw_only=True)
class IppOption:
    id: None | str = field(
        default=None,
        metadata={
            "type": "Attribute",
            "max_length": 2,
        },
    )
    installment_period: None | str = field(
        default=None,
        metadata={
            "name": "installmentPeriod",
            "type": "Attribute",
            "max_length": 2,
        },
    )
    mer_interest_rate: None | str = field(
        default=None,
        metadata={
            "name": "merInterestRate",
            "type": "Attribute",
            "max_length": 10,
        },
    )
    cus_interest_rate: None | str = field(
        default=None,
        metadata={
            "name": "cusInterestRate",
            "type": "Attribute",
            "max_length": 10,
        },
    )
    min_amount: None | str = field(
        default=None,
        metadata={
            "name": "minAmount",
            "type": "Attribute",
            "max_length": 13,
        },
    )
    currency_code: None | str = field(
        default=None,
        metadata={
            "name": "currencyCode",
            "type": "Attribute",
            "max_length": 3,
        },
    )
    valid_from: None | str = field(
        default=None,
        metadata={
            "name": "validFrom",
            "type": "Attribute",
            "max_length": 10,
        },
    )
    valid_until: None | str = field(
        default=None,
        metadata={
            "name": "validUntil",
            "type": "Attribute",
            "max_length": 10,
        },
    )


@dataclass(kw_only=True)
class IppOptionRequest:
    version: str = field(
        default="2.2",
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


@dataclass(kw_only=True)
class IppInstallmentOptions:
    option: list[IppOption] = field(
        default_factory=list,
        metadata={
            "type": "Element",
            "namespace": "",
        },
    )


@dataclass(kw_only=True)
class IppBank:
    bank_name: None | str = field(
        default=None,
        metadata={
            "name": "bankName",
            "type": "Element",
            "namespace": "",
            "max_length": 250,
        },
    )
    bank_short_name: None | str = field(
        default=None,
        metadata={
            "name": "bankShortName",
            "type": "Element",
            "namespace": "",
            "max_length": 250,
        },
    )
    bank_terms: None | str = field(
        default=None,
        metadata={
            "name": "bankTerms",
            "type": "Element",
            "namespace": "",
            "max_length": 250,
        },
    )
    bank_logo_url: None | str = field(
        default=None,
        metadata={
            "name": "bankLogoUrl",
            "type": "Element",
            "namespace": "",
            "max_length": 250,
        },
    )
    bank_promo_url: None | str = field(
        default=None,
        metadata={
            "name": "bankPromoUrl",
            "type": "Element",
            "namespace": "",
            "max_length": 250,
        },
    )
    bins: None | IppBins = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
        },
    )
    installment_options: None | IppInstallmentOptions = field(
        default=None,
        metadata={
            "name": "installmentOptions",
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
class IppBanks:
    ipp_bank: list[IppBank] = field(
        default_factory=list,
        metadata={
            "name": "ippBank",
            "type": "Element",
            "namespace": "",
        },
    )


@dataclass(kw_only=True)
class IppOptionResponse:
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
    resp_code: None | str = field(
        default=None,
        metadata={
            "name": "respCode",
            "type": "Element",
            "namespace": "",
            "max_length": 3,
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
    ipp_banks: None | IppBanks = field(
        default=None,
        metadata={
            "name": "ippBanks",
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
