"""Message models <-> XML bytes: a fast, validating writer and a hardened reader.

xsdata's own serializer and parser cost ~250 µs per message, ten times the XML budget of a
request (the RSA work is ~1.5 ms and the whole encode must stay within 3 % of it). So each model
class is compiled once, from xsdata's binding metadata (``XmlContext.build``) and the field facets
of the generated dataclasses, into a :class:`_Plan`; ``to_xml`` then builds the document as plain
strings and validates in the same pass, and ``from_xml`` binds a hardened lxml tree through the
same plan. ``XML_CONTEXT``, ``REFERENCE_SERIALIZER`` and ``REFERENCE_PARSER`` are xsdata's
reference implementation of the same mapping; the tests hold the fast path to them.

Rules the writer enforces (each failure is a :class:`~c2p_action.errors.ValidationError` naming
the element path and the rule; free-text values are never echoed, amounts may be):

- mandatory fields present; lists hold at least ``min_occurs`` items;
- strings are ``str``, within ``min_length``/``max_length`` characters, and only hold characters
  XML 1.0 can carry;
- enumerations are members of the field's enum (or one of its values as a plain string);
- card data (the fields a model lists in ``__card_fields__``, see
  :func:`c2p_action.schemas.card.card_data`) is an object of the field's card type, whose
  digits are written through its ``reveal()``: the one place they leave it;
- amounts are ``Decimal`` (``int`` is accepted as exact; ``float`` and ``bool`` are refused),
  finite, inside the bounds, with at most ``total_digits - fraction_digits`` integer digits and no
  more than ``fraction_digits`` significant decimals (``25.000`` is fine, ``25.001`` is not:
  nothing is ever rounded); they are written with exactly ``fraction_digits`` decimals.

The reader rejects any DOCTYPE or entity declaration, binds elements in any order, refuses a
repeated single-valued element, parses amounts strictly (``^[0-9]+(\\.[0-9]+)?$`` after trimming
XML whitespace, no more decimals or integer digits than the facets allow; ``0`` is accepted, since
the gateway may report zero amounts) and request enums strictly, and keeps unknown elements of a
wildcard type as xsdata ``AnyElement`` objects (text straight inside a message element, which the
schema does not allow, is ignored). It does not enforce string lengths: what the gateway sends is
accepted as long as it has the right shape. Card data is read into its card type (checked; an
empty element is absent). Every failure is an
:class:`~c2p_action.errors.XmlError`; its message says what was wrong and where (element path,
child number, line), never what the document contains.

Memory is bounded for every input, whatever its shape (many siblings, deep nesting, many
attributes, long text), by four limits; a document past any of them is refused with
``XmlError``, never partly kept:

- before parsing, at most 25,000 ``<`` and 50,000 ``=`` bytes (upper bounds of the elements and
  attributes libxml2 would build: ~110 and ~300 bytes each outside the Python heap);
- while binding, at most 10,000 items in repeated elements (``refundList/refund``,
  ``subMerchantList/subMerchant``...), counted over the whole document;
- at most 1,000 unknown elements and attributes kept as ``AnyElement`` objects (counted with
  everything inside them), which is far more than any gateway extension needs.
"""

from __future__ import annotations

import dataclasses
import operator
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Context, Decimal
from enum import Enum
from typing import Any, Final, TypeVar, cast, overload

from lxml import etree
from xsdata.formats.dataclass.context import XmlContext
from xsdata.formats.dataclass.models.elements import XmlVar
from xsdata.formats.dataclass.models.generics import AnyElement
from xsdata.formats.dataclass.parsers import XmlParser
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig

from c2p_action.errors import C2PError, ConfigurationError, ValidationError, XmlError
from c2p_action.schemas.card import CardData

__all__ = [
    "MAX_EQUALS",
    "MAX_LIST_ITEMS",
    "MAX_TAGS",
    "MAX_UNKNOWN_NODES",
    "REFERENCE_PARSER",
    "REFERENCE_SERIALIZER",
    "XML_CONTEXT",
    "from_xml",
    "to_xml",
]

T = TypeVar("T")

