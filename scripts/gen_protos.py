#!/usr/bin/env python3
"""Generate ``statuscli/pb/*_pb2.py`` from ``protos/*.proto`` (grpcio-tools' bundled protoc).

    python scripts/gen_protos.py          # regenerate
    python scripts/gen_protos.py --check  # exit 1 if a committed module is stale or missing

Imports between protos (``import "waku_message.proto";``) are rewritten to package-relative
imports (``from statuscli.pb import waku_message_pb2``) so the generated code needs nothing on
``sys.path``. The output is deterministic for a given grpcio-tools version (pinned in pyproject).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
OUT = ROOT / "statuscli" / "pb"
_IMPORT_RE = re.compile(r"^import (\w+_pb2) as (\w+)$", re.M)


def generate() -> dict[str, str]:
    """Return {module file name: source} for every proto, without touching the tree."""
    from grpc_tools import protoc

    files = sorted(p.name for p in PROTOS.glob("*.proto"))
    if not files:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        rc = protoc.main(["protoc", f"-I{PROTOS}", f"--python_out={tmp}", *files])
        if rc != 0:
            raise SystemExit(f"protoc failed with exit code {rc}")
        out = {}
        for path in sorted(Path(tmp).glob("*_pb2.py")):
            src = path.read_text()
            src = _IMPORT_RE.sub(r"from statuscli.pb import \1 as \2", src)
            out[path.name] = src
        return out


def main(argv: list[str]) -> int:
    generated = generate()
    existing = {p.name for p in OUT.glob("*_pb2.py")}
    if "--check" in argv:
        stale = [n for n, src in generated.items() if not (OUT / n).exists() or (OUT / n).read_text() != src]
        orphans = sorted(existing - set(generated))
        if stale or orphans:
            print("stale generated protobuf modules:", ", ".join(stale + orphans))
            print("run: python scripts/gen_protos.py")
            return 1
        return 0
    for name in existing - set(generated):
        (OUT / name).unlink()
    for name, src in generated.items():
        (OUT / name).write_text(src)
    print(f"generated {len(generated)} modules in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
