"""The emulator's balance, withdraw-options and withdraw endpoints (the funds family).

Served at 2C2P's three paths in the JWS-only envelope (the core verifies the signature and signs
the answer). State lives in the emulator's ledger, in tables of this family
(:class:`FundsLedger`): each merchant's balance per currency, its configured withdraw options,
and every withdrawal (the stand-in for the merchant portal's withdrawal list).

- Balance inquiry: the merchant's account balance in its account currency (the first currency
  seeded for it; ``currency``, default ``SGD``, with a zero balance when none was seeded).
- Withdraw options: the options configured for the merchant (:meth:`FundsLedger.set_options`),
  else the family's default ones: 2C2P's sample option 3 ("Withdraw fund", 0.5 % below 1000.00,
  0.7 % from it) and option 5, a fixed 25.00 fee (the emulator's own).
- Withdraw: the fee is :func:`~c2p_action.operations.funds.estimate_fee` of the option (a
  percentage rounded half up to the cent: INFERRED), ``netAmount`` is amount - fee (as in 2C2P's
  sample), and the balance drops by amount + fee (issue 12's rule; ``fee_on_top=False`` makes it
  drop by the amount alone, which the sample's netAmount also fits). Each withdrawal gets a
  reference number from 691001 on (the sample's 691012 is of that size).

Failure codes. 2C2P publishes none for these endpoints; every code below other than ``00`` is
the EMULATOR'S INVENTION, borrowed from the Payment Action result table where its wording fits,
and no client logic branches on any of them (the client raises ``GatewayError`` with the code):

====  ===========================================================================
02    the body is not a request of this endpoint (malformed or off-schema JSON)
03    the request names another merchantID than the key that signed it
11    no withdraw option with that withdrawOptionID for this merchant
18    the amount does not cover the option's fee
46    insufficient balance: amount (+ fee) exceeds the available balance
99    the emulator could not write its own answer
====  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Final

from c2p_action.codec import Envelope
from c2p_action.codec.json import from_json, to_json
from c2p_action.errors import ConfigurationError, JsonError, ValidationError
from c2p_action.operations.funds import (
    BALANCE_ENDPOINT,
    WITHDRAW_ENDPOINT,
    WITHDRAW_OPTIONS_ENDPOINT,
    estimate_fee,
)
from c2p_action.schemas.funds import (
    FUNDS_VERSION,
    BalanceInquiryRequest,
    BalanceInquiryResponse,
    WithdrawOption,
    WithdrawOptionRequest,
    WithdrawOptionResponse,
    WithdrawRequest,
    WithdrawResponse,
)

if TYPE_CHECKING:
    from c2p_action.emulator.core import Emulator
    from c2p_action.emulator.ledger import Ledger

__all__ = [
    "BALANCE_PATH",
    "DEFAULT_OPTIONS",
    "EMULATOR_CODES",
    "WITHDRAW_OPTIONS_PATH",
    "WITHDRAW_PATH",
    "FundsLedger",
    "FundsRules",
    "OptionRule",
    "Withdrawal",
]

#: The paths as 2C2P prints them for the sandbox (what a custom base URL gets appended).
BALANCE_PATH: Final = BALANCE_ENDPOINT.sandbox_path
WITHDRAW_OPTIONS_PATH: Final = WITHDRAW_OPTIONS_ENDPOINT.sandbox_path
WITHDRAW_PATH: Final = WITHDRAW_ENDPOINT.sandbox_path

#: The emulator's own failure codes and texts (see the module docstring): none is 2C2P's.
EMULATOR_CODES: Final[Mapping[str, str]] = {
    "02": "Invalid request",
    "03": "Invalid merchant ID",
    "11": "Invalid withdraw option",
    "18": "Amount does not cover the withdrawal fee",
    "46": "Insufficient balance",
    "99": "Unable to complete the request",
}

_SUCCESS: Final = ("00", "Success")
_REFERENCE_BASE: Final = 691_000
_MAX_BALANCE: Final = Decimal("1e18")


@dataclass(frozen=True, slots=True)
class OptionRule:
    """A withdraw option the emulator offers, with its fee rule (see ``WithdrawOption``)."""

    option_id: int
    name: str
    processing_time: str
    fee_margin: Decimal
    fee_lower: Decimal
    fee_lower_is_percentage: bool
    fee_upper: Decimal | None = None
    fee_upper_is_percentage: bool | None = None

    def model(self, merchant_id: str) -> WithdrawOption:
        """The option as the answer lists it."""
        return WithdrawOption(
            merchant_id=merchant_id,
            withdraw_option_id=self.option_id,
            name=self.name,
            processing_time=self.processing_time,
            fee_margin=self.fee_margin,
            fee_lower=self.fee_lower,
            fee_lower_is_percentage=self.fee_lower_is_percentage,
            fee_upper=self.fee_upper,
            fee_upper_is_percentage=self.fee_upper_is_percentage,
        )


#: 2C2P's sample option, and a fixed-fee option of the emulator's own.
DEFAULT_OPTIONS: Final = (
    OptionRule(3, "Withdraw fund", "5 days", Decimal("1000.00"), Decimal("0.50"), True,
               Decimal("0.70"), True),
    OptionRule(5, "Telegraphic transfer", "2 days", Decimal("0"), Decimal("25.00"), False),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """One withdrawal the emulator carried out (its stand-in for the portal's list)."""

    ref_no: int
    merchant_id: str
    option_id: int
    currency: str
    amount: Decimal
    fee: Decimal
    net_amount: Decimal
    debited: Decimal
    created_at: datetime


_SCHEMA: Final = (
    """CREATE TABLE IF NOT EXISTS funds_balances (
        merchant_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        amount TEXT NOT NULL,
        PRIMARY KEY (merchant_id, currency)
    )""",
    """CREATE TABLE IF NOT EXISTS funds_options (
        merchant_id TEXT NOT NULL,
        option_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        processing_time TEXT NOT NULL,
        fee_margin TEXT NOT NULL,
        fee_lower TEXT NOT NULL,
        fee_lower_is_percentage INTEGER NOT NULL,
        fee_upper TEXT,
        fee_upper_is_percentage INTEGER,
        PRIMARY KEY (merchant_id, option_id)
    )""",
    """CREATE TABLE IF NOT EXISTS funds_withdrawals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        merchant_id TEXT NOT NULL,
        option_id INTEGER NOT NULL,
        currency TEXT NOT NULL,
        amount TEXT NOT NULL,
        fee TEXT NOT NULL,
        net_amount TEXT NOT NULL,
        debited TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
)


def _balance_value(amount: Decimal | str | int) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | str | int):
        raise ConfigurationError("a balance is a Decimal, an int or a decimal string")
    try:
        value = Decimal(amount.strip() if isinstance(amount, str) else amount)
    except InvalidOperation:
        raise ConfigurationError("a balance must be a decimal number") from None
    if not value.is_finite() or value < 0 or value >= _MAX_BALANCE:
        raise ConfigurationError("a balance must be at least 0 and below 1e18")
    if value != value.quantize(Decimal("0.0001")):
        raise ConfigurationError("a balance has at most 4 decimals (availableBalance's)")
    return value


def _currency(code: str) -> str:
    if not (isinstance(code, str) and len(code) == 3 and code.isascii() and code.isalpha()):
        raise ConfigurationError("a currency is an alphabetic ISO 4217 code such as SGD")
    return code.upper()


class FundsLedger:
    """The funds family's tables in an emulator's :class:`~c2p_action.emulator.Ledger`.

    Creating one creates the tables if missing, so it also works on a ledger file beside a
    running server (``2c2p emulator seed-balance``). ``FundsLedger(emulator.ledger)`` seeds and
    inspects a running emulator's state.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        with ledger.atomic():
            for statement in _SCHEMA:
                ledger.execute(statement)

    def set_balance(
        self, merchant_id: str, amount: Decimal | str | int, currency: str = "SGD"
    ) -> Decimal:
        """Set a merchant's balance in ``currency``; the first currency seeded for a merchant
        is its account currency (the one the endpoints report and debit)."""
        value = _balance_value(amount)
        self.ledger.execute(
            "INSERT INTO funds_balances VALUES (?, ?, ?) ON CONFLICT (merchant_id, currency)"
            " DO UPDATE SET amount = excluded.amount",
            (merchant_id, _currency(currency), str(value)),
        )
        return value

    def balances(self, merchant_id: str) -> dict[str, Decimal]:
        """Every balance of a merchant by currency, the account currency first."""
        rows = self.ledger.query(
            "SELECT currency, amount FROM funds_balances WHERE merchant_id = ? ORDER BY rowid",
            (merchant_id,),
        )
        return {row["currency"]: Decimal(row["amount"]) for row in rows}

    def account(self, merchant_id: str, default_currency: str = "SGD") -> tuple[str, Decimal]:
        """The account currency and its balance (``default_currency`` and 0 when unseeded)."""
        for currency, amount in self.balances(merchant_id).items():
            return currency, amount
        return default_currency, Decimal(0)

    def set_options(self, merchant_id: str, options: Iterable[OptionRule]) -> None:
        """Replace the withdraw options the emulator offers ``merchant_id``."""
        rules = list(options)
        if len({rule.option_id for rule in rules}) != len(rules):
            raise ConfigurationError("withdraw option ids must be unique")
        for rule in rules:
            try:  # the answer must be writable: check each rule against the model now
                to_json(rule.model(merchant_id))
            except ValidationError as error:
                raise ConfigurationError(f"withdraw option {rule.option_id}: {error}") from None
        with self.ledger.atomic():
            self.ledger.execute("DELETE FROM funds_options WHERE merchant_id = ?", (merchant_id,))
            for rule in rules:
                self.ledger.execute(
                    "INSERT INTO funds_options VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        merchant_id,
                        rule.option_id,
                        rule.name,
                        rule.processing_time,
                        str(rule.fee_margin),
                        str(rule.fee_lower),
                        int(rule.fee_lower_is_percentage),
                        None if rule.fee_upper is None else str(rule.fee_upper),
                        None
                        if rule.fee_upper_is_percentage is None
                        else int(rule.fee_upper_is_percentage),
                    ),
                )

    def options(self, merchant_id: str) -> tuple[OptionRule, ...] | None:
        """The options configured for ``merchant_id`` (``None``: none, the defaults apply)."""
        rows = self.ledger.query(
            "SELECT * FROM funds_options WHERE merchant_id = ? ORDER BY option_id", (merchant_id,)
        )
        if not rows:
            return None
        return tuple(
            OptionRule(
                option_id=row["option_id"],
                name=row["name"],
                processing_time=row["processing_time"],
                fee_margin=Decimal(row["fee_margin"]),
                fee_lower=Decimal(row["fee_lower"]),
                fee_lower_is_percentage=bool(row["fee_lower_is_percentage"]),
                fee_upper=None if row["fee_upper"] is None else Decimal(row["fee_upper"]),
                fee_upper_is_percentage=None
                if row["fee_upper_is_percentage"] is None
                else bool(row["fee_upper_is_percentage"]),
            )
            for row in rows
        )

    def add_withdrawal(self, withdrawal: Withdrawal) -> Withdrawal:
        """Record a withdrawal; its reference number derives from its row id."""
        row_id = self.ledger.execute(
            "INSERT INTO funds_withdrawals (merchant_id, option_id, currency, amount, fee,"
            " net_amount, debited, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                withdrawal.merchant_id,
                withdrawal.option_id,
                withdrawal.currency,
                str(withdrawal.amount),
                str(withdrawal.fee),
                str(withdrawal.net_amount),
                str(withdrawal.debited),
                withdrawal.created_at.astimezone(UTC).isoformat(),
            ),
        )
        return Withdrawal(
            _REFERENCE_BASE + row_id,
            withdrawal.merchant_id,
            withdrawal.option_id,
            withdrawal.currency,
            withdrawal.amount,
            withdrawal.fee,
            withdrawal.net_amount,
            withdrawal.debited,
            withdrawal.created_at,
        )

    def withdrawals(self, merchant_id: str | None = None) -> list[Withdrawal]:
        """Every withdrawal (of one merchant), oldest first."""
        sql = "SELECT * FROM funds_withdrawals"
        params: tuple[str, ...] = ()
        if merchant_id is not None:
            sql += " WHERE merchant_id = ?"
            params = (merchant_id,)
        return [
            Withdrawal(
                ref_no=_REFERENCE_BASE + row["id"],
                merchant_id=row["merchant_id"],
                option_id=row["option_id"],
                currency=row["currency"],
                amount=Decimal(row["amount"]),
                fee=Decimal(row["fee"]),
                net_amount=Decimal(row["net_amount"]),
                debited=Decimal(row["debited"]),
                created_at=datetime.fromisoformat(row["created_at"]),
            )
            for row in self.ledger.query(sql + " ORDER BY id", params)
        ]


