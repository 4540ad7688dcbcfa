#!/usr/bin/env python3
"""One received 1:1 message, the whole receive pipeline, against a crypto-plus-one-transaction floor.

Ours: ``Receiver.handle`` of Alice's messages in Bob's account (SQLCipher state.db on disk, as
statuscli opens it) on an established conversation — Waku message decode and hash, payload v1
AES-GCM open and signer recovery on the negotiated topic, ProtocolMessage with Alice's bundle
verified and stored, the Double Ratchet step, the signed wrapper, MVDS, the ChatMessage, and
everything committed in one transaction — with one MVDS tick every 50 messages (the acks, as
``listen`` sends them).

The floor: the same cryptography with the bare primitives and no framing (SHA-256 of the message
fields; AES-GCM open + keccak + signer recovery; the Double Ratchet decrypt step + the bundle's
signature recovered, as ``secure_transport.py``'s full-decrypt floor; the wrapper's keccak +
recovery + id), plus ONE transaction on a SQLCipher database on disk (same pragmas) that inserts
one 1 KB row. That is the least a Python implementation must do per message under the
one-transaction rule. Also reported: SQL statements per message (sqlite3 trace callback).

Ours and the floor run in alternating chunks; the ratio is the median of per-round ratios.

    .venv/bin/python benchmarks/receive_path.py             # print the section
    .venv/bin/python benchmarks/receive_path.py --write     # also replace its section of BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

from markdown_section import replace_section  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import coincurve  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

from messaging import account  # noqa: E402
from secure_transport import _FloorDR  # noqa: E402
from statuscli.core.crypto.hashing import keccak256  # noqa: E402

TEXT = "x" * 1000
PAGE = 100  # a store page (history.fetch asks for 100 per page)


class Floor:
    """The primitives one received 1:1 message needs, and one on-disk SQLCipher transaction."""

    def __init__(self, folder: Path) -> None:
        from statuscli.store.state_db import open_state

        self.conn = open_state(folder / "floor.db", os.urandom(32))
        self.conn.execute("CREATE TABLE IF NOT EXISTS floor_rows (id BLOB PRIMARY KEY, body BLOB)")
        self.dr = _FloorDR(True, True)
        self.key, self.nonce = os.urandom(32), os.urandom(12)
        self.sealed = AESGCM(self.key).encrypt(self.nonce, os.urandom(1300), None)
        self.priv = coincurve.PrivateKey(os.urandom(32))
        self.digest = keccak256(b"payload")
        self.sig = self.priv.sign_recoverable(self.digest, hasher=None)
        self.body = os.urandom(1024)
        self.fields = [b"/waku/2/rs/16/32", os.urandom(1400), b"/waku/1/0x12345678/rfc26"]

    def __call__(self, n: int) -> None:
        conn = self.conn
        for _ in range(n):
            h = hashlib.sha256()  # the Waku message hash over its fields
            for f in self.fields:
                h.update(f)
            h.update(struct.pack(">q", time.time_ns()))
            h.digest()
            plain = AESGCM(self.key).decrypt(self.nonce, self.sealed, None)  # payload v1 (symmetric) + signer
            coincurve.PublicKey.from_signature_and_message(self.sig, keccak256(plain), hasher=None)
            self.dr(1)  # ratchet step + the bundle's signature recovered
            coincurve.PublicKey.from_signature_and_message(self.sig, keccak256(plain[:1100]), hasher=None)  # wrapper
            mid = keccak256(plain[:1100])
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT OR REPLACE INTO floor_rows (id, body) VALUES (?, ?)", (mid, self.body))
            conn.execute("COMMIT")


class Ours:
    def __init__(self, folder: Path, total: int) -> None:
        from statuscli.app.messaging.content import Content
        from statuscli.app.messaging.incoming import Receiver
        from statuscli.app.messaging.messenger import Messenger

        self.alice = Messenger(account(folder / "alice", "alice"))
        self.bob = Messenger(account(folder / "bob", "bob"))
        ra, self.r = Receiver(self.alice), Receiver(self.bob)
        for i in range(3):  # a conversation both ways: negotiated topic, steady ratchet
            for e in self.alice.send_direct(self.bob.account.chat_public_key, Content(text=f"a{i}")).envelopes:
                self.r.handle(e.data, e.pubsub_topic)
            self.r.refresh(force=True)
            for e in self.bob.send_direct(self.alice.account.chat_public_key, Content(text=f"b{i}")).envelopes:
                ra.handle(e.data, e.pubsub_topic)
            ra.refresh(force=True)
        self.bob.tick()
        self.envs = []
        for i in range(total):
            self.envs += self.alice.send_direct(self.bob.account.chat_public_key, Content(text=f"{i} {TEXT}")).envelopes
        self.done = 0

    def __call__(self, n: int) -> None:
        r, bob = self.r, self.bob
        for e in self.envs[self.done : self.done + n]:
            assert r.handle(e.data, e.pubsub_topic).events
            self.done += 1
            if self.done % 50 == 0:
                bob.tick()

    def pages(self, n: int) -> None:
        """The store catch-up's way: pages of PAGE envelopes, one transaction each (a tick per page)."""
        r, bob = self.r, self.bob
        for i in range(0, n, PAGE):
            envs = self.envs[self.done : self.done + min(PAGE, n - i)]
            assert all(h.events for h in r.handle_page([(e.data, e.pubsub_topic) for e in envs]))
            self.done += len(envs)
            bob.tick()

    def statements(self) -> float:
        """SQL statements per message over the next 50 (a tick included)."""
        seen: list[str] = []
        self.bob.account.db.set_trace_callback(seen.append)
        try:
            self(50)
        finally:
            self.bob.account.db.set_trace_callback(None)
        return len(seen) / 50


