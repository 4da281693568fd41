"""Refund notifications: the merchant-side helper and receiver, and the emulator's sender,
end to end over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from _emulator_support import MERCHANT, build, exchange, http_post
from _slow_server import PHASES, elapsed_since, slow_server
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.codec.messages import encode_request, encode_response
from c2p_action.emulator import (
    DeliverySchedule,
    Emulator,
    NotificationFormat,
    NotificationSender,
    Notifier,
)
from c2p_action.emulator.server import RunningServer
from c2p_action.errors import ConfigurationError, SignatureError, TokenFormatError
from c2p_action.notifications import notification_app, notification_handler, parse_notification
from c2p_action.schemas import PaymentProcessResponse

FORM = "application/x-www-form-urlencoded"


def refund_result() -> PaymentProcessResponse:
    return PaymentProcessResponse(
        version="3.8",
        resp_code="00",
        resp_desc="Success",
        process_type="R",
        invoice_no="APM-9",
        amount=Decimal("12.50"),
        status="RF",
        refund_reference_no="7000001",
    )


@pytest.fixture
def token(gateway_codec: Codec) -> str:
    return encode_response(gateway_codec, refund_result())


@pytest.fixture
def forged(other_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey) -> str:
    """Encrypted to the merchant correctly, but signed by a key that is not the gateway's."""
    return encode_response(Codec(other_private, merchant_public), refund_result())


# -- parse_notification ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrap", "content_type"),
    [
        (lambda t: t.encode(), "text/plain"),
        (lambda t: t.encode() + b"\r\n", None),
        (lambda t: urlencode({"notifyResponse": t}).encode(), FORM),
        (lambda t: urlencode({"notifyResponse": t}).encode(), f"{FORM}; charset=UTF-8"),
        (lambda t: urlencode({"notifyResponse": t}).encode(), None),  # recognised by shape
        (lambda t: urlencode({"other": "1", "notifyResponse": t}).encode(), FORM),
    ],
)
def test_parse_accepts_raw_and_form_bodies(
    merchant_codec: Codec, token: str, wrap: Callable[[str], bytes], content_type: str | None
) -> None:
    parsed = parse_notification(merchant_codec, wrap(token), content_type)
    assert (parsed.invoice_no, parsed.status, parsed.amount) == ("APM-9", "RF", Decimal("12.50"))


@pytest.mark.parametrize(
    "body",
    [b"other=1", b"notifyResponse=", b"notifyResponse=a&notifyResponse=b", b"notifyResponse=%FF"],
)
def test_parse_rejects_forms_without_one_token(merchant_codec: Codec, body: bytes) -> None:
    with pytest.raises(TokenFormatError):
        parse_notification(merchant_codec, body, FORM)


def test_parse_rejects_a_forged_signature(merchant_codec: Codec, forged: str) -> None:
    with pytest.raises(SignatureError):
        parse_notification(merchant_codec, forged.encode(), "text/plain")


# -- the aiohttp receiver ----------------------------------------------------------------------


@pytest.fixture
def received() -> list[PaymentProcessResponse]:
    return []


@pytest.fixture
def receiver(
    merchant_codec: Codec, received: list[PaymentProcessResponse]
) -> Iterator[RunningServer]:
    app = notification_app(merchant_codec, received.append)
    with RunningServer(app, path="/2c2p/notify") as srv:
        yield srv


def test_receiver_hands_verified_notifications_over(
    receiver: RunningServer, received: list[PaymentProcessResponse], token: str
) -> None:
    assert http_post(receiver.url, token.encode()).status == 200
    assert (
        http_post(
            receiver.url, urlencode({"notifyResponse": token}).encode(), content_type=FORM
        ).status
        == 200
    )
    assert [r.refund_reference_no for r in received] == ["7000001", "7000001"]