XML_CONTEXT: Final = XmlContext()
"""The one xsdata binding context of the library (its metadata cache is reused everywhere)."""

REFERENCE_SERIALIZER: Final = XmlSerializer(
    context=XML_CONTEXT, config=SerializerConfig(xml_declaration=False)
)
"""xsdata's serializer over ``XML_CONTEXT``: the reference the fast writer is tested against."""

REFERENCE_PARSER: Final = XmlParser(context=XML_CONTEXT)
"""xsdata's parser over ``XML_CONTEXT``: the reference the fast reader is tested against."""


# ---------------------------------------------------------------------------------------------
# Compiled plans
# ---------------------------------------------------------------------------------------------

_STR, _AMOUNT, _ENUM, _MODEL, _ANY, _CARD = range(6)

# Field metadata keys that are not value facets.
_STRUCTURAL_KEYS = frozenset({"name", "type", "namespace", "required", "min_occurs", "max_occurs"})
_AMOUNT_FACETS = frozenset(
    {
        "total_digits",
        "fraction_digits",
        "min_exclusive",
        "min_inclusive",
        "max_exclusive",
        "max_inclusive",
    }
)


@dataclasses.dataclass(slots=True, eq=False)
class _Amount:
    """Decimal facets of one amount field, pre-computed for the hot path."""

    fraction_digits: int
    integer_digits: int
    quantum: Decimal
    bounds: tuple[tuple[Callable[[Decimal, Decimal], bool], str, Decimal], ...]
    # str() of a Decimal stays in plain notation down to 6 decimals; format() beyond that.
    render: Callable[[Decimal], str]


@dataclasses.dataclass(slots=True, eq=False)
class _Field:
    """How one dataclass field maps to XML, with its facets."""

    name: str
    xml_name: str
    kind: int
    is_attribute: bool
    is_list: bool
    required: bool
    min_occurs: int
    default: object
    min_length: int
    max_length: int
    amount: _Amount | None = None
    enum: type[Enum] | None = None
    enum_values: Mapping[str, Enum] = dataclasses.field(default_factory=dict)
    plan: _Plan | None = None
    card: type[CardData] | None = None
    single_text: bool = False  # a non-list string element: the reader's fast path
    # What an empty element means: XSD gives it the declared default, if any.
    empty_text: str = ""
    open_tag: str = ""
    close_tag: str = ""


@dataclasses.dataclass(slots=True, eq=False)
class _Plan:
    """Compiled mapping of one model class: its tag, attributes and child elements in order."""

    cls: type[Any]
    tag: str
    attributes: list[_Field] = dataclasses.field(default_factory=list)
    elements: list[_Field] = dataclasses.field(default_factory=list)
    by_tag: dict[str, _Field] = dataclasses.field(default_factory=dict)
    wildcard: _Field | None = None
    required: list[_Field] = dataclasses.field(default_factory=list)
    # Fetches every element field in document order in one C call.
    get_elements: Callable[[Any], tuple[Any, ...]] = lambda obj: ()


# Complete plans only, so readers need no lock; compiling is serialised and publishes a class's
# plan together with the nested plans it compiled.
_PLANS: dict[type[Any], _Plan] = {}
_PLANS_LOCK = threading.Lock()


def _plan_for(cls: type[Any]) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        with _PLANS_LOCK:
            plan = _PLANS.get(cls)
            if plan is None:
                compiled: dict[type[Any], _Plan] = {}
                plan = _compile(cls, compiled)
                _PLANS.update(compiled)
    return plan


