"""Card data (PCI DSS): a card number and an expiry date that never show themselves.

A :class:`CardNumber` checks its digits once (12 to 19 digits, Luhn) and from then on shows only
its masked form, ``411111XXXXXX1111``: in ``repr``, ``str``, ``format``, logging (``%s`` and
``%r``), the reprs of the models that hold it, tracebacks rendered with their locals, and every
error message. A :class:`CardExpiry` (``MMYY``) shows ``**/**``. The digits leave the object
through one accessor, :meth:`CardData.reveal`, which only the message serialisers call when a
message is written to be sealed (:mod:`c2p_action.codec.xml` for the XML families, the JSON
writer for the JSON ones). Copies are the object itself (it is immutable); pickling is refused,
since a pickle would carry the digits out of the process unsealed.

The card numbers ``411111XXXXXX1111`` keeps visible (first six, last four) are what PCI DSS
allows to be displayed; numbers shorter than 13 digits are masked whole, as the DEBUG logs do
(:func:`c2p_action.client.redact_xml`).

Models carry card data in fields their XSD types as ``xs:anySimpleType`` (``object`` in the
generated class): :func:`card_data`, applied by the code generator (``.xsdata.xml``), binds
those fields to these types and turns a plain string given for one into the type, checked.
Hand-written JSON models declare such fields by their type (``CardNumber``, or ``CardNumber |
str`` for an answer that carries the number masked) and apply :func:`card_fields`, which does
the same from those annotations. A :class:`CardExpiryDate` is an expiry the JSON messages carry
as a date (``yyyy-MM-dd``); it shows ``****-**-**``.
Pure: no I/O.
"""

from __future__ import annotations

import calendar
import dataclasses
import hmac
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import Field
from typing import Any, ClassVar, Final, NoReturn, Self, TypeVar

from c2p_action.errors import ConfigurationError, ValidationError

__all__ = [
    "CARD_ELEMENTS",
    "CardData",
    "CardExpiry",
    "CardExpiryDate",
    "CardNumber",
    "card_data",
    "card_field_types",
    "card_fields",
]

_ASCII_DIGITS: Final = frozenset("0123456789")
_SEPARATORS: Final = " -"
_PAN_LENGTHS: Final = range(12, 20)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _pan_problem(number: object) -> tuple[str, str | None]:
    """``(digits, None)`` for a usable card number, else ``("", what is wrong)``.

    Returns instead of raising, so the caller can drop the raw value from its frame first.
    The problem never quotes the number.
    """
    if not isinstance(number, str):
        return "", f"a card number must be a string of digits, not {type(number).__name__}"
    digits = "".join(char for char in number if char not in _SEPARATORS)
    if not digits or not set(digits) <= _ASCII_DIGITS:
        return "", "a card number holds only the digits 0-9 (spaces and hyphens are ignored)"
    if len(digits) not in _PAN_LENGTHS:
        return "", f"a card number has 12 to 19 digits, not {len(digits)}"
    if not _luhn_ok(digits):
        return "", "the card number fails the Luhn check (a digit is wrong or missing)"
    return digits, None


def _expiry_problem(value: object) -> tuple[str, str | None]:
    """``(MMYY, None)`` for a usable expiry, else ``("", what is wrong)`` (never quoting it)."""
    if not isinstance(value, str):
        return "", f"a card expiry must be a string (MMYY or MM/YY), not {type(value).__name__}"
    text = value.strip()
    if len(text) == 5 and text[2] == "/":
        text = text[:2] + text[3:]
    if len(text) != 4 or not set(text) <= _ASCII_DIGITS:
        return "", "a card expiry is four digits, MMYY (or MM/YY)"
    if not 1 <= int(text[:2]) <= 12:
        return "", "a card expiry's month (MM of MMYY) is 01 to 12"
    return text, None


# A card number as it may be shown: digits and mask characters only, something masked, and no
# more digits than the first six and last four that PCI DSS allows to be displayed.
_MASK_CHARACTERS: Final = frozenset("Xx*")
_MAX_SHOWN_DIGITS: Final = 10


def _is_masked_pan(text: str) -> bool:
    if not 4 <= len(text) <= 19 or not set(text) <= _ASCII_DIGITS | _MASK_CHARACTERS:
        return False
    digits = sum(char in _ASCII_DIGITS for char in text)
    return digits < len(text) and digits <= _MAX_SHOWN_DIGITS


