"""pytest fixtures: a working 2C2P gateway in your test suite, with one line.

Installed with the library as the ``pytest11`` entry point ``c2p_action``, so pytest loads it
in every run of a project that installs ``2c2p-payment-action``; ``pytest -p no:c2p_action``
switches it off. Loading it costs nothing: this module imports only pytest and the standard
library, and the library (with cryptography, SQLite and aiohttp) is imported when a test first
uses one of these fixtures.

- ``c2p_keys`` (session): throwaway merchant and gateway RSA keys and their files, generated
  once per session (:class:`~c2p_action.testing.harness.ThrowawayKeys`);
- ``c2p_emulator``: a fresh :class:`~c2p_action.emulator.Emulator` registering that merchant,
  on a temporary ledger file; ``seed(...)``, ``answer(...)`` (scripted respCodes) and
  ``inject_faults(...)`` are one call each;
- ``c2p_client`` / ``c2p_async_client``: a ``Client`` / ``AsyncClient`` wired to it in process
  (the default retry decisions, without waiting between attempts);
- ``c2p_emulator_server``: that emulator over HTTP on 127.0.0.1 (the ``aiohttp`` extra), for
  code that builds its own client from a URL and the gateway certificate file
  (:class:`~c2p_action.testing.harness.EmulatorServer`: ``url``, ``gateway_cert``,
  ``merchant_key_file``, ``env`` ...).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from c2p_action.client import AsyncClient, Client
    from c2p_action.emulator import Emulator
    from c2p_action.testing.harness import EmulatorServer, ThrowawayKeys

__all__ = [
    "c2p_async_client",
    "c2p_client",
    "c2p_emulator",
    "c2p_emulator_server",
    "c2p_keys",
]


@pytest.fixture(scope="session")
def c2p_keys(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayKeys:
    """Throwaway merchant (``JT01``) and gateway keys and their files, made once per session."""
    from c2p_action.testing.harness import make_keys

    return make_keys(tmp_path_factory.mktemp("c2p-keys"))


@pytest.fixture
def c2p_emulator(
    c2p_keys: ThrowawayKeys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Emulator]:
    """A fresh gateway emulator with the throwaway merchant registered and an empty ledger."""
    from c2p_action.testing.harness import make_emulator

    emulator = make_emulator(c2p_keys, tmp_path_factory.mktemp("c2p-ledger") / "ledger.sqlite")
    yield emulator
    emulator.close()


@pytest.fixture
def c2p_client(c2p_keys: ThrowawayKeys, c2p_emulator: Emulator) -> Iterator[Client]:
    """A ``Client`` of the throwaway merchant, talking to ``c2p_emulator`` in process."""
    from c2p_action.testing.harness import in_process_client

    with in_process_client(c2p_keys, c2p_emulator) as client:
        yield client


@pytest.fixture
def c2p_async_client(c2p_keys: ThrowawayKeys, c2p_emulator: Emulator) -> Iterator[AsyncClient]:
    """An ``AsyncClient`` talking to ``c2p_emulator`` in process; await its methods in any
    event loop (pytest-asyncio, anyio or ``asyncio.run``). Closed after the test."""
    import asyncio

    from c2p_action.testing.harness import in_process_async_client

    client = in_process_async_client(c2p_keys, c2p_emulator)
    yield client
    asyncio.run(client.aclose())


@pytest.fixture
def c2p_emulator_server(
    c2p_keys: ThrowawayKeys, c2p_emulator: Emulator
) -> Iterator[EmulatorServer]:
    """``c2p_emulator`` served over HTTP on a free port of 127.0.0.1."""
    from c2p_action.testing.harness import EmulatorServer

    with EmulatorServer.start(c2p_emulator, c2p_keys) as server:
        yield server
