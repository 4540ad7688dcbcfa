"""Long fuzz runs on demand: ``scripts/fuzz [--runs N] [--engine E] [--seed S] [TARGET …]``.

Engines:
- ``atheris`` (coverage-guided libFuzzer, the default when ``import atheris`` works) for the
  decoder targets of ``tests/fuzz/targets.py``, one child process a target, seeded with the
  valid encodings; a crash input is written next to the log and the run exits 1.
- ``mutate`` (no coverage: random bytes and seed mutations, ``tests/fuzz/mutate.py``) for every
  target, and always for the node targets: the Waku request/response handlers (``rpc-*``) and the
  control socket (``control-json``), which run against one real node on 127.0.0.1.

Exit 0 when every target took its inputs with nothing but typed errors.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _decoder_targets() -> list[str]:
    from tests.fuzz.targets import TARGETS

    return sorted(TARGETS)


def _node_targets() -> list[str]:
    from tests.fuzz.rpc import RPC_PROTOCOLS

    return sorted(RPC_PROTOCOLS) + ["control-json"]


def run_mutate_decoder(name: str, runs: int, seed: int) -> int:
    from statuscli.core.errors import StatusCliError
    from tests.fuzz.mutate import mutate
    from tests.fuzz.targets import SEEDS, TARGETS

    fn, seeds, rng = TARGETS[name], SEEDS[name](), random.Random(seed)
    for i in range(runs):
        data = rng.randbytes(rng.randint(0, 256)) if i % 5 == 0 else mutate(rng.choice(seeds), rng, seeds)
        try:
            fn(data)
        except StatusCliError:
            pass
        except Exception as e:
            print(f"{name}: {type(e).__name__}: {e}\n  input: {data.hex()}", file=sys.stderr)
            return 1
    return 0


def run_node_target(name: str, runs: int, seed: int) -> int:
    import logging

    import trio

    logging.getLogger("statuscli").setLevel(logging.ERROR)  # every refused input logs a "dropped" warning

    from statuscli.net.limits import NodeLimits
    from tests.net.conftest import make_node

    async def main() -> int:
        node = make_node("full", limits=NodeLimits.unlimited())
        async with node:
            if name == "control-json":
                return await _control(node, runs, seed)
            from tests.fuzz.rpc import error_drops, fuzz_handler

            last = []
            await fuzz_handler(node, name, runs, seed=seed, on_input=lambda d: last.__setitem__(slice(None), [d]))
            bad = error_drops(node)
            if bad:
                print(f"{name}: {bad}", file=sys.stderr)
                return 1
            return 0

    return trio.run(main)


async def _control(node, runs: int, seed: int) -> int:
    import json
    import socket

    import trio

    from statuscli.net.control_server import ControlServer
    from tests.fuzz.control_json import is_internal_error, line

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "c.sock")
        async with trio.open_nursery() as nursery:
            await nursery.start(ControlServer(node, sock).serve)

            def session() -> int:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(sock)
                    f = s.makefile("rwb")
                    for rid in range(runs):
                        req = line(rng, node.multiaddrs[0], rid)
                        f.write(req + b"\n" + json.dumps({"jsonrpc": "2.0", "id": f"s{rid}", "method": "info"}).encode() + b"\n")
                        f.flush()
                        while True:
                            answer = json.loads(f.readline())
                            if isinstance(answer, dict) and answer.get("id") == f"s{rid}":
                                break
                            if is_internal_error(answer):
                                print(f"control-json: {answer}\n  line: {req!r}", file=sys.stderr)
                                return 1
                return 0

            rc = await trio.to_thread.run_sync(session)
            nursery.cancel_scope.cancel()
    return rc


ATHERIS_CHILD = r"""
import sys, atheris
sys.path.insert(0, {root!r})
with atheris.instrument_imports(include=["statuscli"]):
    from tests.fuzz import targets
    from statuscli.core.errors import StatusCliError
name = {name!r}
fn = targets.TARGETS[name]
def one(data):
    try:
        fn(data)
    except StatusCliError:
        pass
with atheris.instrument_imports(include=["statuscli"]):
    for s in targets.SEEDS[name]():
        one(s)  # the target's lazy imports happen here, so those statuscli modules are instrumented
atheris.Setup(sys.argv, one)
atheris.Fuzz()
"""


def run_atheris(name: str, runs: int, seed: int, workdir: Path) -> int:
    from tests.fuzz.targets import SEEDS

    corpus = workdir / f"corpus-{name}"
    corpus.mkdir(parents=True, exist_ok=True)
    for i, s in enumerate(SEEDS[name]()):
        (corpus / f"seed-{i}").write_bytes(s)
    script = ATHERIS_CHILD.format(root=str(ROOT), name=name)
    cmd = [sys.executable, "-c", script, f"-runs={runs}", f"-seed={seed or 1}", "-max_len=4096",
           f"-artifact_prefix={workdir}/crash-{name}-", str(corpus)]
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        rc = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    if rc != 0:
        print(f"{name}: atheris exit {rc}; see {log}", file=sys.stderr)
    return 0 if rc == 0 else 1


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="scripts/fuzz", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("targets", nargs="*", help="targets to run (default: all); --list shows them")
    ap.add_argument("--runs", type=int, default=1_000_000, help="inputs per target (default 1 000 000)")
    ap.add_argument("--engine", choices=("auto", "atheris", "mutate"), default="auto")
    ap.add_argument("--seed", type=int, default=int(time.time()) & 0xFFFF)
    ap.add_argument("--workdir", type=Path, default=None, help="where logs, corpora and crashes go")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args(argv)
    decoders, node_targets = _decoder_targets(), _node_targets()
    if a.list:
        print("\n".join(decoders + node_targets))
        return 0
    names = a.targets or decoders + node_targets
    unknown = [n for n in names if n not in decoders + node_targets]
    if unknown:
        ap.error(f"unknown target(s): {', '.join(unknown)}")
    engine = a.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401

            engine = "atheris"
        except ImportError:
            engine = "mutate"
    workdir = a.workdir or Path(tempfile.mkdtemp(prefix="statuscli-fuzz-"))
    failed = 0
    print(f"fuzz: engine {engine}, {a.runs} inputs a target, seed {a.seed}, work dir {workdir}", file=sys.stderr)
    for name in names:
        t0 = time.monotonic()
        if name in node_targets:
            rc, how = run_node_target(name, a.runs, a.seed), "mutate"
        elif engine == "atheris":
            rc, how = run_atheris(name, a.runs, a.seed, workdir), "atheris"
        else:
            rc, how = run_mutate_decoder(name, a.runs, a.seed), "mutate"
        dt = time.monotonic() - t0
        print(f"{'FAIL' if rc else 'ok  '} {name:28s} {a.runs:>9} inputs  {dt:8.1f} s  ({how}, {a.runs / max(dt, 1e-9):,.0f}/s)", flush=True)
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