_ISO_DATE: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def _expiry_date_problem(value: object) -> tuple[str, str | None]:
    """``(yyyy-MM-dd, None)`` for a usable expiry date, else ``("", what is wrong)``.

    ``MMYY`` and ``MM/YY`` are read as the last day of that month of 20YY (how 2C2P is said
    to store card expiries). Never quotes the value.
    """
    if not isinstance(value, str):
        kind = type(value).__name__
        return "", f"a card expiry must be a string (yyyy-MM-dd, MMYY or MM/YY), not {kind}"
    text = value.strip()
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        short, problem = _expiry_problem(text)
        if problem is not None:
            return "", "a card expiry is a date, yyyy-MM-dd (or MMYY, MM/YY)"
        year, month = 2000 + int(short[2:]), int(short[:2])
        day = calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}-{day:02d}", None
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return "", "a card expiry's month (MM of yyyy-MM-dd) is 01 to 12"
    if not 1 <= day <= calendar.monthrange(max(year, 1), month)[1]:
        return "", "a card expiry's day (dd of yyyy-MM-dd) is not a day of that month"
    return text, None


def _mask_pan(digits: str) -> str:
    if len(digits) < 13:
        return "X" * len(digits)
    return digits[:6] + "X" * (len(digits) - 10) + digits[-4:]


class CardData:
    """Base of the card-data types: immutable, masked everywhere, revealed on request only.

    A subclass says how its text is read (``_read``). Two values are equal when their digits
    are (compared in constant time); a value is never equal to a plain string.
    """

    __slots__ = ("_masked", "_value")

    #: The label used in errors about this kind of data.
    kind: ClassVar[str] = "card data"

    _value: str
    _masked: str

    def __init__(self, value: str | Self) -> None:
        if type(value) is type(self):
            self._set(value._value, value._masked)
            return
        text, masked, problem = self._read(value)
        # The raw input must not stay in this frame when an error leaves it (tracebacks
        # rendered with their locals, pytest --showlocals).
        del value
        if problem is not None:
            raise ValidationError(problem)
        self._set(text, masked)

    @staticmethod
    def _read(value: object) -> tuple[str, str, str | None]:
        """``(value, masked, None)``, or ``("", "", problem)``: returns, never raises, so that
        ``__init__`` can drop the raw input first; the problem never quotes the value."""
        raise NotImplementedError

    @classmethod
    def is_masked(cls, text: str) -> bool:
        """Whether ``text`` is this kind of data in a form that may be shown as it is (masked,
        as a gateway answers it). Only :class:`CardNumber` has such a form."""
        return False

    def _set(self, value: str, masked: str) -> None:
        object.__setattr__(self, "_value", value)
        object.__setattr__(self, "_masked", masked)

    def reveal(self) -> str:
        """The value as it is sent to 2C2P (digits only).

        Called by the message serialisers, and nothing else, when a message is written to be
        sealed; everything else sees :attr:`masked`.
        """
        return self._value

    @property
    def masked(self) -> str:
        """The form that may be shown: in logs, reprs, errors and on screens."""
        return getattr(self, "_masked", "<unset>")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.masked!r})"

    def __str__(self) -> str:
        return self.masked

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, CardData)
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((type(self), self._value))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Self:
        return self

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise ValidationError(
            f"{type(self).__name__} cannot be pickled: {self.kind} leaves the process only"
            " inside a sealed message (build it again where it is needed)"
        )


class CardNumber(CardData):
    """A card number (PAN): 12 to 19 digits passing the Luhn check; shown as ``411111XXXXXX1111``.

    Spaces and hyphens between the digits are ignored (``"4111 1111 1111 1111"``). Anything
    else raises :class:`~c2p_action.errors.ValidationError`, whose message never contains the
    number. Give it the number straight from where it comes from
    (``CardNumber(os.environ["PAN"])``): a variable holding the plain string would show it in
    a traceback rendered with its locals.
    """

    __slots__ = ()
    kind = "a card number"

    @staticmethod
    def _read(value: object) -> tuple[str, str, str | None]:
        digits, problem = _pan_problem(value)
        return digits, _mask_pan(digits), problem

    @property
    def last4(self) -> str:
        """The last four digits (safe to show)."""
        return self._value[-4:]

    @classmethod
    def is_masked(cls, text: str) -> bool:
        """Whether ``text`` is a masked card number (``411111XXXXXX1111``,
        ``XXXXXXXXXXXX1111``): digits and ``X``/``x``/``*`` only, 4 to 19 characters, something
        masked and at most ten digits shown (the first six and last four)."""
        return isinstance(text, str) and _is_masked_pan(text)


class CardExpiry(CardData):
    """A card's expiry date as 2C2P's XML carries it, ``MMYY`` (``MM/YY`` is accepted too).

    Shown as ``**/**``. Whether a date is in the past is for the gateway to say, not checked.
    """

    __slots__ = ()
    kind = "a card expiry"

    @staticmethod
    def _read(value: object) -> tuple[str, str, str | None]:
        text, problem = _expiry_problem(value)
        return text, "**/**", problem


class CardExpiryDate(CardData):
    """A card's expiry as the JSON messages carry it, a date ``yyyy-MM-dd`` (customer tokens).

    ``MMYY`` or ``MM/YY`` give the last day of that month of 20YY; a full date is kept as
    given (2C2P's samples send both the first and the last day of a month). Shown as
    ``****-**-**``. Whether the date is in the past is for the gateway to say.
    """

    __slots__ = ()
    kind = "a card expiry date"

    @staticmethod
    def _read(value: object) -> tuple[str, str, str | None]:
        text, problem = _expiry_date_problem(value)
        return text, "****-**-**", problem


