#!/usr/bin/env python3
"""Start-up time of offline one-shot commands against Python's floor.

Compares, as fresh processes, interleaved round by round (the machine drifts over minutes, so
only ratios taken in one run mean anything):

* ``python -c pass``                       — the interpreter alone;
* the import floor                          — ``import click, coincurve; from eth_hash.auto import keccak; keccak(b'')``,
                                              the libraries such a command cannot do without;
* ``statuscli topic compute public test``;
* ``statuscli keys inspect zQ3…``.

Target (PERFORMANCE.md): each command within 1.5x of the import floor.

    .venv/bin/python benchmarks/startup.py              # 25 rounds, prints a Markdown table
    .venv/bin/python benchmarks/startup.py --runs 40
    .venv/bin/python benchmarks/startup.py --write      # also replace the start-up section of BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from markdown_section import replace_section  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parent.parent
KEY = "zQ3shgXaXEtHSFVhHgTUiCSNAXYKeKryUVnPZZJLBMDutaWHB"
FLOOR = "import click, coincurve; from eth_hash.auto import keccak; keccak(b'')"
TARGET = 1.5


def cases(python: str) -> dict[str, list[str]]:
    return {
        "python -c pass": [python, "-c", "pass"],
        "import floor": [python, "-c", FLOOR],
        "statuscli topic compute public test": [python, "-m", "statuscli", "topic", "compute", "public", "test"],
        f"statuscli keys inspect {KEY[:8]}…": [python, "-m", "statuscli", "keys", "inspect", KEY],
    }


def run_once(argv: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {p.stderr.decode(errors='replace')}")
    return dt


def measure(runs: int, python: str) -> dict[str, list[float]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env["STATUSCLI_HOME"] = "/tmp/statuscli-bench-startup-home"
    todo = cases(python)
    for argv in todo.values():  # warm the page cache and __pycache__
        run_once(argv, env)
    samples: dict[str, list[float]] = {name: [] for name in todo}
    for _ in range(runs):
        for name, argv in todo.items():  # interleaved: every round measures every case
            samples[name].append(run_once(argv, env))
    return samples


def table(samples: dict[str, list[float]], runs: int) -> str:
    floor = statistics.median(samples["import floor"])
    bare = statistics.median(samples["python -c pass"])
    lines = [
        f"Medians of {runs} interleaved runs each, fresh processes; {platform.python_implementation()} "
        f"{platform.python_version()} on {os.cpu_count()} CPU(s), {time.strftime('%Y-%m-%d')}.",
        "",
        "| command | median | min | × python -c pass | × import floor | target ≤ 1.5× floor |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, xs in samples.items():
        med = statistics.median(xs)
        ratio = med / floor
        ok = "" if name in ("python -c pass", "import floor") else ("yes" if ratio <= TARGET else "**no**")
        lines.append(f"| `{name}` | {med * 1000:.0f} ms | {min(xs) * 1000:.0f} ms | {med / bare:.2f} | {ratio:.2f} | {ok} |")
    return "\n".join(lines)


def write_section(text: str) -> None:
    replace_section(
        "startup",
        f"## Start-up of offline commands (`benchmarks/startup.py`)\n\n{text}\n\n"
        "The floor is `python -c \"" + FLOOR + "\"`: the libraries such a command needs. "
        "`topic compute` and `keys inspect` import neither libp2p, trio, rich, bip-utils nor the "
        "`mnemonic` library (asserted by `tests/cli/test_topic.py` and `tests/cli/test_keys.py`).",
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=25, help="rounds (each measures every case once); at least 20")
    ap.add_argument("--python", default=sys.executable, help="interpreter to measure (default: this one)")
    ap.add_argument("--write", action="store_true", help="replace the start-up section of BENCHMARKS.md")
    args = ap.parse_args()
    runs = max(20, args.runs)
    text = table(measure(runs, args.python), runs)
    print(text)
    if args.write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
