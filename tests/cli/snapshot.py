"""Committed snapshots under ``tests/cli/snapshots/`` and how tests compare against them.

A test calls :func:`check` with the snapshot's path (relative to ``snapshots/``) and the text it
produced. Normally a missing or different snapshot fails the test with a diff; with
``STATUSCLI_UPDATE_SNAPSHOTS=1`` in the environment the snapshot is (re)written instead and the
test passes — review the change with ``git diff tests/cli/snapshots`` before committing it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("STATUSCLI_UPDATE_SNAPSHOTS") == "1"
HOW = "run the tests with STATUSCLI_UPDATE_SNAPSHOTS=1 to rewrite the snapshots, then review 'git diff tests/cli/snapshots'"


def check(relpath: str, actual: str) -> None:
    path = SNAPSHOTS / relpath
    if UPDATE:
        if not path.exists() or path.read_text(encoding="utf-8") != actual:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {relpath}: {HOW}"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), f"snapshot {relpath}", "now"))
        raise AssertionError(f"{relpath} changed ({HOW}):\n{diff}")


def check_no_orphans(folder: str, names: set[str]) -> None:
    """Snapshot files in ``folder`` that no test produces any more (a command was renamed or removed)."""
    root = SNAPSHOTS / folder
    orphans = sorted(p.name for p in root.glob("*") if p.is_file() and p.name not in names) if root.exists() else []
    if UPDATE:
        for name in orphans:
            (root / name).unlink()
        return
    assert not orphans, f"snapshots nothing checks any more in {folder}/: {orphans} ({HOW})"
