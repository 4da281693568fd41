"""Models generated from recurring.xsd by scripts/regen-schemas (xsdata 26.10).

Do not edit by hand: change the XSD and regenerate (see CODEGEN.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(kw_only=True)
class RecurringMaintenanceResponse:
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
    recurring_unique_id: None | str = field(
        default=None,
        metadata={
            "name": "recurringUniqueID",
            "type": "Element",
            "namespace": "",
            "max_length": 20,
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
    recurring_status: None | str = field(
        default=None,
        metadata={
            "name": "recurringStatus",
            "type": "Element",
            "namespace": "",
            "max_length": 1,
        },
    )
    invoice_prefix: None | str = field(
        default=None,
        metadata={
            "name": "invoicePrefix",
            "type": "Element",
            "namespace": "",
            "max_length": 50,
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
    amount: None | str = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
            "max_length": 12,
        },
    )
    masked_card_no: None | str = field(
        default=None,
        metadata={
            "name": "maskedCardNo",
            "type": "Element",
            "namespace": "",
            "max_length": 20,
        },
    )
    allow_accumulate: None | str = field(
        default=None,
        metadata={
            "name": "allowAccumulate",
            "type": "Element",
            "namespace": "",
            "max_length": 1,
        },
    )
    max_accumulate_amount: None | str = field(
        default=None,
        metadata={
            "name": "maxAccumulateAmount",
            "type": "Element",
            "namespace": "",
            "max_length": 12,
        },
    )
    recurring_interval: None | str = field(
        default=None,
        metadata={
            "name": "recurringInterval",
            "type": "Element",
            "namespace": "",
            "max_length": 5,
        },
    )
    recurring_count: None | str = field(
        default=None,
        metadata={
            "name": "recurringCount",
            "type": "Element",
            "namespace": "",
            "max_length": 5,
        },
    )
    charge_next_date: None | str = field(
        default=None,
        metadata={
            "name": "chargeNextDate",
            "type": "Element",
            "namespace": "",
            "max_length": 8,
        },
    )
    current_count: None | str = field(
        default=None,
        metadata={
            "name": "currentCount",
            "type": "Element",
            "namespace": "",
            "max_length": 5,
        },
    )
    other_element: list[object] = field(
        default_factory=list,
        metadata={
            "type": "Wildcard",
            "namespace": "##any",
        },
    )


class RecurringProcessType(Enum):
    """
    processType of a recurring plan request: I inquiry, U update, C cancel.
    """

    I = "I"
    U = "U"
    C = "C"


@dataclass(kw_only=True)
class RecurringMaintenanceRequest:
    version: str = field(
        default="2.4",
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
    recurring_unique_id: str = field(
        metadata={
            "name": "recurringUniqueID",
            "type": "Element",
            "namespace": "",
            "min_length": 1,
            "max_length": 20,
        }
    )
    process_type: RecurringProcessType = field(
        metadata={
            "name": "processType",
            "type": "Element",
            "namespace": "",
        }
    )
    recurring_status: None | str = field(
        default=None,
        metadata={
            "name": "recurringStatus",
            "type": "Element",
            "namespace": "",
            "max_length": 1,
        },
    )
    amount: None | str = field(
        default=None,
        metadata={
            "type": "Element",
            "namespace": "",
            "max_length": 12,
        },
    )
    allow_accumulate: None | str = field(
        default=None,
        metadata={
            "name": "allowAccumulate",
            "type": "Element",
            "namespace": "",
            "max_length": 1,
        },
    )
    max_accumulate_amount: None | str = field(
        default=None,
        metadata={
            "name": "maxAccumulateAmount",
            "type": "Element",
            "namespace": "",
            "max_length": 12,
        },
    )
    recurring_interval: None | str = field(
        default=None,
        metadata={
            "name": "recurringInterval",
            "type": "Element",
            "namespace": "",
            "max_length": 5,
        },
    )
    recurring_count: None | str = field(
        default=None,
        metadata={
            "name": "recurringCount",
            "type": "Element",
            "namespace": "",
            "max_length": 5,
        },
    )
    charge_next_date: None | str = field(
        default=None,
        metadata={
            "name": "chargeNextDate",
            "type": "Element",
            "namespace": "",
            "max_length": 8,
        },
    )
    charge_on_date: None | str = field(
        default=None,
        metadata={
            "name": "chargeOnDate",
            "type": "Element",
            "namespace": "",
            "max_length": 4,
        },
    )
