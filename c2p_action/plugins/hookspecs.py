"""The hooks a ``c2p_action`` plugin may implement, and the typed objects they exchange.

A plugin is a module (or object) with functions decorated by :data:`hookimpl`. Each hook
receives a ``register(...)`` callback and calls it once per thing it provides; the built-in
transports and the ``file:`` key provider are registered through these very hooks.

Third-party plugins are found through the ``c2p_action`` entry-point group and load only when
their distribution is named in ``C2P_ACTION_PLUGINS`` (see :mod:`c2p_action.plugins.manager`).

Writing one::

    from c2p_action.plugins.hookspecs import hookimpl

    @hookimpl
    def register_transports(register):
        register("mytransport", sync_factory=MyTransport, async_factory=None)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeAlias, runtime_checkable

import pluggy

from c2p_action.transports.base import AsyncTransport, Transport, TransportOptions

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

__all__ = [
    "PROJECT_NAME",
    "AsyncTransportFactory",
    "KeyProvider",
    "RegisterKeyProvider",
    "RegisterTransport",
    "SyncTransportFactory",
    "hookimpl",
    "hookspec",
    "register_key_providers",
    "register_transports",
]

PROJECT_NAME = "c2p_action"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

SyncTransportFactory: TypeAlias = Callable[[TransportOptions], Transport]
"""Builds a blocking transport from the client's options."""

AsyncTransportFactory: TypeAlias = Callable[[TransportOptions], AsyncTransport]
"""Builds an asyncio transport from the client's options."""


@runtime_checkable
class KeyProvider(Protocol):
    """Loads keys named by a URI of one scheme (``file:``, ``pkcs11:``, ``aws-kms:`` ...).

    The returned private key may be a facade whose operations run in an HSM or KMS; it must
    behave as an ``RSAPrivateKey`` for signing (PS256) and decryption (RSA-OAEP/SHA-1).
    Errors: :class:`~c2p_action.errors.KeyLoadError` (or ``KeyProviderError``), never a
    message that contains a password, PIN or key material.
    """

    def load_private_key(self, uri: str) -> RSAPrivateKey:
        """Return the private key named by ``uri``."""
        ...

    def load_public_key(self, uri: str) -> RSAPublicKey:
        """Return the public key (or the certificate's key) named by ``uri``."""
        ...


class RegisterTransport(Protocol):
    """The callback :func:`register_transports` receives."""

    def __call__(
        self,
        name: str,
        sync_factory: SyncTransportFactory | None = None,
        async_factory: AsyncTransportFactory | None = None,
    ) -> None:
        """Offer a transport named ``name``; give at least one of the two factories."""
        ...


RegisterKeyProvider: TypeAlias = Callable[[str, KeyProvider], None]
"""The callback :func:`register_key_providers` receives: ``register(scheme, provider)``."""


# --------------------------------------------------------------------------------------------
# Transports
# --------------------------------------------------------------------------------------------


@hookspec
def register_transports(register: RegisterTransport) -> None:
    """Register transports by name: ``register(name, sync_factory, async_factory)``.

    Factories are called with :class:`~c2p_action.transports.base.TransportOptions` when a
    client asks for the name; they should import optional libraries lazily and raise
    :class:`~c2p_action.errors.ConfigurationError` naming the extra when one is missing.
    Registering a name twice is a configuration error.
    """


# --------------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------------


@hookspec
def register_key_providers(register: Callable[[str, KeyProvider], None]) -> None:
    """Register key providers by URI scheme: ``register("pkcs11", provider)``.

    The scheme is matched case-insensitively against the part of a key URI before the first
    ``:``. Registering a scheme twice is a configuration error.
    """
