"""statuscli envelope hash / encode / inspect, including the full stack with 'encrypt' accounts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from statuscli.core.mvds import codec as C
from statuscli.core.payloads import amm, chat
from tests.conftest import vectors

SIGNER = "0x" + "30" * 32
TOPIC = "0xcd423760"


@pytest.mark.parametrize("v", vectors("waku.json", "message_hash", "message_hash"), ids=lambda v: v["description"][:40])
def test_hash_vectors(run_cli, v):
    i = v["inputs"]
    args = ["--json", "envelope", "hash", "--pubsub-topic", i["pubsub_topic"], "--content-topic", i["content_topic"],
            "--payload", "0x" + i["payload_hex"], "--timestamp", str(i["timestamp_ns"])]
    if i["meta_hex"] is not None:
        args += ["--meta", "0x" + i["meta_hex"]]
    r = run_cli(*args)
    assert r.exit_code == 0, r.stderr
    assert r.json() == {"message_hash": "0x" + v["expected"]["message_hash_hex"]}


def test_inspect_the_status_go_vector_payload(run_cli):
    (v,) = [v for v in vectors("status.json", "waku-v1-payload") if "encrypted_payload" in v["expected"]]
    (h,) = [h for h in vectors("status.json", "waku-v2") if "waku_message_protobuf" in h["expected"]]
    r = run_cli("--json", "envelope", "inspect", "-", "--sym-key", v["inputs"]["symmetric_key"], input=h["expected"]["waku_message_protobuf"])
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["layer"] == "waku-message" and d["content_topic"] == h["inputs"]["content_topic"]
    p = d["inner"]
    assert p["layer"] == "payload-v1" and p["signer"] == "0x" + v["expected"]["signer_public_key"]
    assert p["inner"]["text"] == v["inputs"]["data_utf8"]  # the vector's data is plain text, not a Status payload
    # bare payload (no WakuMessage around it) works too
    r = run_cli("--json", "envelope", "inspect", "-", "--sym-key", v["inputs"]["symmetric_key"], input=v["expected"]["encrypted_payload"])
    assert r.json()["layer"] == "payload-v1"


def _chat_stack(text: str = "hello", author: bytes = bytes.fromhex(SIGNER[2:])) -> bytes:
    body = amm.wrap(chat.encode(chat.build(chat_id="c", clock=1, timestamp=1, text=text)), 1, author)
    return C.encode_payload(C.Payload(messages=(C.Message(bytes(32), 1_700_000_000, body),)))


def test_encode_then_inspect_symmetric_with_password(run_cli):
    inner = _chat_stack("hi there")
    r = run_cli("--json", "envelope", "encode", inner.hex(), "--password", "status", "--topic", TOPIC, "--sign", SIGNER,
                "--timestamp", "1700000000000000000", "--seed", "01")
    assert r.exit_code == 0, r.stderr
    enc = r.json()
    assert enc["kind"] == "waku-message" and enc["content_topic"] == "/waku/1/0xcd423760/rfc26" and enc["version"] == 1
    again = run_cli("--json", "envelope", "encode", inner.hex(), "--password", "status", "--topic", TOPIC, "--sign", SIGNER,
                    "--timestamp", "1700000000000000000", "--seed", "01").json()
    assert again["bytes"] == enc["bytes"]  # --seed makes it reproducible
    d = run_cli("--json", "envelope", "inspect", "-", "--password", "status", input=enc["bytes"]).json()
    assert d["message_hash"] == enc["message_hash"]
    layers = []
    node = d
    while node:
        layers.append(node["layer"])
        node = node.get("inner") or (node.get("messages") or [None])[0]
    assert layers == ["waku-message", "payload-v1", "mvds", "mvds-message", "application", "chat-message"]
    assert d["inner"]["inner"]["messages"][0]["inner"]["inner"]["text"] == "hi there"
    # a wrapper signed by someone else than the payload's signer is not attributed to either (issue 13, "who sent it")
    forged = run_cli("--json", "envelope", "encode", _chat_stack("x", author=bytes(range(1, 33))).hex(), "--password", "status", "--topic",
                     TOPIC, "--sign", SIGNER, "--timestamp", "1700000000000000000", "--seed", "01").json()
    d2 = run_cli("--json", "envelope", "inspect", "-", "--password", "status", input=forged["bytes"]).json()
    app_layer = d2["inner"]["inner"]["messages"][0]["inner"]
    assert app_layer["layer"] == "application" and app_layer["error"]["code"] == "sender-mismatch" and "inner" not in app_layer
    # no key: stops at payload v1 and says why
    d = run_cli("--json", "envelope", "inspect", "-", input=enc["bytes"]).json()
    assert d["inner"]["error"]["code"] == "decryption-failed" and "no key" in d["inner"]["error"]["message"]
    text = run_cli("envelope", "inspect", "-", "--password", "wrong", input=enc["bytes"]).stdout
    assert "✗ payload-v1" in text and "tried: --password #1" in text and "wrong" not in text  # a password is not echoed


def test_encode_asymmetric_v1_envelope_and_clear(run_cli):
    from statuscli.core.crypto import secp256k1

    priv = bytes(range(5, 37))
    pub = secp256k1.public_key(priv).hex()
    r = run_cli("--json", "envelope", "encode", "--text", "x", "--to", "0x" + pub, "--topic", TOPIC, "--v1", "--pow", "0.01",
                "--timestamp", "1700000000000000000")
    assert r.exit_code == 0, r.stderr
    enc = r.json()
    assert enc["kind"] == "waku-v1-envelope" and enc["pow"] >= 0.01 and enc["ttl"] == 15
    d = run_cli("--json", "envelope", "inspect", "-", "--key", priv.hex(), input=enc["bytes"]).json()
    assert d["layer"] == "waku-v1-envelope" and d["hash"] == enc["envelope_hash"]
    assert d["inner"]["encryption"].startswith("asymmetric") and d["inner"]["inner"]["text"] == "x"
    clear = run_cli("--json", "envelope", "encode", _chat_stack().hex(), "--clear", "--content-topic", "/app/1/c/proto").json()
    d = run_cli("--json", "envelope", "inspect", "-", input=clear["bytes"]).json()
    assert d["version"] == 0 and d["inner"]["layer"] == "mvds"
    raw = run_cli("envelope", "encode", "--text", "x", "--clear", "--content-topic", "/a/1/b/proto", "--raw")
    assert raw.exit_code == 0 and raw.stdout.startswith("\n")  # field 1 tag 0x0a comes first


def test_inspect_accepts_a_json_event_and_rejects_garbage(run_cli):
    enc = run_cli("--json", "envelope", "encode", "--text", "x", "--password", "p", "--topic", TOPIC).json()
    event = json.dumps({"type": "undecryptable", "waku_message": enc["bytes"]})
    assert run_cli("--json", "envelope", "inspect", "-", "--password", "p", input=event).json()["inner"]["inner"]["text"] == "x"
    r = run_cli("--json", "envelope", "inspect", "-", input="00ff00ff")
    assert r.exit_code == 3 and r.json()["error"]["code"] == "decode-error"
    assert run_cli("envelope", "inspect", "-", input="").exit_code == 2


def test_encode_usage_errors(run_cli):
    assert run_cli("envelope", "encode", "--text", "x", "--topic", TOPIC).exit_code == 2  # no encryption chosen
    assert run_cli("envelope", "encode", "--text", "x", "--clear", "--password", "p", "--topic", TOPIC).exit_code == 2
    assert run_cli("envelope", "encode", "--text", "x", "--clear").exit_code == 2  # no topic
    r = run_cli("--json", "envelope", "encode", "--text", "x", "--clear", "--topic", TOPIC, "--meta", "00" * 65)
    assert r.exit_code == 3 and "meta" in r.json()["error"]["message"]
    assert "Examples" in run_cli("envelope", "encode", "--help").stdout


# --- the demonstration: encrypt (secure transport) → envelope encode → envelope inspect --------
PW = "correct horse"


def _party(run_cli, home, name):
    r = run_cli("--home", str(home), "--json", "keys", "generate", "--name", name)
    assert r.exit_code == 0, r.stderr
    return r.json()


def test_encrypt_encode_inspect_every_layer(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("STATUSCLI_PASSWORD", PW)
    ha, hb = tmp_path / "alice", tmp_path / "bob"
    a, b = _party(run_cli, ha, "alice"), _party(run_cli, hb, "bob")
    bundle = run_cli("--home", str(hb), "bundle", "export").stdout.strip()
    assert run_cli("--home", str(ha), "bundle", "import", "-", "--name", "bob", input=bundle).exit_code == 0
    alice_key = run_cli("--home", str(ha), "--json", "keys", "export", "--format", "private-key").json()["private_key"]
    body = amm.wrap(chat.encode(chat.build(chat_id=b["public_key"], clock=1_800_000_000_000, timestamp=1_800_000_000_000,
                                           text="hello bob")), 1, bytes.fromhex(alice_key[2:]))
    mvds_payload = C.encode_payload(C.Payload(messages=(C.Message(C.one_to_one_group_id(bytes.fromhex(a["public_key"][2:]),
                                                                                         bytes.fromhex(b["public_key"][2:])),
                                                                  1_800_000_000, body),)))
    pm = run_cli("--home", str(ha), "encrypt", "bob", "--bytes", mvds_payload.hex())
    assert pm.exit_code == 0, pm.stderr
    wm = run_cli("--home", str(ha), "envelope", "encode", "-", "--to", b["public_key"], "--sign-account", "--topic", "0x01020304",
                 input=pm.stdout)
    assert wm.exit_code == 0, wm.stderr
    d = run_cli("--home", str(hb), "--json", "envelope", "inspect", "-", input=wm.stdout).json()
    chain, node = [], d
    while node:
        chain.append(node)
        node = node.get("inner") or (node.get("messages") or [None])[0]
    assert [n["layer"] for n in chain] == ["waku-message", "payload-v1", "protocol-message", "mvds", "mvds-message",
                                           "application", "chat-message"]
    waku, pv1, proto, _, _, app_layer, chat_layer = chain
    assert pv1["encryption"].startswith("asymmetric") and pv1["key"] == "account 'bob' chat key" and pv1["signer"] == a["public_key"]
    assert proto["path"] == "x3dh" and proto["sender"] == a["public_key"] and proto["committed"] is False
    assert app_layer["signer"] == a["public_key"] and app_layer["type"] == "CHAT_MESSAGE"
    assert chat_layer["text"] == "hello bob"
    # read-only: inspecting again still decrypts, and bob's real decrypt afterwards works too
    text = run_cli("--home", str(hb), "envelope", "inspect", "-", input=wm.stdout).stdout
    assert "text: hello bob" in text and "✗" not in text
    dec = run_cli("--home", str(hb), "--json", "decrypt", "-", input=pm.stdout)
    assert dec.exit_code == 0 and dec.json()["path"] == "x3dh"
    # without the account the ratchet layer cannot be opened: peeling stops there and says so
    d = run_cli("--home", str(hb), "--json", "envelope", "inspect", "-", "--no-account", "--key", "0x" + "11" * 32, input=wm.stdout).json()
    assert d["inner"]["error"]["code"] == "decryption-failed"


def test_subprocess_hash_and_inspect():
    (v,) = [v for v in vectors("waku.json", "message_hash", "message_hash") if v["inputs"]["meta_hex"] is None]
    i = v["inputs"]
    p = subprocess.run([sys.executable, "-m", "statuscli", "envelope", "hash", "--pubsub-topic", i["pubsub_topic"], "--content-topic",
                        i["content_topic"], "--payload", i["payload_hex"], "--timestamp", str(i["timestamp_ns"])],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "0x" + v["expected"]["message_hash_hex"]
    p = subprocess.run([sys.executable, "-m", "statuscli", "--json", "envelope", "inspect", "-", "--no-account"], input="zz",
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 3 and json.loads(p.stdout)["error"]["code"] == "decode-error"


def test_inspect_finds_topic_derived_keys(run_cli, tmp_path, monkeypatch):
    """A message on the negotiated topic (or a contact-code topic) opens with the key the account derives."""
    from statuscli.core.crypto import secp256k1
    from statuscli.core.topics import chat as topics_chat
    from statuscli.core.topics import wire

    monkeypatch.setenv("STATUSCLI_PASSWORD", PW)
    ha, hb = tmp_path / "alice", tmp_path / "bob"
    a, b = _party(run_cli, ha, "alice"), _party(run_cli, hb, "bob")
    bundle = run_cli("--home", str(ha), "bundle", "export").stdout.strip()
    assert run_cli("--home", str(hb), "bundle", "import", "-", "--name", "alice", input=bundle).exit_code == 0
    alice_key = bytes.fromhex(run_cli("--home", str(ha), "--json", "keys", "export", "--format", "private-key").json()["private_key"][2:])
    negotiated = topics_chat.negotiated_chat_id(topics_chat.negotiated_secret(alice_key, bytes.fromhex(b["public_key"][2:])))
    topic = "0x" + wire.to_topic(negotiated).hex()
    enc = run_cli("--json", "envelope", "encode", "--text", "psst", "--password", negotiated, "--topic", topic,
                  "--sign", "0x" + alice_key.hex()).json()
    d = run_cli("--home", str(hb), "--json", "envelope", "inspect", "-", input=enc["bytes"]).json()
    assert d["inner"]["key"] == "negotiated topic key with 'alice'" and d["inner"]["signer"] == a["public_key"]
    assert d["inner"]["inner"]["text"] == "psst"
    own = topics_chat.contact_code_chat_id(bytes.fromhex(b["public_key"][2:]))
    enc = run_cli("--json", "envelope", "encode", "--text", "card", "--password", own, "--topic", "0x" + wire.to_topic(own).hex()).json()
    d = run_cli("--home", str(hb), "--json", "envelope", "inspect", "-", input=enc["bytes"]).json()
    assert d["inner"]["key"] == "our contact-code topic key"
    assert secp256k1.public_key(alice_key).hex() == a["public_key"][2:]


@pytest.mark.parametrize(
    "argv, forbidden",
    [
        (["envelope", "hash", "--pubsub-topic", "a", "--content-topic", "b", "--payload", "01", "--timestamp", "1"],
         ["libp2p", "trio", "rich", "bip_utils", "google.protobuf"]),
        (["enr", "decode", "enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8"],
         ["libp2p", "trio", "rich", "bip_utils", "google.protobuf"]),
        (["mvds", "group-id", "0x" + vectors("status.json", "mvds")[0]["inputs"]["public_key_1"],
          "0x" + vectors("status.json", "mvds")[0]["inputs"]["public_key_2"]], ["libp2p", "trio", "rich", "bip_utils"]),
    ],
    ids=["envelope-hash", "enr-decode", "mvds-group-id"],
)
def test_offline_commands_stay_light(argv, forbidden):
    code = (
        "import sys, io, contextlib\n"
        "from statuscli.cli.main import run\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    rc = run({argv!r})\n"
        f"print(rc, [m for m in {forbidden!r} if m in sys.modules])\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    rc, loaded = p.stdout.strip().split(" ", 1)
    assert (rc, loaded) == ("0", "[]"), p.stdout
