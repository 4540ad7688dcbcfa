"""Hash functions: legacy Keccak-256 (Ethereum; not NIST SHA3-256), SHA-256, MD5.

Keccak comes from eth-hash with its pycryptodome backend, loaded directly rather than through
``eth_hash.auto``: the auto-discovery scans installed distributions and costs ~30 ms at start-up.
"""

from __future__ import annotations

import hashlib

try:
    from eth_hash.backends.pycryptodome import keccak256 as _keccak256
except ImportError:  # another eth-hash backend is installed
    from eth_hash.auto import keccak as _keccak256


def keccak256(data: bytes) -> bytes:
    return _keccak256(data)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
