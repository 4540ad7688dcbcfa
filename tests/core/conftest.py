"""tests/core: the sans-IO core against vectors — no database, no account, no network.

Every test here runs with SQLite switched off: a test that opens a database fails, so it belongs
in tests/unit (app and store) instead.
"""

from __future__ import annotations

import sqlite3

import pytest


@pytest.fixture(autouse=True)
def no_database(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tests/core must not open a database (move the test to tests/unit)")

    monkeypatch.setattr(sqlite3, "connect", refuse)
