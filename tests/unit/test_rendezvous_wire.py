"""Rendezvous on the wire, byte for byte against the libp2p specs (go-waku and nwaku are not
runnable here, see docs/discovery.md#interop-status).

* Messages: built by hand from the field numbers of the spec's protobuf (rendezvous/README.md)
  and compared with what statuscli sends, and hand-built answers parsed by statuscli's client.
* Signed peer records: an RFC 0002 envelope of an RFC 0003 PeerRecord built by hand and signed
  with the ``cryptography`` library (ECDSA secp256k1 over SHA-256, DER, as go-libp2p signs)
  verifies with statuscli's code; statuscli's record has the same bytes and its signature
  verifies with ``cryptography``; a record signed by another key than the peer it names is
  refused.
"""

from __future__ import annotations

import pytest
import trio
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from statuscli.core import rendezvous as rz
from statuscli.core.encoding import uvarint_encode
from statuscli.net import rendezvous as rdv
from tests.unit.wire import fields


def ld(number: int, data: bytes) -> bytes:
    return uvarint_encode(number << 3 | 2) + uvarint_encode(len(data)) + data


def vi(number: int, value: int) -> bytes:
    return uvarint_encode(number << 3) + uvarint_encode(value)


NS = b"rs/16/32"


def test_register_request_bytes():
    M = rdv.pb.Message
    ours = M(type=M.REGISTER, register=M.Register(ns="rs/16/32", signedPeerRecord=b"\x01\x02\x03", ttl=60)).SerializeToString()
    by_hand = vi(1, 0) + ld(2, ld(1, NS) + ld(2, b"\x01\x02\x03") + vi(3, 60))
    assert ours == by_hand == bytes.fromhex("0800" "1211" "0a08") + NS + bytes.fromhex("1203010203" "183c")


def test_discover_and_unregister_request_bytes():
    M = rdv.pb.Message
    disc = M(type=M.DISCOVER, discover=M.Discover(ns="rs/16/32", limit=12, cookie=b"\x01c")).SerializeToString()
    assert disc == vi(1, 3) + ld(5, ld(1, NS) + vi(2, 12) + ld(3, b"\x01c"))
    unreg = M(type=M.UNREGISTER, unregister=M.Unregister(ns="rs/16/32")).SerializeToString()
    assert unreg == vi(1, 2) + ld(4, ld(1, NS))


def test_answer_bytes():
    ok = rdv.register_response(rz.OK, "OK", 60).SerializeToString()
    assert ok == vi(1, 1) + ld(3, vi(1, 0) + ld(2, b"OK") + vi(3, 60))
    refused = rdv.register_response(rz.E_NOT_AUTHORIZED, "no").SerializeToString()
    assert refused == vi(1, 1) + ld(3, vi(1, 200) + ld(2, b"no"))  # no ttl in a refusal
    reg = rdv.pb.Message.Register(ns="rs/16/32", signedPeerRecord=b"R", ttl=5)
    disc = rdv.discover_response([reg], b"\x01k", rz.OK, "OK").SerializeToString()
    assert disc == vi(1, 4) + ld(6, ld(1, ld(1, NS) + ld(2, b"R") + vi(3, 5)) + ld(2, b"\x01k") + vi(3, 0) + ld(4, b"OK"))
    busy = rdv.too_many_requests(vi(1, 3) + ld(5, ld(1, NS)))
    assert [(n, v) for n, _, v in fields(busy)][0] == (1, 4)
    assert fields(fields(busy)[1][2])[0] == (3, 0, 400)  # DiscoverResponse.status (field 3) = E_UNAVAILABLE


# -- signed peer records -------------------------------------------------------------------------
def _key():
    priv = ec.generate_private_key(ec.SECP256K1())
    pub = priv.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    return priv, pub


def _peer_id_bytes(pub33: bytes) -> bytes:
    key_pb = vi(1, 2) + ld(2, pub33)  # crypto.pb PublicKey{Type: Secp256k1 (2), Data}
    return bytes([0x00, len(key_pb)]) + key_pb  # identity multihash (the key is ≤ 42 bytes)


ADDR = bytes.fromhex("047f000001" "06ea60")  # /ip4/127.0.0.1/tcp/60000


def _unsigned(payload: bytes) -> bytes:
    domain = b"libp2p-peer-record"
    return b"".join(uvarint_encode(len(x)) + x for x in (domain, b"\x03\x01", payload))


_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141  # secp256k1 group order


def _envelope(priv, pub33: bytes, payload: bytes) -> bytes:
    # go-libp2p (btcec) and js-libp2p sign with a low S; libsecp256k1, under py-libp2p's verify,
    # refuses a high one: normalise as they do
    r, s = decode_dss_signature(priv.sign(_unsigned(payload), ec.ECDSA(hashes.SHA256())))
    sig = encode_dss_signature(r, min(s, _N - s))
    return ld(1, vi(1, 2) + ld(2, pub33)) + ld(2, b"\x03\x01") + ld(3, payload) + ld(5, sig)


def _record(peer_id: bytes, seq: int) -> bytes:
    return ld(1, peer_id) + vi(2, seq) + ld(3, ld(1, ADDR))


