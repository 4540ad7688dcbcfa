"""Topics: Status chat-id strings, 4-byte Waku topics, blooms, content topics and shards.

* :mod:`.chat` — the string each kind of Status chat hashes (spec status §2.2) and ``compute``.
* :mod:`.wire` — 4-byte topic, v1 bloom, the ``/waku/1/0x…/rfc26`` content topic (status §2.1, §2.5).
* :mod:`.sharding` — static-shard pubsub topics, named content topics, autosharding (waku §3.4).

All pure functions; malformed topics raise :class:`~statuscli.core.errors.MalformedTopic`.
"""
