"""What an operation is, as data: the one description the clients, the CLI and the docs read.

An :class:`Operation` says where a request goes (:class:`Endpoint`), how it travels
(:class:`Envelope`, :class:`BodyFormat`), which models it sends and receives, which response
fields must agree with the request (:class:`Bind`), how its answer's code is read
(:class:`CodeTable`), whether it may be repeated (:class:`RetrySafety`), and how sure we are of
all that (:class:`Evidence`). A message family is a module that declares its operations with
these types; nothing in the client, the codec, the transports or the retry loop names a family.

Pure: no I/O, no keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, Generic, Protocol, TypedDict, TypeVar

from c2p_action.codec.messages import BodyFormat, Envelope
from c2p_action.errors import GatewayError
from c2p_action.schemas.codes import GatewayCode

__all__ = [
    "AsyncCaller",
    "Bind",
    "BodyFormat",
    "CallOptions",
    "Caller",
    "CodeTable",
    "Endpoint",
    "Envelope",
    "Evidence",
    "Mask",
    "Operation",
    "RetrySafety",
    "read_field",
    "unknown_element_text",
]

ReqT = TypeVar("ReqT")
ResultT = TypeVar("ResultT")
_R = TypeVar("_R")

#: Reads one value from a model: an attribute name (dotted for nesting) or a function.
FieldRef = str | Callable[[Any], object]


class Evidence(StrEnum):
    """How an operation (or a field of it) is known."""

    #: A 2C2P page or published sample shows it.
    DOCUMENTED = "documented"
    #: Derived from secondary sources or from the rest of the API; see the operation's notes.
    INFERRED = "inferred"


class Mask(StrEnum):
    """How a sensitive field is shown in DEBUG logs and traces."""

    #: Replaced whole (names, expiry dates, secrets).
    ALL = "all"
    #: Only the last four characters stay (account numbers).
    LAST4 = "last4"
    #: First six and last four digits stay, as card schemes allow (``411111XXXXXX1111``).
    PAN = "pan"


class RetrySafety(StrEnum):
    """Whether the client may repeat an operation after a failure that left the outcome unknown."""

    #: Read-only: repeating changes nothing.
    ALWAYS = "always"
    #: Repeated only with the same idempotencyID, which the gateway de-duplicates.
    WITH_IDEMPOTENCY_ID = "with the same idempotencyID"
    #: Never repeated by the client: no documented de-duplication (a lost answer is reported).
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where an operation is posted, exactly as 2C2P prints it for each environment.

    ``service`` names the host family (``frontend``: ``demo2.2c2p.com`` / ``t.2c2p.com``;
    ``pgw``: ``sandbox-pgw.2c2p.com`` / ``pgw.2c2p.com``). With a custom base URL (tests,
    proxies, the emulator) every operation is posted to the base URL plus ``sandbox_path``.
    """

    service: str
    sandbox_path: str
    production_path: str


def read_field(model: object, ref: FieldRef) -> object:
    """The value ``ref`` names in ``model`` (``None`` when a step of a dotted name is missing)."""
    if callable(ref):
        return ref(model)
    value: object = model
    for name in ref.split("."):
        value = getattr(value, name, None)
        if value is None:
            return None
    return value


def _comparable(value: object) -> object:
    if isinstance(value, Decimal):
        return value.normalize() if value.is_finite() else value
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        return value.strip()
    return value


@dataclass(frozen=True, slots=True)
class Bind:
    """One field in which an answer must agree with its request.

    ``required``: a success or pending answer must carry the field. Refusals are compared only
    where both sides carry it (a gateway may not echo everything when it refuses).
    """

    name: str
    request: FieldRef
    response: FieldRef
    required: bool = True

    def check(
        self, request: object, response: object, *, accepted: bool
    ) -> tuple[str, str | None] | None:
        """``(sent, received)`` when the answer disagrees with the request, else ``None``."""
        sent = read_field(request, self.request)
        if sent is None:
            return None
        received = read_field(response, self.response)
        if received is None or received == "":
            return (_text(sent), None) if accepted and self.required else None
        if _comparable(sent) == _comparable(received):
            return None
        return _text(sent), _text(received)


