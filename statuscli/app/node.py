"""Running a Waku node from the command line: the node folder, start/stop/status, --detach, probe.

The node folder (``$STATUSCLI_HOME/node`` unless ``--data-dir``) holds:

  node.key      the secp256k1 node key, 64 hex characters (0600) — the peer id stays stable
  store.sqlite  the store archive (full mode; elsewhere with ``--store-db``, or PostgreSQL with
                ``--store-url``: see ``statuscli.app.archive``)
  node.toml     optional settings (``store-url``, ``store-retention``)
  node.json     written once the node listens: the "listening" record plus ``pid`` (0600)
  node.pid      the running node's process id
  control.sock  the control socket (0600); see docs/control-socket.md
  node.log      stderr and logs of a node started with --detach (unless --log-file)
  node.lock     held (flock, exclusive) by the running node: the first thing it takes

Only one node runs per folder: the lock decides, so two nodes started at the same moment cannot
both run (starting, locking, detaching: ``node_start.py``). ``status`` and ``stop`` go through the control socket (with the
control client: no libp2p import, so they answer in a fraction of a second).
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from statuscli.core.errors import InvalidInput, TimeoutExpired
from statuscli.core.topics.sharding import STATUS_CLUSTER
from statuscli.net.control_client import NODE_INFO_FILE, ControlClient, NodeNotRunning, find_socket

log = logging.getLogger("statuscli.node")

PID_FILE = "node.pid"
KEY_FILE = "node.key"
LOG_FILE = "node.log"
STORE_FILE = "store.sqlite"
LOCK_FILE = "node.lock"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass
class RunOptions:
    mode: str = "full"
    listen: list[str] = field(default_factory=list)
    peers: list[str] = field(default_factory=list)
    cluster_id: int = STATUS_CLUSTER
    shards: list[int] = field(default_factory=list)
    store_db: str | None = None
    store_url: str | None = None
    store_retention: list[str] = field(default_factory=list)
    retention_given: bool = False
    retention_seconds: int | None = 30 * 86400
    max_messages: int | None = None
    data_dir: str | None = None
    log_file: str | None = None
    public: bool = False
    rate_limits: list[str] = field(default_factory=list)
    libp2p_log_level: int = logging.WARNING
    discv5: bool = False
    discv5_port: int = 9000
    bootstrap: list[str] = field(default_factory=list)
    enrtree: list[str] = field(default_factory=list)
    dns_server: str | None = None
    discovery_period: float | None = None
    rendezvous: list[str] = field(default_factory=list)


def node_dir(home: Path, data_dir: str | None = None) -> Path:
    return Path(data_dir).expanduser() if data_dir else Path(home) / "node"


def parse_retention(text: str) -> int | None:
    """``30d``, ``12h``, ``90m``, ``3600`` (seconds) or ``0``/``off`` (keep forever)."""
    if text.strip().lower() in ("0", "off", "none", "forever"):
        return None
    m = _DURATION.match(text.lower())
    if not m:
        raise InvalidInput(f"bad retention {text!r}", hint="use e.g. 30d, 12h, 90m, 3600 or off")
    return int(m.group(1)) * _UNITS[m.group(2)]


def socket_path(folder: Path) -> Path:
    """``<folder>/control.sock``, or one in the per-user runtime folder (see :mod:`statuscli.net.socket_dir`)."""
    from statuscli.net.socket_dir import socket_path as path_for

    return path_for(folder)


def open_log(path: str | os.PathLike) -> int:
    """A log file opened for appending, created 0600 (and an older one narrowed to 0600); returns the fd."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    os.lseek(fd, 0, os.SEEK_END)  # so that tell() is the size, as with open(path, "ab")
    return fd


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie — exited, not yet reaped by its parent — does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def running_pid(folder: Path) -> int | None:
    try:
        pid = int((folder / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def setup_cli_logging(verbose: int, quiet: bool) -> int:
    """Logging for a short-lived network command: our warnings on stderr; libp2p's only with -vv.
    Returns the level to give py-libp2p's loggers (``NodeConfig.libp2p_log_level``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.ERROR if quiet else (logging.DEBUG if verbose >= 2 else logging.INFO if verbose else logging.WARNING))
    return logging.DEBUG if verbose >= 2 else logging.CRITICAL


def setup_logging(verbose: int, quiet: bool, log_file: str | None) -> int:
    """Logging for ``node run``: INFO (DEBUG with -v) to stderr or a file. Returns the level for
    py-libp2p's loggers (WARNING; DEBUG with -vv)."""
    level = logging.ERROR if quiet else (logging.DEBUG if verbose else logging.INFO)
    if log_file:
        os.close(open_log(log_file))  # created 0600 before logging appends to it
    handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    return logging.DEBUG if verbose >= 2 else logging.WARNING


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def run_foreground(home: Path, opts: RunOptions, announce: Callable[[dict], None]) -> None:
    """Run the node until SIGINT/SIGTERM or a ``stop`` request; ``announce`` gets the listening record."""
    from statuscli.app.node_start import lock_folder

    folder = node_dir(home, opts.data_dir).absolute()
    lock = lock_folder(folder)  # before anything else: key, archive, socket, pid file
    try:
        _run_locked(folder, opts, announce)
    finally:
        os.close(lock)


def _run_locked(folder: Path, opts: RunOptions, announce: Callable[[dict], None]) -> None:
    from statuscli.net.host import load_or_create_node_key
    from statuscli.net.limits import NodeLimits
    from statuscli.net.listen_addrs import AddressInUse, with_port
    from statuscli.net.node_config import DEFAULT_SHARDS, NodeConfig
    from statuscli.net.runner import run

    from statuscli.app.node_start import listen_plan

    listen, taken = listen_plan(opts)
    archive = None
    if opts.mode == "full":
        from statuscli.app import archive as app_archive

        url = app_archive.store_url(folder, opts.store_url, opts.store_db)
        keep = app_archive.retention(folder, opts.store_retention, opts.retention_seconds, opts.max_messages, legacy_given=opts.retention_given)
        archive = app_archive.open_url(url, retention=keep)
        log.info("store archive: %s (retention %s)", app_archive.redact(url), ", ".join(keep.describe()))
    extra = {"log_file": str(Path(opts.log_file).absolute()) if opts.log_file else None}
    sock = socket_path(folder).absolute()
    for a in taken:
        log.warning("the default port of %s is taken; listening on a free port instead", a)
    try:
        for attempt in (1, 2):
            extra["default_ports_taken"] = taken
            config = NodeConfig(
                mode=opts.mode,
                listen=listen,
                peers=opts.peers,
                cluster_id=opts.cluster_id,
                shards=opts.shards or list(DEFAULT_SHARDS),
                node_key=load_or_create_node_key(folder / KEY_FILE),
                archive=archive,
                libp2p_log_level=opts.libp2p_log_level,
                discv5=opts.discv5 or bool(opts.bootstrap),
                discv5_port=opts.discv5_port,
                bootstrap=opts.bootstrap,
                enrtree=opts.enrtree,
                dns_server=opts.dns_server,
                test_filter_forget_every=float(os.environ.get("STATUSCLI_TEST_FILTER_FORGET_S") or 0) or None,
                discovery_period=opts.discovery_period,
                rendezvous=opts.rendezvous,
                limits=NodeLimits().with_rates(opts.rate_limits),
            )
            try:
                if run(_serve, folder, config, sock, announce, extra) == signal.SIGINT:
                    raise KeyboardInterrupt  # stopped cleanly; Ctrl-C is still exit 130 (finally cleans up)
                return
            except AddressInUse as e:
                # a default port taken between our check and the bind (another node starting
                # at the same moment): once more on free ports; given addresses are not moved
                if opts.listen or attempt == 2:
                    raise
                for a in e.addresses:
                    log.warning("the default port of %s is taken; listening on a free port instead", a)
                taken = taken + [a for a in e.addresses if a not in taken]
                listen = [with_port(a, 0) if a in e.addresses else a for a in listen]
    finally:
        for name in (NODE_INFO_FILE, PID_FILE):
            try:
                (folder / name).unlink()
            except OSError:
                pass
        if archive is not None:
            archive.close()


async def _serve(folder: Path, config, sock: Path, announce: Callable[[dict], None], extra: dict) -> int | None:
    """Serve until a stop request or a signal; returns the signal that stopped it (or None)."""
    import trio

    from statuscli.net.control_server import ControlServer
    from statuscli.net.node import WakuNode

    async with WakuNode(config) as node:
        stop = trio.Event()
        async with trio.open_nursery() as nursery:
            await nursery.start(ControlServer(node, sock, on_stop=stop.set).serve)
            record = {
                "type": "listening",
                "peer_id": node.peer_id,
                "multiaddrs": node.multiaddrs,
                "enr": node.enr,
                "control_socket": str(sock),
                "mode": config.mode,
                "pubsub_topics": config.pubsub_topics if config.mode != "light" else [],
                "pid": os.getpid(),
                **extra,
            }
            _write_private(folder / PID_FILE, f"{os.getpid()}\n")
            _write_private(folder / NODE_INFO_FILE, json.dumps(record) + "\n")
            announce(record)
            log.info("node %s (%s) listening on %s", node.peer_id, config.mode, ", ".join(node.multiaddrs) or "nothing")

            stopped_by: list[int] = []

            async def signals() -> None:
                with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as received:
                    async for signum in received:
                        log.info("received %s, stopping", signal.Signals(signum).name)
                        stopped_by.append(signum)
                        stop.set()
                        return

            nursery.start_soon(signals)
            await stop.wait()
            nursery.cancel_scope.cancel()
    log.info("node stopped")
    return stopped_by[0] if stopped_by else None


def status(home: Path, data_dir: str | None = None) -> dict:
    folder = node_dir(home, data_dir)
    with ControlClient(find_socket(home, folder if data_dir else None), timeout=10.0) as c:
        info = c.call("info")
    info["pid"] = running_pid(folder)
    return info


def peers(home: Path, data_dir: str | None = None) -> dict:
    """Connected and known peers of the running node (peer_id, connected, source, score, …)."""
    folder = node_dir(home, data_dir)
    with ControlClient(find_socket(home, folder if data_dir else None), timeout=10.0) as c:
        return {"peers": c.call("peers")}


def stop(home: Path, data_dir: str | None = None, *, timeout: float = 15.0) -> dict:
    folder = node_dir(home, data_dir)
    pid = running_pid(folder)
    asked = False
    try:
        with ControlClient(find_socket(home, folder if data_dir else None), timeout=5.0) as c:
            c.call("stop")
            asked = True
    except NodeNotRunning:
        if pid is None:
            raise
    deadline = time.monotonic() + timeout
    signalled = asked
    while pid is not None and _alive(pid):
        now = time.monotonic()
        if now > deadline:
            raise TimeoutExpired(f"the node (pid {pid}) did not stop within {timeout:g} s", hint=f"kill {pid}")
        if not signalled and now > deadline - timeout + 3.0:
            os.kill(pid, signal.SIGTERM)  # the control socket did not take the request
            signalled = True
        time.sleep(0.05)
        _reap(pid)
    return {"stopped": True, "pid": pid}


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def probe(address: str, *, timeout: float = 10.0, cluster_id: int = STATUS_CLUSTER, libp2p_log_level: int = logging.CRITICAL) -> dict:
    """Connect to any Waku node and report its protocols, cluster, shards, agent and RTT."""
    import trio

    from statuscli.net.node import WakuNode
    from statuscli.net.node_config import NodeConfig
    from statuscli.net.runner import run

    async def main() -> dict:
        config = NodeConfig(mode="light", listen=[], cluster_id=cluster_id, shards=[], libp2p_log_level=libp2p_log_level)
        async with WakuNode(config) as node:
            with trio.fail_after(timeout * 3):
                report = await node.probe(address, timeout=timeout)
        report["address"] = address
        return report

    try:
        return run(main)
    except trio.TooSlowError:
        raise TimeoutExpired(f"probing {address} took too long") from None
