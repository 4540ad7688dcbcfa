"""ApplicationMetadataMessage: the signed wrapper around every application payload.

    AMM { signature = 1 (65 bytes r‖s‖v over keccak256(payload)); payload = 2; type = 3 }

* The type is NOT signed. A missing signature means "signer unknown" (status-go then falls back
  to the Waku-level signer); a signature that recovers to no key is a :class:`BadSignature`.
* Message id = keccak256(uncompressed signer key (65 bytes) ‖ AMM bytes AS RECEIVED) — never
  re-encode before hashing.
* Encoding is proto3-canonical in field order (empty payload / type 0 omitted), which is what
  protobuf-go writes, so wrapping reproduces status-go's bytes.

The wire codec is the generated ``statuscli.pb.application_metadata_message_pb2`` class, imported
on first use. ``type`` is an enum (int32 on the wire); values 2^31..2^32-1 are carried as their
int32 two's complement and read back as unsigned, so any uint32 type survives a round trip.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import DecodeError, InvalidInput
from statuscli.core.payloads.message_types import type_name
from statuscli.core.protobuf_codec import as_bytes, lazy_class, parse as _parse_pb

_U32 = (1 << 32) - 1
_I32_SIGN = 1 << 31
_pb_class = lazy_class("application_metadata_message_pb2", "ApplicationMetadataMessage")


@dataclass(frozen=True, slots=True)
class ApplicationMessage:
    """A decoded wrapper. ``raw`` is the bytes as received; ``signer`` is 65-byte uncompressed."""

    type: int
    payload: bytes
    signature: bytes
    signer: bytes | None
    raw: bytes

    @property
    def type_name(self) -> str:
        return type_name(self.type)

    @property
    def message_id(self) -> bytes | None:
        return message_id(self.signer, self.raw) if self.signer is not None else None

    def to_json(self) -> dict:
        mid = self.message_id
        return {
            "type": self.type_name,
            "type_value": self.type,
            "signer": None if self.signer is None else "0x" + self.signer.hex(),
            "message_id": None if mid is None else "0x" + mid.hex(),
            "signature": "0x" + self.signature.hex(),
            "payload_size": len(self.payload),
        }


def encode(payload: bytes, msg_type: int, signature: bytes) -> bytes:
    """The wrapper bytes for given parts (no signing)."""
    if not 0 <= msg_type <= _U32:
        raise InvalidInput(f"application message type {msg_type} out of range")
    wire_type = msg_type - (1 << 32) if msg_type >= _I32_SIGN else msg_type
    try:
        return _pb_class()(signature=as_bytes(signature), payload=as_bytes(payload), type=wire_type).SerializeToString()
    except (TypeError, ValueError) as e:
        raise InvalidInput(f"invalid application message field: {e}") from None


def sign_payload(payload: bytes, private_key: bytes) -> bytes:
    return secp256k1.sign(keccak256(payload), private_key)


def wrap(payload: bytes, msg_type: int, private_key: bytes) -> bytes:
    """Sign ``payload`` with ``private_key`` and wrap it (status-go ``WrapMessageV1``)."""
    return encode(payload, msg_type, secp256k1.sign(keccak256(payload), private_key))


def parse(data: bytes) -> tuple[bytes, bytes, int]:
    """(signature, payload, type) without recovering anything."""
    m = _parse_pb(_pb_class(), data, "ApplicationMetadataMessage")
    return m.signature, m.payload, m.type & _U32  # enum fields are int32 on the wire


def unwrap(data: bytes) -> ApplicationMessage:
    """Parse the wrapper and recover its signer (BadSignature on a signature that recovers nothing)."""
    data = bytes(data)
    signature, payload, msg_type = parse(data)
    signer = None
    if signature:
        signer = secp256k1.recover(keccak256(payload), signature)
    return ApplicationMessage(type=msg_type, payload=payload, signature=signature, signer=signer, raw=data)


def looks_like_amm(data: bytes) -> bool:
    """True when ``data`` parses as a wrapper with a 65-byte signature (layer detection)."""
    try:
        signature, _payload, _t = parse(data)
    except DecodeError:
        return False
    return len(signature) == 65


def message_id(signer_public_key: bytes, amm_bytes: bytes) -> bytes:
    """keccak256(uncompressed signer key ‖ wrapper bytes as received)."""
    return keccak256(secp256k1.decompress(signer_public_key) + amm_bytes)
