"""The store node's archive as a use case: which archive a node opens, ``archive stats`` and
``archive migrate``.

Where the archive is (first given wins):
  1. ``node run --store-url URL`` (``postgresql://…`` or ``sqlite:PATH``), or ``--store-db PATH``;
  2. ``STATUSCLI_STORE_URL``;
  3. ``store-url = "…"`` in ``<node folder>/node.toml``;
  4. ``<node folder>/store.sqlite``.
Retention: ``--store-retention`` (repeatable), else ``store-retention = ["time:…", …]`` in
node.toml, else the older ``--retention``/``--max-messages`` (default 30 days).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from statuscli.core.errors import InvalidInput, UsageError

ENV_URL = "STATUSCLI_STORE_URL"
CONFIG_FILE = "node.toml"
STORE_FILE = "store.sqlite"


def node_settings(folder: Path) -> dict:
    """The ``<node folder>/node.toml`` settings (empty when there is none)."""
    path = Path(folder) / CONFIG_FILE
    if not path.exists():
        return {}
    import tomllib

    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise InvalidInput(f"cannot read {path}: {e}") from None


def store_url(folder: Path, cli_url: str | None = None, cli_db: str | None = None) -> str:
    if cli_url and cli_db:
        raise UsageError("give --store-url or --store-db, not both")
    if cli_url:
        return cli_url
    if cli_db:
        return f"sqlite:{cli_db}"
    if os.environ.get(ENV_URL):
        return os.environ[ENV_URL]
    configured = node_settings(folder).get("store-url")
    if configured:
        return str(configured)
    return f"sqlite:{Path(folder) / STORE_FILE}"


def retention(folder: Path, policies: list[str] | tuple[str, ...] = (), seconds: int | None = None, max_messages: int | None = None, *, legacy_given: bool = False):
    from statuscli.store.archive import Retention

    if policies:
        return Retention.parse(policies)
    configured = node_settings(folder).get("store-retention")
    if configured and not legacy_given:
        return Retention.parse([configured] if isinstance(configured, str) else list(configured))
    return Retention(seconds=seconds, max_messages=max_messages)


def redact(url: str) -> str:
    """``url`` without a password (for logs and ``node status``)."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        cred, host = rest.rsplit("@", 1)
        return f"{scheme}://{cred.split(':', 1)[0]}@{host}"
    return url


def open_url(url: str, **kw):
    from statuscli.store.archive import open_archive

    return open_archive(url, **kw)


def stats(url: str) -> dict:
    archive = open_url(url, must_exist=True)
    try:
        out = archive.stats()
    finally:
        archive.close()
    out["url"] = redact(url)
    return out


def migrate(src: str, dst: str, *, batch: int = 5000, progress=None) -> dict:
    """Copy every message of ``src`` into ``dst`` (duplicates are skipped: re-running resumes)."""
    if src == dst:
        raise UsageError("--from and --to name the same archive")
    source, target = open_url(src, must_exist=True), None
    try:
        target = open_url(dst)
        t0 = time.monotonic()
        copied = added = 0
        for rows in source.dump(batch):
            added += target.add(rows)
            copied += len(rows)
            if progress is not None:
                progress(copied)
        return {
            "from": redact(src),
            "to": redact(dst),
            "read": copied,
            "added": added,
            "already_there": copied - added,
            "messages_in_target": target.count(),
            "seconds": round(time.monotonic() - t0, 2),
        }
    finally:
        source.close()
        if target is not None:
            target.close()
