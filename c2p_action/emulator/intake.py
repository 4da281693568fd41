"""From a decrypted request to something the rules can decide on, or a refusal.

A well-formed request binds to :class:`~c2p_action.schemas.PaymentProcessRequest` and is then
held to the same schema rules a merchant's writer enforces (lengths, amount facets). When it does
not bind (a mandatory element missing, an amount that is not a plain number, an unknown
processType), the gateway still owes the merchant a precise respCode, so the top-level elements
are read again leniently -- with a parser that resolves no entities, loads no DTD and touches no
network -- just far enough to choose between 03, 10, 17, 18, 11 and 02.

One documented spelling is accepted besides the schema's: 2C2P's void guide (its sample and its
parameter table) writes ``<timestamp>``, where every other page writes ``<timeStamp>``. The
emulator reads the former as the latter, so the guide's own sample is accepted, as the gateway
must accept it; any other unknown element is still refused with 11.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from c2p_action.codec.xml import from_xml, to_xml
from c2p_action.emulator.responses import Echo
from c2p_action.emulator.rules import PROCESS_TYPES, Action, Decision, check_request
from c2p_action.errors import ValidationError, XmlError
from c2p_action.schemas import PaymentProcessRequest

__all__ = ["Intake", "read_request"]

# Response limits (schema): an echo longer than these could not be answered at all.
_MAX_INVOICE, _MAX_VERSION, _MAX_USER_DEFINED = 50, 5, 150


def _fits(value: str | None, limit: int) -> str | None:
    return value if value is not None and len(value) <= limit else None


def safe_echo(
    process_type: str | None,
    invoice_no: str | None,
    version: str | None = None,
    user_defined: tuple[str | None, ...] = (),
) -> Echo:
    """What a response may repeat of a request: only values that fit the response schema."""
    return Echo(
        process_type if process_type in PROCESS_TYPES else None,
        _fits(invoice_no, _MAX_INVOICE),
        _fits(version, _MAX_VERSION),
        tuple(_fits(value, _MAX_USER_DEFINED) for value in user_defined) or (None,) * 5,
    )


@dataclass(frozen=True, slots=True)
class Intake:
    """A request read for the rules: what to echo, what to decide, or why it is refused."""

    echo: Echo
    action: Action
    idempotency_id: str | None = None
    notify_url: str | None = None
    refusal: Decision | None = None


def read_request(plaintext: bytes, signer: str) -> Intake:
    """Read a decrypted request signed by merchant ``signer``; see the module docstring."""
    try:
        request = from_xml(plaintext, PaymentProcessRequest)
    except XmlError:
        respelt = _documented_spellings(plaintext)
        if respelt is None:
            return _read_leniently(plaintext, signer)
        try:
            request = from_xml(respelt, PaymentProcessRequest)
        except XmlError:
            return _read_leniently(plaintext, signer)
    subs = request.sub_merchant_list.sub_merchant if request.sub_merchant_list else []
    action = Action(
        merchant_id=request.merchant_id,
        process_type=request.process_type.value,
        invoice_no=request.invoice_no,
        amount=request.action_amount,
        sub_merchants=tuple((s.sub_mid, s.sub_amount) for s in subs),
    )
    return Intake(
        echo=safe_echo(
            action.process_type,
            request.invoice_no,
            request.version,
            (
                request.user_defined1,
                request.user_defined2,
                request.user_defined3,
                request.user_defined4,
                request.user_defined5,
            ),
        ),
        action=action,
        idempotency_id=request.idempotency_id or None,
        notify_url=request.notify_url or None,
        refusal=_refusal(action, signer) or _schema_refusal(request),
    )


def _refusal(action: Action, signer: str) -> Decision | None:
    # A token verified with one merchant's key naming another merchant (a replayed token).
    if action.merchant_id and action.merchant_id != signer:
        return Decision("03")
    return check_request(action)


def _schema_refusal(request: PaymentProcessRequest) -> Decision | None:
    # The reader accepts any length; the writer's validation is the schema's full rule set.
    try:
        to_xml(request)
    except ValidationError:
        return Decision("11")
    return None


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
)


_PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")

# Other spellings 2C2P's own pages use for an element, and the schema's name for it.
_SPELLINGS = {"timestamp": "timeStamp"}


def _root(plaintext: bytes) -> etree._Element | None:
    if b"<!DOCTYPE" in plaintext or b"<!ENTITY" in plaintext:
        return None
    try:
        root = etree.fromstring(plaintext, _PARSER)
    except etree.XMLSyntaxError:
        return None
    # The byte check above misses a DOCTYPE in UTF-16; nothing was expanded, but refuse alike.
    if root.getroottree().docinfo.internalDTD is not None or root.tag != "PaymentProcessRequest":
        return None
    return root


def _documented_spellings(plaintext: bytes) -> bytes | None:
    """The request with 2C2P's other spellings renamed, or ``None`` if it has none of them."""
    root = _root(plaintext)
    if root is None:
        return None
    names = {child.tag for child in root if isinstance(child.tag, str)}
    renamed = False
    for child in root:
        schema_name = _SPELLINGS.get(child.tag) if isinstance(child.tag, str) else None
        if schema_name is not None and schema_name not in names:
            child.tag = schema_name
            renamed = True
    return etree.tostring(root) if renamed else None


def _top_level_fields(plaintext: bytes) -> dict[str, str] | None:
    root = _root(plaintext)
    if root is None:
        return None
    return {child.tag: (child.text or "").strip() for child in root if isinstance(child.tag, str)}


def _amount(text: str | None) -> Decimal | None:
    if not text:
        return None
    # Present but not a plain decimal ("1e3", "NaN", "-1"): NaN makes the rules answer 18.
    return Decimal(text) if _PLAIN_DECIMAL.fullmatch(text) else Decimal("NaN")


def _read_leniently(plaintext: bytes, signer: str) -> Intake:
    fields = _top_level_fields(plaintext)
    if fields is None:
        return Intake(Echo(), Action(None, None, None), refusal=Decision("02"))
    action = Action(
        merchant_id=fields.get("merchantID") or None,
        process_type=fields.get("processType") or None,
        invoice_no=fields.get("invoiceNo") or None,
        amount=_amount(fields.get("actionAmount")),
    )
    echo = safe_echo(action.process_type, action.invoice_no)
    # Had it broken none of these rules it would have bound: something else (a nested
    # element, a repeated one) broke the schema, which is 11.
    return Intake(echo, action, refusal=_refusal(action, signer) or Decision("11"))
