"""The emulator's card token (stored card) family: ``MaintenanceRequest`` on the action path.

Stored cards live in the ledger's ``card_tokens`` table, one row per token: the merchant, the
token, the **masked** card number and the holder details. The full card number and the expiry
are never stored (PCI DSS): they are checked, masked and dropped.

How a request is answered (2C2P publishes the codes, not when it gives each; the conditions
below are the emulator's reading of the code table, and the response root
``MaintenanceResponse`` is INFERRED):

====  ===========================================================================  ===========
code  when                                                                         source
====  ===========================================================================  ===========
00    done                                                                         table
01    inquiry/update/delete of a token this merchant does not hold                 table
02    the request cannot be read as a ``MaintenanceRequest`` (an invalid card       emulator's
      number or expiry included)                                                   choice
03    the request names another merchantID than the signer                         emulator's
                                                                                   choice
04    a token that is not one the emulator issues (digits, at most 20)             table
05    a cardholder email that does not look like one                               table
10    a field the action needs is missing (see ``_REQUIRED``)                      table
11    a field breaks the schema (length), or add carries a token                   emulator's
                                                                                   choice
====  ===========================================================================  ===========

Tokens are issued from a per-ledger counter (``20000000000001``...), like the payment
family's reference numbers.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from c2p_action.codec import Envelope
from c2p_action.codec.xml import from_xml, to_xml
from c2p_action.errors import ConfigurationError, ValidationError, XmlError
from c2p_action.schemas import (
    CardTokenAction,
    MaintenanceRequest,
    MaintenanceResponse,
    RespCode,
)

if TYPE_CHECKING:
    from c2p_action.emulator.core import Emulator
    from c2p_action.emulator.ledger import Ledger

__all__ = ["CardTokenRules", "StoredCard"]

_VERSION: Final = "2.3"
_TOKEN_BASE: Final = 20_000_000_000_000
_TOKEN: Final = re.compile(r"[0-9]{1,20}")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# What each action needs (besides merchantID and action), as one secondary source lists it.
_REQUIRED: Final[Mapping[CardTokenAction, tuple[str, ...]]] = {
    CardTokenAction.A: ("pan", "pan_expiry", "cardholder_name"),
    CardTokenAction.I: ("store_card_unique_id",),
    CardTokenAction.U: ("store_card_unique_id", "pan_expiry", "cardholder_name"),
    CardTokenAction.D: ("store_card_unique_id",),
}

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS card_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id TEXT NOT NULL,
    token TEXT NOT NULL,
    masked_pan TEXT NOT NULL,
    cardholder_name TEXT,
    cardholder_email TEXT,
    pan_bank TEXT,
    pan_country TEXT,
    pan_currency TEXT
)
"""


@dataclass(frozen=True, slots=True)
class StoredCard:
    """One row of ``card_tokens``: the token, the masked number, the holder details.

    There is no field for the card number or the expiry: the emulator never keeps them.
    """

    merchant_id: str
    token: str
    masked_pan: str
    cardholder_name: str | None = None
    cardholder_email: str | None = None
    bank: str | None = None
    country: str | None = None
    currency: str | None = None


_COLUMNS: Final = (
    "merchant_id, token, masked_pan, cardholder_name, cardholder_email, pan_bank, pan_country,"
    " pan_currency"
)


def _card(row: sqlite3.Row) -> StoredCard:
    return StoredCard(*tuple(row))


