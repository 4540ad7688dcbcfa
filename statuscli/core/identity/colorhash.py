"""The color hash and color id of a chat key (status-go ``protocol/identity/colorhash``, ``utils.go``).

* Alphabet: ``units × colors`` entries, entry ``d`` = ``[d // colors + 1, d % colors]``
  (segment length 1..units, color index 0..colors-1); Status uses 5 × 32.
* The 80-bit color slice of the compressed key in base ``len(alphabet)``, most significant first,
  no padding. Then, for i ≥ 1, a color equal to the (already adjusted) previous one is bumped to
  ``(color + 1) mod colors_count``.
* Color id = the whole 65-byte key as an integer, mod 11 (status-go's ``12 - 1``).
"""

from __future__ import annotations

from collections.abc import Sequence

from statuscli.core.crypto import secp256k1
from statuscli.core.identity.bigbase import key_slices, to_big_base

UNITS = 5
COLORS = 32
COLOR_ID_MODULUS = 11


def color_hash_alphabet(units: int = UNITS, colors: int = COLORS) -> list[tuple[int, int]]:
    return [(d // colors + 1, d % colors) for d in range(units * colors)]


def to_color_hash(value: int, alphabet: Sequence[tuple[int, int]], colors_count: int) -> list[list[int]]:
    out: list[list[int]] = []
    for d in to_big_base(value, len(alphabet)):
        length, color = alphabet[d]
        if out and color == out[-1][1]:
            color = (color + 1) % colors_count
        out.append([length, color])
    return out


def color_hash(pub: bytes) -> list[list[int]]:
    """``[[segment_length, color_index], …]`` of a 33- or 65-byte public key."""
    return to_color_hash(key_slices(pub).color_value, color_hash_alphabet(), COLORS)


def color_id(pub: bytes) -> int:
    return int.from_bytes(secp256k1.decompress(pub), "big") % COLOR_ID_MODULUS
