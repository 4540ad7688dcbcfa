"""The Waku layer of a Status message: payload v1 (signed with the chat key, ECIES or AES-GCM) inside a
WakuMessage (version 1, timestamp in ns, the chat's content topic). The way back is the receive
peel's (:mod:`statuscli.core.receive.peel`).

    seal(data, topic, *, signing_key, now_ns, rng) -> Envelope

Sealing follows ``wakuv2/api.go:Post``: random padding to a multiple of 256, signature by the
sender's identity key, ECIES to the recipient for partitioned/personal topics, AES-256-GCM with a
random nonce for the others, ``meta`` empty but present. Large payloads are cut into segments
first (:func:`split`): status-go cuts above 786 432 bytes, but a Waku relay refuses messages over
150 KiB, so we cut at :data:`SEGMENT_SIZE` — receivers reassemble any segment size.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.app.messaging.topics import TopicKey
from statuscli.core.crypto import secp256k1
from statuscli.core.encoding import to_hex
from statuscli.core.waku import message as wm
from statuscli.core.waku import payload_v1

#: bytes of Waku payload data per segment: keeps every WakuMessage under a relay's 150 KiB limit
SEGMENT_SIZE = 100_000


@dataclass(frozen=True)
class Envelope:
    """One WakuMessage ready to publish (or printed by ``--dry-run``)."""

    data: bytes  # encoded WakuMessage
    pubsub_topic: str
    content_topic: str
    timestamp_ns: int
    hash: bytes  # deterministic message hash
    kind: str  # topic kind it was sealed for
    encryption: str  # "asymmetric" | "symmetric"

    def to_json(self) -> dict:
        return {
            "hash": to_hex(self.hash),
            "pubsub_topic": self.pubsub_topic,
            "content_topic": self.content_topic,
            "topic_kind": self.kind,
            "encryption": self.encryption,
            "timestamp": self.timestamp_ns,
            "size": len(self.data),
            "envelope": to_hex(self.data),
        }


def split(data: bytes) -> list[bytes]:
    from statuscli.core.payloads import segmentation

    return segmentation.segment(data, SEGMENT_SIZE)


def seal(data: bytes, topic: TopicKey, *, signing_key: bytes, now_ns: int, rng) -> Envelope:
    """One signed, encrypted WakuMessage carrying ``data`` on ``topic``."""
    padding = payload_v1.auto_padding(len(data), True, rng)
    if topic.sym_key is not None:
        body = payload_v1.seal_symmetric(data, topic.sym_key, padding=padding, nonce=rng(12), signing_key=signing_key)
        how = "symmetric"
    else:
        if topic.peer is None:
            raise ValueError("an asymmetric topic needs the recipient key")
        eph = secp256k1.generate_private_key(rng)
        body = payload_v1.seal_asymmetric(data, topic.peer, padding=padding, ephemeral_key=eph, iv=rng(16), signing_key=signing_key)
        how = "asymmetric"
    msg = wm.WakuMessage(payload=body, content_topic=topic.content_topic, version=1, timestamp=now_ns, meta=b"", ephemeral=False)
    raw = wm.encode(msg)
    return Envelope(raw, topic.pubsub_topic, topic.content_topic, now_ns, wm.message_hash(topic.pubsub_topic, msg), topic.kind, how)


def seal_all(data: bytes, topic: TopicKey, *, signing_key: bytes, now_ns: int, rng) -> list[Envelope]:
    """``data`` sealed on ``topic``, one envelope per segment when it is large."""
    return [seal(part, topic, signing_key=signing_key, now_ns=now_ns + i, rng=rng) for i, part in enumerate(split(data))]
