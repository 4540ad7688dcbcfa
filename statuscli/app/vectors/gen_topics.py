"""Generated ``topics`` vectors: every kind of Status chat topic, and Waku autosharding.

Kinds rotate per vector: public channel, contact code, partitioned, personal, negotiated (two
identities), and an autosharded named content topic. Must-fail vectors hold malformed content
topics (Status ``/waku/1/0x…/rfc26`` and named ``/app/1/name/enc`` forms).
"""

from __future__ import annotations

from collections.abc import Iterator

from statuscli.app.vectors.entropy import Entropy
from statuscli.app.vectors.schema import Vector, case, negatives

KINDS = ("public", "contact-code", "partitioned", "personal", "negotiated", "autoshard")
ENCODINGS = ("proto", "rfc26", "json", "cbor")


def compute_topic(inputs: dict) -> dict:
    from statuscli.app.vectors.checking import h
    from statuscli.core.topics import chat, sharding

    kind = inputs["kind"]
    if kind == "autoshard":
        a = sharding.autoshard(inputs["content_topic"], shards=inputs["shards"], cluster_id=inputs["cluster_id"])
        return {"shard": a.shard_id, "pubsub_topic": a.pubsub_topic, "sha256_app_version": a.hash.hex()}
    extra = {}
    if kind == "public":
        info = chat.compute(kind, inputs["name"])
    elif kind == "negotiated":
        secret = chat.negotiated_secret(h(inputs["my_private"]), h(inputs["their_public"]))
        extra["shared_secret"] = secret.hex()
        info = chat.compute(kind, secret)
    else:
        info = chat.compute(kind, h(inputs["public_key"]))
    j = info.to_json()
    out = {"chat_id": j["name"], "topic": j["topic"], "content_topic": j["content_topic"], "bloom": j["bloom"], "encryption": j["encryption"]}
    if "partition" in j:
        out["partition"] = j["partition"]
    out.update(extra)
    key = chat.symmetric_key(info)
    if key is not None:
        out["symmetric_key"] = key.hex()
    return out


def _inputs(ent: Entropy, i: int, kind: str) -> tuple[dict, str]:
    from statuscli.core.crypto import secp256k1

    if kind == "public":
        name = ent.word(f"{i}/name", 3, 16)
        return {"kind": kind, "name": name}, f"public channel #{name}: chat id, topic, bloom and PBKDF2 symmetric key"
    if kind == "negotiated":
        mine, theirs = ent.private_key(f"{i}/mine"), ent.private_key(f"{i}/theirs")
        inputs = {"kind": kind, "my_private": mine.hex(), "their_public": "0x" + secp256k1.public_key(theirs).hex()}
        return inputs, "negotiated topic of two identities: ECDH secret, chat id, topic and symmetric key"
    if kind == "autoshard":
        app, name = ent.word(f"{i}/app", 3, 12), ent.word(f"{i}/topic", 3, 12)
        version = str(ent.int(f"{i}/version", 0, 9))
        prefix = "/0" if ent.int(f"{i}/generation", 0, 1) else ""
        topic = f"{prefix}/{app}/{version}/{name}/{ent.choice(f'{i}/encoding', ENCODINGS)}"
        cluster, shards = ent.choice(f"{i}/cluster", ((1, 8), (16, 8), (ent.int(f"{i}/c", 2, 65535), ent.int(f"{i}/s", 1, 1024))))
        return {"kind": kind, "content_topic": topic, "cluster_id": cluster, "shards": shards}, f"autosharding of {topic} over {shards} shards"
    pub = secp256k1.public_key(ent.private_key(f"{i}/key"))
    return {"kind": kind, "public_key": "0x" + pub.hex()}, f"{kind} topic of a chat key"


def _bad_topic(ent: Entropy, j: int) -> tuple[dict, str]:
    app, name, hexed = ent.word(f"bad/{j}/app", 3, 8), ent.word(f"bad/{j}/name", 3, 8), ent.bytes(f"bad/{j}/topic", 4).hex()
    forms = (
        ("status", f"/waku/1/0x{hexed[:5]}z/rfc26", "a Status content topic whose topic is not hex"),
        ("status", f"/waku/2/0x{hexed}/rfc26", "a Status content topic of the wrong version"),
        ("status", f"/waku/1/0x{hexed}/rfc27", "a Status content topic with another encoding than rfc26"),
        ("named", f"/{app}/1/{name}", "a named content topic without its encoding"),
        ("named", f"/{app}//{name}/proto", "a named content topic with an empty version"),
        ("named", f"/1/{app}/1/{name}/proto", "a named content topic of an unsupported generation"),
        ("named", f"{app}/1/{name}/proto", "a content topic not starting with '/'"),
    )
    form, text, why = forms[j % len(forms)]
    return {"kind": "content-topic", "form": form, "content_topic": text}, why


def parse_content_topic(inputs: dict) -> object:
    from statuscli.core.topics import sharding, wire

    if inputs["form"] == "status":
        return wire.parse_content_topic(inputs["content_topic"])
    return sharding.autoshard(inputs["content_topic"])


def gen_topics(ent: Entropy, count: int) -> Iterator[Vector]:
    for i in range(count):
        inputs, why = _inputs(ent, i, KINDS[i % len(KINDS)])
        yield case(why, inputs, compute_topic(inputs))
    for j in range(negatives(count)):
        inputs, why = _bad_topic(ent, j)
        yield case(f"{why} must be refused", inputs, {"error": "malformed-topic"}, must_fail=True)


GENERATORS = {"topics": gen_topics}
