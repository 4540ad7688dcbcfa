"""ENR (EIP-778 + RFC 31) against the vectors; build/decode properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.crypto import secp256k1
from statuscli.core.errors import BadSignature, DecodeError, InvalidInput, StatusCliError
from statuscli.core.waku import enr as E
from statuscli.core.waku import rlp
from tests.conftest import vectors

EIP778_KEY = bytes.fromhex("b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291")


@pytest.mark.parametrize("v", vectors("waku.json", "enr_decode"), ids=lambda v: v["inputs"]["enr"][:24])
def test_enr_decode_vectors(v):
    x = v["expected"]
    if "error" in x:
        with pytest.raises(DecodeError):
            E.decode_enr(v["inputs"]["enr"])
        return
    e = E.decode_enr(v["inputs"]["enr"])
    assert len(e.raw) == x["rlp_len"]
    assert e.seq == x["seq"] and e.id == x["id"]
    assert e.public_key.hex() == x["secp256k1"]
    assert e.node_id.hex() == x["node_id"]
    assert e.peer_id == x["peer_id"]
    assert e.signature_valid is x["signature_valid"]
    assert sorted(e.pairs) == x["keys"] == list(e.pairs)
    for k in ("ip", "tcp", "udp", "waku2"):
        assert getattr(e, k) == x.get(k)
    if "waku2_flags" in x:
        assert E.waku2_flags(e.waku2) == x["waku2_flags"]
    assert e.multiaddrs == x.get("multiaddrs", [])
    if "rs" in x:
        assert e.shards == (x["rs"]["cluster_id"], x["rs"]["shards"])
    for k, hexed in x.get("other", {}).items():
        assert e.pairs[k].hex() == hexed
    assert e.text == v["inputs"]["enr"]
    assert E.decode_enr(e.raw) == e  # raw RLP form decodes the same


def test_eip778_example_re_encodes_byte_for_byte():
    (v,) = [v for v in vectors("waku.json", "enr_decode") if "EIP-778 example" in v["description"]]
    e = E.decode_enr(v["inputs"]["enr"])
    rebuilt = E.build_enr(EIP778_KEY, e.seq, ip=e.ip, tcp=None, udp=e.udp)
    assert E.enr_text(rebuilt) == v["inputs"]["enr"]  # RFC 6979 signatures are deterministic


@pytest.mark.parametrize("v", vectors("waku.json", "enr_fields", "enr_relay_shards"), ids=lambda v: v["description"][:40])
def test_relay_shard_fields(v):
    i, x = v["inputs"], v["expected"]
    if "error" in x:
        with pytest.raises(DecodeError, match="insufficient"):
            E.decode_rs(bytes.fromhex(i["rs_hex"]))
        return
    if "rsv_hex" in i:
        data = bytes.fromhex(i["rsv_hex"])
        assert E.decode_rsv(data) == (x["cluster_id"], x["shards_nwaku"])
        assert E.decode_rsv(data, order="js-waku") == (x["cluster_id"], x["shards_jswaku_decoder"])
        assert E.encode_rsv(x["cluster_id"], x["shards_nwaku"]) == data
        return
    data = bytes.fromhex(i["rs_hex"])
    assert E.decode_rs(data) == (x["cluster_id"], x["shards"])
    assert E.encode_rs(x["cluster_id"], x["shards"]) == data


@pytest.mark.parametrize("v", vectors("waku.json", "enr_fields", "enr_waku2_bits"), ids=lambda v: v["inputs"]["waku2_hex"])
def test_waku2_bits(v):
    value = int(v["inputs"]["waku2_hex"], 16)
    assert E.waku2_flags(value) == v["expected"]
    assert E.waku2_byte(v["expected"]) == value


def test_multiaddrs_field_vector():
    (v,) = vectors("waku.json", "enr_fields", "enr_multiaddrs_field")
    data = bytes.fromhex(v["inputs"]["multiaddrs_hex"])
    assert E.decode_multiaddrs(data) == v["expected"]["multiaddrs"]
    assert E.encode_multiaddrs(v["expected"]["multiaddrs"]) == data


def test_build_enr_for_a_node():
    priv = bytes(range(1, 33))
    raw = E.build_enr(
        priv, 3, ip="10.0.0.7", tcp=60000, udp=9000, waku2_flags=["relay", "store", "lightpush"],
        multiaddrs=["/dns4/example.org/tcp/443/wss/p2p/16Uiu2HAmPsYLvfKafxgRsb6tioYyGnSvGXS2iuMigptHrqHPNPzx"], rs=(16, [32, 64]),
    )
    e = E.decode_enr(raw)
    assert (e.seq, e.ip, e.tcp, e.udp, e.waku2) == (3, "10.0.0.7", 60000, 9000, 0b1011)
    assert e.multiaddrs == ["/dns4/example.org/tcp/443/wss"]  # /p2p stripped, as nwaku does
    assert e.shards == (16, [32, 64]) and "rs" in e.pairs
    assert e.peer_id == E.peer_id_from_public_key(secp256k1.public_key(priv))
    j = e.to_json()
    assert j["waku2_flags"]["lightpush"] and j["shards"]["key"] == "rs"


def test_build_enr_many_shards_uses_rsv_and_ipv6():
    raw = E.build_enr(bytes(range(1, 33)), 1, ip="::1", tcp=1, rs=(1, range(70)))
    e = E.decode_enr(raw)
    assert "rsv" in e.pairs and e.shards == (1, list(range(70)))
    assert e.ip6 == "::1" and e.tcp6 == 1 and e.ip is None


def test_bad_signature_and_bad_records():
    raw = bytearray(E.build_enr(bytes(range(1, 33)), 1, ip="1.2.3.4", tcp=1))
    raw[5] ^= 1  # inside the signature
    with pytest.raises(BadSignature):
        E.decode_enr(bytes(raw))
    assert E.decode_enr(bytes(raw), verify=False).signature_valid is False
    with pytest.raises(DecodeError, match="sorted"):
        E.decode_enr(rlp.encode([bytes(64), 1, b"z", b"", b"a", b""]))
    with pytest.raises(DecodeError, match="identity"):
        E.decode_enr(rlp.encode([bytes(64), 1, b"id", b"v5"]))
    with pytest.raises(DecodeError, match="enr:"):
        E.decode_enr("nope")
    with pytest.raises(InvalidInput, match="300"):
        E.build_enr(bytes(range(1, 33)), 1, ip=None, tcp=None, multiaddrs=[f"/dns4/{'x' * 60}{i}.org/tcp/443/wss" for i in range(4)])


# --- properties -----------------------------------------------------------------------------
privs = st.binary(min_size=32, max_size=32).filter(lambda b: 0 < int.from_bytes(b, "big") < secp256k1.CURVE_ORDER)


@given(
    privs,
    st.integers(0, 2**64 - 1),
    st.none() | st.ip_addresses(v=4).map(str),
    st.none() | st.integers(0, 65535),
    st.none() | st.integers(0, 65535),
    st.integers(0, 31),
    st.none() | st.tuples(st.integers(0, 65535), st.lists(st.integers(0, 1023), max_size=20)),
)
@settings(max_examples=60, deadline=None)
def test_build_decode_roundtrip(priv, seq, ip, tcp, udp, flags, rs):
    raw = E.build_enr(priv, seq, ip=ip, tcp=tcp, udp=udp, waku2_flags=flags, rs=rs)
    e = E.decode_enr(E.enr_text(raw))
    assert e.raw == raw and e.seq == seq and e.ip == ip and e.tcp == tcp and e.udp == udp
    assert e.waku2 == (flags or None)
    if rs is not None:
        assert e.shards == (rs[0], sorted(set(rs[1])))
    assert e.public_key == secp256k1.compress(secp256k1.public_key(priv))


@given(st.binary(max_size=300))
@settings(max_examples=300)
def test_garbage_gives_typed_errors(data):
    try:
        E.decode_enr(data)
    except StatusCliError:
        pass


@given(st.text(max_size=80))
def test_garbage_text_gives_typed_errors(text):
    try:
        E.decode_enr("enr:" + text)
    except StatusCliError:
        pass


@given(st.data())
@settings(max_examples=50, deadline=None)
def test_truncated_records_fail_typed(data):
    raw = E.build_enr(bytes(range(1, 33)), 7, ip="1.2.3.4", tcp=30303, waku2_flags=1, multiaddrs=["/dns4/a.b/tcp/1/wss"])
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(DecodeError):
        E.decode_enr(raw[:cut])
