"""Every exit code a command's --help lists is one it really returns: the codes are read back from
each command's help text (which statuscli/cli/exit_codes.py generates), and one case per listed
code runs the command and checks it. A code listed without a case, or a case that returns another
code, fails here. (0, 1, 2 and 130 are listed by every command and tested in test_contract,
test_json_errors and tests/e2e/test_interrupts.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from statuscli.cli.exit_codes import ALWAYS, EXIT_CODES, documented_codes
from statuscli.cli.reference import walk

PY = sys.executable
PASSWORD = "exit-codes"
MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
NOSOCK = "/nonexistent/statuscli-test/control.sock"
STRANGER = "zQ3shgXaXEtHSFVhHgTUiCSNAXYKeKryUVnPZZJLBMDutaWHB"  # a valid key that is in no group here
MID = "0x" + "ab" * 32
LEAVES = {" ".join(d.path[1:]): d for d in walk() if not d.is_group}


def _help(path: str) -> str:
    from click.testing import CliRunner

    from statuscli.cli.main import cli

    r = CliRunner().invoke(cli, [*path.split(), "--help"], terminal_width=100)
    assert r.exit_code == 0, r.output
    return r.output


# (command, code) -> (arguments after "statuscli", stdin or None); {bob}, {tmp}, {peer_id}, {bundle},
# {bad_bundle}, {bad_enr}, {bad_vectors} are filled in from the fixtures below.
A = ("--account", "alice")
NOBODY = ("--account", "nobody")
CASES: dict[tuple[str, int], tuple[tuple[str, ...], str | None]] = {
    ("keys generate", 3): (("keys", "generate", "--name", "x1", "--entropy", "zz"), None),
    ("keys generate", 5): (("keys", "generate", "--name", "alice"), None),
    ("keys import", 3): (("keys", "import", "--name", "x2", "--mnemonic-file", "-"), "not a mnemonic at all"),
    ("keys import", 5): (("keys", "import", "--name", "alice", "--mnemonic-file", "-"), MNEMONIC),
    ("keys show", 5): ((*NOBODY, "keys", "show"), None),
    ("keys inspect", 3): (("keys", "inspect", "not-a-key"), None),
    ("keys inspect", 6): (("keys", "inspect", "alice.eth", "--eth-rpc", "http://127.0.0.1:9"), None),  # nothing listens on port 9
    ("keys derive", 3): (("keys", "derive", "--mnemonic-file", "-", "--path", "chat"), "garbage words"),
    ("keys derive", 5): ((*NOBODY, "keys", "derive", "--path", "chat"), None),
    ("keys export", 5): ((*NOBODY, "keys", "export"), None),
    ("keys delete", 5): (("keys", "delete", "nobody", "--yes"), None),
    ("keys passwd", 3): (("keys", "passwd", "--new-password-file", "no-such-file.txt"), None),
    ("keys passwd", 5): ((*NOBODY, "keys", "passwd", "--new-password-file", "-"), "new passphrase"),
    ("topic compute", 3): (("topic", "compute", "partitioned", "0x04abcd"), None),
    ("topic shard", 3): (("topic", "shard", "not-a-topic"), None),
    ("bundle create", 5): ((*NOBODY, "bundle", "create"), None),
    ("bundle export", 5): ((*NOBODY, "bundle", "export"), None),
    ("bundle show", 5): ((*NOBODY, "bundle", "show"), None),
    ("bundle verify", 3): (("bundle", "verify", "-"), "garbage"),
    ("bundle verify", 4): (("bundle", "verify", "-"), "{bad_bundle}"),
    ("bundle import", 3): ((*A, "bundle", "import", "-"), "garbage"),
    ("bundle import", 4): ((*A, "bundle", "import", "-"), "{bad_bundle}"),
    ("bundle import", 5): ((*NOBODY, "bundle", "import", "-"), "{bundle}"),
    ("bundle publish", 5): ((*NOBODY, "bundle", "publish", "--node", NOSOCK), None),
    ("bundle publish", 6): ((*A, "bundle", "publish", "--node", NOSOCK), None),
    ("bundle fetch", 5): ((*NOBODY, "bundle", "fetch", "{bob}", "--node", NOSOCK), None),
    ("bundle fetch", 6): ((*A, "bundle", "fetch", "{bob}", "--node", NOSOCK), None),
    ("x3dh init", 5): ((*NOBODY, "x3dh", "init", "{bob}"), None),
    ("x3dh init", 7): ((*A, "x3dh", "init", "{bob}"), None),
    ("encrypt", 3): ((*A, "encrypt", "0x04abcd", "hi"), None),
    ("encrypt", 5): ((*NOBODY, "encrypt", "{bob}", "hi"), None),
    ("decrypt", 3): ((*A, "decrypt", "-"), "garbage"),
    ("decrypt", 5): ((*NOBODY, "decrypt", "-"), "garbage"),
    ("mvds inspect", 3): (("mvds", "inspect", "-"), "garbage"),
    ("mvds group-id", 3): (("mvds", "group-id", "a", "b"), None),
    ("envelope encode", 3): (("envelope", "encode", "--text", "x", "--content-topic", "/a/1/b/proto", "--sym-key", "zz"), None),
    ("envelope hash", 3): (("envelope", "hash", "-"), "garbage!"),
    ("envelope inspect", 3): (("envelope", "inspect", "--no-account", "-"), "garbage"),
    ("enr decode", 3): (("enr", "decode", "enr:garbage"), None),
    ("enr decode", 4): (("enr", "decode", "{bad_enr}"), None),
    ("enr encode", 3): (("enr", "encode", "--key", "0x00"), None),
    ("node run", 3): (("node", "run", "--listen", "not-a-multiaddr"), None),
    ("node status", 6): (("node", "status"), None),
    ("node stop", 6): (("node", "stop"), None),
    ("node peers", 6): (("node", "peers"), None),
    ("node probe", 3): (("node", "probe", "not-an-address"), None),
    ("node probe", 6): (("node", "probe", "/ip4/127.0.0.1/tcp/1/p2p/{peer_id}"), None),
    ("send", 3): ((*A, "send", "{bob}", "-"), ""),
    ("react", 3): ((*A, "react", "0x12", "--chat", "{bob}"), None),
    ("react", 5): ((*NOBODY, "react", MID, "--chat", "{bob}"), None),
    ("react", 6): ((*A, "react", MID, "--chat", "{bob}", "--node", NOSOCK), None),
    ("react", 7): ((*A, "react", MID), None),
    ("edit", 3): ((*A, "edit", "0x12", "new", "--chat", "{bob}"), None),
    ("edit", 5): ((*NOBODY, "edit", MID, "new", "--chat", "{bob}"), None),
    ("edit", 6): ((*A, "edit", MID, "new", "--chat", "{bob}", "--node", NOSOCK), None),
    ("edit", 7): ((*A, "edit", MID, "new"), None),
    ("delete", 3): ((*A, "delete", "0x12", "--chat", "{bob}"), None),
    ("delete", 5): ((*NOBODY, "delete", MID, "--chat", "{bob}"), None),
    ("delete", 6): ((*A, "delete", MID, "--chat", "{bob}", "--node", NOSOCK), None),
    ("delete", 7): ((*A, "delete", MID), None),
    ("pin", 3): ((*A, "pin", "0x12", "--chat", "{bob}"), None),
    ("pin", 5): ((*NOBODY, "pin", MID, "--chat", "{bob}"), None),
    ("pin", 6): ((*A, "pin", MID, "--chat", "{bob}", "--node", NOSOCK), None),
    ("pin", 7): ((*A, "pin", MID), None),
    ("send", 5): ((*NOBODY, "send", "{bob}", "hi"), None),
    ("send", 6): ((*A, "send", "{bob}", "hi", "--node", NOSOCK), None),
    ("send", 7): ((*A, "send", "nobody-we-know", "hi", "--dry-run"), None),
    ("listen", 5): ((*NOBODY, "listen", "--timeout", "1"), None),
    ("listen", 6): ((*A, "listen", "--timeout", "1", "--node", NOSOCK), None),
    ("listen", 7): ((*A, "listen", "--count", "1", "--timeout", "1", "--no-catch-up", "--node", "{socket}"), None),
    ("mailserver fetch", 3): ((*A, "mailserver", "fetch", "--since", "not-a-time", "--node", NOSOCK), None),
    ("mailserver fetch", 5): ((*NOBODY, "mailserver", "fetch", "--node", NOSOCK), None),
    ("mailserver fetch", 6): ((*A, "mailserver", "fetch", "--node", NOSOCK), None),
    ("group create", 5): ((*NOBODY, "group", "create", "g", "--member", "{bob}", "--dry-run"), None),
    ("group create", 7): ((*A, "group", "create", "g", "--member", "nobody-we-know", "--dry-run"), None),
    ("group add", 5): ((*NOBODY, "group", "add", "g", "{bob}", "--dry-run"), None),
    ("group add", 7): ((*A, "group", "add", "no-such-group", "{bob}", "--dry-run"), None),
    ("group create", 6): ((*A, "group", "create", "g", "--member", "{bob}", "--node", NOSOCK), None),
    ("group add", 6): ((*A, "group", "add", "g", "{bob}", "--node", NOSOCK), None),
    ("group remove", 3): ((*A, "group", "remove", "g", "{stranger}", "--dry-run"), None),
    ("group remove", 5): ((*NOBODY, "group", "remove", "g", "{bob}", "--dry-run"), None),
    ("group remove", 6): ((*A, "group", "remove", "g", "{bob}", "--node", NOSOCK), None),
    ("group remove", 7): ((*A, "group", "remove", "no-such-group", "{bob}", "--dry-run"), None),
    ("group leave", 3): ((*A, "group", "leave", "left", "--dry-run"), None),
    ("group leave", 5): ((*NOBODY, "group", "leave", "g", "--dry-run"), None),
    ("group leave", 6): ((*A, "group", "leave", "g", "--node", NOSOCK), None),
    ("group leave", 7): ((*A, "group", "leave", "no-such-group", "--dry-run"), None),
    ("group rename", 3): ((*A, "group", "rename", "g", "  ", "--dry-run"), None),
    ("group rename", 5): ((*NOBODY, "group", "rename", "g", "h", "--dry-run"), None),
    ("group rename", 6): ((*A, "group", "rename", "g", "h", "--node", NOSOCK), None),
    ("group rename", 7): ((*A, "group", "rename", "no-such-group", "h", "--dry-run"), None),
    ("group admins", 3): ((*A, "group", "admins", "g", "{stranger}", "--dry-run"), None),
    ("group admins", 5): ((*NOBODY, "group", "admins", "g", "{bob}", "--dry-run"), None),
    ("group admins", 6): ((*A, "group", "admins", "g", "{bob}", "--node", NOSOCK), None),
    ("group admins", 7): ((*A, "group", "admins", "no-such-group", "{bob}", "--dry-run"), None),
    ("group list", 5): ((*NOBODY, "group", "list"), None),
    ("contacts list", 5): ((*NOBODY, "contacts", "list"), None),
    ("contacts show", 3): ((*A, "contacts", "show", "0x04abcd"), None),
    ("contacts show", 5): ((*NOBODY, "contacts", "show", "{bob}"), None),
    ("contacts show", 7): ((*A, "contacts", "show", "nobody-we-know"), None),
    ("contacts add", 3): ((*A, "contacts", "add", "{bob}", "--name", "9 starts with a digit"), None),
    ("contacts add", 5): ((*NOBODY, "contacts", "add", "{bob}"), None),
    ("contacts add", 6): ((*A, "contacts", "add", "someone.eth", "--eth-rpc", "http://127.0.0.1:9"), None),
    ("contacts accept", 3): ((*A, "contacts", "accept", "{bob}", "0x1234", "--dry-run"), None),
    ("contacts accept", 5): ((*NOBODY, "contacts", "accept", "{bob}", "--dry-run"), None),
    ("contacts accept", 6): ((*A, "contacts", "accept", "{bob}", "0x" + "5f" * 32, "--node", NOSOCK), None),
    ("contacts accept", 7): ((*A, "contacts", "accept", "{bob}", "--dry-run"), None),
    ("contacts decline", 5): ((*NOBODY, "contacts", "decline", "{bob}"), None),
    ("contacts decline", 7): ((*A, "contacts", "decline", "{bob}"), None),
    ("contacts rename", 3): ((*A, "contacts", "rename", "bobby", "9bad"), None),
    ("contacts rename", 5): ((*NOBODY, "contacts", "rename", "bobby", "rob"), None),
    ("contacts rename", 7): ((*A, "contacts", "rename", "nobody-we-know", "rob"), None),
    ("contacts remove", 5): ((*NOBODY, "contacts", "remove", "{bob}"), None),
    ("contacts remove", 6): ((*A, "contacts", "remove", "{bob}", "--node", NOSOCK), None),
    ("contacts remove", 7): ((*A, "contacts", "remove", "nobody-we-know"), None),
    ("contacts block", 3): ((*A, "contacts", "block", "{alice}"), None),
    ("contacts block", 5): ((*NOBODY, "contacts", "block", "{bob}"), None),
    ("contacts block", 7): ((*A, "contacts", "block", "nobody-we-know"), None),
    ("contacts unblock", 5): ((*NOBODY, "contacts", "unblock", "{bob}"), None),
    ("contacts unblock", 7): ((*A, "contacts", "unblock", "nobody-we-know"), None),
    ("contacts verify", 4): ((*A, "contacts", "verify", "{bob}", "--alias", "Not Their Alias"), None),
    ("contacts verify", 5): ((*NOBODY, "contacts", "verify", "{bob}"), None),
    ("contacts verify", 6): ((*A, "contacts", "verify", "{bob}", "--ens", "bob.eth", "--eth-rpc", "http://127.0.0.1:9"), None),
    ("contacts verify", 7): ((*A, "contacts", "verify", "nobody-we-know"), None),
    ("devices list", 5): ((*NOBODY, "devices", "list"), None),
    ("devices enable", 3): ((*A, "devices", "enable", " "), None),
    ("devices enable", 5): ((*NOBODY, "devices", "enable", "0123"), None),
    ("devices enable", 7): ((*A, "devices", "enable", "0123abcd"), None),
    ("devices disable", 3): ((*A, "devices", "disable", ""), None),
    ("devices disable", 5): ((*NOBODY, "devices", "disable", "0123"), None),
    ("devices disable", 7): ((*A, "devices", "disable", "0123abcd"), None),
    ("devices pair", 3): ((*A, "devices", "pair", "--name", " ", "--dry-run"), None),
    ("devices pair", 5): ((*NOBODY, "devices", "pair", "--dry-run"), None),
    ("devices pair", 6): ((*A, "devices", "pair", "--node", NOSOCK), None),
    ("devices pair", 7): ((*A, "devices", "pair", "--target", "0123abcd", "--dry-run"), None),
    ("devices sync", 5): ((*NOBODY, "devices", "sync", "--dry-run"), None),
    ("devices sync", 6): ((*A, "devices", "sync", "--node", NOSOCK), None),
    ("devices sync", 7): ((*A, "devices", "sync", "--dry-run"), None),
    ("group show", 5): ((*NOBODY, "group", "show", "g"), None),
    ("group show", 7): ((*A, "group", "show", "no-such-group"), None),
    ("vectors generate", 3): (("vectors", "generate", "identity", "--out", "/nonexistent/dir/v.json"), None),
    ("vectors verify", 3): (("vectors", "verify", "/nonexistent/vectors.json"), None),
    ("vectors verify", 4): (("vectors", "verify", "-"), "{bad_vectors}"),
    ("archive stats", 6): (("archive", "stats", "--url", "postgresql://nobody@127.0.0.1:1/none"), None),
    ("archive stats", 7): (("archive", "stats", "--url", "sqlite:/nonexistent/store.sqlite"), None),
    ("archive migrate", 6): (("archive", "migrate", "--from", "postgresql://nobody@127.0.0.1:1/none", "--to", "sqlite:{tmp}/copy.sqlite"), None),
    ("archive migrate", 7): (("archive", "migrate", "--from", "sqlite:/nonexistent/a.sqlite", "--to", "sqlite:{tmp}/copy.sqlite"), None),
    ("discover", 3): (("discover", "--discv5", "enr:garbage"), None),
    ("discover", 6): (("discover", "--enrtree", "enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@nodes.invalid",
                       "--dns-server", "127.0.0.1:9", "--timeout", "30"), None),  # nobody answers on port 9
    ("discover", 7): (("discover", "--enrtree", "enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@nodes.invalid",
                       "--dns-server", "127.0.0.1:9", "--timeout", "1"), None),
}  # fmt: skip
# cases that need more than this module sets up, run by another test (checked to exist)
ELSEWHERE = {
    ("discover", 4): "tests/cli/test_discover_cli.py::test_enrtree_through_dnsmasq",
    ("keys inspect", 7): "tests/chain/test_ens_resolution.py::test_names_without_a_chat_key_are_nothing_found",
    ("contacts add", 7): "tests/chain/test_ens_resolution.py::test_contacts_add_of_a_name_without_key_adds_nothing",
    ("contacts decline", 6): "tests/cli/test_contacts_sending.py::test_decline_unreachable_dry_run_silent",
}


def _cli(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "statuscli", *args], input=(stdin or "").encode(), capture_output=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A home with account alice, bob's key and bundle, tampered bundle/ENR/vectors, and a node."""
    from tests.e2e.conftest import start_node, stop_process

    tmp = tmp_path_factory.mktemp("exit-codes")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env.update(STATUSCLI_HOME=str(tmp / "home"), STATUSCLI_PASSWORD=PASSWORD)
    alice = json.loads(_cli(env, "--json", "keys", "generate", "--name", "alice").stdout)["public_key"]
    bob_env = {**env, "STATUSCLI_HOME": str(tmp / "bob")}
    bob = json.loads(_cli(bob_env, "--json", "keys", "generate", "--name", "bob").stdout)["public_key"]
    bundle = _cli(bob_env, "bundle", "export").stdout.decode().strip()
    raw = bytearray(bytes.fromhex(bundle.removeprefix("0x")))
    raw[-5] ^= 0x01  # inside the signature, the last field
    enr = _cli(env, "enr", "encode", "--key", "0x" + "01" * 32, "--ip", "10.0.0.1", "--tcp", "60000").stdout.decode().strip()
    decoded = _cli(env, "--json", "enr", "decode", enr)
    assert decoded.returncode == 0
    vectors = json.loads(_cli(env, "vectors", "generate", "identity", "--count", "1").stdout)
    vectors["vectors"][0]["expected"]["alias"] = "Not The Right Alias"
    proc, info = start_node(tmp / "node")
    try:
        node = ("--node", info["control_socket"])
        assert _cli(env, "group", "create", "g", "--member", bob, *node).returncode == 0  # alice admin, bob member
        assert _cli(env, "group", "create", "left", "--member", bob, *node).returncode == 0
        assert _cli(env, "group", "leave", "left", *node).returncode == 0
        assert _cli(env, "contacts", "add", bob, "--name", "bobby").returncode == 0
        yield env, {"bob": bob, "alice": alice, "stranger": STRANGER, "bundle": bundle, "bad_bundle": "0x" + raw.hex(), "bad_enr": _tamper_enr(enr),
                    "bad_vectors": json.dumps(vectors), "peer_id": info["peer_id"], "socket": info["control_socket"], "tmp": str(tmp)}  # fmt: skip
    finally:
        stop_process(proc)


