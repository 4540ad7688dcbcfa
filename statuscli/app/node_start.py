"""Starting a node: one per folder, on addresses that are checked first, in the background.

* :func:`lock_folder` — the folder's exclusive lock (``node.lock``, flock), the first thing a node
  takes; a second node on the folder is refused (``node-already-running``, exit 2), however the
  two were started.
* :func:`listen_plan` — given ``--listen`` addresses are checked; the defaults (loopback, every
  interface with ``--public``) move to a free port when theirs is taken.
* :func:`run_detached` — ``node run --detach``: checks the above before a child exists, starts
  the child with its log file (``--log-file``, else ``<folder>/node.log``) and returns the
  child's listening record; a child that fails before listening is reported from its log.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path

from statuscli.app.node import LOCK_FILE, LOG_FILE, RunOptions, open_log, running_pid
from statuscli.core.errors import NetworkError, NodeAlreadyRunning, TimeoutExpired


def lock_folder(folder: Path) -> int:
    """Take the folder's exclusive lock (``node.lock``) or refuse: returns the descriptor that
    holds it (closing it releases the lock; so does the process ending, however it ends)."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        pid = running_pid(folder)
        raise NodeAlreadyRunning(
            f"a node is already running in {folder.resolve()}" + (f" (pid {pid})" if pid else ""),
            hint="stop it with 'statuscli node stop', or give this one another --data-dir",
        ) from None
    return fd


def listen_plan(opts: RunOptions) -> tuple[list[str], list[str]]:
    """``(addresses to listen on, default addresses that were taken)``. Given ``--listen``
    addresses are used as they are (checked); the defaults (loopback, or every interface with
    ``--public``) move to a free port when theirs is taken."""
    from statuscli.net.limits import NodeLimits
    from statuscli.net.listen_addrs import LOOPBACK_LISTEN, PUBLIC_LISTEN, free_defaults, validate_listen

    NodeLimits().with_rates(opts.rate_limits)  # refused here, before a node (or a child) starts
    if opts.listen:
        validate_listen(opts.listen)
        return list(opts.listen), []
    return free_defaults(PUBLIC_LISTEN if opts.public else LOOPBACK_LISTEN)


def run_detached(child_argv: list[str], folder: Path, opts: RunOptions, *, timeout: float = 60.0) -> dict:
    """Start ``child_argv`` (a foreground ``node run``) in the background; return its listening
    record. ``opts`` are checked here first (listen addresses, the folder's lock) so that a node
    that cannot start is refused before a process exists; the child takes the lock for good."""
    folder = folder.absolute()
    listen_plan(opts)
    os.close(lock_folder(folder))  # refuse early; the child's own lock decides a race
    log_path = Path(opts.log_file).absolute() if opts.log_file else folder / LOG_FILE
    child_argv = [*child_argv, "--log-file", str(log_path)]
    with os.fdopen(open_log(log_path), "ab") as logf:  # created 0600
        start = logf.tell()
        proc = subprocess.Popen(
            child_argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=logf, start_new_session=True, close_fds=True
        )
    deadline = time.monotonic() + timeout
    line = b""
    assert proc.stdout is not None
    while b"\n" not in line:
        left = deadline - time.monotonic()
        if left <= 0:
            proc.terminate()
            raise TimeoutExpired(f"the node did not start listening within {timeout:g} s", hint=f"see {log_path}")
        ready, _, _ = select.select([proc.stdout], [], [], left)
        if not ready:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            proc.wait(timeout=5)
            raise _child_failure(proc.returncode, log_path, start)
        line += chunk
    proc.stdout.close()
    return json.loads(line.split(b"\n", 1)[0])


def _child_failure(code: int, log_path: Path, start: int) -> Exception:
    """The error of a detached node that exited before listening, from what it logged."""
    with open(log_path, "rb") as f:
        f.seek(start)
        lines = [ln for ln in f.read().decode(errors="replace").splitlines() if ln.strip()]
    error = next((ln.split("error: ", 1)[1] for ln in reversed(lines) if "error: " in ln), None)
    if code == 2 and error and "already running" in error:
        return NodeAlreadyRunning(error, hint="stop it with 'statuscli node stop', or give this one another --data-dir")
    tail = " | ".join(lines[-3:])
    return NetworkError(f"the node exited with code {code} before listening" + (f": {error}" if error else ""), hint=tail or f"see {log_path}")
