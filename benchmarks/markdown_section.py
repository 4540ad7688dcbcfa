"""Each benchmark owns one marked section of BENCHMARKS.md and rewrites only that section."""

from __future__ import annotations

from pathlib import Path

PATH = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
HEADER = "# Benchmarks\n\nFigures measured by the scripts in `benchmarks/`; compare ratios taken in one run.\n"


def replace_section(name: str, body: str, path: Path = PATH) -> None:
    """Put ``body`` between ``<!-- name:begin -->`` and ``<!-- name:end -->`` (appended if absent)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    doc = path.read_text(encoding="utf-8") if path.exists() else HEADER
    block = f"{begin}\n{body}\n{end}"
    if begin in doc and end in doc:
        doc = doc[: doc.index(begin)] + block + doc[doc.index(end) + len(end) :]
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(doc, encoding="utf-8")
