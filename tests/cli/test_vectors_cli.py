"""statuscli vectors list/generate/verify through the CLI (in-process and real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from statuscli.app.vectors.categories import CATEGORIES
from tests.conftest import VECTORS

SHARED = [str(VECTORS / "status.json"), str(VECTORS / "waku.json")]


def test_list(run_cli):
    r = run_cli("--json", "vectors", "list")
    assert r.exit_code == 0
    data = r.json()
    assert [c["name"] for c in data["categories"]] == list(CATEGORIES)
    assert {"category": "bip39", "subcategory": None} in data["shared"]
    assert {s["category"] for s in data["shared_skipped"]} == {"rln", "sds_mvds"}
    text = run_cli("vectors", "list")
    assert text.exit_code == 0 and "payload-v1" in text.stdout and "RLN" in text.stdout


def test_verify_shared_files_passes(run_cli):
    r = run_cli("vectors", "verify", *SHARED, "--json")
    assert r.exit_code == 0, r.stdout[-500:]
    data = r.json()
    assert data["summary"] == {"total": 207, "passed": 191, "failed": 0, "skipped": 16, "must_fail": 18, "ok": True}
    assert [f["format"] for f in data["files"]] == ["shared", "shared"]
    text = run_cli("vectors", "verify", *SHARED)
    assert text.exit_code == 0
    assert "207 vectors: 191 passed, 0 failed, 16 skipped" in text.stdout
    assert "FAIL" not in text.stdout and "failures" not in text.stdout


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_generate_is_deterministic_and_verifies(run_cli, tmp_path, category):
    a = run_cli("vectors", "generate", category, "--count", "2", "--seed", "cli")
    b = run_cli("vectors", "generate", category, "--count", "2", "--seed", "cli")
    assert a.exit_code == 0 and a.stdout == b.stdout
    doc = json.loads(a.stdout)
    assert doc["category"] == category and doc["generator"]["seed"] == "cli"
    out = tmp_path / f"{category}.json"
    w = run_cli("--json", "vectors", "generate", category, "--count", "2", "--seed", "cli", "--out", str(out))
    assert w.exit_code == 0 and out.read_text(encoding="utf-8") == a.stdout
    assert w.json() == {"category": category, "file": str(out), "seed": "cli", "vectors": len(doc["vectors"]),
                        "must_fail": sum(1 for v in doc["vectors"] if v.get("must_fail"))}
    v = run_cli("--json", "vectors", "verify", str(out))
    assert v.exit_code == 0 and v.json()["summary"]["failed"] == 0 and v.json()["summary"]["passed"] == len(doc["vectors"])


def test_verify_reads_stdin(run_cli):
    doc = run_cli("vectors", "generate", "enr", "--count", "2").stdout
    r = run_cli("--json", "vectors", "verify", "-", input=doc)
    assert r.exit_code == 0 and r.json()["files"][0]["file"] == "<stdin>"


def test_altered_file_exits_4_with_the_failure_in_the_table(run_cli, tmp_path):
    doc = json.loads(run_cli("vectors", "generate", "identity", "--count", "2").stdout)
    doc["vectors"][1]["expected"]["alias"] = "Hard Tame Brownbutterfly"
    f = tmp_path / "altered.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    r = run_cli("vectors", "verify", str(f))
    assert r.exit_code == 4
    assert "failures" in r.stdout and "identity-002" in r.stdout and "alias" in r.stdout
    assert "1 of 3 vectors failed" in r.stderr
    j = run_cli("--json", "vectors", "verify", str(f), *SHARED)
    assert j.exit_code == 4
    data = j.json()
    assert data["summary"]["failed"] == 1 and data["summary"]["ok"] is False
    (bad,) = [x for x in data["results"] if x["status"] == "fail"]
    assert bad["id"] == "identity-002" and "alias" in bad["reason"]


def test_altered_shared_file_exits_4(run_cli, tmp_path):
    doc = json.loads((VECTORS / "waku.json").read_text(encoding="utf-8"))
    v = next(x for x in doc["vectors"] if x["subcategory"] == "message_hash")
    v["expected"]["message_hash_hex"] = "00" * 32
    f = tmp_path / "waku-altered.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    r = run_cli("--json", "vectors", "verify", str(f))
    assert r.exit_code == 4 and r.json()["summary"]["failed"] == 1


def test_each_lists_every_vector(run_cli):
    doc = run_cli("vectors", "generate", "x3dh", "--count", "1").stdout
    r = run_cli("vectors", "verify", "-", "--each", input=doc)
    assert r.exit_code == 0 and "every vector" in r.stdout and "x3dh-001" in r.stdout and "must-fail" in r.stdout


def test_usage_and_input_errors(run_cli, tmp_path):
    r = run_cli("vectors", "generate", "nope")
    assert r.exit_code == 2 and "nope" in r.stderr
    assert run_cli("vectors", "generate", "keys", "--count", "0").exit_code == 2
    assert run_cli("vectors", "verify").exit_code == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    r = run_cli("--json", "vectors", "verify", str(bad))
    assert r.exit_code == 3 and r.json()["error"]["code"] == "invalid-vector-file"
    r = run_cli("vectors", "verify", str(tmp_path / "missing.json"))
    assert r.exit_code == 3 and "no such file" in r.stderr
    r = run_cli("vectors", "generate", "keys", "--out", str(tmp_path / "no" / "such" / "dir.json"))
    assert r.exit_code == 3 and "cannot write" in r.stderr


def _run(*args, input=None, env=None):
    return subprocess.run([sys.executable, "-m", "statuscli", *args], input=input, capture_output=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_subprocess_generate_pipe_verify_and_tamper():
    gen = _run("vectors", "generate", "ratchet", "--count", "2", "--seed", "pipe")
    assert gen.returncode == 0 and gen.stderr == b""
    ok = _run("vectors", "verify", "-", input=gen.stdout)
    assert ok.returncode == 0, ok.stdout.decode()[-500:]
    doc = json.loads(gen.stdout)
    ct = doc["vectors"][0]["expected"]["messages"][0]["ciphertext"]
    doc["vectors"][0]["expected"]["messages"][0]["ciphertext"] = ct[:-2] + ("00" if ct[-2:] != "00" else "11")
    bad = _run("--json", "vectors", "verify", "-", input=json.dumps(doc).encode())
    assert bad.returncode == 4 and json.loads(bad.stdout)["summary"]["failed"] == 1


def test_subprocess_verify_shared_files():
    r = _run("vectors", "verify", *SHARED)
    assert r.returncode == 0 and b"0 failed" in r.stdout


@pytest.mark.parametrize(
    "args, forbidden",
    [
        (["--json", "vectors", "list"], ("libp2p", "trio", "rich", "bip_utils", "segno")),
        (["--json", "vectors", "generate", "identity", "--count", "1"], ("libp2p", "trio", "rich", "bip_utils", "segno")),
        (["--json", "keys", "inspect", "https://status.app/u#zQ3shgXaXEtHSFVhHgTUiCSNAXYKeKryUVnPZZJLBMDutaWHB"],
         ("libp2p", "trio", "rich", "bip_utils", "segno")),
    ],
)
def test_offline_commands_import_nothing_heavy(args, forbidden):
    code = (
        "import sys\n"
        "from statuscli.cli.main import run\n"
        f"rc = run({args!r})\n"
        f"print(rc, [m for m in {forbidden!r} if m in sys.modules], file=sys.stderr)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stderr.strip().splitlines()[-1] == "0 []"
