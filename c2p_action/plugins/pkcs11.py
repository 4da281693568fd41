"""Built-in plugin: the ``pkcs11:`` key provider (RFC 7512 URIs, keys inside an HSM).

Importing this module does not import ``python-pkcs11``; a missing extra is reported as a
:class:`~c2p_action.errors.ConfigurationError` when a ``pkcs11:`` key is first loaded.
"""

from __future__ import annotations

from c2p_action.keys._pkcs11 import Pkcs11KeyProvider
from c2p_action.plugins.hookspecs import RegisterKeyProvider, hookimpl

__all__ = ["register_key_providers"]


@hookimpl
def register_key_providers(register: RegisterKeyProvider) -> None:
    """Register :class:`Pkcs11KeyProvider` for the ``pkcs11`` scheme."""
    register(Pkcs11KeyProvider.scheme, Pkcs11KeyProvider())
