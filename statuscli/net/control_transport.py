"""A running node's control socket as a :class:`~statuscli.net.transport.Transport` (no libp2p, no trio).

``send`` through a running node costs a connect and one JSON line. The subscription has a
connection of its own, so calls on the other one never interleave with notifications; both read
lines with the one :class:`~statuscli.net.control_client.LineReader`.
"""

from __future__ import annotations

import json
import select
import socket

from statuscli.core.encoding import to_hex
from statuscli.core.errors import TimeoutExpired, UsageError
from statuscli.core.topics.sharding import STATUS_DEFAULT_PUBSUB_TOPIC
from statuscli.net.control_client import ControlClient, LineReader, NodeNotRunning, error_from, parse_answer
from statuscli.net.socket_dir import check_socket
from statuscli.net.transport import Received

#: dropped-message spans kept until the listener collects them (oldest forgotten first)
MAX_LOST_SPANS = 1000


def _msg_bytes(m: dict) -> bytes:
    """WakuMessage bytes from the control socket's JSON fields (presence preserved)."""
    from statuscli.core.encoding import from_hex
    from statuscli.core.waku.message import WakuMessage, encode

    def b(v):
        return None if v is None else from_hex(v, what="message field")

    return encode(WakuMessage(b(m.get("payload")) or b"", m.get("content_topic") or "", m.get("version"), m.get("timestamp"),
                              b(m.get("meta")), b(m.get("rate_limit_proof")), m.get("ephemeral")))  # fmt: skip


class ControlSocketTransport:
    kind = "control-socket"
    # names our content topics: a light node (``--role light``) needs them for its filter service,
    # and a relaying node then sends only what we asked for
    filters_topics = True

    def __init__(self, path: str, *, timeout: float = 30.0) -> None:
        self.path = str(path)
        self.timeout = timeout
        self.rpc = ControlClient(self.path, timeout=timeout)
        self._sub_sock: socket.socket | None = None
        self._sub_lines: LineReader | None = None
        self._sub_id = None
        self._early: list[bytes] = []
        self._lost: list[tuple[int, int, str]] = []  # spans the node dropped for our subscription

    @property
    def description(self) -> str:
        return f"control socket {self.path}"

    def info(self) -> dict:
        return self.rpc.call("info")

    def publish(self, env) -> dict:
        return self.rpc.call("publish", {"data": to_hex(env.data), "pubsub_topic": env.pubsub_topic})

    def subscribe(self, content_topics: list[str] | None = None) -> None:
        check_socket(self.path)  # ours, in a folder others cannot write
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError as e:
            sock.close()
            raise NodeNotRunning(f"the node at {self.path} does not answer ({e.strerror or e})") from None
        lines = LineReader(sock)
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
            msg = parse_answer(line)
            if msg.get("id") == 1:
                if "error" in msg:
                    sock.close()
                    raise error_from(msg["error"])
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

        msg = parse_answer(line)
        method = msg.get("method")
        p = msg.get("params") or {}
        if method not in ("message", "dropped") or p.get("subscription") != self._sub_id:
            return None
        if method == "dropped":
            if len(self._lost) >= MAX_LOST_SPANS:
                self._lost.pop(0)
            self._lost.append((int(p["from"]), int(p["to"]), f"the node dropped {p.get('count')} live message(s): we did not read fast enough"))
            return None
        data = from_hex(p["data"], what="data") if p.get("data") else _msg_bytes(p["message"])
        h = from_hex(p["hash"], what="hash") if p.get("hash") else None
        return Received(data, p.get("pubsub_topic") or STATUS_DEFAULT_PUBSUB_TOPIC, h)

    def interruptions(self) -> list[tuple[int, int, str]]:
        """Spans (timestamps, ns) of live messages the node dropped because we read too slowly, since
        the last call, each with why: they are in its store."""
        out, self._lost = self._lost, []
        return out

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
