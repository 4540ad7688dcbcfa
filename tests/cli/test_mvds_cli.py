"""statuscli mvds inspect / group-id through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

from statuscli.core.mvds import codec as C
from statuscli.core.payloads import amm, chat
from tests.conftest import vectors

KEY = bytes(range(1, 33))


def _payload(text: str = "hello") -> tuple[bytes, bytes]:
    body = amm.wrap(chat.encode(chat.build(chat_id="c", clock=1, timestamp=1, text=text)), 1, KEY)
    p = C.Payload(acks=(b"\x01" * 32,), offers=(b"\x02" * 32,), messages=(C.Message(b"\x03" * 32, 1_700_000_000, body),))
    return C.encode_payload(p), body


def test_inspect_one_payload_text_and_json(run_cli, tmp_path):
    raw, body = _payload()
    f = tmp_path / "p.hex"
    f.write_text(raw.hex())
    r = run_cli("mvds", "inspect", str(f))
    assert r.exit_code == 0, r.stderr
    assert "1 acks, 1 offers, 0 requests, 1 messages" in r.stdout and "CHAT_MESSAGE" in r.stdout
    d = run_cli("--json", "mvds", "inspect", "-", input=raw).json()  # raw bytes on stdin
    (m,) = d["messages"]
    assert m["id"] == "0x" + C.message_id(b"\x03" * 32, 1_700_000_000, body).hex()
    assert m["group_id"] == "0x" + "03" * 32 and m["timestamp"] == 1_700_000_000 and m["body_size"] == len(body)
    assert m["application"]["message_id"] == "0x" + amm.unwrap(body).message_id.hex()
    assert d["acks"] == ["0x" + "01" * 32]


def test_inspect_ndjson_stream(run_cli):
    a, _ = _payload("one")
    b, _ = _payload("two")
    lines = "\n".join([json.dumps({"type": "x", "payload": "0x" + a.hex()}), b.hex(), json.dumps({"mvds": a.hex()})]) + "\n"
    r = run_cli("--json", "mvds", "inspect", "-", input=lines)
    assert r.exit_code == 0, r.stderr
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3] and all(o["type"] == "mvds-payload" for o in out)
    text = run_cli("mvds", "inspect", "-", input=lines).stdout
    assert text.count("MVDS payload:") == 3 and "line 2:" in text


def test_inspect_rejects_non_mvds(run_cli):
    r = run_cli("--json", "mvds", "inspect", "-", input="0a0568656c6c6f")
    assert r.exit_code == 3 and r.json()["error"]["code"] == "decode-error"
    assert run_cli("mvds", "inspect", "-", input="").exit_code == 2
    r = run_cli("mvds", "inspect", "-", input='{"nothing": 1}\n{"x": 2}\n')
    assert r.exit_code == 3 and "Traceback" not in r.stderr


def test_group_id_vector(run_cli):
    (v,) = vectors("status.json", "mvds")
    r = run_cli("--json", "mvds", "group-id", "0x" + v["inputs"]["public_key_1"], "0x" + v["inputs"]["public_key_2"])
    assert r.exit_code == 0 and r.json()["group_id"] == "0x" + v["expected"]["group_id"]


def test_subprocess_inspect():
    raw, _ = _payload()
    p = subprocess.run([sys.executable, "-m", "statuscli", "--json", "mvds", "inspect", "-"], input=raw.hex(),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["messages"][0]["application"]["type"] == "CHAT_MESSAGE"
