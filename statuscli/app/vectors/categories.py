"""The vector categories statuscli generates, and where their generator and checker live.

Loading is lazy: ``vectors list`` reads this table only; generating or verifying a category
imports its family's modules (``gen_<family>`` / ``check_<family>``) and nothing else.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

# name -> (family, description, has must-fail vectors)
CATEGORIES: dict[str, tuple[str, str, bool]] = {
    "keys": ("identity", "BIP-39 entropy → mnemonic → seed; Status keyUID, chat/encryption/wallet keys; a BIP-32 path", True),
    "identity": ("identity", "chat-key formats: zQ3 compressed key, alias, emoji hash, color hash/id, identicon, address", True),
    "topics": ("topics", "chat-id strings, 4-byte topics, content topics, blooms, symmetric keys, autosharding", True),
    "bundles": ("secure", "signed X3DH prekey bundles: signature material, signature, protobuf; tampered bundles", True),
    "x3dh": ("secure", "X3DH shared secrets (active and passive side) and the key pairs; bundle keys off the curve", True),
    "ratchet": ("secure", "Double Ratchet conversations: headers and ciphertexts both ways; tampered messages", True),
    "payload-v1": ("waku", "Waku payload v1: layout, padding, AES-GCM and ECIES, signed and unsigned; wrong keys", True),
    "waku-message": ("waku", "WakuMessage protobuf bytes and deterministic message hashes; oversized meta", True),
    "enr": ("waku", "Waku ENRs: record text, node id, peer id, capabilities, shards; bad signatures", True),
    "mvds": ("messages", "MVDS payloads: 1:1 group ids, message ids, protobuf bytes; undecodable payloads", True),
    "app-message": ("messages", "ChatMessage in a signed ApplicationMetadataMessage: bytes, signer, message id", True),
}


def family(category: str) -> str:
    return CATEGORIES[category][0]


def generator(category: str) -> Callable:
    return importlib.import_module(f"statuscli.app.vectors.gen_{family(category)}").GENERATORS[category]


def checker(category: str) -> Callable | None:
    if category not in CATEGORIES:
        return None
    return importlib.import_module(f"statuscli.app.vectors.check_{family(category)}").CHECKS[category]
