"""statuscli topic compute / shard: JSON keys against the vectors, errors, subprocess runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from statuscli.core.crypto import secp256k1
from tests.conftest import vector_id, vectors

COMPUTE_KEYS = {"kind", "name", "topic", "content_topic", "pubsub_topic", "bloom", "encryption"}
SK = vectors("status.json", "status-keys")[0]["expected"]


def _status_topic(vid: str) -> dict:
    return next(v for v in vectors("status.json", "topics") if v["id"] == vid)


def _check(d: dict, e: dict) -> None:
    assert COMPUTE_KEYS <= set(d)
    assert d["topic"] == e["waku_topic"] and d["content_topic"] == e["content_topic"]
    assert d["bloom"] == "0x" + e["bloom_64_bytes"] and len(d["bloom"]) == 130
    assert d["pubsub_topic"] == "/waku/2/rs/16/32"


@pytest.mark.parametrize("form", ["0x04", "zQ3", "0x02"])
def test_contact_code_and_personal_from_any_key_form(run_cli, form):
    cc = _status_topic("topics-004")
    pub = bytes.fromhex(cc["inputs"]["chat_id_string"][2:132])
    from statuscli.core.identity.keytext import compressed_key

    text = {"0x04": "0x" + pub.hex(), "zQ3": compressed_key(pub), "0x02": "0x" + secp256k1.compress(pub).hex()}[form]
    d = run_cli("--json", "topic", "compute", "contact-code", text).json()
    assert d["name"] == cc["inputs"]["chat_id_string"] and d["kind"] == "contact-code"
    _check(d, cc["expected"])
    personal = _status_topic("topics-005")
    d = run_cli("--json", "topic", "compute", "personal", text).json()
    assert d["name"] == personal["inputs"]["chat_id_string"] and d["encryption"] == "asymmetric"
    _check(d, personal["expected"])


def test_partitioned(run_cli):
    v = _status_topic("topics-001")
    pub = secp256k1.public_key(bytes.fromhex(v["inputs"]["private_key"]))
    d = run_cli("--json", "topic", "compute", "partitioned", "0x" + pub.hex()).json()
    assert d["name"] == v["expected"]["chat_id"] and d["partition"] == v["expected"]["partition"]


def test_negotiated_with_symkey(run_cli):
    v = _status_topic("topics-008")
    d = run_cli("--json", "topic", "compute", "negotiated", v["expected"]["shared_secret"], "--symkey").json()
    assert d["name"] == v["expected"]["topic_string_hashed"]
    assert d["topic"] == v["expected"]["waku_topic"] and d["content_topic"] == v["expected"]["content_topic"]
    assert d["symmetric_key"] == "0x" + v["expected"]["symmetric_key_pbkdf2"]


@pytest.mark.parametrize("v", vectors("status.json", "symmetric-keys"), ids=vector_id)
def test_public_chat_symkey(run_cli, v):
    d = run_cli("--json", "topic", "compute", "public", v["inputs"]["password"], "--symkey").json()
    assert d["symmetric_key"] == "0x" + v["expected"]["symmetric_key"]
    assert "symmetric_key" not in run_cli("--json", "topic", "compute", "public", "x").json()


def test_name_kind_and_stdin(run_cli):
    v = _status_topic("topics-007")
    d = run_cli("--json", "topic", "compute", "name", "-", input=v["inputs"]["chat_id_string"] + "\n").json()
    _check(d, v["expected"])
    r = run_cli("topic", "compute", "name", v["inputs"]["chat_id_string"])
    assert r.exit_code == 0 and r.stderr == ""
    assert f"topic:         {v['expected']['waku_topic']}" in r.stdout.splitlines()


def test_personal_topic_has_no_symkey(run_cli):
    d = run_cli("--json", "topic", "compute", "personal", SK["chat_compressed_key"], "--symkey").json()
    assert d["symmetric_key"] is None


def _one_error(r, code: int) -> None:
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    assert r.stdout == "" and r.stderr.startswith("statuscli: error: ")
    assert len([x for x in r.stderr.splitlines() if x.startswith("statuscli: error:")]) == 1
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args,code", [
    (["compute", "private-group", "x"], 2),   # unknown kind
    (["compute", "public"], 2),               # missing value
    (["compute", "contact-code", "zQ3nope"], 3),
    (["compute", "partitioned", "0x04ff"], 3),
    (["compute", "negotiated", "abcd"], 3),
    (["compute", "negotiated", "xyz"], 3),
    (["compute", "public", ""], 3),
    (["shard", "/1/toychat/2/huilong/proto"], 3),
    (["shard", "/toychat/2/huilong"], 3),
    (["shard", "/a/1/b/c", "--shards", "0"], 2),
])
def test_bad_input(run_cli, args, code):
    _one_error(run_cli("topic", *args), code)


def test_unknown_kind_in_json_mode(run_cli):
    r = run_cli("--json", "topic", "compute", "nope", "x")
    assert r.exit_code == 2 and r.json()["error"]["code"] == "usage"


@pytest.mark.parametrize("v", [x for x in vectors("waku.json", "autosharding") if "shard" in x["expected"]], ids=vector_id)
def test_shard_vectors(run_cli, v):
    i, e = v["inputs"], v["expected"]
    args = ["--json", "topic", "shard", i["content_topic"], "--shards", str(i["num_shards_in_cluster"])]
    if "cluster_id" in i:
        args += ["--cluster", str(i["cluster_id"])]
    d = run_cli(*args).json()
    assert set(d) == {"content_topic", "generation", "application", "version", "cluster_id", "shards", "shard", "pubsub_topic"}
    assert d["shard"] == e["shard"]
    if "pubsub_topic" in e:
        assert d["pubsub_topic"] == e["pubsub_topic"]


def test_shard_default_is_the_waku_network(run_cli):
    v = next(x for x in vectors("waku.json", "autosharding") if "shard" not in x["expected"] and "pubsub_topic" in x["expected"])
    d = run_cli("--json", "topic", "shard", v["inputs"]["content_topic"]).json()
    assert (d["cluster_id"], d["shards"]) == (1, 8) and d["pubsub_topic"] == v["expected"]["pubsub_topic"]


def test_help_has_examples(run_cli):
    for sub in ("compute", "shard"):
        r = run_cli("topic", sub, "--help")
        assert r.exit_code == 0 and "Examples:" in r.stdout


# --- real subprocesses ----------------------------------------------------------------------
def test_subprocess_compute_public():
    p = subprocess.run([sys.executable, "-m", "statuscli", "topic", "compute", "public", "status", "--json"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stderr == ""
    import json

    assert json.loads(p.stdout)["content_topic"].startswith("/waku/1/0x")


def test_subprocess_unknown_kind_exit_2():
    p = subprocess.run([sys.executable, "-m", "statuscli", "topic", "compute", "bogus", "x"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stdout == "" and p.stderr.startswith("statuscli: error:")


def test_topic_compute_imports_nothing_heavy():
    code = (
        "import sys; from statuscli.cli.main import run;"
        "rc = run(['topic', 'compute', 'public', 'test']);"
        "bad = [m for m in ('libp2p', 'trio', 'rich', 'bip_utils', 'mnemonic', 'cryptography') if m in sys.modules];"
        "sys.stderr.write(repr((rc, bad)))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.stderr.strip() == "(0, [])", p.stderr
