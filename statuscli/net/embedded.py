"""A Waku node of our own, running under trio in a background thread, behind the blocking
transport interface (:class:`statuscli.net.transport.Transport`).

* :meth:`EmbeddedTransport.client` — a light client of a service node (lightpush to publish,
  filter to receive, store for history), or with ``relay=True`` a relay node joining the mesh
  through that peer. Used by ``send``/``listen``/``mailserver fetch`` when no node is running.
* :meth:`EmbeddedTransport.server` — a full node (relay, lightpush, filter, store on SQLite) with
  a control socket, for ``statuscli demo``: the demo's accounts talk to it through the socket.

Starting py-libp2p takes 1.5–3 s; every call into the node crosses threads with
``trio.from_thread`` and received messages come back through a :class:`ReceiveQueue` bounded in
bytes (``NodeLimits.receive_queue_bytes``, 16 MiB): beyond it a new arrival is dropped, counted
(``dropped.receive-queue.full``, :meth:`EmbeddedTransport.dropped`) and its span handed to the app
through :meth:`EmbeddedTransport.interruptions`, which fetches it from the store.
"""

from __future__ import annotations

import functools
import logging
import threading

from statuscli.core.errors import NetworkError, PeerUnreachable, ProtocolRefused, StatusCliError, TimeoutExpired
from statuscli.core.topics.sharding import STATUS_DEFAULT_PUBSUB_TOPIC
from statuscli.net.lost_span import LostSpan
from statuscli.net.receive_queue import ReceiveQueue
from statuscli.net.transport import STORE_TOPICS_PER_QUERY, Received

log = logging.getLogger("statuscli.messaging")

FILTER_TOPICS_PER_SUBSCRIPTION = 100


