"""The emulator's agent status inquiry (FPX Malaysia) at 2C2P's two paths. UNCONFIRMED.

Served in the nested envelope, which is the library's inference for this inquiry (2C2P's
envelope for it is not known). The agents and whether each is down live in the ledger's
``agent_status`` table, configurable (:meth:`AgentStatusRules.set_agents`,
:meth:`AgentStatusRules.set_down`); every agent in it counts as enabled for every merchant.
Unless told otherwise the table holds :data:`DEFAULT_AGENTS`: the sample's ``MYMBB`` and
``MYABB``, both down as in the sample, and ``MYPBB`` and ``MYAMB`` (the reference's other
examples), up (the emulator's choice).

- ``/AgentStatus/v1/Inquiry``: the asked agents the table holds, in the order asked (a code
  asked twice is listed once); an agent the table does not hold is left out of the answer (the
  emulator's choice: what 2C2P answers for an unknown code is not known).
- ``/AgentStatus/v1/InquiryEnabledAgents``: every agent of the table, in the table's order.

Failure codes. Only ``0000`` is known for this inquiry; every code below is the EMULATOR'S
INVENTION (4 digits, like ``0000``), and no client logic branches on any of them:

====  =============================================================================
9001  the body is not a request of this endpoint (malformed or off-schema JSON, an agent
      code longer than 25 characters)
9002  agentCodes missing at ``/Inquiry``, or given at ``/InquiryEnabledAgents``
9003  the request names another merchantID than the key that signed it
9004  more than 50 agent codes
9099  the emulator could not write its own answer
====  =============================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from c2p_action.codec import Envelope
from c2p_action.codec.json import from_json, to_json
from c2p_action.errors import ConfigurationError, JsonError, ValidationError
from c2p_action.operations.agent_status import ENABLED_ENDPOINT, INQUIRY_ENDPOINT
from c2p_action.schemas.agent_status import (
    MAX_AGENT_CODES,
    AgentStatus,
    AgentStatusRequest,
    AgentStatusResponse,
)

if TYPE_CHECKING:
    from c2p_action.emulator.core import Emulator
    from c2p_action.emulator.ledger import Ledger

__all__ = [
    "DEFAULT_AGENTS",
    "EMULATOR_CODES",
    "ENABLED_PATH",
    "INQUIRY_PATH",
    "AgentStatusRules",
]

#: The paths as 2C2P is said to print them (the same in both environments).
INQUIRY_PATH: Final = INQUIRY_ENDPOINT.sandbox_path
ENABLED_PATH: Final = ENABLED_ENDPOINT.sandbox_path

#: Agent code -> is down: the sample's two agents (down, as in the sample) and two more (up).
DEFAULT_AGENTS: Final[Mapping[str, bool]] = MappingProxyType(
    {"MYMBB": True, "MYABB": True, "MYPBB": False, "MYAMB": False}
)

#: The emulator's own failure codes and texts (see the module docstring): none is 2C2P's.
EMULATOR_CODES: Final[Mapping[str, str]] = {
    "9001": "Invalid request",
    "9002": "Invalid agentCodes for this endpoint",
    "9003": "Invalid merchant ID",
    "9004": "Too many agent codes",
    "9099": "Unable to complete the request",
}

_SUCCESS: Final = ("0000", "Success")
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS agent_status (
    agent_code TEXT PRIMARY KEY,
    is_down INTEGER NOT NULL
)
"""


def _table(agents: Mapping[str, bool]) -> dict[str, bool]:
    """``agents`` checked: each code one the answer can carry, each status a bool."""
    checked: dict[str, bool] = {}
    for code, down in agents.items():
        if not (isinstance(code, str) and code.strip()) or type(down) is not bool:
            raise ConfigurationError("the agent table maps agent codes (str) to is-down (bool)")
        try:  # the answer must be writable: check each row against the model now
            to_json(AgentStatus(agent_code=code, is_down=down))
        except ValidationError as error:
            raise ConfigurationError(f"agent table: {error}") from None
        checked[code] = down
    return checked


