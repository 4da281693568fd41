"""Every public class, function, method and property of the library has a docstring.

Public means: named in the ``__all__`` of a module whose dotted path has no ``_``-prefixed
part, or a method or property of such a class whose name does not start with ``_``. Members
inherited from outside the library (``StrEnum``, ``Exception``, ``rsa.RSAPrivateKey`` ...)
are theirs, not ours.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType

import c2p_action

OPTIONAL = {"aiohttp", "pkcs11", "boto3"}  # extras: their modules import them lazily


def _public_modules() -> Iterator[ModuleType]:
    yield c2p_action
    for info in pkgutil.walk_packages(c2p_action.__path__, "c2p_action."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        yield importlib.import_module(info.name)


def _ours(obj: object) -> bool:
    return (getattr(obj, "__module__", "") or "").startswith("c2p_action")


def _undocumented() -> Iterator[str]:
    seen: set[int] = set()
    for module in _public_modules():
        if not (module.__doc__ or "").strip():
            yield f"module {module.__name__}"
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if id(value) in seen or not _ours(value):
                continue
            seen.add(id(value))
            if (inspect.isclass(value) or inspect.isfunction(value)) and not (
                value.__doc__ or ""
            ).strip():
                yield f"{module.__name__}.{name}"
            if inspect.isclass(value) and not issubclass(value, enum.Enum):
                yield from _undocumented_members(value)


def _undocumented_members(cls: type) -> Iterator[str]:
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        function = member.fget if isinstance(member, property) else member
        if isinstance(function, staticmethod | classmethod):
            function = function.__func__
        if inspect.isfunction(function) and not (function.__doc__ or "").strip():
            yield f"{cls.__module__}.{cls.__qualname__}.{name}"


def test_every_public_name_has_a_docstring() -> None:
    missing = sorted(set(_undocumented()))
    assert not missing, "undocumented public names:\n" + "\n".join(missing)


def test_the_walk_sees_the_public_api() -> None:
    # Guard against a walk that silently finds nothing.
    names = {module.__name__ for module in _public_modules()}
    assert {"c2p_action.client", "c2p_action.codec", "c2p_action.operations"} <= names
