"""Message models <-> JSON bytes: a validating writer and a hardened reader.

The JSON counterpart of :mod:`c2p_action.codec.xml`, in one style: a JSON message model is a
plain dataclass of our own whose fields carry their JSON facts as metadata (built with
:func:`member` and :func:`extra_members`)::

    @dataclass(kw_only=True, slots=True)
    class WithdrawRequest:
        version: str = member("version", max_length=5)
        withdraw_option_id: int = member("withdrawOptionID", max_inclusive=99999)
        amount: Decimal = member("amount", total_digits=10, fraction_digits=2)
        extra: dict[str, Any] = extra_members()

Each class is compiled once, from its type hints and that metadata, into a plan; ``to_json``
writes and validates in one pass, ``from_json`` binds through the same plan. Supported member
types: ``str``, ``Decimal``, ``int``, ``bool`` (each optionally ``| None``), nested models and
lists of them (or of scalars), and one ``dict[str, Any]`` of unknown members. A metadata key the
compiler does not know is refused (:class:`~c2p_action.errors.ConfigurationError`), never
silently ignored.

Card data (PCI DSS): a member typed with a :class:`~c2p_action.schemas.card.CardData` type
(``CardNumber``, ``CardExpiryDate``) is a JSON string whose text is written through the value's
``reveal()``, the one place the digits leave it, only while the message is written to be sealed.
A member typed ``CardNumber | str`` (an answer's masked number) also holds the masked text
(``411111XXXXXX1111``) as a plain string; whatever the reader finds there is either a checked
card number or masked text, never a plain string holding digits. Errors about such a member
never quote its value.

How a value is written is the member's ``form``: a JSON ``string``, ``number`` or ``boolean``
(default: ``str`` -> string, ``Decimal``/``int`` -> number, ``bool`` -> boolean). The reader
accepts that form, plus any form the member lists in ``accepts`` (each such leniency is declared
on the member, where 2C2P's tables and samples disagree). ``aliases`` are other spellings of a
member's name the reader accepts (2C2P prints ``withdrawOptionID`` in a table and
``withdrawOptionId`` in a sample); names are otherwise matched exactly, never case-insensitively
as a rule.

Rules the writer enforces (each failure is a :class:`~c2p_action.errors.ValidationError` naming
the member path and the rule; free-text values are never echoed, amounts may be):

- required members present (``None`` is absent); lists are lists;
- strings are ``str`` within ``min_length``/``max_length`` characters, encodable as UTF-8 (no
  lone surrogates);
- amounts are ``Decimal`` (``int`` is accepted as exact; ``float`` and ``bool`` are refused),
  finite, inside the bounds, with at most ``total_digits - fraction_digits`` integer digits and
  no more than ``fraction_digits`` significant decimals: nothing is ever rounded. As a JSON
  number an amount is written in its shortest exact plain form (``100``, ``99.5``, as 2C2P's
  samples show); as a JSON string with exactly ``fraction_digits`` decimals;
- integers are ``int`` (never ``bool``) inside the bounds and ``total_digits``;
- booleans are ``bool``: as a JSON string they are written ``"1"``/``"0"`` (2C2P's samples);
- card data is an object of the member's card type (or, where the member allows it, masked
  text);
- unknown members (``extra``) have string names that do not clash with a declared member, and
  JSON values only (``str``, ``int``, ``Decimal``, ``bool``, ``None``, lists, string-keyed
  dicts; never ``float``), nested at most :data:`MAX_DEPTH` deep.

The reader takes untrusted bytes and lets nothing but :class:`~c2p_action.errors.JsonError`
escape. Its messages say what was wrong and where (member path, line and column), never what the
document contains. Before parsing, it refuses a body over ``max_bytes`` (default the token cap),
a body that is not UTF-8 (a leading UTF-8 byte order mark is skipped, as lxml does for XML), more
than :data:`MAX_STRUCTURAL` ``,`` ``:`` ``[`` ``{`` bytes (an upper bound of the values and
containers a parser would build) and nesting deeper than :data:`MAX_DEPTH` (measured by one
bounded pass over the text, so the parser never recurses far, whatever the recursion limit). While
parsing: duplicate member names are refused; ``NaN``/``Infinity`` are refused; every number is
exact (``int`` or ``Decimal``, never ``float``), and a number literal longer than
:data:`MAX_NUMBER_CHARS` characters or with a decimal exponent beyond +-:data:`MAX_EXPONENT` is
refused before it is converted (``1e999999`` costs nothing). While binding: the top level must be
an object, each value must have its member's form, booleans are strictly ``true``/``false`` (or
``"1"``/``"0"`` where declared), amounts keep to their facets, strings must not hold lone
surrogates, a member given under two of its spellings is refused, and unknown members are kept
in the model's ``extra`` mapping (at most :data:`MAX_UNKNOWN_VALUES` values counted with
everything inside them; a model without ``extra`` refuses them). ``null`` is an absent member.
String lengths are not enforced on reading: what the gateway sends is accepted when it has the
right shape.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import re
import threading
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import StrEnum
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any, Final, TypeVar, Union

from c2p_action.codec.jose import DEFAULT_MAX_TOKEN_BYTES
from c2p_action.errors import C2PError, ConfigurationError, JsonError, ValidationError

if TYPE_CHECKING:
    from c2p_action.schemas.card import CardData

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_JSON_BYTES",
    "MAX_LIST_ITEMS",
    "MAX_NUMBER_CHARS",
    "MAX_STRUCTURAL",
    "MAX_UNKNOWN_VALUES",
    "JsonForm",
    "extra_members",
    "from_json",
    "member",
    "to_json",
]

T = TypeVar("T")

MAX_JSON_BYTES: Final = DEFAULT_MAX_TOKEN_BYTES
"""Bodies longer than this are refused before parsing (the default token cap: a body can never
be larger than the token that carried it)."""

MAX_DEPTH: Final = 32
"""Objects and arrays nested deeper than this are refused before parsing."""

MAX_STRUCTURAL: Final = 25_000
"""A body with more ``,`` ``:`` ``[`` ``{`` bytes than this is refused before parsing: an upper
bound of the values and containers a parser would build."""

MAX_LIST_ITEMS: Final = 10_000
"""Items of declared lists (withdraw options ...) one document may bind, in all."""

MAX_UNKNOWN_VALUES: Final = 1_000
"""Values one document may keep in ``extra`` mappings, counted with everything inside them."""

MAX_NUMBER_CHARS: Final = 40
"""A number literal longer than this is refused before it is converted."""

MAX_EXPONENT: Final = 40
"""A number whose decimal exponent (of its first digit) is beyond +-this is refused."""


class JsonForm(StrEnum):
    """How a member's value is written in JSON."""

    STRING = "string"
    NUMBER = "number"
    BOOLEAN = "boolean"


# ---------------------------------------------------------------------------------------------
# Declaring members
# ---------------------------------------------------------------------------------------------

_META_KEY: Final = "json"
_EXTRA_KEY: Final = "json_extra"
_KNOWN_FACETS: Final = frozenset(
    {
        "name",
        "form",
        "required",
        "aliases",
        "accepts",
        "min_length",
        "max_length",
        "total_digits",
        "fraction_digits",
        "min_inclusive",
        "max_inclusive",
        "min_exclusive",
        "max_exclusive",
    }
)
_NUMBER_FACETS: Final = frozenset(
    {
        "total_digits",
        "fraction_digits",
        "min_inclusive",
        "max_inclusive",
        "min_exclusive",
        "max_exclusive",
    }
)


def member(
    name: str,
    *,
    form: JsonForm | str | None = None,
    required: bool = True,
    aliases: tuple[str, ...] = (),
    accepts: tuple[JsonForm | str, ...] = (),
    list_of: bool = False,
    **facets: object,
) -> Any:
    """A dataclass field for JSON member ``name`` (see the module docstring).

    ``required=False`` gives the field a ``None`` default (an empty list with ``list_of``);
    ``facets`` are ``min_length``/``max_length`` (strings) and ``total_digits``,
    ``fraction_digits``, ``min_inclusive``, ``max_inclusive``, ``min_exclusive``,
    ``max_exclusive`` (amounts and integers).
    """
    metadata: dict[str, object] = {"name": name, "required": required, **facets}
    if form is not None:
        metadata["form"] = str(form)
    if aliases:
        metadata["aliases"] = tuple(aliases)
    if accepts:
        metadata["accepts"] = tuple(str(a) for a in accepts)
    wrapped = {_META_KEY: metadata}
    if list_of:
        return dataclasses.field(default_factory=list, metadata=wrapped)
    if required:
        return dataclasses.field(metadata=wrapped)
    return dataclasses.field(default=None, metadata=wrapped)


def extra_members() -> Any:
    """The dataclass field that keeps a model's unknown members (``dict[str, Any]``)."""
    return dataclasses.field(default_factory=dict, metadata={_EXTRA_KEY: True})


# ---------------------------------------------------------------------------------------------
# Compiled plans
# ---------------------------------------------------------------------------------------------

_STR, _DECIMAL, _INT, _BOOL, _MODEL, _CARD = range(6)
_PYTHON_KINDS: Final[Mapping[type, int]] = {str: _STR, Decimal: _DECIMAL, int: _INT, bool: _BOOL}
_DEFAULT_FORMS: Final = {
    _STR: JsonForm.STRING,
    _DECIMAL: JsonForm.NUMBER,
    _INT: JsonForm.NUMBER,
    _BOOL: JsonForm.BOOLEAN,
}
# The forms each kind can be written in and read from.
_POSSIBLE_FORMS: Final = {
    _STR: frozenset({JsonForm.STRING, JsonForm.NUMBER}),
    _DECIMAL: frozenset({JsonForm.STRING, JsonForm.NUMBER}),
    _INT: frozenset({JsonForm.STRING, JsonForm.NUMBER}),
    _BOOL: frozenset({JsonForm.STRING, JsonForm.BOOLEAN}),
}
_BOUNDS: Final[dict[str, tuple[Callable[[Any, Any], bool], str]]] = {
    "min_exclusive": (operator.gt, "must be greater than"),
    "min_inclusive": (operator.ge, "must be at least"),
    "max_exclusive": (operator.lt, "must be less than"),
    "max_inclusive": (operator.le, "must be at most"),
}


@dataclasses.dataclass(slots=True, eq=False)
class _Number:
    """Facets of one amount or integer member."""

    fraction_digits: int
    integer_digits: int
    bounds: tuple[tuple[Callable[[Any, Any], bool], str, Decimal], ...]


@dataclasses.dataclass(slots=True, eq=False)
class _Member:
    """How one dataclass field maps to a JSON member, with its facets."""

    attr: str
    name: str
    kind: int
    is_list: bool
    form: JsonForm
    accepts: frozenset[JsonForm]
    required: bool
    min_length: int = 0
    max_length: int = 1 << 62
    number: _Number | None = None
    plan: _Plan | None = None
    card: type[CardData] | None = None
    masked: bool = False  # a card member that also holds masked text
    key: str = ""  # '"name":' ready to write
    plain: bool = False  # a string member read from a JSON string: the reader's fast path


@dataclasses.dataclass(slots=True, eq=False)
class _Plan:
    """Compiled mapping of one model class: its members in order, by every accepted name."""

    cls: type[Any]
    members: list[_Member] = dataclasses.field(default_factory=list)
    by_name: dict[str, _Member] = dataclasses.field(default_factory=dict)
    extra: str | None = None
    required: list[_Member] = dataclasses.field(default_factory=list)
    get_members: Callable[[Any], tuple[Any, ...]] = lambda obj: ()


_PLANS: dict[type[Any], _Plan] = {}
_PLANS_LOCK = threading.Lock()
# Every member name (and alias) of every compiled model: errors may name these, being ours.
_KNOWN_NAMES: set[str] = set()


def _plan_for(cls: type[Any]) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        with _PLANS_LOCK:
            plan = _PLANS.get(cls)
            if plan is None:
                compiled: dict[type[Any], _Plan] = {}
                plan = _compile(cls, compiled)
                for each in compiled.values():
                    _KNOWN_NAMES.update(each.by_name)
                _PLANS.update(compiled)
    return plan


def _compile(cls: type[Any], compiled: dict[type[Any], _Plan]) -> _Plan:
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise ConfigurationError(f"json: {cls!r} is not a message model class")
    try:
        hints = typing.get_type_hints(cls)
    except Exception as exc:  # unresolvable annotations: the class cannot be a model
        raise ConfigurationError(f"json: {cls.__name__} has unresolvable type hints") from exc
    plan = _Plan(cls=cls)
    compiled[cls] = plan  # before the members: a nested reference to this class finds it
    for field in dataclasses.fields(cls):
        where = f"{cls.__name__}.{field.name}"
        if field.metadata.get(_EXTRA_KEY):
            if plan.extra is not None:
                raise ConfigurationError(f"json: {cls.__name__} has two extra mappings")
            plan.extra = field.name
            continue
        metadata = field.metadata.get(_META_KEY)
        if not isinstance(metadata, Mapping):
            raise ConfigurationError(f"json: {where} is not declared with member()")
        spec = _compile_member(where, field, dict(metadata), hints[field.name], compiled)
        plan.members.append(spec)
        if spec.required:
            plan.required.append(spec)
        names = (spec.name, *metadata.get("aliases", ()))
        for name in names:
            if name in plan.by_name:
                raise ConfigurationError(f"json: {cls.__name__} declares {name!r} twice")
            plan.by_name[name] = spec
    if plan.members:
        getter = operator.attrgetter(*(spec.attr for spec in plan.members))
        # attrgetter returns a bare value, not a 1-tuple, for a single name.
        plan.get_members = getter if len(plan.members) > 1 else lambda obj: (getter(obj),)
    return plan


def _unwrap(annotation: object, where: str) -> tuple[object, bool]:
    """The annotation without ``| None``, and whether it is a list."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise ConfigurationError(f"json: {where} has an unsupported union type")
        annotation = args[0]
        origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return item, True
    return annotation, False


def _compile_member(
    where: str,
    field: dataclasses.Field[Any],
    metadata: dict[str, Any],
    annotation: object,
    compiled: dict[type[Any], _Plan],
) -> _Member:
    unknown = set(metadata) - _KNOWN_FACETS
    if unknown:
        raise ConfigurationError(f"json: {where} has unsupported facets {sorted(unknown)}")
    name = metadata["name"]
    if not isinstance(name, str) or not name:
        raise ConfigurationError(f"json: {where} needs a member name")
    # Imported here: the schemas package imports this module (its JSON models use member()).
    from c2p_action.schemas.card import card_field_types

    card = card_field_types(annotation)
    item, is_list = (card[0], False) if card is not None else _unwrap(annotation, where)
    spec = _Member(
        attr=field.name,
        name=name,
        kind=_MODEL,
        is_list=is_list,
        form=JsonForm.STRING,
        accepts=frozenset(),
        required=bool(metadata.get("required", True)),
        key=encode_basestring(name) + ":",
    )
    if spec.required and field.default is None:
        raise ConfigurationError(f"json: {where} is required but defaults to None")
    if card is not None:
        if set(metadata) - {"name", "required"}:
            raise ConfigurationError(f"json: {where} holds card data: no facets or forms")
        spec.kind, spec.card, spec.masked = _CARD, card[0], card[1]
        return spec
    if isinstance(item, type) and item in _PYTHON_KINDS:
        spec.kind = _PYTHON_KINDS[item]
    elif isinstance(item, type) and dataclasses.is_dataclass(item):
        spec.plan = _PLANS.get(item) or compiled.get(item) or _compile(item, compiled)
    else:
        raise ConfigurationError(f"json: {where} has an unsupported type {item!r}")
    if spec.kind == _MODEL:
        if set(metadata) - {"name", "required"}:
            raise ConfigurationError(f"json: {where} is a nested model: no facets or forms")
        return spec
    try:
        spec.form = JsonForm(metadata.get("form", _DEFAULT_FORMS[spec.kind]))
        accepts = frozenset(JsonForm(a) for a in metadata.get("accepts", ()))
    except ValueError:
        raise ConfigurationError(f"json: {where} names an unknown JSON form") from None
    spec.accepts = accepts | {spec.form}
    if not spec.accepts <= _POSSIBLE_FORMS[spec.kind]:
        raise ConfigurationError(f"json: {where} cannot be written or read in those forms")
    numbers = {key: metadata[key] for key in _NUMBER_FACETS if key in metadata}
    lengths = {key: metadata[key] for key in ("min_length", "max_length") if key in metadata}
    if spec.kind == _STR:
        if numbers:
            raise ConfigurationError(f"json: {where} is a string: no number facets")
        spec.plain = not spec.is_list and JsonForm.STRING in spec.accepts
        spec.min_length = int(lengths.get("min_length", 0))
        spec.max_length = int(lengths.get("max_length", 1 << 62))
    elif spec.kind in (_DECIMAL, _INT):
        if lengths:
            raise ConfigurationError(f"json: {where} is a number: no length facets")
        spec.number = _compile_number(where, spec.kind, numbers)
    elif numbers or lengths:
        raise ConfigurationError(f"json: {where} is a boolean: no facets")
    return spec


def _compile_number(where: str, kind: int, facets: dict[str, Any]) -> _Number:
    if kind == _DECIMAL and ("total_digits" not in facets or "fraction_digits" not in facets):
        raise ConfigurationError(f"json: {where} needs total_digits and fraction_digits")
    fraction = int(facets.pop("fraction_digits", 0))
    if kind == _INT and fraction:
        raise ConfigurationError(f"json: {where} is an integer: no fraction_digits")
    total = int(facets.pop("total_digits", MAX_EXPONENT))
    bounds = tuple((*_BOUNDS[key], Decimal(str(facets[key]))) for key in sorted(facets))
    return _Number(fraction_digits=fraction, integer_digits=total - fraction, bounds=bounds)


# ---------------------------------------------------------------------------------------------
# Writer
# ---------------------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
# What a JSON string cannot carry as is (non-ASCII is written as UTF-8, lone surrogates refused).
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\ud800-\udfff]')
_INTEGER_TEXT = re.compile(r"0|[1-9][0-9]*")


def to_json(model: object) -> bytes:
    """Serialise and validate a message model as compact UTF-8 JSON.

    Raises :class:`~c2p_action.errors.ValidationError` naming the member path and the broken
    rule; free-text values are never part of the message.
    """
    if isinstance(model, type) or not dataclasses.is_dataclass(model):
        raise ValidationError(f"to_json: expected a message model, not {type(model).__name__}")
    plan = _plan_for(type(model))
    out: list[str] = []
    try:
        _write_object(model, plan, out, plan.cls.__name__)
    except ValidationError as error:
        # What was written so far may hold revealed card data: it must not stay in a frame
        # of the traceback (rendered with its locals by pytest, error trackers ...).
        out.clear()
        raise error.with_traceback(None) from None
    return "".join(out).encode("utf-8")


def _write_object(obj: object, plan: _Plan, out: list[str], path: str) -> None:
    out.append("{")
    first = True
    for spec, value in zip(plan.members, plan.get_members(obj), strict=True):
        if (
            # Fast path for the common case; anything unusual takes the checked path below.
            spec.plain
            and spec.form is JsonForm.STRING
            and type(value) is str
            and spec.min_length <= len(value) <= spec.max_length
            and not _NEEDS_ESCAPE.search(value)
        ):
            out.append(f'{spec.key if first else "," + spec.key}"{value}"')
            first = False
            continue
        if value is None or (spec.is_list and value == [] and not spec.required):
            if value is None and spec.required:
                raise ValidationError(f"{path}.{spec.name}: required member is missing")
            continue  # an absent optional member, or an empty optional list, is left out
        out.append(spec.key if first else "," + spec.key)
        first = False
        if spec.is_list:
            _write_list(value, spec, out, f"{path}.{spec.name}")
        else:
            _write_value(value, spec, out, f"{path}.{spec.name}")
    if plan.extra is not None:
        extra = getattr(obj, plan.extra)
        if extra:
            _write_extra(extra, plan, out, path, first)
    out.append("}")


def _write_list(values: object, spec: _Member, out: list[str], path: str) -> None:
    if not isinstance(values, list):
        raise ValidationError(f"{path}: expected a list")
    out.append("[")
    for index, item in enumerate(values):
        if index:
            out.append(",")
        if item is None:
            raise ValidationError(f"{path}[{index}]: list items cannot be None")
        _write_value(item, spec, out, f"{path}[{index}]")
    out.append("]")


def _write_value(value: object, spec: _Member, out: list[str], path: str) -> None:
    kind = spec.kind
    if kind == _STR:
        out.append(_string(value, spec, path))
    elif kind == _DECIMAL:
        assert spec.number is not None
        text = _render_decimal(value, spec.number, spec.form, path)
        out.append(text if spec.form is JsonForm.NUMBER else f'"{text}"')
    elif kind == _INT:
        assert spec.number is not None
        text = _render_int(value, spec.number, path)
        out.append(text if spec.form is JsonForm.NUMBER else f'"{text}"')
    elif kind == _CARD:
        out.append(_card_text(value, spec, path))
    elif kind == _BOOL:
        if type(value) is not bool:
            raise ValidationError(f"{path}: expected a bool")
        if spec.form is JsonForm.BOOLEAN:
            out.append("true" if value else "false")
        else:
            out.append('"1"' if value else '"0"')
    else:
        assert spec.plan is not None
        if type(value) is not spec.plan.cls:
            raise ValidationError(f"{path}: expected {spec.plan.cls.__name__}")
        _write_object(value, spec.plan, out, path)


def _string(value: object, spec: _Member, path: str) -> str:
    if type(value) is not str:
        raise ValidationError(f"{path}: expected a string")
    if len(value) > spec.max_length:
        raise ValidationError(f"{path}: longer than {spec.max_length} characters")
    if len(value) < spec.min_length:
        raise ValidationError(f"{path}: shorter than {spec.min_length} character(s)")
    if spec.form is JsonForm.NUMBER:
        # A string member written as a JSON number (a reference number): digits only.
        if not _INTEGER_TEXT.fullmatch(value):
            raise ValidationError(f"{path}: must be digits to be written as a JSON number")
        return value
    return _quoted(value, path)


def _card_text(value: object, spec: _Member, path: str) -> str:
    card = spec.card
    assert card is not None
    if type(value) is card:
        assert isinstance(value, card)
        # The one place card data is revealed: the message is being written to be sealed.
        return _quoted(value.reveal(), path)
    if spec.masked and type(value) is str and card.is_masked(value):
        return _quoted(value, path)
    allowed = f"a {card.__name__}" + (" or its masked form" if spec.masked else "")
    raise ValidationError(f"{path}: expected {allowed}, not {type(value).__name__}")


def _quoted(value: str, path: str) -> str:
    if not value.isascii() and _SURROGATE.search(value):
        raise ValidationError(f"{path}: contains a lone surrogate, which UTF-8 cannot carry")
    return str(encode_basestring(value))


def _check_number(value: Decimal, rule: _Number, path: str) -> None:
    for holds, rule_text, bound in rule.bounds:
        if not holds(value, bound):
            raise ValidationError(f"{path}: {value} {rule_text} {bound}")
    if _integer_digits(value) > rule.integer_digits:
        raise ValidationError(f"{path}: {value} has more than {rule.integer_digits} integer digits")


def _render_decimal(value: object, rule: _Number, form: JsonForm, path: str) -> str:
    if type(value) is int:
        value = Decimal(value)
    elif not isinstance(value, Decimal):
        raise ValidationError(f"{path}: amounts must be Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValidationError(f"{path}: {value} is not a finite amount")
    _check_number(value, rule, path)
    if _fraction_digits(value) > rule.fraction_digits:
        raise ValidationError(
            f"{path}: {value} has more than {rule.fraction_digits} decimal places"
        )
    if form is JsonForm.STRING:
        # Exactly fraction_digits decimals (exact after the checks above); never "-0.00".
        return f"{value or value.copy_abs():.{rule.fraction_digits}f}"
    return _shortest(value)


def _shortest(value: Decimal) -> str:
    """The shortest exact plain form of a finite Decimal (``100``, ``99.5``, ``0``)."""
    if not value:
        return "0"  # also 0E+999, whose plain form would be all zeros
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _render_int(value: object, rule: _Number, path: str) -> str:
    if type(value) is not int:
        raise ValidationError(f"{path}: expected an int, not {type(value).__name__}")
    _check_number(Decimal(value), rule, path)
    return str(value)


def _integer_digits(value: Decimal) -> int:
    return 0 if not value else max(value.adjusted() + 1, 0)


def _fraction_digits(value: Decimal) -> int:
    """Significant decimals: ``1.50`` has 1, ``100`` and ``1E+2`` have 0."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    if exponent >= 0:
        return 0
    places, end = -exponent, len(digits)
    while places and end and digits[end - 1] == 0:
        places -= 1
        end -= 1
    return places


def _write_extra(extra: object, plan: _Plan, out: list[str], path: str, first: bool) -> None:
    where = f"{path}.{plan.extra}"
    if not isinstance(extra, dict):
        raise ValidationError(f"{where}: expected a dict of unknown members")
    for index, (key, value) in enumerate(extra.items()):
        # The caller's names are not echoed: only their position.
        if type(key) is not str:
            raise ValidationError(f"{where}: member #{index + 1} has a name that is not a string")
        if key in plan.by_name:
            raise ValidationError(f"{where}: member #{index + 1} clashes with a declared member")
        if not first:
            out.append(",")
        first = False
        out.append(_quoted(key, where) + ":")
        _write_any(value, out, f"{where}[#{index + 1}]", 1)


def _write_any(value: object, out: list[str], path: str, depth: int) -> None:
    """Write one value of an unknown member: a JSON value, never a float."""
    if depth > MAX_DEPTH:
        raise ValidationError(f"{path}: nested deeper than {MAX_DEPTH}")
    if value is None:
        out.append("null")
    elif value is True or value is False:
        out.append("true" if value else "false")
    elif type(value) is str:
        out.append(_quoted(value, path))
    elif type(value) is int:
        out.append(str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError(f"{path}: {value} is not a finite number")
        if value and not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
            raise ValidationError(f"{path}: a number beyond 1e{MAX_EXPONENT}")
        # Plain notation, as read (2.50 stays 2.50): an unknown member's form is kept.
        out.append("0" if not value else f"{value:f}")
    elif isinstance(value, list):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write_any(item, out, path, depth + 1)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if type(key) is not str:
                raise ValidationError(f"{path}: object member names must be strings")
            out.append(("," if index else "") + _quoted(key, path) + ":")
            _write_any(item, out, path, depth + 1)
        out.append("}")
    else:
        # A float is refused like everywhere else: it rarely holds the value that was meant.
        raise ValidationError(
            f"{path}: {type(value).__name__} is not a JSON value this codec writes"
        )


# ---------------------------------------------------------------------------------------------
# Reader
# ---------------------------------------------------------------------------------------------

_BOM: Final = b"\xef\xbb\xbf"
_DIGITS = re.compile(r"[0-9]+")
_DECIMAL_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
# What the nesting scan looks at: a string (skipped whole), or a run of brackets of one kind.
_NESTING_TOKEN = re.compile(r'"|[\[{]+|[\]}]+')
_STRING_REST = re.compile(r'(?:[^"\\]|\\.)*+"', re.DOTALL)  # after the opening quote
# A valid prefix of a body within MAX_STRUCTURAL has at most this many such tokens (strings and
# closing runs follow a separator or an opener): past it the parser has already failed.
_MAX_NESTING_TOKENS: Final = 4 * MAX_STRUCTURAL + 1
_OPENERS: Final = frozenset("[{")


class _Refused(Exception):
    """Raised by the parser hooks; from_json turns it into JsonError."""


def _parse_int(text: str) -> int:
    # Checked before int() runs: a huge literal costs nothing (and never meets int's limit).
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number longer than {MAX_NUMBER_CHARS} characters")
    return int(text)


def _parse_decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number longer than {MAX_NUMBER_CHARS} characters")
    _, marker, exponent = text.lower().partition("e")
    if marker and len(exponent.lstrip("+-")) > 3:
        raise _Refused(f"a number beyond 1e{MAX_EXPONENT}")
    value = Decimal(text)  # exact whatever the context: construction never rounds
    if value and not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
        raise _Refused(f"a number beyond 1e{MAX_EXPONENT}")
    return value


def _parse_constant(text: str) -> object:
    raise _Refused("NaN and Infinity are not JSON numbers")


class _Duplicate(Exception):
    """A member name given twice in one object."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return result


def _too_deep(text: str) -> bool:
    """Whether the parser would nest deeper than MAX_DEPTH before the body's first error.

    One left-to-right pass over at most ``_MAX_NESTING_TOKENS`` tokens; it tokenizes strings
    as the parser does, so up to the first error both see the same nesting.
    """
    depth = 0
    position = 0
    search = _NESTING_TOKEN.search
    string_rest = _STRING_REST.match
    for _ in range(_MAX_NESTING_TOKENS):
        token = search(text, position)
        if token is None:
            return False
        first = token.group()[0]
        if first == '"':
            end = string_rest(text, token.end())
            if end is None:
                return False  # an unterminated string: the parser stops there
            position = end.end()
            continue
        position = token.end()
        if first in _OPENERS:
            depth += position - token.start()
            if depth > MAX_DEPTH:
                return True
        else:
            depth -= position - token.start()
    return False


# One decoder for every call: it holds no state between documents (the scanner is C code).
_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_object,
    parse_float=_parse_decimal,
    parse_int=_parse_int,
    parse_constant=_parse_constant,
)


class _Budget:
    """What one document may still bind: declared list items and unknown values."""

    __slots__ = ("list_items", "unknown_values")

    def __init__(self) -> None:
        self.list_items = MAX_LIST_ITEMS
        self.unknown_values = MAX_UNKNOWN_VALUES


def from_json(data: bytes, cls: type[T], *, max_bytes: int = MAX_JSON_BYTES) -> T:
    """Parse untrusted JSON bytes into ``cls`` (a JSON message model).

    Raises :class:`~c2p_action.errors.JsonError` (and nothing that is not a ``C2PError``);
    see the module docstring for every rule.
    """
    plan = _plan_for(cls)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise JsonError("json parse: expected bytes")
    raw = bytes(data)
    if len(raw) > max_bytes:
        raise JsonError(f"json parse: {len(raw)} bytes, over the limit of {max_bytes}")
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    # Memchr-speed scans bound how many values and containers a parser could build (a body
    # shorter than a limit cannot exceed it: the scans are skipped).
    containers = raw.count(b"[") + raw.count(b"{") if len(raw) > MAX_DEPTH else 0
    if (
        len(raw) > MAX_STRUCTURAL
        and raw.count(b",") + raw.count(b":") + containers > MAX_STRUCTURAL
    ):
        raise JsonError(f"json parse: more than {MAX_STRUCTURAL} ',' ':' '[' '{{' characters")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonError(f"json parse: not UTF-8 (byte {exc.start})") from None
    if containers > MAX_DEPTH and _too_deep(text):
        raise JsonError(f"json parse: nested deeper than {MAX_DEPTH}")
    try:
        document = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        # exc.msg is fixed text ("Expecting ',' delimiter"): it never quotes the document.
        raise JsonError(f"json parse: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except _Refused as exc:
        raise JsonError(f"json parse: {exc}") from None
    except _Duplicate as exc:
        # The name comes from the document: named only when it is one of ours.
        what = repr(exc.name) if exc.name in _KNOWN_NAMES else "an unknown member"
        raise JsonError(f"json parse: {what} appears more than once in one object") from None
    except (RecursionError, ValueError) as exc:  # a safety net: the checks above bound both
        raise JsonError(f"json parse: {type(exc).__name__}") from None
    if not isinstance(document, dict):
        raise JsonError(f"json bind: the top level is not an object (expected {cls.__name__})")
    try:
        result: T = _bind(document, plan, plan.cls.__name__, _Budget())
    except C2PError:
        raise
    except Exception as exc:  # untrusted input boundary: nothing but C2PError may escape
        raise JsonError(
            f"json bind: {plan.cls.__name__} could not be bound ({type(exc).__name__})"
        ) from None
    return result


def _bind(obj: dict[str, Any], plan: _Plan, path: str, budget: _Budget) -> Any:
    values: dict[str, Any] = {}
    extra: dict[str, Any] | None = None
    nulls = False
    by_name = plan.by_name
    for position, (key, raw) in enumerate(obj.items()):
        spec = by_name.get(key)
        if (
            # Fast path: a string member given once, as an ASCII string.
            spec is not None
            and spec.plain
            and type(raw) is str
            and raw.isascii()
            and spec.attr not in values
        ):
            values[spec.attr] = raw
            continue
        if spec is None:
            if plan.extra is None:
                # The name comes from the document: say where, never what.
                raise JsonError(f"json bind: {path} has an unexpected member (#{position + 1})")
            where = f"{path} unknown member #{position + 1}"
            budget.unknown_values -= 1
            _check_unknown(key, where, budget)
            _check_unknown(raw, where, budget)
            if extra is None:
                extra = {}
            extra[key] = raw
            continue
        if spec.attr in values:
            raise JsonError(f"json bind: {path}.{spec.name} appears more than once")
        if raw is None:
            values[spec.attr] = None
            nulls = True
            continue
        where = f"{path}.{spec.name}"
        values[spec.attr] = (
            _read_list(raw, spec, where, budget)
            if spec.is_list
            else _read_value(raw, spec, where, budget)
        )
    for spec in plan.required:
        if values.get(spec.attr) is None:
            raise JsonError(f"json bind: {path}.{spec.name} is missing")
    if nulls:
        for attr in [attr for attr, value in values.items() if value is None]:
            del values[attr]  # the field's own default (None, or an empty list)
    if extra is not None:
        assert plan.extra is not None
        values[plan.extra] = extra
    return plan.cls(**values)


def _check_unknown(value: object, where: str, budget: _Budget) -> None:
    """Count an unknown value with everything inside it; refuse lone surrogates."""
    if budget.unknown_values < 0:
        raise JsonError(
            f"json bind: more than {MAX_UNKNOWN_VALUES} unknown values in the document (at {where})"
        )
    if isinstance(value, str):
        if not value.isascii() and _SURROGATE.search(value):
            raise JsonError(f"json bind: {where} holds a lone surrogate")
    elif isinstance(value, dict):
        for key, item in value.items():
            budget.unknown_values -= 1
            _check_unknown(key, where, budget)
            _check_unknown(item, where, budget)
    elif isinstance(value, list):
        for item in value:
            budget.unknown_values -= 1
            _check_unknown(item, where, budget)


def _read_list(raw: object, spec: _Member, path: str, budget: _Budget) -> list[Any]:
    if not isinstance(raw, list):
        raise JsonError(f"json bind: {path} is not an array")
    budget.list_items -= len(raw)
    if budget.list_items < 0:
        raise JsonError(f"json bind: more than {MAX_LIST_ITEMS} list items in the document")
    items = []
    for index, item in enumerate(raw):
        if item is None:
            raise JsonError(f"json bind: {path}[{index}] is null")
        items.append(_read_value(item, spec, f"{path}[{index}]", budget))
    return items


def _form_of(raw: object) -> JsonForm | None:
    if raw is True or raw is False:
        return JsonForm.BOOLEAN
    if isinstance(raw, str):
        return JsonForm.STRING
    if isinstance(raw, int | Decimal):
        return JsonForm.NUMBER
    return None


_FORM_WORDS: Final = {
    JsonForm.STRING: "a string",
    JsonForm.NUMBER: "a number",
    JsonForm.BOOLEAN: "true or false",
}


def _read_value(raw: object, spec: _Member, path: str, budget: _Budget) -> object:
    if spec.kind == _MODEL:
        assert spec.plan is not None
        if not isinstance(raw, dict):
            raise JsonError(f"json bind: {path} is not an object")
        return _bind(raw, spec.plan, path, budget)
    if spec.kind == _CARD:
        return _read_card(raw, spec, path)
    form = _form_of(raw)
    if form not in spec.accepts:
        expected = " or ".join(_FORM_WORDS[f] for f in sorted(spec.accepts))
        raise JsonError(f"json bind: {path} is not {expected}")
    kind = spec.kind
    if kind == _STR:
        if form is JsonForm.NUMBER:
            if not isinstance(raw, int):
                raise JsonError(f"json bind: {path} is not a whole number")
            return str(raw)
        assert isinstance(raw, str)
        if not raw.isascii() and _SURROGATE.search(raw):
            raise JsonError(f"json bind: {path} holds a lone surrogate")
        return raw
    if kind == _BOOL:
        if form is JsonForm.BOOLEAN:
            return raw
        if raw == "1":
            return True
        if raw == "0":
            return False
        raise JsonError(f'json bind: {path} is not a boolean ("1" or "0")')
    assert spec.number is not None
    if kind == _INT:
        if isinstance(raw, str):
            # Digits only (leading zeros allowed: "N 5" fields may come zero-padded).
            if not _DIGITS.fullmatch(raw) or len(raw) > MAX_NUMBER_CHARS:
                raise JsonError(f"json bind: {path} is not a whole number")
            raw = int(raw)
        if not isinstance(raw, int):
            raise JsonError(f"json bind: {path} is not a whole number")
        _read_bounds(Decimal(raw), spec.number, path)
        return raw
    if isinstance(raw, str):
        if len(raw) > MAX_NUMBER_CHARS or not _DECIMAL_TEXT.fullmatch(raw):
            raise JsonError(f"json bind: {path} is not a plain decimal amount")
        raw = Decimal(raw)
    value = Decimal(raw) if isinstance(raw, int) else raw
    assert isinstance(value, Decimal)
    if _fraction_digits(value) > spec.number.fraction_digits:
        places = spec.number.fraction_digits
        raise JsonError(f"json bind: {path} has more than {places} decimal places")
    _read_bounds(value, spec.number, path)
    return value


def _read_card(raw: object, spec: _Member, path: str) -> object:
    """A card member: a checked card type, masked text where allowed, or an error that never
    quotes the value. An empty string is an absent value (as an empty XML element is)."""
    card = spec.card
    assert card is not None
    if not isinstance(raw, str):
        raise JsonError(f"json bind: {path} is not a string")
    if not raw.strip():
        return None
    try:
        return card(raw)
    except ValidationError:
        pass
    if spec.masked and card.is_masked(raw):
        return raw
    what = f"{card.kind}, full or masked" if spec.masked else card.kind
    raise JsonError(f"json bind: {path} is not {what}")


def _read_bounds(value: Decimal, rule: _Number, path: str) -> None:
    if _integer_digits(value) > rule.integer_digits:
        raise JsonError(f"json bind: {path} has more than {rule.integer_digits} integer digits")
    for holds, rule_text, bound in rule.bounds:
        if not holds(value, bound):
            raise JsonError(f"json bind: {path} {rule_text} {bound}")
