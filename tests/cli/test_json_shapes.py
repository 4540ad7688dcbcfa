"""The shape of every command's --json output (keys and value types, not values), against snapshots
(the error object is checked in test_json_errors.py).

Offline commands run in-process on deterministic inputs (--entropy, --seed, --now, --dry-run); the
commands that need a network run as subprocesses against one node started for this module
(node run/status/probe/stop, send, bundle publish/fetch, mailserver fetch, listen) and demo runs its
own. For NDJSON streams (listen, mailserver fetch) the snapshot holds one shape per event type.

A shape maps each key to a type: "str", "hex" (a 0x… string), "number", "bool", "null", a nested
object, or [element shape]; "a|b" when a value takes either type, "key?" when only some of the
objects in a list carry the key, {"<id>": …} for objects keyed by ids. Snapshots live in
tests/cli/snapshots/json/<case>.json. When an output changes on purpose, rewrite and review them,
and update docs/exit-codes-and-json.md to match:

    STATUSCLI_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/cli/test_json_shapes.py
    git diff tests/cli/snapshots/json
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from statuscli.cli.main import run
from statuscli.cli.reference import walk
from tests.cli.snapshot import check, check_no_orphans

ROOT = Path(__file__).resolve().parents[2]
PW = "shapes-passphrase"
ALICE_ENTROPY = "000102030405060708090a0b0c0d0e0f"
BOB_ENTROPY = "0f0e0d0c0b0a09080706050403020100"
CAROL_WORDS = "cage animal match embark fame bean pass census clinic gesture entire fury"
OTHER_KEY = "zQ3shgXaXEtHSFVhHgTUiCSNAXYKeKryUVnPZZJLBMDutaWHB"
NOW = "1790000000000"
TS = "1790000000000000000"
HEX = re.compile(r"0x[0-9a-fA-F]*")
ID_KEY = re.compile(r"(0x)?[0-9a-f]{8,}(-[0-9a-f]{4,})*")
NOT_JSON = {"statuscli completion": "prints a shell script whatever --output says"}


# --- shapes ---------------------------------------------------------------------------------
def shape(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "hex" if HEX.fullmatch(v) else "str"
    if isinstance(v, list):
        if not v:
            return []
        acc = shape(v[0])
        for x in v[1:]:
            acc = merge(acc, shape(x))
        return [acc]
    assert isinstance(v, dict), type(v)
    if v and all(ID_KEY.fullmatch(k) for k in v):
        acc = None
        for x in v.values():
            acc = shape(x) if acc is None else merge(acc, shape(x))
        return {"<id>": acc}
    return {k: shape(x) for k, x in sorted(v.items())}


def _alternatives(s) -> list:
    return s[1:] if isinstance(s, list) and s[:1] == ["|"] else [s]


def merge(a, b):
    if a == b:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        A = {k.rstrip("?"): (k.endswith("?"), x) for k, x in a.items()}
        B = {k.rstrip("?"): (k.endswith("?"), x) for k, x in b.items()}
        out = {}
        for k in sorted(A.keys() | B.keys()):
            if k in A and k in B:
                out[k + ("?" if A[k][0] or B[k][0] else "")] = merge(A[k][1], B[k][1])
            else:
                out[k + "?"] = (A.get(k) or B.get(k))[1]
        return out
    if isinstance(a, list) and isinstance(b, list) and a[:1] != ["|"] and b[:1] != ["|"]:
        if not a or not b:
            return a or b
        return [merge(a[0], b[0])]
    if isinstance(a, str) and isinstance(b, str):
        return "|".join(sorted(set(a.split("|")) | set(b.split("|"))))
    alts = []
    for x in _alternatives(a) + _alternatives(b):  # different kinds: a union, merging like with like
        for i, y in enumerate(alts):
            if type(x) is type(y) and not (isinstance(x, list) and x[:1] == ["|"]):
                alts[i] = merge(y, x)
                break
        else:
            alts.append(x)
    alts.sort(key=lambda s: json.dumps(s, sort_keys=True))
    return ["|", *alts] if len(alts) > 1 else alts[0]


def stream_shape(events: list[dict], types: tuple[str, ...]) -> dict:
    out: dict = {}
    for ev in events:
        if ev["type"] in types:
            out[ev["type"]] = merge(out[ev["type"]], shape(ev)) if ev["type"] in out else shape(ev)
    return out


def snapshot_text(s) -> str:
    return json.dumps(s, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_shape_merging():
    assert shape({"a": [1, 2.5], "b": "0x00", "c": None, "d": "x"}) == {"a": ["number"], "b": "hex", "c": "null", "d": "str"}
    assert shape([{"a": 1}, {"a": None, "b": True}]) == [{"a": "null|number", "b?": "bool"}]
    assert shape({"f66f3eb7-30db-4062-9992-53c89dc3a862": {"v": 1}}) == {"<id>": {"v": "number"}}
    assert shape([None, {"a": 1}, {"a": 2}]) == [["|", "null", {"a": "number"}]]


# --- running the CLI ------------------------------------------------------------------------
class Runner:
    """In-process CLI runs in one folder (homes alice/, bob/), with the passphrase in the environment."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __call__(self, who: str | None, *args: str, input: str | None = None, expect: int = 0):
        holder = {}
        home = ["--home", str(self.folder / who)] if who else ["--home", str(self.folder / "nobody")]
        env = {"STATUSCLI_PASSWORD": PW, "STATUSCLI_PASSWORD_FILE": None, "STATUSCLI_ACCOUNT": None, "STATUSCLI_OUTPUT": None,
               "STATUSCLI_NODE": None, "STATUSCLI_HOME": None, "COLUMNS": "80"}  # fmt: skip

        def entry():
            holder["code"] = run([*home, *args])

        import click

        res = CliRunner().invoke(click.Command("statuscli", callback=entry), [], input=input, env=env, catch_exceptions=False)
        code = holder.get("code", res.exit_code)
        assert code == expect, f"{args}: exit {code}: {res.stderr[-1500:]} {res.stdout[-500:]}"
        return res.stdout

    def json(self, who, *args, **kw):
        return json.loads(self(who, "--json", *args, **kw))


