"""Agent status inquiry (FPX Malaysia): which payment agents (banks) are up or down. UNCONFIRMED.

Two endpoints on 2C2P's PGW host: ``/AgentStatus/v1/Inquiry`` for the agents named in the
request (at most 50 agent codes such as ``MYMBB``), ``/AgentStatus/v1/InquiryEnabledAgents``
for every agent enabled for the merchant. One public call covers both:
``client.agents.status("MYMBB", "MYABB")`` asks about those agents, ``client.agents.status()``
about every enabled one (two operations, ``agents.status`` and ``agents.status_enabled``,
told apart by whether the request names agents).

Evidence: no 2C2P page for this inquiry was readable. The endpoints, members and samples come
from two secondary sources that agree (reference ``payment-maintenance-family.md`` section 9);
the **envelope is unknown**: one source says JWE + JWS, the other implies it by naming only
balance and withdrawal as JWS-only, so the nested envelope is used (INFERRED). Both operations
are ``Evidence.INFERRED`` and list in ``inferred`` what rests on inference. Codes are 4 digits in
``respCode`` (``0000`` success) with ``respDesc``; only ``0000`` is known, so every other code
raises :class:`~c2p_action.errors.GatewayError` itself.

Read-only: the client may repeat both (``RetrySafety.ALWAYS``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Unpack

from c2p_action.errors import ValidationError
from c2p_action.explanations import Explanation, Kind, register_explanations
from c2p_action.operations._result import Result
from c2p_action.operations._spec import (
    AsyncCaller,
    Bind,
    BodyFormat,
    Caller,
    CallerSettings,
    CallOptions,
    CodeTable,
    Endpoint,
    Envelope,
    Evidence,
    Operation,
    RetrySafety,
)
from c2p_action.operations._values import check_options
from c2p_action.schemas.agent_status import (
    MAX_AGENT_CODES,
    AgentStatus,
    AgentStatusCode,
    AgentStatusRequest,
    AgentStatusResponse,
)

__all__ = [
    "CODES",
    "ENABLED_ENDPOINT",
    "INQUIRY_ENDPOINT",
    "OPERATIONS",
    "STATUS",
    "STATUS_ENABLED",
    "AgentStatusResult",
    "AgentsService",
    "AsyncAgentsService",
    "build_request",
    "status_call",
]

#: By agent codes ([S1], [S2]).
INQUIRY_ENDPOINT: Final = Endpoint(
    service="pgw",
    sandbox_path="/AgentStatus/v1/Inquiry",
    production_path="/AgentStatus/v1/Inquiry",
)
#: Every agent enabled for the merchant ([S1], [S2]).
ENABLED_ENDPOINT: Final = Endpoint(
    service="pgw",
    sandbox_path="/AgentStatus/v1/InquiryEnabledAgents",
    production_path="/AgentStatus/v1/InquiryEnabledAgents",
)

#: ``respCode``/``respDesc``: only ``0000`` is known; no failure code is mapped on a guess.
CODES: Final = CodeTable(
    enum=AgentStatusCode,
    code_field="resp_code",
    description_field="resp_desc",
    success=frozenset({"0000"}),
    errors={},
)

register_explanations(
    AgentStatusCode,
    "agent-status",
    [
        Explanation(
            "0000",
            Kind.SUCCESS,
            "the inquiry was answered: each listed agent says whether it is down. Only this code"
            " is known (UNCONFIRMED, secondary sources): any other code is shown with the"
            " gateway's own respDesc.",
        )
    ],
)

_MAX_CODE_LENGTH: Final = 25  # agentCode C 25 ([S2])


def build_request(merchant_id: str, agent_codes: Sequence[str] = ()) -> AgentStatusRequest:
    """An inquiry about ``agent_codes`` (at most 50; a code given twice is asked once), or,
    with none, about every enabled agent.

    A code is 1 to 25 printable ASCII characters without spaces; it is sent as given.
    """
    if isinstance(agent_codes, str):
        raise ValidationError("agent codes are given one per argument, not as one string")
    codes: list[str] = []
    for code in agent_codes:
        if not (
            isinstance(code, str)
            and 0 < len(code) <= _MAX_CODE_LENGTH
            and all("!" <= char <= "~" for char in code)
        ):
            raise ValidationError(
                "an agent code is 1 to 25 printable ASCII characters without spaces (MYMBB)"
            )
        if code not in codes:
            codes.append(code)
    if len(codes) > MAX_AGENT_CODES:
        raise ValidationError(
            f"at most {MAX_AGENT_CODES} agent codes per inquiry ({len(codes)} given)"
        )
    return AgentStatusRequest(merchant_id=merchant_id, agent_codes=codes)


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgentStatusResult(Result[AgentStatusResponse, AgentStatusCode]):
    """A verified ``0000`` answer: each agent with its ``is_down`` flag.

    An agent that was asked about but is not listed is one the gateway said nothing about:
    :meth:`agent` returns ``None`` for it (what 2C2P answers for an unknown code is not known).
    """

    @property
    def agents(self) -> list[AgentStatus]:
        """Every agent the answer lists, in its order (``agent_code``, ``is_down``)."""
        return list(self.response.agents)

    @property
    def down(self) -> list[str]:
        """The codes of the agents that are down (unavailable)."""
        return [agent.agent_code for agent in self.response.agents if agent.is_down]

    @property
    def up(self) -> list[str]:
        """The codes of the agents that are up."""
        return [agent.agent_code for agent in self.response.agents if not agent.is_down]

    def agent(self, code: str) -> AgentStatus | None:
        """The status of agent ``code``, or ``None`` when the answer does not list it."""
        return next((a for a in self.response.agents if a.agent_code == code), None)


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _OnlyAskedAgents(Bind):
    """An answer to an inquiry by codes lists only agents that were asked about.

    Not an equality, unlike the other bindings: an asked agent may be missing from the answer
    (an unknown code), but an agent nobody asked about means the answer is another request's.
    """

    def check(
        self, request: object, response: object, *, accepted: bool
    ) -> tuple[str, str | None] | None:
        """``(asked, foreign codes)`` when the answer lists agents not asked about."""
        asked = getattr(request, "agent_codes", None) or []
        if not asked:
            return None  # every enabled agent: any code may be listed
        listed = [getattr(a, "agent_code", None) for a in getattr(response, "agents", ())]
        foreign = [code for code in listed if code not in asked]
        if not foreign:
            return None
        return "one of " + ", ".join(asked), ", ".join(str(code) for code in foreign)


_BINDING: Final = (
    Bind("merchantID", "merchant_id", "merchant_id"),
    _OnlyAskedAgents("agentCode", "agent_codes", "agents", required=False),
)

_COMMON_INFERENCES: Final = (
    "no 2C2P page was readable: endpoints, members and samples from two secondary sources",
    "the envelope: nested (JWS over JWE) as the other PGW JSON operations; one source says so,"
    " the other implies it (UNKNOWN at 2C2P)",
    "respCode is 4 digits (the sample's 0000; a source types it C 2) with respDesc; any other"
    " code is reported as a GatewayError with the gateway's respDesc",
    "the answer echoes merchantID (the sample does): bound",
    "isDown is a JSON boolean (the sample's true); agentCode C 25 (one source)",
    "content type text/plain (one source; the client's content_type setting applies)",
)


def _logged_codes(request: object) -> object:
    codes = getattr(request, "agent_codes", None) or []
    return ",".join(codes) if codes else "enabled"


def _operation(
    name: str, summary: str, endpoint: Endpoint, by_codes: bool, inferred: tuple[str, ...]
) -> Operation[AgentStatusRequest, AgentStatusResult]:
    return Operation(
        name=name,
        summary=summary,
        request_type=AgentStatusRequest,
        response_type=AgentStatusResponse,
        endpoint=endpoint,
        envelope=Envelope.NESTED,
        body=BodyFormat.JSON,
        codes=CODES,
        result=AgentStatusResult,
        retry=RetrySafety.ALWAYS,
        evidence=Evidence.INFERRED,
        binding=_BINDING,
        selects=lambda request: bool(request.agent_codes) is by_codes,
        inferred=inferred + _COMMON_INFERENCES,
        log_fields=(("agents", _logged_codes),),
    )


STATUS: Final = _operation(
    "agents.status",
    "Whether the named FPX agents (banks) are down (at most 50).",
    INQUIRY_ENDPOINT,
    True,
    (
        "at most 50 agent codes per inquiry (one source)",
        "the answer lists only agents that were asked about (an agent asked about but not"
        " listed is reported as unknown, not as an error)",
    ),
)
STATUS_ENABLED: Final = _operation(
    "agents.status_enabled",
    "Whether each FPX agent (bank) enabled for the merchant is down.",
    ENABLED_ENDPOINT,
    False,
    ("the request carries no agentCodes member at all (one source: absent)",),
)

#: The family's operations.
OPERATIONS: Final = (STATUS, STATUS_ENABLED)


# ---------------------------------------------------------------------------------------------
# Services: client.agents
# ---------------------------------------------------------------------------------------------


def status_call(
    settings: CallerSettings, agent_codes: Sequence[str], options: CallOptions
) -> tuple[Operation[AgentStatusRequest, AgentStatusResult], AgentStatusRequest, CallOptions]:
    """What ``client.agents.status(*agent_codes)`` runs: by codes, or every enabled agent."""
    operation = STATUS if agent_codes else STATUS_ENABLED
    check_options(operation.name, options, CallOptions)
    return operation, build_request(settings.merchant_id, agent_codes), options


class AgentsService:
    """``client.agents``: FPX Malaysia agent (bank) statuses (UNCONFIRMED, see the module)."""

    def __init__(self, caller: Caller) -> None:
        self._caller = caller

    def status(self, *agent_codes: str, **options: Unpack[CallOptions]) -> AgentStatusResult:
        """Whether the agents ``agent_codes`` (at most 50) are down; with none, every agent
        enabled for the merchant. Safe to repeat."""
        return self._caller.call(*status_call(self._caller.settings, agent_codes, options))


class AsyncAgentsService:
    """:class:`AgentsService` for :class:`~c2p_action.client.AsyncClient`."""

    def __init__(self, caller: AsyncCaller) -> None:
        self._caller = caller

    async def status(self, *agent_codes: str, **options: Unpack[CallOptions]) -> AgentStatusResult:
        """Whether the agents ``agent_codes`` (at most 50) are down; with none, every agent
        enabled for the merchant. Safe to repeat."""
        return await self._caller.call(*status_call(self._caller.settings, agent_codes, options))
