"""docs/cli-conventions.md stays true: every row names a test that exists (and runs with the
suite), and the one convention tested only here is tested here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "cli-conventions.md"


def _rows() -> list[list[str]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and not line.startswith(("| convention", "|---")):
            rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def test_the_table_has_rows_and_four_columns_each():
    rows = _rows()
    assert len(rows) >= 10
    assert all(len(r) == 5 for r in rows), [r[0] for r in rows if len(r) != 5]


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r[0])
def test_every_row_names_a_test_that_exists(row):
    (ref,) = re.findall(r"`([^`]+::[^`]+)`", row[4])
    file, name = ref.split("::")
    assert re.search(rf"^(async )?def {re.escape(name)}\(", (ROOT / file).read_text(encoding="utf-8"), re.M), ref


@pytest.mark.parametrize("argv, suggestion", [
    (("sned", "x"), "send"),
    (("vectros",), "vectors"),  # "vectr" is as close to "react"
    (("keys", "lst"), "list"),
])  # fmt: skip
def test_a_mistyped_command_suggests_the_closest(run_cli, argv, suggestion):
    r = run_cli(*argv)
    assert r.exit_code == 2 and f"Did you mean '{suggestion}'?" in r.stderr, r.stderr
