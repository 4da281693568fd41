"""Plugins: transports and key providers registered through pluggy hooks.

See :mod:`c2p_action.plugins.hookspecs` for the hooks and :mod:`c2p_action.plugins.manager`
for discovery (entry-point group ``c2p_action``, allow-list ``C2P_ACTION_PLUGINS`` or
``PluginManager(allow=[...])``). A key provider's keys build on
:class:`DelegatedRSAPrivateKey` (also in :mod:`c2p_action.keys`); a transport is tested with
:mod:`c2p_action.testing.transports`. ``docs/writing-plugins.md`` walks through both.
"""

from c2p_action.keys._delegated import DelegatedRSAPrivateKey
from c2p_action.plugins.hookspecs import (
    KeyProvider,
    RegisterKeyProvider,
    RegisterTransport,
    hookimpl,
)
from c2p_action.plugins.manager import PluginManager

__all__ = [
    "DelegatedRSAPrivateKey",
    "KeyProvider",
    "PluginManager",
    "RegisterKeyProvider",
    "RegisterTransport",
    "hookimpl",
]
