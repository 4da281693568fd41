"""A third-party plugin distribution for ``c2p_action``, written to be copied.

- :mod:`c2p_action_test_plugin.transport`: the ``stdlib-http`` transport (``http.client``,
  sync and async), passing the transport contract suite.
- :mod:`c2p_action_test_plugin.audit_keys`: the ``audited-file:`` key provider, built on
  :class:`c2p_action.keys.DelegatedRSAPrivateKey`.

Each module is one ``c2p_action`` entry point (see ``pyproject.toml``); nothing loads unless the
distribution is allowed (``C2P_ACTION_PLUGINS=c2p-action-test-plugin``).
"""
