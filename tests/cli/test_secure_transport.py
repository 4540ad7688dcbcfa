"""bundle / x3dh / encrypt / decrypt through the CLI: two (and three) homes holding a conversation.

Most steps run in-process (run_cli); a few run as real subprocesses, including concurrent ones.
Every invocation passes --now so that the clock (and the 24 h prekey rotation) is deterministic.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

PW = "correct horse"
T0 = 1_800_000_000_000
DAY = 24 * 3600 * 1000


def db_dump(party: Party, passphrase: str = PW) -> dict:
    """Every row of the party's (SQLCipher) state.db, opened with the key from its keystore."""
    from statuscli.app.accounts import open_account
    from statuscli.app.context import AppContext
    from statuscli.store.state_db import connect_encrypted

    key = open_account(AppContext(home=party.home), name=party.name, unlock=False, passphrase=passphrase).database_key()
    conn = connect_encrypted(party.db, key)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted((tuple(r) for r in conn.execute(f"SELECT * FROM {t}")), key=repr) for t in tables}
    finally:
        conn.close()


class Party:
    clock = T0

    def __init__(self, run_cli, home: Path, name: str):
        self.run_cli, self.home, self.name = run_cli, home, name

    def cli(self, *args, input=None, ok=True):
        Party.clock += 1000
        r = self.run_cli("--home", str(self.home), *args, "--now", str(Party.clock), input=input)
        if ok:
            assert r.exit_code == 0, (args, r.exit_code, r.stdout, r.stderr)
        return r

    def plain(self, *args, input=None, ok=True):
        """Commands without --now."""
        r = self.run_cli("--home", str(self.home), *args, input=input)
        if ok:
            assert r.exit_code == 0, (args, r.exit_code, r.stdout, r.stderr)
        return r

    @property
    def db(self) -> Path:
        return self.home / "accounts" / self.name / "state.db"

    def encrypt(self, peer: str, text: str) -> str:
        return self.cli("encrypt", peer, text).stdout.strip()

    def decrypt(self, message_hex: str) -> dict:
        return self.cli("--json", "decrypt", "-", input=message_hex).json()


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("STATUSCLI_PASSWORD", PW)


def make_party(run_cli, tmp_path, name: str, mnemonic: str | None = None) -> tuple[Party, dict]:
    home = tmp_path / f"home-{name}-{len(list(tmp_path.iterdir()))}"
    if mnemonic is None:
        r = run_cli("--home", str(home), "--json", "keys", "generate", "--name", name, "--show-mnemonic")
    else:
        r = run_cli("--home", str(home), "--json", "keys", "import", "--name", name, "--mnemonic-file", "-", input=mnemonic)
    assert r.exit_code == 0, r.stderr
    return Party(run_cli, home, name), r.json()


@pytest.fixture
def pair(run_cli, tmp_path, env):
    alice, a = make_party(run_cli, tmp_path, "alice")
    bob, b = make_party(run_cli, tmp_path, "bob")
    return alice, a, bob, b


def exchange_bundles(alice: Party, bob: Party, a: dict, b: dict) -> None:
    ab = alice.cli("bundle", "export").stdout.strip()
    bb = bob.cli("bundle", "export").stdout.strip()
    assert alice.cli("--json", "bundle", "import", "-", "--name", "bob", input=bb).json()["contact"] == "bob"
    assert bob.cli("--json", "bundle", "import", "-", "--name", "alice", input=ab).json()["new_installations"]


# --- bundles ------------------------------------------------------------------------------
def test_bundle_create_show_export_verify(pair):
    alice, a, bob, _ = pair
    assert "no bundle yet" in alice.plain("bundle", "show").stdout
    c = alice.cli("--json", "bundle", "create").json()
    assert c["identity"] == a["public_key"] and not c["rotated"]
    (iid, spk), = c["installations"].items()
    assert spk["version"] == 1 and spk["protocol_version"] == 1
    again = alice.cli("--json", "bundle", "create").json()
    assert again["installations"] == c["installations"]  # kept: younger than 24 h
    rot = alice.cli("--json", "bundle", "create", "--rotate").json()
    assert rot["rotated"] and rot["installations"][iid]["version"] == 2
    shown = alice.plain("--json", "bundle", "show").json()
    assert shown["current"]["version"] == 2 and len(shown["prekeys"]) == 2
    hexed = alice.cli("bundle", "export").stdout.strip()
    v = alice.plain("--json", "bundle", "verify", "-", input=hexed).json()
    assert v["valid"] and v["identity"] == a["public_key"] and v["installations"][iid]["version"] == 2
    b64 = alice.cli("bundle", "export", "--format", "base64").stdout.strip()
    assert alice.plain("--json", "bundle", "verify", "-", input=b64).json()["valid"]
    assert "valid bundle" in alice.plain("bundle", "verify", "-", input=hexed).stdout


