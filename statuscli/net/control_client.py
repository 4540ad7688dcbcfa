"""A thin client for the node's control socket: plain ``socket`` + ``json`` (no libp2p, no trio),
so short-lived commands reach a running node in milliseconds.

    from statuscli.net.control_client import ControlClient, find_socket
    with ControlClient(find_socket(home)) as c:
        c.call("info")
        c.call("publish", {"message": {"payload_text": "hi", "content_topic": "/a/1/b/proto"}})
        for event in c.subscribe({"content_topics": ["/a/1/b/proto"]}):
            print(event["message"]["payload"])

Errors come back as :class:`~statuscli.core.errors.StatusCliError` with the node's error code and
exit code; a missing or dead node is ``NodeNotRunning`` (exit 6).
"""

from __future__ import annotations

import json
import os
import select
import socket
from collections.abc import Iterator
from pathlib import Path

from statuscli.core.errors import NodeError, NodeNotRunning, StatusCliError, TimeoutExpired, class_for_code

NODE_INFO_FILE = "node.json"


def node_dir(home: str | os.PathLike) -> Path:
    return Path(home) / "node"


def find_socket(home: str | os.PathLike, data_dir: str | os.PathLike | None = None) -> str:
    """The control socket of the node whose folder is ``data_dir`` (default ``<home>/node``)."""
    d = Path(data_dir) if data_dir else node_dir(home)
    env = os.environ.get("STATUSCLI_NODE_SOCKET")
    if env and data_dir is None:
        return env
    try:
        info = json.loads((d / NODE_INFO_FILE).read_text())
        return info["control_socket"]
    except (OSError, ValueError, KeyError):
        raise NodeNotRunning(f"no running node in {d}") from None


class LineReader:
    """The one line reader over a control-socket connection (requests and subscriptions alike), with an
    O(1) amortised buffer for bursts of notifications."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0

    def pending(self) -> bool:
        return self.buf.find(b"\n", self.pos) >= 0

    def fill(self, timeout: float | None = None) -> bool:
        """Read what is there, waiting at most ``timeout`` (None: the socket's own timeout); False on timeout."""
        if timeout is not None:
            ready, _, _ = select.select([self.sock], [], [], max(timeout, 0))
            if not ready:
                return False
        try:
            chunk = self.sock.recv(1 << 20)
        except socket.timeout:
            raise TimeoutExpired("the node did not answer in time") from None
        if not chunk:
            raise NodeNotRunning("the node closed the control connection")
        if self.pos > 65536 and self.pos > len(self.buf) // 2:
            del self.buf[: self.pos]
            self.pos = 0
        self.buf += chunk
        return True

    def next(self) -> bytes | None:
        """The next complete line, or None (nothing read)."""
        i = self.buf.find(b"\n", self.pos)
        if i < 0:
            return None
        line = bytes(self.buf[self.pos : i])
        self.pos = i + 1
        return line

    def read_line(self) -> bytes:
        """The next line, blocking (within the socket's timeout)."""
        while (line := self.next()) is None:
            self.fill()
        return line


def error_from(err: dict) -> StatusCliError:
    """The node's error as the class of its code (a code this version does not know: NodeError,
    keeping the node's exit code)."""
    data = err.get("data") or {}
    cls = class_for_code(data.get("code") or "")
    message, hint = err.get("message", "node error"), data.get("hint")
    if cls is not None and cls.__init__ is StatusCliError.__init__:
        return cls(message, hint=hint)
    e = NodeError(message, hint=hint)
    e.exit_code = int(data.get("exit_code") or (3 if err.get("code") == -32602 else 1))
    return e


class ControlClient:
    def __init__(self, path: str | os.PathLike, *, timeout: float | None = 30.0) -> None:
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(self.path)
        except FileNotFoundError:
            self.sock.close()
            raise NodeNotRunning(f"no control socket at {self.path}") from None
        except (ConnectionRefusedError, OSError) as e:
            self.sock.close()
            raise NodeNotRunning(f"the node at {self.path} does not answer ({e.strerror or e})") from None
        self.lines = LineReader(self.sock)
        self._next_id = 0

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _send(self, obj: dict) -> None:
        self.sock.sendall((json.dumps(obj, separators=(",", ":")) + "\n").encode())

    def _read(self) -> dict:
        return json.loads(self.lines.read_line())

    def call(self, method: str, params: dict | None = None):
        """One request; returns its result or raises the node's error."""
        self._next_id += 1
        rid = self._next_id
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}})
        while True:
            msg = self._read()
            if msg.get("id") == rid:
                if "error" in msg:
                    raise error_from(msg["error"])
                return msg.get("result")

    def subscribe(self, params: dict | None = None) -> Iterator[dict]:
        """Subscribe now (errors are raised here); iterate the result for each message
        notification's params (blocking between messages)."""
        sid = self.call("subscribe", params)["subscription"]
        self.sock.settimeout(None)

        def messages() -> Iterator[dict]:
            while True:
                msg = self._read()
                if msg.get("method") == "message" and msg.get("params", {}).get("subscription") == sid:
                    yield msg["params"]

        return messages()