def test_receiver_rejects_bad_notifications_before_the_callback(
    receiver: RunningServer, received: list[PaymentProcessResponse], forged: str, token: str
) -> None:
    assert http_post(receiver.url, forged.encode()).status == 401
    assert http_post(receiver.url, b"not a token").status == 400
    assert http_post(receiver.url, b"notifyResponse=", content_type=FORM).status == 400
    assert http_post(receiver.url, token[:-10].encode()).status in (400, 401)
    assert received == []


def test_failing_callback_answers_500(merchant_codec: Codec, token: str) -> None:
    async def broken(_: PaymentProcessResponse) -> None:
        raise RuntimeError("database down")

    app = web.Application()
    app.router.add_post("/n", notification_handler(merchant_codec, broken))
    with RunningServer(app, path="/n") as srv:
        assert http_post(srv.url, token.encode()).status == 500


# -- the emulator's sender, end to end ---------------------------------------------------------


class FakeTime:
    """A fake clock whose sleep advances it: retry schedules run instantly."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def apm_emulator(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    time: FakeTime,
    notifier: NotificationSender,
) -> Emulator:
    emu = Emulator(
        gateway_private,
        {MERCHANT: merchant_public},
        notifier=notifier,
        clock=time.clock,
        sleep=time.sleep,
    )
    emu.seed("APM-9", "50.00", method="apm", status="S")
    return emu


@pytest.mark.parametrize("fmt", list(NotificationFormat))
def test_apm_refund_pending_then_notified(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
    receiver: RunningServer,
    received: list[PaymentProcessResponse],
    fmt: NotificationFormat,
) -> None:
    time = FakeTime()
    emu = apm_emulator(gateway_private, merchant_public, time, Notifier(format=fmt))
    pending = exchange(
        emu.handle,
        merchant_codec,
        "R",
        "APM-9",
        "12.50",
        notify_url=receiver.url,
        user_defined2="ticket-7",
    )
    assert (pending.resp_code, pending.status) == ("42", "RP")
    assert emu.deliver_notifications() == []  # nothing final yet, nothing sent
    emu.complete_pending_refunds()
    attempts = emu.deliver_notifications()
    assert [a.delivered for a in attempts] == [True]
    (final,) = received
    assert (final.resp_code, final.status, final.invoice_no) == ("00", "RF", "APM-9")
    assert final.refund_reference_no == pending.refund_reference_no
    assert final.user_defined2 == "ticket-7"
    assert emu.ledger.notifications("delivered")[0].attempts == 1


def flaky_receiver(
    codec: Codec, failures: int, received: list[PaymentProcessResponse]
) -> RunningServer:
    real = notification_handler(codec, received.append)
    calls = [0]

    async def handler(request: web.Request) -> web.StreamResponse:
        calls[0] += 1
        if calls[0] <= failures:
            return web.Response(status=503)
        return await real(request)

    app = web.Application()
    app.router.add_post("/flaky", handler)
    return RunningServer(app, path="/flaky")


def test_notifications_retry_with_backoff_until_acknowledged(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
) -> None:
    time = FakeTime()
    notifier = Notifier(retry=DeliverySchedule(max_attempts=5, first_delay=2.0, factor=3.0))
    emu = apm_emulator(gateway_private, merchant_public, time, notifier)
    received: list[PaymentProcessResponse] = []
    with flaky_receiver(merchant_codec, 2, received) as srv:
        exchange(emu.handle, merchant_codec, "R", "APM-9", "5.00", notify_url=srv.url)
        emu.complete_pending_refunds()
        attempts = emu.deliver_notifications()
    assert [a.error for a in attempts] == ["answered HTTP 503", "answered HTTP 503", None]
    assert time.slept == [2.0, 6.0]
    assert len(received) == 1


def test_notification_retries_are_bounded(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
) -> None:
    time = FakeTime()
    notifier = Notifier(retry=DeliverySchedule(max_attempts=4, first_delay=1.0, max_delay=3.0))
    emu = apm_emulator(gateway_private, merchant_public, time, notifier)
    with flaky_receiver(merchant_codec, 100, []) as srv:
        exchange(emu.handle, merchant_codec, "R", "APM-9", "5.00", notify_url=srv.url)
        emu.complete_pending_refunds()
        attempts = emu.deliver_notifications()
    assert len(attempts) == 4
    assert time.slept == [1.0, 2.0, 3.0]
    (entry,) = emu.ledger.notifications("failed")
    assert (entry.attempts, entry.last_error) == (4, "answered HTTP 503")


def test_unreachable_receiver_is_retried_not_fatal(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
) -> None:
    time = FakeTime()
    emu = apm_emulator(
        gateway_private, merchant_public, time, Notifier(retry=DeliverySchedule(max_attempts=2))
    )
    # Port 9 (discard) is closed on this machine: the connection is refused at once.
    exchange(emu.handle, merchant_codec, "R", "APM-9", "5.00", notify_url="http://127.0.0.1:9/n")
    emu.complete_pending_refunds()
    attempts = emu.deliver_notifications()
    assert [a.delivered for a in attempts] == [False, False]
    assert attempts[0].error is not None
    assert attempts[0].error.startswith("no answer")


def test_served_emulator_completes_and_notifies_on_its_own(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
) -> None:
    arrived = threading.Event()
    received: list[PaymentProcessResponse] = []

    def on_notification(response: PaymentProcessResponse) -> None:
        received.append(response)
        arrived.set()

    emu = Emulator(gateway_private, {MERCHANT: merchant_public}, apm_refund_delay=0)
    emu.seed("APM-9", "50.00", method="apm", status="S")
    receiver_app = notification_app(merchant_codec, on_notification, path="/n")
    with RunningServer(receiver_app, path="/n") as rcv, emu.start_server(poll_interval=0.05) as srv:
        request = build("R", "APM-9", "9.00", notify_url=rcv.url)
        answer = http_post(srv.url, encode_request(merchant_codec, request).encode())
        assert answer.status == 200
        assert arrived.wait(timeout=60)
    assert [(r.status, r.amount) for r in received] == [("RF", Decimal("9.00"))]


class InProcessSender:
    """A NotificationSender without HTTP (what an in-process demo uses): it hands each token
    to the merchant-side parser, and refuses the first attempt to exercise the retry path.
    """

    def __init__(self, codec: Codec) -> None:
        self.retry = DeliverySchedule(max_attempts=3, first_delay=0.5)
        self.codec = codec
        self.seen: list[tuple[str, PaymentProcessResponse]] = []
        self.refused = False

    def send(self, url: str, token: str) -> str | None:
        if not self.refused:
            self.refused = True
            return "merchant busy"
        self.seen.append((url, parse_notification(self.codec, token.encode())))
        return None

    def close(self) -> None:
        self.seen.clear()


def test_a_custom_sender_plugs_in(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
) -> None:
    time = FakeTime()
    sender = InProcessSender(merchant_codec)
    emu = apm_emulator(gateway_private, merchant_public, time, sender)
    exchange(emu.handle, merchant_codec, "R", "APM-9", "3.00", notify_url="memory:merchant")
    emu.complete_pending_refunds(status="RR1")
    assert [a.delivered for a in emu.deliver_notifications()] == [False, True]
    assert time.slept == [0.5]
    ((url, result),) = sender.seen
    assert (url, result.resp_code, result.status) == ("memory:merchant", "44", "RR1")


# -- the sender's deadline and allow-list ------------------------------------------------------

DEADLINE = 1.0
MARGIN = 3.0  # a correctness bound for a loaded 2-core machine, not a performance claim


@pytest.mark.parametrize("phase", [*PHASES, "silent"])
def test_a_trickling_receiver_is_given_up_at_the_deadline(token: str, phase: str) -> None:
    notifier = Notifier(timeout=DEADLINE)
    with slow_server(phase) as server:
        start = time.monotonic()
        error = notifier.send(server.url, token)
        elapsed = elapsed_since(start)
    notifier.close()
    # Before: the status line and headers trickled for 5-8 s through a 1 s urllib3 timeout.
    assert error == f"no answer within {DEADLINE:g}s"
    assert DEADLINE <= elapsed < DEADLINE + MARGIN, elapsed


def test_a_huge_answer_is_not_read_whole(token: str) -> None:
    chunk = b"x" * (64 << 10)

    async def answer(request: web.Request) -> web.StreamResponse:
        # 8 MiB, streamed, so that the receiver's own memory stays out of the measurement.
        response = web.StreamResponse()
        response.content_length = 128 * len(chunk)
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            for _ in range(128):
                await response.write(chunk)
        return response

    app = web.Application()
    app.router.add_post("/n", answer)
    with RunningServer(app, path="/n") as srv:
        notifier = Notifier(timeout=10)
        tracemalloc.start()
        try:
            assert notifier.send(srv.url, token) is None  # a 2xx is an acknowledgement
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            notifier.close()
    assert peak < 1 << 20


@pytest.mark.parametrize(
    ("allowed", "url", "allowed_or_not"),
    [
        (None, "http://10.0.0.1:6379/x", True),  # the default: any host, as 2C2P does
        (["merchant.example"], "https://merchant.example/n", True),
        (["merchant.example"], "https://MERCHANT.example:8443/n", True),  # any port
        (["merchant.example"], "https://evil.example/n", False),
        (["merchant.example"], "https://merchant.example.evil.example/n", False),
        (["merchant.example"], "https://merchant.example@evil.example/n", False),
        (["127.0.0.1:8443"], "http://127.0.0.1:8443/n", True),
        (["127.0.0.1:8443"], "http://127.0.0.1:6379/n", False),  # the same host, another port
        (["127.0.0.1:443"], "https://127.0.0.1/n", True),  # the scheme's default port
        (["[::1]:9000"], "http://[::1]:9000/n", True),
        (["[::1]:9000"], "http://[::1]:9001/n", False),
        (["merchant.example"], "http://merchant.example:99999/n", False),  # unusable port
        (["merchant.example"], "ftp://merchant.example/n", False),
        ([], "http://merchant.example/n", False),  # an empty list allows nothing
    ],
)
def test_the_allow_list(allowed: list[str] | None, url: str, allowed_or_not: bool) -> None:
    assert Notifier(allowed_hosts=allowed).allows(url) is allowed_or_not


@pytest.mark.parametrize(
    "entry", ["", "http://merchant.example", "a/b", "a:port", "u@host", "[::1"]
)
def test_malformed_allow_list_entries_are_refused(entry: str) -> None:
    with pytest.raises(ConfigurationError, match="is not HOST or HOST:PORT"):
        Notifier(allowed_hosts=[entry])


def test_a_host_off_the_list_is_never_contacted(
    gateway_private: rsa.RSAPrivateKey,
    merchant_public: rsa.RSAPublicKey,
    merchant_codec: Codec,
    receiver: RunningServer,
    received: list[PaymentProcessResponse],
) -> None:
    time_ = FakeTime()
    locked = Notifier(allowed_hosts=["merchant.example"], retry=DeliverySchedule(max_attempts=2))
    emu = apm_emulator(gateway_private, merchant_public, time_, locked)
    exchange(emu.handle, merchant_codec, "R", "APM-9", "5.00", notify_url=receiver.url)
    emu.complete_pending_refunds()
    attempts = emu.deliver_notifications()
    assert [a.error for a in attempts] == ["notifyURL host is not allowed"] * 2
    assert received == []  # the receiver on 127.0.0.1 was never posted to
    # Allowed explicitly, the same receiver gets it.
    port = receiver.url.split(":")[2].split("/")[0]
    opened = Notifier(allowed_hosts=[f"127.0.0.1:{port}"])
    assert opened.send(receiver.url, emu.ledger.notifications("failed")[0].token) is None
    assert len(received) == 1
