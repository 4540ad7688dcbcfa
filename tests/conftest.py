"""Shared fixtures: vector loading and CLI runners."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests: no per-example deadline (a loaded 2-core CI box makes timings meaningless) and,
# under CI, a fixed example sequence so a red build is reproducible rather than a coin toss.
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("dev"), derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

VECTORS = Path(__file__).parent / "vectors"


@lru_cache(maxsize=None)
def _load(name: str) -> list[dict]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))["vectors"]


def vectors(name: str, category: str, subcategory: str | None = None) -> list[dict]:
    """Vectors of one category from ``tests/vectors/<name>`` (``status.json`` or ``waku.json``)."""
    out = [v for v in _load(name) if v["category"] == category]
    if subcategory is not None:
        out = [v for v in out if v.get("subcategory") == subcategory]
    assert out, f"no vectors for {name}:{category}:{subcategory}"
    return out


def vector_id(v: dict) -> str:
    return v.get("id") or v.get("description", "")[:60]


@pytest.fixture
def run_cli(tmp_path, monkeypatch):
    """Run statuscli in-process (click's CliRunner) with an isolated home; returns a Result."""
    from click.testing import CliRunner

    from statuscli.cli.main import run

    monkeypatch.setenv("STATUSCLI_HOME", str(tmp_path / "home"))
    for var in ("STATUSCLI_PASSWORD", "STATUSCLI_PASSWORD_FILE", "STATUSCLI_ACCOUNT", "STATUSCLI_OUTPUT", "STATUSCLI_NODE"):
        monkeypatch.delenv(var, raising=False)

    class _Result:
        def __init__(self, code, stdout, stderr):
            self.exit_code, self.stdout, self.stderr = code, stdout, stderr

        def json(self):
            return json.loads(self.stdout)

    def invoke(*args: str, input: str | bytes | None = None, env: dict | None = None):
        runner = CliRunner()
        holder = {}

        def entry():
            holder["code"] = run(list(args))

        import click

        cmd = click.Command("statuscli", callback=entry)
        res = runner.invoke(cmd, [], input=input, env=env, catch_exceptions=False)
        return _Result(holder.get("code", res.exit_code), res.stdout, res.stderr)

    return invoke
