"""The emulator: one request body in, one gateway answer out, with the ledger in between.

How a request is answered, in order:

0. the URL path chooses the family (see :mod:`c2p_action.emulator.families`); an unknown path
   -> HTTP 404. On the Payment Action path, XML families other than the payment process are
   chosen by the request's root element once it is decrypted;
1. a body that is not a compact JWS -> HTTP 400;
2. the signature is checked against every registered merchant key (a public-key operation
   per merchant); none verifies -> HTTP 401. No 96 is possible here: the answer would have to
   be encrypted to a merchant we cannot name;
3. the signer's codec decrypts; failure -> a respCode 96 response sealed to the signer
   (``undecryptable="respond"``, default) or HTTP 400 (``undecryptable="http"``);
4. a request naming another merchantID than the signer's -> 03 (a valid token replayed to
   another merchant); missing fields -> 10; bad amount -> 18; ...
5. a scripted answer (:mod:`c2p_action.emulator.script`) matching the request is sealed and
   sent instead of processing it;
6. idempotency, decision and ledger change are one SQLite transaction (see
   :mod:`c2p_action.emulator.ledger`), and the sealed answer is stored with the idempotencyID.

The answer carries the version the request was made with (3.8 and 4.3 are both current).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.codec import Codec, Envelope
from c2p_action.codec.messages import encode_response
from c2p_action.emulator.families import FamilyRules, default_families, root_tag
from c2p_action.emulator.faults import FaultPlan, Faults, corrupt_token
from c2p_action.emulator.intake import Intake, read_request
from c2p_action.emulator.ledger import IdempotencyRecord, Ledger
from c2p_action.emulator.limits import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
)
from c2p_action.emulator.model import Method, RefundRecord, Transaction
from c2p_action.emulator.notifier import NotificationSender, Notifier
from c2p_action.emulator.responses import Echo, build_notification, build_response
from c2p_action.emulator.rules import (
    VOID_PENDING,
    Decision,
    NewRefund,
    NewStatus,
    Replay,
    decide,
    idempotency_verdict,
)
from c2p_action.emulator.script import Script, ScriptedAnswer
from c2p_action.errors import (
    CodecError,
    ConfigurationError,
    SignatureError,
    TokenFormatError,
    TransportError,
    ValidationError,
)
from c2p_action.transports.base import TransportRequest, TransportResponse

if TYPE_CHECKING:
    from aiohttp import web

    from c2p_action.emulator.server import RunningServer

__all__ = [
    "ACTION_PATH",
    "CONTROL_PREFIX",
    "DEFAULT_APM_SCHEME",
    "Delivery",
    "Emulator",
    "make_transaction",
]

#: The endpoint path, as on 2C2P's hosts.
ACTION_PATH = "/2C2PFrontend/PaymentAction/2.0/action"

#: Where the HTTP emulator's control endpoint lives (:mod:`c2p_action.emulator.control`): a
#: path 2C2P's hosts never use.
CONTROL_PREFIX = "/_emulator"

_TOKEN_HEADERS = {"Content-Type": "text/plain"}

#: The scheme a seeded APM payment reports unless told otherwise (one of 2C2P's scheme codes).
DEFAULT_APM_SCHEME = "MOBILEBANKING"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _plain(status: int, message: str) -> TransportResponse:
    return TransportResponse(status, message.encode(), {"Content-Type": "text/plain"})


def make_transaction(
    merchant_id: str,
    invoice_no: str,
    amount: Decimal | str,
    *,
    method: Method | str = Method.CARD,
    status: str = "A",
    partial_settle: bool = False,
    masked_pan: str | None = "411111XXXXXX1111",
    payment_scheme: str | None = None,
    sub_merchants: Mapping[str, Decimal | str] | None = None,
    void_pending: bool = False,
) -> Transaction:
    """A payment to seed, with the emulator's defaults (``VI`` for cards, a masked PAN only
    for cards, :data:`DEFAULT_APM_SCHEME` for APMs); checked for what a seed must be.

    Raises :class:`~c2p_action.errors.ConfigurationError` for an unknown method or status
    text, an amount that is not a number, or an empty invoice number.
    """
    try:
        method = Method(method)
    except ValueError:
        known = ", ".join(m.value for m in Method)
        raise ConfigurationError(f"seed method {method!r} is not one of {known}") from None
    if not isinstance(invoice_no, str) or not invoice_no.strip():
        raise ConfigurationError("a seeded payment needs an invoice number")
    if not isinstance(status, str) or not 1 <= len(status) <= 3:
        raise ConfigurationError(f"seed status {status!r} is not a 2C2P status code")
    split = tuple((str(mid), _seed_amount(sub)) for mid, sub in (sub_merchants or {}).items())
    return Transaction(
        merchant_id=merchant_id,
        invoice_no=invoice_no,
        amount=_seed_amount(amount),
        method=method,
        status=status,
        masked_pan=masked_pan if method is Method.CARD else None,
        payment_scheme=payment_scheme or ("VI" if method is Method.CARD else DEFAULT_APM_SCHEME),
        partial_settle=bool(partial_settle),
        sub_merchants=split,
        void_pending=bool(void_pending),
    )


def _seed_amount(amount: object) -> Decimal:
    # A float may not be the amount it looks like; never round a seed silently.
    if isinstance(amount, bool) or not isinstance(amount, str | int | Decimal):
        raise ConfigurationError(f"seed amount {amount!r}: give a string or a Decimal")
    try:
        return Decimal(amount)
    except InvalidOperation:
        raise ConfigurationError(f"seed amount {amount!r} is not a number") from None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One notification attempt: where, which refund, and the error if not acknowledged."""

    url: str
    refund_id: int
    attempt: int
    error: str | None

    @property
    def delivered(self) -> bool:
        """Whether the merchant acknowledged it with 2xx."""
        return self.error is None