def _compile(cls: type[Any], compiled: dict[type[Any], _Plan]) -> _Plan:
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise ConfigurationError(f"xml: {cls!r} is not a message model class")
    try:
        meta = XML_CONTEXT.build(cls)
    except Exception as exc:  # xsdata raises assorted errors for classes it cannot bind
        raise ConfigurationError(f"xml: {cls.__name__} cannot be bound to XML") from exc
    if meta.text or meta.choices or meta.any_attributes or meta.namespace:
        raise ConfigurationError(f"xml: {cls.__name__} uses XML features the codec lacks")
    plan = _Plan(cls=cls, tag=meta.qname)
    # Registered before the fields compile, so a nested reference to this class finds it.
    compiled[cls] = plan
    fields = {f.name: f for f in dataclasses.fields(cls)}
    card_fields: Mapping[str, type[CardData]] = getattr(cls, "__card_fields__", {})
    for var in meta.get_all_vars():
        spec = _compile_field(cls, var, fields[var.name], compiled, card_fields.get(var.name))
        if spec.kind == _ANY:
            plan.wildcard = spec
        elif spec.is_attribute:
            plan.attributes.append(spec)
        else:
            plan.elements.append(spec)
            plan.by_tag[spec.xml_name] = spec
        if spec.default is dataclasses.MISSING and not spec.is_list:
            plan.required.append(spec)
    if plan.elements:
        getter = operator.attrgetter(*(spec.name for spec in plan.elements))
        # attrgetter returns a bare value, not a 1-tuple, for a single name.
        plan.get_elements = getter if len(plan.elements) > 1 else lambda obj: (getter(obj),)
    return plan


def _compile_field(
    cls: type[Any],
    var: XmlVar,
    field: dataclasses.Field[Any],
    compiled: dict[type[Any], _Plan],
    card: type[CardData] | None = None,
) -> _Field:
    where = f"{cls.__name__}.{field.name}"
    metadata = dict(field.metadata)
    if not (var.is_element or var.is_attribute or var.is_wildcard) or var.wrapper:
        raise ConfigurationError(f"xml: {where} has an unsupported XML binding")
    if not var.is_wildcard and var.qname != var.local_name:
        raise ConfigurationError(f"xml: {where} is namespaced; the messages have no namespace")
    facets = {key: value for key, value in metadata.items() if key not in _STRUCTURAL_KEYS}
    default: object = field.default
    if default is dataclasses.MISSING and field.default_factory is not dataclasses.MISSING:
        default = None  # list fields: an absent list is an empty list
    spec = _Field(
        name=field.name,
        xml_name=var.local_name,
        kind=_STR,
        is_attribute=var.is_attribute,
        is_list=var.list_element,
        # minOccurs=0 fields are the ones xsdata generates with a None default.
        required=default is not None,
        min_occurs=int(metadata.get("min_occurs", 0)) if var.list_element else 0,
        default=default,
        min_length=int(facets.pop("min_length", 0)),
        max_length=int(facets.pop("max_length", 1 << 62)),
        empty_text=default if isinstance(default, str) else "",
        open_tag=f"<{var.local_name}>",
        close_tag=f"</{var.local_name}>",
    )
    if var.is_wildcard:
        spec.kind = _ANY
    elif card is not None and var.types == (object,) and var.is_element and not spec.is_list:
        spec.kind = _CARD
        spec.card = card
    elif var.clazz is not None:
        spec.kind = _MODEL
        nested = var.clazz
        spec.plan = _PLANS.get(nested) or compiled.get(nested) or _compile(nested, compiled)
    elif var.types == (str,):
        spec.kind = _STR
    elif var.types == (Decimal,):
        spec.kind = _AMOUNT
        spec.amount = _compile_amount(where, facets)
    elif len(var.types) == 1 and issubclass(var.types[0], Enum):
        spec.kind = _ENUM
        spec.enum = var.types[0]
        spec.enum_values = {str(member.value): member for member in spec.enum}
    else:
        raise ConfigurationError(f"xml: {where} has an unsupported type {var.types!r}")
    spec.single_text = spec.kind == _STR and not spec.is_list and not spec.is_attribute
    if facets and spec.kind != _AMOUNT:
        # A facet added to the XSD must be enforced here, never silently ignored.
        raise ConfigurationError(f"xml: {where} has unsupported facets {sorted(facets)}")
    return spec


