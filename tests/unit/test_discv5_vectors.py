"""discv5 v5.1 against the official wire test vectors (tests/vectors/discv5.json, ethereum/devp2p)."""

from __future__ import annotations

import json

import pytest

from statuscli.core.crypto import secp256k1
from statuscli.core.discv5 import crypto, handshake, messages, packet
from statuscli.core.waku import enr as enr_codec
from tests.conftest import VECTORS

ALL = json.loads((VECTORS / "discv5.json").read_text())["vectors"]


def _one(category, sub):
    (v,) = [v for v in ALL if v["category"] == category and v["subcategory"] == sub]
    return {k: bytes.fromhex(x) if len(x) % 2 == 0 and len(x) > 2 else int(x, 16) for k, x in v["inputs"].items()}, {
        k: bytes.fromhex(x) for k, x in v["expected"].items()
    }


def _node_ids(i):
    a = enr_codec.node_id_from_public_key(secp256k1.public_key(i["node_a_key"]))
    b = enr_codec.node_id_from_public_key(secp256k1.public_key(i["node_b_key"]))
    return a, b


def test_vector_node_ids_match_keys():
    i, _ = _one("packet", "ping-message")
    assert _node_ids(i) == (i["src_node_id"], i["dest_node_id"])


def test_ping_message_packet_decodes_and_reencodes():
    i, e = _one("packet", "ping-message")
    pkt = packet.decode(e["packet"], i["dest_node_id"])
    assert isinstance(pkt, packet.MessagePacket)
    assert pkt.src_id == i["src_node_id"] and pkt.nonce == i["nonce"]
    msg = messages.decode(handshake.open_message(pkt, i["read_key"]))
    assert msg == messages.Ping(request_id=i["ping_req_id"], enr_seq=i["ping_enr_seq"])
    again = handshake.seal_message(i["read_key"], i["src_node_id"], i["dest_node_id"], bytes(16), i["nonce"], messages.encode(msg))
    assert again == e["packet"]


def test_whoareyou_packet():
    i, e = _one("packet", "whoareyou")
    pkt = packet.decode(e["packet"], i["dest_node_id"])
    assert isinstance(pkt, packet.WhoareyouPacket)
    assert pkt.nonce == i["whoareyou_request_nonce"] and pkt.id_nonce == i["whoareyou_id_nonce"]
    assert pkt.enr_seq == i["whoareyou_enr_seq"] == 0
    assert pkt.challenge_data == i["whoareyou_challenge_data"]
    raw, challenge = handshake.whoareyou(i["dest_node_id"], bytes(16), pkt.nonce, pkt.id_nonce, pkt.enr_seq)
    assert raw == e["packet"] and challenge == i["whoareyou_challenge_data"]


@pytest.mark.parametrize("sub", ["ping-handshake", "ping-handshake-with-enr"])
def test_handshake_packets_open_and_reseal(sub):
    i, e = _one("packet", sub)
    a_pub = secp256k1.public_key(i["node_a_key"])
    pkt = packet.decode(e["packet"], i["dest_node_id"])
    assert isinstance(pkt, packet.HandshakePacket)
    assert pkt.src_id == i["src_node_id"] and pkt.ephemeral_pubkey == i["ephemeral_pubkey"]
    opened = handshake.open_handshake(
        pkt, static_key=i["node_b_key"], local_id=i["dest_node_id"], challenge_data=i["whoareyou_challenge_data"], known_pubkey=None if pkt.record else a_pub
    )
    assert opened.keys.read == i["read_key"]
    assert messages.decode(opened.plaintext) == messages.Ping(i["ping_req_id"], i["ping_enr_seq"])
    if sub.endswith("with-enr"):
        assert opened.record is not None and opened.record.node_id == i["src_node_id"]
    else:
        assert pkt.record == b"" and opened.record is None
    resealed, keys = handshake.seal_handshake(
        static_key=i["node_a_key"],
        ephemeral_key=i["ephemeral_key"],
        src_id=i["src_node_id"],
        dest_id=i["dest_node_id"],
        dest_pubkey=secp256k1.public_key(i["node_b_key"]),
        challenge_data=i["whoareyou_challenge_data"],
        masking_iv=bytes(16),
        nonce=i["nonce"],
        plaintext=opened.plaintext,
        record=pkt.record,
    )
    assert keys.write == i["read_key"] and keys.read == opened.keys.write
    assert resealed == e["packet"]


def test_handshake_without_record_needs_known_key():
    i, e = _one("packet", "ping-handshake")
    pkt = packet.decode(e["packet"], i["dest_node_id"])
    with pytest.raises(Exception) as err:
        handshake.open_handshake(pkt, static_key=i["node_b_key"], local_id=i["dest_node_id"], challenge_data=i["whoareyou_challenge_data"], known_pubkey=None)
    assert getattr(err.value, "code", None) == "decode-error"


def test_handshake_with_wrong_challenge_fails_signature():
    i, e = _one("packet", "ping-handshake")
    pkt = packet.decode(e["packet"], i["dest_node_id"])
    wrong = i["whoareyou_challenge_data"][:-1] + b"\x07"
    with pytest.raises(Exception) as err:
        handshake.open_handshake(pkt, static_key=i["node_b_key"], local_id=i["dest_node_id"], challenge_data=wrong, known_pubkey=secp256k1.public_key(i["node_a_key"]))
    assert getattr(err.value, "code", None) == "bad-signature"


def test_ecdh():
    i, e = _one("crypto", "ecdh")
    assert crypto.ecdh(i["public_key"], i["secret_key"]) == e["shared_secret"]


def test_key_derivation():
    i, e = _one("crypto", "key-derivation")
    keys = crypto.initiator_keys(i["ephemeral_key"], i["dest_pubkey"], i["challenge_data"], i["node_id_a"], i["node_id_b"])
    assert (keys.write, keys.read) == (e["initiator_key"], e["recipient_key"])


def test_id_signature_sign_and_verify():
    i, e = _one("crypto", "id-signature")
    sig = crypto.id_sign(i["static_key"], i["challenge_data"], i["ephemeral_pubkey"], i["node_id_B"])
    assert sig == e["id_signature"]
    pub = secp256k1.public_key(i["static_key"])
    assert crypto.id_verify(pub, e["id_signature"], i["challenge_data"], i["ephemeral_pubkey"], i["node_id_B"])
    assert not crypto.id_verify(pub, e["id_signature"], i["challenge_data"], i["ephemeral_pubkey"], bytes(32))


def test_aes_gcm():
    i, e = _one("crypto", "aes-gcm")
    assert crypto.encrypt(i["encryption_key"], i["nonce"], i["pt"], i["ad"]) == e["message_ciphertext"]
    assert crypto.decrypt(i["encryption_key"], i["nonce"], e["message_ciphertext"], i["ad"]) == i["pt"]