def test_a_hand_built_signed_peer_record_verifies():
    from libp2p.peer.id import ID

    priv, pub = _key()
    pid = _peer_id_bytes(pub)
    peer_id, addrs, seq = rdv.open_record(_envelope(priv, pub, _record(pid, 1_700_000_000)))
    assert peer_id == str(ID(pid)) and seq == 1_700_000_000
    assert addrs == [f"/ip4/127.0.0.1/tcp/60000/p2p/{peer_id}"]


def test_our_signed_peer_record_has_the_rfc_layout_and_a_verifiable_signature():
    from libp2p.crypto.secp256k1 import create_new_key_pair

    kp = create_new_key_pair(b"\x11" * 32)
    pub = kp.public_key.to_bytes()
    raw = rdv.seal_peer_record(kp.private_key, ["/ip4/127.0.0.1/tcp/60000/p2p/16Uiu2HAmIgnored"], 42)
    got = fields(raw)
    assert [(n, w) for n, w, _ in got] == [(1, 2), (2, 2), (3, 2), (5, 2)]
    assert got[0][2] == vi(1, 2) + ld(2, pub) and got[1][2] == b"\x03\x01"
    assert got[2][2] == _record(_peer_id_bytes(pub), 42)  # the /p2p/ suffix is not advertised
    verifier = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), pub)
    verifier.verify(got[3][2], _unsigned(got[2][2]), ec.ECDSA(hashes.SHA256()))  # raises if bad


def test_records_that_must_be_refused():
    priv, pub = _key()
    other_priv, other_pub = _key()
    payload = _record(_peer_id_bytes(other_pub), 1)
    with pytest.raises(ValueError, match="another peer"):
        rdv.open_record(_envelope(priv, pub, payload))  # signed by one key, naming another peer
    good = bytearray(_envelope(priv, pub, _record(_peer_id_bytes(pub), 1)))
    good[-3] ^= 0x40
    with pytest.raises(ValueError):
        rdv.open_record(bytes(good))  # signature no longer matches
    wrong_domain = ld(1, vi(1, 2) + ld(2, pub)) + ld(2, b"\x03\x01") + ld(3, payload) + ld(5, b"\x30\x00")
    for junk in (b"", b"\xff\xff", wrong_domain):
        with pytest.raises(ValueError):
            rdv.open_record(junk)


def test_a_discover_answer_built_by_hand_is_read_and_bad_records_skipped():
    from statuscli.net.stats import Counters

    priv, pub = _key()
    good = _envelope(priv, pub, _record(_peer_id_bytes(pub), 7))
    answer = vi(1, 4) + ld(6, ld(1, ld(1, NS) + ld(2, good) + vi(3, 50)) + ld(1, ld(1, NS) + ld(2, b"bogus") + vi(3, 50)) + ld(2, b"ck") + vi(3, 0))

    async def fake_request(host, peer, protocol, payload, **kw):
        assert protocol == "/rendezvous/1.0.0" and payload == vi(1, 3) + ld(5, ld(1, NS) + vi(2, 12))
        return answer

    counters = Counters()
    orig = rdv.request
    rdv.request = fake_request
    try:
        found, cookie = trio.run(lambda: rdv.discover(None, "point", "rs/16/32", counters=counters))
    finally:
        rdv.request = orig
    assert [(f.seq, f.namespace, f.ttl) for f in found] == [(7, "rs/16/32", 50)] and cookie == b"ck"
    assert counters.get("dropped.rendezvous.bad-record") == 1


def test_a_namespace_that_is_not_utf8_is_refused_not_a_crash():
    # python-protobuf hands a proto2 string of invalid UTF-8 over as bytes (found by the fuzzer)
    from statuscli.net.stats import Counters

    counters = Counters()
    point = rdv.RendezvousService(rz.Registry(), counters, clock=lambda: 0.0)
    bad = b"rs/\xff\xfe"

    async def ask():
        reg = await point.handle("peer", vi(1, 0) + ld(2, ld(1, bad) + ld(2, b"R") + vi(3, 60)))
        disc = await point.handle("peer", vi(1, 3) + ld(5, ld(1, bad)))
        unreg = await point.handle("peer", vi(1, 2) + ld(4, ld(1, bad)))
        return reg, disc, unreg

    reg, disc, unreg = trio.run(ask)
    assert fields(fields(reg)[1][2])[0] == (1, 0, rz.E_INVALID_NAMESPACE)
    assert fields(fields(disc)[1][2])[0] == (3, 0, rz.E_INVALID_NAMESPACE)
    assert unreg is None and counters.get("dropped.rendezvous.invalid-namespace") == 2


def test_a_ttl_of_zero_means_unset_as_go_libp2p_rendezvous_reads_it():
    from statuscli.net.stats import Counters

    priv, pub = _key()
    pid = _peer_id_bytes(pub)
    from libp2p.peer.id import ID

    point = rdv.RendezvousService(rz.Registry(), Counters(), clock=lambda: 0.0)
    envelope = _envelope(priv, pub, _record(pid, 1))
    answer = trio.run(point.handle, ID(pid), vi(1, 0) + ld(2, ld(1, NS) + ld(2, envelope) + vi(3, 0)))
    assert fields(fields(answer)[1][2]) == [(1, 0, rz.OK), (2, 2, b"OK"), (3, 0, rz.DEFAULT_TTL)]
