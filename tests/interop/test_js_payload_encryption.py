"""26/WAKU2-PAYLOAD (version 1) both ways between @waku/message-encryption 0.0.38 and statuscli.

js-waku encrypts with its own encoders (ECIES and symmetric, signed and unsigned; random keys,
IVs and padding of its own) and we open the result; we seal and js-waku's decoders open it and
check the signer with ``verifySignature``. Each direction runs once through ``statuscli envelope``
(real subprocesses, what the issue asks for) and once through the core functions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from statuscli.core.crypto import secp256k1
from statuscli.core.waku import message as wm
from statuscli.core.waku import payload_v1
from tests.interop.harness import CLUSTER, LIGHT, REPO, SHARDS, run_js

pytestmark = pytest.mark.interop

CONTENT_TOPIC = "/statuscli-interop/1/encryption/proto"
RECIPIENT = bytes.fromhex("7f" * 31 + "01")
SIGNER = bytes.fromhex("2b" * 31 + "02")
SYM_KEY = bytes.fromhex("5a" * 32)
TEXT = "hello from js-waku — ünïcødé and a payload longer than one line".encode()

CASES = [
    pytest.param("ecies", False, id="ecies-unsigned"),
    pytest.param("ecies", True, id="ecies-signed"),
    pytest.param("symmetric", False, id="symmetric-unsigned"),
    pytest.param("symmetric", True, id="symmetric-signed"),
]


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def _js_encrypt(mode: str, signed: bool, payload: bytes) -> dict:
    op = {"op": "encrypt", "mode": mode, "payload": _hex(payload), "content_topic": CONTENT_TOPIC,
          "cluster": CLUSTER, "shard": SHARDS[0]}
    if mode == "ecies":
        op["public_key"] = _hex(secp256k1.public_key(RECIPIENT))
    else:
        op["sym_key"] = _hex(SYM_KEY)
    if signed:
        op["sig_priv_key"] = _hex(SIGNER)
    res = run_js(LIGHT, "encryption.mjs", {"ops": [op]})["results"][0]
    assert res["ok"], res
    return res


def _js_decrypt(mode: str, message: bytes, expected_signer: bytes | None) -> dict:
    op = {"op": "decrypt", "mode": mode, "message": _hex(message), "content_topic": CONTENT_TOPIC,
          "cluster": CLUSTER, "shard": SHARDS[0]}
    if mode == "ecies":
        op["private_key"] = _hex(RECIPIENT)
    else:
        op["sym_key"] = _hex(SYM_KEY)
    if expected_signer is not None:
        op["expected_signer"] = _hex(expected_signer)
    return run_js(LIGHT, "encryption.mjs", {"ops": [op]})["results"][0]


def _statuscli(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    return subprocess.run([sys.executable, "-m", "statuscli", *args], cwd=REPO, env=env, input=input,
                          capture_output=True, text=True, timeout=60)


# --- js-waku encrypts, statuscli opens ------------------------------------------------------------
@pytest.mark.parametrize("mode,signed", CASES)
def test_js_encrypts_core_opens(mode, signed):
    res = _js_encrypt(mode, signed, TEXT)
    msg = wm.decode(bytes.fromhex(res["message"][2:]), strict=True)
    assert msg.version == 1 and msg.content_topic == CONTENT_TOPIC and msg.timestamp
    if mode == "ecies":
        opened = payload_v1.open_asymmetric(msg.payload, RECIPIENT)
    else:
        opened = payload_v1.open_symmetric(msg.payload, SYM_KEY)
    assert opened.data == TEXT
    assert 1 <= len(opened.padding) <= 256
    assert opened.signer == (secp256k1.public_key(SIGNER) if signed else None)


def _layer(tree: dict, name: str) -> dict:
    node = tree
    while node is not None:
        if node.get("layer") == name:
            return node
        node = node.get("inner")
    raise AssertionError(f"no {name!r} layer in {json.dumps(tree)[:1500]}")


@pytest.mark.parametrize("mode,signed", CASES)
def test_js_encrypts_envelope_inspect_opens(mode, signed):
    res = _js_encrypt(mode, signed, TEXT)
    key_args = ["--key", _hex(RECIPIENT)] if mode == "ecies" else ["--sym-key", _hex(SYM_KEY)]
    proc = _statuscli("--json", "envelope", "inspect", "--no-account", *key_args, "-", input=res["message"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tree = json.loads(proc.stdout)
    top = _layer(tree, "waku-message")
    assert top["version"] == 1 and top["content_topic"] == CONTENT_TOPIC
    assert top["timestamp"] == int(res["timestamp"])
    v1 = _layer(tree, "payload-v1")
    assert ("ECIES" if mode == "ecies" else "AES-256-GCM") in v1["encryption"], v1
    assert v1["signed"] is signed
    assert v1.get("signer") == (_hex(secp256k1.public_key(SIGNER)) if signed else None)
    inner = _layer(tree, "payload")
    assert inner["size"] == len(TEXT) and inner["text"] == TEXT.decode()
    assert inner["data"] == _hex(TEXT)  # JSON output carries the full bytes, never cropped


# --- statuscli seals, js-waku opens and verifies the signer ---------------------------------------
def _core_seal(mode: str, signed: bool, data: bytes) -> bytes:
    signing_key = SIGNER if signed else None
    padding = bytes(range(1, 1 + payload_v1.padding_length(len(data), signed)))
    if mode == "ecies":
        payload = payload_v1.seal_asymmetric(
            data, secp256k1.public_key(RECIPIENT), padding=padding,
            ephemeral_key=bytes.fromhex("11" * 32), iv=bytes(range(16)), signing_key=signing_key,
        )
    else:
        payload = payload_v1.seal_symmetric(data, SYM_KEY, padding=padding, nonce=bytes(range(12)), signing_key=signing_key)
    msg = wm.WakuMessage(payload=payload, content_topic=CONTENT_TOPIC, version=1, timestamp=1_795_000_000_000_000_000)
    return wm.encode(msg)


@pytest.mark.parametrize("mode,signed", CASES)
def test_core_seals_js_opens_and_verifies_signer(mode, signed):
    data = b"from statuscli core " + bytes(range(256))  # a 2-byte size field
    wire = _core_seal(mode, signed, data)
    res = _js_decrypt(mode, wire, secp256k1.public_key(SIGNER) if signed else None)
    assert res["ok"], res
    assert res["payload"] == _hex(data)
    if signed:
        assert res["signer"] == _hex(secp256k1.public_key(SIGNER))
        assert res["verified"] is True
    else:
        assert res["signer"] is None and res["signature"] is None


@pytest.mark.parametrize("mode,signed", CASES)
def test_envelope_encode_js_opens_and_verifies_signer(mode, signed):
    key_args = ["--to", _hex(secp256k1.public_key(RECIPIENT))] if mode == "ecies" else ["--sym-key", _hex(SYM_KEY)]
    if signed:
        key_args += ["--sign", _hex(SIGNER)]
    proc = _statuscli("--json", "envelope", "encode", "--content-topic", CONTENT_TOPIC, *key_args, _hex(TEXT))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = json.loads(proc.stdout)
    wire = bytes.fromhex(out["bytes"].removeprefix("0x"))
    res = _js_decrypt(mode, wire, secp256k1.public_key(SIGNER) if signed else None)
    assert res["ok"], res
    assert res["payload"] == _hex(TEXT)
    if signed:
        assert res["signer"] == _hex(secp256k1.public_key(SIGNER))
        assert res["verified"] is True
    else:
        assert res["signer"] is None


def test_wrong_key_is_refused_by_both():
    wire = _core_seal("symmetric", True, b"secret")
    op = {"op": "decrypt", "mode": "symmetric", "message": _hex(wire), "sym_key": _hex(bytes(32)),
          "content_topic": CONTENT_TOPIC}
    assert run_js(LIGHT, "encryption.mjs", {"ops": [op]})["results"][0]["ok"] is False
    js = _js_encrypt("ecies", False, b"secret")
    msg = wm.decode(bytes.fromhex(js["message"][2:]))
    from statuscli.core.errors import StatusCliError

    with pytest.raises(StatusCliError):
        payload_v1.open_asymmetric(msg.payload, SIGNER)
