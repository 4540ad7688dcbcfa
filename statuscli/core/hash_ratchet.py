"""Hash ratchet (community / encrypted-channel keys), sans-IO (spec/status-protocol.md §3.7).

* key: 32 random bytes; its timestamp (ms) is ``now + 10`` if the previous key's timestamp is older
  than now, else previous + 1 (``GenerateNext``/``bumpKeyID``); ``deprecated_key_id = uint32(timestamp)``.
* ``key_id = keccak256(group_id ‖ LE64(timestamp) ‖ key)`` (``generateHashRatchetKeyID``).
* message key for seq_no n ≥ 1 = keccak256 applied n times to the key; payload = AES-256-GCM with
  layout ``ct ‖ tag ‖ nonce``. seq_no 0 means "key exchange, payload not encrypted". A receiver
  fast-forwards at most 100 000 steps (``maxHashRatchetSeqNoDelta``).
* rekey (``buildGroupRekeyMessage``): ``RekeyGroup{timestamp, keys}``; the map key for a recipient is
  ``LE32(uncompressed_pub[1:5])`` (``publicKeyMostRelevantBytes``), the value a concatenation of 60-byte
  items ``nonce(12) ‖ AES-256-GCM(ECDH_X(sender, recipient), key32) ‖ tag(16)`` (nonce FIRST here).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.crypto.symmetric import gcm_open, gcm_open_nonce_first, gcm_seal, gcm_seal_nonce_first
from statuscli.core.errors import DecryptionFailed, InvalidInput
from statuscli.pb import encryption_pb2 as pb

KEY_BUMP_MS = 10
MAX_SEQ_NO_DELTA = 100_000
REKEY_ITEM_SIZE = 60


# --- keys ----------------------------------------------------------------------------------
def key_id(group_id: bytes, timestamp: int, key: bytes) -> bytes:
    return keccak256(group_id + struct.pack("<Q", timestamp) + key)


def deprecated_key_id(timestamp: int) -> int:
    return timestamp & 0xFFFFFFFF


def next_key_timestamp(previous_timestamp: int, now_ms: int) -> int:
    return now_ms + KEY_BUMP_MS if previous_timestamp < now_ms else previous_timestamp + 1


def message_key(key: bytes, seq_no: int, *, cached: tuple[int, bytes] | None = None) -> bytes:
    """The AES key of message ``seq_no`` (≥ 1): keccak256 applied ``seq_no`` times to ``key``.

    ``cached`` = ``(seq, hash)`` of an earlier step (seq ≤ seq_no) to start from. At most
    MAX_SEQ_NO_DELTA steps are taken, as status-go's receiver does.
    """
    if seq_no < 1:
        raise InvalidInput("hash-ratchet seq_no 0 carries keys, not an encrypted payload")
    start, h = (0, key) if cached is None or cached[0] > seq_no or cached[0] < 1 else cached
    if seq_no - start > MAX_SEQ_NO_DELTA:
        raise DecryptionFailed(f"hash-ratchet seq_no {seq_no} is more than {MAX_SEQ_NO_DELTA} steps ahead")
    for _ in range(seq_no - start):
        h = keccak256(h)
    return h


def encrypt(key: bytes, seq_no: int, payload: bytes, nonce: bytes) -> bytes:
    return gcm_seal(message_key(key, seq_no), nonce, payload)


def decrypt(key: bytes, seq_no: int, payload: bytes, *, cached: tuple[int, bytes] | None = None) -> bytes:
    """Open a hash-ratchet payload (seq_no 0: returned as is — a key exchange)."""
    if seq_no == 0:
        return payload
    return gcm_open(message_key(key, seq_no, cached=cached), payload)


def public_key_most_relevant_bytes(pub: bytes) -> int:
    """``LE32(uncompressed[1:5])`` — the RekeyGroup / community-grant map key of a recipient."""
    return struct.unpack("<I", secp256k1.decompress(pub)[1:5])[0]


def encrypt_rekey_item(sender_priv: bytes, recipient_pub: bytes, key: bytes, nonce: bytes) -> bytes:
    return gcm_seal_nonce_first(secp256k1.ecdh_x(sender_priv, recipient_pub), nonce, key)


def build_rekey_group(sender_priv: bytes, recipients: Sequence[bytes], key: bytes, timestamp: int, rng) -> RekeyGroup:
    keys: dict[int, bytes] = {}
    for r in recipients:
        k = public_key_most_relevant_bytes(r)
        keys[k] = keys.get(k, b"") + encrypt_rekey_item(sender_priv, r, key, rng(12))
    return RekeyGroup(timestamp, keys)


def decrypt_rekey_group(my_priv: bytes, sender_pub: bytes, group: RekeyGroup) -> bytes | None:
    """The key meant for us, or None (no entry, or no 60-byte item opens)."""
    items = group.keys.get(public_key_most_relevant_bytes(secp256k1.public_key(my_priv)))
    if not items:
        return None
    shared = secp256k1.ecdh_x(my_priv, sender_pub)
    for i in range(len(items) // REKEY_ITEM_SIZE):
        try:
            return gcm_open_nonce_first(shared, items[i * REKEY_ITEM_SIZE : (i + 1) * REKEY_ITEM_SIZE])
        except DecryptionFailed:
            continue
    return None


# --- protobuf shapes -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HRKey:
    key: bytes = b""
    timestamp: int = 0
    deprecated_key_id: int = 0

    def effective_timestamp(self) -> int:
        """Older clients send no timestamp; status-go then uses deprecated_key_id."""
        return self.timestamp or self.deprecated_key_id


@dataclass(frozen=True, slots=True)
class RekeyGroup:
    timestamp: int = 0
    keys: Mapping[int, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HRKeys:
    keys: tuple[HRKey, ...] = ()
    rekey_group: RekeyGroup | None = None


@dataclass(frozen=True, slots=True)
class HRHeader:
    seq_no: int = 0
    group_id: bytes = b""
    key_id: bytes = b""
    deprecated_key_id: int = 0
    keys: HRKeys | None = None

    def to_pb(self, m: pb.HRHeader) -> None:
        m.deprecated_key_id = self.deprecated_key_id
        m.seq_no = self.seq_no
        m.group_id = self.group_id
        m.key_id = self.key_id
        if self.keys is not None:
            hk = m.keys
            hk.SetInParent()
            for k in self.keys.keys:
                hk.keys.add(deprecated_key_id=k.deprecated_key_id, key=k.key, timestamp=k.timestamp)
            if self.keys.rekey_group is not None:
                rg = hk.rekey_group
                rg.SetInParent()
                rg.timestamp = self.keys.rekey_group.timestamp
                for kk, v in self.keys.rekey_group.keys.items():
                    rg.keys[kk] = v

    @classmethod
    def from_pb(cls, m: pb.HRHeader) -> HRHeader:
        keys = None
        if m.HasField("keys"):
            keys = hr_keys_from_pb(m.keys)
        return cls(m.seq_no, bytes(m.group_id), bytes(m.key_id), m.deprecated_key_id, keys)


def hr_keys_from_pb(m: pb.HRKeys) -> HRKeys:
    rg = None
    if m.HasField("rekey_group"):
        rg = RekeyGroup(m.rekey_group.timestamp, {k: bytes(v) for k, v in m.rekey_group.keys.items()})
    return HRKeys(tuple(HRKey(bytes(k.key), k.timestamp, k.deprecated_key_id) for k in m.keys), rg)


def encode_hr_keys(keys: HRKeys) -> bytes:
    h = pb.HRHeader()
    HRHeader(keys=keys).to_pb(h)
    return h.keys.SerializeToString(deterministic=True)


def decode_hr_keys(data: bytes) -> HRKeys:
    from statuscli.core.encryption import parse_pb

    return hr_keys_from_pb(parse_pb(pb.HRKeys(), data, "HRKeys"))
