"""Generated vectors of the message family: ``mvds`` (status-go's MVDS payloads) and
``app-message`` (a ChatMessage in a signed ApplicationMetadataMessage).

Must-fail vectors: bytes that are not an MVDS payload (empty, truncated, wrong wire type) and
wrappers whose signature recovers no key or whose bytes are cut short.
"""

from __future__ import annotations

from collections.abc import Iterator

from statuscli.app.vectors.checking import h
from statuscli.app.vectors.entropy import Entropy
from statuscli.app.vectors.schema import Vector, case, negatives


# --- MVDS ------------------------------------------------------------------------------------
def payload_of(inputs: dict):
    from statuscli.core.mvds import codec as C

    gid = C.one_to_one_group_id(h(inputs["public_key_1"]), h(inputs["public_key_2"]))
    return C.Payload(
        acks=tuple(h(a) for a in inputs.get("acks", [])),
        offers=tuple(h(a) for a in inputs.get("offers", [])),
        requests=tuple(h(a) for a in inputs.get("requests", [])),
        messages=tuple(C.Message(gid, m["timestamp"], h(m["body"])) for m in inputs.get("messages", [])),
    )


def compute_mvds(inputs: dict) -> dict:
    from statuscli.core.mvds import codec as C

    p = payload_of(inputs)
    gid = C.one_to_one_group_id(h(inputs["public_key_1"]), h(inputs["public_key_2"]))
    return {"group_id": gid.hex(), "message_ids": [m.id.hex() for m in p.messages], "payload_protobuf": C.encode_payload(p).hex()}


def gen_mvds(ent: Entropy, count: int) -> Iterator[Vector]:
    from statuscli.core.crypto import secp256k1

    for i in range(count):
        ids = lambda kind: [ent.bytes(f"{i}/{kind}/{k}", 32).hex() for k in range(ent.int(f"{i}/n{kind}", 0, 2))]  # noqa: E731
        inputs = {
            "public_key_1": "0x" + secp256k1.public_key(ent.private_key(f"{i}/a")).hex(),
            "public_key_2": "0x" + secp256k1.public_key(ent.private_key(f"{i}/b")).hex(),
            "messages": [{"timestamp": ent.int(f"{i}/ts/{k}", 1_600_000_000, 2_000_000_000),
                          "body": ent.bytes(f"{i}/body/{k}", ent.int(f"{i}/len/{k}", 0, 120)).hex()}
                         for k in range(ent.int(f"{i}/nmsg", 1, 3))],
            "acks": ids("ack"),
            "offers": ids("offer"),
            "requests": ids("request"),
        }
        yield case(f"MVDS payload of a 1:1 chat: {len(inputs['messages'])} message(s), {len(inputs['acks'])} ack(s), "
                   f"{len(inputs['offers'])} offer(s), {len(inputs['requests'])} request(s)", inputs, compute_mvds(inputs))
    for j in range(negatives(count)):
        kind = j % 3
        if kind == 0:
            raw, why = b"", "an empty payload (status-go does not treat it as MVDS)"
        elif kind == 1:
            good = bytes.fromhex(compute_mvds({
                "public_key_1": "0x" + secp256k1.public_key(ent.private_key(f"bad/{j}/a")).hex(),
                "public_key_2": "0x" + secp256k1.public_key(ent.private_key(f"bad/{j}/b")).hex(),
                "messages": [{"timestamp": 1, "body": ent.bytes(f"bad/{j}/body", 40).hex()}],
            })["payload_protobuf"])  # fmt: skip
            raw, why = good[: ent.int(f"bad/{j}/cut", 4, len(good) - 1)], "a payload cut inside a message"
        else:
            raw, why = b"\xc8\xb8\x02\x05", "an acks field (5001) with the varint wire type"
        yield case(f"{why} must be refused", {"payload_protobuf": raw.hex()}, {"error": "decode-error"}, must_fail=True)


# --- ApplicationMetadataMessage ----------------------------------------------------------------
def compute_app_message(inputs: dict) -> dict:
    from statuscli.core.crypto import secp256k1
    from statuscli.core.payloads import amm, chat, message_types

    payload = chat.encode(chat.build(**inputs["chat_message"]))
    raw = amm.wrap(payload, message_types.CHAT_MESSAGE, h(inputs["author_private"]))
    got = amm.unwrap(raw)
    return {
        "chat_message_protobuf": payload.hex(),
        "application_metadata_message_protobuf": raw.hex(),
        "signature": got.signature.hex(),
        "signer_public_key": "0x" + secp256k1.public_key(h(inputs["author_private"])).hex(),
        "message_id": "0x" + got.message_id.hex(),
    }


def gen_app_message(ent: Entropy, count: int) -> Iterator[Vector]:
    from statuscli.core.crypto import secp256k1

    for i in range(count):
        peer = "0x" + secp256k1.public_key(ent.private_key(f"{i}/peer")).hex()
        kind = ent.choice(f"{i}/kind", ("one-to-one", "public", "private-group"))
        chat_id = {"one-to-one": peer, "public": ent.word(f"{i}/channel"), "private-group": f"{_uuid(ent, i)}-{peer}"}[kind]
        clock = ent.int(f"{i}/clock", 1_600_000_000_000, 2_000_000_000_000)
        fields = {
            "chat_id": chat_id, "clock": clock, "timestamp": clock - ent.int(f"{i}/skew", 0, 5000),
            "text": " ".join(ent.word(f"{i}/w/{k}", 1, 9) for k in range(ent.int(f"{i}/nw", 1, 12))),
            "message_type": {"one-to-one": 1, "public": 2, "private-group": 3}[kind], "content_type": 1,
        }  # fmt: skip
        inputs = {"author_private": ent.private_key(f"{i}/author").hex(), "chat_message": fields}
        yield case(f"{kind} text ChatMessage, signed and wrapped: bytes, signer and message id", inputs, compute_app_message(inputs))
    for j in range(negatives(count)):
        yield _bad_wrapper(ent, j)


def _uuid(ent: Entropy, i: int) -> str:
    x = ent.bytes(f"{i}/uuid", 16).hex()
    return f"{x[:8]}-{x[8:12]}-4{x[13:16]}-a{x[17:20]}-{x[20:]}"


def _bad_wrapper(ent: Entropy, j: int) -> Vector:
    from statuscli.core.payloads import amm, message_types

    payload = ent.bytes(f"bad/{j}/payload", ent.int(f"bad/{j}/len", 8, 60))
    if j % 2 == 0:
        raw = amm.encode(payload, message_types.CHAT_MESSAGE, bytes(64) + bytes([ent.int(f"bad/{j}/v", 0, 1)]))
        return case("a wrapper whose signature (r = s = 0) recovers no key must be refused",
                    {"application_metadata_message_protobuf": raw.hex()}, {"error": "bad-signature"}, must_fail=True)
    good = amm.wrap(payload, message_types.CHAT_MESSAGE, ent.private_key(f"bad/{j}/key"))
    raw = good[: ent.int(f"bad/{j}/cut", 1, 60)]
    return case("a wrapper cut inside its signature must be refused", {"application_metadata_message_protobuf": raw.hex()},
                {"error": "decode-error"}, must_fail=True)


GENERATORS = {"mvds": gen_mvds, "app-message": gen_app_message}
