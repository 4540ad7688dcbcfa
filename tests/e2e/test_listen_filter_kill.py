"""A light-client listen SIGKILLed between receiving a filter push and committing it loses nothing
(issue 13, Build 3: "same rule for filter pushes the client acknowledges").

Filter v2 has no acknowledgement of a push on the wire, so the service cannot wait for the client's
commit; the rule becomes: what was pushed and not committed is recovered from the store by the next
listen's catch-up (the checkpoint never passes it). Here Bob's account database is write-locked
from outside while the node pushes a public-channel message (no MVDS retransmission would bring it
back): Bob's listen has the push in hand and cannot commit it; it is SIGKILLed there, and a plain
restart prints the message — once.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.e2e.conftest import PASSWORD, Person, start_node, stop_process

pytestmark = pytest.mark.e2e

CHANNEL = "pushed-not-committed"


def _pushed(sock: str) -> int:
    from statuscli.net.control_client import ControlClient

    with ControlClient(sock, timeout=30) as c:
        return int((c.call("info").get("counters") or {}).get("filter.pushed", 0))


def _write_lock(person: Person):
    """A connection holding the write lock of the person's state.db (SQLCipher, keyed from the keystore)."""
    from statuscli.app.accounts import open_account
    from statuscli.app.context import AppContext
    from statuscli.store.state_db import connect_encrypted

    key = open_account(AppContext(home=person.home), name=person.name, unlock=False, passphrase=PASSWORD).database_key()
    conn = connect_encrypted(person.home / "accounts" / person.name / "state.db", key)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_a_listen_killed_between_a_filter_push_and_its_commit_gets_the_message_on_restart(tmp_path):
    proc, info = start_node(tmp_path / "node")
    try:
        sock, addr = info["control_socket"], info["multiaddrs"][0]
        alice = Person(tmp_path, "alice", sock)
        bob = Person(tmp_path, "bob", None)
        first = bob.listen("--node", addr, "--public", CHANNEL).ready(timeout=60)
        time.sleep(1.0)  # the filter subscription and the start-up catch-up are done
        before = _pushed(sock)
        lock = _write_lock(bob)
        try:
            alice.ok("send", "--public", CHANNEL, "pushed, not committed")
            deadline = time.monotonic() + 20
            while _pushed(sock) == before and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _pushed(sock) > before, "the node never pushed the message to bob"
            time.sleep(1.0)  # in bob's process now, waiting for the write lock
            first.p.send_signal(signal.SIGKILL)
            first.finish(30)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert first.p.returncode == -signal.SIGKILL and first.messages() == []
        again = bob.listen("--node", addr, "--public", CHANNEL, "--count", "1", "--timeout", "60")
        assert again.finish() == 0, again.stderr[-2000:]
        assert [e["text"] for e in again.messages()] == ["pushed, not committed"]
    finally:
        stop_process(proc)
