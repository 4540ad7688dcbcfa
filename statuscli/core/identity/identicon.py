"""The identicon of a key (status-go ``protocol/identity/identicon``): a mirrored 5×5 pattern.

h = MD5(UTF-8 of the key string, ``0x04…`` for a chat key). Row i, column j takes
``h[3i + j']`` with ``j' = j`` for j ≤ 2 else ``4 - j`` (mirror). A cell is "on" when its byte is
even. Colour: HSL(hue = (h[13] + h[14] + h[15]) / 765 × 360°, S = 0.5, L = 0.7). Rendering to an
image is cosmetic and not done here.
"""

from __future__ import annotations

import hashlib

SIZE = 5


def identicon_pattern_from_digest(h: bytes) -> list[int]:
    """The 25 byte values of the pattern, row by row."""
    return [h[3 * i + (j if j <= 2 else 4 - j)] for i in range(SIZE) for j in range(SIZE)]


def identicon_pattern(key_string: str) -> list[int]:
    return identicon_pattern_from_digest(hashlib.md5(key_string.encode("utf-8")).digest())


def identicon_cells(key_string: str) -> list[bool]:
    """25 booleans, row by row: True where the cell is filled (even byte)."""
    return [b % 2 == 0 for b in identicon_pattern(key_string)]


def identicon_color(key_string: str) -> tuple[float, float, float]:
    """(hue in degrees, saturation, lightness)."""
    h = hashlib.md5(key_string.encode("utf-8")).digest()
    return ((h[13] + h[14] + h[15]) / 765 * 360, 0.5, 0.7)


def render_text(key_string: str, on: str = "██", off: str = "  ") -> str:
    cells = identicon_cells(key_string)
    return "\n".join("".join(on if cells[i * SIZE + j] else off for j in range(SIZE)) for i in range(SIZE))
