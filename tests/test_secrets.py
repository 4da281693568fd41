"""No secret reaches a log line, an exception or a repr, over full runs at DEBUG.

One module-scoped run generates a merchant key pair (PKCS#12 + encrypted PEM, with a
password), loads it the ways a merchant would, and drives both clients against the emulator
(in process and over HTTP on 127.0.0.1): success, refusals, an APM refund carrying an account
number, every fault, forged and corrupted tokens, notification parsing. Everything the root
logger saw at DEBUG, the str/repr/traceback of every exception raised, and the reprs of the
objects involved form the haystack. The tests then look in it for private-key material, the
password, any 40-character chunk of any token that crossed the wire, and the account number.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import stat
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec
from c2p_action.client import AsyncClient, Client, RetryPolicy, Settings
from c2p_action.codec import decode_response, encode_response
from c2p_action.emulator import Emulator, Faults, Method
from c2p_action.errors import C2PError
from c2p_action.keys import GeneratedKeys, generate_merchant_keys, load_private_key
from c2p_action.notifications import FORM_FIELD, parse_notification
from c2p_action.plugins import PluginManager
from c2p_action.schemas import PaymentProcessResponse
from c2p_action.transports import InProcessTransport, TransportRequest, TransportResponse
from c2p_action.transports._urllib3 import Urllib3Transport

PASSWORD = "Tr0ub4dor&3-correct-horse"
ACCOUNT = "123456789012"
MID = "JT01"
CHUNK = 40


class Capture(logging.Handler):
    """Keeps every record fully formatted, tracebacks included."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class Recording:
    """Wraps a real transport and keeps every body that crossed it (the tokens)."""

    def __init__(self, inner: InProcessTransport | Urllib3Transport, seen: list[str]) -> None:
        self._inner = inner
        self._seen = seen

    def send(self, request: TransportRequest) -> TransportResponse:
        self._seen.append(request.body.decode())
        response = self._inner.send(request)
        self._seen.append(response.body.decode("ascii", errors="replace"))
        return response

    def close(self) -> None:
        self._inner.close()


class AsyncRecording:
    """The asyncio counterpart of :class:`Recording`."""

    def __init__(self, inner: InProcessTransport, seen: list[str]) -> None:
        self._inner = inner
        self._seen = seen

    async def asend(self, request: TransportRequest) -> TransportResponse:
        self._seen.append(request.body.decode())
        response = await self._inner.asend(request)
        self._seen.append(response.body.decode("ascii", errors="replace"))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class Evidence:
    """What a full run left behind, and the secrets it must not contain."""

    keys: GeneratedKeys
    texts: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    objects: list[object] = field(default_factory=list)

    def record(self, call: Callable[[], object]) -> None:
        """Run ``call``; keep str, repr and traceback of the C2PError it may raise."""
        try:
            self.objects.append(call())
        except C2PError as error:
            self.texts += [str(error), repr(error), "".join(traceback.format_exception(error))]

    @property
    def haystack(self) -> str:
        reprs = [text for obj in self.objects for text in (repr(obj), str(obj))]
        return "\n".join(self.texts + reprs)


# The characters of base64 (both alphabets), hex, decimal and compact tokens: any secret
# chunk of 40 characters sits inside a run of these in the haystack.
_RUN = re.compile(rf"[A-Za-z0-9+/=_.-]{{{CHUNK},}}")


def _windows(text: str) -> set[str]:
    return {
        run[i : i + CHUNK] for run in _RUN.findall(text) for i in range(len(run) - CHUNK + 1)
    }


def _leaked_chunks(secret: str, windows: set[str]) -> list[str]:
    return [secret[i : i + CHUNK] for i in range(len(secret) - CHUNK + 1)
            if secret[i : i + CHUNK] in windows]