def test_bundle_verify_rejects_a_tampered_signature(pair):
    alice, *_ = pair
    raw = bytearray(bytes.fromhex(alice.cli("bundle", "export").stdout.strip()))
    raw[-3] ^= 0x01  # inside the timestamp (last field): the signed material changes
    r = alice.plain("bundle", "verify", "-", input=raw.hex(), ok=False)
    assert r.exit_code == 4 and "signature" in r.stderr and r.stdout == ""
    r = alice.plain("--json", "bundle", "verify", "-", input=raw.hex(), ok=False)
    assert r.exit_code == 4 and r.json()["error"]["code"] == "bad-signature"
    r = alice.plain("bundle", "verify", "-", input="zz not data", ok=False)
    assert r.exit_code == 3


def test_bundle_import_refuses_bad_bundle_and_stores_nothing(pair):
    alice, _, bob, b = pair
    good = bob.cli("bundle", "export").stdout.strip()
    alice.cli("bundle", "create")
    before = db_dump(alice)
    bad = bytearray(bytes.fromhex(good))
    bad[-3] ^= 0x01
    r = alice.cli("bundle", "import", "-", input=bad.hex(), ok=False)
    assert r.exit_code == 4 and "signature" in r.stderr
    assert db_dump(alice) == before
    out = alice.cli("--json", "bundle", "import", "-", input=good).json()
    assert out["identity"] == b["public_key"] and len(out["new_installations"]) == 1
    assert db_dump(alice) != before


def test_x3dh_init_with_and_without_bundle(pair):
    alice, a, bob, b = pair
    r = alice.cli("x3dh", "init", b["public_key"], ok=False)
    assert r.exit_code == 7 and "no bundle" in r.stderr
    bb = bob.cli("bundle", "export").stdout.strip()
    out = alice.cli("--json", "x3dh", "init", b["compressed_key"], "--bundle", "-", input=bb).json()
    (s,) = out["sessions"]
    assert s["created"] and s["role"] == "initiator" and not s["confirmed"]
    assert out["negotiated_topic"]["content_topic"].startswith("/waku/1/0x")
    # the same topic from bob's side
    bob_view = bob.cli("--json", "x3dh", "init", a["public_key"], "--bundle", "-", input=alice.cli("bundle", "export").stdout.strip()).json()
    assert bob_view["negotiated_topic"] == out["negotiated_topic"]
    text = alice.cli("x3dh", "init", b["public_key"]).stdout
    assert "existing session" in text and "negotiated topic: 0x" in text


