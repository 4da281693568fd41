"""One plugin manager per client or configuration, with typed getters around pluggy.

There is no module-global registry: each :class:`PluginManager` registers the built-in plugin
modules listed in :data:`BUILTIN_PLUGINS`, then the allow-listed third-party plugins, and
collects what their hooks register. Callers use the typed methods, never ``pm.hook``.

Third-party plugins
    Distributions declare entry points in the ``c2p_action`` group::

        [project.entry-points.c2p_action]
        myplugin = "my_package.c2p_plugin"

    They load only when the distribution is allowed: named in ``C2P_ACTION_PLUGINS``
    (comma-separated distribution names, compared case- and ``-``/``_``-insensitively), or in
    ``PluginManager(allow=[...])``. Unset or empty loads none: installing a package is not
    consent to run it inside a payment client. What a plugin registers is known only by running
    it, so a name nobody provides is reported with the installed distributions that declare
    ``c2p_action`` entry points but are not allowed, and how to allow them.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import os
import re
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, TypeAlias

import pluggy

from c2p_action.errors import ConfigurationError
from c2p_action.plugins import hookspecs
from c2p_action.plugins.hookspecs import (
    PROJECT_NAME,
    AsyncTransportFactory,
    KeyProvider,
    SyncTransportFactory,
)
from c2p_action.transports.base import AsyncTransport, Transport, TransportOptions

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

__all__ = [
    "ALLOW_ENV",
    "BUILTIN_PLUGINS",
    "DEFAULT_KEY_SCHEME",
    "ENTRY_POINT_GROUP",
    "PluginManager",
    "allowed_distributions",
    "split_scheme",
]

# Built-in plugin modules, registered in this order. An extra's plugin goes here in one line;
# if importing it fails for lack of its optional dependency it is skipped and the reason is
# reported when someone asks for what it would have provided.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "c2p_action.plugins.builtin",
    "c2p_action.plugins.pkcs11",
    "c2p_action.plugins.kms",
)

ENTRY_POINT_GROUP = "c2p_action"
ALLOW_ENV = "C2P_ACTION_PLUGINS"
#: The provider a key reference with no scheme (a plain path) goes to.
DEFAULT_KEY_SCHEME = "file"

_Factories: TypeAlias = tuple[SyncTransportFactory | None, AsyncTransportFactory | None]

# Two or more characters, so a Windows drive letter ("C:\\keys\\k.pem") stays a path.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def split_scheme(uri: str) -> str | None:
    """The lower-cased URI scheme of a key reference, or ``None`` for a plain path."""
    match = _SCHEME.match(uri)
    return match.group(1).lower() if match else None


def _normalize(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def allowed_distributions(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The distributions ``C2P_ACTION_PLUGINS`` allows (normalized names)."""
    raw = (os.environ if environ is None else environ).get(ALLOW_ENV, "")
    return frozenset(_normalize(part.strip()) for part in raw.split(",") if part.strip())


