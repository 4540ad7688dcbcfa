"""statuscli enr decode / encode through the CLI (in-process and as a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import vectors

GOOD = [v for v in vectors("waku.json", "enr_decode") if "error" not in v["expected"]]
BAD = [v for v in vectors("waku.json", "enr_decode") if "error" in v["expected"]]
KEY = "0xb71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291"


@pytest.mark.parametrize("v", GOOD[:6], ids=lambda v: v["inputs"]["enr"][:20])
def test_decode_vectors_json(run_cli, v):
    r = run_cli("--json", "enr", "decode", v["inputs"]["enr"])
    assert r.exit_code == 0, r.stderr
    d, x = r.json(), v["expected"]
    assert (d["seq"], d["id"], d["peer_id"], d["node_id"], d["public_key"]) == (
        x["seq"], x["id"], x["peer_id"], "0x" + x["node_id"], "0x" + x["secp256k1"])
    assert d["keys"] == x["keys"] and d.get("multiaddrs", []) == x.get("multiaddrs", [])
    if "waku2_flags" in x:
        assert d["waku2_flags"] == x["waku2_flags"]


@pytest.mark.parametrize("v", BAD, ids=lambda v: v["expected"]["error"][:20])
def test_decode_invalid_records_exit_3(run_cli, v):
    r = run_cli("enr", "decode", v["inputs"]["enr"])
    assert r.exit_code == 3 and r.stdout == "" and "error:" in r.stderr and "Traceback" not in r.stderr


def test_encode_then_decode_from_stdin(run_cli):
    r = run_cli("--json", "enr", "encode", "--key", KEY, "--ip", "10.1.2.3", "--tcp", "60000", "--udp", "9000",
                "--waku2", "relay,lightpush", "--shards", "16:32,64", "--multiaddr", "/dns4/node.example.org/tcp/443/wss", "--seq", "5")
    assert r.exit_code == 0, r.stderr
    enc = r.json()
    assert enc["waku2_flags"]["relay"] and enc["waku2_flags"]["lightpush"] and not enc["waku2_flags"]["store"]
    assert enc["shards"] == {"cluster_id": 16, "shards": [32, 64], "key": "rs"}
    back = run_cli("--json", "enr", "decode", "-", input=enc["enr"] + "\n").json()
    assert back == enc
    text = run_cli("enr", "decode", enc["enr"]).stdout
    assert "relay, lightpush" in text and "/dns4/node.example.org/tcp/443/wss" in text


def test_eip778_example_record_is_reproduced(run_cli):
    (v,) = [v for v in GOOD if "EIP-778 example" in v["description"]]
    r = run_cli("enr", "encode", "--key", KEY, "--ip", "127.0.0.1", "--udp", "30303", "--seq", "1")
    assert r.exit_code == 0 and r.stdout.strip() == v["inputs"]["enr"]


def test_bad_signature_exit_4_and_no_verify(run_cli):
    from statuscli.core.waku.enr import build_enr, enr_text

    raw = bytearray(build_enr(bytes(range(1, 33)), 1, ip="1.2.3.4", tcp=1))
    raw[4] ^= 1
    text = enr_text(bytes(raw))
    r = run_cli("--json", "enr", "decode", text)
    assert r.exit_code == 4 and r.json()["error"]["code"] == "bad-signature"
    r = run_cli("--json", "enr", "decode", text, "--no-verify")
    assert r.exit_code == 0 and r.json()["signature_valid"] is False
    assert run_cli("enr", "decode", bytes(raw).hex()).exit_code == 4  # raw RLP as hex is accepted too


def test_usage_errors(run_cli):
    assert run_cli("enr", "encode", "--key", KEY, "--shards", "nonsense").exit_code == 2
    assert run_cli("enr", "encode", "--key", KEY, "--waku2", "teleport").exit_code == 3
    assert run_cli("enr", "encode", "--key", "0x1234").exit_code == 3
    assert "Examples" in run_cli("enr", "decode", "--help").stdout


def test_subprocess_decode():
    v = GOOD[0]
    p = subprocess.run([sys.executable, "-m", "statuscli", "--json", "enr", "decode", v["inputs"]["enr"]],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["peer_id"] == v["expected"]["peer_id"]