class CardTokenRules:
    """The card token family (:class:`~c2p_action.emulator.families.FamilyRules`)."""

    name = "card_tokens"
    routes: Mapping[str, Envelope] = {}
    xml_roots = frozenset({"MaintenanceRequest"})

    def __init__(self) -> None:
        self._ledger: Ledger | None = None

    def __repr__(self) -> str:
        return "CardTokenRules()"

    def install(self, ledger: Ledger) -> None:
        """Create the ``card_tokens`` table (kept across restarts in a file ledger)."""
        # The ledger's own query helpers: the family's table lives in the same database and
        # its writes in the same transactions (``ledger.atomic()``).
        ledger._run(_SCHEMA)
        self._ledger = ledger

    @property
    def _db(self) -> Ledger:
        if self._ledger is None:
            raise ConfigurationError("CardTokenRules is not installed in an emulator")
        return self._ledger

    def cards(self, merchant_id: str | None = None) -> list[StoredCard]:
        """Every stored card (of one merchant), oldest first."""
        rows = self._db._all(f"SELECT {_COLUMNS} FROM card_tokens ORDER BY id")  # noqa: S608
        cards = [_card(row) for row in rows]
        return [c for c in cards if merchant_id is None or c.merchant_id == merchant_id]

    def answer(self, emulator: Emulator, merchant_id: str, path: str, body: bytes) -> bytes:
        """The plaintext ``MaintenanceResponse`` to a decrypted ``MaintenanceRequest``."""
        try:
            request = from_xml(body, MaintenanceRequest)
        except XmlError:
            return _write(MaintenanceResponse(version=_VERSION), "02")
        echo = MaintenanceResponse(
            version=_VERSION,
            time_stamp=_fits(request.time_stamp, 22),
            merchant_id=_fits(request.merchant_id, 15),
        )
        if request.merchant_id != merchant_id:
            return _write(echo, "03")
        try:
            to_xml(request)  # the writer's rules are the schema's (lengths)
        except ValidationError:
            return _write(echo, "11")
        action = CardTokenAction(request.action)
        if any(not getattr(request, name) for name in _REQUIRED[action]):
            return _write(echo, "10")
        if request.cardholder_email and not _EMAIL.fullmatch(request.cardholder_email):
            return _write(echo, "05")
        with self._db.atomic():
            if action is CardTokenAction.A:
                if request.store_card_unique_id:
                    return _write(echo, "11")
                return _write(echo, "00", self._add(merchant_id, request))
            token = request.store_card_unique_id or ""
            if not _TOKEN.fullmatch(token):
                return _write(echo, "04")
            echo.store_card_unique_id = token  # checked above: at most 20 digits
            card = self._find(merchant_id, token)
            if card is None:
                return _write(echo, "01")
            if action is CardTokenAction.D:
                self._db._run(
                    "DELETE FROM card_tokens WHERE merchant_id = ? AND token = ?",
                    (merchant_id, token),
                )
                return _write(echo, "00")
            if action is CardTokenAction.U:
                card = self._update(card, request)
            return _write(echo, "00", card)

    def _add(self, merchant_id: str, request: MaintenanceRequest) -> StoredCard:
        cursor = self._db._run(
            "INSERT INTO card_tokens (merchant_id, token, masked_pan, cardholder_name,"
            " cardholder_email, pan_bank, pan_country, pan_currency)"
            " VALUES (?, '', ?, ?, ?, ?, ?, ?)",
            (
                merchant_id,
                str(request.pan),  # the masked form: the only one ever stored
                request.cardholder_name,
                request.cardholder_email,
                request.pan_bank,
                request.pan_country,
                request.pan_currency,
            ),
        )
        serial = cursor.lastrowid or 0
        token = str(_TOKEN_BASE + serial)
        self._db._run("UPDATE card_tokens SET token = ? WHERE id = ?", (token, serial))
        card = self._find(merchant_id, token)
        assert card is not None
        return card

    def _update(self, card: StoredCard, request: MaintenanceRequest) -> StoredCard:
        # What the request carries replaces what is stored; what it leaves out stays.
        self._db._run(
            "UPDATE card_tokens SET masked_pan = COALESCE(?, masked_pan),"
            " cardholder_name = COALESCE(?, cardholder_name),"
            " cardholder_email = COALESCE(?, cardholder_email),"
            " pan_bank = COALESCE(?, pan_bank), pan_country = COALESCE(?, pan_country),"
            " pan_currency = COALESCE(?, pan_currency)"
            " WHERE merchant_id = ? AND token = ?",
            (
                None if request.pan is None else str(request.pan),
                request.cardholder_name,
                request.cardholder_email,
                request.pan_bank,
                request.pan_country,
                request.pan_currency,
                card.merchant_id,
                card.token,
            ),
        )
        updated = self._find(card.merchant_id, card.token)
        assert updated is not None
        return updated

    def _find(self, merchant_id: str, token: str) -> StoredCard | None:
        rows = self._db._all(
            f"SELECT {_COLUMNS} FROM card_tokens WHERE merchant_id = ? AND token = ?",  # noqa: S608
            (merchant_id, token),
        )
        return _card(rows[0]) if rows else None


def _fits(value: str | None, limit: int) -> str | None:
    """``value`` if the response schema can echo it, else nothing (the request was refused)."""
    return value if value is not None and len(value) <= limit else None


def _write(echo: MaintenanceResponse, code: str, card: StoredCard | None = None) -> bytes:
    echo.resp_code = code
    echo.resp_reason = RespCode(code).description
    if card is not None:
        echo.store_card_unique_id = card.token
        echo.pan_masked = card.masked_pan
        echo.cardholder_name = card.cardholder_name
        echo.pan_bank = card.bank
        echo.pan_country = card.country
    try:
        return to_xml(echo)
    except ValidationError:
        # An echo the response schema cannot carry (far too long): answer 99 without echoes.
        return to_xml(MaintenanceResponse(version=_VERSION, resp_code="99", resp_reason="Error"))
