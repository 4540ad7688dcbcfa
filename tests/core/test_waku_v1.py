"""Waku v1: envelopes (RLP, hash, PoW, sealing, acceptance), status options, mail-server requests."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.errors import DecodeError, InvalidInput, StatusCliError, TimeoutExpired
from statuscli.core.topics import wire as topics
from statuscli.core.waku import envelope_v1 as E
from statuscli.core.waku import mailserver as M
from statuscli.core.waku import v1_status as S
from tests.conftest import vectors

H = bytes.fromhex


@pytest.mark.parametrize("v", vectors("status.json", "waku-v1-envelope"), ids=lambda v: v["id"])
def test_status_go_pow_vectors(v):
    i = v["inputs"]
    env = E.Envelope(i["expiry"], i["ttl"], H(i["topic"][2:]), H(i["data"]), i["nonce"])
    assert env.pow() == v["expected"]["pow"]


@pytest.mark.parametrize("v", vectors("waku.json", "waku_v1", "waku_v1_pow"), ids=lambda v: v["description"][:40])
def test_waku_pow_vectors(v):
    i, x = v["inputs"], v["expected"]
    if "hash_hex" in i:  # calcPow(size, ttl, hash)
        assert E.calculate_pow(H(i["hash_hex"]), i["size"], i["ttl"]) == pytest.approx(x["pow"], rel=1e-12)
        return
    env = E.Envelope(i["expiry"], i["ttl"], H(i["topic_hex"]), H(i["data_hex"]), i["nonce"])
    assert env.rlp_without_nonce().hex() == x["short_rlp_hex"] and len(env.rlp_without_nonce()) == x["short_rlp_len"]
    assert env.pow_hash().hex() == x["pow_hash_hex"]
    assert E.leading_zero_bits(env.pow_hash()) == x["leading_zero_bits"]
    assert env.pow() == x["pow"]
    raw = E.encode(env)
    assert raw.hex() == x["full_envelope_rlp_hex"]
    assert E.decode(raw) == env and env.hash() == E.keccak256(raw)


@pytest.mark.parametrize("v", vectors("waku.json", "waku_v1", "waku_v1_topic_compat"), ids=lambda v: v["description"][:40])
def test_topic_compat_vectors(v):
    i, x = v["inputs"], v["expected"]
    if "v1_topic_hex" in i:
        assert E.bridge_content_topic(H(i["v1_topic_hex"])) == x["content_topic"]
        assert topics.content_topic(H(i["v1_topic_hex"])) == x["content_topic"]  # status-go agrees
        assert E.bridge_topic(x["content_topic"]) == H(i["v1_topic_hex"])
    else:
        assert E.bridge_topic(i["content_topic"]).hex() == x["v1_topic_hex"]


def test_status_options_vector():
    (v,) = vectors("waku.json", "waku_v1", "waku_v1_status")
    ((key, value),) = v["inputs"]["options"]
    assert key == 0 and value == "float64bits(2.05)"
    raw = S.encode(S.StatusOptions(pow_requirement=2.05))
    assert raw.hex() == v["expected"]["rlp_hex"]
    assert S.decode(raw).pow_requirement == 2.05


def test_status_options_roundtrip_all_keys():
    o = S.StatusOptions(0.2, bytes(range(64)), True, False, (1, 2, 3), [b"abcd", b"efgh"], (4, 5, 6))
    assert S.decode(S.encode(o)) == o
    assert S.decode(E.rlp.encode([[9, b"x"]])).unknown == {9: b"x"}
    with pytest.raises(DecodeError):
        S.decode(E.rlp.encode([[2, b"\x02"]]))


def test_mailserver_db_key_vector():
    (v,) = vectors("status.json", "mailserver")
    i = v["inputs"]
    key = M.db_key(i["timestamp"], H(i["envelope_hash"]), H(i["topic"][2:]))
    assert key.hex() == v["expected"]["db_key"]
    assert M.cursor_of(key) == key[:36]
    assert M.parse_db_key(key) == (i["timestamp"], H(i["envelope_hash"]), H(i["topic"][2:]))


def test_mailserver_request_forms():
    req = M.request_for_topics([b"\x00\x00\xff\x06", b"abcd"], lower=100, upper=200, limit=50, cursor=bytes(36))
    assert req.bloom == topics.combine_blooms([topics.topic_to_bloom(b"\x00\x00\xff\x06"), topics.topic_to_bloom(b"abcd")])
    assert M.decode_request(M.encode_request(req)) == req
    rfc8 = M.decode_request_rfc8(M.encode_request_rfc8(req))
    assert (rfc8.lower, rfc8.upper, rfc8.bloom, rfc8.topics, rfc8.limit, rfc8.cursor) == (100, 200, req.bloom, req.topics, 50, req.cursor)
    legacy = M.MessagesRequest(100, 200, req.bloom, (), 50, bytes(40), False)
    assert M.decode_request_legacy(M.encode_request_legacy(legacy)) == legacy
    assert M.decode_request_legacy((1).to_bytes(4, "big") + (2).to_bytes(4, "big")).bloom == M.FULL_BLOOM
    with pytest.raises(DecodeError, match="24 hours"):
        M.decode_request_legacy((0).to_bytes(4, "big") + (90000).to_bytes(4, "big"))
    with pytest.raises(InvalidInput):
        M.encode_request(M.MessagesRequest(5, 1))
    d = M.DirectRequest(bytes(32), 1, 2, 3, b"c", bytes(64), (b"abcd",))
    assert M.decode_direct_request(M.encode_direct_request(d)) == d


def test_mailserver_completion_payloads():
    rid, last = bytes(range(32)), bytes(range(32, 64))
    done = M.decode_completion(M.encode_completed(rid, last, bytes(36)))
    assert (done.request_id, done.last_envelope_hash, done.cursor, done.error) == (rid, last, bytes(36), None)
    assert M.decode_completion(rid).last_envelope_hash is None
    failed = M.decode_completion(M.encode_failed(rid, "nope"))
    assert failed.error == "nope" and failed.request_id == rid
    with pytest.raises(DecodeError):
        M.decode_completion(b"short")


def test_seal_reaches_target_and_reports_progress():
    env = E.new_envelope(b"x" * 200, b"abcd", now=1_700_000_000, ttl=15)
    sealed = E.seal(env, E.STATUS_POW_TARGET)
    assert E.leading_zero_bits(sealed.pow_hash()) >= E.target_bits(env, E.STATUS_POW_TARGET)
    assert E.seal(env, 0) == env
    calls = []
    with pytest.raises(TimeoutExpired) as e:
        E.seal(env, 1e9, progress=lambda n, best: calls.append((n, best)) or len(calls) >= 2)
    assert e.value.code == "pow-not-reached" and calls[0][0] == 1024 and len(calls) == 2


def test_acceptance_rules():
    now = 1_700_000_000
    env = E.seal(E.new_envelope(b"payload", b"abcd", now=now, ttl=15), 0.01)
    assert E.check_acceptance(env, now) is True
    assert E.check_acceptance(env, now + 16) is False  # expired: dropped
    with pytest.raises(InvalidInput, match="very old"):
        E.check_acceptance(env, now + 15 + 21)
    assert E.check_acceptance(env, now - 10) is True  # within the sync allowance
    with pytest.raises(InvalidInput, match="future"):
        E.check_acceptance(env, now - 11)
    with pytest.raises(InvalidInput, match="exceeds"):
        E.check_acceptance(env, now, max_size=10)
    with pytest.raises(InvalidInput, match="PoW"):
        E.check_acceptance(E.Envelope(env.expiry, env.ttl, env.topic, b"z" * 5000, 0), now, min_pow=0.2)


def test_bridge_topic_rejects():
    from statuscli.core.errors import MalformedTopic

    for bad in ("/waku/2/0x01020304/rfc26", "/waku/1/0x0102/rfc26", "/waku/1/zz/rfc26", "waku/1/0x01020304/rfc26"):
        with pytest.raises(MalformedTopic):
            E.bridge_topic(bad)


def test_strict_decoding():
    with pytest.raises(DecodeError):
        E.decode(E.rlp.encode([1, 2, b"abc", b"", 0]))  # 3-byte topic
    with pytest.raises(DecodeError):
        E.decode(E.rlp.encode([1, 2, b"abcd", b""]))  # missing nonce
    with pytest.raises(DecodeError):
        E.decode(E.rlp.encode([2**32, 2, b"abcd", b"", 0]))
    with pytest.raises(InvalidInput):
        E.encode(E.Envelope(1, 1, b"abc", b""))


envelopes = st.builds(E.Envelope, st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.binary(min_size=4, max_size=4),
                      st.binary(max_size=300), st.integers(0, 2**64 - 1))


@given(envelopes)
def test_envelope_roundtrip(env):
    assert E.decode(E.encode(env)) == env


@given(st.binary(max_size=200))
@settings(max_examples=300)
def test_envelope_garbage_typed(data):
    try:
        E.decode(data)
    except DecodeError:
        pass


@given(envelopes, st.data())
def test_envelope_truncation_typed(env, data):
    raw = E.encode(env)
    with pytest.raises(DecodeError):
        E.decode(raw[: data.draw(st.integers(0, len(raw) - 1))])


requests = st.builds(M.MessagesRequest, st.integers(0, 2**31), st.integers(2**31, 2**32 - 1), st.binary(min_size=64, max_size=64),
                     st.lists(st.binary(min_size=4, max_size=4), max_size=4).map(tuple), st.integers(0, 1000), st.binary(max_size=36), st.booleans())


@given(requests)
def test_request_roundtrip(r):
    assert M.decode_request(M.encode_request(r)) == r


@given(st.binary(max_size=200))
@settings(max_examples=300)
def test_mail_and_status_garbage_typed(data):
    for f in (M.decode_request, M.decode_request_rfc8, M.decode_request_legacy, M.decode_direct_request, M.decode_completion, S.decode):
        try:
            f(data)
        except StatusCliError:
            pass


@given(st.floats(allow_nan=False), st.booleans())
def test_status_options_roundtrip(pow_req, light):
    o = S.StatusOptions(pow_requirement=pow_req, light_node=light)
    assert S.decode(S.encode(o)) == o
    assert struct.pack(">d", pow_req)  # sanity: representable


@given(requests)
def test_request_rfc8_and_direct_roundtrip(r):
    back = M.decode_request_rfc8(M.encode_request_rfc8(r))
    assert (back.lower, back.upper, back.bloom, back.topics, back.limit, back.cursor) == (r.lower, r.upper, r.bloom, r.topics, r.limit, r.cursor)
    d = M.DirectRequest(r.bloom[:32], r.lower, r.upper, r.limit, r.cursor, r.bloom, r.topics)
    assert M.decode_direct_request(M.encode_direct_request(d)) == d


@given(st.integers(0, 2**32 - 1), st.integers(0, M.MAX_RANGE_SECONDS), st.binary(min_size=64, max_size=64), st.integers(0, 2**32 - 1),
       st.sampled_from([b"", bytes(40)]))
def test_request_legacy_roundtrip(lower, span, bloom, limit, cursor):
    upper = min(lower + span, 2**32 - 1)
    r = M.MessagesRequest(lower, upper, bloom, (), limit, cursor, False)
    assert M.decode_request_legacy(M.encode_request_legacy(r)) == r
