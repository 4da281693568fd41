"""How a message family plugs into the emulator: its paths, its XML roots, its rules.

The emulator's core does what every family shares (identify the signing merchant, open or
verify the envelope, seal or sign the answer, faults) and hands the plaintext body to the
family that owns the request:

- by URL path: each family lists the paths it serves (``routes``) and the envelope each path
  uses; the JSON families live on paths of their own;
- by root element, on 2C2P's shared Payment Action path: the XML families that post there
  list their request root elements (``xml_roots``). The payment process family is built into
  the core and answers every other root (and undecryptable requests) at that path.

A family keeps its state in the emulator's ledger (its own tables, created by ``install``,
written inside ``emulator.ledger.atomic()``) and answers with the plaintext response body; the
core seals or signs it for the signer. Failure codes 2C2P does not document are the emulator's
own invention and must be marked as such in the family's module and docs.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from lxml import etree

from c2p_action.codec import Envelope

if TYPE_CHECKING:
    from c2p_action.emulator.core import Emulator
    from c2p_action.emulator.ledger import Ledger

__all__ = ["FamilyRules", "default_families", "root_tag"]


class FamilyRules(Protocol):
    """The emulator's side of one message family (see the module docstring)."""

    #: Short name, e.g. ``"recurring"``; unique among an emulator's families.
    name: str
    #: URL path -> the envelope requests (and answers) use there.
    routes: Mapping[str, Envelope]
    #: Request root elements this family answers on a shared XML path (empty for JSON).
    xml_roots: frozenset[str]

    def install(self, ledger: Ledger) -> None:
        """Create the family's tables in ``ledger`` (idempotent: the file may already hold them)."""
        ...

    def answer(self, emulator: Emulator, merchant_id: str, path: str, body: bytes) -> bytes:
        """The plaintext answer to ``body``, a verified (and decrypted) request of
        ``merchant_id`` posted to ``path``."""
        ...


def default_families() -> list[FamilyRules]:
    """A fresh instance of every built-in family besides the payment process (which the core
    answers itself): what an ``Emulator`` serves unless told otherwise."""
    # Imported here, not at the top: the family modules are part of this package, whose
    # __init__ imports the core, which imports this module (an import cycle otherwise).
    from c2p_action.emulator.agent_status import AgentStatusRules
    from c2p_action.emulator.card_token import CardTokenRules
    from c2p_action.emulator.customer_token import CustomerTokenRules
    from c2p_action.emulator.funds import FundsRules
    from c2p_action.emulator.fx import FxRules
    from c2p_action.emulator.installments import InstallmentsFamily
    from c2p_action.emulator.recurring import RecurringFamily

    families: list[FamilyRules] = []
    families.append(RecurringFamily())
    families.append(InstallmentsFamily())
    families.append(FundsRules())
    families.append(CardTokenRules())
    families.append(FxRules())
    families.append(CustomerTokenRules())
    families.append(AgentStatusRules())
    return families


def root_tag(body: bytes) -> str | None:
    """The root element's name of an XML body, reading no further than its start tag.

    ``None`` for anything that is not plain XML (a DOCTYPE or entity declaration included:
    nothing is resolved or expanded here either).
    """
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        return None
    events = etree.iterparse(
        io.BytesIO(body),
        events=("start",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        for _, element in events:
            tag = element.tag
            return tag if isinstance(tag, str) else None
    except etree.XMLSyntaxError:
        return None
    return None
