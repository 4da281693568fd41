"""``2c2p demo``: the whole story end to end, on throwaway keys and an in-process emulator.

No account and no network: the client talks to the emulator through ``InProcessTransport``
and the refund notification is handed to :func:`~c2p_action.notifications.parse_notification`
in process, so only the core dependencies are needed. Every answer printed went through the
real envelope: signed and encrypted by the emulator, verified and decrypted by the client.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final

import click
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from c2p_action.cli._common import ExitCode
from c2p_action.client import SANDBOX_CERTIFICATE, Client, PaymentResult, RetryPolicy, Settings
from c2p_action.codec import Codec
from c2p_action.doctor import Level, iter_lines, run_checks
from c2p_action.emulator import Emulator, Method
from c2p_action.emulator.notifier import DeliverySchedule
from c2p_action.errors import CodecError, GatewayError
from c2p_action.explanations import explain
from c2p_action.keys import LoadedPublicKey, certificate_for
from c2p_action.notifications import parse_notification
from c2p_action.schemas import PaymentProcessResponse
from c2p_action.transports import InProcessTransport

__all__ = ["InProcessReceiver", "demo_command"]

MERCHANT_ID: Final = "JT01"
CARD_INVOICE: Final = "DEMO-1001"
APM_INVOICE: Final = "DEMO-2001"
# Never contacted: the in-process receiver below stands in for the merchant's web server.
NOTIFY_URL: Final = "https://merchant.example/2c2p/notify"


class InProcessReceiver:
    """A ``NotificationSender`` that gives each notification to ``parse_notification`` in
    process (signature verified, then decrypted) instead of POSTing it."""

    retry = DeliverySchedule(max_attempts=3, first_delay=0.0)

    def __init__(self, codec: Codec) -> None:
        self._codec = codec
        self.received: list[tuple[str, PaymentProcessResponse]] = []

    def send(self, url: str, token: str) -> str | None:
        """Verify and keep one notification; refuse (as a receiver's 4xx would) if it fails."""
        try:
            response = parse_notification(self._codec, token.encode("ascii"), "text/plain")
        except CodecError as exc:
            return f"rejected: {type(exc).__name__}"
        self.received.append((url, response))
        return None

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True, slots=True)
class _Step:
    title: str
    request: str
    expect: str
    call: Callable[[], PaymentResult]


def _answer(response: PaymentProcessResponse) -> str:
    parts = [f"{response.resp_code} {response.resp_desc or ''}".strip()]
    if response.status:
        parts.append(f"status {response.status}")
    if response.amount is not None:
        parts.append(f"amount {response.amount}")
    return " | ".join(parts)


def _run_step(number: int, step: _Step) -> bool:
    click.echo(f"\n{number}. {step.title}")
    click.echo(f"   request   {step.request}")
    try:
        result = step.call()
        response, note = result.response, "verified"
        if result.idempotency_id:
            note += f", idempotencyID {result.idempotency_id}"
    except GatewayError as refusal:
        if not isinstance(refusal.response, PaymentProcessResponse):
            raise
        response = refusal.response
        note = f"verified; refused as expected: {type(refusal).__name__}"
    click.echo(f"   response  {_answer(response)}  ({note})")
    for refund in response.refund_list.refund if response.refund_list else []:
        click.echo(f"             refund {refund.amount} {refund.status} ref {refund.reference_no}")
    if response.resp_code != step.expect:
        click.echo(f"   UNEXPECTED: expected code {step.expect}", err=True)
        return False
    return True


def _steps(client: Client, emulator: Emulator, refund_id: list[str]) -> list[_Step]:
    def first_refund() -> PaymentResult:
        result = client.refund(CARD_INVOICE, "30.00", notes="demo: damaged item")
        refund_id.append(result.idempotency_id or "")
        return result

    def settlement_run() -> PaymentResult:
        emulator.run_settlement()
        return client.inquiry(CARD_INVOICE)

    return [
        _Step("Settle the whole pre-authorised amount (no amount given, as in 2C2P's sample):"
              " ready for settlement (RS)",
              f"settle {CARD_INVOICE}", "00",
              lambda: client.settle(CARD_INVOICE)),
        _Step("Refund before the settlement run: RS is not settled yet, refunds need S",
              f"refund {CARD_INVOICE} 30.00", "41",
              lambda: client.refund(CARD_INVOICE, "30.00")),
        _Step("The acquirer's settlement run; inquiry shows the payment settled (S)",
              f"inquiry {CARD_INVOICE}", "00", settlement_run),
        _Step("Partial refund", f"refund {CARD_INVOICE} 30.00", "00", first_refund),
        _Step("The same refund retried with its idempotencyID: the original answer, no"
              " second refund", f"refund {CARD_INVOICE} 30.00 (same idempotencyID)", "00",
              lambda: client.refund(CARD_INVOICE, "30.00", idempotency_id=refund_id[0])),
        _Step("Second partial refund", f"refund {CARD_INVOICE} 20.00", "00",
              lambda: client.refund(CARD_INVOICE, "20.00")),
        _Step("Refund status: the payment's own status at the top (still S), each refund"
              " with its own status in the list",
              f"refund-status {CARD_INVOICE}", "00", lambda: client.refund_status(CARD_INVOICE)),
        _Step("Over-refund: 60.00 more would make 110.00 of 100.00",
              f"refund {CARD_INVOICE} 60.00", "30", lambda: client.refund(CARD_INVOICE, "60.00")),
        _Step("Void after settlement", f"void {CARD_INVOICE} 100.00", "21",
              lambda: client.void(CARD_INVOICE, "100.00")),
        _Step("APM refund: accepted, pending (the wallet confirms later)",
              f"refund {APM_INVOICE} 50.00 notifyURL={NOTIFY_URL}", "42",
              lambda: client.refund(APM_INVOICE, "50.00", notify_url=NOTIFY_URL)),
    ]


