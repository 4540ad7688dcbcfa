"""Constant data shipped with the package: alias word lists and the emoji alphabet.

Read once on first use and cached; nothing is read at import time. The lists are exact copies
of status-go's (``protocol/identity/alias/data.go``, ``static/emojis.txt``), in file order.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: status-go uses only the first 2757 lines of its emoji file as the emoji-hash alphabet.
EMOJI_ALPHABET_SIZE = 2757


@lru_cache(maxsize=None)
def _load(name: str) -> tuple[str, ...]:
    with open(DATA_DIR / f"{name}.json", encoding="utf-8") as f:
        return tuple(json.load(f))


def adjectives() -> tuple[str, ...]:
    """The 1389 alias adjectives."""
    return _load("alias-adjectives")


def animals() -> tuple[str, ...]:
    """The 1704 alias animals."""
    return _load("alias-animals")


def emojis() -> tuple[str, ...]:
    """Every line of status-go's emoji file (more than the alphabet uses)."""
    return _load("emojis")


def emoji_alphabet() -> tuple[str, ...]:
    """The emoji-hash alphabet: the first 2757 emojis."""
    return emojis()[:EMOJI_ALPHABET_SIZE]