class FundsRules:
    """The funds family for an :class:`~c2p_action.emulator.Emulator` (see the module
    docstring). ``options``: what merchants without configured options are offered;
    ``currency``: the account currency of a merchant with no balance seeded; ``fee_on_top``:
    whether the balance drops by amount + fee (default) or by the amount alone."""

    name = "funds"
    routes: Mapping[str, Envelope] = {
        BALANCE_PATH: Envelope.JWS,
        WITHDRAW_OPTIONS_PATH: Envelope.JWS,
        WITHDRAW_PATH: Envelope.JWS,
    }
    xml_roots: frozenset[str] = frozenset()

    def __init__(
        self,
        *,
        options: Sequence[OptionRule] = DEFAULT_OPTIONS,
        currency: str = "SGD",
        fee_on_top: bool = True,
    ) -> None:
        self.default_options = tuple(options)
        self.currency = _currency(currency)
        self.fee_on_top = fee_on_top
        self._store: FundsLedger | None = None

    @property
    def store(self) -> FundsLedger:
        """The family's tables (after the emulator installed the family)."""
        if self._store is None:
            raise ConfigurationError("the funds family is not installed in an emulator")
        return self._store

    def install(self, ledger: Ledger) -> None:
        """Create the family's tables."""
        self._store = FundsLedger(ledger)

    def answer(self, emulator: Emulator, merchant_id: str, path: str, body: bytes) -> bytes:
        """The JSON answer to a verified request of ``merchant_id`` at ``path``."""
        try:
            if path == BALANCE_PATH:
                return self._balance(merchant_id, body)
            if path == WITHDRAW_OPTIONS_PATH:
                return self._options(merchant_id, body)
            return self._withdraw(emulator, merchant_id, body)
        except JsonError:
            return _refusal(WithdrawResponse, "02")
        except ValidationError:
            # The answer itself broke a rule of its model (a huge seeded balance ...).
            return _refusal(WithdrawResponse, "99")

    def _balance(self, merchant_id: str, body: bytes) -> bytes:
        request = from_json(body, BalanceInquiryRequest)
        if request.merchant_id != merchant_id:
            return _refusal(BalanceInquiryResponse, "03")
        currency, amount = self.store.account(merchant_id, self.currency)
        return to_json(
            BalanceInquiryResponse(
                version=FUNDS_VERSION,
                resp_code=_SUCCESS[0],
                resp_desc=_SUCCESS[1],
                available_balance=amount,
                currency=currency,
            )
        )

    def offered(self, merchant_id: str) -> tuple[OptionRule, ...]:
        """The options ``merchant_id`` is offered (configured, else the defaults)."""
        return self.store.options(merchant_id) or self.default_options

    def _options(self, merchant_id: str, body: bytes) -> bytes:
        request = from_json(body, WithdrawOptionRequest)
        if request.merchant_id != merchant_id:
            return _refusal(WithdrawOptionResponse, "03")
        return to_json(
            WithdrawOptionResponse(
                version=FUNDS_VERSION,
                resp_code=_SUCCESS[0],
                resp_desc=_SUCCESS[1],
                withdraw_option=[rule.model(merchant_id) for rule in self.offered(merchant_id)],
            )
        )

    def _withdraw(self, emulator: Emulator, merchant_id: str, body: bytes) -> bytes:
        request = from_json(body, WithdrawRequest)
        if request.merchant_id != merchant_id:
            return _refusal(WithdrawResponse, "03")
        rule = next(
            (r for r in self.offered(merchant_id) if r.option_id == request.withdraw_option_id),
            None,
        )
        if rule is None:
            return _refusal(WithdrawResponse, "11")
        amount = request.amount
        fee = estimate_fee(rule.model(merchant_id), amount)
        if fee >= amount:
            return _refusal(WithdrawResponse, "18")
        debit = amount + fee if self.fee_on_top else amount
        store = self.store
        # Reading the balance, deciding and debiting are one transaction: two concurrent
        # withdrawals can never both spend the same balance.
        with emulator.ledger.atomic():
            currency, balance = store.account(merchant_id, self.currency)
            if debit > balance:
                return _refusal(WithdrawResponse, "46")
            store.set_balance(merchant_id, balance - debit, currency)
            done = store.add_withdrawal(
                Withdrawal(
                    0,
                    merchant_id,
                    rule.option_id,
                    currency,
                    amount,
                    fee,
                    amount - fee,
                    debit,
                    datetime.now(UTC),
                )
            )
            return to_json(
                WithdrawResponse(
                    version=FUNDS_VERSION,
                    resp_code=_SUCCESS[0],
                    resp_desc=_SUCCESS[1],
                    withdraw_ref_no=done.ref_no,
                    withdraw_option_id=done.option_id,
                    amount=done.amount,
                    currency=done.currency,
                    fee=done.fee,
                    net_amount=done.net_amount,
                )
            )


def _refusal(
    model: type[BalanceInquiryResponse | WithdrawOptionResponse | WithdrawResponse], code: str
) -> bytes:
    """A refusal with one of the emulator's own codes (never a 2C2P code for these paths)."""
    return to_json(model(version=FUNDS_VERSION, resp_code=code, resp_desc=EMULATOR_CODES[code]))
