"""Cryptographic primitives (secp256k1, hashes, symmetric ciphers, KDFs, ECIES)."""
