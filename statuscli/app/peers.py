"""Resolving a PEER argument: ``0x04…`` / ``0x02…`` / ``zQ3…`` key text, a status.app profile link or a contact name.

    resolve_peer(account, text) -> bytes      # 65-byte uncompressed public key
    add_contact(account, name, key, now_ms)   # remember a name for a key
"""

from __future__ import annotations

import re

from statuscli.core.errors import InvalidInput, MalformedKey, NotFound
from statuscli.core.identity.keytext import parse_public_key_text
from statuscli.core.identity.links import is_profile_link, parse_key_or_link
from statuscli.store import peers as peer_store
from statuscli.store.db import transaction

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._ -]{0,63}$")


def _looks_like_key(text: str) -> bool:
    t = text.strip()
    return t[:2] in ("0x", "0X") or t[:1] in ("z", "f") and len(t) > 40 or all(c in "0123456789abcdefABCDEF" for c in t) and len(t) >= 66


def resolve_peer(account, text: str) -> bytes:
    """A peer's uncompressed public key from key text or a contact name of ``account``."""
    t = (text or "").strip()
    if not t:
        raise InvalidInput("empty PEER", hint="give a public key (0x04…, zQ3…) or a contact name")
    if is_profile_link(t):
        return parse_key_or_link(t)
    if _looks_like_key(t):
        return parse_public_key_text(t)
    pub = peer_store.contact(account.db, t)
    if pub is not None:
        return pub
    try:
        return parse_public_key_text(t)
    except MalformedKey:
        raise NotFound(
            f"no contact named {t!r} and it is not a public key",
            hint="use a 0x04…/zQ3… key or a status.app/u link, or name the key first ('statuscli contacts add KEY --name NAME')",
        ) from None


def is_valid_contact_name(name: str) -> bool:
    return bool(_NAME_RE.match(name))


def add_contact(account, name: str, key: bytes, now_ms: int) -> None:
    if not is_valid_contact_name(name):
        raise InvalidInput(f"invalid contact name {name!r}", hint="start with a letter; letters, digits, '.', '_', '-', space")
    with transaction(account.db):
        peer_store.set_contact(account.db, name, key, now_ms)


def contacts(account) -> list[tuple[str, bytes]]:
    return peer_store.contacts(account.db)