def _compile_amount(where: str, facets: dict[str, Any]) -> _Amount:
    unknown = set(facets) - _AMOUNT_FACETS
    if unknown or "fraction_digits" not in facets or "total_digits" not in facets:
        raise ConfigurationError(f"xml: {where} needs total_digits and fraction_digits only")
    fraction = int(facets.pop("fraction_digits"))
    total = int(facets.pop("total_digits"))
    bounds = tuple((*_BOUNDS[key], Decimal(str(facets.pop(key)))) for key in sorted(set(facets)))
    return _Amount(
        fraction_digits=fraction,
        integer_digits=total - fraction,
        quantum=Decimal(1).scaleb(-fraction),
        bounds=bounds,
        render=str if fraction <= 6 else _plain,
    )


def _plain(value: Decimal) -> str:
    return f"{value:f}"


# ---------------------------------------------------------------------------------------------
# Writer
# ---------------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all (lone surrogates included: they cannot be UTF-8 encoded).
_INVALID_XML = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
# Anything that needs an escape: \r would be normalised to \n by the reader, and attribute values
# also lose \n and \t to whitespace normalisation unless escaped.
_TEXT_SPECIAL = re.compile(f"[&<>\r{_INVALID_XML}]")
_ATTR_SPECIAL = re.compile(f'[&<>"\r\n\t{_INVALID_XML}]')
_INVALID = re.compile(f"[{_INVALID_XML}]")
# Close enough to an XML NCName for names a caller puts into AnyElement objects.
_NAME = re.compile(r"[^\W\d][\w.\-]*")
_CLARK = re.compile(r"\{([^}]*)\}(.*)", re.DOTALL)


def to_xml(model: object) -> bytes:
    """Serialise and validate a message model as compact UTF-8 XML (no declaration).

    Raises :class:`~c2p_action.errors.ValidationError` naming the element path and the broken
    rule; free-text values are never part of the message.
    """
    if isinstance(model, type) or not dataclasses.is_dataclass(model):
        raise ValidationError(f"to_xml: expected a message model, not {type(model).__name__}")
    plan = _plan_for(type(model))
    out: list[str] = []
    try:
        _write_model(model, plan, plan.tag, out, plan.tag)
    except ValidationError as error:
        # What was written so far may hold revealed card data: it must not stay in a frame
        # of the traceback (rendered with its locals by pytest, error trackers ...).
        out.clear()
        raise error.with_traceback(None) from None
    return "".join(out).encode("utf-8")


def _write_model(obj: object, plan: _Plan, tag: str, out: list[str], path: str) -> None:
    start = "<" + tag
    for spec in plan.attributes:
        value = getattr(obj, spec.name)
        if value is None:
            if spec.required:
                raise ValidationError(f"{path}.{spec.xml_name}: required attribute is missing")
            continue
        start += f' {spec.xml_name}="{_scalar(value, spec, path, _ATTR_SPECIAL)}"'
    out.append(start)
    mark = len(out)
    out.append(">")
    for spec, value in zip(plan.elements, plan.get_elements(obj), strict=True):
        if (
            # Fast path for the common case; anything unusual takes the checked path below.
            spec.kind == _STR
            and type(value) is str
            and spec.min_length <= len(value) <= spec.max_length
            and not _TEXT_SPECIAL.search(value)
        ):
            out.append(spec.open_tag + value + spec.close_tag)
            continue
        if value is None:
            if spec.required:
                raise ValidationError(f"{path}.{spec.xml_name}: required element is missing")
        elif spec.is_list:
            _write_list(value, spec, out, path)
        elif spec.plan is not None:
            _write_child_model(value, spec, spec.plan, out, f"{path}.{spec.xml_name}")
        else:
            out.append(spec.open_tag + _scalar(value, spec, path, _TEXT_SPECIAL) + spec.close_tag)
    wildcard = plan.wildcard
    if wildcard is not None:
        extra = getattr(obj, wildcard.name)
        if extra:
            _check_list(extra, wildcard, path)
            for index, node in enumerate(extra):
                _write_any(node, out, f"{path}.{wildcard.name}[{index}]")
    if len(out) == mark + 1:
        out[mark] = "/>"
    else:
        out.append(f"</{tag}>")


