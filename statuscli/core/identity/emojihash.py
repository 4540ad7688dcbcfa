"""The emoji hash of a chat key (status-go ``protocol/identity/emojihash``).

The 160-bit emoji slice of the compressed key, written in base 2757 (the emoji alphabet),
most-significant digit first, left-padded with digit 0 to exactly 14 emojis.
"""

from __future__ import annotations

from collections.abc import Sequence

from statuscli.core.identity import data
from statuscli.core.identity.bigbase import key_slices, to_big_base

EMOJI_HASH_LENGTH = 14


def to_emoji_hash(value: int, hash_len: int, alphabet: Sequence[str]) -> list[str]:
    """``value`` as ``hash_len`` symbols of ``alphabet`` (left-padded with ``alphabet[0]``)."""
    if len(alphabet) ** hash_len < (1 << value.bit_length()):
        raise ValueError(f"{hash_len} symbols of a {len(alphabet)}-symbol alphabet cannot hold the value")
    digits = to_big_base(value, len(alphabet))
    digits = [0] * (hash_len - len(digits)) + digits
    return [alphabet[d] for d in digits]


def emoji_hash(pub: bytes) -> list[str]:
    """The 14 emojis of a 33- or 65-byte public key."""
    return to_emoji_hash(key_slices(pub).emoji_value, EMOJI_HASH_LENGTH, data.emoji_alphabet())
