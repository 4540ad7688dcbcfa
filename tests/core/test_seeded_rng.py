"""One seeded stream for every --seed (cli.secure_common.rng_from_seed: envelope encode, encrypt, send, bundle create)."""

from __future__ import annotations

import hashlib

from statuscli.core.crypto.seeded import seeded_rng


def test_the_stream_is_sha256_in_counter_mode_read_without_gaps():
    seed = bytes.fromhex("01")
    rng = seeded_rng(seed)
    drawn = rng(5) + rng(40) + rng(3)
    expected = b"".join(hashlib.sha256(seed + i.to_bytes(8, "big")).digest() for i in range(2))[:48]
    assert drawn == expected  # the old envelope-encode stream dropped the rest of each digest (32 + 32 … ≠ this)
    assert seeded_rng(seed)(48) == expected