def _write_list(values: object, spec: _Field, out: list[str], path: str) -> None:
    items = _check_list(values, spec, path)
    for index, item in enumerate(items):
        where = f"{path}.{spec.xml_name}[{index}]"
        if item is None:
            raise ValidationError(f"{where}: list items cannot be None")
        if spec.plan is not None:
            _write_child_model(item, spec, spec.plan, out, where)
        else:
            out.append(spec.open_tag + _scalar(item, spec, path, _TEXT_SPECIAL) + spec.close_tag)


def _check_list(values: object, spec: _Field, path: str) -> list[object]:
    if not isinstance(values, list):
        raise ValidationError(f"{path}.{spec.xml_name}: expected a list")
    if len(values) < spec.min_occurs:
        raise ValidationError(f"{path}.{spec.xml_name}: needs at least {spec.min_occurs} item(s)")
    return values


def _write_child_model(value: object, spec: _Field, plan: _Plan, out: list[str], path: str) -> None:
    if type(value) is not plan.cls:
        raise ValidationError(f"{path}: expected {plan.cls.__name__}")
    _write_model(value, plan, spec.xml_name, out, path)


def _scalar(value: object, spec: _Field, path: str, special: re.Pattern[str]) -> str:
    """Validate one simple value and return its escaped XML text."""
    kind = spec.kind
    if kind == _STR:
        if type(value) is not str:
            raise ValidationError(f"{path}.{spec.xml_name}: expected a string")
        size = len(value)
        if size > spec.max_length:
            raise ValidationError(
                f"{path}.{spec.xml_name}: longer than {spec.max_length} characters"
            )
        if size < spec.min_length:
            raise ValidationError(
                f"{path}.{spec.xml_name}: shorter than {spec.min_length} character(s)"
            )
        return _escape(value, f"{path}.{spec.xml_name}") if special.search(value) else value
    if kind == _AMOUNT:
        assert spec.amount is not None
        return _render_amount(value, spec.amount, f"{path}.{spec.xml_name}")
    if kind == _CARD:
        if not isinstance(value, CardData) or type(value) is not spec.card:
            expected = spec.card.__name__ if spec.card is not None else "CardData"
            raise ValidationError(f"{path}.{spec.xml_name}: expected a {expected}")
        # The one place card data is revealed: the document is being written to be sealed.
        return _escape(value.reveal(), f"{path}.{spec.xml_name}")
    assert spec.enum is not None
    if isinstance(value, spec.enum):
        return str(value.value)
    if type(value) is str and value in spec.enum_values:
        return value
    allowed = ", ".join(spec.enum_values)
    raise ValidationError(f"{path}.{spec.xml_name}: not one of {allowed}")


def _escape(value: str, path: str) -> str:
    if _INVALID.search(value):
        raise ValidationError(f"{path}: contains a character XML cannot carry")
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )


def _render_amount(value: object, rule: _Amount, path: str) -> str:
    if type(value) is not Decimal:
        if type(value) is int:
            value = Decimal(value)
        elif not isinstance(value, Decimal):
            raise ValidationError(f"{path}: amounts must be Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValidationError(f"{path}: {value} is not a finite amount")
    for holds, rule_text, bound in rule.bounds:
        if not holds(value, bound):
            raise ValidationError(f"{path}: {value} {rule_text} {bound}")
    if value and value.adjusted() >= rule.integer_digits:
        raise ValidationError(f"{path}: {value} has more than {rule.integer_digits} integer digits")
    # Safe after the integer-digit check: the result always fits the private context.
    quantized = value.quantize(rule.quantum, context=_DECIMALS)
    if quantized != value:
        places = rule.fraction_digits
        raise ValidationError(f"{path}: {value} has more than {places} decimal places")
    return rule.render(quantized)


# Independent of the caller's thread context (precision, traps), which must not change results.
_DECIMALS: Final = Context(prec=40, rounding=ROUND_HALF_EVEN)
_BOUNDS: Final[dict[str, tuple[Callable[[Decimal, Decimal], bool], str]]] = {
    "min_exclusive": (operator.gt, "must be greater than"),
    "min_inclusive": (operator.ge, "must be at least"),
    "max_exclusive": (operator.lt, "must be less than"),
    "max_inclusive": (operator.le, "must be at most"),
}


def _write_any(node: object, out: list[str], path: str) -> None:
    """Write one wildcard item: an xsdata ``AnyElement``, a known model, or mixed text."""
    if isinstance(node, str):
        out.append(_free_text(node, path, _TEXT_SPECIAL))
        return
    if not isinstance(node, AnyElement):
        if not dataclasses.is_dataclass(node):
            raise ValidationError(f"{path}: unsupported wildcard content {type(node).__name__}")
        plan = _plan_for(type(node))
        _write_model(node, plan, plan.tag, out, path)
        return
    declarations: list[str] = []
    tag = _prefixed(node.qname, declarations, path)
    start = "<" + tag
    for key, value in node.attributes.items():
        start += f' {_prefixed(key, declarations, path)}="{_free_text(value, path, _ATTR_SPECIAL)}"'
    out.append(start + "".join(declarations) + ">")
    if node.text:
        out.append(_free_text(node.text, path, _TEXT_SPECIAL))
    for index, child in enumerate(node.children):
        _write_any(child, out, f"{path}.children[{index}]")
    out.append(f"</{tag}>")
    if node.tail:
        out.append(_free_text(node.tail, path, _TEXT_SPECIAL))


def _free_text(value: object, path: str, special: re.Pattern[str]) -> str:
    """Check and escape text of wildcard content, which has no declared type to check against."""
    if type(value) is not str:
        raise ValidationError(f"{path}: wildcard text and attribute values must be strings")
    return _escape(value, path) if special.search(value) else value


def _prefixed(qname: object, declarations: list[str], path: str) -> str:
    """Map a Clark-notation name to ``prefix:local``, declaring the prefix on this element."""
    if type(qname) is not str:
        raise ValidationError(f"{path}: wildcard names must be strings")
    match = _CLARK.fullmatch(qname)
    namespace, local = (match.group(1), match.group(2)) if match else ("", qname)
    if not _NAME.fullmatch(local):
        raise ValidationError(f"{path}: wildcard name is not a valid XML name")
    if not namespace:
        return local
    if _ATTR_SPECIAL.search(namespace):
        namespace = _escape(namespace, path)
    prefix = f"ns{len(declarations)}"
    declarations.append(f' xmlns:{prefix}="{namespace}"')
    return f"{prefix}:{local}"


# ---------------------------------------------------------------------------------------------
# Reader
# ---------------------------------------------------------------------------------------------

_XML_WHITESPACE = " \t\r\n"

MAX_TAGS: Final = 25_000
"""A document with more ``<`` bytes than this is refused before parsing (bounds elements)."""

MAX_EQUALS: Final = 50_000
"""A document with more ``=`` bytes than this is refused before parsing (bounds attributes)."""

MAX_LIST_ITEMS: Final = 10_000
"""Items of repeated elements (refunds, sub-merchants...) one document may bind, in all."""

MAX_UNKNOWN_NODES: Final = 1_000
"""Unknown elements and attributes one document may keep as ``AnyElement`` objects, in all."""
_AMOUNT_TEXT = re.compile(r"([0-9]+)(?:\.([0-9]+))?")
_parsers = threading.local()


def _parser() -> etree.XMLParser:
    # lxml parser objects must not be shared between threads: one per thread, built once.
    parser: etree.XMLParser | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            recover=False,
            huge_tree=False,
            remove_pis=True,
            remove_comments=True,
            collect_ids=False,
            remove_blank_text=True,
        )
        _parsers.parser = parser
    return parser


@overload
def from_xml(data: bytes, cls: type[T]) -> T: ...


@overload
def from_xml(data: bytes, cls: Sequence[type[Any]]) -> Any: ...