# --- the conversation ---------------------------------------------------------------------
def test_long_conversation_through_the_cli(run_cli, tmp_path, env):
    alice, a = make_party(run_cli, tmp_path, "alice")
    bob, b = make_party(run_cli, tmp_path, "bob")
    exchange_bundles(alice, bob, a, b)

    # both sides initiate at once: each encrypts from the other's bundle before hearing from them
    m_a = alice.encrypt("bob", "hello bob (a starts)")
    m_b = bob.encrypt("alice", "hello alice (b starts)")
    da, db_ = bob.decrypt(m_a), alice.decrypt(m_b)
    assert (da["text"], da["path"], da["sender"]) == ("hello bob (a starts)", "x3dh", a["public_key"])
    assert (db_["text"], db_["path"], db_["sender"]) == ("hello alice (b starts)", "x3dh", b["public_key"])

    rng = random.Random(3)
    people = {"alice": (alice, "bob"), "bob": (bob, "alice")}
    inbox: dict[str, list] = {"alice": [], "bob": []}
    lost = 0
    for step in range(36):
        sender = "alice" if step == 18 else rng.choice(["alice", "bob"])
        party, peer = people[sender]
        text = f"{sender} #{step}"
        if step == 18:  # bundle rotation mid-conversation: alice's clock jumps past 24 h
            Party.clock += DAY + 1
            shown = alice.plain("--json", "bundle", "show").json()
            assert shown["current"]["version"] == 1
        msg = party.encrypt(peer, text)
        if step == 18:
            assert alice.plain("--json", "bundle", "show").json()["current"]["version"] == 2
        inbox[peer].append((msg, text, sender))
        for who in ("alice", "bob"):
            rng.shuffle(inbox[who])  # out-of-order delivery
            keep = []
            for msg, text, frm in inbox[who]:
                roll = rng.random()
                if roll < 0.08:
                    lost += 1  # lost for good
                    continue
                if roll < 0.45:
                    keep.append((msg, text, frm))
                    continue
                d = people[who][0].decrypt(msg)
                assert d["text"] == text and d["sender"] == (a if frm == "alice" else b)["public_key"]
            inbox[who] = keep
    for who in ("alice", "bob"):
        for msg, text, _ in inbox[who]:
            assert people[who][0].decrypt(msg)["text"] == text
    assert lost > 0

    # the messages after the lost ones left skipped keys, which late delivery would still use
    skipped = sum(len(db_dump(p)["secure_skipped_keys"]) for p in (alice, bob))
    assert 0 < skipped <= lost

    # a second device of alice: same mnemonic, another home, another installation
    alice2, a2 = make_party(run_cli, tmp_path, "alice2", mnemonic=a["mnemonic"])
    assert a2["public_key"] == a["public_key"]
    hello2 = alice2.cli("encrypt", b["public_key"], "from alice's second device").stdout.strip()
    d = bob.decrypt(hello2)
    assert d["path"] == "dh" and d["sender"] == a["public_key"] and d["bundles"][0]["new_installations"]
    to_both = bob.cli("--json", "encrypt", "alice", "to both of alice's devices").json()
    assert len(to_both["installations"]) == 2
    msg = to_both["message"][2:]
    assert alice.decrypt(msg)["text"] == "to both of alice's devices"
    assert alice2.decrypt(msg)["text"] == "to both of alice's devices"
    back = alice2.encrypt(b["public_key"], "second device, ratchet")
    d = bob.decrypt(back)
    assert d["text"] == "second device, ratchet" and d["path"] == "double-ratchet"

    show = alice.plain("--json", "bundle", "show", "bob").json()
    assert show["sessions"] and show["shared_secret_agreed"]


def test_text_output_and_raw_modes(pair):
    alice, a, bob, b = pair
    exchange_bundles(alice, bob, a, b)
    r = alice.cli("encrypt", "bob", "plain text")
    assert "encrypted for 1 target(s)" in r.stderr
    out = bob.cli("decrypt", "-", "--no-commit", input=r.stdout).stdout
    assert "message: plain text" in out and "path: x3dh" in out
    assert bob.cli("decrypt", "-", "--raw", input=r.stdout).stdout == "plain text"
    r = alice.cli("encrypt", "bob", "--bytes", "0xdeadbeef", "--base64")
    d = bob.cli("--json", "decrypt", "-", input=r.stdout).json()
    assert d["plaintext"] == "0xdeadbeef" and d["text"] is None


# --- failures leave the stored state unchanged -----------------------------------------
def _tamper(hexmsg: str, mutate) -> str:
    from statuscli.core.encryption import EncryptedMessage, ProtocolMessage

    m = ProtocolMessage.decode(bytes.fromhex(hexmsg))
    (iid, e), = [(k, v) for k, v in m.encrypted.items()]
    fields = {"payload": e.payload, "x3dh": e.x3dh, "dr": e.dr, "dh": e.dh, "hr": e.hr}
    fields.update(mutate(e))
    return ProtocolMessage(m.installation_id, m.bundles, {iid: EncryptedMessage(**fields)}).encode().hex()


