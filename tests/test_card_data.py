"""Card data (PCI DSS): the card number and expiry never show themselves outside the sealed XML.

The types are held to their rules: checks, masks, copies, pickling, model fields, and the XML
writer's one reveal.
"""

from __future__ import annotations

import copy
import pickle
import traceback

import pytest

from c2p_action.client import redact_xml
from c2p_action.client._logging import mask_value
from c2p_action.codec import to_xml
from c2p_action.codec.xml import from_xml
from c2p_action.errors import ValidationError, XmlError
from c2p_action.operations import Mask
from c2p_action.schemas import CardExpiry, CardNumber, CardTokenAction, MaintenanceRequest

PAN = "5555555555554444"  # the Mastercard test number
MASKED = "555555XXXXXX4444"
# "99" cannot occur in a ddMMyyHHmmss time stamp, so a hit is the expiry, not a clock.
EXPIRY = "1299"
BAD_PAN = "5555555555554445"  # one digit off: fails the Luhn check
SECRET = "fx-secret-3f9a6b1c7d2e"
MID = "JT01"


# --- the types ------------------------------------------------------------------------------


def _rendered(error: BaseException) -> str:
    """The error as people see it: str, repr, and its traceback with locals (two renderers)."""
    standard = traceback.TracebackException.from_exception(error, capture_locals=True)
    showlocals = pytest.ExceptionInfo.from_exception(error).getrepr(
        showlocals=True, style="long", chain=True
    )
    return "\n".join([str(error), repr(error), "".join(standard.format()), str(showlocals)])


