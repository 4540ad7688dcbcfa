"""The 4-byte Waku topic, the Waku v1 bloom filter, and Status's Waku v2 content topic.

* ``topic4 = keccak256(UTF-8(chat_id))[0:4]`` (status-go ``transport/topic.go:ToTopic``).
* Bytes → topic (``BytesToTopic``): truncate to 4 bytes or right-pad with zeros.
* Content topic: ``/waku/1/0x<8 lowercase hex>/rfc26``; parsing requires exactly the five
  ``/``-separated parts ``"", "waku", "1", 0x<hex>, "rfc26"``.
* v1 bloom (64 bytes): for j in 0..2, ``n_j = topic[j] + 256·bit_j(topic[3])`` and
  ``bloom[n_j // 8] = 1 << (n_j % 8)`` — assignment, not OR (an index sharing a byte with an
  earlier one replaces its bit). Blooms of several topics are OR-ed; a full node's is 64×0xFF.
"""

from __future__ import annotations

from collections.abc import Iterable

from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import MalformedTopic

TOPIC_LENGTH = 4
BLOOM_LENGTH = 64
FULL_BLOOM = b"\xff" * BLOOM_LENGTH
CONTENT_TOPIC_PREFIX = "/waku/1/"
CONTENT_TOPIC_SUFFIX = "/rfc26"


def to_topic(chat_id: str) -> bytes:
    """The 4-byte topic of a chat-id string."""
    return keccak256(chat_id.encode("utf-8"))[:TOPIC_LENGTH]


def bytes_to_topic(data: bytes) -> bytes:
    """status-go ``BytesToTopic``: the first 4 bytes, zero-padded on the right."""
    return bytes(data[:TOPIC_LENGTH]).ljust(TOPIC_LENGTH, b"\0")


def topic_text(topic: bytes) -> str:
    """``0x`` + 8 lowercase hex digits."""
    return "0x" + bytes_to_topic(topic).hex()


def parse_topic_text(text: str) -> bytes:
    t = text.strip()
    body = t[2:] if t[:2] in ("0x", "0X") else t
    if len(body) != 2 * TOPIC_LENGTH:
        raise MalformedTopic(f"a topic is 4 bytes (0x + 8 hex digits): {text!r}")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise MalformedTopic(f"a topic is 4 bytes (0x + 8 hex digits): {text!r}") from None


def content_topic(topic: bytes) -> str:
    """``/waku/1/0x…/rfc26`` of a 4-byte topic."""
    return CONTENT_TOPIC_PREFIX + topic_text(topic) + CONTENT_TOPIC_SUFFIX


def parse_content_topic(text: str) -> bytes:
    """The 4-byte topic inside a Status content topic (status-go ``ExtractTopicFromContentTopic``)."""
    parts = text.split("/")
    if len(parts) != 5 or parts[0] != "" or parts[1] != "waku" or parts[2] != "1" or parts[4] != "rfc26":
        raise MalformedTopic(
            f"not a Status content topic: {text!r}", hint="expected /waku/1/0x<8 hex digits>/rfc26"
        )
    if not parts[3].startswith("0x"):
        raise MalformedTopic(f"the topic in a content topic is 0x-prefixed hex: {text!r}")
    try:
        raw = bytes.fromhex(parts[3][2:])
    except ValueError:
        raise MalformedTopic(f"the topic in {text!r} is not hex") from None
    return bytes_to_topic(raw)


def topic_to_bloom(topic: bytes) -> bytes:
    """The 64-byte Waku v1 bloom filter of one 4-byte topic."""
    t = bytes_to_topic(topic)
    bloom = bytearray(BLOOM_LENGTH)
    for j in range(3):
        n = t[j] + (256 if t[3] & (1 << j) else 0)
        bloom[n // 8] = 1 << (n % 8)  # assignment, as status-go does
    return bytes(bloom)


def combine_blooms(blooms: Iterable[bytes]) -> bytes:
    out = bytearray(BLOOM_LENGTH)
    for b in blooms:
        if len(b) != BLOOM_LENGTH:
            raise MalformedTopic(f"a bloom filter is {BLOOM_LENGTH} bytes, got {len(b)}")
        for i, x in enumerate(b):
            out[i] |= x
    return bytes(out)


def bloom_matches(bloom: bytes, topic: bytes) -> bool:
    """True when every bit of ``topic``'s bloom is set in ``bloom``."""
    tb = topic_to_bloom(topic)
    return all((a & b) == b for a, b in zip(bloom, tb))