#: XML element names that carry card data, and their type, in every message family.
CARD_ELEMENTS: Final[Mapping[str, type[CardData]]] = {
    "pan": CardNumber,
    "panExpiry": CardExpiry,
}

_C = TypeVar("_C", bound=type[Any])


def card_data(cls: _C) -> _C:
    """Bind a generated model's card fields to :class:`CardNumber` / :class:`CardExpiry`.

    Applied by the code generator under ``@dataclass`` (see ``.xsdata.xml``), so it runs
    first. Each field named in :data:`CARD_ELEMENTS` must be typed ``object`` (the XSD's
    ``xs:anySimpleType``); it is recorded in ``__card_fields__`` (which the XML codec reads)
    and every assignment to it, the dataclass ``__init__``'s included, turns a plain string
    into the card type (checked) and refuses anything else.
    """
    fields: dict[str, type[CardData]] = {}
    annotations = inspect.get_annotations(cls)  # the strings as generated: not evaluated
    for name, value in vars(cls).items():
        if not isinstance(value, Field):
            continue
        element = value.metadata.get("name", name)
        kind = CARD_ELEMENTS.get(element)
        if kind is None:
            continue
        if "object" not in str(annotations.get(name, "")):
            raise ConfigurationError(
                f"{cls.__name__}.{name} carries {kind.kind}: type it xs:anySimpleType in the XSD"
            )
        fields[name] = kind
    if not fields:
        raise ConfigurationError(f"{cls.__name__} has no card-data field for @card_data")
    cls.__card_fields__ = fields
    setattr(cls, "__setattr__", _coercing_setattr(fields))  # noqa: B010 (a method, not data)
    return cls


def _coercing_setattr(
    fields: Mapping[str, type[CardData]], masked: frozenset[str] = frozenset()
) -> Callable[[Any, str, Any], None]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        kind = fields.get(name)
        if kind is not None and value is not None and not isinstance(value, kind):
            if not isinstance(value, str):
                raise ValidationError(
                    f"{type(self).__name__}.{name} takes a {kind.__name__} (or its digits as a"
                    f" string), not {type(value).__name__}"
                )
            if not (name in masked and kind.is_masked(value)):
                # A masked value stays text where the field allows one.
                try:
                    value = kind(value)
                except ValidationError as error:
                    del value  # a refused number must not stay in this frame either
                    raise error.with_traceback(None) from None
        object.__setattr__(self, name, value)

    return __setattr__


def card_field_types(annotation: object) -> tuple[type[CardData], bool] | None:
    """The card type a field annotation names, and whether it also allows the masked text.

    ``CardNumber`` (or ``CardNumber | None``) -> ``(CardNumber, False)``; ``CardNumber | str``
    (with or without ``None``) -> ``(CardNumber, True)``; anything else -> ``None``. Shared by
    :func:`card_fields` and the JSON codec, so both read a model the same way.
    """
    args: tuple[object, ...] = (annotation,)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = tuple(a for a in typing.get_args(annotation) if a is not type(None))
    masked = str in args and len(args) == 2
    cards = [a for a in args if isinstance(a, type) and issubclass(a, CardData)]
    if len(cards) != 1 or len(args) != (2 if masked else 1):
        return None
    return cards[0], masked


def card_fields(cls: _C) -> _C:
    """Bind a hand-written dataclass model's card fields, found by their type annotations.

    The JSON models' counterpart of :func:`card_data`: each field annotated with a
    :class:`CardData` type (``CardNumber``, ``CardExpiryDate``, optionally ``| None``) turns a
    plain string into that type, checked, on every assignment (the dataclass ``__init__``'s
    included); a field annotated ``CardNumber | str`` also keeps a masked number
    (``411111XXXXXX1111``) as text, as answers carry it. Apply it above ``@dataclass``.
    """
    if not dataclasses.is_dataclass(cls):
        raise ConfigurationError(f"@card_fields applies to a dataclass, not {cls!r}")
    try:
        hints = typing.get_type_hints(cls)
    except Exception as exc:  # unresolvable annotations: the class cannot be a model
        raise ConfigurationError(f"{cls.__name__} has unresolvable type hints") from exc
    fields: dict[str, type[CardData]] = {}
    masked: set[str] = set()
    for field in dataclasses.fields(cls):
        found = card_field_types(hints[field.name])
        if found is not None:
            fields[field.name] = found[0]
            if found[1]:
                masked.add(field.name)
    if not fields:
        raise ConfigurationError(f"{cls.__name__} has no card-data field for @card_fields")
    setattr(cls, "__setattr__", _coercing_setattr(fields, frozenset(masked)))  # noqa: B010
    return cls