class PluginManager:
    """Built-in and allow-listed plugins for one client or configuration.

    ``allow`` lists the distributions (``pip`` names, e.g. ``["c2p-action-httpx"]``) whose
    ``c2p_action`` entry points may load: ``PluginManager(allow=["c2p-action-httpx"])``, then
    ``Client(..., plugins=manager)``. ``allow=()`` loads no third-party plugin whatever the
    environment says (tests use it). ``None`` (the default, and what a client creates when given
    no manager) reads ``C2P_ACTION_PLUGINS`` now, not later, so a running client never changes
    under you. Naming a distribution that is not installed, or that declares no ``c2p_action``
    entry point, is a :class:`~c2p_action.errors.ConfigurationError`.

    Attributes: ``loaded_distributions`` (normalized names of the third-party distributions
    loaded), ``not_allowed`` (installed distributions with ``c2p_action`` entry points that were
    not allowed, mapped to their entry point names; nothing of theirs was imported) and
    ``unavailable`` (built-in plugins skipped for a missing optional dependency, with why).
    """

    def __init__(self, *, allow: Iterable[str] | None = None) -> None:
        self._pm = pluggy.PluginManager(PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self.unavailable: dict[str, str] = {}
        self.loaded_distributions: tuple[str, ...] = ()
        self.not_allowed: dict[str, tuple[str, ...]] = {}
        self._transports: dict[str, _Factories]
        self._key_providers: dict[str, KeyProvider]
        for module_name in BUILTIN_PLUGINS:
            module = self._import_builtin(module_name)
            if module is not None:
                self._pm.register(module, name=module_name)
        allowed = (
            allowed_distributions()
            if allow is None
            else frozenset(_normalize(name) for name in allow)
        )
        self._load_entry_points(allowed)
        self._collect()

    def _import_builtin(self, module_name: str) -> ModuleType | None:
        try:
            return importlib.import_module(module_name)
        except ImportError as exc:
            if exc.name == module_name:
                raise  # a typo in BUILTIN_PLUGINS is a bug, not a missing extra
            self.unavailable[module_name] = str(exc)
        except ConfigurationError as exc:
            self.unavailable[module_name] = str(exc)
        return None

    def _load_entry_points(self, allowed: frozenset[str]) -> None:
        loaded: list[str] = []
        skipped: dict[str, set[str]] = {}
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = entry_point.dist.name if entry_point.dist is not None else ""
            if _normalize(dist) not in allowed:
                # Read from the metadata only: nothing of a distribution that is not allowed runs.
                skipped.setdefault(dist, set()).add(entry_point.name)
                continue
            try:
                plugin = entry_point.load()
            except Exception as exc:
                raise ConfigurationError(
                    f"plugin {entry_point.name!r} from {dist} failed to load: {exc}"
                ) from exc
            self._pm.register(plugin, name=f"{dist}:{entry_point.name}")
            loaded.append(_normalize(dist))
        missing = sorted(allowed - set(loaded))
        if missing:
            raise ConfigurationError(
                f"{ALLOW_ENV} names {', '.join(missing)}, but no installed distribution of that "
                f"name provides {ENTRY_POINT_GROUP!r} entry points"
            )
        self.loaded_distributions = tuple(sorted(set(loaded)))
        self.not_allowed = {dist: tuple(sorted(names)) for dist, names in sorted(skipped.items())}

    def register(self, plugin: object, name: str | None = None) -> None:
        """Register one more plugin object or module on this manager only."""
        try:
            self._pm.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise ConfigurationError(f"cannot register plugin {name or plugin!r}: {exc}") from exc
        try:
            self._collect()
        except ConfigurationError:
            self._pm.unregister(plugin)  # leave the manager as it was
            raise

    def _collect(self) -> None:
        # Misspelt hook names in any plugin fail here, before anything is used.
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise ConfigurationError(f"plugin {exc.plugin!r} is invalid: {exc}") from exc
        transports: dict[str, _Factories] = {}
        providers: dict[str, KeyProvider] = {}

        def add_transport(
            name: str,
            sync_factory: SyncTransportFactory | None = None,
            async_factory: AsyncTransportFactory | None = None,
        ) -> None:
            if not name or name in transports:
                raise ConfigurationError(f"transport name {name!r} is empty or registered twice")
            if sync_factory is None and async_factory is None:
                raise ConfigurationError(f"transport {name!r} registered without a factory")
            if not all(callable(f) for f in (sync_factory, async_factory) if f is not None):
                raise ConfigurationError(f"transport {name!r} registered a non-callable factory")
            transports[name] = (sync_factory, async_factory)

        def add_provider(scheme: str, provider: KeyProvider) -> None:
            scheme = scheme.lower()
            if not _SCHEME.match(scheme + ":") or scheme in providers:
                raise ConfigurationError(f"key scheme {scheme!r} is invalid or registered twice")
            if not isinstance(provider, KeyProvider):
                raise ConfigurationError(f"key provider for {scheme!r} lacks the load methods")
            if not _takes_uri_and_password(provider.load_private_key):
                raise ConfigurationError(
                    f"key provider for {scheme!r}: load_private_key must accept (uri, password);"
                    " a provider that cannot use a password refuses one with ConfigurationError"
                )
            providers[scheme] = provider

        self._pm.hook.register_transports(register=add_transport)
        self._pm.hook.register_key_providers(register=add_provider)
        self._transports, self._key_providers = transports, providers

    def _unavailable_note(self) -> str:
        note = ""
        if self.unavailable:
            note += "; unavailable plugins: " + "; ".join(
                f"{name} ({reason})" for name, reason in sorted(self.unavailable.items())
            )
        if self.not_allowed:
            dists = ", ".join(
                f"{dist} (entry points: {', '.join(names)})"
                for dist, names in self.not_allowed.items()
            )
            first = next(iter(self.not_allowed))
            note += (
                f"; installed plugins that are not allowed, so not loaded: {dists}. One of them"
                f" may provide it: allow it with {ALLOW_ENV}={first} (comma-separated) or"
                f" PluginManager(allow=[{first!r}])"
            )
        return note

    # ----------------------------------------------------------------------------------------
    # Transports
    # ----------------------------------------------------------------------------------------

    def transport_names(self) -> list[str]:
        """Every registered transport name, sorted."""
        return sorted(self._transports)

    def _factories(self, name: str) -> _Factories:
        try:
            return self._transports[name]
        except KeyError:
            raise ConfigurationError(
                f"unknown transport {name!r}; known: {', '.join(self.transport_names())}"
                + self._unavailable_note()
            ) from None

    def sync_transport(self, name: str, options: TransportOptions) -> Transport:
        """Build the blocking transport registered as ``name``."""
        factory = self._factories(name)[0]
        if factory is None:
            raise ConfigurationError(f"transport {name!r} has no sync variant (use AsyncClient)")
        transport = factory(options)
        if not isinstance(transport, Transport):
            raise ConfigurationError(f"transport {name!r} factory did not return a Transport")
        return transport

    def async_transport(self, name: str, options: TransportOptions) -> AsyncTransport:
        """Build the asyncio transport registered as ``name``."""
        factory = self._factories(name)[1]
        if factory is None:
            raise ConfigurationError(f"transport {name!r} has no async variant (use Client)")
        transport = factory(options)
        if not isinstance(transport, AsyncTransport):
            raise ConfigurationError(f"transport {name!r} factory did not return an AsyncTransport")
        return transport

    # ----------------------------------------------------------------------------------------
    # Keys
    # ----------------------------------------------------------------------------------------

    def key_schemes(self) -> list[str]:
        """Every registered key URI scheme, sorted."""
        return sorted(self._key_providers)

    def key_provider(self, scheme: str) -> KeyProvider:
        """The provider registered for ``scheme`` (case-insensitive)."""
        try:
            return self._key_providers[scheme.lower()]
        except KeyError:
            raise ConfigurationError(
                f"unknown key scheme {scheme!r}; known: {', '.join(self.key_schemes())}"
                + self._unavailable_note()
            ) from None

    def load_private_key(self, uri: str, password: bytes | None = None) -> RSAPrivateKey:
        """Load a private key from a key URI or plain path (a path goes to ``file``).

        ``password`` is handed to the scheme's provider as ``load_private_key(uri, password)``,
        whichever provider it is; one that has no use for it refuses it with
        :class:`~c2p_action.errors.ConfigurationError`.
        """
        provider = self.key_provider(split_scheme(uri) or DEFAULT_KEY_SCHEME)
        return provider.load_private_key(uri, password)

    def load_public_key(self, uri: str) -> RSAPublicKey:
        """Load a public key (certificate, SPKI, ...) from a key URI or plain path."""
        return self.key_provider(split_scheme(uri) or DEFAULT_KEY_SCHEME).load_public_key(uri)


def _takes_uri_and_password(method: Callable[..., object]) -> bool:
    """Whether ``method`` can be called as ``method(uri, password)``."""
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):
        return True  # not introspectable (a C function): let the call itself decide
    try:
        signature.bind("uri", None)
    except TypeError:
        return False
    return True
