"""A throw-away PostgreSQL server for tests and benchmarks: ``initdb`` in a temporary folder,
listening only on a Unix socket there, stopped (and the folder removed) at the end.

PostgreSQL refuses to run as root: as root the server runs as the ``postgres`` system user
(Debian's package creates it) through ``runuser``. Needs Debian's ``postgresql`` package
(``scripts/dev test`` installs it).

A watchdog process holds a pipe from the process that started the server: when that process
ends in any way (even SIGKILL, or a ``timeout`` around pytest), the pipe closes and the watchdog
stops the server and removes its folder, so no server outlives its test session.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

USER = "statuscli"
_WATCHDOG = """
import shutil, subprocess, sys
sys.stdin.buffer.read()  # returns when the starting process is gone (or closed the pipe)
pg_ctl, data, folder, *as_user = sys.argv[1:]
subprocess.run([*as_user, pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"], capture_output=True)
shutil.rmtree(folder, ignore_errors=True)
"""


def bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    def __init__(self, folder: Path | None = None) -> None:
        self.bin = bin_dir()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (run scripts/dev test, or apt-get install postgresql)")
        # a short path of its own (Unix socket paths are limited), reachable by the server's user
        self.folder = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp" if folder is None else folder))
        self.data = self.folder / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            os.chown(self.folder, pg.pw_uid, pg.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, timeout: float = 60) -> None:
        r = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {r.stderr.strip() or r.stdout.strip()}")

    def __enter__(self) -> PostgresServer:
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(self.bin / "pg_ctl"), str(self.data), str(self.folder), *self.as_user],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        return self

    def start(self) -> None:
        opts = f"-k {self.folder} -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=200"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-o", opts, "-w", "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self._watchdog.stdin.close()
            self._watchdog.wait(30)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://{USER}@/{db}?host={self.folder}"

    def create_database(self, name: str) -> str:
        """A database (created if missing); returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