@pytest.fixture(scope="module")
def offline(tmp_path_factory) -> dict:
    """Every offline command once, in an order where each finds what it needs; {case: JSON}."""
    folder = tmp_path_factory.mktemp("shapes")
    cli = Runner(folder)
    out: dict = {}
    out["keys generate"] = cli.json("alice", "keys", "generate", "--name", "alice", "--entropy", ALICE_ENTROPY, "--show-mnemonic")
    bob = cli.json("bob", "keys", "generate", "--name", "bob", "--entropy", BOB_ENTROPY)
    out["keys import"] = cli.json("alice", "keys", "import", "--name", "carol", "--mnemonic-file", "-", input=CAROL_WORDS)
    out["keys list"] = cli.json("alice", "keys", "list")
    out["keys show"] = cli.json("alice", "keys", "show", "alice")
    out["keys show --qr"] = cli.json("alice", "keys", "show", "alice", "--qr")
    out["keys inspect"] = cli.json(None, "keys", "inspect", bob["compressed_key"])
    out["keys derive"] = cli.json("alice", "keys", "derive", "--path", "wallet", "--show-private")
    out["keys export"] = cli.json("alice", "keys", "export", "alice")
    out["keys export --format private-key"] = cli.json("alice", "keys", "export", "alice", "--format", "private-key")
    out["keys export --format mnemonic"] = cli.json("alice", "keys", "export", "alice", "--format", "mnemonic")
    out["keys passwd"] = cli.json("alice", "keys", "passwd", "carol", "--new-password-file", "-", input="another pass\n")
    out["keys delete"] = cli.json("alice", "keys", "delete", "carol", "--yes")
    out["topic compute"] = cli.json(None, "topic", "compute", "public", "status", "--symkey")
    out["topic shard"] = cli.json(None, "topic", "shard", "/toychat/2/huilong/proto")
    out["bundle create"] = cli.json("alice", "bundle", "create", "--now", NOW, "--seed", "01")
    out["bundle export"] = cli.json("bob", "bundle", "export", "--now", NOW, "--seed", "02")
    bob_bundle = out["bundle export"]["bundle"]
    out["bundle verify"] = cli.json(None, "bundle", "verify", "-", input=bob_bundle)
    out["bundle import"] = cli.json("alice", "bundle", "import", "-", "--name", "bob", "--now", NOW, input=bob_bundle)
    out["bundle show"] = cli.json("alice", "bundle", "show")
    out["bundle show PEER"] = cli.json("alice", "bundle", "show", "bob")
    out["x3dh init"] = cli.json("alice", "x3dh", "init", "bob", "--now", NOW, "--seed", "03")
    out["encrypt"] = cli.json("alice", "encrypt", "bob", "hello bob", "--now", NOW, "--seed", "04")
    out["decrypt"] = cli.json("bob", "decrypt", "-", "--now", NOW, input=out["encrypt"]["message"])
    out["mvds group-id"] = cli.json(None, "mvds", "group-id", out["keys generate"]["compressed_key"], bob["compressed_key"])
    mvds = json.loads(cli(None, "vectors", "generate", "mvds", "--count", "1"))
    payload = next(v["expected"]["payload_protobuf"] for v in mvds["vectors"] if "payload_protobuf" in v["expected"])
    out["mvds inspect"] = cli.json(None, "mvds", "inspect", "-", input=payload)
    out["envelope encode"] = cli.json(None, "envelope", "encode", "--text", "hello", "--password", "status", "--topic", "0xcd423760",
                                      "--timestamp", TS, "--seed", "05")  # fmt: skip
    out["envelope encode --v1"] = cli.json(None, "envelope", "encode", "--text", "hello", "--password", "status", "--topic",
                                           "0xcd423760", "--v1", "--pow", "0.01", "--timestamp", TS, "--seed", "06")  # fmt: skip
    out["envelope hash"] = cli.json(None, "envelope", "hash", "--pubsub-topic", "/waku/2/rs/16/32", "--content-topic", "/c/1/t/proto",
                                    "--payload", "0x01", "--timestamp", TS)  # fmt: skip
    out["send --dry-run"] = cli.json("alice", "send", "bob", "hi bob", "--dry-run", "--now", NOW, "--seed", "07")
    out["envelope inspect"] = cli.json("bob", "envelope", "inspect", "-", "--now", NOW, input=out["send --dry-run"]["envelopes"][0]["envelope"])
    out["send --dry-run --each-line"] = cli.json("alice", "send", "--public", "status", "--each-line", "-", "--dry-run", "--now", NOW,
                                                 "--seed", "08", input="one\ntwo\n")  # fmt: skip
    out["enr encode"] = cli.json(None, "enr", "encode", "--key", "0x" + "01" * 32, "--ip", "10.0.0.1", "--tcp", "60000", "--waku2",
                                 "relay,store", "--shards", "16:32,64", "--multiaddr", "/dns4/node.example.org/tcp/443/wss")  # fmt: skip
    out["enr decode"] = cli.json(None, "enr", "decode", out["enr encode"]["enr"])
    out["vectors list"] = cli.json(None, "vectors", "list")
    out["vectors generate"] = mvds
    vfile = folder / "identity.json"
    out["vectors generate --out"] = cli.json(None, "vectors", "generate", "identity", "--count", "2", "--out", str(vfile))
    out["vectors verify"] = cli.json(None, "vectors", "verify", str(vfile))
    mid = out["send --dry-run"]["id"]
    for verb, extra in (("react", ["--emoji", "love"]), ("edit", ["new text"]), ("delete", []), ("pin", [])):
        out[f"{verb} --dry-run"] = cli.json("alice", verb, mid, *extra, "--chat", "bob", "--dry-run")
    out["group create --dry-run"] = cli.json("alice", "group", "create", "friends", "--member", "bob", "--dry-run")
    out["contacts add"] = cli.json("alice", "contacts", "add", OTHER_KEY, "--name", "other")
    out["contacts rename"] = cli.json("alice", "contacts", "rename", "other", "another")
    out["contacts block"] = cli.json("alice", "contacts", "block", "another")
    out["contacts unblock"] = cli.json("alice", "contacts", "unblock", "another")
    out["contacts show"] = cli.json("alice", "contacts", "show", "another")
    out["contacts verify"] = cli.json("alice", "contacts", "verify", "another")
    out["contacts list"] = cli.json("alice", "contacts", "list")
    out["contacts remove"] = cli.json("alice", "contacts", "remove", "another")
    out["contacts add --dry-run"] = cli.json("alice", "contacts", "add", OTHER_KEY, "--dry-run", "--now", NOW, "--seed", "09")
    out["contacts accept --dry-run"] = cli.json("alice", "contacts", "accept", OTHER_KEY, "0x" + "5f" * 32, "--dry-run", "--seed", "0a")
    out["devices pair --dry-run"] = cli.json("alice", "devices", "pair", "--name", "laptop", "--device-type", "linux", "--dry-run", "--now", NOW,
                                             "--seed", "09")  # fmt: skip
    _pair_second_device(cli, folder)
    out["devices list"] = cli.json("alice", "devices", "list")
    second = out["devices list"]["devices"][1]["installation_id"]
    out["devices enable"] = cli.json("alice", "devices", "enable", second)
    cli("alice", "contacts", "block", OTHER_KEY)  # a contact to sync (adding one sends a request now)
    out["devices sync --dry-run"] = cli.json("alice", "devices", "sync", "--dry-run", "--now", NOW, "--seed", "0a")
    out["devices disable"] = cli.json("alice", "devices", "disable", second)
    from statuscli.store.archive_sqlite import SqliteArchive

    src = SqliteArchive(folder / "store.sqlite")
    src.add([(bytes([i]) * 32, "/waku/2/rs/16/32", "/a/1/b/proto", 1_700_000_000_000_000_000 + i, b"\x0a\x01x") for i in range(3)])
    src.close()
    out["archive migrate"] = cli.json(None, "archive", "migrate", "--from", f"sqlite:{folder / 'store.sqlite'}", "--to", str(folder / "copy.sqlite"))
    out["archive stats"] = cli.json(None, "archive", "stats", "--url", f"sqlite:{folder / 'copy.sqlite'}")
    return out