def test_negative_cases_exit_4_and_leave_the_session_unchanged(run_cli, tmp_path, env):
    from dataclasses import replace

    from statuscli.core.bundles import Bundle
    from statuscli.core.encryption import ProtocolMessage

    alice, a = make_party(run_cli, tmp_path, "alice")
    bob, b = make_party(run_cli, tmp_path, "bob")
    carol, c = make_party(run_cli, tmp_path, "carol")
    exchange_bundles(alice, bob, a, b)
    first = alice.encrypt("bob", "one")
    assert bob.decrypt(first)["text"] == "one"
    bob.decrypt(alice.encrypt("bob", "two"))
    msg = alice.encrypt("bob", "three")

    def forged_bundle(hexmsg):
        m = ProtocolMessage.decode(bytes.fromhex(hexmsg))
        bd = m.bundles[0]
        fake = Bundle(bd.identity, bd.signed_pre_keys, bd.signature, bd.timestamp - 1)
        return ProtocolMessage(m.installation_id, (fake,), m.encrypted).encode().hex()

    carol_bundle = carol.cli("bundle", "export").stdout.strip()
    alice.cli("bundle", "import", "-", input=carol_bundle)
    for_carol = alice.encrypt(c["public_key"], "not for bob")

    cases = {
        "tampered ciphertext": (_tamper(msg, lambda e: {"payload": e.payload[:30] + bytes([e.payload[30] ^ 4]) + e.payload[31:]}), "decryption-failed"),
        "tampered header": (_tamper(msg, lambda e: {"dr": replace(e.dr, n=e.dr.n + 3)}), "decryption-failed"),
        "tampered bundle signature": (forged_bundle(msg), "bad-signature"),
        "replayed message": (first, "decryption-failed"),
        "message for another installation": (for_carol, "device-not-found"),
    }
    before = db_dump(bob)
    for what, (data, code) in cases.items():
        r = bob.cli("decrypt", "-", input=data, ok=False)
        assert r.exit_code == 4, (what, r.stdout, r.stderr)
        assert r.stdout == "" and r.stderr.startswith("statuscli: error: ") and "Traceback" not in r.stderr, what
        assert len(r.stderr.strip().splitlines()) <= 2, what
        rj = bob.cli("--json", "decrypt", "-", input=data, ok=False)
        assert rj.exit_code == 4 and rj.json()["error"]["code"] == code, what
        assert db_dump(bob) == before, what
    assert bob.decrypt(msg)["text"] == "three"  # the untouched message still decrypts


