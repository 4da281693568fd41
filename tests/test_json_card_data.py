"""Card data in JSON bodies: a member typed ``CardNumber`` (or ``CardExpiryDate``) is written
through the value's ``reveal()`` and read back as the type; a member typed ``CardNumber | str``
also holds the masked number an answer carries. Nothing the codec says quotes card data, and a
writer error leaves no revealed digits in the traceback's frames.

The models here are test-only (named as such); the customer-token models and 2C2P's samples are
in test_customer_tokens.py.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any

import pytest

from c2p_action.codec import from_json, to_json
from c2p_action.codec.json import member
from c2p_action.errors import ConfigurationError, JsonError, ValidationError
from c2p_action.schemas.card import CardExpiry, CardExpiryDate, CardNumber, card_fields

PAN = "5555555555554444"
MASKED = "555555XXXXXX4444"
BAD_PAN = "5555555555554445"  # fails the Luhn check


@card_fields
@dataclass(kw_only=True, slots=True)
class Enrol:
    """Test-only: a request carrying a full card number and an expiry date."""

    account: CardNumber = member("accountNo")
    expiry: CardExpiryDate | None = member("expiry", required=False)
    name: str | None = member("name", required=False, max_length=5)


@card_fields
@dataclass(kw_only=True, slots=True)
class Enrolled:
    """Test-only: an answer whose number may be masked (or, wrongly, full)."""

    account: CardNumber | str | None = member("accountNo", required=False)
    expiry: CardExpiryDate | None = member("expiry", required=False)


def _rendered(error: BaseException) -> str:
    """The error with its traceback rendered with the locals of every frame."""
    rendered = traceback.TracebackException.from_exception(error, capture_locals=True)
    return str(error) + repr(error) + "".join(rendered.format())


def test_the_writer_reveals_the_digits_and_the_reader_gives_the_types_back() -> None:
    request = Enrol(account=CardNumber(PAN), expiry=CardExpiryDate("12/99"), name="T")
    document = to_json(request)
    assert document == (b'{"accountNo":"' + PAN.encode() + b'","expiry":"2099-12-31","name":"T"}')
    back = from_json(document, Enrol)
    assert back == request
    assert isinstance(back.account, CardNumber)
    assert isinstance(back.expiry, CardExpiryDate)
    assert PAN not in repr(back)
    assert "2099" not in repr(back)
    assert MASKED in repr(back)


def test_strings_given_to_a_card_field_become_the_card_type() -> None:
    request = Enrol(account=PAN, expiry="2030-01-31")  # type: ignore[arg-type]
    assert isinstance(request.account, CardNumber)
    assert isinstance(request.expiry, CardExpiryDate)
    assert PAN not in repr(request)
    request.account = "4111 1111 1111 1111"  # type: ignore[assignment]
    assert request.account == CardNumber("4111111111111111")
    with pytest.raises(ValidationError, match="Luhn") as refused:
        request.account = BAD_PAN  # type: ignore[assignment]
    assert BAD_PAN not in _rendered(refused.value)
    with pytest.raises(ValidationError, match="takes a CardNumber"):
        request.account = 4111111111111111  # type: ignore[assignment]
    # A full-only field does not keep masked text: it is not a card number.
    with pytest.raises(ValidationError, match="only the digits"):
        Enrol(account=MASKED)  # type: ignore[arg-type]


def test_a_masked_number_stays_text_where_the_field_allows_it() -> None:
    answer = from_json(b'{"accountNo":"' + MASKED.encode() + b'"}', Enrolled)
    assert answer.account == MASKED
    assert to_json(answer) == b'{"accountNo":"' + MASKED.encode() + b'"}'
    # A full number in an answer is still read as the type that masks itself.
    full = from_json(b'{"accountNo":"' + PAN.encode() + b'"}', Enrolled)
    assert isinstance(full.account, CardNumber)
    assert PAN not in repr(full)
    assert Enrolled(account=MASKED).account == MASKED
    assert isinstance(Enrolled(account=PAN).account, CardNumber)
    for shown in ("XXXXXXXXXXXX4444", "555555******4444", "xxxx4444"):
        assert from_json(b'{"accountNo":"' + shown.encode() + b'"}', Enrolled).account == shown


@pytest.mark.parametrize(
    ("document", "model", "message"),
    [
        (b'{"accountNo":"' + BAD_PAN.encode() + b'"}', Enrol, "Enrol.accountNo is not a card"),
        (b'{"accountNo":"' + BAD_PAN.encode() + b'"}', Enrolled, "card number, full or masked"),
        # Eleven digits shown is more than a masked number may show: not masked.
        (b'{"accountNo":"5555555XXXXX4444"}', Enrolled, "card number, full or masked"),
        (b'{"accountNo":"' + MASKED.encode() + b'"}', Enrol, "is not a card number"),
        (b'{"accountNo":5555555555554444}', Enrol, "accountNo is not a string"),
        (b'{"accountNo":"' + PAN.encode() + b'","expiry":"2099-02-30"}', Enrol,
         "expiry is not a card expiry date"),
        (b'{"accountNo":"' + PAN.encode() + b'","expiry":"1399"}', Enrol,
         "expiry is not a card expiry date"),
        (b'{"expiry":["2099-12-31"]}', Enrolled, "expiry is not a string"),
        (b'{"name":"T"}', Enrol, "accountNo is missing"),
        (b'{"accountNo":"  "}', Enrol, "accountNo is missing"),
    ],
)  # fmt: skip
def test_the_reader_refuses_what_is_not_card_data_without_quoting_it(
    document: bytes, model: type[Any], message: str
) -> None:
    with pytest.raises(JsonError, match=message) as refused:
        from_json(document, model)
    text = str(refused.value)
    for secret in (PAN, BAD_PAN, "5555", "4444", "2099", "1399"):
        assert secret not in text


def test_an_empty_card_string_is_an_absent_value() -> None:
    assert from_json(b'{"accountNo":"","expiry":""}', Enrolled) == Enrolled()


def test_the_writer_refuses_card_data_of_the_wrong_type() -> None:
    request = Enrol(account=CardNumber(PAN))
    object.__setattr__(request, "account", PAN)  # around the coercion, as a careless caller might
    with pytest.raises(ValidationError, match=r"Enrol\.accountNo: expected a CardNumber, not str"):
        to_json(request)
    object.__setattr__(request, "account", CardExpiryDate("2030-01-31"))
    with pytest.raises(ValidationError, match="expected a CardNumber, not CardExpiryDate"):
        to_json(request)
    answer = Enrolled()
    object.__setattr__(answer, "account", PAN)
    with pytest.raises(ValidationError, match="expected a CardNumber or its masked form") as bad:
        to_json(answer)
    assert PAN not in str(bad.value)


def test_a_writer_error_after_the_number_leaves_no_digits_in_the_traceback() -> None:
    # name is written after accountNo: the partial document held the revealed digits.
    request = Enrol(account=CardNumber(PAN), expiry=CardExpiryDate("12/99"), name="Terrance")
    with pytest.raises(ValidationError, match=r"Enrol\.name: longer than 5") as refused:
        to_json(request)
    rendered = _rendered(refused.value)
    assert "out = []" in rendered  # the locals were rendered, and the partial output cleared
    assert PAN not in rendered
    assert "2099-12-31" not in rendered


def test_card_members_take_no_facets_or_forms() -> None:
    @dataclass(kw_only=True, slots=True)
    class Faceted:
        """Test-only: a card member with a length facet."""

        account: CardNumber = member("accountNo", max_length=19)

    with pytest.raises(ConfigurationError, match="holds card data: no facets or forms"):
        to_json(Faceted(account=CardNumber(PAN)))


def test_card_fields_needs_a_dataclass_with_a_card_field() -> None:
    @dataclass
    class Plain:
        """Test-only: no card field."""

        name: str

    with pytest.raises(ConfigurationError, match="no card-data field"):
        card_fields(Plain)
    with pytest.raises(ConfigurationError, match="applies to a dataclass"):
        card_fields(str)


@pytest.mark.parametrize(
    ("given", "date"),
    [
        ("12/99", "2099-12-31"),
        ("0224", "2024-02-29"),  # a leap year
        ("0223", "2023-02-28"),
        ("2024-02-01", "2024-02-01"),  # kept as given (2C2P's add sample)
        (" 2024-09-30 ", "2024-09-30"),
    ],
)
def test_expiry_dates(given: str, date: str) -> None:
    expiry = CardExpiryDate(given)
    assert expiry.reveal() == date
    assert repr(expiry) == "CardExpiryDate('****-**-**')"
    assert str(expiry) == "****-**-**"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("2024-13-01", "month"),
        ("2023-02-29", "day"),
        ("2024-2-1", "yyyy-MM-dd"),
        ("1330", "yyyy-MM-dd"),
        (CardExpiry("1230"), "not CardExpiry"),
        (None, "not NoneType"),
    ],
)
def test_bad_expiry_dates_are_refused_without_quoting_them(given: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as refused:
        CardExpiryDate(given)  # type: ignore[arg-type]
    assert "2024" not in str(refused.value)
    assert "1330" not in str(refused.value)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("411111XXXXXX1111", True),
        ("XXXXXXXXXXXX1111", True),
        ("************1111", True),
        ("4111111111111111", False),  # the full number
        ("41111111111X1111", False),  # 15 digits shown
        ("4111 11XX XXXX 1111", False),
        ("XXXX", True),
        ("XXX", False),
        ("X" * 20, False),
        ("", False),
    ],
)
def test_what_counts_as_a_masked_card_number(text: str, masked: bool) -> None:
    assert CardNumber.is_masked(text) is masked
    assert CardExpiryDate.is_masked(text) is False
