"""Kill -9 a plaintext → SQLCipher migration of state.db at random moments; check nothing is lost.

Each round copies a plaintext database (the legacy fixture's bob, made by the pre-SQLCipher code,
padded with ``--rows`` extra message rows so the migration takes a while), starts a child process
that runs :func:`statuscli.store.state_db.open_state` on it, waits until the child is about to
migrate, sleeps a random part of one migration's duration and sends SIGKILL. Then it checks:

* ``state.db`` exists and is either the old plaintext or the new encrypted database, with exactly
  the original content (a digest of every row of every table);
* opening it again (recovery + migration) succeeds, with the same content, and leaves no
  ``.state.db.*`` leftovers but the lock.

    .venv/bin/python scripts/migration_kill_loop.py --kills 50          # the issue's figure
    .venv/bin/python scripts/migration_kill_loop.py --kills 200 --rows 20000

Prints one summary line (kills that interrupted the migration, plaintext/encrypted outcomes); exit
status 1 on any loss. tests/unit/test_state_migration.py runs a few rounds in CI.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURE = ROOT / "tests" / "vectors" / "legacy-home.tar.gz"
KEY = bytes(range(32))
CHILD = (
    "import sys, time; from statuscli.store import state_db, state_migration; state_db.driver()\n"
    "key = bytes(range(32)); print('go', flush=True); t0 = time.perf_counter()\n"
    "state_db.open_state(sys.argv[1], key).close()\n"
    "print('done', time.perf_counter() - t0, flush=True)\n"
)


def tables(conn) -> list[str]:
    """User tables, except ``schema_steps`` (steps appended to the schema later add rows to it)."""
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                                       " AND name != 'schema_steps' ORDER BY name")]


def columns(conn, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


def digest(conn) -> str:
    """SHA-256 over every row of the original database's tables, in their original columns (a
    schema step appended later may add tables or columns: the open applies it)."""
    h = hashlib.sha256()
    for name, cols in (TABLES or {t: columns(conn, t) for t in tables(conn)}).items():
        h.update(name.encode())
        listed = ", ".join(f'"{c}"' for c in cols)
        for row in sorted(repr(tuple(r)) for r in conn.execute(f'SELECT {listed} FROM "{name}"')):
            h.update(row.encode())
    return h.hexdigest()


def make_plaintext(folder: Path, rows: int) -> Path:
    """bob's plaintext state.db from the fixture, padded with ``rows`` message rows (plain sqlite3)."""
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(folder, filter="data")
    db = folder / "home" / "accounts" / "bob" / "state.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN")
    for i in range(rows):
        conn.execute(
            "INSERT INTO msg_messages (id, direction, chat_kind, chat_id, sender, amm_type, clock, timestamp_ms, text,"
            " envelope, created_ms) VALUES (?, 'in', 'one_to_one', 'x', ?, 1, ?, ?, ?, NULL, 1)",
            (hashlib.sha256(b"%d" % i).digest(), b"\x04" * 65, i, i, f"padding message {i} " * 8),
        )
    conn.execute("COMMIT")
    conn.close()
    return db


def plaintext_digest(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return digest(conn)
    finally:
        conn.close()


def encrypted_digest(db: Path) -> str:
    from statuscli.store.state_db import connect_encrypted

    conn = connect_encrypted(db, KEY)
    try:
        return digest(conn)
    finally:
        conn.close()


def current_digest(db: Path) -> tuple[str, str]:
    from statuscli.store.state_migration import is_plaintext

    if not db.exists():
        raise AssertionError("state.db is gone")
    if is_plaintext(db):
        return "plaintext", plaintext_digest(db)
    return "encrypted", encrypted_digest(db)


def one_round(original: Path, work: Path, delay: float) -> tuple[str, bool]:
    """Returns (outcome right after the kill, whether the kill interrupted the migration)."""
    from statuscli.store.state_db import open_state

    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    db = work / "state.db"
    shutil.copy2(original, db)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout.readline().strip() == "go"
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    rest = child.stdout.read()
    child.wait()
    interrupted = "done" not in rest
    kind, got = current_digest(db)
    if got != EXPECTED:
        raise AssertionError(f"content changed after a kill ({kind})")
    open_state(db, KEY).close()
    if current_digest(db) != ("encrypted", EXPECTED):
        raise AssertionError("content changed after finishing the migration")
    leftovers = sorted(p.name for p in work.iterdir() if p.name.startswith(".state.db.") and p.name != ".state.db.lock")
    if leftovers:
        raise AssertionError(f"leftovers: {leftovers}")
    return kind, interrupted


EXPECTED = ""
TABLES: dict[str, list[str]] = {}


def run(kills: int, rows: int, seed: int | None = None, log=print) -> dict:
    """Kill until ``kills`` kills interrupted a migration (at most 4× as many rounds)."""
    global EXPECTED, TABLES
    rnd = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        original = make_plaintext(tmp / "fixture", rows)
        conn = sqlite3.connect(original)
        TABLES = {t: columns(conn, t) for t in tables(conn)}
        conn.close()
        EXPECTED = plaintext_digest(original)
        from statuscli.store.state_db import open_state

        # time one whole uninterrupted migration in a child, to aim the kills inside it
        probe = tmp / "probe"
        probe.mkdir()
        shutil.copy2(original, probe / "state.db")
        out = subprocess.run([sys.executable, "-c", CHILD, str(probe / "state.db")], check=True, capture_output=True,
                             text=True, cwd=ROOT).stdout
        whole = float(out.split()[-1])
        open_state(probe / "state.db", KEY).close()
        stats = {"rounds": 0, "interrupted": 0, "plaintext": 0, "encrypted": 0, "rows": rows}
        while stats["interrupted"] < kills and stats["rounds"] < 4 * kills:
            kind, interrupted = one_round(original, tmp / "work", rnd.uniform(0, whole * 0.9))
            stats["rounds"] += 1
            stats[kind] += 1
            stats["interrupted"] += interrupted
        stats["migration_s"] = round(whole, 3)
        log(f"kill loop: {stats['rounds']} kills, {stats['interrupted']} inside the migration "
            f"(left plaintext {stats['plaintext']}, encrypted {stats['encrypted']}), nothing lost; "
            f"one migration {whole * 1000:.0f} ms, {rows} padding rows")
        return stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    try:
        stats = run(args.kills, args.rows, args.seed)
    except AssertionError as e:
        print(f"kill loop: LOSS: {e}", file=sys.stderr)
        return 1
    return 0 if stats["interrupted"] >= args.kills else 1


if __name__ == "__main__":
    sys.exit(main())
