"""The chat-id string each kind of Status chat hashes into its topic (status spec §2.2).

| kind          | string hashed                                      | Waku-layer encryption          |
|---------------|----------------------------------------------------|--------------------------------|
| partitioned   | ``contact-discovery-`` + decimal(X mod 5000)       | ECIES to the recipient key     |
| negotiated    | lowercase hex of the 32-byte ECDH X secret, no 0x  | symmetric, PBKDF2(that string) |
| contact-code  | ``0x`` + hex(uncompressed pub) + ``-contact-code`` | symmetric, PBKDF2(that string) |
| personal      | ``contact-discovery-`` + hex(uncompressed pub)     | ECIES to that key              |
| public        | the channel name                                   | symmetric, PBKDF2(name)        |
| name          | any string given as is                             | (whatever the caller uses)     |

Everything is published on ``/waku/2/rs/16/32`` unless it belongs to a community.
The PBKDF2 key (65356 rounds) is NOT computed here: :func:`symmetric_key` does it on request.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core.crypto import secp256k1
from statuscli.core.errors import InvalidInput, MalformedTopic, UsageError
from statuscli.core.topics import sharding, wire

PARTITIONS = 5000
DISCOVERY_CHAT_ID = "contact-discovery"
PERSONAL_PREFIX = "contact-discovery-"
CONTACT_CODE_SUFFIX = "-contact-code"
NEGOTIATED_SUFFIX = "-negotiated"

#: kind → (what VALUE is, Waku-layer encryption)
KINDS: dict[str, tuple[str, str]] = {
    "contact-code": ("public key", "symmetric"),
    "partitioned": ("public key", "asymmetric"),
    "negotiated": ("32-byte shared secret (hex)", "symmetric"),
    "public": ("channel name", "symmetric"),
    "personal": ("public key", "asymmetric"),
    "name": ("topic string", "symmetric"),
}


def partition(pub: bytes) -> int:
    """X coordinate of the key, mod 5000."""
    return secp256k1.x_coordinate(pub) % PARTITIONS


def partitioned_chat_id(pub: bytes) -> str:
    return f"{PERSONAL_PREFIX}{partition(pub)}"


def personal_chat_id(pub: bytes) -> str:
    return PERSONAL_PREFIX + secp256k1.decompress(pub).hex()


def contact_code_chat_id(pub: bytes) -> str:
    return "0x" + secp256k1.decompress(pub).hex() + CONTACT_CODE_SUFFIX


def negotiated_secret(my_private_key: bytes, their_public_key: bytes) -> bytes:
    """The static shared secret of two identities: ECDH X coordinate, 32 bytes."""
    return secp256k1.ecdh_x(my_private_key, their_public_key)


def negotiated_chat_id(secret: bytes) -> str:
    if len(secret) != 32:
        raise InvalidInput(f"a negotiated-topic secret is 32 bytes, got {len(secret)}")
    return secret.hex()


def negotiated_filter_id(their_public_key: bytes) -> str:
    """status-go's filter chat id for a negotiated topic (not what is hashed)."""
    return "0x" + secp256k1.decompress(their_public_key).hex() + NEGOTIATED_SUFFIX


def public_chat_id(name: str) -> str:
    if not name:
        raise MalformedTopic("a public chat name cannot be empty")
    return name


@dataclass(frozen=True)
class TopicInfo:
    """A chat-id string and everything derived from it on the wire."""

    kind: str
    name: str  # the chat-id string that is hashed
    topic: bytes
    pubsub_topic: str = sharding.STATUS_DEFAULT_PUBSUB_TOPIC
    partition: int | None = None

    @property
    def content_topic(self) -> str:
        return wire.content_topic(self.topic)

    @property
    def bloom(self) -> bytes:
        return wire.topic_to_bloom(self.topic)

    @property
    def encryption(self) -> str:
        return KINDS.get(self.kind, ("", "symmetric"))[1]

    def to_json(self) -> dict:
        out = {
            "kind": self.kind,
            "name": self.name,
            "topic": wire.topic_text(self.topic),
            "content_topic": self.content_topic,
            "pubsub_topic": self.pubsub_topic,
            "bloom": "0x" + self.bloom.hex(),
            "encryption": self.encryption,
        }
        if self.partition is not None:
            out["partition"] = self.partition
        return out


def describe(chat_id: str, kind: str = "name", *, pubsub_topic: str = sharding.STATUS_DEFAULT_PUBSUB_TOPIC,
             partition: int | None = None) -> TopicInfo:
    return TopicInfo(kind=kind, name=chat_id, topic=wire.to_topic(chat_id), pubsub_topic=pubsub_topic, partition=partition)


def for_public_key(kind: str, pub: bytes) -> TopicInfo:
    """Topic of a key-based kind (contact-code, partitioned, personal) for a 33/65-byte key."""
    if kind == "contact-code":
        return describe(contact_code_chat_id(pub), kind)
    if kind == "partitioned":
        return describe(partitioned_chat_id(pub), kind, partition=partition(pub))
    if kind == "personal":
        return describe(personal_chat_id(pub), kind)
    raise UsageError(f"{kind!r} is not a public-key topic kind")


def compute(kind: str, value: str | bytes) -> TopicInfo:
    """Topic of ``kind`` for ``value``: a 33/65-byte key, a 32-byte secret, or a string."""
    if kind not in KINDS:
        raise UsageError(f"unknown topic kind {kind!r} (one of: {', '.join(KINDS)})")
    if kind in ("contact-code", "partitioned", "personal"):
        if not isinstance(value, (bytes, bytearray)):
            raise UsageError(f"topic kind {kind!r} takes a public key")
        return for_public_key(kind, bytes(value))
    if kind == "negotiated":
        if not isinstance(value, (bytes, bytearray)):
            raise UsageError("topic kind 'negotiated' takes the 32-byte secret")
        return describe(negotiated_chat_id(bytes(value)), kind)
    if not isinstance(value, str):
        raise UsageError(f"topic kind {kind!r} takes a string")
    if kind == "public":
        return describe(public_chat_id(value), kind)
    return describe(value, kind)


def symmetric_key(info: TopicInfo) -> bytes | None:
    """PBKDF2 key of a symmetric topic (65356 rounds, ~tens of ms); None for ECIES kinds."""
    if info.encryption != "symmetric":
        return None
    from statuscli.core.crypto.symmetric import symkey_from_password

    return symkey_from_password(info.name)
