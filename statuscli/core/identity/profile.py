"""Everything a person sees of a chat key, at once (what ``keys inspect`` prints)."""

from __future__ import annotations

from statuscli.core.crypto import secp256k1
from statuscli.core.identity import alias as _alias
from statuscli.core.identity import colorhash, emojihash, identicon, keytext


def public_profile(pub: bytes) -> dict:
    """JSON-ready identity fields of a 33- or 65-byte public key."""
    full = secp256k1.parse_public_key(pub)
    key_hex = "0x" + full.hex()
    return {
        "public_key": key_hex,
        "compressed_key": keytext.compressed_key(full),
        "alias": _alias.alias(full),
        "emoji_hash": emojihash.emoji_hash(full),
        "color_hash": colorhash.color_hash(full),
        "color_id": colorhash.color_id(full),
        "identicon": identicon.identicon_pattern(key_hex),
        "address": secp256k1.checksum_address(secp256k1.address(full)),
    }
