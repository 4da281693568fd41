"""The hooks a ``c2p_action`` plugin may implement, and the typed objects they exchange.

A plugin is a module (or object) with functions decorated by :data:`hookimpl`. Each hook
receives a ``register(...)`` callback and calls it once per thing it provides; the built-in
transports and the ``file:`` key provider are registered through these very hooks.

Third-party plugins are found through the ``c2p_action`` entry-point group and load only when
their distribution is named in ``C2P_ACTION_PLUGINS`` (see :mod:`c2p_action.plugins.manager`).

Writing one::

    from c2p_action.plugins import hookimpl

    @hookimpl
    def register_transports(register):
        register("mytransport", sync_factory=MyTransport, async_factory=None)

    @hookimpl
    def register_key_providers(register):
        register("vault", VaultKeyProvider())

``docs/writing-plugins.md`` gives the full contracts: transports in
:mod:`c2p_action.transports.base`, key providers in :class:`KeyProvider` and
:class:`~c2p_action.keys.DelegatedRSAPrivateKey`.
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

    The plugin manager hands a provider every key reference whose scheme it registered (the
    part before the first ``:``; a reference with no scheme is a path, for the ``file``
    provider). The built-in ``file``, ``pkcs11`` and ``aws-kms`` providers are registered
    through the same hook and called the same way as any third-party one.

    ``load_private_key(uri, password)`` always receives the password the application gave
    (``merchant_key_password`` / ``C2P_MERCHANT_KEY_PASSWORD``, as ``bytes``) or ``None``. A
    provider that uses one (an encrypted file) uses it; a provider that cannot (its secret is
    named in the URI, or comes from elsewhere) raises
    :class:`~c2p_action.errors.ConfigurationError` when it is not ``None``, rather than
    ignoring it silently.

    The returned private key must behave as an ``RSAPrivateKey`` for PS256 signing and
    RSA-OAEP (SHA-1) decryption (and PKCS#1 v1.5 SHA-256 signing for certificates): a loaded
    file key, or a :class:`~c2p_action.keys.DelegatedRSAPrivateKey` whose operations run in an
    HSM or KMS. Fetch the public half once, at load time.

    Errors: :class:`~c2p_action.errors.KeyLoadError` when the key cannot be loaded or is
    unfit (bad URI, not found, not RSA, under 2048 bits),
    :class:`~c2p_action.errors.KeyProviderError` (``retryable`` set) when the backend fails,
    :class:`~c2p_action.errors.ConfigurationError` for a missing optional dependency or a
    refused password. Never a message that contains a password, PIN or key material.

    One provider object serves every client of a plugin manager, from any thread: keep it
    free of per-call state, or guard that state.
    """

    def load_private_key(self, uri: str, password: bytes | None) -> RSAPrivateKey:
        """Return the private key named by ``uri``, using ``password`` or refusing it."""
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
    ``:`` (two characters or more, so ``C:\\keys`` stays a path). Registering a scheme twice,
    or a provider whose ``load_private_key`` cannot take ``(uri, password)``, is a
    configuration error.
    """
