"""Key rotation without downtime (issue 10, point 3), against an emulator that switches keys.

The procedure in docs/key-rotation.md: generate the next merchant key, upload its certificate,
add it to the client (it signs; both keys decrypt), switch the default in the portal, remove
the old one; and for 2C2P's own rotation, hold its next certificate beside the current one.
A client configured that way keeps working while the emulator switches every key mid-run;
the controls show what fails without each step.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action.cli import main
from c2p_action.client import Client, RetryPolicy
from c2p_action.emulator import Emulator
from c2p_action.errors import C2PError, DecryptionError, HttpStatusError
from c2p_action.keys import certificate_for
from c2p_action.plugins import PluginManager
from c2p_action.transports import InProcessTransport

MID = "JT01"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    return {"M1": _key(), "M2": _key(), "G1": _key(), "G2": _key()}


@pytest.fixture
def emulator(keys: dict[str, rsa.RSAPrivateKey]) -> Iterator[Emulator]:
    emulator = Emulator(keys["G1"], {MID: keys["M1"].public_key()})
    emulator.seed("INV-R", "100.00", status="S")
    yield emulator
    emulator.close()


def _client(
    emulator: Emulator,
    merchant: list[rsa.RSAPrivateKey],
    gateway: list[rsa.RSAPrivateKey],
) -> Client:
    return Client(
        MID,
        merchant,
        [key.public_key() for key in gateway],
        transport=InProcessTransport(emulator.handle),
        retry=RetryPolicy.never(),
        plugins=PluginManager(allow=()),
    )


def test_no_call_fails_while_every_key_switches_mid_run(
    emulator: Emulator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    m1, m2, g1, g2 = keys["M1"], keys["M2"], keys["G1"], keys["G2"]
    # Steps 1-3: the next merchant key is generated and its certificate uploaded (not the
    # default yet); the client signs with it and decrypts with both; 2C2P announced G2.
    emulator.upload_merchant_key(MID, m2.public_key())
    client = _client(emulator, [m2, m1], [g1, g2])
    failures: list[BaseException] = []
    calls = [0]
    stop = threading.Event()

    def keep_calling() -> None:
        while not stop.is_set():
            try:
                client.inquiry("INV-R")
                calls[0] += 1
            except C2PError as error:  # pragma: no cover - the assertion below reports it
                failures.append(error)

    steps: list[Callable[[], None]] = [
        lambda: emulator.rotate_gateway_key(g2),  # 2C2P signs with its next key
        lambda: emulator.upload_merchant_key(MID, m2.public_key(), default=True),  # step 4
    ]
    worker = threading.Thread(target=keep_calling)
    worker.start()
    try:
        for step in steps:
            before = calls[0]
            step()
            while calls[0] < before + 5 and not failures:
                stop.wait(0.01)
    finally:
        stop.set()
        worker.join()
        client.close()
    assert failures == []
    assert calls[0] >= 10

    # Step 5: the old keys go, on both sides; the client keeps only the new ones.
    emulator.remove_merchant_key(MID, m1.public_key())
    emulator.rotate_gateway_key(g2, keep_old=False)
    with _client(emulator, [m2], [g2]) as final:
        assert final.refund("INV-R", "1.00").code == "00"


def test_without_the_new_key_answers_fail_after_the_default_switch(
    emulator: Emulator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    # The control for step 3: a client that never added the new key.
    emulator.upload_merchant_key(MID, keys["M2"].public_key(), default=True)
    with _client(emulator, [keys["M1"]], [keys["G1"]]) as stale, pytest.raises(DecryptionError):
        stale.inquiry("INV-R")


def test_without_the_next_certificate_answers_fail_after_2c2p_rotates(
    emulator: Emulator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    emulator.rotate_gateway_key(keys["G2"])
    stale = _client(emulator, [keys["M1"]], [keys["G1"]])
    with stale, pytest.raises(C2PError, match="does not verify"):
        stale.inquiry("INV-R")


def test_a_removed_merchant_key_no_longer_signs(
    emulator: Emulator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    emulator.upload_merchant_key(MID, keys["M2"].public_key(), default=True)
    emulator.remove_merchant_key(MID, keys["M1"].public_key())
    old = _client(emulator, [keys["M1"]], [keys["G1"]])
    with old, pytest.raises(HttpStatusError) as raised:
        old.inquiry("INV-R")
    assert raised.value.status == 401


def _pem(path: Path, key: rsa.RSAPrivateKey) -> str:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(path)


def _cert(path: Path, key: rsa.RSAPrivateKey) -> str:
    path.write_bytes(certificate_for(key).public_bytes(serialization.Encoding.PEM))
    return str(path)


def test_the_cli_takes_the_key_lists(
    tmp_path: Path, emulator: Emulator, keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    emulator.upload_merchant_key(MID, keys["M2"].public_key(), default=True)
    emulator.rotate_gateway_key(keys["G2"])
    merchant = f"{_pem(tmp_path / 'm2.pem', keys['M2'])},{_pem(tmp_path / 'm1.pem', keys['M1'])}"
    gateway = f"{_cert(tmp_path / 'g1.cer', keys['G1'])},{_cert(tmp_path / 'g2.cer', keys['G2'])}"
    with emulator.start_server() as server:
        env = {"C2P_MERCHANT_ID": MID, "C2P_ENVIRONMENT": server.base_url}
        by_variables = CliRunner().invoke(
            main,
            ["inquiry", "INV-R", "--json"],
            env={**env, "C2P_MERCHANT_KEY": merchant, "C2P_GATEWAY_KEY": gateway},
        )
        by_flags = CliRunner().invoke(
            main,
            ["inquiry", "INV-R", "--json", "--merchant-key", merchant, "--gateway-key", gateway],
            env=env,
        )
    for result in (by_variables, by_flags):
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["code"] == "00"
