"""2C2P Payment Maintenance API (Payment Action 2.0) for Python."""

from c2p_action.codec import Codec

__all__ = ["Codec"]
