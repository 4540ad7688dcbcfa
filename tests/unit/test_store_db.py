"""store/db.py + store/state_db.py: WAL, 0600, atomic transactions, the schema applied once at open, concurrent writers."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from statuscli.store import schema
from statuscli.store.db import apply_steps, connect, transaction
from statuscli.store.state_db import open_state

KEY = bytes(range(32))


def test_new_database_is_private_and_in_wal_mode(tmp_path):
    conn = connect(tmp_path / "a" / "state.db")
    assert stat.S_IMODE(os.stat(tmp_path / "a" / "state.db").st_mode) == 0o600
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_transaction_rolls_back_on_error(tmp_path):
    conn = connect(tmp_path / "s.db")
    apply_steps(conn, [("t-v1", "CREATE TABLE t (x INTEGER)")])
    with pytest.raises(RuntimeError):
        with transaction(conn):
            conn.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("crash mid-step")
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_schema_step_applies_once(tmp_path):
    conn = connect(tmp_path / "s.db")
    assert apply_steps(conn, [("t-v1", "CREATE TABLE t (x INTEGER); CREATE INDEX t_x ON t(x)")]) == ["t-v1"]
    assert apply_steps(conn, [("t-v1", "CREATE TABLE t (x INTEGER)")]) == []  # would fail if applied twice
    assert conn.execute("SELECT count(*) FROM schema_steps").fetchone()[0] == 1


def test_a_failing_step_leaves_nothing_behind(tmp_path):
    conn = connect(tmp_path / "s.db")
    with pytest.raises(Exception, match="no such table"):
        apply_steps(conn, [("a-v1", "CREATE TABLE a (x INTEGER)"), ("b-v1", "CREATE INDEX b_x ON nope(x)")])
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'a'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM schema_steps").fetchone()[0] == 0


def test_schema_step_names_are_unique():
    names = [name for name, _ in schema.STEPS]
    assert len(names) == len(set(names))


def test_account_database_opens_with_every_step_applied_once(tmp_path):
    conn = open_state(tmp_path / "acct" / "state.db", KEY)
    applied = [r[0] for r in conn.execute("SELECT name FROM schema_steps ORDER BY rowid")]
    assert applied == [name for name, _ in schema.STEPS]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"secure_sessions", "secure_own_prekeys", "chat_peers", "mvds_groups", "msg_events", "msg_failures"} <= tables
    conn.close()
    again = open_state(tmp_path / "acct" / "state.db", KEY)  # reopening applies nothing twice
    assert again.execute("SELECT count(*) FROM schema_steps").fetchone()[0] == len(schema.STEPS)


def test_a_step_appended_later_is_applied_to_an_existing_database(tmp_path, monkeypatch):
    open_state(tmp_path / "state.db", KEY).close()
    monkeypatch.setattr(schema, "STEPS", (*schema.STEPS, ("later-v1", "CREATE TABLE later (x INTEGER)")))
    conn = open_state(tmp_path / "state.db", KEY)
    assert conn.execute("SELECT count(*) FROM later").fetchone()[0] == 0


def test_memo_is_per_connection(tmp_path):
    a, b = open_state(tmp_path / "state.db", KEY), open_state(tmp_path / "state.db", KEY)
    a.memo["k"] = 1
    assert "k" not in b.memo


def test_two_processes_incrementing_lose_no_update(tmp_path):
    db = tmp_path / "c.db"
    conn = connect(db)
    apply_steps(conn, [("c-v1", "CREATE TABLE c (n INTEGER); INSERT INTO c VALUES (0)")])
    code = (
        "import sys; from statuscli.store.db import connect, transaction\n"
        "c = connect(sys.argv[1])\n"
        "for _ in range(200):\n"
        "    with transaction(c):\n"
        "        n = c.execute('SELECT n FROM c').fetchone()[0]\n"
        "        c.execute('UPDATE c SET n = ?', (n + 1,))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(db)]) for _ in range(2)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    assert conn.execute("SELECT n FROM c").fetchone()[0] == 400
