"""core/topics against the topics/symmetric-keys vectors (status.json) and topics/autosharding (waku.json)."""

from __future__ import annotations

import pytest

from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.symmetric import symkey_from_password
from statuscli.core.errors import MalformedTopic
from statuscli.core.topics import chat, sharding, wire
from tests.conftest import vector_id, vectors


def _check_wire(chat_id: str, e: dict) -> None:
    topic = wire.to_topic(chat_id)
    assert wire.topic_text(topic) == e["waku_topic"]
    assert wire.content_topic(topic) == e["content_topic"]
    assert wire.parse_content_topic(e["content_topic"]) == topic
    if "bloom_64_bytes" in e:
        assert wire.topic_to_bloom(topic).hex() == e["bloom_64_bytes"]
        assert wire.bloom_matches(bytes.fromhex(e["bloom_64_bytes"]), topic)


# --- status.json: topics --------------------------------------------------------------------
@pytest.mark.parametrize("v", vectors("status.json", "topics"), ids=vector_id)
def test_status_topics(v):
    i, e = v["inputs"], v["expected"]
    if "bytes_hex" in i:
        assert wire.topic_text(wire.bytes_to_topic(bytes.fromhex(i["bytes_hex"]))) == e["topic"]
    elif "private_key" in i:  # partitioned
        pub = secp256k1.public_key(bytes.fromhex(i["private_key"]))
        assert chat.partition(pub) == e["partition"]
        assert chat.partitioned_chat_id(pub) == e["chat_id"]
        info = chat.compute("partitioned", pub)
        assert info.name == e["chat_id"] and info.partition == e["partition"]
    elif "my_private" in i:  # negotiated
        their = bytes.fromhex(i["their_public"])
        secret = chat.negotiated_secret(bytes.fromhex(i["my_private"]), their)
        assert secret.hex() == e["shared_secret"]
        info = chat.compute("negotiated", secret)
        assert info.name == e["topic_string_hashed"]
        assert chat.negotiated_filter_id(their) == e["filter_chat_id"]
        _check_wire(info.name, e)
        assert chat.symmetric_key(info).hex() == e["symmetric_key_pbkdf2"]
    else:
        chat_id = i["chat_id_string"]
        _check_wire(chat_id, e)
        if chat_id.endswith("-contact-code"):
            pub = bytes.fromhex(chat_id[2:-len("-contact-code")])
            assert chat.contact_code_chat_id(pub) == chat_id
            assert chat.compute("contact-code", secp256k1.compress(pub)).name == chat_id
        elif chat_id.startswith("contact-discovery-"):
            pub = bytes.fromhex(chat_id[len("contact-discovery-"):])
            assert chat.personal_chat_id(pub) == chat_id
            assert chat.compute("personal", pub).name == chat_id
        else:
            assert chat_id == chat.DISCOVERY_CHAT_ID
            assert chat.compute("name", chat_id).to_json()["topic"] == e["waku_topic"]


@pytest.mark.parametrize("v", vectors("status.json", "symmetric-keys"), ids=vector_id)
def test_symmetric_keys(v):
    password = v["inputs"]["password"]
    assert symkey_from_password(password).hex() == v["expected"]["symmetric_key"]
    info = chat.compute("public", password)
    assert chat.symmetric_key(info).hex() == v["expected"]["symmetric_key"]


# --- waku.json: topic parsing ---------------------------------------------------------------
def _keyword(expected_error: str) -> str:
    """The word our message must share with upstream's: the empty field, 'generation', or the structure."""
    low = expected_error.lower()
    if "structure" in low or "format" in low:
        return "content topic"
    for word in ("application", "topic name", "encoding", "generation"):
        if word in low:
            return word
    raise AssertionError(f"unclassified upstream error {expected_error!r}")


@pytest.mark.parametrize("v", vectors("waku.json", "topics", "content_topic_parse"), ids=vector_id)
def test_named_content_topic_parse(v):
    text, e = v["inputs"]["content_topic"], v["expected"]
    if "error" in e:
        with pytest.raises(MalformedTopic) as err:
            sharding.parse_named_content_topic(text)
        assert _keyword(e["error"]) in err.value.message.lower()
        return
    ct = sharding.parse_named_content_topic(text)
    assert ct.generation == e["generation"]
    assert (ct.application, ct.version, ct.name, ct.encoding) == (e["application"], e["version"], e["name"], e["encoding"])
    assert str(ct) == text