def from_xml(data: bytes, cls: type[T] | Sequence[type[Any]]) -> T | Any:
    """Parse untrusted XML bytes into ``cls`` (a message model) through a hardened parser.

    ``cls`` may also be a sequence of models: the one whose root element the document has is
    bound (several families share one URL and differ only by root element). DOCTYPEs and
    entity declarations are refused before parsing, never expanded. Raises
    :class:`~c2p_action.errors.XmlError` (and nothing that is not a ``C2PError``).
    """
    plans = [_plan_for(c) for c in cls] if isinstance(cls, Sequence) else [_plan_for(cls)]
    if not isinstance(data, bytes | bytearray):
        raise XmlError("xml parse: expected bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlError("xml parse: DOCTYPE and entity declarations are not allowed")
    # Two memchr-speed scans bound what libxml2 may allocate before it allocates anything.
    if data.count(b"<") > MAX_TAGS:
        raise XmlError(f"xml parse: more than {MAX_TAGS} tags")
    if data.count(b"=") > MAX_EQUALS:
        raise XmlError(f"xml parse: more than {MAX_EQUALS} attributes or '=' characters")
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        # lxml's message can quote the document: only the position is kept.
        line, column = exc.position
        raise XmlError(f"xml parse: malformed XML at line {line}, column {column}") from None
    except (etree.LxmlError, ValueError) as exc:
        raise XmlError(f"xml parse: {type(exc).__name__}") from None
    docinfo = root.getroottree().docinfo
    # Catches what the byte check cannot see, e.g. a UTF-16 document.
    # (DocInfo.doctype is missing from lxml-stubs, hence the cast.)
    if cast(Any, docinfo).doctype or docinfo.internalDTD is not None:
        raise XmlError("xml parse: DOCTYPE is not allowed")
    plan = next((plan for plan in plans if plan.tag == root.tag), None)
    if plan is None:
        expected = " or ".join(p.tag for p in plans)
        raise XmlError(f"xml bind: root element is not {expected}{_root_named(root.tag)}")
    try:
        result: T = _bind(root, plan, plan.tag, _Budget())
    except C2PError:
        raise
    except Exception as exc:  # untrusted input boundary: nothing but C2PError may escape
        raise XmlError(f"xml bind: {plan.tag} could not be bound ({type(exc).__name__})") from None
    return result


class _Budget:
    """What one document may still bind: repeated items and unknown nodes (see the limits)."""

    __slots__ = ("list_items", "unknown_nodes")

    def __init__(self) -> None:
        self.list_items = MAX_LIST_ITEMS
        self.unknown_nodes = MAX_UNKNOWN_NODES


def _bind(element: etree._Element, plan: _Plan, path: str, budget: _Budget) -> Any:
    values: dict[str, Any] = {}
    for attribute in plan.attributes:
        raw = element.get(attribute.xml_name)
        if raw is not None:
            values[attribute.name] = _parse_scalar(raw, attribute, path)
    by_tag = plan.by_tag
    for child in element:
        spec = by_tag.get(child.tag)
        if spec is not None and spec.single_text and spec.name not in values and not len(child):
            # Fast path: the common single string element, first occurrence, no children.
            values[spec.name] = child.text or spec.empty_text
            continue
        if spec is None:
            _bind_unknown(element, child, plan, values, path, budget)
            continue
        if spec.is_list:
            budget.list_items -= 1
            if budget.list_items < 0:
                raise XmlError(
                    f"xml bind: more than {MAX_LIST_ITEMS} repeated elements in the document"
                    f" (at {path}.{spec.xml_name}, {_position(element, child)})"
                )
        if spec.plan is not None:
            value = _bind(child, spec.plan, f"{path}.{spec.xml_name}", budget)
        elif len(child):
            raise XmlError(f"xml bind: {path}.{spec.xml_name} must not contain elements")
        else:
            value = _parse_scalar(child.text or "", spec, path)
        if spec.is_list:
            values.setdefault(spec.name, []).append(value)
        elif spec.name in values:
            raise XmlError(f"xml bind: {path}.{spec.xml_name} appears more than once")
        else:
            values[spec.name] = value
    for spec in plan.required:
        if spec.name not in values:
            raise XmlError(f"xml bind: {path}.{spec.xml_name} is missing")
    return plan.cls(**values)


def _bind_unknown(
    parent: etree._Element,
    child: etree._Element,
    plan: _Plan,
    values: dict[str, Any],
    path: str,
    budget: _Budget,
) -> None:
    if not isinstance(child.tag, str):
        return
    if plan.wildcard is None:
        # The element's name comes from the (decrypted) document: say where, never what.
        raise XmlError(f"xml bind: {path} has an unexpected element ({_position(parent, child)})")
    values.setdefault(plan.wildcard.name, []).append(_any_element(child, path, budget))


def _position(parent: etree._Element, child: etree._Element) -> str:
    """Where ``child`` is, without its name: its number among the children, and its line."""
    return f"child {parent.index(child) + 1}, line {child.sourceline}"


def _parse_scalar(text: str, spec: _Field, path: str) -> object:
    kind = spec.kind
    if kind == _STR:
        return text or spec.empty_text
    if kind == _AMOUNT:
        assert spec.amount is not None
        return _parse_amount(text, spec.amount, f"{path}.{spec.xml_name}")
    if kind == _CARD:
        return _parse_card(text, spec, path)
    member = spec.enum_values.get(text.strip(_XML_WHITESPACE))
    if member is None:
        allowed = ", ".join(spec.enum_values)
        raise XmlError(f"xml bind: {path}.{spec.xml_name} is not one of {allowed}")
    return member


def _parse_amount(text: str, rule: _Amount, path: str) -> Decimal:
    text = text.strip(_XML_WHITESPACE)
    match = _AMOUNT_TEXT.fullmatch(text)
    if match is None:
        raise XmlError(f"xml bind: {path} is not a plain decimal amount")
    integer, fraction = match.groups()
    if fraction is not None and len(fraction) > rule.fraction_digits:
        raise XmlError(f"xml bind: {path} has more than {rule.fraction_digits} decimal places")
    if len(integer.lstrip("0")) > rule.integer_digits:
        raise XmlError(f"xml bind: {path} has more than {rule.integer_digits} integer digits")
    return Decimal(text)


def _parse_card(text: str, spec: _Field, path: str) -> CardData | None:
    assert spec.card is not None
    if not text.strip(_XML_WHITESPACE):
        return None  # an empty element is an absent value
    try:
        return spec.card(text)
    except ValidationError:
        # The value is not quoted: it is card data.
        raise XmlError(f"xml bind: {path}.{spec.xml_name} is not {spec.card.kind}") from None


def _any_element(element: etree._Element, path: str, budget: _Budget) -> AnyElement:
    """Mirror of what xsdata's parser builds for an element caught by a lax wildcard."""
    # Counted before anything is built (len() of lxml's attrib is cheap; its items() is not).
    budget.unknown_nodes -= 1 + len(element.attrib)
    if budget.unknown_nodes < 0:
        raise XmlError(
            f"xml bind: more than {MAX_UNKNOWN_NODES} unknown elements and attributes in the"
            f" document (under {path}, line {element.sourceline})"
        )
    children: list[object] = [
        _any_element(kid, path, budget) for kid in element if isinstance(kid.tag, str)
    ]
    text = element.text
    if children:
        text = _content(text)
    attributes = {str(key): str(value) for key, value in element.attrib.items()}
    for key, value in attributes.items():
        prefix, _, local = value.partition(":")
        if prefix and local and not local.startswith("//"):
            # xsdata expands QName-looking values whose prefix is in scope.
            namespace = element.nsmap.get(prefix)
            if namespace:
                attributes[key] = f"{{{namespace}}}{local}"
    return AnyElement(
        qname=str(element.tag),
        text="" if text is None else text,
        tail=_content(element.tail),
        children=children,
        attributes=attributes,
    )


def _content(value: str | None) -> str | None:
    return value if value and value.strip() else None


# A plain XML name without namespace, of bounded length.
_PLAIN_ROOT = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")


def _root_named(tag: object) -> str:
    """`` (got Name)`` for the root element's name, or nothing.

    Errors carry no document content, with this one exception: the NAME of the root element,
    so that a user who gets a verified answer with a root 2C2P never published (the card-token
    maintenance response root is not published) can report it. Only a plain XML name of at most
    64 characters, without namespace, is shown; any other root is not named.
    """
    if isinstance(tag, str) and _PLAIN_ROOT.fullmatch(tag):
        return f" (got {tag})"
    return ""

