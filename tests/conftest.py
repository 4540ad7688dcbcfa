"""Shared fixtures: vector loading and CLI runners."""

from __future__ import annotations

import json
import os
import signal
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# A suite started in the background by a non-interactive shell (`.ci/run &`) inherits SIGINT
# ignored, and so would every process it starts: Python keeps an inherited SIG_IGN, as a background
# job should. The tests send Ctrl-C as a terminal does; with a handler here, exec gives each child
# the default disposition again.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

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


# --- a real PostgreSQL server for the archive tests (started once per session) -------------------
@pytest.fixture(scope="session")
def postgres():
    from tests.postgres_server import PostgresServer, bin_dir

    if bin_dir() is None:
        pytest.skip("PostgreSQL is not installed: scripts/dev test installs it")
    with PostgresServer() as pg:
        yield pg


@pytest.fixture
def pg_url(postgres) -> str:
    """A fresh database on the session's server."""
    import secrets

    return postgres.create_database("t_" + secrets.token_hex(6))


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_factory(request, tmp_path):
    """``make(retention=…)`` → a fresh, empty archive of each backend (closed at the end)."""
    made = []
    url = tmp_path / "store.sqlite" if request.param == "sqlite" else request.getfixturevalue("pg_url")

    def make(**kw):
        from statuscli.store.archive import open_archive

        for old in made:  # one archive at a time: the previous one is closed, the data emptied
            old.close()
        a = open_archive(url, **kw)
        if made:
            if request.param == "sqlite":
                with a._connection() as conn:
                    conn.execute("DELETE FROM archive_messages")
            else:
                a.execute_admin("TRUNCATE messages")
        made.append(a)
        return a

    make.backend = request.param
    yield make
    if made:
        made[-1].close()