def _pair_second_device(cli: Runner, folder: Path) -> None:
    """alice2: a second home from alice's mnemonic, whose pairing message alice receives."""
    from statuscli.app.accounts import open_account
    from statuscli.app.context import AppContext
    from statuscli.app.messaging.incoming import Receiver
    from statuscli.app.messaging.messenger import Messenger

    words = cli("alice", "keys", "export", "--format", "mnemonic")
    cli("alice2", "keys", "import", "--name", "alice", "--mnemonic-file", "-", input=words)
    cli("alice2", "bundle", "create")
    env = cli.json("alice2", "devices", "pair", "--name", "phone", "--dry-run")["envelopes"][0]["envelope"]
    acct = open_account(AppContext(home=folder / "alice"), passphrase=PW)
    assert [e["type"] for e in Receiver(Messenger(acct)).handle(bytes.fromhex(env[2:])).events] == ["bundle", "device"]


OFFLINE = [
    "keys generate", "keys import", "keys list", "keys show", "keys show --qr", "keys inspect", "keys derive", "keys export",
    "keys export --format private-key", "keys export --format mnemonic", "keys passwd", "keys delete", "topic compute", "topic shard",
    "bundle create", "bundle export", "bundle verify", "bundle import", "bundle show", "bundle show PEER", "x3dh init", "encrypt",
    "decrypt", "mvds group-id", "mvds inspect", "envelope encode", "envelope encode --v1", "envelope hash", "envelope inspect",
    "send --dry-run", "send --dry-run --each-line", "react --dry-run", "edit --dry-run", "delete --dry-run", "pin --dry-run", "enr encode", "enr decode", "vectors list", "vectors generate",
    "vectors generate --out", "vectors verify", "group create --dry-run", "contacts add", "contacts rename", "contacts block", "contacts unblock", "contacts show",
    "contacts verify", "contacts list", "contacts remove", "contacts add --dry-run", "contacts accept --dry-run",
    "devices pair --dry-run", "devices list", "devices enable", "devices sync --dry-run", "devices disable",
    "archive migrate", "archive stats",
]  # fmt: skip


