"""End-to-end harness: separate processes on 127.0.0.1 — a node, and people in separate homes.

* ``node`` (one per test module): ``statuscli node run`` in its own process; everyone talks to it
  through its control socket (``STATUSCLI_NODE``), which is fast.
* ``people("alice", "bob")``: accounts made with ``statuscli keys generate`` in separate homes;
  ``p.run(...)``/``p.ok(...)``/``p.json(...)`` run the CLI as a subprocess, ``p.listen(...)`` starts a
  background ``statuscli --json listen`` whose NDJSON events are collected by a thread.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

PY = sys.executable
PASSWORD = "e2e-passphrase"


def base_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATUSCLI_")}
    env["STATUSCLI_PASSWORD"] = PASSWORD
    return env


def start_node(folder: Path, *extra: str, timeout: float = 60.0, env: dict | None = None) -> tuple[subprocess.Popen, dict]:
    folder.mkdir(parents=True, exist_ok=True)
    log = open(folder / "node.log", "wb")
    p = subprocess.Popen([PY, "-m", "statuscli", "--home", str(folder), "node", "run", "--listen", "/ip4/127.0.0.1/tcp/0", *extra],
                         stdout=subprocess.PIPE, stderr=log, env={**base_env(), **(env or {})})  # fmt: skip
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([p.stdout], [], [], max(left, 0))
        if not ready:
            p.kill()
            raise AssertionError("the node did not start: " + (folder / "node.log").read_text(errors="replace")[-2000:])
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            raise AssertionError("the node exited: " + (folder / "node.log").read_text(errors="replace")[-2000:])
        line += chunk
    return p, json.loads(line.split(b"\n", 1)[0])


def stop_process(p: subprocess.Popen, timeout: float = 15.0) -> None:
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    folder = tmp_path_factory.mktemp("node")
    p, info = start_node(folder)
    info["folder"] = folder
    yield info
    stop_process(p)


class Listen:
    """A background ``statuscli --json listen``; events are parsed as they arrive."""

    def __init__(self, person: Person, args: tuple[str, ...]):
        self.person = person
        self.p = subprocess.Popen([PY, "-m", "statuscli", "--json", "listen", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=person.env)  # fmt: skip
        self.events: list[dict] = []
        self.stderr = ""
        self.bad_lines = 0
        self._ready = threading.Event()
        threading.Thread(target=self._out, daemon=True).start()
        threading.Thread(target=self._err, daemon=True).start()

    def _out(self) -> None:
        for line in self.p.stdout:
            try:
                self.events.append(json.loads(line))
            except ValueError:
                self.bad_lines += 1  # a line cut by a hard kill

    def _err(self) -> None:
        for line in self.p.stderr:
            text = line.decode(errors="replace")
            self.stderr += text
            if "listening via" in text:
                self._ready.set()

    def ready(self, timeout: float = 30.0) -> Listen:
        assert self._ready.wait(timeout) or self.p.poll() is not None, "listen did not start"
        assert self.p.poll() is None, f"listen exited {self.p.returncode}: {self.stderr[-2000:]}"
        time.sleep(0.2)  # the subscription follows the announcement immediately
        return self

    def messages(self) -> list[dict]:
        return [e for e in self.events if e["type"] in ("message", "contact_request")]

    def wait_for(self, pred, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not pred(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; {len(self.events)} events, stderr: {self.stderr[-1500:]}")
            if self.p.poll() is not None and not pred(self):
                time.sleep(0.2)
                if not pred(self):
                    raise AssertionError(f"listen exited {self.p.returncode}; stderr: {self.stderr[-1500:]}")
            time.sleep(0.05)

    def finish(self, timeout: float = 120.0) -> int:
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            raise AssertionError(f"listen did not finish; stderr: {self.stderr[-1500:]}") from None
        time.sleep(0.1)  # let the reader threads drain
        return rc

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.p.send_signal(sig)
        return self.finish(30)


class Person:
    def __init__(self, base: Path, name: str, node_socket: str | None):
        self.name = name
        self.home = base / name
        self.env = base_env()
        self.env["STATUSCLI_HOME"] = str(self.home)
        if node_socket:
            self.env["STATUSCLI_NODE"] = node_socket
        out = self.json("keys", "generate", "--name", name)
        self.key, self.zq3 = out["public_key"], out["compressed_key"]

    def run(self, *args: str, input: str | bytes | None = None, timeout: float = 120.0) -> subprocess.CompletedProcess:
        data = input.encode() if isinstance(input, str) else input
        return subprocess.run([PY, "-m", "statuscli", *args], input=data, capture_output=True, env=self.env, timeout=timeout)

    def ok(self, *args: str, **kw) -> str:
        r = self.run(*args, **kw)
        assert r.returncode == 0, f"{args}: exit {r.returncode}: {r.stderr.decode()[-2000:]}"
        return r.stdout.decode()

    def json(self, *args: str, **kw):
        return json.loads(self.ok("--json", *args, **kw))

    def ndjson(self, *args: str, **kw) -> list[dict]:
        return [json.loads(line) for line in self.ok("--json", *args, **kw).splitlines() if line.strip()]

    def listen(self, *args: str) -> Listen:
        return Listen(self, args)


@pytest.fixture
def people(tmp_path, node):
    def make(*names: str) -> list[Person]:
        return [Person(tmp_path, n, node["control_socket"]) for n in names]

    return make
