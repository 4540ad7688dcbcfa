"""FILE arguments: unreadable paths are clear input errors (exit 3), and the commands whose FILE is
bytes (envelope inspect, mvds inspect, decrypt, bundle verify|import) also take the hex itself."""

from __future__ import annotations

import subprocess
import sys

import pytest

from statuscli.cli.inputs import inline_hex, read_source
from statuscli.core.errors import InvalidInput
from statuscli.core.mvds import codec as C
from tests.cli.test_secure_transport import make_party

TOPIC = "0xcd423760"
SIGNER = "0x" + "30" * 32


# --- read_source ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, inline", [
    ("0x0a0b", True), ("0X0A", True), ("ab" * 16, True), ("0x", False), ("0x0", False), ("ab" * 15, False),
    ("deadbeef", False), ("a" * 33, False), ("0xzz", False), ("msg.hex", False), ("ab" * 16 + ".hex", False),
])  # fmt: skip
def test_what_reads_as_inline_hex(text, inline):
    assert inline_hex(text) is inline


@pytest.mark.parametrize("name", ["x" * 5000, "ab" * 3000, "0x" + "ab" * 3000, "no/such/dir/file", "\0"])
def test_every_unreadable_path_is_invalid_input(name):
    with pytest.raises(InvalidInput) as e:
        read_source(name)
    assert e.value.exit_code == 3 and e.value.code in ("file-not-found", "file-unreadable")
    assert len(e.value.message) < 200  # a long argument is not echoed whole


def test_a_hex_argument_without_inline_support_gets_a_hint():
    with pytest.raises(InvalidInput) as e:
        read_source("0x" + "ab" * 3000)
    assert "pipe" in (e.value.hint or "")


def test_inline_hex_is_the_data_and_an_existing_file_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = "0x" + "ab" * 40
    assert read_source(data, allow_inline=True) == data.encode()
    (tmp_path / "0x0a0b").write_bytes(b"from the file")
    assert read_source("0x0a0b", allow_inline=True) == b"from the file"
    with pytest.raises(InvalidInput):
        read_source("deadbeef", allow_inline=True)  # short hex without 0x: a file name that does not exist


# --- the commands -------------------------------------------------------------------------------
def _envelope(run_cli) -> str:
    inner = C.encode_payload(C.Payload(acks=(bytes(range(32)),)))
    r = run_cli("--json", "envelope", "encode", inner.hex(), "--password", "status", "--topic", TOPIC, "--sign", SIGNER,
                "--timestamp", "1700000000000000000", "--seed", "01")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return r.json()["bytes"]


def test_envelope_inspect_takes_the_hex_itself(run_cli):
    env = _envelope(run_cli)
    piped = run_cli("--json", "envelope", "inspect", "-", "--password", "status", "--no-account", input=env)
    inline = run_cli("--json", "envelope", "inspect", env, "--password", "status", "--no-account")
    assert inline.exit_code == 0, inline.stderr
    assert inline.json() == piped.json() and inline.json()["layer"] == "waku-message"
    bare = run_cli("--json", "envelope", "inspect", env[2:], "--password", "status", "--no-account")  # without 0x
    assert bare.exit_code == 0 and bare.json() == piped.json()


def test_mvds_inspect_takes_the_hex_itself(run_cli):
    payload = C.encode_payload(C.Payload(acks=(bytes(range(32)),)))
    r = run_cli("--json", "mvds", "inspect", "0x" + payload.hex())
    assert r.exit_code == 0, r.stderr
    assert r.json()["acks"] == ["0x" + bytes(range(32)).hex()]


def test_not_a_file_and_not_hex_is_exit_3_not_an_internal_error(run_cli):
    for args in (("envelope", "inspect"), ("mvds", "inspect"), ("bundle", "verify")):
        r = run_cli("--json", *args, "z" * 5000)
        assert r.exit_code == 3, (args, r.stdout, r.stderr)
        assert r.json()["error"]["code"] == "file-unreadable"


def test_bundle_verify_import_and_decrypt_take_the_hex_itself(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("STATUSCLI_PASSWORD", "pw")
    alice, a = make_party(run_cli, tmp_path, "alice")
    bob, b = make_party(run_cli, tmp_path, "bob")
    bundle = alice.cli("bundle", "export").stdout.strip()
    assert bob.plain("--json", "bundle", "verify", bundle).json()["valid"]
    assert bob.cli("--json", "bundle", "import", bundle, "--name", "alice").json()["contact"] == "alice"
    msg = bob.cli("encrypt", "alice", "hello from the command line").stdout.strip()
    out = alice.cli("--json", "decrypt", msg).json()
    assert out["text"] == "hello from the command line" and out["sender"] == b["public_key"]
    bad = alice.cli("--json", "decrypt", "0x" + "00" * 40, ok=False)
    assert bad.exit_code == 3 and bad.json()["error"]["code"] != "file-not-found"  # taken as data: it does not parse


def test_a_real_process_with_a_huge_hex_argument(run_cli, tmp_path):
    env = _envelope(run_cli)
    p = subprocess.run([sys.executable, "-m", "statuscli", "--home", str(tmp_path / "h"), "--json", "envelope", "inspect", env,
                        "--password", "status", "--no-account"], capture_output=True, timeout=60)  # fmt: skip
    assert p.returncode == 0, p.stderr.decode()
    long_hex = "0a" * 3000  # not an envelope, but hex: taken as data → a decode error, exit 3
    p = subprocess.run([sys.executable, "-m", "statuscli", "--home", str(tmp_path / "h"), "envelope", "inspect", long_hex, "--no-account"],
                       capture_output=True, timeout=60)  # fmt: skip
    assert p.returncode in (0, 3) and b"internal error" not in p.stderr and b"Traceback" not in p.stderr
    p = subprocess.run([sys.executable, "-m", "statuscli", "--home", str(tmp_path / "h"), "vectors", "verify", "q" * 5000],
                       capture_output=True, timeout=60)  # fmt: skip
    assert p.returncode == 3 and b"internal error" not in p.stderr and b"Traceback" not in p.stderr
