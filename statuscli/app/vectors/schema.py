"""The vector file formats: ours (``statuscli-vectors/1``) and the shared research format.

Ours — one category per file, every value JSON (bytes as lowercase hex without ``0x`` unless the
protocol's own text form has one)::

    {"format": "statuscli-vectors/1", "category": "identity", "description": "...",
     "generator": {"tool": "statuscli 0.1.0", "seed": "...", "entropy": "..."},
     "vectors": [{"id": "identity-001", "description": "...", "inputs": {...},
                  "expected": {...}, "provenance": "...", "must_fail": true?}]}

A vector with ``"must_fail": true`` is negative (as in Wycheproof): the implementation must
refuse its inputs; its ``expected`` is ``{"error": "<statuscli error code>"}``.

Shared — ``tests/vectors/status.json`` and ``waku.json``: ``{"vectors": [{"category",
"subcategory"?, "id"?, "description", "inputs", "expected", "provenance", ...}]}`` with many
categories per file; a vector whose ``expected`` holds ``error`` (or ``signature_valid: false``)
must fail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from statuscli.core.errors import InvalidVectorFile

FORMAT = "statuscli-vectors/1"
ENTROPY_RULE = "HMAC-SHA256(seed, category || 0x00 || label || 0x00 || BE32(counter)) streams, one label per drawn value"


@dataclass
class Vector:
    """One generated vector (our format)."""

    id: str
    description: str
    inputs: dict
    expected: dict
    provenance: str
    must_fail: bool = False

    def to_json(self) -> dict:
        out = {
            "id": self.id,
            "description": self.description,
            "inputs": self.inputs,
            "expected": self.expected,
            "provenance": self.provenance,
        }
        if self.must_fail:
            out["must_fail"] = True
        return out


def document(category: str, description: str, seed: str, tool: str, vectors: list[Vector]) -> dict:
    return {
        "format": FORMAT,
        "category": category,
        "description": description,
        "generator": {"tool": tool, "seed": seed, "entropy": ENTROPY_RULE},
        "vectors": [v.to_json() for v in vectors],
    }


def dumps(doc: dict) -> str:
    """The file text: stable key order, two-space indent, UTF-8 (emoji as they are), final newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


@dataclass
class Entry:
    """One vector of a loaded file, whatever its format."""

    id: str
    category: str
    subcategory: str | None
    must_fail: bool
    vector: dict = field(repr=False)


@dataclass
class LoadedFile:
    name: str
    kind: str  # "statuscli" | "shared"
    entries: list[Entry]


def _shared_must_fail(v: dict) -> bool:
    expected = v.get("expected")
    return isinstance(expected, dict) and ("error" in expected or expected.get("signature_valid") is False)


def load(data: bytes, name: str) -> LoadedFile:
    """Parse a vector file (either format); InvalidInput when it is neither."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InvalidVectorFile(f"{name}: not a JSON vector file ({e})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("vectors"), list):
        raise InvalidVectorFile(f"{name}: no 'vectors' list: not a vector file")
    if doc.get("format") == FORMAT:
        return LoadedFile(name, "statuscli", _ours(doc, name))
    if "format" in doc and str(doc["format"]).startswith("statuscli-vectors/"):
        raise InvalidVectorFile(f"{name}: unsupported vector format {doc['format']!r} (this statuscli reads {FORMAT})")
    return LoadedFile(name, "shared", _shared(doc, name))


def _ours(doc: dict, name: str) -> list[Entry]:
    category = doc.get("category")
    if not isinstance(category, str) or not category:
        raise InvalidVectorFile(f"{name}: a {FORMAT} file needs a 'category'")
    entries = []
    for i, v in enumerate(doc["vectors"]):
        if not isinstance(v, dict) or not isinstance(v.get("inputs"), dict) or not isinstance(v.get("expected"), dict):
            raise InvalidVectorFile(f"{name}: vector #{i + 1} needs 'inputs' and 'expected' objects")
        must_fail = v.get("must_fail", False)
        if not isinstance(must_fail, bool):
            raise InvalidVectorFile(f"{name}: vector #{i + 1}: 'must_fail' must be true or false")
        entries.append(Entry(str(v.get("id") or f"{category}-{i + 1:03d}"), category, None, must_fail, v))
    return entries


def _shared(doc: dict, name: str) -> list[Entry]:
    entries = []
    for i, v in enumerate(doc["vectors"]):
        if not isinstance(v, dict) or not isinstance(v.get("category"), str):
            raise InvalidVectorFile(f"{name}: vector #{i + 1} has no 'category'")
        if not isinstance(v.get("inputs"), dict) or not isinstance(v.get("expected"), dict):
            raise InvalidVectorFile(f"{name}: vector #{i + 1} needs 'inputs' and 'expected' objects")
        sub = v.get("subcategory")
        vid = v.get("id") or f"{sub or v['category']}-{i + 1:03d}"
        entries.append(Entry(str(vid), v["category"], sub, _shared_must_fail(v), v))
    return entries


def case(description: str, inputs: dict, expected: dict, *, must_fail: bool = False) -> Vector:
    """A generated vector before numbering (the generator run gives it its id and provenance)."""
    return Vector("", description, inputs, expected, "", must_fail)


def negatives(count: int) -> int:
    """How many must-fail vectors a category with a failure mode adds to ``count`` valid ones."""
    return max(1, count // 2)
