"""Deterministic entropy for generated vectors: every byte comes from the seed.

A draw is named by a *label* (``"3/identity"``: vector 3, its identity key). The bytes of a label
are the stream ``HMAC-SHA256(seed, category ‖ 0x00 ‖ label ‖ 0x00 ‖ BE32(counter))`` for counter
0, 1, 2, … concatenated. Different labels give independent streams, so adding a field to one
vector never shifts the bytes of another, and the same seed always gives the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from statuscli.core.crypto.symmetric import hmac_sha256

ALPHABET = "abcdefghijklmnopqrstuvwxyz"


class Entropy:
    """Named, reproducible byte streams derived from a seed text and a category."""

    def __init__(self, seed: str, category: str):
        self.seed = seed
        self._key = seed.encode("utf-8")
        self._prefix = category.encode("utf-8") + b"\x00"

    def _block(self, label: str, counter: int) -> bytes:
        return hmac_sha256(self._key, self._prefix + label.encode("utf-8") + b"\x00" + counter.to_bytes(4, "big"))

    def rng(self, label: str) -> Callable[[int], bytes]:
        """A stream reader for ``label``: successive calls return successive bytes."""
        state = {"buf": b"", "counter": 0}

        def read(n: int) -> bytes:
            while len(state["buf"]) < n:
                state["buf"] += self._block(label, state["counter"])
                state["counter"] += 1
            out, state["buf"] = state["buf"][:n], state["buf"][n:]
            return out

        return read

    def bytes(self, label: str, n: int) -> bytes:
        """The first ``n`` bytes of ``label``'s stream."""
        return self.rng(label)(n)

    def int(self, label: str, low: int, high: int) -> int:
        """A uniform integer in ``[low, high]`` (rejection sampling over the stream)."""
        span = high - low + 1
        if span <= 0:
            raise ValueError("empty range")
        size = max(1, (span.bit_length() + 7) // 8)
        limit = (256**size // span) * span
        read = self.rng(label)
        while True:
            x = int.from_bytes(read(size), "big")
            if x < limit:
                return low + x % span

    def choice(self, label: str, options: Sequence):
        return options[self.int(label, 0, len(options) - 1)]

    def word(self, label: str, low: int = 3, high: int = 10) -> str:
        """A lowercase ASCII word (channel names, content-topic parts)."""
        n = self.int(label + "/len", low, high)
        return "".join(self.choice(f"{label}/{i}", ALPHABET) for i in range(n))

    def private_key(self, label: str) -> bytes:
        """A valid secp256k1 private key drawn from ``label``'s stream."""
        from statuscli.core.crypto import secp256k1

        return secp256k1.generate_private_key(self.rng(label))
