"""discv5 packets: masking and the three packet kinds (discv5-wire.md, "Packet Encoding").

``packet = masking-iv(16) ‖ aesctr(dest-id[:16], masking-iv, header) ‖ message`` with
``header = "discv5" ‖ version 0x0001 ‖ flag(1) ‖ nonce(12) ‖ authdata-size(2) ‖ authdata``.

* flag 0, ordinary message: authdata = src-id (32 bytes).
* flag 1, WHOAREYOU: authdata = id-nonce(16) ‖ enr-seq(8); no message; the nonce mirrors the
  packet that caused it. Its challenge-data is ``masking-iv ‖ header``.
* flag 2, handshake: authdata = src-id ‖ sig-size(1) ‖ eph-key-size(1) ‖ id-signature ‖
  eph-pubkey ‖ record (an RLP ENR, or nothing). v4 only: sig-size 64, eph-key-size 33.

Packets are 63..1280 bytes. Decoding checks structure only (the message stays encrypted: its
associated data is ``masking-iv ‖ header``, kept as :attr:`Packet.header_data`). Every way a
datagram can be malformed raises :class:`DecodeError`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from statuscli.core.errors import DecodeError, InvalidInput

PROTOCOL_ID = b"discv5"
VERSION = b"\x00\x01"
FLAG_MESSAGE, FLAG_WHOAREYOU, FLAG_HANDSHAKE = 0, 1, 2
IV_SIZE = 16
STATIC_HEADER_SIZE = 23
MIN_PACKET_SIZE = 63
MAX_PACKET_SIZE = 1280
NODE_ID_SIZE = 32
V4_SIG_SIZE = 64
V4_KEY_SIZE = 33
ID_NONCE_SIZE = 16
_BLOCK_MASK = (1 << 128) - 1


@dataclass(frozen=True)
class Packet:
    """A decoded packet. ``header_data`` = masking-iv ‖ unmasked header (message AD / challenge)."""

    flag: int
    nonce: bytes
    header_data: bytes
    message: bytes  # still encrypted (empty for WHOAREYOU)


@dataclass(frozen=True)
class MessagePacket(Packet):
    src_id: bytes


@dataclass(frozen=True)
class WhoareyouPacket(Packet):
    id_nonce: bytes
    enr_seq: int

    @property
    def challenge_data(self) -> bytes:
        return self.header_data


@dataclass(frozen=True)
class HandshakePacket(Packet):
    src_id: bytes
    id_signature: bytes
    ephemeral_pubkey: bytes
    record: bytes  # raw RLP ENR, or b"" when omitted


@functools.lru_cache(maxsize=1024)
def _block_cipher(key: bytes):
    """AES-128 in ECB over whole blocks: stateless, so one object per masking key serves every packet."""
    return Cipher(algorithms.AES(key), modes.ECB()).encryptor()


def _mask(dest_id: bytes, iv: bytes, header: bytes) -> bytes:
    """AES-128-CTR(dest-id[:16], iv) over ``header``: the key stream is AES of the counter blocks
    iv, iv+1, … (mod 2^128). Built from a cached block cipher, not a new CTR context per packet:
    setting one up cost more than the rest of opening a packet."""
    n = len(header)
    if n == 0:
        return b""
    counter = int.from_bytes(iv, "big")
    blocks = b"".join(((counter + i) & _BLOCK_MASK).to_bytes(16, "big") for i in range((n + 15) // 16))
    stream = _block_cipher(bytes(dest_id[:16])).update(blocks)[:n]
    return (int.from_bytes(header, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")


def _header(flag: int, nonce: bytes, authdata: bytes) -> bytes:
    if len(nonce) != 12:
        raise InvalidInput("a discv5 nonce is 12 bytes")
    return PROTOCOL_ID + VERSION + bytes([flag]) + nonce + len(authdata).to_bytes(2, "big") + authdata


def header_data(masking_iv: bytes, flag: int, nonce: bytes, authdata: bytes) -> bytes:
    """``masking-iv ‖ header``: the AD of the message, and the challenge-data of a WHOAREYOU."""
    if len(masking_iv) != IV_SIZE:
        raise InvalidInput("a masking IV is 16 bytes")
    return masking_iv + _header(flag, nonce, authdata)


def message_authdata(src_id: bytes) -> bytes:
    return bytes(src_id)


def whoareyou_authdata(id_nonce: bytes, enr_seq: int) -> bytes:
    return bytes(id_nonce) + enr_seq.to_bytes(8, "big")


def handshake_authdata(src_id: bytes, id_signature: bytes, ephemeral_pubkey: bytes, record: bytes = b"") -> bytes:
    return bytes(src_id) + bytes([len(id_signature), len(ephemeral_pubkey)]) + id_signature + ephemeral_pubkey + record


def encode(dest_id: bytes, hdata: bytes, message: bytes = b"") -> bytes:
    """Mask ``hdata`` (from :func:`header_data`) for ``dest_id`` and append the sealed message."""
    iv, header = hdata[:IV_SIZE], hdata[IV_SIZE:]
    out = iv + _mask(dest_id, iv, header) + message
    if not MIN_PACKET_SIZE <= len(out) <= MAX_PACKET_SIZE:
        raise InvalidInput(f"a discv5 packet is {MIN_PACKET_SIZE}..{MAX_PACKET_SIZE} bytes, this one {len(out)}")
    return out


def decode(data: bytes, local_id: bytes) -> MessagePacket | WhoareyouPacket | HandshakePacket:
    """Unmask and parse a datagram addressed to ``local_id``."""
    data = bytes(data)
    if not MIN_PACKET_SIZE <= len(data) <= MAX_PACKET_SIZE:
        raise DecodeError(f"discv5 packet of {len(data)} bytes (valid: {MIN_PACKET_SIZE}..{MAX_PACKET_SIZE})")
    iv = data[:IV_SIZE]
    static = _mask(local_id, iv, data[IV_SIZE : IV_SIZE + STATIC_HEADER_SIZE])
    if static[:6] != PROTOCOL_ID:
        raise DecodeError("not a discv5 packet for this node (protocol id mismatch after unmasking)")
    if static[6:8] != VERSION:
        raise DecodeError(f"unsupported discv5 version 0x{static[6:8].hex()}")
    flag, nonce = static[8], static[9:21]
    size = int.from_bytes(static[21:23], "big")
    end = IV_SIZE + STATIC_HEADER_SIZE + size
    if end > len(data):
        raise DecodeError("discv5 authdata runs past the end of the packet")
    header = _mask(local_id, iv, data[IV_SIZE:end])
    authdata, message = header[STATIC_HEADER_SIZE:], data[end:]
    hdata = iv + header
    if flag == FLAG_MESSAGE:
        if size != NODE_ID_SIZE:
            raise DecodeError(f"message packet authdata is {NODE_ID_SIZE} bytes, got {size}")
        return MessagePacket(flag, nonce, hdata, message, src_id=authdata)
    if flag == FLAG_WHOAREYOU:
        if size != ID_NONCE_SIZE + 8:
            raise DecodeError(f"WHOAREYOU authdata is 24 bytes, got {size}")
        if message:
            raise DecodeError("WHOAREYOU packet carries a message")
        return WhoareyouPacket(flag, nonce, hdata, b"", id_nonce=authdata[:16], enr_seq=int.from_bytes(authdata[16:], "big"))
    if flag == FLAG_HANDSHAKE:
        if size < NODE_ID_SIZE + 2:
            raise DecodeError("handshake authdata too short for its head")
        sig_size, key_size = authdata[32], authdata[33]
        if sig_size != V4_SIG_SIZE or key_size != V4_KEY_SIZE:
            raise DecodeError(f"handshake with sig-size {sig_size}/eph-key-size {key_size} (only v4: 64/33)")
        start = NODE_ID_SIZE + 2
        if size < start + sig_size + key_size:
            raise DecodeError("handshake authdata too short for its signature and key")
        sig = authdata[start : start + sig_size]
        eph = authdata[start + sig_size : start + sig_size + key_size]
        record = authdata[start + sig_size + key_size :]
        return HandshakePacket(flag, nonce, hdata, message, src_id=authdata[:32], id_signature=sig, ephemeral_pubkey=eph, record=record)
    raise DecodeError(f"unknown discv5 packet flag {flag}")