class AgentStatusRules:
    """The agent status family (:class:`~c2p_action.emulator.families.FamilyRules`).

    ``agents`` (agent code -> is down) replaces the table when the family is installed; without
    it, a new ledger gets :data:`DEFAULT_AGENTS` and a ledger file keeps the table it holds.
    """

    name = "agent_status"
    routes: Mapping[str, Envelope] = {
        INQUIRY_PATH: Envelope.NESTED,
        ENABLED_PATH: Envelope.NESTED,
    }
    xml_roots: frozenset[str] = frozenset()

    def __init__(self, agents: Mapping[str, bool] | None = None) -> None:
        self._configured = None if agents is None else _table(agents)
        self._ledger: Ledger | None = None

    def __repr__(self) -> str:
        return "AgentStatusRules()"

    def install(self, ledger: Ledger) -> None:
        """Create the ``agent_status`` table and fill it (see the class docstring)."""
        with ledger.atomic():
            ledger.execute(_SCHEMA)
            self._ledger = ledger
            if self._configured is not None:
                self.set_agents(self._configured)
            elif not ledger.query("SELECT 1 FROM agent_status LIMIT 1"):
                self.set_agents(DEFAULT_AGENTS)

    @property
    def _db(self) -> Ledger:
        if self._ledger is None:
            raise ConfigurationError("AgentStatusRules is not installed in an emulator")
        return self._ledger

    def agents(self) -> dict[str, bool]:
        """The table: agent code -> is down, in the order the answers list them."""
        rows = self._db.query("SELECT agent_code, is_down FROM agent_status ORDER BY rowid")
        return {row["agent_code"]: bool(row["is_down"]) for row in rows}

    def set_agents(self, agents: Mapping[str, bool]) -> None:
        """Replace the whole table (agent code -> is down)."""
        table = _table(agents)
        with self._db.atomic():
            self._db.execute("DELETE FROM agent_status")
            for code, down in table.items():
                self._db.execute("INSERT INTO agent_status VALUES (?, ?)", (code, int(down)))

    def set_down(self, agent_code: str, down: bool = True) -> None:
        """Mark one agent down (or up with ``down=False``), adding it if the table lacks it."""
        (code, value), *_ = _table({agent_code: down}).items()
        self._db.execute(
            "INSERT INTO agent_status VALUES (?, ?)"
            " ON CONFLICT (agent_code) DO UPDATE SET is_down = excluded.is_down",
            (code, int(value)),
        )

    def answer(self, emulator: Emulator, merchant_id: str, path: str, body: bytes) -> bytes:
        """The plaintext JSON answer to a decrypted inquiry of ``merchant_id`` at ``path``."""
        try:
            request = from_json(body, AgentStatusRequest)
            to_json(request)  # the writer's rules are the documented lengths
        except (JsonError, ValidationError):
            return _write(AgentStatusResponse(), "9001")
        echo = AgentStatusResponse(merchant_id=request.merchant_id)
        if request.merchant_id != merchant_id:
            return _write(echo, "9003")
        by_codes = path == INQUIRY_PATH
        if by_codes != bool(request.agent_codes):
            return _write(echo, "9002")
        asked = list(dict.fromkeys(request.agent_codes))
        if len(asked) > MAX_AGENT_CODES:
            return _write(echo, "9004")
        table = self.agents()
        codes = [code for code in asked if code in table] if by_codes else list(table)
        echo.agents = [AgentStatus(agent_code=code, is_down=table[code]) for code in codes]
        return _write(echo, _SUCCESS[0])


def _write(echo: AgentStatusResponse, code: str) -> bytes:
    echo.resp_code = code
    echo.resp_desc = _SUCCESS[1] if code == _SUCCESS[0] else EMULATOR_CODES[code]
    try:
        return to_json(echo)
    except ValidationError:
        return to_json(AgentStatusResponse(resp_code="9099", resp_desc="Error"))
