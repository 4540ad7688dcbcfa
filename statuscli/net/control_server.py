"""The node's control socket: JSON-RPC 2.0 over a Unix socket (mode 0600), one JSON object per line.

Methods (documented for users in ``docs/control-socket.md``):

  info                       → node.info()
  peers                      → node.peers()
  connect     {peer}         → {"peer_id"}
  publish     {message|data, pubsub_topic?, peer?}
                             → {"hash", "pubsub_topic", "relay_peer_count"} (relay), or the
                               lightpush result when ``peer`` names a service node (a light
                               node always pushes through one, and names it: ``service_peer``)
  subscribe   {pubsub_topic?, content_topics?, peer?}
                             → {"subscription": id}, then notifications
                               {"method": "message", "params": {"subscription", …message}}
                               until ``unsubscribe {subscription}`` or the client hangs up;
                               messages dropped because it did not read fast enough are told
                               {"method": "dropped", "params": {"subscription", "count",
                               "from", "to"}} (their timestamps' span: fetch it from a store)
                               (a light node: filter subscriptions with one service node, so
                               ``content_topics`` is required; on every pubsub topic of ours
                               when none is named)
  store_query {peer?, pubsub_topic?, content_topics?, time_start?, time_end?, hashes?, cursor?,
               forward?, limit?, include_data?}
                             → {"messages": [...], "cursor"} (a light node asks a store service)
  peer_exchange {peer, num_peers?} → {"enrs": [...]}
  probe       {peer}         → the ``node probe`` report
  stop                       → {"stopping": true}; the node shuts down

Bytes are ``0x`` hex both ways. Errors: -32700 parse error, -32600 invalid request, -32601
unknown method, -32602 bad params, -32000 a statuscli error with ``data: {code, exit_code, hint}``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from pathlib import Path

import trio

from statuscli.core.errors import InvalidInput, StatusCliError
from statuscli.core.waku.message import decode, encode, message_hash
from statuscli.net.control_codec import message_from_params, message_to_json, parse_criteria
from statuscli.net.socket_dir import check_server_folder

log = logging.getLogger("statuscli.net.control")

MAX_LINE = 16 * 1024 * 1024
#: messages one socket subscriber may have waiting at the node (beyond: dropped, counted and told)
SUBSCRIPTION_BUFFER = 10_000
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, SERVER_ERROR = -32700, -32600, -32601, -32602, -32000


class _Conn:
    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.lock = trio.Lock()
        self.buf = bytearray()
        self.closed = False

    async def send(self, obj: dict) -> None:
        data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        async with self.lock:
            await self.stream.send_all(data)

    async def lines(self):
        while True:
            i = self.buf.find(b"\n")
            while i < 0:
                if len(self.buf) > MAX_LINE:
                    raise InvalidInput("request line too long")
                chunk = await self.stream.receive_some(65536)
                if not chunk:
                    if self.buf.strip():
                        yield bytes(self.buf)
                    return
                self.buf += chunk
                i = self.buf.find(b"\n")
            line, self.buf = bytes(self.buf[:i]), self.buf[i + 1 :]
            if line.strip():
                yield line


class ControlServer:
    def __init__(self, node, path: str | os.PathLike, *, on_stop=None) -> None:
        self.node = node
        self.path = Path(path)
        self.on_stop = on_stop
        self._next_sub = 0

    async def serve(self, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        check_server_folder(self.path)  # never bind in a folder another user owns or may write
        if self.path.exists() or self.path.is_symlink():
            self.path.unlink()
        sock = trio.socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            await sock.bind(str(self.path))
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        sock.listen(64)
        listener = trio.SocketListener(sock)
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                task_status.started()
                await trio.serve_listeners(self._handle, [listener], handler_nursery=nursery)
        finally:
            try:
                self.path.unlink()
            except OSError:
                pass

    async def _handle(self, stream: trio.SocketStream) -> None:
        conn = _Conn(stream)
        try:
            async with trio.open_nursery() as nursery:
                conn.nursery = nursery
                conn.subs = {}
                try:
                    async for line in conn.lines():
                        await self._dispatch(conn, line)
                finally:
                    for sub in conn.subs.values():
                        if hasattr(sub, "unsubscribe"):  # a filter subscription: tell the service
                            self._nursery.start_soon(self._unsubscribe_quietly, sub)
                        else:
                            sub.close()
                    nursery.cancel_scope.cancel()
        except* (trio.BrokenResourceError, trio.ClosedResourceError, InvalidInput):
            pass  # a client that hung up (even with notifications unread: ECONNRESET, inside the nursery's group)
        finally:
            try:
                await stream.aclose()
            except Exception:
                pass

    async def _dispatch(self, conn: _Conn, line: bytes) -> None:
        try:
            req = json.loads(line)
        except ValueError:
            await conn.send({"jsonrpc": "2.0", "id": None, "error": {"code": PARSE_ERROR, "message": "parse error"}})
            return
        if not isinstance(req, dict) or req.get("jsonrpc") != "2.0" or not isinstance(req.get("method"), str):
            await conn.send({"jsonrpc": "2.0", "id": None, "error": {"code": INVALID_REQUEST, "message": "invalid request"}})
            return
        rid = req.get("id")
        params = req.get("params") or {}
        method = getattr(self, "m_" + req["method"], None)
        if method is None:
            await conn.send({"jsonrpc": "2.0", "id": rid, "error": {"code": METHOD_NOT_FOUND, "message": f"unknown method {req['method']}"}})
            return
        if not isinstance(params, dict):
            await conn.send({"jsonrpc": "2.0", "id": rid, "error": {"code": INVALID_PARAMS, "message": "params must be an object"}})
            return
        try:
            result = await method(conn, params)
        except StatusCliError as e:
            err = {"code": INVALID_PARAMS if e.exit_code == 3 else SERVER_ERROR, "message": e.message,
                   "data": {"code": e.code, "exit_code": e.exit_code, "hint": e.hint}}
            await conn.send({"jsonrpc": "2.0", "id": rid, "error": err})
            return
        except Exception as e:
            log.exception("control method %s failed", req["method"])
            err = {"code": SERVER_ERROR, "message": f"{type(e).__name__}: {e}", "data": {"code": "internal-error", "exit_code": 1, "hint": None}}
            await conn.send({"jsonrpc": "2.0", "id": rid, "error": err})
            return
        if rid is not None:
            await conn.send({"jsonrpc": "2.0", "id": rid, "result": result})

    # -- methods ---------------------------------------------------------------------------
    async def m_info(self, conn, p) -> dict:
        if getattr(self.node, "archive_writer", None) is not None:
            await self.node.archive_writer.refresh()  # fresh store counts, counted off the loop
        return self.node.info()

    async def m_peers(self, conn, p) -> list:
        return self.node.peers()

    async def m_connect(self, conn, p) -> dict:
        return {"peer_id": str(await self.node.connect(_required(p, "peer")))}

    async def m_publish(self, conn, p) -> dict:
        msg = message_from_params(p, now_ns=time.time_ns())
        topic = p.get("pubsub_topic") or None
        if p.get("peer"):
            if topic is None:
                topic = self.node.config.pubsub_topics[0] if self.node.config.shards else None
            if topic is None:
                raise InvalidInput("pubsub_topic is required")
            data = msg if isinstance(msg, bytes) else encode(msg)
            res = await self.node.lightpush_publish(p["peer"], topic, data)
            out = res.to_json()
            out["hash"] = "0x" + message_hash(topic, decode(data)).hex()
            out["pubsub_topic"] = topic
            return out
        light = getattr(self.node, "service_peers", None)
        if light is not None:  # a light node: through a lightpush service
            data = msg if isinstance(msg, bytes) else encode(msg)
            topic = topic or self.node.config.pubsub_topics[0]
            res, pid = await light.publish(topic, data)
            return {**res.to_json(), "hash": "0x" + message_hash(topic, decode(data)).hex(), "pubsub_topic": topic, "service_peer": str(pid)}
        return (await self.node.publish(topic, msg)).to_json()

    async def m_subscribe(self, conn, p) -> dict:
        self._next_sub += 1
        sid = self._next_sub
        topic = p.get("pubsub_topic") or None
        cts = p.get("content_topics") or []
        if not isinstance(cts, list) or not all(isinstance(c, str) for c in cts):
            raise InvalidInput("content_topics must be a list of strings")
        if p.get("peer"):
            if topic is None or not cts:
                raise InvalidInput("a filter subscription needs pubsub_topic and content_topics")
            sub = await self.node.filter_subscribe(p["peer"], topic, cts)
            closer = sub
        elif getattr(self.node, "service_peers", None) is not None:  # a light node: through a filter service
            closer = await self.node.service_peers.subscribe(topic, cts)
            conn.subs[sid] = closer
            for part in closer.parts:
                conn.nursery.start_soon(self._forward, conn, sid, part)
            return {"subscription": sid, "service_peer": str(closer.peer_id)}
        else:
            sub = self.node.subscribe(topic, cts, buffer=SUBSCRIPTION_BUFFER)
            closer = sub
        conn.subs[sid] = closer
        conn.nursery.start_soon(self._forward, conn, sid, sub)
        return {"subscription": sid}

    async def m_unsubscribe(self, conn, p) -> dict:
        sid = p.get("subscription")
        sub = conn.subs.pop(sid, None) if isinstance(sid, int) and not isinstance(sid, bool) else None
        if sub is None:
            raise InvalidInput("unknown subscription")
        if hasattr(sub, "unsubscribe"):
            await sub.unsubscribe()
        else:
            sub.close()
        return {"unsubscribed": True}

    async def _unsubscribe_quietly(self, sub) -> None:
        with trio.move_on_after(5):
            try:
                await sub.unsubscribe()
            except Exception as e:
                log.debug("filter unsubscribe on disconnect: %s", e)

    async def _forward(self, conn, sid: int, sub) -> None:
        take_lost = getattr(sub, "take_lost", lambda: None)
        async for m in sub:
            params = {"subscription": sid, **message_to_json(m)}
            await conn.send({"jsonrpc": "2.0", "method": "message", "params": params})
            lost = take_lost()  # dropped while we waited for this reader: say so, it can fetch them from a store
            if lost is not None:
                n, a, b = lost
                await conn.send({"jsonrpc": "2.0", "method": "dropped", "params": {"subscription": sid, "count": n, "from": a, "to": b}})

    async def m_store_query(self, conn, p) -> dict:
        criteria = parse_criteria(p)
        light = getattr(self.node, "service_peers", None)
        if light is not None and not p.get("peer"):  # a light node: through a store service
            return (await light.store_query(**criteria)).to_json()
        page = await self.node.store_query(p.get("peer") or None, **criteria)
        return page.to_json()

    async def m_peer_exchange(self, conn, p) -> dict:
        num = p.get("num_peers") or 20
        if not isinstance(num, int) or isinstance(num, bool) or not 1 <= num <= 1000:
            raise InvalidInput("num_peers must be an integer from 1 to 1000")
        enrs = await self.node.peer_exchange(_required(p, "peer"), num)
        return {"enrs": [e.to_json() for e in enrs]}

    async def m_probe(self, conn, p) -> dict:
        return await self.node.probe(_required(p, "peer"))

    async def m_stop(self, conn, p) -> dict:
        if self.on_stop is not None:
            self._nursery.start_soon(self._stop_after_reply)
        return {"stopping": True}

    async def _stop_after_reply(self) -> None:
        await trio.sleep(0.05)  # let the answer reach the caller first
        self.on_stop()


def _required(p: dict, name: str):
    v = p.get(name)
    if not v:
        raise InvalidInput(f"missing parameter {name!r}")
    return v
