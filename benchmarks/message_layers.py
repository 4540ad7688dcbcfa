#!/usr/bin/env python3
"""Message layers against the Python floor: payload v1 (ECIES, AES-GCM), WakuMessage hash, wrapper.

Each statuscli operation is measured next to its floor — the same work done with the bare
primitives (coincurve, cryptography, eth-hash, hashlib) and no framing code — interleaved round
by round (the machine drifts, so only ratios taken in one run mean anything). 1 KB messages.

    statuscli                                         floor
    payload_v1.seal_asymmetric (+ random padding,     sign(keccak(plain)) + ECIES with coincurve/cryptography
      ephemeral key, IV)
    payload_v1.open_asymmetric                        ECIES decrypt + recover(keccak(plain))
    payload_v1.seal_symmetric (+ random pad/nonce)    sign(keccak(plain)) + AESGCM.encrypt
    payload_v1.open_symmetric                         AESGCM.decrypt + recover(keccak(plain))
    message.message_hash(pubsub, WakuMessage)         sha256 over pre-encoded parts
    amm.wrap(payload, type, key)                      sign(keccak(payload))
    amm.unwrap(raw).message_id                        recover(keccak(payload)) + keccak(pub ‖ raw)

Timing is CPU time of this process (``time.process_time``), which other load on the machine disturbs
less than wall-clock time.

Targets (PERFORMANCE.md): payload v1 ≥ 90 % of the floor, message hash ≥ 80 %, wrapper ≥ 80 %.

    .venv/bin/python benchmarks/message_layers.py            # prints a Markdown table
    .venv/bin/python benchmarks/message_layers.py --write    # also replace our section of BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from markdown_section import replace_section  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

import coincurve
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from statuscli.core.crypto import secp256k1  # noqa: E402
from statuscli.core.crypto.hashing import keccak256  # noqa: E402
from statuscli.core.payloads import amm  # noqa: E402
from statuscli.core.waku import message, payload_v1  # noqa: E402

DATA = os.urandom(1024)
PRIV = secp256k1.generate_private_key(os.urandom)
RECIPIENT = secp256k1.generate_private_key(os.urandom)
RECIPIENT_PUB = secp256k1.public_key(RECIPIENT)
SYM = os.urandom(32)
PUBSUB, CONTENT = "/waku/2/rs/16/32", "/waku/1/0xcd423760/rfc26"
WMSG = message.WakuMessage(os.urandom(1024), CONTENT, 1, 1_700_000_000_123_456_789, b"", None, False)


# --- floors: the same work with bare primitives -----------------------------------------------
def _plain(pad: bytes) -> bytes:
    return b"\x06" + len(DATA).to_bytes(2, "little") + DATA + pad


def floor_ecies_seal(n: int) -> float:
    rpub = coincurve.PublicKey(RECIPIENT_PUB)
    signer = coincurve.PrivateKey(PRIV)
    t = time.process_time()
    for _ in range(n):
        body = _plain(os.urandom(160))
        plain = body + signer.sign_recoverable(keccak256(body), hasher=None)
        eph = os.urandom(32)
        z = rpub.multiply(eph).format(compressed=True)[1:]
        k = hashlib.sha256(b"\x00\x00\x00\x01" + z).digest()
        iv = os.urandom(16)
        c = iv + Cipher(algorithms.AES(k[:16]), modes.CTR(iv)).encryptor().update(plain)
        r = coincurve.PublicKey.from_valid_secret(eph).format(compressed=False)
        r + c + hmac.new(hashlib.sha256(k[16:]).digest(), c, hashlib.sha256).digest()
    return n / (time.process_time() - t)


def floor_ecies_open(n: int, blob: bytes) -> float:
    t = time.process_time()
    for _ in range(n):
        z = coincurve.PublicKey(blob[:65]).multiply(RECIPIENT).format(compressed=True)[1:]
        k = hashlib.sha256(b"\x00\x00\x00\x01" + z).digest()
        c, tag = blob[65:-32], blob[-32:]
        hmac.compare_digest(hmac.new(hashlib.sha256(k[16:]).digest(), c, hashlib.sha256).digest(), tag)
        plain = Cipher(algorithms.AES(k[:16]), modes.CTR(c[:16])).decryptor().update(c[16:])
        coincurve.PublicKey.from_signature_and_message(plain[-65:], keccak256(plain[:-65]), hasher=None)
    return n / (time.process_time() - t)


def floor_gcm_seal(n: int) -> float:
    signer = coincurve.PrivateKey(PRIV)
    aes = AESGCM(SYM)
    t = time.process_time()
    for _ in range(n):
        body = _plain(os.urandom(160))
        nonce = os.urandom(12)
        aes.encrypt(nonce, body + signer.sign_recoverable(keccak256(body), hasher=None), None) + nonce
    return n / (time.process_time() - t)


def floor_gcm_open(n: int, blob: bytes) -> float:
    aes = AESGCM(SYM)
    t = time.process_time()
    for _ in range(n):
        plain = aes.decrypt(blob[-12:], blob[:-12], None)
        coincurve.PublicKey.from_signature_and_message(plain[-65:], keccak256(plain[:-65]), hasher=None)
    return n / (time.process_time() - t)


def floor_hash(n: int) -> float:
    pubsub, payload, content, meta, ts = PUBSUB, WMSG.payload, CONTENT, b"", WMSG.timestamp
    t = time.process_time()
    for _ in range(n):
        hashlib.sha256(pubsub.encode() + payload + content.encode() + meta + ts.to_bytes(8, "big")).digest()
    return n / (time.process_time() - t)


def floor_wrap(n: int) -> float:
    signer = coincurve.PrivateKey(PRIV)
    t = time.process_time()
    for _ in range(n):
        signer.sign_recoverable(keccak256(DATA), hasher=None)
    return n / (time.process_time() - t)


def floor_unwrap(n: int, raw: bytes) -> float:
    sig, payload = raw[2:67], DATA
    t = time.process_time()
    for _ in range(n):
        pub = coincurve.PublicKey.from_signature_and_message(sig, keccak256(payload), hasher=None).format(compressed=False)
        keccak256(pub + raw)
    return n / (time.process_time() - t)


# --- statuscli ----------------------------------------------------------------------------------
def ours_ecies_seal(n: int) -> float:
    t = time.process_time()
    for _ in range(n):
        pad = payload_v1.auto_padding(len(DATA), True, os.urandom)
        payload_v1.seal_asymmetric(DATA, RECIPIENT_PUB, padding=pad, ephemeral_key=secp256k1.generate_private_key(os.urandom),
                                   iv=os.urandom(16), signing_key=PRIV)
    return n / (time.process_time() - t)


def ours_ecies_open(n: int, blob: bytes) -> float:
    t = time.process_time()
    for _ in range(n):
        payload_v1.open_asymmetric(blob, RECIPIENT)
    return n / (time.process_time() - t)


def ours_gcm_seal(n: int) -> float:
    t = time.process_time()
    for _ in range(n):
        pad = payload_v1.auto_padding(len(DATA), True, os.urandom)
        payload_v1.seal_symmetric(DATA, SYM, padding=pad, nonce=os.urandom(12), signing_key=PRIV)
    return n / (time.process_time() - t)


def ours_gcm_open(n: int, blob: bytes) -> float:
    t = time.process_time()
    for _ in range(n):
        payload_v1.open_symmetric(blob, SYM)
    return n / (time.process_time() - t)


def ours_hash(n: int) -> float:
    t = time.process_time()
    for _ in range(n):
        message.message_hash(PUBSUB, WMSG)
    return n / (time.process_time() - t)


def ours_wrap(n: int) -> float:
    t = time.process_time()
    for _ in range(n):
        amm.wrap(DATA, 1, PRIV)
    return n / (time.process_time() - t)


def ours_unwrap(n: int, raw: bytes) -> float:
    t = time.process_time()
    for _ in range(n):
        amm.unwrap(raw).message_id
    return n / (time.process_time() - t)


# --- report -------------------------------------------------------------------------------------
ROWS = [
    ("payload v1 ECIES encrypt+sign", "ecies_seal", 0.90),
    ("payload v1 ECIES decrypt+recover", "ecies_open", 0.90),
    ("payload v1 AES-GCM encrypt+sign", "gcm_seal", 0.90),
    ("payload v1 AES-GCM decrypt+recover", "gcm_open", 0.90),
    ("WakuMessage deterministic hash", "hash", 0.80),
    ("ApplicationMetadataMessage wrap+sign", "wrap", 0.80),
    ("ApplicationMetadataMessage unwrap+recover+id", "unwrap", 0.80),
]


def measure(rounds: int, n: int) -> dict[str, tuple[float, float, float]]:
    pad = payload_v1.auto_padding(len(DATA), True, os.urandom)
    ecies_blob = payload_v1.seal_asymmetric(DATA, RECIPIENT_PUB, padding=pad, ephemeral_key=secp256k1.generate_private_key(os.urandom),
                                            iv=os.urandom(16), signing_key=PRIV)
    gcm_blob = payload_v1.seal_symmetric(DATA, SYM, padding=pad, nonce=os.urandom(12), signing_key=PRIV)
    raw = amm.wrap(DATA, 1, PRIV)
    assert raw[:2] == b"\x0a\x41"
    fns = {
        "ecies_seal": (ours_ecies_seal, floor_ecies_seal, ()),
        "ecies_open": (ours_ecies_open, floor_ecies_open, (ecies_blob,)),
        "gcm_seal": (ours_gcm_seal, floor_gcm_seal, ()),
        "gcm_open": (ours_gcm_open, floor_gcm_open, (gcm_blob,)),
        "hash": (ours_hash, floor_hash, ()),
        "wrap": (ours_wrap, floor_wrap, ()),
        "unwrap": (ours_unwrap, floor_unwrap, (raw,)),
    }
    runs: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in fns}
    for r in range(rounds):
        for key, (ours, floor, args) in fns.items():
            m = n * 40 if key == "hash" else n
            if r % 2:  # alternate which side goes first, so drift and warm-up favour neither
                runs[key][0].append(ours(m, *args))
                runs[key][1].append(floor(m, *args))
            else:
                runs[key][1].append(floor(m, *args))
                runs[key][0].append(ours(m, *args))
    # the ratio is the median of per-round ratios: both sides of a round ran back to back, so the
    # machine's drift cancels there better than in a ratio of two medians
    return {k: (statistics.median(o), statistics.median(f), statistics.median(a / b for a, b in zip(o, f))) for k, (o, f) in runs.items()}


def _rate(x: float) -> str:
    return f"{x / 1000:.1f} k/s" if x >= 1000 else f"{x:.0f} /s"


def table(results: dict[str, tuple[float, float, float]], rounds: int) -> str:
    lines = [
        "## Message layers (`benchmarks/message_layers.py`)",
        "",
        f"Medians of {rounds} interleaved rounds, 1 KB messages; CPython {platform.python_version()} on {os.cpu_count()} CPU(s), "
        f"{datetime.date.today().isoformat()}.",
        "",
        "| operation | statuscli | Python floor | ratio (median per round) | target | met |",
        "|---|---:|---:|---:|---|---|",
    ]
    for label, key, target in ROWS:
        ours, floor, ratio = results[key]
        lines.append(f"| {label} | {_rate(ours)} | {_rate(floor)} | {ratio:.2f} | ≥ {target:.0%} of floor | {'yes' if ratio >= target else 'NO'} |")
    lines += [
        "",
        "Times are CPU time of the benchmark process. Both sides draw their randomness (padding, ephemeral key, IV/nonce) from `os.urandom` inside the loop. The floors "
        "use coincurve, `cryptography` and eth-hash directly with no framing: for the wrapper, sign/recover of "
        "keccak256(payload) (+ the id's keccak) without protobuf; for the hash, SHA-256 of the concatenated fields (topics UTF-8-encoded and the timestamp packed per call, as any implementation must).",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    replace_section("message-layers", text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("-n", type=int, default=600, help="operations per round (×40 for the hash)")
    ap.add_argument("--write", action="store_true", help="replace the message-layers section of BENCHMARKS.md")
    args = ap.parse_args()
    text = table(measure(args.rounds, args.n), args.rounds)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