@pytest.mark.parametrize("v", vectors("waku.json", "topics", "pubsub_topic_parse"), ids=vector_id)
def test_static_shard_pubsub_topic_parse(v):
    text, e = v["inputs"]["pubsub_topic"], v["expected"]
    if "error" in e:
        with pytest.raises(MalformedTopic):
            sharding.parse_static_shard_topic(text)
        return
    shard = sharding.parse_static_shard_topic(text)
    assert (shard.cluster_id, shard.shard_id) == (e["cluster_id"], e["shard_id"])
    assert shard.pubsub_topic == text


def test_every_waku_topics_vector_is_in_a_known_subcategory():
    subs = {v.get("subcategory") for v in vectors("waku.json", "topics")}
    assert subs == {"content_topic_parse", "pubsub_topic_parse"}


# --- waku.json: autosharding ----------------------------------------------------------------
@pytest.mark.parametrize("v", vectors("waku.json", "autosharding"), ids=vector_id)
def test_autosharding(v):
    i, e = v["inputs"], v["expected"]
    kwargs = {}
    if "num_shards_in_cluster" in i:
        kwargs["shards"] = i["num_shards_in_cluster"]
    if "cluster_id" in i:
        kwargs["cluster_id"] = i["cluster_id"]
    if "error" in e:
        with pytest.raises(MalformedTopic, match="generation"):
            sharding.autoshard(i["content_topic"], **kwargs)
        return
    a = sharding.autoshard(i["content_topic"], **kwargs)
    if "shard" in e:
        assert a.shard_id == e["shard"]
    if "sha256_app_version_hex" in e:
        assert a.hash.hex() == e["sha256_app_version_hex"]
    if "last8_be_uint64" in e:
        assert int.from_bytes(a.hash[24:], "big") == e["last8_be_uint64"]
    if "pubsub_topic" in e:
        assert a.pubsub_topic == e["pubsub_topic"]


# --- other rules ----------------------------------------------------------------------------
def test_status_default_pubsub_topics():
    assert sharding.STATUS_DEFAULT_PUBSUB_TOPIC == "/waku/2/rs/16/32"
    assert sharding.STATUS_NON_PROTECTED_PUBSUB_TOPIC == "/waku/2/rs/16/64"


def test_bloom_is_assignment_not_or():
    # bytes 0 and 1 of the topic point into the same bloom byte: only the last bit survives
    topic = bytes([0x01, 0x02, 0x80, 0x00])
    bloom = wire.topic_to_bloom(topic)
    assert bloom[0] == 1 << 2  # index 1 (bit 1) was overwritten by index 2 (bit 2)
    assert bloom[16] == 1
    assert wire.combine_blooms([bloom, wire.FULL_BLOOM]) == wire.FULL_BLOOM


def test_bloom_high_bits_from_topic_byte_3():
    topic = bytes([0x00, 0x00, 0x00, 0x07])
    bloom = wire.topic_to_bloom(topic)
    assert bloom[32] == 1 and sum(1 for b in bloom if b) == 1


@pytest.mark.parametrize(
    "text",
    ["/waku/1/0x1234/rfc27", "/waku/2/0x12345678/rfc26", "waku/1/0x12345678/rfc26", "/waku/1/12345678/rfc26",
     "/waku/1/0xzz345678/rfc26", "/waku/1/0x12345678/rfc26/x"],
)
def test_malformed_status_content_topics(text):
    with pytest.raises(MalformedTopic):
        wire.parse_content_topic(text)


def test_status_content_topic_pads_short_topics_like_status_go():
    assert wire.parse_content_topic("/waku/1/0x01/rfc26") == bytes([1, 0, 0, 0])


@pytest.mark.parametrize("text", ["/waku/2/rs/65536/1", "/waku/2/rs/1/-1", "/waku/2/rs//1", "/waku/2/rs/1/ 2"])
def test_malformed_static_shards(text):
    with pytest.raises(MalformedTopic):
        sharding.parse_static_shard_topic(text)


def test_autoshard_rejects_zero_shards_and_bad_topics():
    with pytest.raises(MalformedTopic):
        sharding.autoshard("/app/1/x/proto", shards=0)
    with pytest.raises(MalformedTopic):
        sharding.autoshard("app/1/x/proto")


def test_unknown_kind_is_a_usage_error():
    from statuscli.core.errors import UsageError

    with pytest.raises(UsageError):
        chat.compute("private-group", "x")


def test_asymmetric_kinds_have_no_symmetric_key():
    pub = secp256k1.public_key(b"\x01" * 32)
    assert chat.symmetric_key(chat.compute("personal", pub)) is None
    assert chat.symmetric_key(chat.compute("partitioned", pub)) is None
