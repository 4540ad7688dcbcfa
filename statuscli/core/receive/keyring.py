"""Which keys may open a message on a content topic: one ring per account, built once.

A :class:`TopicKey` is one way to open (or seal) messages on a content topic: a symmetric key
(PBKDF2 of the chat-id string, computed by whoever builds the ring — the app caches them in the
account database) or ``None`` for ECIES with the ring's private key (or the key's own
``private_key``, for keys given on the command line). The :class:`KeyRing` maps content topics to
their keys, plus keys to try on every topic (``envelope inspect --key/--sym-key/--password``).
Sans-IO: nothing here derives a PBKDF2 key or reads a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from statuscli.core.encoding import to_hex
from statuscli.core.topics.sharding import STATUS_DEFAULT_PUBSUB_TOPIC

#: the overhead of an ECIES payload: only data at least this long, starting with 0x04, can be one
ECIES_MIN_SIZE = 114
ECIES_LEAD_BYTE = 4


@dataclass(frozen=True)
class TopicKey:
    """One way to open (or seal) messages on a content topic."""

    kind: str  # partitioned | personal | negotiated | contact-code | public | given
    name: str  # the chat-id string hashed into the topic
    content_topic: str
    sym_key: bytes | None = None  # None: ECIES (opened with the ring's private key / sealed to ``peer``)
    peer: bytes | None = None  # 65-byte key of the peer a negotiated/contact-code/partitioned topic belongs to
    channel: str | None = None  # public channel name
    pubsub_topic: str = STATUS_DEFAULT_PUBSUB_TOPIC
    label: str = field(default="", compare=False)  # how ``envelope inspect`` names it
    private_key: bytes | None = field(default=None, compare=False, repr=False)  # ECIES key of its own

    @property
    def symmetric(self) -> bool:
        return self.sym_key is not None

    def to_json(self) -> dict:
        out = {"kind": self.kind, "content_topic": self.content_topic, "pubsub_topic": self.pubsub_topic,
               "encryption": "symmetric" if self.symmetric else "asymmetric"}  # fmt: skip
        if self.channel is not None:
            out["channel"] = self.channel
        if self.peer is not None:
            out["peer"] = to_hex(self.peer)
        return out


@dataclass
class KeyRing:
    """content topic → the keys that may open a message on it (an account's listening set)."""

    by_topic: dict[str, list[TopicKey]] = field(default_factory=dict)
    private_key: bytes | None = None  # our chat key: opens the ECIES topics
    me: bytes | None = None  # our 65-byte public key (1:1 chat ids name it; our echoes carry it)
    anywhere: list[TopicKey] = field(default_factory=list)  # tried on every topic, after the topic's own

    def add(self, key: TopicKey) -> None:
        keys = self.by_topic.setdefault(key.content_topic, [])
        if key not in keys:
            keys.append(key)

    def get(self, content_topic: str | None) -> list[TopicKey]:
        return self.by_topic.get(content_topic, []) if content_topic is not None else []

    def candidates(self, content_topic: str | None) -> list[TopicKey]:
        return self.get(content_topic) + self.anywhere

    def knows(self, content_topic: str) -> bool:
        return content_topic in self.by_topic

    @property
    def content_topics(self) -> list[str]:
        return sorted(self.by_topic)

    def to_json(self) -> list[dict]:
        return [k.to_json() for ct in self.content_topics for k in self.by_topic[ct]]

    def ecies_key(self, key: TopicKey) -> bytes | None:
        return key.private_key if key.private_key is not None else self.private_key


def could_be_ecies(payload: bytes) -> bool:
    """An ECIES payload starts with an uncompressed ephemeral key: skip the attempt when it cannot be one."""
    return len(payload) >= ECIES_MIN_SIZE and payload[0] == ECIES_LEAD_BYTE
