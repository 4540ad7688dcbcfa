"""Waku v2 pubsub topics, named content topics and autosharding (waku spec §3.4).

* Static shard pubsub topic: ``/waku/2/rs/<cluster>/<shard>``, both decimal uint16; the parser
  wants that exact prefix and exactly two further parts.
* Status publishes everything it does not route to a community on ``/waku/2/rs/16/32``
  (cluster 16, shard 32); community-addressed traffic goes on shard 64.
* Named content topic: ``/{application}/{version}/{name}/{encoding}`` or with a generation prefix
  ``/{gen}/{application}/{version}/{name}/{encoding}``; all parts non-empty; only generation 0.
* Autosharding (generation 0): ``h = SHA-256(utf8(application) ‖ utf8(version))``,
  ``shard = BE-uint64(h[24:32]) mod shards_in_cluster``. Name and encoding do not matter.
"""

from __future__ import annotations

from typing import NamedTuple

from statuscli.core.crypto.hashing import sha256
from statuscli.core.errors import MalformedTopic

STATUS_CLUSTER = 16
STATUS_DEFAULT_SHARD = 32
STATUS_NON_PROTECTED_SHARD = 64
#: The Waku Network (TWN) defaults, also js-waku's: cluster 1, 8 shards.
TWN_CLUSTER = 1
TWN_SHARDS = 8
STATIC_SHARD_PREFIX = "/waku/2/rs/"
MAX_UINT16 = 0xFFFF


class StaticShard(NamedTuple):
    cluster_id: int
    shard_id: int

    @property
    def pubsub_topic(self) -> str:
        return static_shard_topic(self.cluster_id, self.shard_id)


class NamedContentTopic(NamedTuple):
    generation: int | None  # None when the topic has no generation prefix (= generation 0)
    application: str
    version: str
    name: str
    encoding: str

    def __str__(self) -> str:
        gen = "" if self.generation is None else f"/{self.generation}"
        return f"{gen}/{self.application}/{self.version}/{self.name}/{self.encoding}"


class ShardAssignment(NamedTuple):
    content_topic: NamedContentTopic
    cluster_id: int
    shards: int
    shard_id: int
    hash: bytes  # SHA-256(application ‖ version)

    @property
    def pubsub_topic(self) -> str:
        return static_shard_topic(self.cluster_id, self.shard_id)


def _uint16(value: int, what: str) -> int:
    if not 0 <= value <= MAX_UINT16:
        raise MalformedTopic(f"{what} must be 0..{MAX_UINT16}, got {value}")
    return value


def static_shard_topic(cluster_id: int, shard_id: int) -> str:
    return f"{STATIC_SHARD_PREFIX}{_uint16(cluster_id, 'cluster id')}/{_uint16(shard_id, 'shard id')}"


STATUS_DEFAULT_PUBSUB_TOPIC = static_shard_topic(STATUS_CLUSTER, STATUS_DEFAULT_SHARD)
STATUS_NON_PROTECTED_PUBSUB_TOPIC = static_shard_topic(STATUS_CLUSTER, STATUS_NON_PROTECTED_SHARD)


def _decimal(text: str) -> int | None:
    return int(text) if text.isdigit() and text.isascii() else None


def parse_static_shard_topic(text: str) -> StaticShard:
    """``/waku/2/rs/<cluster>/<shard>`` → (cluster_id, shard_id)."""
    hint = "expected /waku/2/rs/<cluster>/<shard>, e.g. /waku/2/rs/16/32"
    if not text.startswith(STATIC_SHARD_PREFIX):
        raise MalformedTopic(f"not a static-shard pubsub topic (invalid format): {text!r}", hint=hint)
    parts = text[len(STATIC_SHARD_PREFIX):].split("/")
    if len(parts) != 2:
        raise MalformedTopic(f"invalid static-shard pubsub topic (need exactly cluster and shard): {text!r}", hint=hint)
    cluster, shard = (_decimal(p) for p in parts)
    if cluster is None or shard is None:
        raise MalformedTopic(f"invalid cluster id or shard in {text!r}: both are decimal numbers", hint=hint)
    return StaticShard(_uint16(cluster, "cluster id"), _uint16(shard, "shard id"))


_STRUCTURE_HINT = "expected /<application>/<version>/<name>/<encoding> or /<gen>/<application>/<version>/<name>/<encoding>"


def parse_named_content_topic(text: str) -> NamedContentTopic:
    """Parse a Waku v2 content topic (generation 0 only)."""
    if not text.startswith("/"):
        raise MalformedTopic(f"invalid content topic structure (must start with '/'): {text!r}", hint=_STRUCTURE_HINT)
    parts = text[1:].split("/")
    if len(parts) == 4:
        generation = None
        app, version, name, encoding = parts
    elif len(parts) == 5:
        generation = _decimal(parts[0])
        if generation is None:
            raise MalformedTopic(f"invalid content topic: generation should be a numeric value, got {parts[0]!r}",
                                 hint=_STRUCTURE_HINT)
        if generation > 0:
            raise MalformedTopic(f"content topic generation {generation}: generation > 0 is not supported yet")
        app, version, name, encoding = parts[1:]
    else:
        raise MalformedTopic(f"invalid content topic structure ({len(parts)} parts): {text!r}", hint=_STRUCTURE_HINT)
    for value, what in ((app, "application"), (version, "version"), (name, "topic name"), (encoding, "encoding")):
        if not value:
            raise MalformedTopic(f"invalid content topic {text!r}: the {what} field cannot be empty", hint=_STRUCTURE_HINT)
    return NamedContentTopic(generation, app, version, name, encoding)


def autoshard(content_topic: str | NamedContentTopic, shards: int = TWN_SHARDS, cluster_id: int = TWN_CLUSTER) -> ShardAssignment:
    """The shard a content topic lives on under autosharding with ``shards`` shards in the cluster."""
    ct = content_topic if isinstance(content_topic, NamedContentTopic) else parse_named_content_topic(content_topic)
    if (ct.generation or 0) > 0:
        raise MalformedTopic(f"content topic generation {ct.generation}: generation > 0 is not supported yet")
    if not 1 <= shards <= MAX_UINT16 + 1:
        raise MalformedTopic(f"the number of shards must be 1..{MAX_UINT16 + 1}, got {shards}")
    h = sha256(ct.application.encode("utf-8") + ct.version.encode("utf-8"))
    shard = int.from_bytes(h[24:32], "big") % shards
    return ShardAssignment(ct, _uint16(cluster_id, "cluster id"), shards, shard, h)
