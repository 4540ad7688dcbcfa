"""Acknowledged means durable, across kill -9: a node killed at random moments under lightpush
load has every message it acknowledged in its archive (more kills: scripts/soak-archive)."""

from __future__ import annotations

from tests.e2e.node_kill import kill_rounds


def test_every_acknowledged_message_survives_kill_9(tmp_path):
    r = kill_rounds(tmp_path, kills=3, seed=13)
    assert r["acknowledged"] > 0, r
    assert r["missing"] == 0, r
