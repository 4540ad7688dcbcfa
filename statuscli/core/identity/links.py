"""Where a chat key sits in what people share: key text, QR contents, ``status.app`` links.

* ``zQ3…`` / ``0x04…`` / ``0x02…`` key text — what ``statuscli keys show --qr`` encodes.
* ``https://status.app/u/<profile data>#zQ3…`` — a Status profile link: the chat key is the part
  after ``#`` (the path holds brotli-compressed, base64url profile data that is not needed for
  the key). ``https://status.app/u#zQ3…``, ``status.app/u/zQ3…`` (key in the path) and the
  ``status-app://u/…`` deep link are read the same way.
* A profile link without a key part (only profile data) names no key: :class:`MalformedKey`.
"""

from __future__ import annotations

import re

from statuscli.core.errors import MalformedKey
from statuscli.core.identity.keytext import parse_public_key_text

_LINK = re.compile(r"^(?:(?:https?://)?(?:www\.)?status\.app/u|status-app://u)(?P<rest>[/#?].*)?$", re.IGNORECASE)
_KEYISH = re.compile(r"^(?:zQ3|0x0[234]|0[234][0-9a-fA-F]{60}|fe701|0xe701)", re.IGNORECASE)
LINK_HINT = "a profile link names its key after '#': https://status.app/u/…#zQ3…"


def is_profile_link(text: str) -> bool:
    return bool(_LINK.match(text.strip()))


def key_text_of(text: str) -> str:
    """The key text inside ``text``: the text itself, or the key part of a profile link."""
    t = text.strip()
    m = _LINK.match(t)
    if not m:
        return t
    rest = m.group("rest") or ""
    path, _, fragment = rest.partition("#")
    fragment = fragment.split("?", 1)[0].strip()
    if fragment:
        return fragment
    segment = path.split("?", 1)[0].strip("/").rsplit("/", 1)[-1]
    if segment and _KEYISH.match(segment):
        return segment
    what = "profile data but no chat key" if segment else "no chat key"
    raise MalformedKey(f"this Status link holds {what}", hint=LINK_HINT)


def parse_key_or_link(text: str) -> bytes:
    """A 65-byte public key from key text or a profile link (MalformedKey otherwise)."""
    return parse_public_key_text(key_text_of(text))
