"""A plaintext state.db from the pre-SQLCipher code is encrypted on first use, losing nothing.

tests/vectors/legacy-home.tar.gz was made by scripts/make_legacy_home.py run with the code of main
at 70c2f81 (plaintext state.db): alice and bob exchanged one message each.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import tarfile
from pathlib import Path

import pytest

from statuscli.app import accounts
from statuscli.app.context import AppContext
from statuscli.app.messaging.content import Content
from statuscli.app.messaging.incoming import Receiver
from statuscli.app.messaging.messenger import Messenger
from statuscli.store import state_migration

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "vectors" / "legacy-home.tar.gz"
TEXTS = ("legacy one: the owl flies at midnight", "legacy two: bring the blue umbrella")
NOW_NS = 1_790_000_000_000_000_000 + 60 * 10**9


@pytest.fixture
def legacy_home(tmp_path) -> Path:
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(tmp_path, filter="data")
    home = tmp_path / "home"
    for name in ("alice", "bob"):
        db = home / "accounts" / name / "state.db"
        assert state_migration.is_plaintext(db) and not (db.parent / "db-key.json").exists()
    return home


def test_first_unlock_encrypts_the_legacy_database_and_the_session_goes_on(legacy_home):
    app = AppContext(home=legacy_home)
    bob = accounts.open_account(app, name="bob", passphrase="pw")
    texts = [r[0] for r in bob.db.execute("SELECT text FROM msg_messages ORDER BY created_ms")]
    assert texts == [TEXTS[0], TEXTS[1]]  # alice's message received, bob's own sent
    db = bob.dir / "state.db"
    assert not state_migration.is_plaintext(db)
    assert sorted(p.name for p in bob.dir.iterdir() if p.name.startswith(".")) == [".state.db.lock"]
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        sqlite3.connect(db).execute("SELECT 1 FROM sqlite_master").fetchone()
    raw = b"".join(p.read_bytes() for p in bob.dir.glob("state.db*"))
    assert all(t.encode() not in raw for t in TEXTS)
    assert bob.database_key_source == "mnemonic" and (bob.dir / "db-key.json").exists()

    # the ratchet state came through: alice (migrated too) writes on, bob reads
    alice = accounts.open_account(app, name="alice", passphrase="pw")
    clock = lambda: NOW_NS  # noqa: E731
    receiver = Receiver(Messenger(bob, clock=clock))
    events = []
    for env in Messenger(alice, clock=clock).send_direct(bob.chat_public_key, Content(text="after the move")).envelopes:
        events += receiver.handle(env.data, env.pubsub_topic).events
    assert [e.get("text") for e in events if e["type"] == "message"] == ["after the move"]
    assert bob.db.execute("SELECT count(*) FROM secure_sessions").fetchone()[0] >= 1


def test_a_second_open_does_not_migrate_again(legacy_home):
    app = AppContext(home=legacy_home)
    bob = accounts.open_account(app, name="bob", passphrase="pw")
    bob.db
    bob.close()
    before = (bob.dir / "state.db").stat().st_ino
    again = accounts.open_account(app, name="bob", passphrase="pw")
    assert again.db.execute("SELECT count(*) FROM msg_messages").fetchone()[0] == 2
    assert (bob.dir / "state.db").stat().st_ino == before


def test_leftovers_of_a_killed_run_are_cleaned_and_wiped(legacy_home):
    """A set-aside plaintext name of the live file is dropped; one of a dead inode is wiped."""
    db = legacy_home / "accounts" / "bob" / "state.db"
    aside = db.with_name(".state.db.plain")
    db.with_name(".state.db.encrypting").write_bytes(b"half an export")
    aside.hardlink_to(db)
    state_migration.recover(db)
    assert state_migration.is_plaintext(db) and not aside.exists()
    assert not db.with_name(".state.db.encrypting").exists()
    dead = db.with_name("dead-copy")
    dead.write_bytes(db.read_bytes())
    dead.rename(aside)
    inode = open(aside, "rb")  # keep the inode to read what the wipe left in it
    state_migration.recover(db)
    assert not aside.exists()
    assert set(inode.read()) == {0}


def test_kill_minus_nine_during_the_migration_loses_nothing():
    """A few rounds here; scripts/migration_kill_loop.py --kills 50 is the full run."""
    spec = importlib.util.spec_from_file_location("migration_kill_loop", ROOT / "scripts" / "migration_kill_loop.py")
    loop = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loop)
    stats = loop.run(kills=4, rows=1500, seed=7, log=lambda _: None)
    assert stats["interrupted"] >= 4
    assert stats["plaintext"] + stats["encrypted"] == stats["rounds"]