@pytest.mark.parametrize(
    ("given", "digits"),
    [
        ("4111111111111111", "4111111111111111"),
        ("4111 1111 1111 1111", "4111111111111111"),
        ("4111-1111-1111-1111", "4111111111111111"),
        ("378282246310005", "378282246310005"),  # 15 digits (Amex test number)
        ("6011111111111117", "6011111111111117"),
        ("4222222222222", "4222222222222"),  # 13 digits
        ("000000000000", "000000000000"),  # 12 digits, Luhn-valid
        ("6" + "0" * 17 + "4", "6" + "0" * 17 + "4"),  # 19 digits, Luhn-valid
    ],
)
def test_card_numbers_of_12_to_19_digits_with_a_good_luhn_digit_are_accepted(
    given: str, digits: str
) -> None:
    assert CardNumber(given).reveal() == digits


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("4111111111111112", "Luhn"),
        ("41111111111", "12 to 19 digits, not 11"),
        ("4" * 20, "12 to 19 digits, not 20"),
        ("", "only the digits"),
        ("4111a11111111111", "only the digits"),
        ("٤١١١١١١١١١١١١١١١", "only the digits"),  # Arabic-Indic digits are not ASCII
        ("4111.1111.1111.1111", "only the digits"),
        (4111111111111111, "not int"),
        (None, "not NoneType"),
    ],
)
def test_a_bad_card_number_is_refused_without_showing_it(given: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as raised:
        CardNumber(given)  # type: ignore[arg-type]
    text = str(raised.value) + repr(raised.value)
    assert "4111" not in text
    assert "1111" not in text


@pytest.mark.parametrize("length", range(12, 20))
def test_the_mask_is_first_six_and_last_four_like_the_debug_logs(length: int) -> None:
    digits = "4" + "0" * (length - 3) + "00"
    # Make the Luhn digit right.
    for last in "0123456789":
        candidate = digits[:-1] + last
        try:
            number = CardNumber(candidate)
        except ValidationError:
            continue
        break
    assert number.masked == mask_value(number.reveal(), Mask.PAN)
    shown = number.masked
    if length >= 13:
        assert shown[:6] == number.reveal()[:6]
        assert shown[-4:] == number.reveal()[-4:]
        assert shown[6:-4] == "X" * (length - 10)
    else:
        assert shown == "X" * 12  # too short to show anything (the logs do the same)


def test_every_rendering_shows_the_masked_form() -> None:
    number = CardNumber(PAN)
    expiry = CardExpiry(EXPIRY)
    assert repr(number) == f"CardNumber('{MASKED}')"
    assert str(number) == MASKED == f"{number}" == format(number, "")
    assert f"{number:>20}" == f"{MASKED:>20}"
    assert "%s %r" % (number, number) == f"{MASKED} CardNumber('{MASKED}')"  # noqa: UP031
    assert repr(expiry) == "CardExpiry('**/**')"
    assert str(expiry) == "**/**"
    assert number.last4 == "4444"
    assert copy.copy(number) is number
    assert copy.deepcopy(expiry) is expiry
    assert CardNumber(number) == number == CardNumber("5555 5555 5555 4444")
    assert number != PAN  # never equal to a plain string
    assert hash(number) == hash(CardNumber(PAN))
    assert CardExpiry("12/99") == expiry


def test_card_data_is_immutable_and_cannot_be_pickled() -> None:
    number = CardNumber(PAN)
    with pytest.raises(AttributeError):
        number._value = "4111111111111111"
    for value in (number, CardExpiry(EXPIRY)):
        with pytest.raises(ValidationError, match="cannot be pickled") as raised:
            pickle.dumps(value)
        assert PAN not in str(raised.value)
    with pytest.raises(ValidationError, match="cannot be pickled"):
        pickle.dumps(MaintenanceRequest(merchant_id=MID, pan=PAN, action=CardTokenAction.A))


@pytest.mark.parametrize(
    ("given", "ok"),
    [
        ("1230", True),
        ("12/30", True),
        (" 0131 ", True),
        ("1330", False),
        ("0030", False),
        ("123", False),
        ("12-30", False),
        ("abcd", False),
        (1230, False),
    ],
)
def test_expiry_is_mmyy(given: object, ok: bool) -> None:
    if ok:
        assert len(CardExpiry(given).reveal()) == 4  # type: ignore[arg-type]
    else:
        with pytest.raises(ValidationError, match="expiry"):
            CardExpiry(given)  # type: ignore[arg-type]


def test_a_refused_number_leaves_no_frame_holding_it() -> None:
    with pytest.raises(ValidationError) as raised:
        CardNumber(BAD_PAN)
    rendered = _rendered(raised.value)
    assert "Luhn" in rendered
    assert BAD_PAN not in rendered


def test_models_coerce_strings_and_show_only_the_mask() -> None:
    request = MaintenanceRequest(
        merchant_id=MID, pan=PAN, pan_expiry=EXPIRY, action=CardTokenAction.A
    )
    assert isinstance(request.pan, CardNumber)
    assert isinstance(request.pan_expiry, CardExpiry)
    assert PAN not in repr(request)
    assert EXPIRY not in repr(request)
    assert MASKED in repr(request)
    request.pan = "4111111111111111"
    assert request.pan == CardNumber("4111111111111111")
    with pytest.raises(ValidationError, match="takes a CardNumber"):
        request.pan = 4111111111111111
    with pytest.raises(ValidationError, match="Luhn"):
        MaintenanceRequest(merchant_id=MID, pan=BAD_PAN, action=CardTokenAction.A)


def test_the_xml_writer_is_where_the_digits_are_revealed() -> None:
    request = MaintenanceRequest(
        merchant_id=MID,
        pan=CardNumber(PAN),
        pan_expiry=CardExpiry("12/99"),
        action=CardTokenAction.A,
    )
    document = to_xml(request)
    assert f"<pan>{PAN}</pan>".encode() in document
    assert b"<panExpiry>1299</panExpiry>" in document
    back = from_xml(document, MaintenanceRequest)
    assert back == request
    assert isinstance(back.pan, CardNumber)
    # The DEBUG logs mask what the writer revealed.
    logged = redact_xml(document, {"pan": Mask.PAN, "panExpiry": Mask.ALL})
    assert PAN not in logged
    assert "1299" not in logged
    assert MASKED in logged


def test_the_xml_writer_refuses_card_data_of_the_wrong_type() -> None:
    request = MaintenanceRequest(merchant_id=MID, action=CardTokenAction.A)
    object.__setattr__(request, "pan", PAN)  # around the coercion, as a careless caller might
    with pytest.raises(ValidationError, match=r"MaintenanceRequest\.pan: expected a CardNumber"):
        to_xml(request)
    object.__setattr__(request, "pan", CardExpiry(EXPIRY))
    with pytest.raises(ValidationError, match="expected a CardNumber"):
        to_xml(request)


@pytest.mark.parametrize(
    ("element", "message"),
    [
        (b"<pan>4111111111111112</pan>", "MaintenanceRequest.pan is not a card number"),
        (b"<pan>4111</pan>", "MaintenanceRequest.pan is not a card number"),
        (b"<panExpiry>1399</panExpiry>", "MaintenanceRequest.panExpiry is not a card expiry"),
        (b"<pan><x/></pan>", "must not contain elements"),
    ],
)
def test_the_reader_checks_card_data_and_never_quotes_it(element: bytes, message: str) -> None:
    document = (
        b"<MaintenanceRequest><merchantID>JT01</merchantID>"
        + element
        + b"<action>A</action></MaintenanceRequest>"
    )
    with pytest.raises(XmlError, match=message) as raised:
        from_xml(document, MaintenanceRequest)
    assert b"4111" not in str(raised.value).encode()
    assert "1399" not in str(raised.value)


def test_an_empty_card_element_is_an_absent_value() -> None:
    document = (
        b"<MaintenanceRequest><merchantID>JT01</merchantID><storeCardUniqueID>1</storeCardUniqueID>"
        b"<pan></pan><panExpiry> </panExpiry><action>I</action></MaintenanceRequest>"
    )
    request = from_xml(document, MaintenanceRequest)
    assert request.pan is None
    assert request.pan_expiry is None
