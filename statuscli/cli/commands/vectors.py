"""statuscli vectors — generate deterministic test vectors, verify vector files.

Thin layer: parse, call :mod:`statuscli.app.vectors.run`, render (a rich table for people, one
JSON object for scripts). ``verify`` exits 4 when any vector fails.
"""

from __future__ import annotations

import click

from statuscli.app.vectors.categories import CATEGORIES
from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.output import emit, info

DEFAULT_SEED = "statuscli"
DEFAULT_COUNT = 8


@click.group()
def cli() -> None:
    """Generate and verify test vectors (Wycheproof-style: negative vectors are first-class).

    Generated files use the format statuscli-vectors/1 (documented in docs/exit-codes-and-json.md);
    'verify' also reads the shared research files (tests/vectors/status.json, waku.json).

    \b
    Examples:
      statuscli vectors list
      statuscli vectors generate identity --count 20 --seed alice > identity.json
      statuscli vectors verify identity.json tests/vectors/status.json tests/vectors/waku.json
    """


@cli.command(name="list")
@pass_app
def list_(app: AppContext) -> None:
    """List the categories 'generate' makes and the shared categories 'verify' checks.

    \b
    Examples:
      statuscli vectors list
      statuscli --json vectors list | jq -r '.categories[].name'
    """
    from statuscli.app.vectors import shared

    data = {
        "categories": [{"name": n, "family": f, "description": d, "must_fail": neg} for n, (f, d, neg) in CATEGORIES.items()],
        "shared": [{"category": c, "subcategory": s} for c, s in shared.known()],
        "shared_skipped": [{"category": c, "subcategory": None if s == "*" else s, "reason": r}
                           for (c, s), r in shared.NOT_IMPLEMENTED.items()],
    }  # fmt: skip
    if app.json:
        emit(app, data)
        return
    from rich.table import Table

    from statuscli.cli.console import stdout_console

    table = Table(title="statuscli vectors generate CATEGORY", title_justify="left")
    table.add_column("category", style="cyan")
    table.add_column("must-fail")
    table.add_column("what the vectors hold")
    for c in data["categories"]:
        table.add_row(c["name"], "yes" if c["must_fail"] else "no", c["description"])
    console = stdout_console()
    console.print(table)
    names = sorted({f"{c['category']}/{c['subcategory']}" if c["subcategory"] else c["category"] for c in data["shared"]})
    console.print(f"'vectors verify' also checks these shared categories: {', '.join(names)}", soft_wrap=True)
    for s in data["shared_skipped"]:
        console.print(f"skipped: {s['category']}{'/' + s['subcategory'] if s['subcategory'] else ''}: {s['reason']}", soft_wrap=True)


@cli.command()
@click.argument("category", type=click.Choice(sorted(CATEGORIES)), metavar="CATEGORY")
@click.option("--count", type=click.IntRange(1, 10000), default=DEFAULT_COUNT, show_default=True,
              help="Valid vectors to make; categories with a failure mode add about half as many must-fail ones.")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, help="Seed text: the same seed gives byte-identical files.")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write the file here (default: stdout).")
@pass_app
def generate(app: AppContext, category: str, count: int, seed: str, out: str | None) -> None:
    """Generate deterministic vectors of CATEGORY (see 'vectors list').

    Every input is drawn from --seed (HMAC-SHA256 streams); the expected values are what
    statuscli computes. Without --out the vector file itself is the result on stdout.

    \b
    Examples:
      statuscli vectors generate keys --count 4 > keys.json
      statuscli vectors generate ratchet --seed "$(date +%F)" --out ratchet.json
      statuscli vectors generate payload-v1 | jq '.vectors[] | select(.must_fail)'
    """
    from statuscli.app.vectors import run
    from statuscli.app.vectors.schema import dumps
    from statuscli.cli.output import write_stdout
    from statuscli.cli.progress import progress

    with progress(app, f"generating {category}", total=run.planned_count(category, count)) as update:
        doc = run.generate(category, count, seed, tick=update)
    text = dumps(doc)
    if out is None:
        write_stdout(text)
        return
    _write_file(out, text)
    vectors = doc["vectors"]
    negative = sum(1 for v in vectors if v.get("must_fail"))
    data = {"category": category, "file": out, "seed": seed, "vectors": len(vectors), "must_fail": negative}
    emit(app, data, text=f"wrote {len(vectors)} {category} vectors ({negative} must-fail) to {out}")


def _write_file(path: str, text: str) -> None:
    import os
    import tempfile

    from statuscli.core.errors import FileUnwritable

    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".vectors-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        raise FileUnwritable(f"cannot write {path}: {e.strerror or e}") from None


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE…|-")
@click.option("--each", is_flag=True, help="List every vector, not only the failures and the counts per category.")
@pass_app
def verify(app: AppContext, files: tuple[str, ...], each: bool) -> int:
    """Check vector files against statuscli: a pass/fail table; exit 4 if any vector fails.

    Reads statuscli-vectors/1 files and the shared format (status.json, waku.json). A must-fail
    vector passes only when statuscli refuses it. Categories statuscli does not implement are
    reported as skipped, with the reason, never as passed.

    \b
    Examples:
      statuscli vectors verify tests/vectors/status.json tests/vectors/waku.json
      statuscli vectors generate enr | statuscli vectors verify -
      statuscli --json vectors verify *.json | jq '.results[] | select(.status == "fail")'
    """
    from statuscli.app.vectors import run, schema
    from statuscli.cli.inputs import read_source
    from statuscli.cli.progress import progress

    loaded = [schema.load(read_source(f), "<stdin>" if f == "-" else f) for f in files]
    total = sum(len(f.entries) for f in loaded)
    with progress(app, "verifying", total=total) as update:
        results = run.verify(loaded, tick=update)
    summary = run.summary(results)
    data = {
        "files": [{"file": f.name, "format": f.kind, "vectors": len(f.entries)} for f in loaded],
        "summary": summary,
        "results": [r.to_json() for r in results],
    }
    if app.json:
        emit(app, data)
    else:
        from statuscli.cli.vectors_table import render_verify

        render_verify(results, summary, each=each)
    if not summary["ok"]:
        info(app, f"statuscli: {summary['failed']} of {summary['total']} vectors failed")
        return 4
    return 0