def _text(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


@dataclass(frozen=True)
class CodeTable:
    """How a family's answers say what happened.

    ``code_field`` / ``description_field`` name the response attributes that hold the code
    and its text (``resp_code``/``resp_desc``, ``response_code``/``resp_reason`` ...).
    ``errors`` maps each documented failure code to the ``GatewayError`` subclass raised for
    it; an unlisted code raises ``GatewayError`` itself. ``retryable_hint`` lists the codes
    2C2P calls retryable (a hint for people; the retry policy decides).
    """

    enum: type[GatewayCode]
    code_field: str
    description_field: str
    success: frozenset[str]
    errors: Mapping[str, type[GatewayError]]
    pending: frozenset[str] = frozenset()
    retryable_hint: frozenset[str] = frozenset()

    def code_of(self, response: object) -> GatewayCode:
        """The response's code as the family's enum (an unknown code is a pseudo-member)."""
        raw = read_field(response, self.code_field)
        text = raw.strip() if isinstance(raw, str) else ""
        return self.enum(text)

    def description_of(self, response: object) -> str:
        """The gateway's own text for the code, as sent."""
        raw = read_field(response, self.description_field)
        return raw if isinstance(raw, str) else ""

    def error_class(self, code: str) -> type[GatewayError]:
        """The ``GatewayError`` subclass for a failure code (the base class if unlisted)."""
        return self.errors.get(code.strip(), GatewayError)


@dataclass(frozen=True)
class Operation(Generic[ReqT, ResultT]):
    """One operation of the Payment Maintenance API, declared as data.

    ``name`` is the public name (``refund``, ``recurring.cancel``); ``result`` is the class of
    what a successful or pending call returns. ``log_fields`` are the request fields the one
    INFO line of a call shows (never card data); ``masked`` names the wire fields (element or
    member names) that DEBUG logs and traces mask, and how. ``idempotency_field`` names the request
    attribute that carries an idempotencyID (when the operation has one); with
    ``auto_idempotency`` the client adds a fresh id when the caller gives none.
    ``replay_pending`` lists codes that, answering a request whose idempotencyID was sent
    before, mean "the original is still pending" (reported as pending, not as a failure).
    ``selects`` tells operations that share a request model apart (PaymentProcessRequest's
    ``processType``). ``inferred`` lists, in plain words, every field or behaviour of the
    operation that rests on inference rather than a 2C2P page.
    """

    name: str
    summary: str
    request_type: type[ReqT]
    response_type: type[Any]
    endpoint: Endpoint
    envelope: Envelope
    body: BodyFormat
    codes: CodeTable
    result: type[ResultT]
    retry: RetrySafety
    evidence: Evidence
    binding: tuple[Bind, ...] = ()
    idempotency_field: str | None = None
    auto_idempotency: bool = False
    replay_pending: frozenset[str] = frozenset()
    selects: Callable[[Any], bool] | None = field(default=None, compare=False)
    inferred: tuple[str, ...] = ()
    log_fields: tuple[tuple[str, FieldRef], ...] = ()
    masked: Mapping[str, Mask] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<Operation {self.name} ({self.evidence.value})>"

    @property
    def inferred_flag(self) -> bool:
        """Whether anything about this operation rests on inference."""
        return self.evidence is Evidence.INFERRED or bool(self.inferred)

    def idempotency_id_of(self, request: object) -> str | None:
        """The idempotencyID ``request`` carries, if the operation has one."""
        if self.idempotency_field is None:
            return None
        value = getattr(request, self.idempotency_field, None)
        # An empty string is returned as given: prepare() refuses it rather than replace it.
        return None if value is None else str(value)


class CallOptions(TypedDict, total=False):
    """Options every operation accepts: ``timeout`` overrides the client's, for this call."""

    timeout: float


class CallerSettings(Protocol):
    """What a family's service reads from its client's settings."""

    @property
    def merchant_id(self) -> str:
        """The merchant the client speaks for."""
        ...


class Caller(Protocol):
    """What a family's sync service needs of a client: its settings and its one call path.

    Families write their services against this (``client.recurring.cancel(...)`` builds a
    request and hands it to ``call``), so they never import the client.
    """

    @property
    def settings(self) -> CallerSettings:
        """The client's settings."""
        ...

    def call(
        self, operation: Operation[Any, _R], request: object, options: CallOptions | None = None
    ) -> _R:
        """Run ``operation`` with ``request``."""
        ...


class AsyncCaller(Protocol):
    """:class:`Caller` for asyncio services."""

    @property
    def settings(self) -> CallerSettings:
        """The client's settings."""
        ...

    async def call(
        self, operation: Operation[Any, _R], request: object, options: CallOptions | None = None
    ) -> _R:
        """Run ``operation`` with ``request``."""
        ...


def unknown_element_text(name: str) -> Callable[[Any], object]:
    """A :data:`FieldRef` reading the text of an unknown element ``name`` kept by the reader."""

    def read(model: object) -> object:
        for node in getattr(model, "other_element", None) or ():
            if getattr(node, "qname", None) == name:
                return getattr(node, "text", None)
        return None

    read.__name__ = f"unknown_element_text({name!r})"
    return read
