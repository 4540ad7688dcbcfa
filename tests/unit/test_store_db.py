"""store/db.py: WAL, 0600, atomic transactions, idempotent schema steps, concurrent writers."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from statuscli.store.db import connect, ensure_schema, transaction


def test_new_database_is_private_and_in_wal_mode(tmp_path):
    conn = connect(tmp_path / "a" / "state.db")
    assert stat.S_IMODE(os.stat(tmp_path / "a" / "state.db").st_mode) == 0o600
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_transaction_rolls_back_on_error(tmp_path):
    conn = connect(tmp_path / "s.db")
    ensure_schema(conn, "t-v1", "CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError):
        with transaction(conn):
            conn.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("crash mid-step")
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_schema_step_applies_once(tmp_path):
    conn = connect(tmp_path / "s.db")
    ensure_schema(conn, "t-v1", "CREATE TABLE t (x INTEGER); CREATE INDEX t_x ON t(x)")
    ensure_schema(conn, "t-v1", "CREATE TABLE t (x INTEGER)")  # would fail if applied twice
    assert conn.execute("SELECT count(*) FROM schema_steps").fetchone()[0] == 1


def test_two_processes_incrementing_lose_no_update(tmp_path):
    db = tmp_path / "c.db"
    conn = connect(db)
    ensure_schema(conn, "c-v1", "CREATE TABLE c (n INTEGER); INSERT INTO c VALUES (0)")
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
