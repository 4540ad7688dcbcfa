"""Checks of generated ``topics`` vectors."""

from __future__ import annotations

from statuscli.app.vectors.checking import compare, expect, expect_error
from statuscli.app.vectors.gen_topics import compute_topic, parse_content_topic


def check_topics(v: dict) -> None:
    from statuscli.core.topics import sharding, wire

    i, x = v["inputs"], v["expected"]
    if v.get("must_fail"):
        expect_error(lambda: parse_content_topic(i), x.get("error"))
        return
    compare(x, compute_topic(i))
    if "content_topic" in x:  # and back: the content topic holds the topic
        expect("topic parsed from the content topic", wire.topic_text(wire.parse_content_topic(x["content_topic"])), x.get("topic"))
    if "pubsub_topic" in x:
        shard = sharding.parse_static_shard_topic(x["pubsub_topic"])
        expect("pubsub topic parts", (shard.cluster_id, shard.shard_id), (i["cluster_id"], x.get("shard")))


CHECKS = {"topics": check_topics}
