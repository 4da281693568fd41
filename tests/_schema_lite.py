"""The JSON Schema keywords the conformance report's schema uses, checked (no tests here).

No JSON Schema library is a dependency; this covers exactly ``$ref`` (local), ``type``,
``const``, ``enum``, ``required``, ``properties``, ``additionalProperties`` and ``items``,
and refuses any other keyword so the schema cannot silently outgrow it.
"""

from __future__ import annotations

from typing import Any

_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}
_KNOWN = {
    "$schema",
    "$id",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "const",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
}


def _is(instance: object, kind: str) -> bool:
    if kind == "integer":
        return isinstance(instance, int) and not isinstance(instance, bool)
    if kind == "number":
        return isinstance(instance, int | float) and not isinstance(instance, bool)
    return isinstance(instance, _TYPES[kind])


def validate(
    instance: object, schema: dict[str, Any], root: dict[str, Any] | None = None, path: str = "$"
) -> None:
    """Raise ``AssertionError`` naming the path where ``instance`` breaks ``schema``."""
    root = schema if root is None else root
    unknown = set(schema) - _KNOWN
    assert not unknown, f"schema keyword(s) {unknown} not supported at {path}"
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        validate(instance, target, root, path)
        return
    if "const" in schema:
        assert instance == schema["const"], f"{path}: {instance!r} != {schema['const']!r}"
    if "enum" in schema:
        assert instance in schema["enum"], f"{path}: {instance!r} not in {schema['enum']}"
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        assert any(_is(instance, k) for k in kinds), f"{path}: {instance!r} is not {kinds}"
    if isinstance(instance, dict):
        for name in schema.get("required", []):
            assert name in instance, f"{path}: missing {name!r}"
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, value in instance.items():
            if name in properties:
                validate(value, properties[name], root, f"{path}.{name}")
            elif extra is False:
                raise AssertionError(f"{path}: unexpected {name!r}")
            elif isinstance(extra, dict):
                validate(value, extra, root, f"{path}.{name}")
    if isinstance(instance, list) and "items" in schema:
        for index, item in enumerate(instance):
            validate(item, schema["items"], root, f"{path}[{index}]")
