"""Plugins: transports and key providers registered through pluggy hooks.

See :mod:`c2p_action.plugins.hookspecs` for the hooks and :mod:`c2p_action.plugins.manager`
for discovery (entry-point group ``c2p_action``, allow-list ``C2P_ACTION_PLUGINS``).
"""

from c2p_action.plugins.hookspecs import KeyProvider, hookimpl
from c2p_action.plugins.manager import PluginManager

__all__ = ["KeyProvider", "PluginManager", "hookimpl"]
