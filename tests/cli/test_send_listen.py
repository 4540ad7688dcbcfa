"""send / listen / mailserver / group / bundle publish|fetch through the CLI, without a network:
--dry-run output that other commands read back, and every error with its exit code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PW = "pw"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


@pytest.fixture
def homes(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("STATUSCLI_PASSWORD", PW)
    monkeypatch.delenv("STATUSCLI_NODE_SOCKET", raising=False)
    out = {}
    for name in ("alice", "bob"):
        home = str(tmp_path / name)
        r = run_cli("--home", home, "--json", "keys", "generate", "--name", name)
        assert r.exit_code == 0, r.stderr
        out[name] = (home, r.json())

    def cli(who: str, *args: str, input=None):
        return run_cli("--home", out[who][0], *args, input=input)

    cli.home = lambda who: out[who][0]
    return cli, out["alice"][1], out["bob"][1]


def inspect_chat(cli, who: str, envelope_hex: str, *extra: str) -> dict:
    r = cli(who, "--json", "envelope", "inspect", "-", *extra, input=envelope_hex)
    assert r.exit_code == 0, r.stderr
    node = r.json()
    while node.get("inner") or node.get("messages"):
        node = node["inner"] if node.get("inner") else node["messages"][0]
    return node


# --- --dry-run ------------------------------------------------------------------------------
def test_dry_run_prints_an_envelope_the_recipient_can_open(homes):
    cli, a, b = homes
    r = cli("alice", "send", b["compressed_key"], "hello over the wire", "--dry-run")
    assert r.exit_code == 0, r.stderr
    (env,) = r.stdout.split()
    assert env.startswith("0x") and "message id(s): 0x" in r.stderr and "nothing published" in r.stderr
    chat = inspect_chat(cli, "bob", env)
    assert chat["layer"] == "chat-message" and chat["text"] == "hello over the wire" and chat["message_type"] == "ONE_TO_ONE"
    # JSON: the id, the chat, how it travels, and the envelope
    d = cli("alice", "--json", "send", b["public_key"], "again", "--dry-run").json()
    assert d["dry_run"] and d["id"].startswith("0x") and d["chat"] == {"kind": "one-to-one", "id": b["public_key"]}
    (rcpt,) = d["recipients"]
    assert rcpt["topic"] == "partitioned" and rcpt["paths"] == {"none": "dh"} and rcpt["mvds_id"].startswith("0x")
    assert all(e["pubsub_topic"] == "/waku/2/rs/16/32" and e["content_topic"].startswith("/waku/1/0x") for e in d["envelopes"])


def test_dry_run_is_reproducible_with_seed_and_now(homes):
    cli, a, b = homes
    r = cli("alice", "--json", "send", "--public", "status", "gm", "--dry-run", "--seed", "00", "--now", "1790000000000").json()
    assert r["chat"] == {"kind": "public", "id": "status"} and r["envelopes"][0]["timestamp"] == 1790000000000 * 1_000_000
    chat = inspect_chat(cli, "bob", r["envelopes"][0]["envelope"], "--no-account", "--password", "status")
    assert chat["text"] == "gm" and chat["message_type"] == "PUBLIC_GROUP" and chat["chat_id"] == "status"


def test_content_types_on_the_wire(homes, tmp_path):
    cli, a, b = homes
    img = tmp_path / "cat.png"
    img.write_bytes(PNG)
    cases = [
        (["--sticker", "QmHash:3"], "STICKER"),
        (["👍", "--emoji"], "EMOJI"),
        (["a cat", "--image", str(img)], "IMAGE"),
        (["hi", "--contact-request"], "CONTACT_REQUEST"),
        (["re", "--reply-to", "0x" + "ab" * 32], "TEXT_PLAIN"),
    ]
    for args, ct in cases:
        r = cli("alice", "send", b["public_key"], *args, "--dry-run")
        assert r.exit_code == 0, (args, r.stderr)
        chat = inspect_chat(cli, "bob", r.stdout.split()[-1])
        assert chat["content_type"] == ct, (args, chat)
    seq = cli("alice", "send", b["public_key"], "--each-line", "-", "--dry-run", input="one\ntwo\n\nthree\n")
    assert seq.exit_code == 0 and seq.stderr.count("0x") == 3


def test_group_dry_runs_change_nothing(homes):
    """`group create|add|remove|rename|leave|admins --dry-run` print what they would send and store
    nothing: the database dumps the same before and after, and the envelopes open for the member."""
    cli, a, b = homes
    from pathlib import Path

    from tests.cli.test_output_before_commit import full_dump

    state = Path(cli.home("alice")) / "accounts" / "alice" / "state.db"
    assert cli("alice", "--json", "group", "list").json()["groups"] == []  # opens (creates) the state database
    before = full_dump(state, PW)
    g = cli("alice", "--json", "group", "create", "friends", "--member", b["compressed_key"], "--dry-run").json()
    assert g["name"] == "friends" and sorted(g["members"]) == sorted([a["public_key"], b["public_key"]])
    assert g["chat_id"].endswith(a["public_key"]) and g["announcement"]["recipients"][0]["peer"] == b["public_key"]
    r = cli("bob", "--json", "envelope", "inspect", "-", input=g["announcement"]["envelopes"][0]["envelope"])
    assert r.exit_code == 0 and g["chat_id"] in r.stdout and "MEMBERSHIP_UPDATE_MESSAGE" in r.stdout, r.stdout[-500:]
    assert cli("alice", "--json", "group", "list").json()["groups"] == []
    assert full_dump(state, PW) == before


# --- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, code, words", [
    (["send", "nobody", "x"], 7, "no contact named"),
    (["send", "0x04abcd", "x"], 3, "key"),
    (["send", "BOB", "   "], 3, "empty message"),
    (["send", "BOB", "x", "--reply-to", "nope"], 3, "--reply-to"),
    (["send", "BOB", "--image", "/nonexistent.png"], 3, "no such file"),
    (["send", "BOB", "x", "--sticker", "h:notanumber"], 3, "--sticker"),
    (["send", "BOB", "x", "--image", "IMG", "--emoji"], 2, "exclude"),
    (["send", "--public", "status", "x", "y"], 2, "only MESSAGE"),
    (["send", "--public", "a", "--group", "b", "x"], 2, "exclude"),
    (["send"], 2, "PEER"),
    (["send", "--group", "nope", "x"], 7, "no group"),
    (["send", "--public", "status", "x", "--contact-request"], 3, "contact requests are 1:1"),
    (["send", "BOB", "x"], 6, "no node to talk to"),
    (["listen", "--timeout", "1"], 6, "no node to talk to"),
    (["mailserver", "fetch"], 6, "no node"),
    (["mailserver", "fetch", "--since", "yesterday-ish"], 3, "not a time"),
    (["bundle", "publish"], 6, "no node"),
    (["bundle", "fetch", "BOB"], 6, "no node"),
    (["group", "create", "g", "--member", "BOB"], 6, "no node"),
    (["x3dh", "init", "BOB"], 7, "fetching it from the network failed too"),
    (["listen", "--chat", "BOB", "--public", "x"], 2, "exclude"),
])  # fmt: skip
def test_errors_have_clear_messages_and_exit_codes(homes, tmp_path, args, code, words):
    cli, a, b = homes
    img = tmp_path / "not-an-image.png"
    img.write_bytes(b"not an image")
    args = [b["public_key"] if x == "BOB" else str(img) if x == "IMG" else x for x in args]
    r = cli("alice", *args)
    assert r.exit_code == code, (args, r.exit_code, r.stderr)
    assert words in r.stderr and "Traceback" not in r.stderr, r.stderr
    if code == 6:
        assert "hint:" in r.stderr
        j = cli("alice", "--json", *args)
        assert j.json()["error"]["code"] in ("network-error", "node-not-running")


def test_malformed_stdin(homes):
    cli, a, b = homes
    r = cli("alice", "send", b["public_key"], "-", input=b"\xff\xfe\x00bad utf-8")
    assert r.exit_code == 3 and "UTF-8" in r.stderr
    r = cli("alice", "send", b["public_key"], "--image", "-", input=b"GIF87 truncated?")
    assert r.exit_code == 3 and "unsupported image" in r.stderr
    r = cli("alice", "send", b["public_key"], "--dry-run", "-", input=b"")
    assert r.exit_code == 3 and "empty message" in r.stderr


def test_nothing_changes_when_no_node_is_reachable(homes):
    cli, a, b = homes
    assert cli("alice", "send", b["public_key"], "x").exit_code == 6
    assert cli("alice", "group", "create", "g", "--member", b["public_key"]).exit_code == 6
    assert cli("alice", "--json", "group", "list").json()["groups"] == []
    # the first message that does go out (dry run) is the first one MVDS knows of
    d = cli("alice", "--json", "send", b["public_key"], "first", "--dry-run").json()
    assert len(d["envelopes"]) == 1


def test_help_has_examples():
    for args in (["send"], ["listen"], ["mailserver", "fetch"], ["group", "create"], ["demo"], ["bundle", "publish"], ["bundle", "fetch"]):
        p = subprocess.run([sys.executable, "-m", "statuscli", *args, "--help"], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and "Examples:" in p.stdout, args


def test_send_dry_run_imports_no_network_stack(homes, tmp_path):
    cli, a, b = homes
    code = (
        "import sys; from statuscli.cli.main import run;"
        f"rc = run(['--home', {str(tmp_path / 'alice')!r}, 'send', {b['public_key']!r}, 'x', '--dry-run']);"
        "bad = [m for m in ('libp2p', 'trio', 'rich', 'bip_utils') if m in sys.modules];"
        "sys.stderr.write('\\nRESULT ' + repr((rc, bad)))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={**__import__("os").environ, "STATUSCLI_PASSWORD": PW})
    assert p.stderr.strip().endswith("RESULT (0, [])"), p.stderr[-500:]


def test_listen_events_are_ndjson_in_the_log(homes, tmp_path):
    """The event log behind --since: what the pipeline stores is what listen replays (no network needed)."""
    cli, a, b = homes
    env = cli("alice", "send", b["public_key"], "stored before printed", "--dry-run").stdout.split()[0]
    from statuscli.app.accounts import open_account
    from statuscli.app.context import AppContext
    from statuscli.app.messaging.incoming import Receiver
    from statuscli.app.messaging.messenger import Messenger
    from statuscli.store import messages as msg_store

    acct = open_account(AppContext(home=tmp_path / "bob"), passphrase=PW)
    evs = Receiver(Messenger(acct)).handle(bytes.fromhex(env[2:])).events
    logged = msg_store.events_after(acct.db, 0)
    assert [(seq, ev["type"]) for seq, ev in logged] == [(e["cursor"], e["type"]) for e in evs]
    assert json.loads(json.dumps(logged[-1][1]))["text"] == "stored before printed"


def test_accept_contact_request_from_the_command_line(homes):
    cli, a, b = homes
    r = cli("bob", "send", a["public_key"], "--accept-contact-request")  # nothing received from alice yet
    assert r.exit_code == 7 and "no contact request" in r.stderr, r.stderr  # found out before any node is needed
    r = cli("bob", "send", "--accept-contact-request", a["public_key"])  # the key was taken as the ID
    assert r.exit_code == 2 and "give PEER (before the option)" in r.stderr
    assert cli("bob", "send", a["public_key"], "--accept-contact-request", "0x1234").exit_code == 2
    assert cli("bob", "send", a["public_key"], "hi", "--accept-contact-request").exit_code == 2  # no MESSAGE
    rid = "0x" + "5f" * 32
    d = cli("bob", "--json", "send", a["public_key"], "--accept-contact-request", rid, "--dry-run").json()
    assert d["accepts"] == rid and d["chat"] == {"kind": "one-to-one", "id": a["public_key"]}
    r = cli("alice", "--json", "envelope", "inspect", "-", input=d["envelopes"][0]["envelope"])
    node = r.json()
    while node.get("inner") or node.get("messages"):
        node = node["inner"] if node.get("inner") else node["messages"][0]
    assert node["layer"] == "accept-contact-request" and node["id"] == rid and int(node["clock"]) > 0