def run(rounds: int, per_round: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="statuscli-bench-receive-"))
    ours = Ours(work, 2 * rounds * per_round + 50)
    floor = Floor(work)
    floor(20)
    ours_rates, page_rates, floor_rates, ratios, page_ratios = [], [], [], [], []
    for _ in range(rounds):
        t = time.perf_counter()
        floor(per_round)
        f = per_round / (time.perf_counter() - t)
        t = time.perf_counter()
        ours(per_round)
        o = per_round / (time.perf_counter() - t)
        t = time.perf_counter()
        ours.pages(per_round)
        p = per_round / (time.perf_counter() - t)
        ours_rates.append(o)
        page_rates.append(p)
        floor_rates.append(f)
        ratios.append(o / f)
        page_ratios.append(p / f)
    return {"ours": statistics.median(ours_rates), "pages": statistics.median(page_rates), "floor": statistics.median(floor_rates),
            "ratio": statistics.median(ratios), "page_ratio": statistics.median(page_ratios), "statements": ours.statements(),
            "rounds": rounds, "per_round": per_round}  # fmt: skip


def report(r: dict, label: str = "") -> str:
    load = os.getloadavg()[0]
    return "\n".join([
        "## One received 1:1 message against its floor (`benchmarks/receive_path.py`)",
        "",
        f"Medians of {r['rounds']} interleaved rounds of {r['per_round']} messages (1 KB text); CPython {platform.python_version()} on "
        f"{os.cpu_count()} CPU(s), {time.strftime('%Y-%m-%d')}, load average {load:.1f} at the end.{label}",
        "",
        "| what | messages/s | SQL statements per message |",
        "|---|---:|---:|",
        f"| `Receiver.handle`, 1:1 steady state, SQLCipher on disk (a tick per 50) | {r['ours']:,.0f} | {r['statements']:.1f} |",
        f"| `Receiver.handle_page`, pages of {PAGE} in one transaction each (the store catch-up; a tick per page) | {r['pages']:,.0f} | |",
        f"| floor: the same crypto, bare primitives, + one on-disk SQLCipher transaction | {r['floor']:,.0f} | 3 |",
        f"| ratio to the floor (median per round): `handle` | {r['ratio']:.2f} | |",
        f"| ratio to the floor (median per round): `handle_page` | {r['page_ratio']:.2f} | |",
        "",
        "Ours = Waku message decode and hash, payload v1 AES-GCM open + signer recovery (negotiated topic), ProtocolMessage with "
        "the sender's bundle verified and stored, Double Ratchet step, wrapper signature recovery, MVDS, ChatMessage, message/envelope/"
        "event rows, all in one `BEGIN IMMEDIATE` transaction per envelope (WAL, synchronous=NORMAL). Floor = the same cryptographic "
        "work with coincurve/`cryptography`/hashlib and no framing, plus BEGIN IMMEDIATE / one 1 KB INSERT / COMMIT on SQLCipher.",
        "",
        "`handle_page` is what a store catch-up (`listen`, `mailserver fetch`) and a live `listen` without `--count` run: each "
        "envelope still all-or-nothing (a savepoint), one commit per page. Per envelope a commit writes 18.6 SQLCipher pages "
        "(the floor's: 2) — the session, MVDS group and its due index, acks, clocks, peer, installation, envelope and message "
        "indexes, the database header and the event — and is a quarter of the time; in pages of 100 it writes 2.4 per message.",
        "",
        "Where the time goes in pages (py-spy, 6 000 messages, 2026-12-07, quiet machine): crypto 23 % (three signature "
        "recoveries, AES-GCM, HKDF/HMAC/AES-CTR and five keccaks through the same libraries as the floor, with their Python "
        "wrappers), SQL statements 34 % (23 per message — 24 once a session is past 3 000 message keys and sweeps the oldest as "
        "status-go does, as in the table: de-duplication, session read and write, bundle and installation, MVDS "
        "group/records/acks, contact row, peer, clock, message, event), the commit 8 %, protocol framing in Python 36 % (six "
        "protobuf layers, the event as JSON). **The ≥ 0.6 target of issue 14.6 is not met**, and CPython cannot meet it with "
        "this data model: our crypto calls alone take ~0.35 ms a message against the floor's ~0.29 ms for everything (by themselves they would score ~0.8), so "
        "0.6 would leave ~0.13 ms for 23 statements and six protobuf layers; the floor writes one row where a received 1:1 "
        "message durably changes ten tables under the one-transaction rule. Issue 14.6's cuts so far: 51.8 statements per "
        "message (e09e339, and growing with the acks owed to the sender: 227 at 200) → 23, flat "
        "(`tests/unit/test_receive_statements.py`); one commit per page in catch-ups (0.15 → 0.20 of the floor).",
    ])  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--per-round", type=int, default=200)
    ap.add_argument("--write", action="store_true", help="replace the receive-path section of BENCHMARKS.md")
    args = ap.parse_args()
    text = report(run(args.rounds, args.per_round))
    print(text)
    if args.write:
        replace_section("receive-path", text)


if __name__ == "__main__":
    main()