def _tamper_enr(enr: str) -> str:
    """The same record with one signature byte flipped (base64url text, RLP inside)."""
    import base64

    body = enr.removeprefix("enr:")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[5] ^= 0x01  # the signature follows the 2-3 byte list header and its own 1-byte length
    return "enr:" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


def test_every_command_has_a_row_and_lists_it_in_its_help():
    missing = sorted(set(LEAVES) - set(EXIT_CODES))
    assert not missing, f"add these commands to EXIT_CODES in statuscli/cli/exit_codes.py: {missing}"
    for path in LEAVES:
        assert documented_codes(_help(path)) == set(ALWAYS) | set(EXIT_CODES[path]), path


def test_every_documented_code_has_a_case():
    documented = {(path, code) for path in LEAVES for code in documented_codes(_help(path)) if code not in ALWAYS}
    covered = set(CASES) | set(ELSEWHERE)
    assert documented == covered, (sorted(documented - covered), sorted(covered - documented))
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    for where in ELSEWHERE.values():
        file, name = where.split("::")
        assert f"def {name}(" in (root / file).read_text(encoding="utf-8"), where


@pytest.mark.parametrize("path, code", sorted(CASES), ids=lambda x: str(x))
def test_the_documented_code_is_returned(world, run_cli, path, code):
    env, fill = world
    args, stdin = CASES[(path, code)]
    args = tuple(a.format(**fill) for a in args)
    stdin = stdin.format(**fill) if stdin is not None else None
    r = run_cli(*args, input=stdin, env={k: env[k] for k in ("STATUSCLI_HOME", "STATUSCLI_PASSWORD")})
    assert r.exit_code == code, (args, r.exit_code, r.stderr[-800:])
    assert "Traceback" not in r.stderr
