"""The people's view of ``vectors verify``: one table per file (counts per category), the
reasons for skipped categories, then the failures (or every vector with ``--each``)."""

from __future__ import annotations

STYLE = {"pass": "green", "fail": "bold red", "skip": "yellow"}


def _groups(results: list) -> dict[str, dict[str, dict]]:
    files: dict[str, dict[str, dict]] = {}
    for r in results:
        name = r.subcategory or r.category
        g = files.setdefault(r.file, {}).setdefault(name, {"total": 0, "must_fail": 0, "pass": 0, "fail": 0, "skip": 0, "reason": None})
        g["total"] += 1
        g["must_fail"] += r.must_fail
        g[r.status] += 1
        if r.status == "skip":
            g["reason"] = r.reason
    return files


def render_verify(results: list, summary: dict, *, each: bool = False) -> None:
    from rich.markup import escape
    from rich.table import Table

    from statuscli.cli.console import stdout_console

    console = stdout_console()
    for file, groups in _groups(results).items():
        table = Table(title=escape(file), title_justify="left")
        for col, justify in (("category", "left"), ("vectors", "right"), ("must-fail", "right"), ("passed", "right"),
                             ("failed", "right"), ("skipped", "right"), ("result", "left")):
            table.add_column(col, justify=justify)
        skipped = {}
        for name, g in groups.items():
            status = "fail" if g["fail"] else "skip" if g["skip"] == g["total"] else "pass"
            if g["reason"]:
                skipped.setdefault(g["reason"], []).append(name)
            table.add_row(escape(name), str(g["total"]), str(g["must_fail"]), str(g["pass"]), str(g["fail"]), str(g["skip"]),
                          f"[{STYLE[status]}]{status.upper()}[/]")
        console.print(table)
        for reason, names in skipped.items():
            console.print(f"[yellow]skipped[/] {escape(', '.join(names))}: {escape(reason)}", soft_wrap=True)
    shown = results if each else [r for r in results if r.status == "fail"]
    if shown:
        detail = Table(title="every vector" if each else "failures", title_justify="left")
        for col in ("file", "id", "kind", "result", "reason"):
            detail.add_column(col)
        for r in shown:
            detail.add_row(escape(r.file), escape(r.id), "must-fail" if r.must_fail else "valid",
                           f"[{STYLE[r.status]}]{r.status}[/]", escape(r.reason or ""))
        console.print(detail)
    line = (f"{summary['total']} vectors: {summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped "
            f"({summary['must_fail']} must-fail)")
    console.print(f"[{'green' if summary['ok'] else 'bold red'}]{line}[/]")
