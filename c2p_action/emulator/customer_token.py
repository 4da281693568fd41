"""The emulator's customer token 3.0 family: add, get, update and delete at 2C2P's four paths.

Served in the nested envelope (the core verifies and decrypts the request, and seals the
answer). Customer tokens live in the ledger's ``customer_tokens`` table, one row per token: the
merchant, the token, the **masked** card number and the holder details. The full card number
and the expiry are never stored (PCI DSS): the number is checked, masked and dropped; the expiry
is echoed in the add and update answers (as 2C2P's add answer sample does) and then dropped, so
``get`` answers without one.

Tokens are 18 digits, like 2C2P's sample ``261020155003189559``, issued from a per-ledger
counter (``260000000000000001``...).

Failure codes. 2C2P publishes only ``0000`` for these endpoints; every code below is the
EMULATOR'S INVENTION (4 digits, like ``0000``), and no client logic branches on any of them
(the client raises ``GatewayError`` with the code):

====  =============================================================================
9001  the body is not a request of this endpoint (malformed or off-schema JSON, an
      invalid card number or expiry, a member longer than its documented length)
9002  add or update without the cardholder's name or the expiry
9003  the request names another merchantID than the key that signed it
9004  no customer token with that value for this merchant
9005  an email that does not look like one
9006  a tokenProvider other than ``CC`` (a card)
9099  the emulator could not write its own answer
====  =============================================================================
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from c2p_action.codec import Envelope
from c2p_action.codec.json import from_json, to_json
from c2p_action.errors import ConfigurationError, JsonError, ValidationError
from c2p_action.operations.customer_token import ADD, DELETE, GET, UPDATE
from c2p_action.schemas.card import CardExpiryDate
from c2p_action.schemas.customer_token import (
    CARD_PROVIDER,
    CustomerTokenAddRequest,
    CustomerTokenDeleteRequest,
    CustomerTokenGetRequest,
    CustomerTokenResponse,
    CustomerTokenUpdateRequest,
)

if TYPE_CHECKING:
    from c2p_action.emulator.core import Emulator
    from c2p_action.emulator.ledger import Ledger

__all__ = [
    "EMULATOR_CODES",
    "PATHS",
    "CustomerTokenRules",
    "StoredCustomerToken",
]

#: The paths as 2C2P prints them (the same in both environments), by operation.
PATHS: Final[Mapping[str, str]] = {
    "add": ADD.endpoint.sandbox_path,
    "update": UPDATE.endpoint.sandbox_path,
    "get": GET.endpoint.sandbox_path,
    "delete": DELETE.endpoint.sandbox_path,
}

#: The emulator's own failure codes and texts (see the module docstring): none is 2C2P's.
EMULATOR_CODES: Final[Mapping[str, str]] = {
    "9001": "Invalid request",
    "9002": "Missing mandatory field",
    "9003": "Invalid merchant ID",
    "9004": "Customer token not found",
    "9005": "Invalid email",
    "9006": "Token provider not supported",
    "9099": "Unable to complete the request",
}

_SUCCESS: Final = ("0000", "Success")
_TOKEN_BASE: Final = 260_000_000_000_000_000
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MODELS: Final[Mapping[str, type[Any]]] = {
    "add": CustomerTokenAddRequest,
    "update": CustomerTokenUpdateRequest,
    "get": CustomerTokenGetRequest,
    "delete": CustomerTokenDeleteRequest,
}

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS customer_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id TEXT NOT NULL,
    token TEXT NOT NULL,
    masked_account_no TEXT NOT NULL,
    name TEXT,
    email TEXT,
    account_issuer TEXT,
    account_issuer_country TEXT,
    account_currency TEXT
)
"""
_COLUMNS: Final = (
    "merchant_id, token, masked_account_no, name, email, account_issuer,"
    " account_issuer_country, account_currency"
)


@dataclass(frozen=True, slots=True)
class StoredCustomerToken:
    """One row of ``customer_tokens``: the token, the masked number, the holder details.

    There is no field for the card number or the expiry: the emulator never keeps them.
    """

    merchant_id: str
    token: str
    masked_account_no: str
    name: str | None = None
    email: str | None = None
    bank: str | None = None
    country: str | None = None
    currency: str | None = None


def _stored(row: sqlite3.Row) -> StoredCustomerToken:
    return StoredCustomerToken(*tuple(row))


