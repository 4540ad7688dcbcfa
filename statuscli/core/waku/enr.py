"""Ethereum Node Records (EIP-778) with the Waku keys of RFC 31.

* Record = RLP ``[signature, seq, k1, v1, k2, v2, …]``, keys unique and sorted bytewise, at most
  300 bytes. Text form ``enr:`` + base64url(RLP) without padding.
* Identity scheme "v4": ``secp256k1`` = 33-byte compressed key; signature = 64-byte ``r‖s`` over
  keccak256(RLP([seq, k1, v1, …])). Node id = keccak256(uncompressed X‖Y).
* libp2p peer id = base58btc(identity multihash of the protobuf PublicKey{Secp256k1, key}):
  ``00 25 08 02 12 21 ‖ key33`` → "16Uiu2…".
* ``waku2``: one byte, bit0 relay, bit1 store, bit2 filter, bit3 lightpush, bit4 sync (bit5 is
  nwaku's "mix", not in RFC 31). ``multiaddrs``: repeated ``BE16(len) ‖ binary multiaddr``.
* ``rs``: ``BE16(cluster) ‖ count(1) ‖ count × BE16(shard)``; ``rsv``: ``BE16(cluster) ‖ 128-byte
  bit vector``. AMBIGUITY: nwaku sets shard s as ``vec[s // 8] |= 1 << (s % 8)`` (LSB first), js-waku
  as ``1 << (7 − s % 8)`` (MSB first), and nwaku's own doc comment describes a third layout. We
  follow nwaku's code; :func:`decode_rsv` can also read js-waku's order on request. It only matters
  for records announcing 64 shards or more (we use ``rs`` below that, as nwaku does).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.encoding import b58encode, b64url_decode, b64url_encode
from statuscli.core.errors import BadSignature, DecodeError, InvalidInput, MalformedKey
from statuscli.core.waku import multiaddr as ma
from statuscli.core.waku import rlp

MAX_RECORD_SIZE = 300
WAKU2_BITS = ("relay", "store", "filter", "lightpush", "sync", "mix")
_RSV_BYTES = 128


# --- field codecs ---------------------------------------------------------------------------
def waku2_flags(value: int) -> dict[str, bool]:
    """The capability names of a ``waku2`` byte (RFC 31 bits 0–4; nwaku's mix is bit 5)."""
    return {name: bool(value >> i & 1) for i, name in enumerate(WAKU2_BITS[:5])}


def waku2_byte(flags: int | Iterable[str] | Mapping[str, bool]) -> int:
    """A ``waku2`` byte from an int, capability names, or a {name: bool} mapping."""
    if isinstance(flags, int):
        if not 0 <= flags <= 0xFF:
            raise InvalidInput("waku2 is one byte")
        return flags
    names = [k for k, v in flags.items() if v] if isinstance(flags, Mapping) else list(flags)
    value = 0
    for name in names:
        if name not in WAKU2_BITS:
            raise InvalidInput(f"unknown waku2 capability {name!r} (known: {', '.join(WAKU2_BITS)})")
        value |= 1 << WAKU2_BITS.index(name)
    return value


def encode_multiaddrs(addrs: Iterable[str]) -> bytes:
    out = bytearray()
    for text in addrs:
        raw = ma.encode(ma.strip_p2p(text))
        out += len(raw).to_bytes(2, "big") + raw
    return bytes(out)


def decode_multiaddrs(data: bytes) -> list[str]:
    """Split and decode a ``multiaddrs`` value (raises DecodeError on a bad entry)."""
    out, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise DecodeError("multiaddrs: truncated length prefix")
        n = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        if n == 0 or pos + n > len(data):
            raise DecodeError("multiaddrs: entry length is zero or exceeds the field")
        out.append(ma.decode(data[pos : pos + n]))
        pos += n
    return out


def encode_rs(cluster: int, shards: Iterable[int]) -> bytes:
    shards = sorted(set(shards))
    if not 0 <= cluster <= 0xFFFF or any(not 0 <= s <= 0xFFFF for s in shards):
        raise InvalidInput("cluster and shards are 16-bit numbers")
    if len(shards) > 0xFF:
        raise InvalidInput("rs holds at most 255 shards; use rsv")
    return cluster.to_bytes(2, "big") + bytes([len(shards)]) + b"".join(s.to_bytes(2, "big") for s in shards)


def decode_rs(data: bytes) -> tuple[int, list[int]]:
    """``rs`` index list → (cluster, shards)."""
    if len(data) < 3:
        raise DecodeError("rs: insufficient data (needs cluster and count)")
    count = data[2]
    if len(data) != 3 + 2 * count:
        raise DecodeError(f"rs: {count} shards announced but {len(data) - 3} bytes follow")
    return int.from_bytes(data[:2], "big"), [int.from_bytes(data[3 + 2 * i : 5 + 2 * i], "big") for i in range(count)]


def encode_rsv(cluster: int, shards: Iterable[int]) -> bytes:
    """``rsv`` with nwaku's LSB-first bit order."""
    vec = bytearray(_RSV_BYTES)
    for s in shards:
        if not 0 <= s < 8 * _RSV_BYTES:
            raise InvalidInput(f"rsv holds shards 0..1023, not {s}")
        vec[s // 8] |= 1 << (s % 8)
    return cluster.to_bytes(2, "big") + bytes(vec)


def decode_rsv(data: bytes, *, order: str = "nwaku") -> tuple[int, list[int]]:
    """``rsv`` bit vector → (cluster, shards); ``order`` "nwaku" (LSB first) or "js-waku" (MSB first)."""
    if len(data) != 2 + _RSV_BYTES:
        raise DecodeError(f"rsv is {2 + _RSV_BYTES} bytes, got {len(data)}")
    vec = data[2:]
    bit = (lambda s: 1 << (s % 8)) if order == "nwaku" else (lambda s: 1 << (7 - s % 8))
    return int.from_bytes(data[:2], "big"), [s for s in range(8 * _RSV_BYTES) if vec[s // 8] & bit(s)]


def peer_id_from_public_key(pub: bytes) -> str:
    """libp2p peer id ("16Uiu2…") of a secp256k1 key (identity multihash of its protobuf form)."""
    key = secp256k1.compress(pub)
    return b58encode(b"\x00\x25\x08\x02\x12\x21" + key)


def node_id_from_public_key(pub: bytes) -> bytes:
    return keccak256(secp256k1.decompress(pub)[1:])


# --- the record -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Enr:
    """A decoded record. ``pairs`` keeps every key (UTF-8 text) with its raw value bytes."""

    raw: bytes
    signature: bytes
    seq: int
    pairs: dict[str, bytes]
    signature_valid: bool
    warnings: tuple[str, ...] = field(default=())

    # identity
    @property
    def id(self) -> str | None:
        v = self.pairs.get("id")
        return v.decode("ascii", "replace") if v is not None else None

    @property
    def public_key(self) -> bytes:
        """33-byte compressed secp256k1 key."""
        return self.pairs["secp256k1"]

    # computed once per record (keccak of the decompressed key): routing tables ask constantly
    @functools.cached_property
    def node_id(self) -> bytes:
        return node_id_from_public_key(self.public_key)

    @functools.cached_property
    def peer_id(self) -> str:
        return peer_id_from_public_key(self.public_key)

    @property
    def text(self) -> str:
        return "enr:" + b64url_encode(self.raw)

    # standard keys
    def _int(self, key: str) -> int | None:
        v = self.pairs.get(key)
        return None if v is None else int.from_bytes(v, "big")

    @property
    def ip(self) -> str | None:
        v = self.pairs.get("ip")
        return str(ipaddress.IPv4Address(v)) if v is not None and len(v) == 4 else None

    @property
    def ip6(self) -> str | None:
        v = self.pairs.get("ip6")
        return str(ipaddress.IPv6Address(v)) if v is not None and len(v) == 16 else None

    tcp = property(lambda self: self._int("tcp"))
    udp = property(lambda self: self._int("udp"))
    tcp6 = property(lambda self: self._int("tcp6"))
    udp6 = property(lambda self: self._int("udp6"))

    # waku keys
    @property
    def waku2(self) -> int | None:
        v = self.pairs.get("waku2")
        return v[0] if v is not None and len(v) == 1 else None

    @property
    def multiaddrs(self) -> list[str]:
        v = self.pairs.get("multiaddrs")
        if v is None:
            return []
        try:
            return decode_multiaddrs(v)
        except DecodeError:
            return []

    @property
    def shards(self) -> tuple[int, list[int]] | None:
        """(cluster, shards) from ``rs`` or ``rsv`` (nwaku order), or None."""
        try:
            if "rs" in self.pairs:
                return decode_rs(self.pairs["rs"])
            if "rsv" in self.pairs:
                return decode_rsv(self.pairs["rsv"])
        except DecodeError:
            return None
        return None

    def to_json(self) -> dict:
        out: dict = {
            "enr": self.text,
            "seq": self.seq,
            "id": self.id,
            "public_key": "0x" + self.public_key.hex(),
            "node_id": "0x" + self.node_id.hex(),
            "peer_id": self.peer_id,
            "signature_valid": self.signature_valid,
        }
        for k in ("ip", "tcp", "udp", "ip6", "tcp6", "udp6"):
            v = getattr(self, k)
            if v is not None:
                out[k] = v
        if self.multiaddrs:
            out["multiaddrs"] = self.multiaddrs
        if self.waku2 is not None:
            out["waku2"] = self.waku2
            out["waku2_flags"] = waku2_flags(self.waku2)
        if self.shards is not None:
            out["shards"] = {"cluster_id": self.shards[0], "shards": self.shards[1], "key": "rs" if "rs" in self.pairs else "rsv"}
        known = {"id", "secp256k1", "ip", "ip6", "tcp", "udp", "tcp6", "udp6", "waku2", "multiaddrs", "rs", "rsv"}
        other = {k: "0x" + v.hex() for k, v in self.pairs.items() if k not in known}
        if other:
            out["other"] = other
        out["keys"] = list(self.pairs)
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


def _content(seq: int, pairs: list[tuple[bytes, bytes]]) -> bytes:
    return rlp.encode([seq] + [x for kv in pairs for x in kv])


def decode_enr(value: str | bytes, *, verify: bool = True) -> Enr:
    """Decode ``enr:…`` text or raw RLP bytes. ``verify`` raises BadSignature on a bad signature."""
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("enr:"):
            raise DecodeError("an ENR in text form starts with 'enr:'")
        try:
            raw = b64url_decode(text[4:])
        except InvalidInput as e:
            raise DecodeError(f"ENR text is not base64url: {e.message}") from None
    else:
        raw = bytes(value)
    if len(raw) > MAX_RECORD_SIZE:
        raise DecodeError(f"ENR is {len(raw)} bytes; records are at most {MAX_RECORD_SIZE}")
    items = rlp.decode(raw)
    if not isinstance(items, list) or len(items) < 2 or len(items) % 2:
        raise DecodeError("ENR must be an RLP list [signature, seq, key, value, …]")
    signature = rlp.as_bytes(items[0], "ENR signature")
    seq = rlp.decode_uint(items[1], "ENR seq", bits=64)
    raw_pairs: list[tuple[bytes, bytes]] = []
    pairs: dict[str, bytes] = {}
    prev = None
    for i in range(2, len(items), 2):
        k = rlp.as_bytes(items[i], "ENR key")
        v = items[i + 1]
        if prev is not None and k <= prev:
            raise DecodeError("ENR keys are not sorted and unique")
        prev = k
        try:
            name = k.decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("ENR key is not UTF-8") from None
        raw_pairs.append((k, v))
        pairs[name] = v if isinstance(v, bytes) else rlp.encode(v)
    if pairs.get("id") != b"v4":
        raise DecodeError(f"unsupported ENR identity scheme {pairs.get('id')!r} (only v4)")
    pub = pairs.get("secp256k1")
    if pub is None:
        raise DecodeError("v4 record without a secp256k1 public key")
    if len(pub) != 33:
        raise DecodeError("secp256k1 key in the record is not 33 bytes")
    try:
        secp256k1.parse_public_key(pub)
    except MalformedKey:
        raise DecodeError("secp256k1 key in the record is not on the curve") from None
    valid = secp256k1.verify_compact(keccak256(_content(seq, raw_pairs)), signature, pub)
    if verify and not valid:
        raise BadSignature("ENR signature does not verify against its secp256k1 key")
    warnings = []
    for key, check in (("multiaddrs", decode_multiaddrs), ("rs", decode_rs), ("rsv", decode_rsv)):
        if key in pairs:
            try:
                check(pairs[key])
            except DecodeError as e:
                warnings.append(f"{key}: {e.message}")
    if "waku2" in pairs and len(pairs["waku2"]) != 1:
        warnings.append("waku2: not exactly one byte")
    return Enr(raw=raw, signature=signature, seq=seq, pairs=pairs, signature_valid=valid, warnings=tuple(warnings))


def encode_enr(private_key: bytes, seq: int, pairs: Mapping[str, bytes | int]) -> bytes:
    """Sign and encode a v4 record from arbitrary pairs (``id`` and ``secp256k1`` are added)."""
    items = {k: (rlp.encode_uint(v) if isinstance(v, int) else bytes(v)) for k, v in pairs.items()}
    items["id"] = b"v4"
    items["secp256k1"] = secp256k1.compress(secp256k1.public_key(private_key))
    ordered = sorted((k.encode("utf-8"), v) for k, v in items.items())
    if not 0 <= seq < 1 << 64:
        raise InvalidInput("ENR seq is a 64-bit number")
    sig = secp256k1.sign(keccak256(_content(seq, ordered)), private_key)[:64]
    raw = rlp.encode([sig, seq] + [x for kv in ordered for x in kv])
    if len(raw) > MAX_RECORD_SIZE:
        raise InvalidInput(f"the record would be {len(raw)} bytes; ENRs are at most {MAX_RECORD_SIZE}")
    return raw


def build_enr(
    private_key: bytes,
    seq: int,
    *,
    ip: str | None,
    tcp: int | None,
    udp: int | None = None,
    waku2_flags: int | Iterable[str] | Mapping[str, bool] = 0,
    multiaddrs: Iterable[str] = (),
    rs: tuple[int, Iterable[int]] | None = None,
) -> bytes:
    """A Waku node's record (raw RLP; ``enr_text`` for the ``enr:`` form).

    ``ip`` may be IPv4 (keys ip/tcp/udp) or IPv6 (ip6/tcp6/udp6). ``rs`` = (cluster, shards) is
    written as ``rs`` below 64 shards and as ``rsv`` (nwaku bit order) from 64 on.
    """
    pairs: dict[str, bytes | int] = {}
    suffix = ""
    if ip is not None:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            raise InvalidInput(f"not an IP address: {ip!r}") from None
        suffix = "6" if addr.version == 6 else ""
        pairs["ip" + suffix] = addr.packed
    for name, port in (("tcp", tcp), ("udp", udp)):
        if port is not None:
            if not 0 <= port <= 0xFFFF:
                raise InvalidInput(f"{name} port {port} out of range")
            pairs[name + suffix] = port
    flags = waku2_byte(waku2_flags)
    if flags:
        pairs["waku2"] = bytes([flags])
    addrs = list(multiaddrs)
    if addrs:
        pairs["multiaddrs"] = encode_multiaddrs(addrs)
    if rs is not None:
        cluster, shards = rs[0], sorted(set(rs[1]))
        if len(shards) >= 64:
            pairs["rsv"] = encode_rsv(cluster, shards)
        else:
            pairs["rs"] = encode_rs(cluster, shards)
    return encode_enr(private_key, seq, pairs)


def enr_text(raw: bytes) -> str:
    return "enr:" + b64url_encode(raw)
