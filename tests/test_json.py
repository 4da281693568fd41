"""The JSON binder: models declared with member(), a validating writer, a hardened reader.

Test-only models (named as such) exercise every facet and form the binder supports; the funds
models and 2C2P's samples are in test_funds.py. Hostile bodies are refused with ``JsonError``
(and nothing else) without quoting the document, and cap-sized ones stay within a small
multiple of their size on the heap.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import tracemalloc
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from c2p_action import Codec
from c2p_action.codec import (
    BodyFormat,
    Envelope,
    decode_message,
    encode_message,
    from_json,
    to_json,
)
from c2p_action.codec.json import (
    MAX_DEPTH,
    MAX_JSON_BYTES,
    MAX_LIST_ITEMS,
    MAX_STRUCTURAL,
    MAX_UNKNOWN_VALUES,
    JsonForm,
    extra_members,
    member,
)
from c2p_action.codec.messages import decode_body, encode_body
from c2p_action.errors import (
    C2PError,
    CodecError,
    ConfigurationError,
    JsonError,
    TokenFormatError,
    ValidationError,
)

SECRET = "S3CR3T-TEXT"  # must never appear in an error message

# --- test-only models -------------------------------------------------------------------------


@dataclass(kw_only=True, slots=True)
class Item:
    """Test-only: a list item with an aliased name and a string-or-boolean flag."""

    code: int = member("itemId", aliases=("itemID",), accepts=(JsonForm.STRING,), max_inclusive=999)
    flag: bool | None = member(
        "isOn", required=False, form=JsonForm.STRING, accepts=(JsonForm.BOOLEAN,)
    )
    extra: dict[str, Any] = extra_members()


@dataclass(kw_only=True, slots=True)
class Inner:
    """Test-only: a nested model without an extra mapping (unknown members are refused)."""

    label: str = member("label", max_length=8)


@dataclass(kw_only=True, slots=True)
class Everything:
    """Test-only: one member of every kind, form and facet."""

    name: str = member("name", min_length=2, max_length=10)
    note: str | None = member("note", required=False)
    amount: Decimal = member(
        "amount", accepts=(JsonForm.STRING,), total_digits=10, fraction_digits=2, min_exclusive=0
    )
    balance: Decimal | None = member(
        "balance",
        required=False,
        form=JsonForm.STRING,
        accepts=(JsonForm.NUMBER,),
        total_digits=8,
        fraction_digits=4,
        min_inclusive=-100,
    )
    count: int | None = member("count", required=False, min_inclusive=1, max_inclusive=500)
    code: int | None = member("code", required=False, form=JsonForm.STRING, total_digits=5)
    ref: str | None = member("ref", required=False, form=JsonForm.NUMBER)
    active: bool | None = member("active", required=False)
    legacy: bool | None = member("legacy", required=False, form=JsonForm.STRING)
    inner: Inner | None = member("inner", required=False)
    items: list[Item] = member("items", required=False, list_of=True)
    tags: list[str] = member("tags", required=False, list_of=True, max_length=4)
    extra: dict[str, Any] = extra_members()


@dataclass(kw_only=True, slots=True)
class Strict:
    """Test-only: no extra mapping, one required member."""

    version: str = member("version")


def everything(**overrides: Any) -> Everything:
    values: dict[str, Any] = {
        "name": "Alice",
        "note": 'ünïcödé "quoted" \\ \n',
        "amount": Decimal("100.00"),
        "balance": Decimal("12.5"),
        "count": 3,
        "code": 42,
        "ref": "691012",
        "active": True,
        "legacy": False,
        "inner": Inner(label="in"),
        "items": [Item(code=3, flag=True), Item(code=4)],
        "tags": ["a", "bc"],
        "extra": {"future": {"list": [1, Decimal("2.50"), None, True, "x"]}},
    }
    values.update(overrides)
    return Everything(**values)


def parse(document: bytes) -> Any:
    return json.loads(document, parse_float=Decimal)


# --- writer -------------------------------------------------------------------------------------


def test_writer_output_is_compact_ordered_and_uses_each_members_form() -> None:
    expected = (
        '{"name":"Alice","note":"ünïcödé \\"quoted\\" \\\\ \\n","amount":100,'
        '"balance":"12.5000","count":3,"code":"42","ref":691012,"active":true,"legacy":"0",'
        '"inner":{"label":"in"},"items":[{"itemId":3,"isOn":"1"},{"itemId":4}],'
        '"tags":["a","bc"],"future":{"list":[1,2.50,null,true,"x"]}}'
    )
    assert to_json(everything()) == expected.encode()


def test_round_trip_keeps_every_value_and_unknown_member() -> None:
    model = everything()
    again = from_json(to_json(model), Everything)
    assert again == model
    assert again.extra["future"]["list"][1] == Decimal("2.50")
    assert to_json(again) == to_json(model)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("100.00"), "100"),
        (Decimal("99.50"), "99.5"),
        (Decimal("0.01"), "0.01"),
        (Decimal("1E+2"), "100"),
        (Decimal("-0"), "0"),
        (7, "7"),
        (Decimal("99999999.99"), "99999999.99"),
    ],
)
def test_number_amounts_are_written_in_their_shortest_exact_form(
    value: Decimal | int, written: str
) -> None:
    if value == 0:
        model = everything(amount=Decimal("1"), balance=value)
        assert b'"balance":"0.0000"' in to_json(model)
        return
    assert f'"amount":{written},'.encode() in to_json(everything(amount=value))


def test_minimal_model_leaves_optional_members_out() -> None:
    model = Everything(name="Al", amount=Decimal("0.01"))
    assert to_json(model) == b'{"name":"Al","amount":0.01}'
    assert from_json(to_json(model), Everything) == model


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": None}, r"Everything\.name: required member is missing"),
        ({"name": "A"}, r"Everything\.name: shorter than 2"),
        ({"name": "A" * 11}, r"Everything\.name: longer than 10"),
        ({"name": 12}, r"Everything\.name: expected a string"),
        ({"note": "bad \ud800"}, r"Everything\.note: contains a lone surrogate"),
        ({"amount": 1.5}, r"Everything\.amount: amounts must be Decimal, not float"),
        ({"amount": True}, r"Everything\.amount: amounts must be Decimal, not bool"),
        ({"amount": "1.00"}, r"Everything\.amount: amounts must be Decimal, not str"),
        ({"amount": Decimal("NaN")}, r"Everything\.amount: NaN is not a finite amount"),
        ({"amount": Decimal("Infinity")}, r"Everything\.amount: Infinity is not a finite"),
        ({"amount": Decimal("1.001")}, r"Everything\.amount: 1\.001 has more than 2 decimal"),
        ({"amount": Decimal("100000000")}, r"has more than 8 integer digits"),
        ({"amount": Decimal("1e999999")}, r"has more than 8 integer digits"),
        ({"amount": Decimal("0")}, r"Everything\.amount: 0 must be greater than 0"),
        ({"amount": Decimal("-5")}, r"Everything\.amount: -5 must be greater than 0"),
        ({"balance": Decimal("-100.0001")}, r"Everything\.balance: .* must be at least -100"),
        ({"balance": Decimal("1.00001")}, r"Everything\.balance: .* more than 4 decimal"),
        ({"count": 0}, r"Everything\.count: 0 must be at least 1"),
        ({"count": 501}, r"Everything\.count: 501 must be at most 500"),
        ({"count": True}, r"Everything\.count: expected an int, not bool"),
        ({"count": 2.0}, r"Everything\.count: expected an int, not float"),
        ({"code": 123456}, r"Everything\.code: 123456 has more than 5 integer digits"),
        ({"ref": "69-10"}, r"Everything\.ref: must be digits to be written as a JSON number"),
        ({"active": 1}, r"Everything\.active: expected a bool"),
        ({"legacy": "1"}, r"Everything\.legacy: expected a bool"),
        ({"inner": {"label": "x"}}, r"Everything\.inner: expected Inner"),
        ({"inner": Inner(label="too long a label")}, r"Everything\.inner\.label: longer than 8"),
        ({"items": (Item(code=1),)}, r"Everything\.items: expected a list"),
        ({"items": [None]}, r"Everything\.items\[0\]: list items cannot be None"),
        ({"items": [Item(code=1000)]}, r"Everything\.items\[0\]\.itemId: 1000 must be at most"),
        ({"tags": ["abcde"]}, r"Everything\.tags\[0\]: longer than 4"),
        ({"extra": {"amount": 1}}, r"Everything\.extra: member #1 clashes with a declared"),
        ({"extra": {1: "x"}}, r"Everything\.extra: member #1 has a name that is not a string"),
        ({"extra": {"x": 1.5}}, r"Everything\.extra\[#1\]: float is not a JSON value"),
        ({"extra": {"x": Decimal("NaN")}}, r"Everything\.extra\[#1\]: NaN is not a finite"),
        ({"extra": {"x": Decimal("1e999999")}}, r"Everything\.extra\[#1\]: a number beyond"),
        ({"extra": {"x": {2: 1}}}, r"object member names must be strings"),
        ({"extra": {"x": "\udfff"}}, r"Everything\.extra\[#1\]: contains a lone surrogate"),
        ({"extra": ["x"]}, r"Everything\.extra: expected a dict of unknown members"),
    ],
)
def test_writer_refuses_our_own_bad_input(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as raised:
        to_json(everything(**overrides))
    assert not isinstance(raised.value, CodecError)


def test_writer_refuses_unknown_members_nested_too_deep() -> None:
    deep: object = "leaf"
    for _ in range(MAX_DEPTH):
        deep = [deep]
    with pytest.raises(ValidationError, match=f"nested deeper than {MAX_DEPTH}"):
        to_json(everything(extra={"x": deep}))
    assert to_json(everything(extra={"x": deep[0]}))  # type: ignore[index]


def test_writer_never_echoes_free_text() -> None:
    for overrides in (
        {"name": SECRET * 2},
        {"note": SECRET + "\ud800"},
        {"name": 5},
        {"extra": {SECRET: 1.0}},
        {"extra": {"amount": SECRET}},
    ):
        with pytest.raises(ValidationError) as raised:
            to_json(everything(**overrides))
        assert SECRET not in str(raised.value)


@pytest.mark.parametrize("value", [None, "text", 5, Everything, {"a": 1}])
def test_writer_takes_only_model_instances(value: object) -> None:
    with pytest.raises(ValidationError, match="expected a message model"):
        to_json(value)


# --- declaring models ---------------------------------------------------------------------------


def _model(annotation: str, field: Any) -> type[Any]:
    namespace: dict[str, Any] = {"__annotations__": {"x": annotation}, "x": field}
    cls = type("Declared", (), namespace)
    cls.__module__ = __name__
    return dataclass(kw_only=True)(cls)


@pytest.mark.parametrize(
    ("annotation", "field", "message"),
    [
        ("str", member("x", pattern="[a-z]+"), r"unsupported facets \['pattern'\]"),
        ("str", member("x", total_digits=3), "is a string: no number facets"),
        ("Decimal", member("x"), "needs total_digits and fraction_digits"),
        ("Decimal", member("x", total_digits=5, fraction_digits=2, max_length=3), "no length"),
        ("int", member("x", fraction_digits=2), "is an integer: no fraction_digits"),
        ("bool", member("x", form="number"), "cannot be written or read in those forms"),
        ("bool", member("x", max_length=1), "is a boolean: no facets"),
        ("str", member("x", form="date"), "names an unknown JSON form"),
        ("float", member("x"), "unsupported type"),
        ("str | int", member("x"), "unsupported union type"),
        ("Inner", member("x", form="string"), "is a nested model: no facets or forms"),
        ("str", member(""), "needs a member name"),
        ("str", dataclasses.field(default=None), "is not declared with member()"),
        (
            "str",
            dataclasses.field(default=None, metadata={"json": {"name": "x"}}),
            "is required but defaults to None",
        ),
        ("Undefined", member("x"), "unresolvable type hints"),
    ],
)
def test_model_declarations_the_binder_cannot_honour_are_refused(
    annotation: str, field: Any, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        to_json(_model(annotation, field)(x="1"))


def test_a_name_declared_twice_is_refused() -> None:
    @dataclass(kw_only=True)
    class Twice:
        a: str = member("a")
        b: str = member("b", aliases=("a",))

    with pytest.raises(ConfigurationError, match="declares 'a' twice"):
        from_json(b"{}", Twice)


def test_a_class_that_is_not_a_model_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="is not a message model class"):
        from_json(b"{}", dict)


# --- reader: forms, aliases, unknown members --------------------------------------------------


def test_reader_accepts_each_declared_form() -> None:
    model = from_json(
        b'{"name":"Al","amount":"25.50","balance":7,"code":"00042","ref":12,'
        b'"legacy":"1","items":[{"itemID":"7","isOn":false},{"itemId":8,"isOn":"0"}]}',
        Everything,
    )
    assert model.amount == Decimal("25.50")
    assert model.balance == Decimal(7)
    assert (model.code, model.ref, model.legacy) == (42, "12", True)
    assert [(i.code, i.flag) for i in model.items] == [(7, False), (8, False)]


def test_null_is_an_absent_member() -> None:
    model = from_json(b'{"name":"Al","amount":1,"note":null,"items":null,"inner":null}', Everything)
    assert (model.note, model.items, model.inner) == (None, [], None)
    with pytest.raises(JsonError, match=r"Everything\.name is missing"):
        from_json(b'{"name":null,"amount":1}', Everything)


def test_unknown_members_are_kept_with_exact_numbers() -> None:
    model = from_json(
        b'{"name":"Al","amount":1,"newField":{"rate":0.10,"n":12345678901234567890,'
        b'"deep":[[{"x":"1e3"}]]},"flag":false}',
        Everything,
    )
    assert model.extra == {
        "newField": {"rate": Decimal("0.10"), "n": 12345678901234567890, "deep": [[{"x": "1e3"}]]},
        "flag": False,
    }
    assert isinstance(model.extra["newField"]["rate"], Decimal)


def test_member_order_is_not_significant() -> None:
    first = from_json(b'{"amount":1,"name":"Al","count":2}', Everything)
    assert first == from_json(b'{"count":2,"name":"Al","amount":1}', Everything)


def test_a_utf8_byte_order_mark_is_skipped() -> None:
    assert from_json(b'\xef\xbb\xbf{"version":"1"}', Strict) == Strict(version="1")


def test_json_through_the_message_layer_and_the_jws_envelope(
    merchant_codec: Codec, gateway_codec: Codec
) -> None:
    model = everything()
    assert encode_body(model, BodyFormat.JSON) == to_json(model)
    assert decode_body(to_json(model), Everything, BodyFormat.JSON) == model
    with pytest.raises(ConfigurationError, match="one model class"):
        decode_body(to_json(model), [Everything], BodyFormat.JSON)
    token = encode_message(merchant_codec, model, envelope=Envelope.JWS, body=BodyFormat.JSON)
    assert (
        decode_message(
            gateway_codec, token, Everything, envelope=Envelope.JWS, body=BodyFormat.JSON
        )
        == model
    )
    with pytest.raises(TokenFormatError, match="JWS only"):
        gateway_codec.verify_payload(merchant_codec.seal(to_json(model)))


# --- reader: hostile and off-schema bodies ------------------------------------------------------


def _nested(depth: int) -> bytes:
    return b'{"name":"Al","amount":1,"x":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


_REFUSED: list[Any] = [
    # duplicate members
    pytest.param(
        b'{"name":"Al","name":"Bob","amount":1}',
        "'name' appears more than once",
        id="duplicate-known",
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"' + SECRET.encode() + b'":1,"' + SECRET.encode() + b'":2}',
        "an unknown member appears more than once",
        id="duplicate-unknown-not-named",
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"items":[{"itemId":1,"itemID":2}]}',
        r"items\[0\]\.itemId appears more than once",
        id="duplicate-through-alias",
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"x":{"a":{"b":1,"b":1}}}',
        "appears more than once",
        id="duplicate-deep-inside-unknown",
    ),
    # nesting
    pytest.param(_nested(MAX_DEPTH + 1), f"nested deeper than {MAX_DEPTH}", id="depth-33"),
    pytest.param(b"[" * 20_000 + b"]" * 20_000, "nested deeper", id="depth-20k"),
    pytest.param(b"[" * 200_000 + b"]" * 200_000, "more than 25000", id="depth-200k"),
    pytest.param(b'{"x":"' + b'\\"' * 300_000, "Unterminated string", id="escaped-quotes"),
    pytest.param(b"[]" * 20_000, "Extra data", id="siblings-without-commas"),
    pytest.param(b'["' + b'"]["' * 8_000 + b'"]', "Extra data", id="strings-and-brackets"),
    pytest.param(b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "more than 25000", id="depth-objects"),
    pytest.param(
        b'{"x":"' + b"[" * 100 + b'"' + b"]" * 40 + b"}",
        "malformed|Expecting|Extra",
        id="brackets-inside-a-string-then-junk",
    ),
    # numbers
    pytest.param(b'{"name":"Al","amount":1e999999}', "a number beyond 1e40", id="1e999999"),
    pytest.param(b'{"name":"Al","amount":1e-999999}', "a number beyond 1e40", id="1e-999999"),
    pytest.param(b'{"name":"Al","amount":1E+41}', "a number beyond 1e40", id="1e41"),
    pytest.param(
        b'{"name":"Al","amount":1' + b"0" * 100_000 + b"}",
        "a number longer than 40 characters",
        id="100k-digit-integer",
    ),
    pytest.param(
        b'{"name":"Al","amount":0.' + b"0" * 50 + b"1}",
        "a number longer than 40 characters",
        id="long-fraction",
    ),
    pytest.param(b'{"name":"Al","amount":NaN}', "NaN and Infinity", id="nan"),
    pytest.param(b'{"name":"Al","amount":Infinity}', "NaN and Infinity", id="infinity"),
    pytest.param(b'{"name":"Al","amount":-Infinity}', "NaN and Infinity", id="minus-infinity"),
    pytest.param(b'{"name":"Al","amount":"NaN"}', "not a plain decimal amount", id="nan-string"),
    pytest.param(b'{"name":"Al","amount":"1e3"}', "not a plain decimal amount", id="exp-string"),
    pytest.param(b'{"name":"Al","amount":" 1.00"}', "not a plain decimal amount", id="space"),
    pytest.param(b'{"name":"Al","amount":"+1.00"}', "not a plain decimal amount", id="plus"),
    pytest.param(b'{"name":"Al","amount":"0x10"}', "not a plain decimal amount", id="hex"),
    pytest.param(b'{"name":"Al","amount":1.001}', "more than 2 decimal places", id="decimals"),
    pytest.param(
        b'{"name":"Al","amount":123456789}', "more than 8 integer digits", id="integer-digits"
    ),
    pytest.param(b'{"name":"Al","amount":-1}', "must be greater than 0", id="negative"),
    pytest.param(b'{"name":"Al","amount":0}', "must be greater than 0", id="zero"),
    pytest.param(b'{"name":"Al","amount":01}', "Expecting", id="leading-zero"),
    pytest.param(
        b'{"name":"Al","amount":1,"count":2.0}',
        "count is not a whole number",
        id="int-from-float-literal",
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"count":1e2}',
        "count is not a whole number",
        id="int-from-exponent",
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"count":600}', "count must be at most 500", id="int-bound"
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"code":"-4"}',
        "code is not a whole number",
        id="int-string-negative",
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"code":"00x"}', "code is not a whole number", id="int-string-junk"
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"ref":1.5}',
        "ref is not a whole number",
        id="string-from-fraction",
    ),
    # booleans, strictly
    pytest.param(
        b'{"name":"Al","amount":1,"active":"true"}',
        "active is not true or false",
        id="bool-string-true",
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"active":1}', "active is not true or false", id="bool-number"
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"legacy":"Y"}', r'legacy is not a boolean \("1"', id="bool-Y"
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"legacy":"2"}', r'legacy is not a boolean \("1"', id="bool-2"
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"legacy":true}',
        "legacy is not a string",
        id="bool-not-accepted-form",
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"items":[{"itemId":1,"isOn":1}]}',
        r"isOn is not a string or true or false|isOn is not true or false or a string",
        id="item-flag-number",
    ),
    # wrong types
    pytest.param(b'{"name":5,"amount":1}', "name is not a string", id="string-as-number"),
    pytest.param(b'{"name":["Al"],"amount":1}', "name is not a string", id="string-as-array"),
    pytest.param(
        b'{"name":"Al","amount":true}', "amount is not a number or a string", id="amount-as-bool"
    ),
    pytest.param(
        b'{"name":"Al","amount":{}}', "amount is not a number or a string", id="amount-as-object"
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"balance":true}',
        "balance is not a number or a str",
        id="balance-as-bool",
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"inner":"x"}', "inner is not an object", id="model-as-string"
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"items":{"itemId":1}}',
        "items is not an array",
        id="list-as-object",
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"items":[null]}', r"items\[0\] is null", id="null-in-list"
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"items":[{}]}',
        r"items\[0\]\.itemId is missing",
        id="item-missing-required",
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"inner":{"label":"a","' + SECRET.encode() + b'":1}}',
        r"Everything\.inner has an unexpected member \(#2\)",
        id="unknown-without-extra",
    ),
    pytest.param(b'{"amount":1}', r"Everything\.name is missing", id="missing-required"),
    # strings
    pytest.param(
        b'{"name":"\\ud800","amount":1}', "name holds a lone surrogate", id="lone-surrogate"
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"x":["\\udc00"]}',
        "holds a lone surrogate",
        id="lone-surrogate-in-unknown",
    ),
    pytest.param(
        b'{"name":"Al","amount":1,"\\ud800":1}',
        "holds a lone surrogate",
        id="lone-surrogate-in-unknown-name",
    ),
    pytest.param(
        b'{"name":"A\x01l","amount":1}', "Invalid control character", id="raw-control-character"
    ),
    # encodings and framing
    pytest.param(b'{"name":"\xff","amount":1}', r"not UTF-8 \(byte 9\)", id="invalid-utf8"),
    pytest.param(b'{"name":"\xc3","amount":1}', "not UTF-8", id="truncated-utf8"),
    pytest.param('{"name":"Al","amount":1}'.encode("utf-16"), "not UTF-8", id="utf16-bom"),
    pytest.param('{"name":"Al","amount":1}'.encode("utf-16-le"), "Expecting", id="utf16-no-bom"),
    pytest.param('{"name":"Al","amount":1}'.encode("utf-32"), "not UTF-8", id="utf32"),
    pytest.param(b"\xef\xbb\xbf\xef\xbb\xbf{}", "Unexpected UTF-8 BOM|Expecting", id="two-boms"),
    pytest.param(b"", "Expecting value", id="empty"),
    pytest.param(b"   ", "Expecting value", id="blank"),
    pytest.param(b'{"name":"Al","amount":1} {}', "Extra data", id="two-documents"),
    # The stdlib parser's words: 3.13 names the trailing comma, earlier versions do not.
    pytest.param(
        b'{"name":"Al","amount":1,}',
        "Expecting property name|Illegal trailing comma",
        id="trailing-comma",
    ),
    pytest.param(b"{'name':'Al'}", "Expecting property name", id="single-quotes"),
    pytest.param(b'{"name":"Al","amount":1 /* c */}', "Expecting", id="comment"),
    # top level
    pytest.param(b"[]", "the top level is not an object", id="top-array"),
    pytest.param(b'"x"', "the top level is not an object", id="top-string"),
    pytest.param(b"1", "the top level is not an object", id="top-number"),
    pytest.param(b"null", "the top level is not an object", id="top-null"),
    pytest.param(b"true", "the top level is not an object", id="top-true"),
]


@pytest.mark.parametrize(("document", "message"), _REFUSED)
def test_hostile_and_off_schema_bodies_are_refused(document: bytes, message: str) -> None:
    with pytest.raises(JsonError, match=message) as raised:
        from_json(document, Everything)
    assert SECRET not in str(raised.value)
    assert len(str(raised.value)) < 200


def test_nesting_at_the_limit_is_accepted() -> None:
    model = from_json(_nested(MAX_DEPTH), Everything)
    depth, value = 2, model.extra["x"]
    while value:
        value, depth = value[0], depth + 1
    assert depth == MAX_DEPTH


def test_the_size_cap_applies_before_parsing() -> None:
    body = b'{"version":"' + b"v" * 100 + b'"}'
    assert from_json(body, Strict, max_bytes=len(body)).version == "v" * 100
    with pytest.raises(JsonError, match=f"{len(body)} bytes, over the limit of {len(body) - 1}"):
        from_json(body, Strict, max_bytes=len(body) - 1)
    with pytest.raises(JsonError, match=f"over the limit of {MAX_JSON_BYTES}"):
        from_json(b" " * (MAX_JSON_BYTES + 1), Strict)


@dataclass(kw_only=True, slots=True)
class _StrictExtra:
    """Test-only: one member and an extra mapping."""

    version: str = member("version")
    extra: dict[str, Any] = extra_members()


def test_structural_characters_are_counted_before_parsing() -> None:
    # At the limit the parser runs (and the unknown-value budget refuses the list); one more
    # separator and it never runs.
    allowed = b'{"version":"1","x":[' + b"0," * (MAX_STRUCTURAL - 5) + b"0]}"
    structural = sum(allowed.count(c) for c in (b",", b":", b"[", b"{"))
    assert structural == MAX_STRUCTURAL
    with pytest.raises(JsonError, match="unknown values"):
        from_json(allowed, _StrictExtra)
    with pytest.raises(JsonError, match=f"more than {MAX_STRUCTURAL} ',' ':' '\\[' '{{'"):
        from_json(allowed.replace(b"[", b"[0,", 1), _StrictExtra)


def test_unknown_values_are_bounded() -> None:
    at_limit = b'{"version":"1","x":[' + b",".join([b"1"] * (MAX_UNKNOWN_VALUES - 1)) + b"]}"
    assert len(from_json(at_limit, _StrictExtra).extra["x"]) == MAX_UNKNOWN_VALUES - 1
    over = at_limit.replace(b"[", b"[1,", 1)
    with pytest.raises(JsonError, match=f"more than {MAX_UNKNOWN_VALUES} unknown values"):
        from_json(over, _StrictExtra)
    with pytest.raises(JsonError, match="unknown values"):
        from_json(
            b'{"version":"1",'
            + b",".join(b'"k%d":1' % i for i in range(MAX_UNKNOWN_VALUES + 1))
            + b"}",
            _StrictExtra,
        )


def test_list_items_are_bounded() -> None:
    tags = b",".join([b'"t"'] * MAX_LIST_ITEMS)
    body = b'{"name":"Al","amount":1,"tags":[' + tags + b"]}"
    assert len(from_json(body, Everything).tags) == MAX_LIST_ITEMS
    with pytest.raises(JsonError, match=f"more than {MAX_LIST_ITEMS} list items"):
        from_json(body.replace(b"[", b'["t",', 1), Everything)


@pytest.mark.parametrize("data", ['{"version":"1"}', bytearray(b'{"version":"1"}'), None, 5])
def test_reader_input_types(data: object) -> None:
    if isinstance(data, bytearray):
        assert from_json(data, Strict).version == "1"  # type: ignore[arg-type]
        return
    with pytest.raises(JsonError, match="expected bytes"):
        from_json(data, Strict)  # type: ignore[arg-type]


# --- memory -----------------------------------------------------------------------------------


def _cap_sized_hostile_bodies() -> list[bytes]:
    cap = MAX_JSON_BYTES
    fill = cap - 64
    return [
        b"[" * fill,  # deep nesting
        b'{"name":"Al","amount":1,"x":"' + b"a" * fill + b'"}',  # one huge string
        b'{"name":"Al","amount":1,"x":"' + "é".encode() * (fill // 2) + b'"}',  # non-ASCII
        b'{"name":"Al","amount":1,"x":"' + "\U0001f600".encode() * (fill // 4) + b'"}',
        b'{"name":"Al","amount":' + b"9" * fill + b"}",  # one huge number
        b'{"name":"Al","amount":1,"x":[' + b"[]," * (MAX_STRUCTURAL - 10) + b"[]]}",
        b'{"name":"Al","amount":1,"x":[' + b'"' + b"a" * 36 + b'",' * 24_000 + b"1]}",
        b'{"name":"Al","amount":1,"x":['
        + b"0.00000000000000000000000000001," * 24_000
        + b"0]}",  # many exact numbers, each a Decimal
        b'{"name":"Al","amount":1,"x":{'
        + b",".join(b'"%06d":"' % i + b"v" * 20 + b'"' for i in range(12_000))
        + b"}}",
        b'{"a":' * 12_000 + b"1" + b"}" * 12_000,  # deep objects under the separator cap
        b'{"name":"Al","amount":1,"x":"' + b"\\u0041" * (fill // 6) + b'"}',  # escapes
        b"\xef\xbb\xbf" + b" " * fill + b"{}",
    ]


def test_cap_sized_hostile_bodies_stay_within_a_small_multiple_of_the_cap() -> None:
    bodies = [body[:MAX_JSON_BYTES] for body in _cap_sized_hostile_bodies()]

    def run() -> int:
        worst = 0
        for body in bodies:
            start = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            with contextlib.suppress(C2PError):
                from_json(body, Everything)
            worst = max(worst, tracemalloc.get_traced_memory()[1] - start)
        return worst

    run()  # warm-up: plans compile once
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        peak = max(run() for _ in range(2))
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert retained < MAX_JSON_BYTES // 8, f"heap grew by {retained} bytes"
    # The body, its decoded text and what the parser builds for ~25,000 values at most.
    assert peak < 8 * MAX_JSON_BYTES, f"one body needed {peak} bytes"


def test_no_hostile_body_escapes_as_anything_but_json_error() -> None:
    for body in _cap_sized_hostile_bodies():
        try:
            from_json(body, Everything)
        except JsonError:
            continue
        except Exception as exc:  # pragma: no cover - the failure being tested for
            pytest.fail(f"{type(exc).__name__} escaped")
