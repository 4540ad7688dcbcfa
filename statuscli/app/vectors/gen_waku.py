"""Generated vectors of the Waku family: ``payload-v1``, ``waku-message`` and ``enr``.

Payload v1 vectors alternate symmetric (AES-256-GCM) and asymmetric (ECIES) sealing, signed
and unsigned, with automatic padding drawn from the seed; must-fail ones are opened with the
wrong key, tampered, or carry a signature that recovers no key. WakuMessage vectors give the
protobuf bytes and the deterministic hash; ENR vectors build a Waku node record.
"""

from __future__ import annotations

from collections.abc import Iterator

from statuscli.app.vectors.checking import h
from statuscli.app.vectors.entropy import Entropy
from statuscli.app.vectors.schema import Vector, case, negatives


def _pub(priv: bytes) -> bytes:
    from statuscli.core.crypto import secp256k1

    return secp256k1.public_key(priv)


# --- payload v1 ------------------------------------------------------------------------------
def compute_payload(inputs: dict) -> dict:
    from statuscli.core.waku import payload_v1 as P

    data, padding = h(inputs["data"]), h(inputs["padding"])
    signer = h(inputs["signing_private_key"]) if inputs.get("signing_private_key") else None
    if inputs["mode"] == "symmetric":
        sealed = P.seal_symmetric(data, h(inputs["symmetric_key"]), padding=padding, nonce=h(inputs["nonce"]), signing_key=signer)
    else:
        sealed = P.seal_asymmetric(data, h(inputs["recipient_public_key"]), padding=padding,
                                   ephemeral_key=h(inputs["ephemeral_private_key"]), iv=h(inputs["iv"]), signing_key=signer)
    return {
        "plaintext": P.encode_plaintext(data, padding, signer).hex(),
        "payload": sealed.hex(),
        "signer_public_key": "0x" + _pub(signer).hex() if signer else None,
    }


def open_payload(inputs: dict, payload: bytes):
    from statuscli.core.waku import payload_v1 as P

    if inputs["mode"] == "symmetric":
        return P.open_symmetric(payload, h(inputs["symmetric_key"]))
    return P.open_asymmetric(payload, h(inputs["recipient_private_key"]))


def _payload_inputs(ent: Entropy, label: str, mode: str, signed: bool) -> dict:
    from statuscli.core.waku import payload_v1 as P

    data = ent.bytes(label + "/data", ent.int(label + "/len", 0, 600))
    inputs = {"mode": mode, "data": data.hex(), "padding": P.auto_padding(len(data), signed, ent.rng(label + "/pad")).hex()}
    if signed:
        inputs["signing_private_key"] = ent.private_key(label + "/signer").hex()
    if mode == "symmetric":
        inputs.update(symmetric_key=ent.bytes(label + "/key", 32).hex(), nonce=ent.bytes(label + "/nonce", 12).hex())
    else:
        recipient = ent.private_key(label + "/recipient")
        inputs.update(recipient_private_key=recipient.hex(), recipient_public_key="0x" + _pub(recipient).hex(),
                      ephemeral_private_key=ent.private_key(label + "/ephemeral").hex(), iv=ent.bytes(label + "/iv", 16).hex())
    return inputs