def _slug(case: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", case.lower()).strip("-")


@pytest.mark.parametrize("case", OFFLINE)
def test_offline_json_shape(offline, case):
    check(f"json/{_slug(case)}.json", snapshot_text(shape(offline[case])))


# --- commands that need a node --------------------------------------------------------------
def _env(home: Path, node_socket: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env.update(STATUSCLI_HOME=str(home), STATUSCLI_PASSWORD=PW)
    if node_socket:
        env["STATUSCLI_NODE"] = node_socket
    return env


def _sub(home: Path, node_socket: str | None, *args: str, timeout: float = 120) -> str:
    r = subprocess.run([sys.executable, "-m", "statuscli", "--json", *args], capture_output=True, text=True, timeout=timeout,
                       env=_env(home, node_socket))  # fmt: skip
    assert r.returncode == 0, f"{args}: exit {r.returncode}: {r.stderr[-2000:]}"
    return r.stdout


@pytest.fixture(scope="module")
def network(tmp_path_factory) -> dict:
    from tests.e2e.conftest import start_node, stop_process

    folder = tmp_path_factory.mktemp("shapes-net")
    proc, listening = start_node(folder / "node", "--discv5", "--discv5-port", "0")
    sock = listening["control_socket"]
    out: dict = {"node run": listening}
    try:
        alice, bob = folder / "alice", folder / "bob"
        json.loads(_sub(alice, None, "keys", "generate", "--name", "alice", "--entropy", ALICE_ENTROPY))
        bob_keys = json.loads(_sub(bob, None, "keys", "generate", "--name", "bob", "--entropy", BOB_ENTROPY))
        out["node status"] = json.loads(_sub(folder / "node", None, "node", "status"))
        out["node probe"] = json.loads(_sub(folder, None, "node", "probe", listening["multiaddrs"][0]))
        out["node peers"] = json.loads(_sub(folder / "node", None, "node", "peers"))
        found = _sub(folder, None, "discover", "--discv5", listening["enr"], "--count", "1", "--timeout", "20")
        out["discover"] = [json.loads(line) for line in found.splitlines()]
        out["bundle publish"] = json.loads(_sub(bob, sock, "bundle", "publish"))
        out["bundle fetch"] = json.loads(_sub(alice, sock, "bundle", "fetch", bob_keys["compressed_key"]))
        out["send"] = json.loads(_sub(alice, sock, "send", bob_keys["compressed_key"], "hello over the node"))
        fetched = [json.loads(line) for line in _sub(bob, sock, "mailserver", "fetch").splitlines()]
        out["mailserver fetch"] = fetched
        listened = _sub(bob, sock, "listen", "--since", "0", "--count", "1", "--timeout", "30", "--no-catch-up")
        out["listen"] = [json.loads(line) for line in listened.splitlines()]
        # groups: a dry run stores nothing, so the group is created for real through the node
        carol = json.loads(_sub(folder / "carol", None, "keys", "generate", "--name", "carol"))["compressed_key"]
        out["group create"] = json.loads(_sub(alice, sock, "group", "create", "friends", "--member", bob_keys["compressed_key"]))
        out["group add --dry-run"] = json.loads(_sub(alice, sock, "group", "add", "friends", OTHER_KEY, "--dry-run"))
        out["group add"] = json.loads(_sub(alice, sock, "group", "add", "friends", carol))
        out["group admins --dry-run"] = json.loads(_sub(alice, sock, "group", "admins", "friends", carol, "--dry-run"))
        out["group remove"] = json.loads(_sub(alice, sock, "group", "remove", "friends", carol))
        out["group rename"] = json.loads(_sub(alice, sock, "group", "rename", "friends", "pals"))
        out["group list"] = json.loads(_sub(alice, sock, "group", "list"))
        out["group show"] = json.loads(_sub(alice, sock, "group", "show", "pals"))
        out["group leave"] = json.loads(_sub(alice, sock, "group", "leave", "pals"))
        # contacts: carol asks alice, alice declines; bob asks alice, alice accepts, then removes him
        carol_home, alice_key = folder / "carol", json.loads(_sub(alice, None, "keys", "show", "alice"))["compressed_key"]
        out["contacts add (sent)"] = json.loads(_sub(carol_home, sock, "contacts", "add", alice_key))
        contact_events = [json.loads(line) for line in _sub(alice, sock, "mailserver", "fetch").splitlines()]
        out["contacts decline"] = json.loads(_sub(alice, sock, "contacts", "decline", carol))
        _sub(bob, sock, "contacts", "add", alice_key)
        contact_events += [json.loads(line) for line in _sub(alice, sock, "mailserver", "fetch").splitlines()]
        out["contacts accept"] = json.loads(_sub(alice, sock, "contacts", "accept", bob_keys["compressed_key"]))
        out["contacts remove (sent)"] = json.loads(_sub(alice, sock, "contacts", "remove", bob_keys["compressed_key"]))
        for who in (carol_home, bob):
            contact_events += [json.loads(line) for line in _sub(who, sock, "mailserver", "fetch").splitlines()]
        out["contact events"] = contact_events
        out["demo"] = json.loads(_sub(folder / "demo", None, "demo"))
        out["node stop"] = json.loads(_sub(folder / "node", None, "node", "stop"))
    finally:
        stop_process(proc)
    return out


NETWORK = ["node run", "node status", "node probe", "node peers", "discover", "bundle publish", "bundle fetch", "send", "mailserver fetch", "listen", "demo",
           "node stop", "group create", "group add --dry-run", "group add", "group admins --dry-run", "group remove", "group rename",
           "group list", "group show", "group leave", "contacts add (sent)", "contacts decline", "contacts accept", "contacts remove (sent)",
           "contact events"]  # fmt: skip
STREAMS = {"contact events": ("contact_update", "contact_request_declined", "contact_request_accepted", "contact_removed"), "discover": ("node",), "mailserver fetch": ("message", "contact_request", "summary"), "listen": ("message", "contact_request")}


def _timing_free(case: str, data):
    """What of an output does not depend on timing: node counters are a map whose names appear with
    traffic; the demo's steps carry the events that happened to arrive (their shapes are listen's)."""
    if case == "node status":
        if "discovery" in data:
            data = {**data, "discovery": {**data["discovery"], "counters": {"<counter>": 1}}}
        return {**data, "counters": {"<counter>": 1}}
    if case == "demo":  # each step's data by title, its events as a count
        by_title = {st["title"]: {k: (len(v) if k == "events" else v) for k, v in st["data"].items()} for st in data["steps"]}
        return {**data, "steps": [{**st, "data": {}} for st in data["steps"]], "data of each step": by_title}
    return data


@pytest.mark.e2e
@pytest.mark.parametrize("case", NETWORK)
def test_network_json_shape(network, case):
    data = _timing_free(case, network[case])
    if case in STREAMS:
        s = stream_shape(data, STREAMS[case])
        assert s, f"no {STREAMS[case]} events in {[e['type'] for e in data]}"
        check(f"json/{_slug(case)}.json", snapshot_text(s))
    else:
        check(f"json/{_slug(case)}.json", snapshot_text(shape(data)))


def test_every_command_has_a_json_shape():
    covered = {" ".join(c.replace("--", "").split()[:2]) for c in OFFLINE + NETWORK}
    covered |= {c.split()[0] for c in OFFLINE + NETWORK}
    leaves = [d for d in walk() if not d.is_group]
    missing = [d.name for d in leaves if " ".join(d.path[1:]) not in covered and d.name not in NOT_JSON]
    assert not missing, f"commands without a JSON shape test: {missing}"


def test_no_orphan_json_snapshots():
    check_no_orphans("json", {f"{_slug(c)}.json" for c in OFFLINE + NETWORK})


def test_completion_prints_a_script_even_in_json_mode(run_cli):
    r = run_cli("--json", "completion", "bash")
    assert r.exit_code == 0 and "_STATUSCLI_COMPLETE" in r.stdout


def test_every_top_level_json_key_is_documented():
    """docs/exit-codes-and-json.md names every key a command's JSON (or each event of a stream) has."""
    docs = (ROOT / "docs" / "exit-codes-and-json.md").read_text(encoding="utf-8")
    missing = {}
    for case in OFFLINE + NETWORK:
        path = Path(__file__).parent / "snapshots" / "json" / f"{_slug(case)}.json"
        if not path.exists():
            continue  # test_*_json_shape reports it
        s = json.loads(path.read_text(encoding="utf-8"))
        objects = list(s.values()) if case in STREAMS else [s]
        keys = {k.rstrip("?") for o in objects for k in o if k not in ("<id>", "data of each step")}
        gaps = sorted(k for k in keys if not re.search(f"[`\"]{re.escape(k)}[`\":]", docs))
        if gaps:
            missing[case] = gaps
    assert not missing, f"keys missing from docs/exit-codes-and-json.md: {missing}"