class Emulator:
    """A stateful stand-in for 2C2P's Payment Maintenance endpoint.

    ``merchants`` maps each merchantID to its public key (from the certificate it uploaded), or
    to several, the default first (see :meth:`upload_merchant_key` for key rotation).
    ``ledger`` is a :class:`Ledger`, a SQLite file path, or ``None`` for memory.
    ``notifier`` delivers refund notifications (default: HTTP POST with :class:`Notifier`).
    ``families``: the message families served besides the payment process (default: every
    built-in one, :func:`~c2p_action.emulator.families.default_families`).
    ``apm_refund_delay``: seconds after which :meth:`process_due` completes APM refunds on its
    own (``None``: only :meth:`complete_pending_refunds` does); likewise ``apm_void_delay`` for
    pending APM voids (:meth:`complete_pending_voids`) and ``settlement_delay`` for the
    settlement run that moves settle-accepted payments from ``RS`` to ``S``
    (:meth:`run_settlement`). ``clock`` and ``sleep`` are injectable so that tests control time.
    """

    def __init__(
        self,
        gateway_private_key: rsa.RSAPrivateKey,
        merchants: Mapping[str, rsa.RSAPublicKey | Sequence[rsa.RSAPublicKey]],
        *,
        ledger: Ledger | str | os.PathLike[str] | None = None,
        faults: Faults | None = None,
        notifier: NotificationSender | None = None,
        apm_refund_delay: float | None = None,
        apm_void_delay: float | None = None,
        settlement_delay: float | None = None,
        undecryptable: Literal["respond", "http"] = "respond",
        clock: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], None] = time.sleep,
        families: Sequence[FamilyRules] | None = None,
    ) -> None:
        if not merchants:
            raise ConfigurationError("the emulator needs at least one merchant and its key")
        if undecryptable not in ("respond", "http"):
            raise ConfigurationError("undecryptable must be 'respond' or 'http'")
        # One codec per merchant, built once: the codec is keyed per peer.
        # Like 2C2P's portal: each merchant uploads certificates, one of them the default
        # (answers are encrypted to it); the gateway signs with its newest key.
        self._gateway_keys: list[rsa.RSAPrivateKey] = [gateway_private_key]
        self._merchant_keys: dict[str, list[rsa.RSAPublicKey]] = {
            mid: [key] if isinstance(key, rsa.RSAPublicKey) else list(key)
            for mid, key in merchants.items()
        }
        self._codecs: dict[str, Codec] = {}
        self._rebuild_codecs()
        self.ledger = ledger if isinstance(ledger, Ledger) else Ledger(ledger)
        self.faults = faults or Faults()
        self.notifier: NotificationSender = notifier or Notifier()
        self.apm_refund_delay = apm_refund_delay
        self.apm_void_delay = apm_void_delay
        self.settlement_delay = settlement_delay
        self.script = Script()
        self.undecryptable = undecryptable
        self._clock = clock
        self._sleep = sleep
        self._delivering = threading.Lock()  # one delivery round at a time: no double posts
        self.families: dict[str, FamilyRules] = {}
        self._routes: dict[str, tuple[FamilyRules, Envelope]] = {}
        self._xml_roots: dict[str, FamilyRules] = {}
        for family in default_families() if families is None else families:
            self.add_family(family)

    # -- keys ----------------------------------------------------------------------------------

    def _rebuild_codecs(self) -> None:
        # A new mapping replaces the old one at once: requests in flight keep their codec.
        self._codecs = {
            mid: Codec(self._gateway_keys, keys) for mid, keys in self._merchant_keys.items()
        }

    @property
    def gateway_public_keys(self) -> list[rsa.RSAPublicKey]:
        """The gateway's public keys, the one it signs with first."""
        return [key.public_key() for key in self._gateway_keys]

    def rotate_gateway_key(self, new_key: rsa.RSAPrivateKey, *, keep_old: bool = True) -> None:
        """Sign with ``new_key`` from now on, as 2C2P does when it rotates its certificate.

        With ``keep_old`` requests still encrypted to the previous key are decrypted (the
        transition 2C2P announces); without it only the new key is held.
        """
        self._gateway_keys = [new_key, *self._gateway_keys] if keep_old else [new_key]
        self._rebuild_codecs()

    def upload_merchant_key(
        self, merchant_id: str, public_key: rsa.RSAPublicKey, *, default: bool = False
    ) -> None:
        """A merchant uploads one more certificate, as in 2C2P's portal; ``default`` makes it
        the key answers are encrypted to.

        The emulator verifies a request signed with any uploaded key of the merchant: whether
        2C2P accepts signatures by a non-default key is not documented (an assumption here,
        see the key rotation guide).
        """
        keys = [k for k in self._merchant_keys.get(merchant_id, []) if k != public_key]
        self._merchant_keys[merchant_id] = [public_key, *keys] if default else [*keys, public_key]
        self._rebuild_codecs()

    def remove_merchant_key(self, merchant_id: str, public_key: rsa.RSAPublicKey) -> None:
        """A merchant deletes an uploaded certificate (never its last one)."""
        keys = [k for k in self._merchant_keys.get(merchant_id, []) if k != public_key]
        if not keys:
            raise ConfigurationError(f"merchant {merchant_id!r} would have no key left")
        self._merchant_keys[merchant_id] = keys
        self._rebuild_codecs()

    def add_family(self, family: FamilyRules) -> None:
        """Serve one more message family (its paths, its XML roots) and create its tables."""
        claimed = [p for p in family.routes if p == ACTION_PATH or p in self._routes]
        claimed += [r for r in family.xml_roots if r in self._xml_roots or r in _PAYMENT_ROOTS]
        if family.name in self.families or claimed:
            raise ConfigurationError(
                f"emulator family {family.name!r} is registered twice or claims"
                f" {', '.join(claimed) or 'a name'} already served"
            )
        family.install(self.ledger)
        self.families[family.name] = family
        for path, envelope in family.routes.items():
            self._routes[path] = (family, envelope)
        for root in family.xml_roots:
            self._xml_roots[root] = family

    @property
    def paths(self) -> list[str]:
        """Every URL path this emulator answers (the Payment Action path first)."""
        return [ACTION_PATH, *self._routes]

    def __repr__(self) -> str:
        return f"Emulator(merchants={sorted(self._codecs)}, ledger={self.ledger!r})"

    @property
    def merchant_ids(self) -> list[str]:
        """The registered merchantIDs."""
        return list(self._codecs)

    def close(self) -> None:
        """Close the ledger and the notifier's connections."""
        self.notifier.close()
        self.ledger.close()

    # -- seeding -------------------------------------------------------------------------------

    def seed(
        self,
        invoice_no: str,
        amount: Decimal | str,
        *,
        merchant_id: str | None = None,
        method: Method | str = Method.CARD,
        status: str = "A",
        partial_settle: bool = False,
        masked_pan: str | None = "411111XXXXXX1111",
        payment_scheme: str | None = None,
        sub_merchants: Mapping[str, Decimal | str] | None = None,
        void_pending: bool = False,
    ) -> Transaction:
        """Add an original payment (default: an approved, unsettled card payment).

        ``merchant_id`` may be left out when only one merchant is registered. ``status``
        ``S`` seeds a settled payment (refundable), ``AP`` an unpaid APM payment slip
        (voidable). ``sub_merchants`` is the split of a master-merchant payment (``subMID ->
        amount``, adding up to ``amount``); ``void_pending`` makes voids of this APM payment
        answer ``VP`` first. Raises :class:`~c2p_action.errors.ConfigurationError` for an
        invalid seed.
        """
        return self.ledger.add_transaction(
            self.transaction_for(
                invoice_no,
                amount,
                merchant_id=merchant_id,
                method=method,
                status=status,
                partial_settle=partial_settle,
                masked_pan=masked_pan,
                payment_scheme=payment_scheme,
                sub_merchants=sub_merchants,
                void_pending=void_pending,
            ),
            now=self._clock(),
        )

    def seed_many(self, payments: Iterable[Mapping[str, Any]]) -> list[Transaction]:
        """Add many payments at once, all or none; each mapping holds :meth:`seed`'s
        arguments by name (``invoice_no``, ``amount``, ``status`` ...)."""
        txns = []
        for payment in payments:
            try:
                txns.append(self.transaction_for(**payment))
            except TypeError as exc:
                raise ConfigurationError(f"cannot seed {dict(payment)!r}: {exc}") from None
        return self.ledger.add_transactions(txns, now=self._clock())

    def transaction_for(
        self,
        invoice_no: str,
        amount: Decimal | str,
        *,
        merchant_id: str | None = None,
        method: Method | str = Method.CARD,
        status: str = "A",
        partial_settle: bool = False,
        masked_pan: str | None = "411111XXXXXX1111",
        payment_scheme: str | None = None,
        sub_merchants: Mapping[str, Decimal | str] | None = None,
        void_pending: bool = False,
    ) -> Transaction:
        """The :class:`Transaction` :meth:`seed` would record (not recorded)."""
        if merchant_id is None:
            if len(self._codecs) != 1:
                raise ConfigurationError("several merchants are registered: name merchant_id")
            merchant_id = next(iter(self._codecs))
        return make_transaction(
            merchant_id,
            invoice_no,
            amount,
            method=method,
            status=status,
            partial_settle=partial_settle,
            masked_pan=masked_pan,
            payment_scheme=payment_scheme,
            sub_merchants=sub_merchants,
            void_pending=void_pending,
        )

    # -- scripted answers and faults ------------------------------------------------------------

    def answer(
        self,
        code: str,
        *,
        times: int | None = 1,
        merchant_id: str | None = None,
        invoice_no: str | None = None,
        process_type: str | None = None,
        status: str | None = None,
        description: str | None = None,
    ) -> ScriptedAnswer:
        """Answer ``code`` to the next ``times`` requests (``None``: all, until
        :meth:`clear_answers`) that match the filters given; see :mod:`.script`.

        ``emulator.answer("95", process_type="R")``: the next refund request gets 95 "Request
        timed out" with the transaction's status, sealed like a real answer, and changes
        nothing. Any respCode of 2C2P's table works; its respDesc is the table's.
        """
        return self.script.add(
            ScriptedAnswer(
                code,
                times=times,
                merchant_id=merchant_id,
                invoice_no=invoice_no,
                process_type=process_type,
                status=status,
                description=description,
            )
        )

    def clear_answers(self) -> None:
        """Drop every scripted answer not used yet."""
        self.script.clear()

    def inject_faults(self, *specs: str, seed: int | None = None) -> Faults:
        """Replace the fault switches with ``specs`` (the CLI's ``--fault`` strings, e.g.
        ``"drop_after_commit=1x"``, ``"error_before=0.2"``, ``"latency=0.5"``); no specs
        switches every fault off. Returns the new :class:`Faults`."""
        self.faults = Faults.parse(specs, seed=seed)
        return self.faults

    # -- requests ------------------------------------------------------------------------------

    def handle(self, request: TransportRequest) -> TransportResponse:
        """The in-process endpoint, faults included (blocking).

        A dropped connection surfaces as :class:`~c2p_action.errors.TransportError`, which is
        what a real transport raises when the gateway hangs up after acting.
        """
        plan = self.faults.draw()
        if plan.latency:
            self._sleep(plan.latency)
        path = _path(request.url)
        return self._finish(plan, self._before(plan) or self.respond(request.body, path))

    async def ahandle(self, request: TransportRequest) -> TransportResponse:
        """:meth:`handle` for asyncio: waits without blocking the loop, works in a thread."""
        plan = self.faults.draw()
        if plan.latency:
            await asyncio.sleep(plan.latency)
        early = self._before(plan)
        if early is not None:
            return early
        path = _path(request.url)
        return self._finish(plan, await asyncio.to_thread(self.respond, request.body, path))

    @staticmethod
    def _before(plan: FaultPlan) -> TransportResponse | None:
        if plan.error_status is not None:
            return _plain(plan.error_status, "emulator fault: failed before processing")
        return None

    @staticmethod
    def _finish(plan: FaultPlan, response: TransportResponse) -> TransportResponse:
        if plan.drop_after_commit and plan.error_status is None:
            raise TransportError(
                "emulator fault: connection dropped after the action was committed",
                retryable=True,
            )
        return apply_corruption(plan, response)

    def respond(self, body: bytes, path: str = ACTION_PATH) -> TransportResponse:
        """Answer one request body posted to ``path``, without faults: the gateway's own
        behaviour."""
        if path != ACTION_PATH:
            route = self._routes.get(path)
            if route is None:
                return _plain(404, "no such endpoint")
            return self._respond_family(*route, path, body)
        signer = self._identify(body)
        if isinstance(signer, TransportResponse):
            return signer
        merchant_id, codec = signer
        try:
            plaintext = codec.open(body)
        except CodecError:
            if self.undecryptable == "http":
                return _plain(400, "request could not be decrypted")
            return self._seal(codec, Echo(), Decision("96"))
        family = self._xml_roots.get(root_tag(plaintext) or "") if self._xml_roots else None
        if family is not None:
            answer = family.answer(self, merchant_id, path, plaintext)
            return TransportResponse(200, codec.seal(answer).encode("ascii"), _TOKEN_HEADERS)
        intake = read_request(plaintext, merchant_id)
        if intake.refusal is not None:
            return self._seal(codec, intake.echo, intake.refusal)
        try:
            scripted = self.script.take(merchant_id, intake.action)
            if scripted is not None:
                return self._answer_scripted(merchant_id, codec, intake, scripted)
            return self._act(merchant_id, codec, intake)
        except ValidationError:
            # The answer itself broke a schema rule (a far too long echo): answer 99.
            return self._seal(codec, Echo(intake.echo.process_type), Decision("99"))

    def _respond_family(
        self, family: FamilyRules, envelope: Envelope, path: str, body: bytes
    ) -> TransportResponse:
        signer = self._identify(body, envelope)
        if isinstance(signer, TransportResponse):
            return signer
        merchant_id, codec = signer
        try:
            if envelope is Envelope.NESTED:
                plaintext = codec.open(body)
            else:
                plaintext = codec.verify_payload(body)
        except CodecError:
            # 2C2P documents no answer for these families here: the emulator's own choice.
            return _plain(400, "request could not be decrypted")
        answer = family.answer(self, merchant_id, path, plaintext)
        token = codec.seal(answer) if envelope is Envelope.NESTED else codec.sign(answer)
        return TransportResponse(200, token.encode("ascii"), _TOKEN_HEADERS)

    def _identify(
        self, body: bytes, envelope: Envelope = Envelope.NESTED
    ) -> tuple[str, Codec] | TransportResponse:
        for merchant_id, codec in self._codecs.items():
            try:
                if envelope is Envelope.NESTED:
                    codec.verify(body)
                else:
                    codec.verify_payload(body)
            except SignatureError:
                continue
            except TokenFormatError:
                return _plain(400, "body is not a token of this endpoint's kind")
            return merchant_id, codec
        return _plain(401, "signature does not verify with any registered merchant key")

    def _seal(
        self, codec: Codec, echo: Echo, decision: Decision, txn: Transaction | None = None
    ) -> TransportResponse:
        response = build_response(echo, decision, now=self._clock(), txn=txn)
        token = encode_response(codec, response)
        return TransportResponse(200, token.encode("ascii"), _TOKEN_HEADERS)

    def _answer_scripted(
        self, merchant_id: str, codec: Codec, intake: Intake, answer: ScriptedAnswer
    ) -> TransportResponse:
        invoice_no = intake.action.invoice_no
        txn = None if invoice_no is None else self.ledger.transaction(merchant_id, invoice_no)
        return self._seal(codec, intake.echo, answer.decision(intake.action, txn), txn)

    def _act(self, merchant_id: str, codec: Codec, intake: Intake) -> TransportResponse:
        action, echo, key = intake.action, intake.echo, intake.idempotency_id
        assert action.process_type is not None
        assert action.invoice_no is not None
        ledger = self.ledger
        with ledger.atomic():
            if key is not None:
                original = ledger.idempotency(merchant_id, key)
                verdict = idempotency_verdict(
                    original.process_type if original else None,
                    original is not None and self._still_pending(merchant_id, original),
                    action.process_type,
                )
                if verdict is Replay.REPLAY:
                    assert original is not None
                    return TransportResponse(200, original.token.encode("ascii"), _TOKEN_HEADERS)
                if verdict is not Replay.NEW:
                    return self._seal(codec, echo, Decision(verdict.value))
            now = self._clock()
            txn = ledger.transaction(merchant_id, action.invoice_no)
            refunds = ledger.refunds(merchant_id, action.invoice_no)
            decision = decide(txn, refunds, action)
            new_refund = None
            change = decision.change
            if isinstance(change, NewStatus):
                ledger.set_status(
                    merchant_id,
                    action.invoice_no,
                    change.status,
                    now=now,
                    settled_amount=change.settled_amount,
                )
            elif isinstance(change, NewRefund):
                new_refund = ledger.add_refund(
                    merchant_id,
                    action.invoice_no,
                    change.amount,
                    change.status,
                    now=now,
                    notify_url=intake.notify_url,
                    user_defined=echo.user_defined,
                    sub_amounts=change.sub_amounts,
                    version=echo.version,
                )
                refunds = [*refunds, new_refund]
            response = build_response(
                echo, decision, now=now, txn=txn, refunds=refunds, new_refund=new_refund
            )
            token = encode_response(codec, response)
            if key is not None:
                refund_id = new_refund.id if new_refund else None
                record = IdempotencyRecord(action.process_type, token, refund_id, action.invoice_no)
                ledger.remember(merchant_id, key, record)
        return TransportResponse(200, token.encode("ascii"), _TOKEN_HEADERS)

    def _still_pending(self, merchant_id: str, original: IdempotencyRecord) -> bool:
        """Whether the original's outcome is not final yet: its APM refund still at ``RP``,
        or the APM payment its void was accepted for still at ``VP``."""
        if original.refund_id is not None:
            refund = self.ledger.refund(original.refund_id)
            return refund is not None and refund.status == "RP"
        if original.process_type == "V" and original.invoice_no is not None:
            txn = self.ledger.transaction(merchant_id, original.invoice_no)
            return txn is not None and txn.status == VOID_PENDING
        return False

    # -- asynchronous refunds and notifications -------------------------------------------------

    def complete_pending_refunds(
        self,
        *,
        status: str = "RF",
        merchant_id: str | None = None,
        invoice_no: str | None = None,
        older_than: float | None = None,
    ) -> list[RefundRecord]:
        """Give pending APM refunds their final ``status`` (RF, or RFF/RR... to fail them) and
        queue a notification for each that named a notifyURL. Returns the completed refunds.
        """
        if status == "RP":
            raise ConfigurationError("a completed refund needs a final status, not RP")
        now = self._clock()
        cutoff = None if older_than is None else now - timedelta(seconds=older_than)
        done: list[RefundRecord] = []
        with self.ledger.atomic():
            for refund in self.ledger.pending_refunds(
                merchant_id=merchant_id, invoice_no=invoice_no, created_before=cutoff
            ):
                final = self.ledger.finish_refund(refund.id, status, now=now)
                done.append(final)
                self._queue_notification(final, now)
        return done

    def complete_pending_voids(
        self,
        *,
        status: str = "V",
        merchant_id: str | None = None,
        invoice_no: str | None = None,
        older_than: float | None = None,
    ) -> list[Transaction]:
        """Give APM payments whose void is pending (``VP``) their final ``status``: ``V``
        cancelled, or ``AP`` when the cancel failed and the payment slip stays payable.
        Returns the payments as they were before."""
        if status == VOID_PENDING:
            raise ConfigurationError("a completed void needs a final status, not VP")
        return self._move(VOID_PENDING, status, merchant_id, invoice_no, older_than)

    def run_settlement(
        self,
        *,
        merchant_id: str | None = None,
        invoice_no: str | None = None,
        older_than: float | None = None,
    ) -> list[Transaction]:
        """The acquirer's settlement run: payments whose settle was accepted (``RS``, ready for
        settlement) become settled (``S``), and only then refundable. Returns them as they were
        before."""
        return self._move("RS", "S", merchant_id, invoice_no, older_than)

    def _move(
        self,
        current: str,
        final: str,
        merchant_id: str | None,
        invoice_no: str | None,
        older_than: float | None,
    ) -> list[Transaction]:
        now = self._clock()
        cutoff = None if older_than is None else now - timedelta(seconds=older_than)
        with self.ledger.atomic():
            moved = self.ledger.in_status(
                current, merchant_id=merchant_id, invoice_no=invoice_no, changed_before=cutoff
            )
            for txn in moved:
                self.ledger.set_status(txn.merchant_id, txn.invoice_no, final, now=now)
        return moved

    def _queue_notification(self, refund: RefundRecord, now: datetime) -> None:
        codec = self._codecs.get(refund.merchant_id)
        txn = self.ledger.transaction(refund.merchant_id, refund.invoice_no)
        if refund.notify_url is None or codec is None or txn is None:
            return  # nobody to tell, or no key to seal with (merchant no longer registered)
        notification = build_notification(txn, refund, now=now, version=refund.version)
        token = encode_response(codec, notification)
        self.ledger.enqueue_notification(
            refund.merchant_id, refund.id, refund.notify_url, token, due_at=now.timestamp()
        )

    def process_due(self) -> list[Delivery]:
        """Complete APM refunds older than ``apm_refund_delay``, APM voids older than
        ``apm_void_delay`` and run the settlement of payments settled ``settlement_delay``
        ago (each when set), then make one delivery attempt for every notification that is
        due. Returns the attempts.
        """
        if self.apm_refund_delay is not None:
            self.complete_pending_refunds(older_than=self.apm_refund_delay)
        if self.apm_void_delay is not None:
            self.complete_pending_voids(older_than=self.apm_void_delay)
        if self.settlement_delay is not None:
            self.run_settlement(older_than=self.settlement_delay)
        with self._delivering:
            return self._deliver_due()

    def _deliver_due(self) -> list[Delivery]:
        attempts: list[Delivery] = []
        for entry in self.ledger.due_notifications(self._clock().timestamp()):
            error = self.notifier.send(entry.url, entry.token)
            wait = None if error is None else self.notifier.retry.delay(entry.attempts + 1)
            retry_at = None if wait is None else self._clock().timestamp() + wait
            self.ledger.record_attempt(
                entry.id, delivered=error is None, retry_at=retry_at, error=error
            )
            attempts.append(Delivery(entry.url, entry.refund_id, entry.attempts + 1, error))
        return attempts

    def deliver_notifications(self) -> list[Delivery]:
        """Attempt every queued notification until acknowledged or out of retries, sleeping
        (with the injected ``sleep``) between rounds. Returns every attempt made.
        """
        attempts: list[Delivery] = []
        while True:
            attempts += self.process_due()
            waiting = [n.due_at for n in self.ledger.notifications("due") if n.due_at is not None]
            if not waiting:
                return attempts
            self._sleep(max(0.0, min(waiting) - self._clock().timestamp()))

    # -- serving -------------------------------------------------------------------------------

    def app(
        self,
        *,
        poll_interval: float = 0.5,
        control: bool = True,
        body_timeout: float | None = DEFAULT_BODY_TIMEOUT,
    ) -> web.Application:
        """An aiohttp application serving the real path (needs the ``aiohttp`` extra), and
        the ``/_emulator/`` control endpoint unless ``control`` is false; ``body_timeout`` as
        in :func:`c2p_action.emulator.server.create_app`."""
        from c2p_action.emulator.server import create_app

        return create_app(
            self, poll_interval=poll_interval, control=control, body_timeout=body_timeout
        )

    def start_server(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        poll_interval: float = 0.5,
        control: bool = True,
        header_timeout: float | None = DEFAULT_HEADER_TIMEOUT,
        body_timeout: float | None = DEFAULT_BODY_TIMEOUT,
        max_connections: int | None = DEFAULT_MAX_CONNECTIONS,
    ) -> RunningServer:
        """Serve over HTTP from a background thread (port 0: any free port); use as a
        context manager. ``server.url`` is the full endpoint URL.

        Slow clients: a request head must arrive within ``header_timeout`` seconds and its
        body within ``body_timeout`` more, and at most ``max_connections`` are served at once
        (``None`` lifts a limit); see :mod:`c2p_action.emulator.server`.
        """
        from c2p_action.emulator.server import RunningServer

        app = self.app(poll_interval=poll_interval, control=control, body_timeout=body_timeout)
        return RunningServer(
            app,
            host,
            port,
            path=ACTION_PATH,
            header_timeout=header_timeout,
            max_connections=max_connections,
        ).start()


#: The payment process family's roots, answered by the core itself on the action path.
_PAYMENT_ROOTS: Final = frozenset({"PaymentProcessRequest"})


def _path(url: str) -> str:
    path = urlsplit(url).path
    return path or ACTION_PATH


def apply_corruption(plan: FaultPlan, response: TransportResponse) -> TransportResponse:
    """The response, with its token corrupted when the plan says so."""
    if not plan.corrupt_response or response.status != 200:
        return response
    return TransportResponse(response.status, corrupt_token(response.body), response.headers)