def gen_payload_v1(ent: Entropy, count: int) -> Iterator[Vector]:
    for i in range(count):
        mode, signed = ("symmetric", "asymmetric")[i % 2], (i // 2) % 2 == 0
        inputs = _payload_inputs(ent, str(i), mode, signed)
        yield case(f"{mode} payload v1, {'signed' if signed else 'unsigned'}, {len(inputs['data']) // 2} data bytes, automatic padding",
                   inputs, compute_payload(inputs))
    for j in range(negatives(count)):
        yield _bad_payload(ent, j)


def _bad_payload(ent: Entropy, j: int) -> Vector:
    from statuscli.core.waku import payload_v1 as P

    label = f"bad/{j}"
    kind = j % 3
    if kind == 0:
        inputs = _payload_inputs(ent, label, "symmetric", True)
        sealed = h(compute_payload(inputs)["payload"])
        opened_with = {"mode": "symmetric", "payload": sealed.hex(), "symmetric_key": ent.bytes(label + "/wrong", 32).hex()}
        return case("a symmetric payload opened with another key must be refused", opened_with, {"error": "decryption-failed"}, must_fail=True)
    if kind == 1:
        inputs = _payload_inputs(ent, label, "asymmetric", False)
        sealed = bytearray(h(compute_payload(inputs)["payload"]))
        sealed[ent.int(label + "/pos", 81, len(sealed) - 1)] ^= 0x80  # past R and IV: the body or the MAC
        opened_with = {"mode": "asymmetric", "payload": bytes(sealed).hex(), "recipient_private_key": inputs["recipient_private_key"]}
        return case("a tampered ECIES payload must be refused", opened_with, {"error": "decryption-failed"}, must_fail=True)
    inputs = _payload_inputs(ent, label, "symmetric", True)
    plain = bytearray(P.encode_plaintext(h(inputs["data"]), h(inputs["padding"]), h(inputs["signing_private_key"])))
    plain[-1] = 9  # a recovery id no signature has
    sealed = P.encrypt_symmetric(bytes(plain), h(inputs["symmetric_key"]), h(inputs["nonce"]))
    opened_with = {"mode": "symmetric", "payload": sealed.hex(), "symmetric_key": inputs["symmetric_key"]}
    return case("a signed payload whose signature recovers no key must be refused", opened_with, {"error": "bad-signature"}, must_fail=True)


# --- WakuMessage -----------------------------------------------------------------------------
def message_of(inputs: dict):
    from statuscli.core.waku.message import WakuMessage

    return WakuMessage(
        payload=h(inputs["payload"]), content_topic=inputs["content_topic"], version=inputs.get("version"),
        timestamp=inputs.get("timestamp"), meta=None if inputs.get("meta") is None else h(inputs["meta"]),
        ephemeral=inputs.get("ephemeral"),
    )  # fmt: skip


def compute_message(inputs: dict) -> dict:
    from statuscli.core.waku import message as wm

    msg = message_of(inputs)
    return {"protobuf": wm.encode(msg).hex(), "message_hash": wm.message_hash(inputs["pubsub_topic"], msg).hex()}


def gen_waku_message(ent: Entropy, count: int) -> Iterator[Vector]:
    for i in range(count):
        topic = ent.bytes(f"{i}/topic", 4).hex()
        ts = ent.int(f"{i}/ts", 1_600_000_000, 2_000_000_000) * 10**9 + ent.int(f"{i}/ns", 0, 10**9 - 1)
        inputs = {
            "pubsub_topic": ent.choice(f"{i}/pubsub", ("/waku/2/rs/16/32", "/waku/2/rs/16/64", f"/waku/2/rs/1/{ent.int(f'{i}/shard', 0, 7)}")),
            "payload": ent.bytes(f"{i}/payload", ent.int(f"{i}/len", 0, 400)).hex(),
            "content_topic": ent.choice(f"{i}/ct", (f"/waku/1/0x{topic}/rfc26", f"/{ent.word(f'{i}/app')}/1/{ent.word(f'{i}/name')}/proto")),
            "version": ent.choice(f"{i}/version", (None, 0, 1)),
            "timestamp": ent.choice(f"{i}/has_ts", (None, ts)),
            "meta": ent.choice(f"{i}/has_meta", (None, ent.bytes(f"{i}/meta", ent.int(f"{i}/metalen", 0, 64)).hex())),
            "ephemeral": ent.choice(f"{i}/eph", (None, False, True)),
        }
        yield case("WakuMessage protobuf (absent optional fields are null) and its deterministic hash", inputs, compute_message(inputs))
    for j in range(negatives(count)):
        yield _bad_message(ent, j)


def _bad_message(ent: Entropy, j: int) -> Vector:
    from statuscli.core.waku import message as wm

    label = f"bad/{j}"
    good = wm.encode(wm.WakuMessage(ent.bytes(label + "/p", ent.int(label + "/len", 10, 100)), "/waku/1/0x01020304/rfc26", 1))
    if j % 2 == 0:
        n = ent.int(label + "/meta", 65, 120)
        raw, why = good + b"\x5a" + bytes([n]) + ent.bytes(label + "/m", n), "a WakuMessage whose meta exceeds 64 bytes"
    else:
        raw, why = good[: ent.int(label + "/cut", 2, 9)], "a WakuMessage cut inside its payload field"
    return case(f"{why} must be refused", {"protobuf": raw.hex()}, {"error": "decode-error"}, must_fail=True)


# --- ENR -------------------------------------------------------------------------------------
FLAGS = ("relay", "store", "filter", "lightpush", "sync")


def compute_enr(inputs: dict) -> dict:
    from statuscli.core.waku import enr as E

    rs = inputs.get("rs")
    raw = E.build_enr(h(inputs["private_key"]), inputs["seq"], ip=inputs.get("ip"), tcp=inputs.get("tcp"), udp=inputs.get("udp"),
                      waku2_flags=inputs.get("waku2", []), multiaddrs=inputs.get("multiaddrs", []),
                      rs=(rs["cluster_id"], rs["shards"]) if rs else None)
    e = E.decode_enr(raw)
    return {"enr": e.text, "public_key": e.public_key.hex(), "node_id": e.node_id.hex(), "peer_id": e.peer_id, "keys": list(e.pairs)}


def gen_enr(ent: Entropy, count: int) -> Iterator[Vector]:
    for i in range(count):
        flags = [f for k, f in enumerate(FLAGS) if ent.int(f"{i}/flag/{k}", 0, 1)]
        shards = sorted({ent.int(f"{i}/s/{k}", 0, 1023) for k in range(ent.int(f"{i}/ns", 1, 8))})
        inputs = {
            "private_key": ent.private_key(f"{i}/key").hex(),
            "seq": ent.int(f"{i}/seq", 1, 2**32),
            "ip": ".".join(str(ent.int(f"{i}/ip/{k}", 1, 254)) for k in range(4)),
            "tcp": ent.int(f"{i}/tcp", 1024, 65535),
            "udp": ent.choice(f"{i}/has_udp", (None, ent.int(f"{i}/udp", 1024, 65535))),
            "waku2": flags,
            "multiaddrs": [f"/dns4/{ent.word(f'{i}/host/{k}')}.example.org/tcp/{ent.int(f'{i}/port/{k}', 1, 65535)}/wss"
                           for k in range(ent.int(f"{i}/nma", 0, 2))],
            "rs": ent.choice(f"{i}/has_rs", (None, {"cluster_id": ent.int(f"{i}/cluster", 0, 65535), "shards": shards})),
        }
        yield case(f"Waku node record: {'+'.join(flags) or 'no capabilities'}, {len(inputs['multiaddrs'])} multiaddr(s)"
                   f"{', relay shards' if inputs['rs'] else ''}", inputs, compute_enr(inputs))
    for j in range(negatives(count)):
        yield _bad_enr(ent, j)


def _bad_enr(ent: Entropy, j: int) -> Vector:
    from statuscli.core.waku import enr as E

    raw = bytearray(E.build_enr(ent.private_key(f"bad/{j}/key"), ent.int(f"bad/{j}/seq", 1, 1000), ip="10.0.0.1", tcp=60000, waku2_flags=1))
    if j % 2 == 0:
        sig_at = 1 + (raw[0] - 0xF7 if raw[0] > 0xF7 else 0) + 2  # list header, then the 64-byte string's header
        raw[sig_at + ent.int(f"bad/{j}/pos", 0, 63)] ^= 0x01
        return case("a record with one signature bit flipped must be refused", {"enr": E.enr_text(bytes(raw))}, {"error": "bad-signature"},
                    must_fail=True)
    cut = E.enr_text(bytes(raw[: ent.int(f"bad/{j}/cut", 10, len(raw) - 1)]))
    return case("a truncated record must be refused", {"enr": cut}, {"error": "decode-error"}, must_fail=True)


GENERATORS = {"payload-v1": gen_payload_v1, "waku-message": gen_waku_message, "enr": gen_enr}
