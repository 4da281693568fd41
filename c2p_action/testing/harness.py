"""What the pytest fixtures hand out: throwaway keys, emulators, clients and a served emulator.

The fixtures in :mod:`c2p_action.testing.pytest_plugin` build these; nothing here depends on
pytest, so the same pieces serve a ``unittest`` suite or a script::

    keys = make_keys(Path("keys"))
    emulator = make_emulator(keys)
    emulator.seed("INV-1", "100.00", status="S")
    with in_process_client(keys, emulator) as client:
        client.refund("INV-1", "25.00")

Import this module for type hints (``c2p_emulator_server: EmulatorServer``); it imports the
library, which the plugin module itself does not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.client import AsyncClient, Client, RetryPolicy
from c2p_action.emulator import CONTROL_PREFIX, Emulator, Faults, ScriptedAnswer
from c2p_action.keys import certificate_for
from c2p_action.plugins import PluginManager
from c2p_action.transports import InProcessTransport

if TYPE_CHECKING:
    from c2p_action.emulator.model import Transaction
    from c2p_action.emulator.server import RunningServer

__all__ = [
    "TEST_MERCHANT_ID",
    "EmulatorServer",
    "ThrowawayKeys",
    "in_process_async_client",
    "in_process_client",
    "make_emulator",
    "make_keys",
    "no_wait_retry",
]

#: The merchantID the fixtures register (2C2P's guides use JT01).
TEST_MERCHANT_ID = "JT01"


@dataclass(frozen=True)
class ThrowawayKeys:
    """A merchant key pair and a gateway key pair made for tests, with their files.

    ``merchant_key_file`` is an unencrypted PKCS#8 PEM (the throwaway key protects nothing);
    ``merchant_cert_file`` is what a merchant uploads to the portal; ``gateway_cert_file`` is
    what 2C2P hands out (``C2P_GATEWAY_KEY``).
    """

    merchant_id: str
    merchant_key: rsa.RSAPrivateKey = field(repr=False)
    gateway_key: rsa.RSAPrivateKey = field(repr=False)
    merchant_key_file: Path
    merchant_cert_file: Path
    gateway_cert_file: Path


def make_keys(
    directory: Path, *, merchant_id: str = TEST_MERCHANT_ID, key_size: int = 2048
) -> ThrowawayKeys:
    """Generate both key pairs (RSA, ``key_size`` bits) and write their files to
    ``directory``. Slow (RSA key generation): make them once per test session."""
    directory.mkdir(parents=True, exist_ok=True)
    merchant = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    gateway = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    keys = ThrowawayKeys(
        merchant_id,
        merchant,
        gateway,
        directory / "merchant.key.pem",
        directory / "merchant.cer",
        directory / "gateway.cer",
    )
    pem = serialization.Encoding.PEM
    keys.merchant_key_file.write_bytes(
        merchant.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    os.chmod(keys.merchant_key_file, 0o600)
    keys.merchant_cert_file.write_bytes(
        certificate_for(merchant, common_name=f"{merchant_id} test merchant").public_bytes(pem)
    )
    keys.gateway_cert_file.write_bytes(
        certificate_for(gateway, common_name="2C2P emulator gateway").public_bytes(pem)
    )
    return keys


def make_emulator(keys: ThrowawayKeys, ledger: Path | None = None, **options: Any) -> Emulator:
    """An emulator registering ``keys``' merchant, on the ledger file ``ledger`` (``None``:
    in memory); ``options`` go to :class:`~c2p_action.emulator.Emulator`."""
    return Emulator(
        keys.gateway_key,
        {keys.merchant_id: keys.merchant_key.public_key()},
        ledger=ledger,
        **options,
    )


def no_wait_retry() -> RetryPolicy:
    """The default retry decisions (3 attempts; 5xx, transport errors and 95 retried when safe)
    without the waiting between attempts: a test scripting 95 stays fast."""
    return RetryPolicy(backoff_base=0.0, backoff_max=0.0)


def in_process_client(keys: ThrowawayKeys, emulator: Emulator, **options: Any) -> Client:
    """A :class:`~c2p_action.client.Client` talking to ``emulator`` in process."""
    options.setdefault("retry", no_wait_retry())
    options.setdefault("plugins", PluginManager(allow=()))
    return Client(
        keys.merchant_id,
        keys.merchant_key,
        keys.gateway_key.public_key(),
        transport=InProcessTransport(emulator.handle),
        **options,
    )


def in_process_async_client(keys: ThrowawayKeys, emulator: Emulator, **options: Any) -> AsyncClient:
    """An :class:`~c2p_action.client.AsyncClient` talking to ``emulator`` in process."""
    options.setdefault("retry", no_wait_retry())
    options.setdefault("plugins", PluginManager(allow=()))
    return AsyncClient(
        keys.merchant_id,
        keys.merchant_key,
        keys.gateway_key.public_key(),
        transport=InProcessTransport(emulator.ahandle),
        **options,
    )


class EmulatorServer:
    """An emulator served over HTTP on 127.0.0.1, and what a client needs to reach it.

    ``base_url`` is the server's root, what a client takes as its ``environment``
    (``C2P_ENVIRONMENT``); ``url`` the full action URL; ``control_url`` its ``/_emulator``
    control endpoint; ``gateway_cert`` the gateway
    certificate file, ``merchant_key_file`` the merchant's key file; ``env`` all of it as
    the ``C2P_*`` variables ``Client.from_env()`` and the ``2c2p`` command read. Seeding,
    scripting and faults are one call each (:meth:`seed`, :meth:`answer`,
    :meth:`inject_faults`) on the served :attr:`emulator`.
    """

    def __init__(self, emulator: Emulator, keys: ThrowawayKeys, server: RunningServer) -> None:
        self.emulator = emulator
        self.keys = keys
        self._server = server

    def __repr__(self) -> str:
        return f"EmulatorServer({self.url})"

    @classmethod
    def start(cls, emulator: Emulator, keys: ThrowawayKeys, *, poll_interval: float = 0.1) -> Self:
        """Serve ``emulator`` on a free port of 127.0.0.1 (needs the ``aiohttp`` extra)."""
        return cls(emulator, keys, emulator.start_server(poll_interval=poll_interval))

    def stop(self) -> None:
        """Stop serving (the emulator stays usable)."""
        self._server.stop()

    @property
    def url(self) -> str:
        """The action URL: ``http://127.0.0.1:PORT/2C2PFrontend/PaymentAction/2.0/action``."""
        return self._server.url

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: a client's ``environment``."""
        return self._server.base_url

    @property
    def control_url(self) -> str:
        """``http://127.0.0.1:PORT/_emulator`` (see :mod:`c2p_action.emulator.control`)."""
        return self.base_url + CONTROL_PREFIX

    @property
    def merchant_id(self) -> str:
        """The registered merchantID."""
        return self.keys.merchant_id

    @property
    def gateway_cert(self) -> Path:
        """The gateway certificate file a client verifies answers with."""
        return self.keys.gateway_cert_file

    @property
    def merchant_key_file(self) -> Path:
        """The merchant's private key file (unencrypted PEM)."""
        return self.keys.merchant_key_file

    @property
    def env(self) -> dict[str, str]:
        """``C2P_MERCHANT_ID``, ``C2P_MERCHANT_KEY``, ``C2P_GATEWAY_KEY``, ``C2P_ENVIRONMENT``."""
        return {
            "C2P_MERCHANT_ID": self.merchant_id,
            "C2P_MERCHANT_KEY": str(self.merchant_key_file),
            "C2P_GATEWAY_KEY": str(self.gateway_cert),
            "C2P_ENVIRONMENT": self.base_url,
        }

    def seed(self, invoice_no: str, amount: Any, **options: Any) -> Transaction:
        """:meth:`Emulator.seed <c2p_action.emulator.Emulator.seed>` on the served emulator."""
        return self.emulator.seed(invoice_no, amount, **options)

    def answer(self, code: str, **filters: Any) -> ScriptedAnswer:
        """:meth:`Emulator.answer <c2p_action.emulator.Emulator.answer>` on the served
        emulator."""
        return self.emulator.answer(code, **filters)

    def inject_faults(self, *specs: str, seed: int | None = None) -> Faults:
        """:meth:`Emulator.inject_faults <c2p_action.emulator.Emulator.inject_faults>` on the
        served emulator."""
        return self.emulator.inject_faults(*specs, seed=seed)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
