"""``scripts/fuzz``'s runner works: a short run of each engine kind, as a user starts it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.fuzz.run", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_list_names_every_decoder_and_node_target():
    from tests.fuzz.targets import TARGETS

    r = run("--list")
    assert r.returncode == 0, r.stderr
    names = r.stdout.split()
    assert set(TARGETS) <= set(names)
    assert {"rpc-store", "rpc-lightpush", "rpc-filter", "rpc-metadata", "rpc-peer-exchange", "rpc-rendezvous", "control-json"} <= set(names)


def test_mutation_engine_runs_a_decoder_and_a_node_target():
    r = run("--engine", "mutate", "--runs", "300", "--seed", "1", "mvds", "rpc-metadata")
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith(("ok", "FAIL"))]
    assert len(lines) == 2 and all(ln.startswith("ok") and "300 inputs" in ln for ln in lines), r.stdout


def test_an_untyped_exception_fails_the_run(monkeypatch, capsys):
    """The runner's verdict is real: a target that raises a plain exception makes it exit 1."""
    from tests.fuzz import run as runner
    from tests.fuzz import targets

    def broken(data: bytes) -> None:
        if len(data) > 3:
            raise IndexError("out of range")

    monkeypatch.setitem(targets.TARGETS, "broken", broken)
    monkeypatch.setitem(targets.SEEDS, "broken", lambda: [b"abcdef"])
    assert runner.run_mutate_decoder("broken", 50, 1) == 1
    assert "IndexError" in capsys.readouterr().err


def test_unknown_target_is_a_usage_error():
    r = run("--runs", "1", "no-such-target")
    assert r.returncode == 2 and "unknown target" in r.stderr


@pytest.mark.skipif(subprocess.run([sys.executable, "-c", "import atheris"], capture_output=True).returncode != 0,
                    reason="atheris is installed by scripts/fuzz on demand, not by the test command")
def test_atheris_engine_runs_a_decoder(tmp_path):
    r = run("--engine", "atheris", "--runs", "2000", "--workdir", str(tmp_path), "segment")
    assert r.returncode == 0, r.stderr + (tmp_path / "segment.log").read_text()
    assert "ok" in r.stdout
