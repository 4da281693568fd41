"""Session-wide keys and codecs: RSA key generation is slow, so every test shares one set.

Also the ``--run-slow`` option: tests marked ``slow`` (the 3000-operation fault run, the long
fuzz targets) are skipped without it. ``bash scripts/test`` passes it to its main run.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from c2p_action import Codec


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help="also run the tests marked slow (long fault and fuzz runs)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


def _new_key(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@pytest.fixture(scope="session")
def merchant_private() -> rsa.RSAPrivateKey:
    # The guides' merchant keys are RSA-4096; the sandbox gateway key is RSA-2048.
    return _new_key(4096)


@pytest.fixture(scope="session")
def merchant_public(merchant_private: rsa.RSAPrivateKey) -> rsa.RSAPublicKey:
    return merchant_private.public_key()


@pytest.fixture(scope="session")
def gateway_private() -> rsa.RSAPrivateKey:
    return _new_key(2048)


@pytest.fixture(scope="session")
def gateway_public(gateway_private: rsa.RSAPrivateKey) -> rsa.RSAPublicKey:
    return gateway_private.public_key()


@pytest.fixture(scope="session")
def other_private() -> rsa.RSAPrivateKey:
    return _new_key(2048)


@pytest.fixture(scope="session")
def merchant_codec(
    merchant_private: rsa.RSAPrivateKey, gateway_public: rsa.RSAPublicKey
) -> Codec:
    return Codec(merchant_private, gateway_public)


@pytest.fixture(scope="session")
def gateway_codec(gateway_private: rsa.RSAPrivateKey, merchant_public: rsa.RSAPublicKey) -> Codec:
    return Codec(gateway_private, merchant_public)
