"""The three-word alias of a chat key (status-go ``protocol/identity/alias``).

seed = the low 64 bits of the public key's X coordinate. A 64-bit Fibonacci LFSR with taps at bits
3, 4, 5 and 7 (polynomial 0xB8) gives three successive states; each state, taken modulo the list
length, picks ``adjective adjective animal`` (words are capitalised in the lists).
"""

from __future__ import annotations

from statuscli.core.crypto import secp256k1
from statuscli.core.identity import data

_MASK64 = (1 << 64) - 1
_TAPS = (3, 4, 5, 7)


class Lfsr:
    """status-go's ``lsfr``: ``next()`` shifts in the XOR of the tap bits and returns the new state."""

    def __init__(self, seed: int):
        self.data = seed & _MASK64

    def next(self) -> int:
        bit = 0
        for tap in _TAPS:
            bit ^= self.data >> tap
        self.data = ((self.data << 1) | (bit & 1)) & _MASK64
        return self.data


def alias_from_seed(seed: int) -> str:
    adjectives, animals = data.adjectives(), data.animals()
    gen = Lfsr(seed)
    first = adjectives[gen.next() % len(adjectives)]
    second = adjectives[gen.next() % len(adjectives)]
    animal = animals[gen.next() % len(animals)]
    return f"{first} {second} {animal}"


def alias(pub: bytes) -> str:
    """The alias of a 33- or 65-byte public key."""
    return alias_from_seed(secp256k1.x_coordinate(pub) & _MASK64)


def is_alias(text: str) -> bool:
    """True when ``text`` is three words that could be an alias (status-go ``IsAlias``)."""
    words = text.split()
    if len(words) != 3:
        return False
    adjectives, animals = set(data.adjectives()), set(data.animals())
    w = [x[:1].upper() + x[1:].lower() for x in words]
    return w[0] in adjectives and w[1] in adjectives and w[2] in animals
