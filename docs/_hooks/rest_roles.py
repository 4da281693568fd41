"""A griffe extension: show the reST roles of our docstrings as inline code in the API pages.

The docstrings are written for readers of the source (``:class:`~c2p_action.errors.C2PError```,
``:func:`prepare```); Markdown shows those roles literally, so each becomes ``C2PError``-style
inline code (a leading ``~`` keeps only the last component, as in Sphinx).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|exc|obj):`(~?)([^`]+)`")


def _plain(match: re.Match[str]) -> str:
    target = match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if match.group(1) else target}`"


class ReSTRoles(griffe.Extension):
    """Rewrite reST roles in every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Called for every loaded object: modules, classes, functions, attributes."""
        if obj.docstring is not None:
            obj.docstring.value = _ROLE.sub(_plain, obj.docstring.value)
