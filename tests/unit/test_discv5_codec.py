"""discv5 message and packet codecs: round trips, and garbage → typed errors only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statuscli.core.discv5 import handshake, messages, packet
from statuscli.core.errors import DecodeError, InvalidInput, StatusCliError
from statuscli.core.waku import enr as enr_codec

KEY = bytes.fromhex("66fb62bfbd66b9177a138c1e5cddbe4f7c30c343e94e68df8769459cb1cde628")
RECORD = enr_codec.build_enr(KEY, 3, ip="127.0.0.1", tcp=60000, udp=9000, waku2_flags=["relay"], rs=(16, [32]))
rid = st.binary(max_size=8)

MESSAGES = st.one_of(
    st.builds(messages.Ping, rid, st.integers(0, 2**64 - 1)),
    st.builds(messages.Pong, rid, st.integers(0, 2**64 - 1), st.sampled_from(["127.0.0.1", "10.1.2.3", "::1", "fe80::1"]), st.integers(0, 65535)),
    st.builds(messages.FindNode, rid, st.lists(st.integers(0, 256), max_size=5).map(tuple)),
    st.builds(messages.Nodes, rid, st.integers(0, 255), st.lists(st.just(RECORD), max_size=3).map(tuple)),
    st.builds(messages.TalkReq, rid, st.binary(max_size=20), st.binary(max_size=200)),
    st.builds(messages.TalkResp, rid, st.binary(max_size=200)),
)


@given(MESSAGES)
def test_message_round_trip(msg):
    assert messages.decode(messages.encode(msg)) == msg


@given(st.binary(max_size=300))
def test_message_garbage_is_a_typed_error(data):
    try:
        messages.decode(data)
    except DecodeError:
        pass


@pytest.mark.parametrize(
    "hexed, why",
    [
        ("", "empty"),
        ("07c0", "topic messages unsupported"),
        ("01c3" + "89" + "00" * 9, "request id too long"),
        ("02c6808002820001", "pong ip length"),
        ("03c480c28201", "bad distance encoding"),
        ("03c580c3820201", "distance above 256"),
        ("04c28080", "NODES with two fields"),
        ("04c5800 1c281ff".replace(" ", ""), "NODES record that is a string"),
        ("04c380 01c0 00".replace(" ", ""), "NODES with trailing bytes"),
        ("04c480 01c1".replace(" ", ""), "NODES records list longer than the input"),
        ("04c3 8100 01c0".replace(" ", ""), "NODES request id with a needless string header"),
    ],
)
def test_message_rejects(hexed, why):
    with pytest.raises(DecodeError):
        messages.decode(bytes.fromhex(hexed))


def test_message_encode_refuses_long_request_id():
    with pytest.raises(InvalidInput):
        messages.encode(messages.Ping(b"\x00" * 9, 1))


LOCAL = enr_codec.node_id_from_public_key(bytes.fromhex("0317931e6e0840220642f230037d285d122bc59063221ef3226b1f403ddc69ca91"))


@given(st.binary(min_size=0, max_size=1400))
def test_packet_garbage_is_a_typed_error(data):
    try:
        packet.decode(data, LOCAL)
    except DecodeError:
        pass


@given(st.binary(min_size=16, max_size=16), st.binary(min_size=12, max_size=12), st.binary(min_size=16, max_size=16), st.integers(0, 2**64 - 1))
def test_whoareyou_round_trip(iv, nonce, id_nonce, seq):
    raw, challenge = handshake.whoareyou(LOCAL, iv, nonce, id_nonce, seq)
    pkt = packet.decode(raw, LOCAL)
    assert isinstance(pkt, packet.WhoareyouPacket)
    assert (pkt.nonce, pkt.id_nonce, pkt.enr_seq, pkt.challenge_data) == (nonce, id_nonce, seq, challenge)


@given(st.data())
def test_truncated_or_flipped_packets_never_crash(data):
    raw, _ = handshake.whoareyou(LOCAL, bytes(16), bytes(12), bytes(16), 5)
    msg = handshake.seal_message(b"k" * 16, b"s" * 32, LOCAL, b"\x01" * 16, b"\x02" * 12, messages.encode(messages.Ping(b"\x01", 1)))
    base = data.draw(st.sampled_from([raw, msg]))
    cut = data.draw(st.integers(0, len(base)))
    flip = data.draw(st.integers(0, len(base) - 1))
    mutated = bytearray(base[:cut] + base[cut:])
    mutated[flip] ^= data.draw(st.integers(1, 255))
    for candidate in (base[:cut], bytes(mutated)):
        try:
            pkt = packet.decode(candidate, LOCAL)
            if isinstance(pkt, packet.MessagePacket):
                handshake.open_message(pkt, b"k" * 16)
        except StatusCliError:
            pass


def test_packet_size_limits():
    with pytest.raises(DecodeError):
        packet.decode(b"\x00" * 62, LOCAL)
    with pytest.raises(DecodeError):
        packet.decode(b"\x00" * 1281, LOCAL)


def test_packet_for_another_node_is_refused():
    raw, _ = handshake.whoareyou(LOCAL, bytes(16), bytes(12), bytes(16), 5)
    with pytest.raises(DecodeError, match="protocol id"):
        packet.decode(raw, b"\x01" * 32)


def test_message_for_a_wrong_key_does_not_authenticate():
    raw = handshake.seal_message(b"k" * 16, b"s" * 32, LOCAL, b"\x01" * 16, b"\x02" * 12, b"\x01\xc2\x01\x01")
    pkt = packet.decode(raw, LOCAL)
    with pytest.raises(StatusCliError) as err:
        handshake.open_message(pkt, b"x" * 16)
    assert err.value.code == "decryption-failed"


@pytest.mark.parametrize("iv", [bytes(16), b"\xff" * 16, b"\xff" * 15 + b"\xfe", bytes(range(16))])
@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 23, 57, 311, 1264])
def test_masking_is_aes_ctr_with_the_counter_wrapping(iv, size):
    from statuscli.core.crypto.symmetric import aes_ctr
    from statuscli.core.discv5.packet import _mask

    dest = bytes(range(32, 64))
    data = bytes((7 * i + 3) % 256 for i in range(size))
    assert _mask(dest, iv, data) == (aes_ctr(dest[:16], iv, data) if size else b"")


def test_nodes_carry_records_byte_for_byte():
    msg = messages.Nodes(b"\x01\x02", 1, (RECORD, RECORD))
    data = messages.encode(msg)
    assert data.count(RECORD) == 2  # embedded as signed, not re-encoded
    assert messages.decode(data).enrs == (RECORD, RECORD)
