"""A thin client for the node's control socket: plain ``socket`` + ``json`` (no libp2p, no trio),
so short-lived commands reach a running node in milliseconds.

    from statuscli.net.control_client import ControlClient, find_socket
    with ControlClient(find_socket(home)) as c:
        c.call("info")
        c.call("publish", {"message": {"payload_text": "hi", "content_topic": "/a/1/b/proto"}})
        for event in c.subscribe({"content_topics": ["/a/1/b/proto"]}):
            print(event["message"]["payload"])

Errors come back as :class:`~statuscli.core.errors.StatusCliError` with the node's error code and
exit code; a missing or dead node is ``NodeNotRunning`` (exit 6); an answer that is not a JSON
object is ``BadResponse`` (exit 6). Before connecting, the socket must be ours, in a folder others
cannot write (:func:`statuscli.net.socket_dir.check_socket`; ``UnsafeSocket`` otherwise).
"""

from __future__ import annotations

import json
import os
import select
import socket
from collections.abc import Iterator
from pathlib import Path

from statuscli.core.errors import BadResponse, NodeError, NodeNotRunning, StatusCliError, TimeoutExpired, class_for_code
from statuscli.net.socket_dir import check_socket

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


def parse_answer(line: bytes) -> dict:
    """One line from the node: a JSON object, else :class:`BadResponse` (exit 6), never a traceback."""
    try:
        msg = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        raise BadResponse("the node's control socket sent something that is not JSON") from None
    if not isinstance(msg, dict):
        raise BadResponse("the node's control socket sent JSON that is not an object")
    if "error" in msg and not isinstance(msg["error"], dict):
        raise BadResponse("the node's control socket sent a malformed error")
    return msg


def error_from(err: dict) -> StatusCliError:
    """The node's error as the class of its code (a code this version does not know: NodeError,
    keeping the node's exit code when it is a valid one). Fields of the wrong type are ignored."""
    data = err.get("data") if isinstance(err.get("data"), dict) else {}
    message = err.get("message") if isinstance(err.get("message"), str) else "node error"
    hint = data.get("hint") if isinstance(data.get("hint"), str) else None
    code = data.get("code") if isinstance(data.get("code"), str) else ""
    cls = class_for_code(code)
    if cls is not None and cls.__init__ is StatusCliError.__init__:
        return cls(message, hint=hint)
    e = NodeError(message, hint=hint)
    exit_code = data.get("exit_code")
    valid = isinstance(exit_code, int) and not isinstance(exit_code, bool) and 1 <= exit_code <= 7
    e.exit_code = exit_code if valid else (3 if err.get("code") == -32602 else 1)
    return e


class ControlClient:
    def __init__(self, path: str | os.PathLike, *, timeout: float | None = 30.0) -> None:
        self.path = str(path)
        check_socket(self.path)
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
        return parse_answer(self.lines.read_line())

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
        answer = self.call("subscribe", params)
        sid = answer.get("subscription") if isinstance(answer, dict) else None
        if sid is None:
            raise BadResponse("the node answered 'subscribe' without a subscription id")
        self.sock.settimeout(None)

        def messages() -> Iterator[dict]:
            while True:
                msg = self._read()
                params = msg.get("params")
                if msg.get("method") == "message" and isinstance(params, dict) and params.get("subscription") == sid:
                    yield msg["params"]

        return messages()
