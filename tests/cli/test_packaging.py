"""Packaging promises: an SPDX license expression (no setuptools deprecation banner), man pages
installed where `man` looks, and a README that says how long the test suite takes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_an_spdx_expression_with_a_setuptools_that_reads_it():
    assert PYPROJECT["project"]["license"] == "MIT"  # a table here is what setuptools warns about
    (req,) = [r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")]
    assert re.fullmatch(r"setuptools>=(\d+)", req) and int(req.split(">=")[1]) >= 77  # PEP 639 support


def test_every_man_page_is_installed_into_share_man_man1():
    data = PYPROJECT["tool"]["setuptools"]["data-files"]
    assert data == {"share/man/man1": ["man/*.1"]}
    assert {p.name for p in ROOT.glob("man/*.1")} >= {"statuscli.1", "statuscli-keys-list.1"}


def test_readme_says_how_long_the_tests_take():
    line = next(ln for ln in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if ln.startswith("scripts/dev test"))
    assert re.search(r"~\d+ min on \d cores", line), line


@pytest.mark.slow
def test_pip_install_puts_the_man_pages_where_man_finds_them(tmp_path):
    """Build the wheel (isolated: fetches setuptools), install it into a fresh venv, ask man."""
    if shutil.which("man") is None:
        pytest.skip("man is not installed")
    wheels = tmp_path / "wheels"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
                       capture_output=True, text=True, timeout=600)  # fmt: skip
    if r.returncode != 0 and re.search(r"No matching distribution|connection|Network is unreachable|resolve", r.stderr, re.I):
        pytest.skip("the isolated build needs setuptools>=77 from the package index, which is not reachable")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "License classifiers are deprecated" not in r.stderr and "license" not in r.stderr.lower(), r.stderr[-2000:]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    (wheel,) = wheels.glob("statuscli-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps", "-q", str(wheel)],
                   check=True, timeout=300)  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "MANPATH"}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin"
    where = subprocess.run(["man", "-w", "statuscli-keys-list"], capture_output=True, text=True, env=env, timeout=60)
    assert where.stdout.strip() == str(venv / "share" / "man" / "man1" / "statuscli-keys-list.1"), where.stderr