class CustomerTokenRules:
    """The customer token family (:class:`~c2p_action.emulator.families.FamilyRules`)."""

    name = "customer_tokens"
    routes: Mapping[str, Envelope] = dict.fromkeys(PATHS.values(), Envelope.NESTED)
    xml_roots: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self._ledger: Ledger | None = None

    def __repr__(self) -> str:
        return "CustomerTokenRules()"

    def install(self, ledger: Ledger) -> None:
        """Create the ``customer_tokens`` table (kept across restarts in a file ledger)."""
        ledger.execute(_SCHEMA)
        self._ledger = ledger

    @property
    def _db(self) -> Ledger:
        if self._ledger is None:
            raise ConfigurationError("CustomerTokenRules is not installed in an emulator")
        return self._ledger

    def tokens(self, merchant_id: str | None = None) -> list[StoredCustomerToken]:
        """Every stored customer token (of one merchant), oldest first."""
        rows = self._db.query(f"SELECT {_COLUMNS} FROM customer_tokens ORDER BY id")  # noqa: S608
        stored = [_stored(row) for row in rows]
        return [t for t in stored if merchant_id is None or t.merchant_id == merchant_id]

    def answer(self, emulator: Emulator, merchant_id: str, path: str, body: bytes) -> bytes:
        """The plaintext JSON answer to a decrypted request of ``merchant_id`` at ``path``."""
        operation = next(name for name, known in PATHS.items() if known == path)
        try:
            request = from_json(body, _MODELS[operation])
            to_json(request)  # the writer's rules are the documented lengths
        except (JsonError, ValidationError):
            return _write(CustomerTokenResponse(), "9001")
        echo = CustomerTokenResponse(
            merchant_id=request.merchant_id, token=getattr(request, "token", None)
        )
        if request.merchant_id != merchant_id:
            return _write(echo, "9003")
        if operation in ("add", "update"):
            problem = _check_details(request)
            if problem is not None:
                return _write(echo, problem)
        with emulator.ledger.atomic():
            if operation == "add":
                stored = self._add(merchant_id, request)
                echo.token = stored.token
                return _write(echo, _SUCCESS[0], stored, request.expiry)
            found = self._find(merchant_id, request.token)
            if found is None:
                return _write(echo, "9004")
            if operation == "delete":
                self._db.execute(
                    "DELETE FROM customer_tokens WHERE merchant_id = ? AND token = ?",
                    (merchant_id, found.token),
                )
                return _write(echo, _SUCCESS[0])
            if operation == "update":
                return _write(echo, _SUCCESS[0], self._update(found, request), request.expiry)
            return _write(echo, _SUCCESS[0], found)

    def _add(self, merchant_id: str, request: CustomerTokenAddRequest) -> StoredCustomerToken:
        row_id = self._db.execute(
            "INSERT INTO customer_tokens (merchant_id, token, masked_account_no, name, email,"
            " account_issuer, account_issuer_country, account_currency)"
            " VALUES (?, '', ?, ?, ?, ?, ?, ?)",
            (
                merchant_id,
                str(request.account_no),  # the masked form: the only one ever stored
                request.name,
                request.email,
                request.account_issuer,
                request.account_issuer_country,
                request.account_currency,
            ),
        )
        token = str(_TOKEN_BASE + row_id)
        self._db.execute("UPDATE customer_tokens SET token = ? WHERE id = ?", (token, row_id))
        stored = self._find(merchant_id, token)
        assert stored is not None
        return stored

    def _update(
        self, stored: StoredCustomerToken, request: CustomerTokenUpdateRequest
    ) -> StoredCustomerToken:
        # What the request carries replaces what is stored; what it leaves out stays.
        self._db.execute(
            "UPDATE customer_tokens SET name = COALESCE(?, name), email = COALESCE(?, email),"
            " account_issuer = COALESCE(?, account_issuer),"
            " account_issuer_country = COALESCE(?, account_issuer_country),"
            " account_currency = COALESCE(?, account_currency)"
            " WHERE merchant_id = ? AND token = ?",
            (
                request.name,
                request.email,
                request.account_issuer,
                request.account_issuer_country,
                request.account_currency,
                stored.merchant_id,
                stored.token,
            ),
        )
        updated = self._find(stored.merchant_id, stored.token)
        assert updated is not None
        return updated

    def _find(self, merchant_id: str, token: str) -> StoredCustomerToken | None:
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM customer_tokens"  # noqa: S608
            " WHERE merchant_id = ? AND token = ?",
            (merchant_id, token),
        )
        return _stored(rows[0]) if rows else None


def _check_details(request: CustomerTokenAddRequest | CustomerTokenUpdateRequest) -> str | None:
    """The emulator's code for an add or update it refuses, else ``None``."""
    if not (request.name and request.name.strip()) or request.expiry is None:
        return "9002"
    if request.email and not _EMAIL.fullmatch(request.email):
        return "9005"
    provider = request.token_provider
    if (provider is not None or isinstance(request, CustomerTokenAddRequest)) and (
        provider != CARD_PROVIDER
    ):
        return "9006"
    return None


def _write(
    echo: CustomerTokenResponse,
    code: str,
    stored: StoredCustomerToken | None = None,
    expiry: CardExpiryDate | None = None,
) -> bytes:
    echo.response_code = code
    echo.response_desc = _SUCCESS[1] if code == _SUCCESS[0] else EMULATOR_CODES[code]
    if stored is not None:
        echo.account_no = stored.masked_account_no
        echo.name = stored.name
        echo.email = stored.email
        echo.expiry = expiry  # echoed from the request, never stored
        echo.account_issuer = stored.bank
        echo.account_issuer_country = stored.country
        echo.account_currency = stored.currency
    try:
        return to_json(echo)
    except ValidationError:
        return to_json(CustomerTokenResponse(response_code="9099", response_desc="Error"))
