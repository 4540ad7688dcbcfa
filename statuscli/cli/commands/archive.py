"""statuscli archive — the store node's message archive (SQLite or PostgreSQL): stats, migrate."""

from __future__ import annotations

import datetime
import sys

import click

from statuscli.cli.context import AppContext, pass_app
from statuscli.cli.output import emit

URL_HELP = "sqlite:PATH (or a path) or postgresql://USER[:PASS]@HOST[:PORT]/DB"


@click.group()
def cli() -> None:
    """The store node's message archive: counts and size, copying SQLite into PostgreSQL.

    \b
    Examples:
      statuscli archive stats
      statuscli --json archive stats --url sqlite:store.sqlite
      statuscli archive migrate --from sqlite:store.sqlite --to postgresql://waku@db.internal/archive
    """


def _when(ns: int | None) -> str:
    if ns is None:
        return "-"
    return datetime.datetime.fromtimestamp(ns / 1e9, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _stats_text(st: dict) -> str:
    lines = [
        f"archive:  {st['url']} ({st['backend']})",
        f"messages: {st['messages']}",
        f"size:     {st['bytes'] / 1e6:.1f} MB",
        f"oldest:   {_when(st['oldest'])}",
        f"newest:   {_when(st['newest'])}",
    ]
    for topic, n in (st.get("pubsub_topics") or {}).items():
        lines.append(f"  {topic}: {n}")
    return "\n".join(lines)


@cli.command()
@click.option("--url", envvar="STATUSCLI_STORE_URL", metavar="URL",
              help=f"The archive: {URL_HELP}. [env: STATUSCLI_STORE_URL; default: this home's node archive]")
@click.option("--data-dir", metavar="DIR", help="Node folder whose archive to read. [default: $STATUSCLI_HOME/node]")
@pass_app
def stats(app: AppContext, url, data_dir) -> None:
    """Count the archived messages, their size, the oldest and newest (per pubsub topic too).

    Timestamps are the messages' own (ns since the epoch in --json).

    \b
    Examples:
      statuscli archive stats
      statuscli archive stats --url sqlite:store.sqlite
      statuscli --json archive stats --url postgresql://waku@db.internal/archive | jq .messages
    """
    from statuscli.app import archive as app_archive
    from statuscli.app.node import node_dir

    emit(app, app_archive.stats(url or app_archive.store_url(node_dir(app.home, data_dir))), text=_stats_text)


@cli.command()
@click.option("--from", "src", required=True, metavar="URL", help=f"Archive to copy from: {URL_HELP}.")
@click.option("--to", "dst", required=True, metavar="URL", help=f"Archive to copy into: {URL_HELP}.")
@click.option("--batch", type=click.IntRange(1, 100_000), default=5000, show_default=True, help="Messages per transaction.")
@pass_app
def migrate(app: AppContext, src, dst, batch) -> None:
    """Copy every message of one archive into another (e.g. SQLite into PostgreSQL).

    Messages already in the target are skipped (same hash = same row), so an interrupted
    migration is resumed by running it again. The source is only read; stop the node first or
    run it again afterwards to pick up what arrived meanwhile.

    \b
    Examples:
      statuscli archive migrate --from sqlite:store.sqlite --to postgresql://waku@db.internal/archive
      statuscli --json archive migrate --from sqlite:store.sqlite --to sqlite:copy.sqlite
    """
    from statuscli.app import archive as app_archive

    def progress(n: int) -> None:
        if not app.quiet and n % 100_000 < batch:
            print(f"copied {n} messages…", file=sys.stderr)

    res = app_archive.migrate(src, dst, batch=batch, progress=progress)
    emit(app, res, text=f"copied {res['read']} messages ({res['added']} new, {res['already_there']} already there) in {res['seconds']} s; "
                        f"{res['messages_in_target']} in {res['to']}")  # fmt: skip
