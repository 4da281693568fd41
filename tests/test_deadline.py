"""The deadline watchdog on its own: it shuts down exactly the exchanges still running at their
deadline, over real socket pairs, and never a connection whose exchange finished.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from c2p_action.transports._deadline import (
    WATCHDOG,
    DeadlineHTTPConnection,
    current_exchange,
    deadline,
)


@pytest.fixture
def pairs() -> Iterator[list[tuple[socket.socket, socket.socket]]]:
    made: list[tuple[socket.socket, socket.socket]] = []
    yield made
    for ours, theirs in made:
        ours.close()
        theirs.close()


def _connection(pairs: list[tuple[socket.socket, socket.socket]]) -> DeadlineHTTPConnection:
    """A real urllib3 connection object whose socket is one end of a socket pair."""
    ours, theirs = socket.socketpair()
    pairs.append((ours, theirs))
    connection = DeadlineHTTPConnection("127.0.0.1", 9)
    connection.sock = ours
    return connection


def _peer_sees_eof(pair: tuple[socket.socket, socket.socket], within: float) -> bool:
    theirs = pair[1]
    theirs.settimeout(within)
    try:
        return theirs.recv(1) == b""
    except TimeoutError:
        return False


def test_an_exchange_past_its_deadline_has_its_socket_shut_down(
    pairs: list[tuple[socket.socket, socket.socket]],
) -> None:
    connection = _connection(pairs)
    blocked: list[bytes] = []
    with deadline(0.3) as exchange:
        exchange.attach(connection)
        # A read that would block forever returns once the watchdog shuts the socket down.
        reader = threading.Thread(target=lambda: blocked.append(connection.sock.recv(1)))
        reader.start()
        reader.join(timeout=10)
        assert not reader.is_alive()
        assert WATCHDOG.finish(exchange) is True
    assert blocked == [b""]
    assert exchange.expired
    assert _peer_sees_eof(pairs[0], within=5)


def test_a_finished_exchange_is_never_touched(
    pairs: list[tuple[socket.socket, socket.socket]],
) -> None:
    connections = [_connection(pairs) for _ in range(200)]
    for connection in connections:  # many, so the heap is compacted on the way
        with deadline(0.2) as exchange:
            exchange.attach(connection)
        assert not exchange.expired
    time.sleep(0.6)  # well past every deadline
    for (ours, theirs), _ in zip(pairs, connections, strict=True):
        ours.sendall(b"k")
        assert theirs.recv(1) == b"k"  # still open both ways


def test_a_running_exchange_behind_finished_ones_still_fires(
    pairs: list[tuple[socket.socket, socket.socket]],
) -> None:
    slow = _connection(pairs)
    with deadline(0.5) as late:
        late.attach(slow)
        for _ in range(300):  # finished exchanges with earlier deadlines pile up in the heap
            with deadline(0.1):
                pass
        assert _peer_sees_eof(pairs[0], within=10)
    assert late.expired


def test_nested_deadlines_restore_the_outer_exchange() -> None:
    assert current_exchange() is None
    with deadline(10) as outer:
        with deadline(5) as inner:
            assert current_exchange() is inner
        assert current_exchange() is outer
    assert current_exchange() is None


def test_connections_outside_a_deadline_are_plain_urllib3() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        connection = DeadlineHTTPConnection("127.0.0.1", listener.getsockname()[1], timeout=5)
        connection.connect()  # no exchange: urllib3's own behaviour, timeouts as given
        assert connection.sock is not None
        assert connection.sock.gettimeout() == 5
        connection.close()
