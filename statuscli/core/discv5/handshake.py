"""The two sides of the discv5 handshake and session message sealing, as pure functions.

A (initiator) sends a message it cannot encrypt yet (random content) → B answers WHOAREYOU
(id-nonce, the enr-seq it knows of A) → A derives keys from an ephemeral key, signs the
challenge and re-sends its message in a handshake packet (with its ENR when B's copy is older)
→ B verifies record and id-signature, derives the same keys and decrypts. Afterwards A writes
with the initiator-key and B with the recipient-key.

Entropy (masking IVs, nonces, id-nonces, ephemeral keys) is passed in by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core.crypto import secp256k1
from statuscli.core.discv5 import crypto, packet
from statuscli.core.errors import BadSignature, DecodeError
from statuscli.core.waku import enr as enr_codec


@dataclass(frozen=True)
class Opened:
    """A verified handshake: keys for our side, the plaintext, and the sender's record if sent."""

    keys: crypto.SessionKeys
    plaintext: bytes
    record: enr_codec.Enr | None


def seal_message(key: bytes, src_id: bytes, dest_id: bytes, masking_iv: bytes, nonce: bytes, plaintext: bytes) -> bytes:
    """An ordinary message packet encrypted with a session write key."""
    hdata = packet.header_data(masking_iv, packet.FLAG_MESSAGE, nonce, packet.message_authdata(src_id))
    return packet.encode(dest_id, hdata, crypto.encrypt(key, nonce, plaintext, hdata))


def random_message(src_id: bytes, dest_id: bytes, masking_iv: bytes, nonce: bytes, filler: bytes) -> bytes:
    """A message packet whose content is random bytes: it provokes WHOAREYOU from a stranger."""
    hdata = packet.header_data(masking_iv, packet.FLAG_MESSAGE, nonce, packet.message_authdata(src_id))
    return packet.encode(dest_id, hdata, filler)


def whoareyou(dest_id: bytes, masking_iv: bytes, nonce: bytes, id_nonce: bytes, enr_seq: int) -> tuple[bytes, bytes]:
    """(packet, challenge-data) of a WHOAREYOU answering the packet that carried ``nonce``."""
    hdata = packet.header_data(masking_iv, packet.FLAG_WHOAREYOU, nonce, packet.whoareyou_authdata(id_nonce, enr_seq))
    return packet.encode(dest_id, hdata), hdata


def open_message(pkt: packet.MessagePacket | packet.HandshakePacket, key: bytes) -> bytes:
    return crypto.decrypt(key, pkt.nonce, pkt.message, pkt.header_data)


def seal_handshake(
    *,
    static_key: bytes,
    ephemeral_key: bytes,
    src_id: bytes,
    dest_id: bytes,
    dest_pubkey: bytes,
    challenge_data: bytes,
    masking_iv: bytes,
    nonce: bytes,
    plaintext: bytes,
    record: bytes = b"",
) -> tuple[bytes, crypto.SessionKeys]:
    """Initiator side: the handshake packet carrying ``plaintext``, and our session keys."""
    eph_pub = secp256k1.compress(secp256k1.public_key(ephemeral_key))
    keys = crypto.initiator_keys(ephemeral_key, dest_pubkey, challenge_data, src_id, dest_id)
    sig = crypto.id_sign(static_key, challenge_data, eph_pub, dest_id)
    hdata = packet.header_data(masking_iv, packet.FLAG_HANDSHAKE, nonce, packet.handshake_authdata(src_id, sig, eph_pub, record))
    return packet.encode(dest_id, hdata, crypto.encrypt(keys.write, nonce, plaintext, hdata)), keys


def open_handshake(
    pkt: packet.HandshakePacket,
    *,
    static_key: bytes,
    local_id: bytes,
    challenge_data: bytes,
    known_pubkey: bytes | None,
) -> Opened:
    """Recipient side. ``known_pubkey`` is the sender's key from a record we already hold.

    Raises DecodeError (bad or mismatched record, no key at all), BadSignature (record or
    id-signature) or DecryptionFailed (message does not authenticate).
    """
    record = None
    pubkey = known_pubkey
    if pkt.record:
        record = enr_codec.decode_enr(pkt.record)  # verifies the record's signature
        if record.node_id != pkt.src_id:
            raise DecodeError("handshake record belongs to another node id than the packet's source")
        pubkey = record.public_key
    if pubkey is None:
        raise DecodeError("handshake without a record from a node whose record we do not hold")
    if not crypto.id_verify(pubkey, pkt.id_signature, challenge_data, pkt.ephemeral_pubkey, local_id):
        raise BadSignature("discv5 id-signature does not verify")
    keys = crypto.recipient_keys(static_key, pkt.ephemeral_pubkey, challenge_data, pkt.src_id, local_id)
    return Opened(keys, open_message(pkt, keys.read), record)
