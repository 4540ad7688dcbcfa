"""The one deterministic byte stream behind every ``--seed``: SHA-256(seed ‖ BE64(counter)), read in order.

Sans-IO stand-in for ``os.urandom`` in reproducible runs (vectors, tests, ``--dry-run --seed``):
``envelope encode``, ``encrypt``, ``send`` and ``bundle create`` give the same bytes for the same seed
and the same sequence of draws. Never for real use: anyone who knows the seed knows every key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable


def seeded_rng(seed: bytes) -> Callable[[int], bytes]:
    """``rng(n) -> n bytes``; consecutive calls continue the same stream (no byte is skipped)."""
    state = {"counter": 0, "buffer": b""}

    def rng(n: int) -> bytes:
        while len(state["buffer"]) < n:
            state["buffer"] += hashlib.sha256(seed + state["counter"].to_bytes(8, "big")).digest()
            state["counter"] += 1
        out, state["buffer"] = state["buffer"][:n], state["buffer"][n:]
        return out

    return rng
