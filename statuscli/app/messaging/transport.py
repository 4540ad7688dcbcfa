"""How messages reach the network: a running node's control socket, or a node of our own.

Every transport offers the same small, blocking interface::

    t.publish(envelope) -> dict                     # raises NetworkError (exit 6) when refused
    t.subscribe(content_topics or None)             # (re)subscribe; None = everything (control socket)
    t.receive(timeout) -> list[Received]            # what arrived, [] after ``timeout`` seconds
    t.store_query(content_topics, …) -> (list[Received], cursor)
    t.close()

Selection (:func:`open_transport`), first that applies:

1. ``--node`` naming a control socket (a path, or ``unix:PATH``) → that socket;
2. ``--node MULTIADDR|ENR`` → our own py-libp2p node: a light client of it (lightpush, filter,
   store), or with ``--relay`` a relay node joining the mesh through it;
3. a running node of this home (``$STATUSCLI_HOME/node``, or ``STATUSCLI_NODE_SOCKET``) → its socket;
4. ``STATUSCLI_NODE`` → as 2;
5. otherwise a :class:`NetworkError` (exit 6) saying how to get a node.

The control socket transport imports neither libp2p nor trio: ``send`` through a running node
costs a connect and one JSON line. It keeps the subscription on its own connection, so calls on
the other one never interleave with notifications.
"""

from __future__ import annotations

import json
import os
import select
import socket
import stat
from dataclasses import dataclass

from statuscli.core.errors import NetworkError, StatusCliError, TimeoutExpired, UsageError
from statuscli.core.encoding import to_hex
from statuscli.core.topics.sharding import STATUS_DEFAULT_PUBSUB_TOPIC
from statuscli.net.control_client import ControlClient, NodeNotRunning, find_socket

#: nwaku answers store queries naming at most 10 content topics
STORE_TOPICS_PER_QUERY = 10


@dataclass(frozen=True, slots=True)
class Received:
    data: bytes  # encoded WakuMessage
    pubsub_topic: str
    hash: bytes | None = None


def _msg_bytes(m: dict) -> bytes:
    """WakuMessage bytes from the control socket's JSON fields (presence preserved)."""
    from statuscli.core.encoding import from_hex
    from statuscli.core.waku.message import WakuMessage, encode

    def b(v):
        return None if v is None else from_hex(v, what="message field")

    return encode(WakuMessage(b(m.get("payload")) or b"", m.get("content_topic") or "", m.get("version"), m.get("timestamp"),
                              b(m.get("meta")), b(m.get("rate_limit_proof")), m.get("ephemeral")))  # fmt: skip


