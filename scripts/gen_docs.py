#!/usr/bin/env python3
"""Regenerate completions/, man/ and docs/cli.md from the click tree.

    python scripts/gen_docs.py          # write the files
    python scripts/gen_docs.py --check  # exit 1 when a committed file is stale, missing or orphaned
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from statuscli.cli.reference import generate_all  # noqa: E402


def main(argv: list[str]) -> int:
    files = generate_all()
    existing = {str(p.relative_to(ROOT)) for p in (ROOT / "man").glob("*.1")}
    existing |= {str(p.relative_to(ROOT)) for p in (ROOT / "completions").glob("statuscli.*")}
    if "--check" in argv:
        stale = [p for p, text in files.items() if not (ROOT / p).exists() or (ROOT / p).read_text() != text]
        orphans = sorted(existing - set(files))
        if stale or orphans:
            print("stale generated reference files:", ", ".join(sorted(stale) + orphans))
            for p in sorted(stale)[:1]:  # show what changed in the first one
                old = (ROOT / p).read_text().splitlines(True) if (ROOT / p).exists() else []
                diff = list(difflib.unified_diff(old, files[p].splitlines(True), f"{p} (committed)", f"{p} (generated)"))
                print("".join(diff[:40]) + ("…\n" if len(diff) > 40 else ""), end="")
            print("run: python scripts/gen_docs.py")
            return 1
        return 0
    for p in existing - set(files):
        (ROOT / p).unlink()
    for p, text in files.items():
        (ROOT / p).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / p).write_text(text)
    print(f"wrote {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
