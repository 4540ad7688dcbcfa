"""state.db is SQLCipher 4 under the key at m/43'/60'/1581'/1'/0 (issue 12: secrets at rest).

The key is derived here independently, with bip-utils alone, from the mnemonic; the file is read
raw and with the standard library's sqlite3, which must not open it.
"""

from __future__ import annotations

import sqlite3

import pytest

from statuscli.app import accounts
from statuscli.app.context import AppContext
from statuscli.app.messaging.content import Content
from statuscli.app.messaging.incoming import Receiver
from statuscli.app.messaging.messenger import Messenger
from statuscli.core.errors import WrongDatabaseKey
from statuscli.core.ratchet import RatchetState
from statuscli.store import state_db, state_migration

NOW_NS = 1_790_000_000_000_000_000
TEXT = "attack at dawn, bring the encrypted sandwiches"


def _independent_db_key(mnemonic: str) -> bytes:
    from bip_utils import Bip32Secp256k1, Bip39SeedGenerator

    seed = Bip39SeedGenerator(mnemonic).Generate("")
    return Bip32Secp256k1.FromSeed(seed).DerivePath("m/43'/60'/1581'/1'/0").PrivateKey().Raw().ToBytes()


@pytest.fixture
def conversation(tmp_path):
    app = AppContext(home=tmp_path / "home")
    alice, _, _ = accounts.generate_account(app, entropy=b"\x01" * 16, name="alice", passphrase="pw", now=1)
    bob, bob_words, _ = accounts.generate_account(app, entropy=b"\x02" * 16, name="bob", passphrase="pw", now=1)
    clock = lambda: NOW_NS  # noqa: E731
    am, bm = Messenger(alice, clock=clock), Messenger(bob, clock=clock)
    events = []
    for env in am.send_direct(bob.chat_public_key, Content(text=TEXT)).envelopes:
        events += Receiver(bm).handle(env.data, env.pubsub_topic).events
    assert [e["text"] for e in events if e["type"] in ("message", "contact_request")] == [TEXT]
    for env in bm.send_direct(alice.chat_public_key, Content(text="ok")).envelopes:  # bob starts a ratchet session
        Receiver(am).handle(env.data, env.pubsub_topic)
    return app, bob, bob_words


def test_plain_sqlite3_cannot_open_state_db(conversation):
    _, bob, _ = conversation
    conn = sqlite3.connect(bob.dir / "state.db")
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()


def test_raw_files_hold_no_text_root_key_or_prekey(conversation):
    _, bob, _ = conversation
    db = bob.db
    root_keys = [RatchetState.from_bytes(bytes(r[0])).root_ck for r in db.execute("SELECT state FROM secure_sessions")]
    prekeys = [bytes(r[0]) for r in db.execute("SELECT private_key FROM secure_own_prekeys")]
    stored = [r[0] for r in db.execute("SELECT text FROM msg_messages")]
    assert root_keys and prekeys and TEXT in stored  # the secrets are there, seen through SQLCipher
    raw = b"".join(p.read_bytes() for p in bob.dir.glob("state.db*"))
    assert len(raw) > 4096
    for secret in [TEXT.encode(), TEXT.encode("utf-16-le"), *root_keys, *prekeys, state_migration.SQLITE_HEADER]:
        assert secret not in raw


def test_opens_with_the_key_derived_independently_from_the_mnemonic(conversation):
    _, bob, words = conversation
    bob.close()
    import sqlcipher3

    key = _independent_db_key(words)
    conn = sqlcipher3.connect(str(bob.dir / "state.db"))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    assert conn.execute("PRAGMA cipher_version").fetchone()[0].startswith("4.")
    assert TEXT in [r[0] for r in conn.execute("SELECT text FROM msg_messages")]


def test_a_wrong_key_is_a_keystore_error(conversation):
    _, bob, _ = conversation
    bob.close()
    with pytest.raises(WrongDatabaseKey) as e:
        state_db.open_state(bob.dir / "state.db", b"\x07" * 32)
    assert e.value.exit_code == 5


def test_accounts_record_where_their_database_key_comes_from(conversation):
    app, bob, _ = conversation
    assert bob.database_key_source == "mnemonic"
    assert (bob.dir / "db-key.json").stat().st_mode & 0o777 == 0o600
    locked = accounts.open_account(app, unlock=False, name="bob", passphrase="pw")
    assert locked.database_key() == _independent_db_key_from(locked)


def _independent_db_key_from(account) -> bytes:
    words, _ = account.read_mnemonic("pw")
    return _independent_db_key(words)


def test_an_account_without_a_mnemonic_gets_a_random_database_key(tmp_path):
    """An account whose only secret is its chat key (no mnemonic file) gets 32 random bytes."""
    import json

    app = AppContext(home=tmp_path / "home")
    made, _, _ = accounts.generate_account(app, entropy=b"\x03" * 16, name="bare", passphrase="pw", now=1)
    for name in ("mnemonic.json", "db-key.json"):
        (made.dir / name).unlink()
    meta = json.loads((made.dir / "account.json").read_text())
    del meta["database_key"]
    (made.dir / "account.json").write_text(json.dumps(meta))
    bare = accounts.open_account(app, name="bare", passphrase="pw")
    assert bare.database_key_source is None
    bare.db.execute("SELECT count(*) FROM schema_steps").fetchone()
    assert bare.database_key_source == "random"
    from statuscli.core.identity import mnemonic as bip39

    assert bare.database_key() != _independent_db_key(bip39.from_entropy(b"\x03" * 16))  # not derived: drawn
    again = accounts.open_account(app, name="bare", passphrase="pw")
    assert again.database_key() == bare.database_key()  # stored, not drawn again