# --- the control socket ------------------------------------------------------------------------
class _Lines:
    """A line reader over a socket with an O(1) amortised buffer (bursts of notifications)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.pos = 0

    def pending(self) -> bool:
        return self.buf.find(b"\n", self.pos) >= 0

    def fill(self, timeout: float | None) -> bool:
        """Read what is there (waiting at most ``timeout``); False on timeout."""
        if timeout is not None:
            ready, _, _ = select.select([self.sock], [], [], max(timeout, 0))
            if not ready:
                return False
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise NodeNotRunning("the node closed the control connection")
        if self.pos > 65536 and self.pos > len(self.buf) // 2:
            del self.buf[: self.pos]
            self.pos = 0
        self.buf += chunk
        return True

    def next(self) -> bytes | None:
        i = self.buf.find(b"\n", self.pos)
        if i < 0:
            return None
        line = bytes(self.buf[self.pos : i])
        self.pos = i + 1
        return line


class ControlSocketTransport:
    kind = "control-socket"
    filters_topics = False  # subscribes to everything and filters locally

    def __init__(self, path: str, *, timeout: float = 30.0) -> None:
        self.path = str(path)
        self.timeout = timeout
        self.rpc = ControlClient(self.path, timeout=timeout)
        self._sub_sock: socket.socket | None = None
        self._sub_lines: _Lines | None = None
        self._sub_id = None
        self._early: list[bytes] = []

    @property
    def description(self) -> str:
        return f"control socket {self.path}"

    def info(self) -> dict:
        return self.rpc.call("info")

    def publish(self, env) -> dict:
        return self.rpc.call("publish", {"data": to_hex(env.data), "pubsub_topic": env.pubsub_topic})

    def subscribe(self, content_topics: list[str] | None = None) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError as e:
            sock.close()
            raise NodeNotRunning(f"the node at {self.path} does not answer ({e.strerror or e})") from None
        lines = _Lines(sock)
        params = {"content_topics": list(content_topics)} if content_topics else {}
        sock.sendall((json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscribe", "params": params}) + "\n").encode())
        early: list[bytes] = []
        while True:
            line = lines.next()
            if line is None:
                if not lines.fill(self.timeout):
                    sock.close()
                    raise TimeoutExpired("the node did not confirm the subscription")
                continue
            msg = json.loads(line)
            if msg.get("id") == 1:
                if "error" in msg:
                    sock.close()
                    from statuscli.net.control_client import _error

                    raise _error(msg["error"])
                break
            early.append(line)
        old = self._sub_sock
        self._sub_sock, self._sub_lines, self._sub_id = sock, lines, msg["result"]["subscription"]
        self._early = early
        if old is not None:
            old.close()

    def receive(self, timeout: float, max_items: int = 1000) -> list[Received]:
        if self._sub_lines is None:
            raise UsageError("receive() before subscribe()")
        out = [r for r in (self._parse(x) for x in self._early) if r is not None]
        self._early = []
        lines = self._sub_lines
        if not out and not lines.pending():
            lines.fill(timeout)
        while len(out) < max_items:
            line = lines.next()
            if line is None:
                if self._readable():
                    lines.fill(0)
                    continue
                break
            r = self._parse(line)
            if r is not None:
                out.append(r)
        return out

    def _readable(self) -> bool:
        ready, _, _ = select.select([self._sub_sock], [], [], 0)
        return bool(ready)

    def _parse(self, line: bytes) -> Received | None:
        from statuscli.core.encoding import from_hex

        msg = json.loads(line)
        if msg.get("method") != "message":
            return None
        p = msg.get("params") or {}
        if p.get("subscription") != self._sub_id:
            return None
        data = from_hex(p["data"], what="data") if p.get("data") else _msg_bytes(p["message"])
        h = from_hex(p["hash"], what="hash") if p.get("hash") else None
        return Received(data, p.get("pubsub_topic") or STATUS_DEFAULT_PUBSUB_TOPIC, h)

    def store_query(self, content_topics: list[str], *, pubsub_topic: str, time_start: int | None = None, time_end: int | None = None,
                    cursor: bytes | None = None, limit: int = 100, forward: bool = True, peer: str | None = None):  # fmt: skip
        from statuscli.core.encoding import from_hex

        params: dict = {"pubsub_topic": pubsub_topic, "content_topics": list(content_topics), "limit": limit, "forward": forward}
        if time_start is not None:
            params["time_start"] = time_start
        if time_end is not None:
            params["time_end"] = time_end
        if cursor is not None:
            params["cursor"] = to_hex(cursor)
        if peer:
            params["peer"] = peer
        page = self.rpc.call("store_query", params)
        out = []
        for m in page.get("messages") or []:
            if m.get("message") is None:
                continue
            out.append(Received(_msg_bytes(m["message"]), m.get("pubsub_topic") or pubsub_topic, from_hex(m["hash"], what="hash")))
        cur = page.get("cursor")
        return out, (from_hex(cur, what="cursor") if cur else None)

    def close(self) -> None:
        self.rpc.close()
        if self._sub_sock is not None:
            self._sub_sock.close()
            self._sub_sock = None


# --- selection -------------------------------------------------------------------------------
_MULTIADDR_HEADS = ("/ip4/", "/ip6/", "/dns/", "/dns4/", "/dns6/", "/dnsaddr/")


def _socket_path(text: str) -> str | None:
    """The control socket a ``--node`` value names, or None for a multiaddr/ENR."""
    if text.startswith("unix:"):
        return text[5:]
    try:
        if stat.S_ISSOCK(os.stat(text).st_mode):
            return text
    except OSError:
        pass
    if text.startswith(("/", "./", "~")) and not text.startswith(_MULTIADDR_HEADS):
        return os.path.expanduser(text)  # a path that is no (live) socket: NodeNotRunning says so
    return None


def open_transport(app, *, node: str | None = None, relay: bool = False, listen: bool = False) -> object:
    """The transport for this invocation (see the module docstring); NetworkError (exit 6) if none."""
    if node:
        path = _socket_path(node)
        if path is not None:
            return ControlSocketTransport(path)
        return _embedded(app, node, relay, listen)
    if relay:
        env = os.environ.get("STATUSCLI_NODE")
        if env and _socket_path(env) is None:
            return _embedded(app, env, True, listen)
        raise UsageError("--relay joins the mesh through a peer: give --node MULTIADDR (or set STATUSCLI_NODE)")
    local_error: StatusCliError | None = None
    try:
        return ControlSocketTransport(find_socket(app.home))
    except NodeNotRunning as e:
        local_error = e
    env = os.environ.get("STATUSCLI_NODE")
    if env:
        path = _socket_path(env)
        return ControlSocketTransport(path) if path is not None else _embedded(app, env, False, listen)
    raise NetworkError(
        f"no node to talk to: {local_error.message if local_error else 'none found'}",
        hint="start one ('statuscli node run --detach'), or give --node MULTIADDR|SOCKET (or STATUSCLI_NODE)",
    )


def _embedded(app, peer: str, relay: bool, listen: bool):
    from statuscli.app.messaging.embedded import EmbeddedTransport

    return EmbeddedTransport.client(peer, relay=relay, verbose=app.verbose, quiet=app.quiet)
