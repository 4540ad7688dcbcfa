"""core/topics codecs: round trips and typed errors on garbage (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.errors import MalformedTopic, StatusCliError
from statuscli.core.topics import sharding, wire

part = st.text(alphabet=st.characters(blacklist_characters="/", blacklist_categories=("Cs",)), min_size=1, max_size=12)


@given(st.binary(min_size=4, max_size=4))
def test_content_topic_round_trip(topic):
    assert wire.parse_content_topic(wire.content_topic(topic)) == topic
    assert wire.parse_topic_text(wire.topic_text(topic)) == topic


@given(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))
def test_static_shard_round_trip(cluster, shard):
    assert sharding.parse_static_shard_topic(sharding.static_shard_topic(cluster, shard)) == (cluster, shard)


@given(part, part, part, part, st.booleans())
def test_named_content_topic_round_trip(app, version, name, encoding, with_gen):
    text = ("/0" if with_gen else "") + f"/{app}/{version}/{name}/{encoding}"
    ct = sharding.parse_named_content_topic(text)
    assert str(ct) == text
    a = sharding.autoshard(ct, shards=8)
    assert 0 <= a.shard_id < 8
    assert a.shard_id == sharding.autoshard(f"/{app}/{version}/other/enc", shards=8).shard_id  # name/encoding do not matter


@given(st.text(max_size=60))
@settings(max_examples=300)
def test_garbage_topics_give_typed_errors(text):
    for parse in (wire.parse_content_topic, wire.parse_topic_text, sharding.parse_static_shard_topic,
                  sharding.parse_named_content_topic, sharding.autoshard):
        try:
            parse(text)
        except MalformedTopic:
            pass
        except StatusCliError as e:  # pragma: no cover - would be a wrong error class
            raise AssertionError(f"{parse.__name__} raised {type(e).__name__}") from e


@given(st.lists(st.binary(min_size=4, max_size=4), min_size=1, max_size=5))
def test_combined_bloom_matches_each_topic(topics):
    bloom = wire.combine_blooms(wire.topic_to_bloom(t) for t in topics)
    assert all(wire.bloom_matches(bloom, t) for t in topics)