@pytest.fixture(scope="module")
def evidence(
    tmp_path_factory: pytest.TempPathFactory,
    gateway_private: rsa.RSAPrivateKey,
    gateway_public: rsa.RSAPublicKey,
) -> Evidence:
    capture = Capture()
    root = logging.getLogger()
    package = logging.getLogger("c2p_action")
    levels = (root.level, package.level)
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    package.setLevel(logging.DEBUG)
    try:
        run = _full_run(tmp_path_factory.mktemp("keys"), gateway_private, gateway_public)
    finally:
        root.removeHandler(capture)
        root.setLevel(levels[0])
        package.setLevel(levels[1])
    run.texts += capture.lines
    assert any("accountNumber" in line for line in capture.lines)  # DEBUG XML was on
    return run


def _full_run(
    folder: Path, gateway_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> Evidence:
    keys = generate_merchant_keys(folder, password=PASSWORD, key_size=2048, pem=True)
    run = Evidence(keys)
    assert keys.pem_path is not None
    merchant_key = load_private_key(keys.pkcs12_path, PASSWORD)
    run.record(lambda: load_private_key(keys.pem_path or "", PASSWORD))
    run.record(lambda: load_private_key(keys.pkcs12_path, PASSWORD + "x"))  # wrong password
    run.record(lambda: load_private_key(keys.pkcs12_path))  # missing password
    merchant_public = merchant_key.public_key()

    emulator = Emulator(gateway_private, {MID: merchant_public})
    emulator.seed("INV-CARD", "100.00", status="S")
    emulator.seed("INV-APM", "100.00", status="S", method=Method.APM)
    settings = Settings(
        merchant_id=MID,
        merchant_key=str(keys.pkcs12_path),
        merchant_key_password=PASSWORD,
        gateway_key=gateway_public,
        retry=RetryPolicy(max_attempts=2, backoff_base=0.0),
        transport=Recording(InProcessTransport(emulator.handle), run.tokens),
    )
    plugins = PluginManager(allow=())
    run.objects += [merchant_key, settings, emulator, emulator.ledger, keys]
    with Client(settings=settings, plugins=plugins) as client:
        run.objects.append(client)
        _client_calls(run, client, emulator)
    with emulator.start_server() as server, Client(
        settings=settings.replace(
            environment=server.base_url, transport=Recording(Urllib3Transport(), run.tokens)
        ),
        plugins=plugins,
    ) as http_client:
        _client_calls(run, http_client, emulator)
    asyncio.run(_async_calls(run, settings, emulator, plugins))
    _codec_and_notifications(run, Codec(merchant_key, gateway_public), gateway_private)
    emulator.close()
    return run


def _client_calls(run: Evidence, client: Client, emulator: Emulator) -> None:
    run.record(lambda: client.refund("INV-CARD", "10.00", notes="card refund"))
    run.record(
        lambda: client.refund(
            "INV-APM", "5.00", bank_code="BBL", account_name="Somchai Jaidee",
            account_number=ACCOUNT,
        )
    )
    run.record(lambda: client.refund("INV-CARD", "500.00"))  # AmountError
    run.record(lambda: client.inquiry("INV-NONE"))  # NotFoundError
    run.record(lambda: client.refund_status("INV-APM"))
    for switch in ("error_before", "drop_after_commit", "corrupt_response"):
        emulator.faults = Faults.parse([f"{switch}=2x"])
        run.record(
            lambda: client.refund(
                "INV-APM", "1.00", bank_code="BBL", account_number=ACCOUNT, account_name="A B"
            )
        )
    emulator.faults = Faults()
    run.record(lambda: client.refund("INV-CARD", "1.005"))  # ValidationError before sending
    run.record(lambda: client.refund("INV-CARD", "1.00", account_number=ACCOUNT * 5))


async def _async_calls(
    run: Evidence, settings: Settings, emulator: Emulator, plugins: PluginManager
) -> None:
    transport = AsyncRecording(InProcessTransport(emulator.handle), run.tokens)
    async_settings = settings.replace(transport=transport)
    async with AsyncClient(settings=async_settings, plugins=plugins) as client:
        run.objects.append(client)
        results = await asyncio.gather(
            client.refund("INV-APM", "2.00", account_number=ACCOUNT, bank_code="BBL"),
            client.refund("INV-CARD", "900.00"),
            return_exceptions=True,
        )
    for result in results:
        run.record(functools.partial(_reraise, result))


def _reraise(result: object) -> object:
    if isinstance(result, BaseException):
        raise result
    return result


def _codec_and_notifications(
    run: Evidence, codec: Codec, gateway_private: rsa.RSAPrivateKey
) -> None:
    gateway = Codec(gateway_private, run.keys.private_key.public_key())
    token = encode_response(gateway, PaymentProcessResponse(resp_code="00", status="RF"))
    run.tokens.append(token)
    broken = token[:-30] + ("A" if token[-30] != "A" else "B") + token[-29:]
    run.objects.append(codec)
    run.record(lambda: parse_notification(codec, token.encode()))
    run.record(lambda: parse_notification(codec, f"{FORM_FIELD}={token}".encode()))
    run.record(lambda: parse_notification(codec, f"{FORM_FIELD}={broken}".encode()))
    run.record(lambda: parse_notification(codec, f"x=1&{FORM_FIELD}={token}&{FORM_FIELD}=2"
                                          .encode(), "application/x-www-form-urlencoded"))
    run.record(lambda: decode_response(codec, broken))
    run.record(lambda: decode_response(codec, token[: len(token) // 2]))
    run.record(lambda: codec.open(token + "." + token))


# --- the secrets ----------------------------------------------------------------------------


def _key_material(key: rsa.RSAPrivateKey, pem_file: Path) -> list[str]:
    numbers = key.private_numbers()
    values = [numbers.d, numbers.p, numbers.q, numbers.dmp1, numbers.dmq1, numbers.iqmp]
    texts = [f"{value:x}" for value in values] + [str(value) for value in values]
    for form in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL):
        pem = key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption())
        texts += pem.decode().splitlines()[1:-1]
    texts += pem_file.read_text().splitlines()[1:-1]  # the encrypted file's body
    return texts


def test_run_exercised_every_path(evidence: Evidence) -> None:
    errors = " ".join(evidence.texts)
    for name in ("KeyLoadError", "AmountError", "NotFoundError", "SignatureError",
                 "TransportError", "HttpStatusError", "ValidationError", "TokenFormatError"):
        assert name in errors, name
    assert len(evidence.tokens) > 20


def test_no_private_key_material(evidence: Evidence) -> None:
    keys = evidence.keys
    assert keys.pem_path is not None
    windows = _windows(evidence.haystack)
    for text in _key_material(keys.private_key, keys.pem_path):
        assert not _leaked_chunks(text, windows)
        assert len(text) < CHUNK or text not in evidence.haystack


def test_no_pkcs12_password(evidence: Evidence) -> None:
    assert PASSWORD not in evidence.haystack
    assert PASSWORD.encode().hex() not in evidence.haystack


def test_no_token_nor_any_40_character_chunk_of_one(evidence: Evidence) -> None:
    windows = _windows(evidence.haystack)
    for token in evidence.tokens:
        assert not _leaked_chunks(token, windows), token[:20]


def test_no_unmasked_account_number(evidence: Evidence) -> None:
    assert ACCOUNT not in evidence.haystack
    assert ACCOUNT[:8] not in evidence.haystack
    assert "********9012" in evidence.haystack  # the masked form is what DEBUG shows


def test_private_key_files_are_mode_0600(evidence: Evidence) -> None:
    keys = evidence.keys
    private_files = [keys.pkcs12_path, keys.pem_path]
    for path in private_files:
        assert path is not None
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(keys.pkcs12_path.parent.stat().st_mode) & 0o077 == 0


def test_reprs_are_safe(evidence: Evidence) -> None:
    shown: dict[str, str] = {type(obj).__name__: repr(obj) for obj in evidence.objects}
    for name in ("LoadedPrivateKey", "Settings", "Client", "AsyncClient", "Codec", "Emulator",
                 "GeneratedKeys"):
        assert name in shown, name
    assert "RSA-2048" in shown["LoadedPrivateKey"]
    assert "<RSA-2048 object>" in shown["Settings"]  # the gateway key object, described
    for text in shown.values():
        assert PASSWORD not in text
        assert "PRIVATE KEY" not in text