# --- real subprocesses, concurrently -----------------------------------------------------
def _spawn(home: Path, *args, input: str | None = None):
    env = {**os.environ, "STATUSCLI_PASSWORD": PW, "STATUSCLI_HOME": str(home)}
    env.pop("STATUSCLI_ACCOUNT", None)
    return subprocess.Popen(
        [sys.executable, "-m", "statuscli", *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    ), input  # fmt: skip


def _finish(procs, timeout=60):
    out = []
    for p, inp in procs:
        stdout, stderr = p.communicate(inp, timeout=timeout)
        out.append((p.returncode, stdout, stderr))
    return out


def test_concurrent_invocations_lose_no_state(pair):
    alice, a, bob, b = pair
    exchange_bundles(alice, bob, a, b)
    bob.decrypt(alice.encrypt("bob", "setup"))
    alice.decrypt(bob.encrypt("alice", "setup back"))

    # four encrypts on one account at the same time: four distinct ratchet steps
    procs = [_spawn(alice.home, "--json", "encrypt", "bob", f"concurrent {i}", "--now", str(Party.clock + 10)) for i in range(4)]
    results = _finish(procs)
    assert all(code == 0 for code, _, _ in results), results
    messages = [json.loads(o)["message"][2:] for _, o, _ in results]
    from statuscli.core.encryption import ProtocolMessage

    ns = sorted(next(iter(ProtocolMessage.decode(bytes.fromhex(m)).encrypted.values())).dr.n for m in messages)
    assert len(set(ns)) == 4

    # four decrypts on the other account at the same time: every one succeeds, nothing lost
    procs = [_spawn(bob.home, "--json", "decrypt", "-", "--now", str(Party.clock + 20), input=m) for m in messages]
    results = _finish(procs)
    assert all(code == 0 for code, _, _ in results), results
    assert sorted(json.loads(o)["text"] for _, o, _ in results) == [f"concurrent {i}" for i in range(4)]
    assert db_dump(bob)["secure_skipped_keys"] == []
    # and each was consumed exactly once
    for m in messages:
        assert bob.cli("decrypt", "-", input=m, ok=False).exit_code == 4
    assert bob.decrypt(alice.encrypt("bob", "after"))["text"] == "after"


def test_subprocess_pipe_between_homes(pair):
    alice, a, bob, b = pair
    exchange_bundles(alice, bob, a, b)
    (code, enc, err), = _finish([_spawn(alice.home, "encrypt", "bob", "through a pipe", "--now", str(Party.clock + 5))])
    assert code == 0, err
    (code, out, err), = _finish([_spawn(bob.home, "decrypt", "--now", str(Party.clock + 6), input=enc)])
    assert code == 0 and "message: through a pipe" in out, err


def test_help_has_examples(run_cli):
    for cmd in (["bundle"], ["bundle", "create"], ["bundle", "show"], ["bundle", "export"], ["bundle", "verify"],
                ["bundle", "import"], ["x3dh", "init"], ["encrypt"], ["decrypt"]):  # fmt: skip
        r = run_cli(*cmd, "--help")
        assert r.exit_code == 0 and "Examples:" in r.stdout, cmd


def test_account_recovery_by_bundle_advertisement(run_cli, tmp_path, env):
    """Bob restores his account in a fresh home (new installation): alice's messages fail with
    device-not-found until bob answers with a bundle-only message; then both installations get copies."""
    alice, a = make_party(run_cli, tmp_path, "alice")
    bob, b = make_party(run_cli, tmp_path, "bob")
    exchange_bundles(alice, bob, a, b)
    bob.decrypt(alice.encrypt("bob", "before"))
    restored, _ = make_party(run_cli, tmp_path, "bob", mnemonic=b["mnemonic"])
    lost = alice.encrypt("bob", "you will not read this")
    r = restored.cli("--json", "decrypt", "-", input=lost, ok=False)
    assert r.exit_code == 4 and r.json()["error"]["code"] == "device-not-found"
    advert = restored.cli("encrypt", a["public_key"], "--bundle-only").stdout.strip()
    d = alice.decrypt(advert)
    assert d["path"] == "dh" and d["text"] == "" and d["sender"] == b["public_key"] and d["bundles"][0]["new_installations"]
    again = alice.cli("--json", "encrypt", "bob", "welcome back").json()
    assert len(again["installations"]) == 2
    assert restored.decrypt(again["message"][2:])["text"] == "welcome back"
    assert bob.decrypt(again["message"][2:])["text"] == "welcome back"
    assert restored.cli("encrypt", a["public_key"], "x", "--bundle-only", ok=False).exit_code == 2
    r = restored.cli("encrypt", "carol", "hi", ok=False)  # no such contact in this home
    assert r.exit_code == 7 and "no contact named 'carol'" in r.stderr


def test_offline_secure_commands_import_nothing_heavy(pair):
    alice, a, bob, b = pair
    exchange_bundles(alice, bob, a, b)
    code = (
        "import sys, io\n"
        "from statuscli.cli.main import run\n"
        "out = io.StringIO(); real = sys.stdout; sys.stdout = out\n"
        f"rc = run(['--home', {str(alice.home)!r}, 'encrypt', 'bob', 'hi', '--now', '{T0 + 99_000_000}'])\n"
        "sys.stdout = real\n"
        "print(rc, [m for m in ('libp2p', 'trio', 'rich', 'bip_utils', 'mnemonic') if m in sys.modules])\n"
    )
    env = {**os.environ, "STATUSCLI_PASSWORD": PW}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert r.stdout.strip() == "0 []", r.stderr


def test_seed_and_now_make_output_reproducible(pair, tmp_path):
    import shutil

    alice, a, bob, b = pair
    exchange_bundles(alice, bob, a, b)
    twin_home = tmp_path / "alice-twin"
    shutil.copytree(alice.home, twin_home)
    twin = Party(alice.run_cli, twin_home, "alice")
    args = ("encrypt", "bob", "same bytes", "--seed", "00ff", "--now", str(T0 + 5_000_000))
    one = alice.run_cli("--home", str(alice.home), *args)
    two = twin.run_cli("--home", str(twin_home), *args)
    assert one.exit_code == two.exit_code == 0 and one.stdout == two.stdout
    three = alice.run_cli("--home", str(alice.home), "encrypt", "bob", "same bytes", "--seed", "00ff", "--now", str(T0 + 5_000_000))
    assert three.stdout != one.stdout  # the ratchet moved on
    assert bob.decrypt(one.stdout.strip())["text"] == "same bytes"
