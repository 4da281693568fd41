"""A stateful stand-in for 2C2P's Payment Maintenance endpoint, speaking the real envelope.

Run it in-process (``Emulator.handle`` is a plain ``TransportRequest -> TransportResponse``
handler) or over HTTP at the real path (``Emulator.start_server`` / ``Emulator.serve``, with the
``aiohttp`` extra). Modules: :mod:`.rules` (pure decisions), :mod:`.ledger` (SQLite),
:mod:`.faults`, :mod:`.script` (scripted answers), :mod:`.notifier`, :mod:`.server` (aiohttp)
and :mod:`.control` (its ``/_emulator/`` control endpoint).
"""

from c2p_action.emulator.core import (
    ACTION_PATH,
    CONTROL_PREFIX,
    DEFAULT_APM_SCHEME,
    Delivery,
    Emulator,
)
from c2p_action.emulator.families import FamilyRules
from c2p_action.emulator.faults import FaultPlan, Faults, Trigger
from c2p_action.emulator.ledger import Ledger
from c2p_action.emulator.model import Method, RefundRecord, Transaction
from c2p_action.emulator.notifier import (
    DeliverySchedule,
    NotificationFormat,
    NotificationSender,
    Notifier,
)
from c2p_action.emulator.script import Script, ScriptedAnswer

__all__ = [
    "ACTION_PATH",
    "CONTROL_PREFIX",
    "DEFAULT_APM_SCHEME",
    "Delivery",
    "DeliverySchedule",
    "Emulator",
    "FamilyRules",
    "FaultPlan",
    "Faults",
    "Ledger",
    "Method",
    "NotificationFormat",
    "NotificationSender",
    "Notifier",
    "RefundRecord",
    "Script",
    "ScriptedAnswer",
    "Transaction",
    "Trigger",
]
