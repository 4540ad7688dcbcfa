"""Processes for the interop tests: our node (`statuscli node run`) and the js-waku drivers.

Both kinds are real subprocesses bounded in time:

* :class:`OurNode` starts ``python -m statuscli node run`` with an isolated ``$STATUSCLI_HOME`` and
  reads the one ``{"type": "listening", …}`` line it prints on stdout as soon as it listens. Its
  stderr goes to a file, shown when a test fails. ``stop()`` sends SIGTERM, then kills.
* :class:`JsDriver` runs one of the scripts in ``tests/interop/js/{light,relay}`` with Node. The
  scripts print progress events as JSON lines on stderr (``{"event": …}``) and exactly one JSON
  result line on stdout, and exit by themselves (each has its own watchdog). ``run_js`` is the
  one-shot form (JSON in on stdin, result out).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

JS_ROOT = Path(__file__).parent / "js"
LIGHT = JS_ROOT / "light"
RELAY = JS_ROOT / "relay"
DISCV5 = JS_ROOT / "discv5"
RENDEZVOUS = JS_ROOT / "rendezvous"
POLYFILL = JS_ROOT / "node20-polyfill.mjs"
REPO = Path(__file__).resolve().parents[2]

# What each sub-project must have installed (npm ci from its lockfile), as (package, version).
PINNED = {
    LIGHT: [("@waku/sdk", "0.0.36"), ("@waku/message-encryption", "0.0.38"), ("@waku/message-hash", "0.1.19")],
    RELAY: [("@waku/sdk", "0.0.27"), ("@waku/relay", "0.0.14")],
    DISCV5: [("@chainsafe/discv5", "11.0.0"), ("@chainsafe/enr", "5.0.0")],
    RENDEZVOUS: [("@canvas-js/libp2p-rendezvous", "0.5.2"), ("@libp2p/peer-record", "8.0.35")],
}

CLUSTER = 16
SHARDS = (32, 64)
PUBSUB_TOPIC = f"/waku/2/rs/{CLUSTER}/{SHARDS[0]}"


def environment_problem() -> str | None:
    """Why the js-waku side cannot run here (one line), or None when it can."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(name for name, path in (("node", node), ("npm", npm)) if path is None)
        return f"{missing} not found on PATH (install Node >= 20, then run scripts/dev install)"
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
        major = int(version.lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        return f"cannot run `node --version`: {exc}"
    if major < 20:
        return f"Node {version} is too old: js-waku needs Node >= 20"
    for project, pins in PINNED.items():
        for package, wanted in pins:
            manifest = project / "node_modules" / package / "package.json"
            rel = project.relative_to(REPO)
            if not manifest.exists():
                return f"{package} is not installed in {rel} (run scripts/dev install, or npm ci there)"
            got = json.loads(manifest.read_text(encoding="utf-8")).get("version")
            if got != wanted:
                return f"{rel} has {package} {got}, the lockfile pins {wanted} (run npm ci there)"
    return None


def shard_info_hex(cluster: int, shards: tuple[int, ...]) -> str:
    """js-waku's peer-store form of a metadata answer: cluster u16, count u8, shards u16 (big-endian)."""
    body = cluster.to_bytes(2, "big") + len(shards).to_bytes(1, "big")
    body += b"".join(s.to_bytes(2, "big") for s in shards)
    return "0x" + body.hex()


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class _LineReader:
    """Drains a text pipe on a thread so that the child never blocks on a full pipe."""

    def __init__(self, pipe, on_line=None):
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.all: list[str] = []
        self._on_line = on_line
        self._thread = threading.Thread(target=self._run, args=(pipe,), daemon=True)
        self._thread.start()

    def _run(self, pipe):
        for line in iter(pipe.readline, ""):
            line = line.rstrip("\n")
            self.all.append(line)
            if self._on_line is not None:
                self._on_line(line)
            self.lines.put(line)
        self.lines.put(None)

    def next_line(self, timeout: float) -> str | None:
        """The next line, or None at EOF; raises TimeoutError after ``timeout`` seconds."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


class OurNode:
    """``statuscli node run`` on 127.0.0.1, stopped with SIGTERM."""

    START_TIMEOUT = 30.0

    def __init__(self, home: Path, *, ws: bool = False, peers: tuple[str, ...] = (), extra: tuple[str, ...] = ()):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.log_path = self.home / "node.stderr.log"
        args = ["--listen", "/ip4/127.0.0.1/tcp/0"]
        if ws:
            args += ["--listen", "/ip4/127.0.0.1/tcp/0/ws"]
        for peer in peers:
            args += ["--peer", peer]
        args += ["--cluster", str(CLUSTER)]
        for shard in SHARDS:
            args += ["--shard", str(shard)]
        self.argv = [sys.executable, "-m", "statuscli", "node", "run", *args, *extra]
        env = dict(os.environ, STATUSCLI_HOME=str(self.home / "home"), PYTHONUNBUFFERED="1")
        for var in ("STATUSCLI_ACCOUNT", "STATUSCLI_NODE", "STATUSCLI_OUTPUT"):
            env.pop(var, None)
        self.env = env
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self._log, text=True,
        )
        self._stdout = _LineReader(self.proc.stdout)
        self.info = self._wait_listening()

    def _wait_listening(self) -> dict:
        deadline = time.monotonic() + self.START_TIMEOUT
        while True:
            left = deadline - time.monotonic()
            try:
                line = self._stdout.next_line(max(left, 0.01))
            except TimeoutError:
                self.stop()
                raise AssertionError(
                    f"`statuscli node run` printed no listening line within {self.START_TIMEOUT:.0f}s\n"
                    f"stderr:\n{_tail(self.log_path)}"
                ) from None
            if line is None:
                code = self.proc.wait(5)
                self.stop()
                raise AssertionError(
                    f"`statuscli node run` exited with status {code} before listening\n"
                    f"argv: {' '.join(self.argv[1:])}\nstderr:\n{_tail(self.log_path)}"
                )
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("type") == "listening":
                return event

    @property
    def peer_id(self) -> str:
        return self.info["peer_id"]

    def multiaddr(self, kind: str = "tcp") -> str:
        """Our listening multiaddr (with ``/p2p/<id>``) of the given kind: ``tcp`` or ``ws``."""
        for addr in self.info["multiaddrs"]:
            is_ws = "/ws/" in addr or addr.endswith("/ws")
            if (kind == "ws") == is_ws and "/tcp/" in addr:
                return addr if "/p2p/" in addr else f"{addr}/p2p/{self.peer_id}"
        raise AssertionError(f"our node has no {kind} listener: {self.info['multiaddrs']}")

    def statuscli(self, *args: str, input: str | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
        """Run another statuscli command against the same home (so it finds the control socket)."""
        return subprocess.run(
            [sys.executable, "-m", "statuscli", *args], cwd=REPO, env=self.env, input=input,
            capture_output=True, text=True, timeout=timeout,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._stdout.join(2)
        if not self._log.closed:
            self._log.close()
        return self.proc.returncode


class JsDriver:
    """One js-waku driver script running under Node; see the module docstring."""

    def __init__(self, project: Path, script: str, *args: str, stdin_pipe: bool = False):
        self.argv = ["node", "--import", POLYFILL.as_uri(), script, *args]
        self.project = project
        self.events: list[dict] = []
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(
            self.argv, cwd=project, stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self._stdout = _LineReader(self.proc.stdout)
        self._stderr = _LineReader(self.proc.stderr, on_line=self._on_stderr)

    def _on_stderr(self, line: str) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            return
        if isinstance(event, dict) and "event" in event:
            with self._cond:
                self.events.append(event)
                self._cond.notify_all()

    def describe(self) -> str:
        return f"{self.project.name}/{' '.join(self.argv[3:])}\nstderr:\n" + "\n".join(self._stderr.all[-30:])

    def wait_event(self, name: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events:
                    if event["event"] == name:
                        return event
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError(f"js driver sent no {name!r} event within {timeout}s\n{self.describe()}")
                self._cond.wait(min(left, 0.2))

    def send_line(self, text: str) -> None:
        assert self.proc.stdin is not None, "started without stdin_pipe"
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def result(self, timeout: float) -> dict:
        """The driver's one result line (waits for it to exit; kills it after ``timeout``)."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"js driver still running after {timeout}s\n{self.describe()}") from None
        self._stdout.join(5)
        self._stderr.join(5)
        lines = [line for line in self._stdout.all if line.strip()]
        if not lines:
            raise AssertionError(f"js driver exited with {self.proc.returncode} and no result\n{self.describe()}")
        try:
            result = json.loads(lines[-1])
        except ValueError:
            raise AssertionError(f"js driver printed no JSON result: {lines[-1][:300]}\n{self.describe()}") from None
        result["_exit_code"] = self.proc.returncode
        result["_stderr"] = self._stderr.all
        return result

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def run_js(project: Path, script: str, request: dict, timeout: float = 30) -> dict:
    """Run a one-shot helper (JSON request on stdin, one JSON result on stdout)."""
    proc = subprocess.run(
        ["node", "--import", POLYFILL.as_uri(), script], cwd=project, input=json.dumps(request),
        capture_output=True, text=True, timeout=timeout,
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert proc.returncode == 0 and lines, f"{script} failed ({proc.returncode}):\n{proc.stderr[-2000:]}"
    result = json.loads(lines[-1])
    assert result.get("ok") is True, result
    return result
