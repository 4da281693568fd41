"""The pure core: models <-> XML <-> JWE <-> JWS. No I/O.

- :class:`Codec` seals and opens tokens for one pair of keys;
- :func:`inspect` describes a token without keys;
"""

from c2p_action.codec.inspection import TokenInfo, inspect
from c2p_action.codec.jose import DEFAULT_MAX_TOKEN_BYTES, Codec

__all__ = ["DEFAULT_MAX_TOKEN_BYTES", "Codec", "TokenInfo", "inspect"]
