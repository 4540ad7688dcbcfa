"""``listen --timeout`` bounds the catch-up from the store too, against a real node.

Before: the timeout was checked only once the catch-up was over, so a listen behind a slow store
with a backlog blocked for as long as the paging took. Here the node's store holds a backlog of
:data:`N` public messages (put into its archive directly, as tests/unit/test_catch_up_10k.py does)
and every store query reaches the node :data:`DELAY_S` late (a relay of the control socket that
holds them: a loaded or far store), so the whole catch-up takes at least ``N / 100 × DELAY_S``
seconds — clearly more than the timeout. The first listen returns soon after its timeout with part
of the backlog; the second (no delay) prints the rest: every message once over both runs.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from statuscli.app.messaging.content import Content
from statuscli.app.messaging.messenger import Messenger
from statuscli.store.archive import open_archive
from tests.e2e.conftest import Person, start_node, stop_process
from tests.unit.test_messaging import make_account

pytestmark = pytest.mark.e2e

N = 600  # 6 store pages of 100
DELAY_S = 0.6  # per store query: the whole catch-up takes >= 6 x 0.6 s
TIMEOUT_S = 1.0
MARGIN_S = 2.5  # the first listen returns within TIMEOUT_S + MARGIN_S (one query in flight, shutdown)
CHANNEL = "timeout-backlog"


class SlowStoreLink:
    """A Unix socket relaying the control socket line by line; each ``store_query`` call waits
    ``delay`` seconds before it goes on to the node."""

    def __init__(self, node_socket: str, path: str, delay: float) -> None:
        self.node_socket, self.delay, self.path = node_socket, delay, path
        self.queries = 0
        self._socks: list[socket.socket] = []
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.srv.accept()
            except OSError:
                return
            node = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            node.connect(self.node_socket)
            self._socks += [client, node]
            threading.Thread(target=self._up, args=(client, node), daemon=True).start()
            threading.Thread(target=self._down, args=(node, client), daemon=True).start()

    def _up(self, client: socket.socket, node: socket.socket) -> None:
        try:
            for line in client.makefile("rb"):
                if b'"store_query"' in line:
                    self.queries += 1
                    time.sleep(self.delay)
                node.sendall(line)
            node.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _down(self, node: socket.socket, client: socket.socket) -> None:
        try:
            while chunk := node.recv(65536):
                client.sendall(chunk)
            client.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.srv.close()
        for s in self._socks:
            s.close()


def backlog(folder: Path, home: Path) -> list[str]:
    """N public messages from Alice (a real account, real envelopes) straight into the archive of the node in ``folder``."""
    alice = Messenger(make_account(home, "alice", b"\x07" * 16))
    texts, rows = [], []
    for i in range(N):
        sent = alice.send_public(CHANNEL, Content(text=f"backlog {i}"))
        texts.append(f"backlog {i}")
        rows += [(e.hash, e.pubsub_topic, e.content_topic, e.timestamp_ns, e.data) for e in sent.envelopes]
    archive = open_archive(folder / "store.sqlite")
    try:
        archive.add(rows)
    finally:
        archive.close()
    return texts


def test_listen_timeout_cuts_a_slow_catch_up_and_the_next_listen_prints_the_rest_once(tmp_path):
    proc, info = start_node(tmp_path / "node")
    link_dir = tempfile.mkdtemp(prefix="lt-")  # short: a Unix socket path has ~100 bytes
    link = SlowStoreLink(info["control_socket"], str(Path(link_dir) / "slow.sock"), DELAY_S)
    try:
        bob = Person(tmp_path, "bob", link.path)
        texts = backlog(tmp_path / "node" / "node", tmp_path / "alice")  # within the first listen's catch-up window (60 s back)

        first = bob.listen("--public", CHANNEL, "--timeout", str(TIMEOUT_S))
        assert first._ready.wait(60), first.stderr[-2000:]
        started = time.monotonic()
        rc = first.finish(60)
        took = time.monotonic() - started
        assert rc == 0, first.stderr[-2000:]
        assert took < TIMEOUT_S + MARGIN_S, f"listen --timeout {TIMEOUT_S} took {took:.1f} s (the catch-up alone needs >= {N // 100 * DELAY_S:.1f} s)"
        printed = [e["text"] for e in first.messages()]
        assert len(printed) < N
        assert [e["reason"]["code"] for e in first.events if e["type"] == "gap"] == ["timeout"], first.events[-3:]

        link.delay = 0.0
        second = bob.listen("--public", CHANNEL, "--count", str(N - len(printed)), "--timeout", "60")
        assert second.finish(90) == 0, second.stderr[-2000:]
        rest = [e["text"] for e in second.messages()]
        both = printed + rest
        assert len(both) == len(set(both)) == N and set(both) == set(texts)  # every message once over both runs
        assert not [e for e in second.events if e["type"] == "gap"]  # the gap was filled
    finally:
        link.close()
        stop_process(proc)
        Path(link_dir, "slow.sock").unlink(missing_ok=True)
        Path(link_dir).rmdir()
