"""Base conversion shared by the emoji hash and the color hash (status-go ``identity/utils.go``)."""

from __future__ import annotations

from statuscli.core.crypto import secp256k1


def to_big_base(value: int, base: int) -> list[int]:
    """Digits of ``value`` in ``base``, most significant first; 0 → ``[0]``."""
    if base < 2:
        raise ValueError("base must be at least 2")
    if value < 0:
        raise ValueError("value must not be negative")
    digits = []
    while True:
        value, d = divmod(value, base)
        digits.append(d)
        if value == 0:
            return digits[::-1]


class KeySlices(tuple):
    """``(cutoff_a, emoji_value, color_value, cutoff_b)`` of a compressed key (status-go ``Slices``)."""

    __slots__ = ()

    @property
    def cutoff_a(self) -> int:  # 12 bits
        return self[0]

    @property
    def emoji_value(self) -> int:  # 160 bits
        return self[1]

    @property
    def color_value(self) -> int:  # 80 bits
        return self[2]

    @property
    def cutoff_b(self) -> int:  # 12 bits
        return self[3]


def slices(compressed33: bytes) -> KeySlices:
    """Split a 33-byte key into 12 | 160 | 80 | 12 bits (the 264 bits minus 4 around the edges)."""
    if len(compressed33) != 33:
        raise ValueError("slices() takes a 33-byte compressed key")
    c = compressed33
    a = (int.from_bytes(c[0:2], "big") & 0xFFF0) >> 4
    e = (int.from_bytes(c[1:22], "big") & ((1 << 164) - 1)) >> 4
    col = (int.from_bytes(c[21:32], "big") & ((1 << 84) - 1)) >> 4
    b = int.from_bytes(c[31:33], "big") & 0x0FFF
    return KeySlices((a, e, col, b))


def key_slices(pub: bytes) -> KeySlices:
    return slices(secp256k1.compress(secp256k1.decompress(pub)))
