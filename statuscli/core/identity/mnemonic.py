"""BIP-39 mnemonics (status-go ``extkeys/mnemonic.go``), on top of the ``mnemonic`` library.

* Generation is deterministic: the caller passes the entropy bytes (16–32 bytes, a multiple of 4;
  12 words = 16 bytes, 24 words = 32 bytes). Randomness belongs to the caller, not to core.
* Validation (:func:`validate`) explains what is wrong — word count, an unknown word and where,
  or a failed checksum — with :class:`~statuscli.core.errors.InvalidMnemonic`.
* Seed = PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic" + NFKD(passphrase), 2048 rounds, 64 bytes).
  Status creates accounts with an empty BIP-39 passphrase.

The ``mnemonic`` library is imported on first use (it reads its word lists from disk).
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache

from statuscli.core.errors import InvalidEntropy, InvalidMnemonic

#: words → entropy bytes
WORD_COUNTS = {12: 16, 15: 20, 18: 24, 21: 28, 24: 32}
DEFAULT_LANGUAGE = "english"


def entropy_length(words: int) -> int:
    """Entropy bytes needed for a mnemonic of ``words`` words."""
    try:
        return WORD_COUNTS[words]
    except KeyError:
        raise InvalidMnemonic(f"a mnemonic has 12, 15, 18, 21 or 24 words, not {words}") from None


def languages() -> list[str]:
    import mnemonic as _lib

    return sorted(_lib.Mnemonic.list_languages())


@lru_cache(maxsize=None)
def _library(language: str):
    import mnemonic as _lib

    if language not in _lib.Mnemonic.list_languages():
        raise InvalidMnemonic(f"unknown mnemonic language {language!r} (known: {', '.join(languages())})")
    return _lib.Mnemonic(language)


def wordlist(language: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    """The 2048 words of a BIP-39 list, in order."""
    return tuple(_library(language).wordlist)


@lru_cache(maxsize=None)
def _index(language: str) -> dict[str, int]:
    return {unicodedata.normalize("NFKD", w): i for i, w in enumerate(_library(language).wordlist)}


def from_entropy(entropy: bytes, language: str = DEFAULT_LANGUAGE) -> str:
    """The mnemonic for ``entropy`` (16, 20, 24, 28 or 32 bytes). Japanese joins words with U+3000."""
    if len(entropy) not in WORD_COUNTS.values():
        raise InvalidEntropy(
            f"mnemonic entropy is 16, 20, 24, 28 or 32 bytes, got {len(entropy)}"
        )
    return _library(language).to_mnemonic(bytes(entropy))


def split_words(text: str) -> list[str]:
    """NFKD-normalised words of a mnemonic, any whitespace as separator, latin words lowercased."""
    return [w.lower() for w in unicodedata.normalize("NFKD", text).split()]


def detect_language(words: list[str]) -> str:
    """The first language (English first) whose list contains every word; else English."""
    candidates = [DEFAULT_LANGUAGE] + [lang for lang in languages() if lang != DEFAULT_LANGUAGE]
    for lang in candidates:
        idx = _index(lang)
        if all(w in idx for w in words):
            return lang
    return DEFAULT_LANGUAGE


def to_entropy(text: str, language: str | None = None) -> bytes:
    """Check a mnemonic and return its entropy; raises :class:`InvalidMnemonic` saying why."""
    words = split_words(text)
    if not words:
        raise InvalidMnemonic("the mnemonic is empty")
    if len(words) not in WORD_COUNTS:
        raise InvalidMnemonic(f"a mnemonic has 12, 15, 18, 21 or 24 words, this one has {len(words)}")
    lang = language or detect_language(words)
    idx = _index(lang)
    unknown = [(i + 1, w) for i, w in enumerate(words) if w not in idx]
    if unknown:
        where = ", ".join(f"word {pos}" for pos, _ in unknown[:3])  # positions only: never echo a secret word
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        raise InvalidMnemonic(f"not in the BIP-39 {lang} word list: {where}{more}")
    bits = 0
    for w in words:
        bits = (bits << 11) | idx[w]
    total = 11 * len(words)
    checksum_bits = total // 33
    entropy = (bits >> checksum_bits).to_bytes((total - checksum_bits) // 8, "big")
    expected = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    if bits & ((1 << checksum_bits) - 1) != expected:
        raise InvalidMnemonic("the mnemonic's checksum does not match (a word is wrong or out of order)")
    return entropy


def validate(text: str, language: str | None = None) -> str:
    """Check a mnemonic and return it in canonical form (NFKD words joined by single spaces)."""
    to_entropy(text, language)
    return " ".join(split_words(text))


def is_valid(text: str, language: str | None = None) -> bool:
    try:
        to_entropy(text, language)
    except InvalidMnemonic:
        return False
    return True


def to_seed(mnemonic: str, passphrase: str = "") -> bytes:
    """64-byte BIP-39 seed: PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic"+NFKD(passphrase), 2048)."""
    m = unicodedata.normalize("NFKD", mnemonic).encode("utf-8")
    salt = ("mnemonic" + unicodedata.normalize("NFKD", passphrase)).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha512", m, salt, 2048, 64)
