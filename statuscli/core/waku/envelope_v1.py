"""Waku v1 envelopes (6/WAKU1, status-go ``waku/common/envelope.go``): RLP, hash, PoW, acceptance.

* Envelope = RLP ``[expiry uint32, ttl uint32, topic 4 bytes, data bytes, nonce uint64]``;
  hash = keccak256(RLP of the whole envelope, as received). "sent" = expiry − ttl.
* PoW = 2^(leading zero bits of keccak256(RLP([expiry, ttl, topic, data]) ‖ BE64(nonce)))
  / len(RLP([expiry, ttl, topic, data])) / ttl.
* Sealing aims at ``ceil(log2(target × (20 + len(data)) × ttl))`` leading zero bits (status-go's
  ``powToFirstBit``; slightly different from the size used when verifying — kept as is).
* Acceptance at ``now`` (unix seconds), status-go ``addAndBridge``: sent more than 10 s in the
  future → error; expired → dropped, and an error when expired for more than 20 s; larger than the
  maximum size (1 MiB) → error; PoW below the minimum → error. A future-dated envelope has its
  PoW recomputed with ttl + (sent − now + 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import (
    DecodeError,
    EnvelopeFromFuture,
    EnvelopeLowPow,
    EnvelopeTooLarge,
    EnvelopeTooOld,
    InvalidInput,
    PowNotReached,
)
from statuscli.core.waku import rlp

HEADER_LENGTH = 20
DEFAULT_TTL = 50
DEFAULT_MAX_SIZE = 1 << 20
DEFAULT_MIN_POW = 0.000002  # status-go WakuMinimumPoW (node default)
STATUS_POW_TARGET = 0.002  # status-go send default (0.000002 above 50 000 bytes)
SYNC_ALLOWANCE = 10
_U32, _U64 = (1 << 32) - 1, (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class Envelope:
    expiry: int
    ttl: int
    topic: bytes
    data: bytes
    nonce: int = 0

    @property
    def sent(self) -> int:
        return self.expiry - self.ttl

    @property
    def size(self) -> int:
        return HEADER_LENGTH + len(self.data)

    def rlp_without_nonce(self) -> bytes:
        return rlp.encode([self.expiry, self.ttl, self.topic, self.data])

    def pow_hash(self) -> bytes:
        return keccak256(self.rlp_without_nonce() + self.nonce.to_bytes(8, "big"))

    def pow(self, ttl_extra: int = 0) -> float:
        return calculate_pow(self.pow_hash(), len(self.rlp_without_nonce()), self.ttl + ttl_extra)

    def hash(self) -> bytes:
        return keccak256(encode(self))

    def to_json(self) -> dict:
        return {"expiry": self.expiry, "ttl": self.ttl, "sent": self.sent, "topic": "0x" + self.topic.hex(),
                "data_size": len(self.data), "nonce": self.nonce, "hash": "0x" + self.hash().hex(), "pow": self.pow()}


def leading_zero_bits(h: bytes) -> int:
    return len(h) * 8 - int.from_bytes(h, "big").bit_length()


def calculate_pow(pow_hash: bytes, size: int, ttl: int) -> float:
    """2^(leading zero bits) / size / ttl (0 when size or ttl is 0, which nothing valid has)."""
    if size <= 0 or ttl <= 0:
        return 0.0
    return math.pow(2, leading_zero_bits(pow_hash)) / size / ttl


def _check(env: Envelope) -> None:
    if not (0 <= env.expiry <= _U32 and 0 <= env.ttl <= _U32 and 0 <= env.nonce <= _U64):
        raise InvalidInput("envelope expiry/ttl are uint32 and nonce is uint64")
    if len(env.topic) != 4:
        raise InvalidInput(f"a Waku v1 topic is 4 bytes, got {len(env.topic)}")


def encode(env: Envelope) -> bytes:
    _check(env)
    return rlp.encode([env.expiry, env.ttl, env.topic, env.data, env.nonce])


def decode(data: bytes) -> Envelope:
    """Strict decoding (canonical RLP, exactly five fields, 4-byte topic)."""
    items = rlp.as_list(rlp.decode(data), "Waku envelope", 5)
    return Envelope(
        expiry=rlp.decode_uint(items[0], "expiry", bits=32),
        ttl=rlp.decode_uint(items[1], "ttl", bits=32),
        topic=rlp.as_bytes(items[2], "topic", 4),
        data=rlp.as_bytes(items[3], "data"),
        nonce=rlp.decode_uint(items[4], "nonce", bits=64),
    )


def new_envelope(data: bytes, topic: bytes, *, now: int, ttl: int = DEFAULT_TTL) -> Envelope:
    """An unsealed envelope sent at ``now`` (unix seconds)."""
    env = Envelope(expiry=now + ttl, ttl=ttl, topic=bytes(topic), data=bytes(data), nonce=0)
    _check(env)
    return env


def target_bits(env: Envelope, target_pow: float) -> int:
    """status-go ``powToFirstBit``: ceil(log2(target × (20 + len(data)) × ttl)), at least 1."""
    x = target_pow * env.size * env.ttl
    return max(1, math.ceil(math.log2(x))) if x > 0 else 1


def seal(
    env: Envelope,
    target_pow: float,
    *,
    max_nonces: int = 1 << 24,
    progress: Callable[[int, int], bool | None] | None = None,
) -> Envelope:
    """Find a nonce reaching ``target_pow``; returns the sealed envelope.

    ``progress(nonces_tried, best_bits)`` is called every 1024 nonces; returning True stops the
    search (the caller's time budget, like status-go's work time). Raises TimeoutExpired (code
    ``pow-not-reached``) when the budget ends first. A target of 0 means no work (nonce 0).
    """
    if target_pow <= 0:
        return env
    want = target_bits(env, target_pow)
    prefix = env.rlp_without_nonce()
    nonce = best_nonce = best = 0
    while nonce < max_nonces:
        for _ in range(1024):
            z = leading_zero_bits(keccak256(prefix + nonce.to_bytes(8, "big")))
            if z > best:
                best, best_nonce = z, nonce
                if best >= want:
                    return Envelope(env.expiry, env.ttl, env.topic, env.data, best_nonce)
            nonce += 1
        if progress is not None and progress(nonce, best):
            break
    raise PowNotReached(
        f"PoW target {target_pow} ({want} leading zero bits) not reached after {nonce} nonces (best {best} bits)",
        hint="lower --pow or allow more work time",
    )


def check_acceptance(env: Envelope, now: int, *, min_pow: float = DEFAULT_MIN_POW, max_size: int = DEFAULT_MAX_SIZE) -> bool:
    """True to accept, False to drop silently (expired); raises for envelopes status-go refuses."""
    sent = env.sent
    ttl_extra = 0
    if sent > now:
        if sent - SYNC_ALLOWANCE > now:
            raise EnvelopeFromFuture("envelope created in the future (clock out of sync?)")
        ttl_extra = sent - now + 1
    if env.expiry < now:
        if env.expiry + 2 * SYNC_ALLOWANCE < now:
            raise EnvelopeTooOld("very old envelope")
        return False
    if env.size > max_size:
        raise EnvelopeTooLarge(f"envelope of {env.size} bytes exceeds the maximum {max_size}")
    pow_value = env.pow(ttl_extra)
    if pow_value < min_pow:
        raise EnvelopeLowPow(f"envelope PoW {pow_value:g} below the minimum {min_pow:g}")
    return True


def looks_like_envelope(data: bytes) -> bool:
    try:
        decode(data)
    except DecodeError:
        return False
    return True


# --- 15/WAKU-BRIDGE topic mapping ------------------------------------------------------------
def bridge_content_topic(topic: bytes) -> str:
    """Waku v1 topic → v2 content topic ``/waku/1/0x<8 hex>/rfc26`` (nwaku bridge)."""
    if len(topic) != 4:
        raise InvalidInput(f"a Waku v1 topic is 4 bytes, got {len(topic)}")
    return f"/waku/1/0x{topic.hex()}/rfc26"


def bridge_topic(content_topic: str) -> bytes:
    """v2 content topic → v1 topic; like nwaku's bridge this also accepts the hex without ``0x``
    (status-go's own parser in ``core.topics.wire`` insists on the prefix)."""
    from statuscli.core.errors import MalformedTopic

    parts = content_topic.split("/")
    if len(parts) != 5 or parts[:3] != ["", "waku", "1"] or parts[4] != "rfc26":
        raise MalformedTopic(f"not a Waku v1-compatible content topic: {content_topic!r}", hint="expected /waku/1/0x<8 hex digits>/rfc26")
    text = parts[3][2:] if parts[3][:2] in ("0x", "0X") else parts[3]
    try:
        topic = bytes.fromhex(text)
    except ValueError:
        topic = b""
    if len(topic) != 4:
        raise MalformedTopic(f"the topic in {content_topic!r} is not 4 bytes of hex")
    return topic
