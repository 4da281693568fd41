"""Agent status inquiry (FPX Malaysia): the JSON models (written by hand). UNCONFIRMED.

Whether the payment agents (banks) of FPX Malaysia are up or down. No 2C2P page for this
inquiry was readable: the members, their types and the samples come from two secondary sources
that agree (reference ``payment-maintenance-family.md`` section 9), so everything here is
INFERRED. Member order follows the samples; every model keeps unknown members in ``extra``.

One request model for both endpoints: ``agentCodes`` (at most 50) asks about those agents at
``/AgentStatus/v1/Inquiry``; without it (an empty list is left out) the request asks about every
agent enabled for the merchant at ``/AgentStatus/v1/InquiryEnabledAgents``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from c2p_action.codec.json import extra_members, member
from c2p_action.schemas.codes import GatewayCode, register_descriptions

__all__ = [
    "MAX_AGENT_CODES",
    "AgentStatus",
    "AgentStatusCode",
    "AgentStatusRequest",
    "AgentStatusResponse",
]

#: How many agent codes one inquiry may name ([S2]).
MAX_AGENT_CODES: Final = 50


class AgentStatusCode(GatewayCode):
    """``respCode`` of the agent status answers (4 digits, ``0000`` in the sample).

    Only ``0000`` (success) is known; any other code is kept as an unknown member (``known``
    false) with the gateway's ``respDesc``.
    """

    SUCCESS = "0000"


register_descriptions(AgentStatusCode, {"0000": "Success"})


@dataclass(kw_only=True, slots=True)
class AgentStatusRequest:
    """An agent status inquiry: about ``agent_codes``, or (none given) every enabled agent."""

    merchant_id: str = member("merchantID", max_length=15)
    agent_codes: list[str] = member(
        "agentCodes", required=False, list_of=True, min_length=1, max_length=25
    )
    extra: dict[str, Any] = extra_members()


@dataclass(kw_only=True, slots=True)
class AgentStatus:
    """One payment agent (bank) and whether it is down (``isDown`` true: unavailable)."""

    agent_code: str = member("agentCode")
    is_down: bool = member("isDown")
    extra: dict[str, Any] = extra_members()


@dataclass(kw_only=True, slots=True)
class AgentStatusResponse:
    """The agents' statuses (the sample lists ``agents`` first)."""

    agents: list[AgentStatus] = member("agents", required=False, list_of=True)
    merchant_id: str | None = member("merchantID", required=False)
    resp_code: str | None = member("respCode", required=False)
    resp_desc: str | None = member("respDesc", required=False)
    extra: dict[str, Any] = extra_members()
