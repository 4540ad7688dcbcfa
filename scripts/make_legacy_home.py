"""Make tests/vectors/legacy-home.tar.gz: two accounts whose state.db is PLAINTEXT SQLite.

Run it with a statuscli checkout from before the SQLCipher change (main at 70c2f81), e.g.::

    PYTHONPATH=/path/to/old/checkout /path/to/old/.venv/bin/python scripts/make_legacy_home.py OUT.tar.gz

alice (entropy 01×16) and bob (02×16), keystore passphrase "pw", exchange two 1:1 messages through
the real messaging pipeline (envelopes handed over by hand, as tests/unit/test_messaging.py does),
so bob's database holds a Double Ratchet session, prekeys, MVDS state and alice's text.
tests/unit/test_state_migration.py opens it with the current code.
"""

from __future__ import annotations

import sys
import tarfile
import tempfile
from pathlib import Path

from statuscli.app import accounts
from statuscli.app.context import AppContext
from statuscli.app.messaging.content import Content
from statuscli.app.messaging.incoming import Receiver
from statuscli.app.messaging.messenger import Messenger

TEXTS = ("legacy one: the owl flies at midnight", "legacy two: bring the blue umbrella")
NOW_NS = 1_790_000_000_000_000_000


def main(out: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        app = AppContext(home=home)
        made = {}
        for name, byte in (("alice", 1), ("bob", 2)):
            made[name], _, _ = accounts.generate_account(app, entropy=bytes([byte]) * 16, name=name, passphrase="pw", now=1)
        clock = lambda: NOW_NS  # noqa: E731
        a, b = Messenger(made["alice"], clock=clock), Messenger(made["bob"], clock=clock)
        rb, ra = Receiver(b), Receiver(a)
        for env in a.send_direct(made["bob"].chat_public_key, Content(text=TEXTS[0])).envelopes:
            rb.handle(env.data, env.pubsub_topic)
        for env in b.send_direct(made["alice"].chat_public_key, Content(text=TEXTS[1])).envelopes:
            ra.handle(env.data, env.pubsub_topic)
        for acct in made.values():
            assert acct.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
            acct.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            acct.close()
            assert (acct.dir / "state.db").read_bytes()[:16] == b"SQLite format 3\x00", "run this with the old code"
        with tarfile.open(out, "w:gz") as tar:
            tar.add(home, arcname="home")


if __name__ == "__main__":
    main(sys.argv[1])