class EmbeddedTransport:
    def __init__(self, config, *, service_peer: str | None = None, control_socket: str | None = None,
                 ready_timeout: float = 45.0) -> None:  # fmt: skip
        self.config = config
        self.service_peer = service_peer
        self.control_socket = control_socket
        self.kind = {"light": "light-client", "relay": "relay", "full": "embedded-node"}[config.mode]
        self.filters_topics = config.mode == "light"
        self._queue = ReceiveQueue(config.limits.receive_queue_bytes)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._subs: list = []
        self._replaced_lost = LostSpan()  # dropped by subscriptions since replaced, merged into one span
        self.node = None
        self._thread = threading.Thread(target=self._run, name="statuscli-node", daemon=True)
        self._thread.start()
        if not self._ready.wait(ready_timeout):
            raise TimeoutExpired(f"our Waku node did not start within {ready_timeout:g} s")
        if self._error is not None:
            raise self._error

    # --- constructors ------------------------------------------------------------------------
    @classmethod
    def client(cls, peer: str, *, relay: bool = False, verbose: int = 0, quiet: bool = False,
               receive_queue_bytes: int | None = None) -> EmbeddedTransport:  # fmt: skip
        from statuscli.net.limits import NodeLimits
        from statuscli.net.node_config import NodeConfig

        level = logging.DEBUG if verbose >= 2 else logging.CRITICAL
        limits = NodeLimits() if receive_queue_bytes is None else NodeLimits(receive_queue_bytes=receive_queue_bytes)
        if relay:
            cfg = NodeConfig(mode="relay", listen=["/ip4/127.0.0.1/tcp/0"], peers=[peer], shards=[32, 64], libp2p_log_level=level,
                             limits=limits)  # fmt: skip
        else:
            cfg = NodeConfig(mode="light", listen=[], shards=[], libp2p_log_level=level, limits=limits)
        return cls(cfg, service_peer=peer)

    @classmethod
    def server(cls, *, archive, control_socket: str | None = None, listen: str = "/ip4/127.0.0.1/tcp/0") -> EmbeddedTransport:
        """``archive``: the message store the node serves (a :class:`statuscli.store.archive.Archive`, chosen by the app)."""
        from statuscli.net.node_config import NodeConfig

        cfg = NodeConfig(mode="full", listen=[listen], archive=archive, libp2p_log_level=logging.CRITICAL,
                         maintenance_interval=2.0)  # fmt: skip
        return cls(cfg, control_socket=control_socket)

    @property
    def description(self) -> str:
        if self.config.mode == "light":
            return f"light client of {self.service_peer}"
        if self.config.mode == "relay":
            return f"relay node joined through {self.service_peer}"
        return "embedded full node"

    # --- the trio side -------------------------------------------------------------------------
    def _run(self) -> None:
        import trio

        from statuscli.net.runner import unwrap

        try:
            trio.run(self._main)
        except BaseException as e:  # noqa: BLE001 - reported to the caller's thread
            err = unwrap(e) if isinstance(e, BaseExceptionGroup) else e
            if isinstance(err, trio.TooSlowError):
                err = PeerUnreachable(f"could not reach {self.service_peer} in time")
            elif not isinstance(err, StatusCliError):
                err = NetworkError(f"our Waku node failed: {type(err).__name__}: {err}")
            self._error = err
        finally:
            self._ready.set()

    async def _main(self) -> None:
        import trio

        from statuscli.net.node import WakuNode

        self._stop = trio.Event()
        async with WakuNode(self.config) as node:
            self.node = node
            self._token = trio.lowlevel.current_trio_token()
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                if self.control_socket:
                    from statuscli.net.control_server import ControlServer

                    await nursery.start(ControlServer(node, self.control_socket, on_stop=self._stop.set).serve)
                if self.service_peer:
                    with trio.fail_after(15):
                        await node.connect(self.service_peer)
                    if self.config.mode == "relay":
                        with trio.move_on_after(10):
                            await node.relay.wait_for_mesh(self.config.pubsub_topics[0], 1)
                self._ready.set()
                await self._stop.wait()
                nursery.cancel_scope.cancel()

    def _call(self, fn, *args, **kwargs):
        import trio

        try:
            return trio.from_thread.run(functools.partial(fn, *args, **kwargs), trio_token=self._token)
        except BaseExceptionGroup as eg:
            from statuscli.net.runner import unwrap

            raise unwrap(eg) from eg
        except trio.TooSlowError:
            raise TimeoutExpired("the Waku node did not answer in time") from None

    def _sync(self, fn, *args):
        import trio

        return trio.from_thread.run_sync(functools.partial(fn, *args), trio_token=self._token)

    # --- the transport interface ---------------------------------------------------------------
    @property
    def multiaddrs(self) -> list[str]:
        return list(self.node.multiaddrs) if self.node is not None else []

    def info(self) -> dict:
        return self._sync(self.node.info)

    def publish(self, env) -> dict:
        if self.config.mode == "light":
            res = self._call(self.node.lightpush_publish, self.service_peer, env.pubsub_topic, env.data)
            if not res.ok:
                raise ProtocolRefused(f"lightpush refused by {self.service_peer}: {res.status_code} {res.status_desc}")
            return res.to_json()
        return self._call(self.node.publish, env.pubsub_topic, env.data).to_json()

    def subscribe(self, content_topics: list[str] | None = None) -> None:
        """Relay: one local subscription (replaced). Light client: filter subscriptions are only ever
        added for topics not yet covered — unsubscribing a set that overlaps the new one would make
        the service drop topics we still want (its unsubscribe may be handled after our subscribe)."""
        if self.config.mode == "light":
            covered = getattr(self, "_filter_topics", set())
            cts = sorted(set(content_topics or ()) - covered)
            for i in range(0, len(cts), FILTER_TOPICS_PER_SUBSCRIPTION):
                chunk = cts[i : i + FILTER_TOPICS_PER_SUBSCRIPTION]
                sub = self._call(self.node.filter_subscribe, self.service_peer, STATUS_DEFAULT_PUBSUB_TOPIC, chunk)
                self._subs.append(sub)
                covered |= set(chunk)
                self._sync(self._nursery.start_soon, self._forward, sub)
            self._filter_topics = covered
            return
        old, self._subs = self._subs, []
        sub = self._sync(self.node.subscribe, None, content_topics or None)
        self._subs.append(sub)
        self._sync(self._nursery.start_soon, self._forward, sub)
        for sub in old:
            self._replaced_lost.extend(self._sync(sub.take_lost))  # what it dropped is still to be fetched
            self._close_sub(sub)

    # --- healing filter subscriptions (light client) ----------------------------------------------
    def set_filter_ping(self, seconds: float) -> None:
        if self.node is not None:
            self._sync(setattr, self.node.filter_client, "ping_interval", seconds)

    def interruptions(self) -> list[tuple[int, int, str]]:
        """Windows (Waku timestamps, ns) of live messages we may have missed since the last call: the
        filter service had forgotten us (light client), our subscription's buffer (relay, or the
        light client's filter subscription) or our receive queue (full: :class:`ReceiveQueue`) dropped some."""
        if self.node is None:
            return []
        out = []
        lost = self._queue.take_lost()
        if lost is not None:
            n, a, b = lost
            out.append((a, b, f"{n} live message(s) dropped: our receive queue was full ({self._queue.max_bytes / 1048576:g} MiB)"))
        spans = [self._sync(sub.take_lost) for sub in list(self._subs)] + [self._replaced_lost.take()]
        lost = [x for x in spans if x is not None]
        out += [(a, b, f"{n} live message(s) dropped: our subscription buffer was full") for n, a, b in lost]
        if self.config.mode != "light":
            return out
        why = "the filter service had forgotten our subscription (re-subscribed)"
        return out + [(a, b, why) for _, a, b in self._sync(self.node.filter_client.take_interruptions)]

    @property
    def receive_queue_bytes(self) -> int:
        return self._queue.max_bytes

    def dropped(self) -> int:
        """Received messages dropped since start because the receive queue was full (their spans were
        handed out by :meth:`interruptions`)."""
        return self._queue.dropped

    def resubscriptions(self) -> int:
        return self._sync(self.node.counters.get, "filter-client.resubscribed") if self.node is not None else 0

    def _close_sub(self, sub) -> None:
        try:
            if hasattr(sub, "unsubscribe"):
                self._call(sub.unsubscribe)
            else:
                self._sync(sub.close)
        except StatusCliError:
            pass

    async def _forward(self, sub) -> None:
        async for m in sub:
            if not self._queue.offer(Received(m.data, m.pubsub_topic, m.hash), m.message.timestamp):
                self.node.counters.drop("receive-queue.full", "receive queue full (%d bytes waiting for the app)", self._queue.bytes,
                                        level=logging.DEBUG)  # fmt: skip

    def receive(self, timeout: float, max_items: int = 1000) -> list[Received]:
        return self._queue.get(timeout, max_items)

    def store_query(self, content_topics: list[str], *, pubsub_topic: str, time_start: int | None = None, time_end: int | None = None,
                    cursor: bytes | None = None, limit: int = 100, forward: bool = True, peer: str | None = None):  # fmt: skip
        target = peer or (self.service_peer if self.config.mode != "full" else None)
        page = self._call(self.node.store_query, target, pubsub_topic=pubsub_topic, content_topics=list(content_topics[:STORE_TOPICS_PER_QUERY]),
                          time_start=time_start, time_end=time_end, cursor=cursor, limit=limit, forward=forward)  # fmt: skip
        out = [Received(m.data, m.pubsub_topic or pubsub_topic, m.hash) for m in page.messages if m.data is not None]
        return out, page.cursor

    def close(self) -> None:
        if self._thread.is_alive() and self.node is not None:
            try:
                self._sync(self._stop.set)
            except Exception:  # noqa: BLE001 - the loop may already be gone
                pass
        self._thread.join(timeout=15)