def _going_live(
    merchant_key: rsa.RSAPrivateKey, gateway_key: rsa.RSAPrivateKey, number: int
) -> bool:
    """The last steps, from ``number``: ``doctor`` before the first live call, ``explain`` for
    a refusal."""
    click.echo(f"\n{number}. Before going live: `2c2p doctor` (here the keys and certificates only;"
               " it also checks DNS, TCP, TLS, what answers, the clock, and one --live inquiry)")
    gateway = LoadedPublicKey(gateway_key.public_key(),
                              certificate=certificate_for(gateway_key, common_name="gateway"))
    settings = Settings(merchant_id=MERCHANT_ID, merchant_key=merchant_key, gateway_key=gateway,
                        environment="production")
    with tempfile.TemporaryDirectory() as folder:
        uploaded = Path(folder) / "merchant.cer"
        uploaded.write_bytes(certificate_for(merchant_key).public_bytes(Encoding.PEM))
        good = run_checks(settings, merchant_certificate=str(uploaded), network=False)
    for line in iter_lines(good):
        click.echo(f"   {line}")
    click.echo("   The classic mistake, caught: 2C2P's sandbox certificate with production")
    wrong = run_checks(settings.replace(gateway_key=str(SANDBOX_CERTIFICATE)), network=False)
    caught = [c for c in wrong.checks if c.level is Level.ERROR]
    for check in caught:
        click.echo(f"   {check.level.value:<8} {check.name}: {check.message}")
        click.echo(f"            -> {check.advice}")
    click.echo(
        f"\n{number + 1}. A refusal explained: `2c2p explain 30` (and 96, the set-up classic)"
    )
    for code in ("30", "96"):
        found = explain(code)
        click.echo(f"   {found.code} ({found.meaning}): {found.summary}")
        for cause in found.causes[:2]:
            click.echo(f"      likely: {cause}")
    return good.ok and [c.name for c in caught] == ["gateway certificate"]


@click.command("demo")
@click.option("--key-size", default=2048, show_default=True, type=click.IntRange(2048, 4096),
              help="Size of the throwaway merchant key (real merchant keys are 4096).")
@click.pass_context
def demo_command(ctx: click.Context, key_size: int) -> None:
    """Run the whole story end to end: throwaway keys, in-process emulator, no network."""
    click.echo("2c2p demo: the Payment Maintenance API end to end, on this machine")
    click.echo(f"  keys     throwaway RSA-{key_size} merchant key and RSA-2048 gateway key"
               + (" (real merchant keys are RSA-4096; 2048 keeps the demo quick)"
                  if key_size < 4096 else ""))
    click.echo("  gateway  the in-process emulator: no account, no network")
    merchant_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    gateway_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    receiver = InProcessReceiver(Codec(merchant_key, gateway_key.public_key()))
    emulator = Emulator(gateway_key, {MERCHANT_ID: merchant_key.public_key()}, notifier=receiver)
    client = Client(MERCHANT_ID, merchant_key, gateway_key.public_key(),
                    transport=InProcessTransport(emulator.handle), retry=RetryPolicy.never())
    with client:
        emulator.seed(CARD_INVOICE, Decimal("100.00"), status="A")
        emulator.seed(APM_INVOICE, Decimal("50.00"), method=Method.APM, status="S")
        click.echo(f"\n0. Payments seeded in the emulator's ledger\n"
                   f"   {CARD_INVOICE}  card 100.00, approved (pre-authorised, not settled)\n"
                   f"   {APM_INVOICE}  APM (wallet) 50.00, settled")
        # Every step runs even after a surprise, so the whole story is printed.
        steps = _steps(client, emulator, [])
        outcomes = [_run_step(n, step) for n, step in enumerate(steps, start=1)]
        ok = all(outcomes)
        number = len(steps) + 1
        click.echo(f"\n{number}. The wallet confirms; the gateway notifies the notifyURL")
        emulator.complete_pending_refunds(invoice_no=APM_INVOICE)
        deliveries = emulator.deliver_notifications()
        for url, note in receiver.received:
            click.echo(f"   notified  {url}")
            click.echo(f"   payload   {_answer(note)}  (signature verified, decrypted)")
        ok = ok and len(receiver.received) == 1 and all(d.delivered for d in deliveries)
        ok = _run_step(number + 1, _Step("Refund status of the APM payment",
                                         f"refund-status {APM_INVOICE}", "00",
                                         lambda: client.refund_status(APM_INVOICE))) and ok
        refunds = emulator.ledger.refunds(MERCHANT_ID, CARD_INVOICE)
    emulator.close()
    click.echo(f"\nLedger: {CARD_INVOICE} has {len(refunds)} refunds"
               f" ({', '.join(f'{r.amount} {r.status}' for r in refunds)}): the retried refund"
               " was answered, not repeated.")
    ok = ok and len(refunds) == 2
    ok = _going_live(merchant_key, gateway_key, number + 2) and ok
    if not ok:
        click.echo("The story did not go as expected.", err=True)
        ctx.exit(ExitCode.INTERNAL)
    click.echo("Done: every answer above was signed by the gateway and verified by the client.")
