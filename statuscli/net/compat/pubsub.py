"""Pubsub for Waku relay: unsigned publishing, callback delivery, big outbound queues, batched
writes and buffered reads (compat P4, P6, P7, P12, P13, P15, P19, P22-P24; the list is in
:mod:`statuscli.net.compat`)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from google.protobuf.message import DecodeError as ProtobufDecodeError
from libp2p.io.exceptions import IOException, MessageTooLarge
from libp2p.network.connection.exceptions import RawConnError
from libp2p.network.stream.exceptions import StreamClosed, StreamReset
from libp2p.peer.id import ID
from libp2p.pubsub.pb import rpc_pb2
from libp2p.pubsub.pubsub import Pubsub
from libp2p.pubsub.rpc_queue import PriorityQueue, RpcQueue
from libp2p.pubsub.utils import maybe_consume_signed_record
from libp2p.utils.varint import encode_uvarint, read_varint_prefixed_bytes_limited

from statuscli.net.compat.gossipsub import WakuGossipSub, waku_message_id

log = logging.getLogger("statuscli.net.compat")

#: Outbound pubsub RPCs queued per peer before one is dropped (upstream: 32).
OUTBOUND_QUEUE_SIZE = 8192
#: Bytes of message data queued per peer before an RPC is dropped (P6; upstream counts RPCs only,
#: so 8 192 RPCs of relay's 150 KiB maximum could hold 1.2 GB for one slow peer).
OUTBOUND_QUEUE_BYTES = 32 * 1024 * 1024
#: What an RPC is counted as besides its messages' data (framing, topics, control).
_RPC_OVERHEAD_BYTES = 64
#: Bytes of queued RPCs one peer's writer sends in a single stream write (P22): one yamux frame and
#: one Noise message (both cap a frame near 64 KiB). A single larger RPC still goes out whole.
WRITE_BATCH_BYTES = 60_000
#: Bytes asked of the muxer per read of an inbound pubsub stream (P23).
READ_CHUNK_BYTES = 65_536
#: Entries in Pubsub's validation cache (P13; upstream 1000, O(n) per insert).
VALIDATION_CACHE_SIZE = 128


def unsigned_message(topic: str, data: bytes) -> rpc_pb2.Message:
    """A pubsub message without from/seqno/signature/key (StrictNoSign, P4)."""
    return rpc_pb2.Message(data=data, topicIDs=[topic])


# --- P4, P6, P7 -----------------------------------------------------------------------------
class _BoundedPriorityQueue(PriorityQueue):
    """Upstream's two-tier outbound queue, bounded in RPCs *and* in bytes of message data (P6).
    A push that would exceed either bound is refused, as upstream refuses a full queue: the
    router counts it as a ``queue_full`` drop. One RPC object shared by several peers' queues (P25)
    is counted in each, so the bound is conservative."""

    def __init__(self, max_size: int, max_bytes: int) -> None:
        super().__init__(max_size)
        self.max_bytes = max_bytes
        self.bytes_held = 0

    @staticmethod
    def cost(rpc: rpc_pb2.RPC) -> int:
        return _RPC_OVERHEAD_BYTES + sum(len(m.data) for m in rpc.publish)

    def push(self, rpc: rpc_pb2.RPC, priority: bool = False) -> bool:
        cost = self.cost(rpc)
        if self.bytes_held + cost > self.max_bytes and len(self):  # an empty queue takes any one RPC
            return False
        if not super().push(rpc, priority):
            return False
        self.bytes_held += cost
        return True

    def pop(self) -> rpc_pb2.RPC | None:
        rpc = super().pop()
        if rpc is not None:
            self.bytes_held -= self.cost(rpc)
        return rpc


class _ResizingQueues(dict):
    """``Pubsub.peer_queues`` that gives every ``RpcQueue`` stored in it our bounds (P6): ``size``
    RPCs and ``max_bytes`` bytes of message data."""

    def __init__(self, size: int, max_bytes: int = OUTBOUND_QUEUE_BYTES) -> None:
        super().__init__()
        self.size = size
        self.max_bytes = max_bytes

    def __setitem__(self, key, queue) -> None:
        if isinstance(queue, RpcQueue):
            if len(queue._queue):  # not expected (a new peer's queue is empty); keep what it holds
                queue._queue.max_size = self.size
            else:
                queue._queue = _BoundedPriorityQueue(self.size, self.max_bytes)
        super().__setitem__(key, queue)


class WakuPubsub(Pubsub):
    """Pubsub for Waku relay: unsigned, sha256(data) ids, callback delivery, big queues.

    ``deliver(topic, msg)`` is called synchronously for every validated message on a topic we
    subscribed to, our own publishes included; it must not block.
    """

    def __init__(
        self,
        host,
        router: WakuGossipSub,
        *,
        deliver: Callable[[str, rpc_pb2.Message], None],
        on_bad_rpc: Callable[[ID, str], None] | None = None,
        on_duplicate: Callable[[], None] | None = None,
        outbound_queue_size: int = OUTBOUND_QUEUE_SIZE,
        max_inbound_rpc_size: int = 1024 * 1024,
        seen_ttl: int = 120,
    ) -> None:
        super().__init__(
            host,
            router,
            strict_signing=False,
            msg_id_constructor=waku_message_id,
            seen_ttl=seen_ttl,
            max_inbound_rpc_size=max_inbound_rpc_size,
            validation_cache_size=VALIDATION_CACHE_SIZE,
        )
        self.peer_queues = _ResizingQueues(outbound_queue_size)
        self._deliver = deliver
        self._on_bad_rpc = on_bad_rpc
        self._on_duplicate = on_duplicate

    def _is_subscribed_to_msg(self, msg: rpc_pb2.Message) -> bool:  # P19: no task for a duplicate
        topics, ours = msg.topicIDs, self.subscribed_topics_receive  # upstream: any topic we receive
        if not (topics[0] in ours if len(topics) == 1 else any(t in ours for t in topics)):
            return False
        if self.seen_messages.has(waku_message_id(msg)):
            if self._on_duplicate is not None:
                self._on_duplicate()
            return False
        return True

    async def continuously_read_stream(self, stream) -> None:  # P19, P23, P24
        """Upstream's read loop, reading through one buffer (P23) and handling each new message
        here instead of in a task of its own (P24): one peer's messages are validated in order,
        and a slow validation holds back that peer's stream (flow control) instead of piling up
        tasks. Duplicates are refused by :meth:`_is_subscribed_to_msg` (P19)."""
        peer_id = stream.muxed_conn.peer_id
        reader = _BufferedStream(stream)
        try:
            while self.manager.is_running:
                rpc = rpc_pb2.RPC.FromString(await read_varint_prefixed_bytes_limited(reader, self.max_inbound_rpc_size))
                if not maybe_consume_signed_record(rpc, self.host, peer_id):
                    log.debug("relay RPC from %s with an invalid signed peer record: ignored", peer_id)
                    continue
                for msg in rpc.publish:
                    if self._is_subscribed_to_msg(msg):
                        await self.push_msg(peer_id, msg)
                if rpc.subscriptions:
                    if len(rpc.subscriptions) > self.max_subscriptions_per_rpc:
                        log.warning("relay: %s sent %d subscriptions in one RPC (limit %d): ignored", peer_id,
                                    len(rpc.subscriptions), self.max_subscriptions_per_rpc)  # fmt: skip
                    else:
                        for sub in rpc.subscriptions:
                            self.handle_subscription(peer_id, sub)
                if rpc.HasField("control"):
                    await self.router.handle_rpc(rpc, peer_id)
        except MessageTooLarge as e:
            log.warning("relay RPC from %s over the size limit (%s): closing its stream", peer_id, e)
            try:
                await stream.reset()
            except Exception:
                pass
            self._handle_dead_peer(peer_id)
        except (IOException, RawConnError) as e:  # the stream or connection ended
            log.debug("relay stream from %s ended: %r", peer_id, e)

    async def handle_sending_messages(self, peer_id: ID, stream, queue: RpcQueue) -> None:  # P22
        """Per-peer writer: whatever is queued goes out in one stream write (up to
        :data:`WRITE_BATCH_BYTES`), consecutive publish-only RPCs merged into one RPC."""
        try:
            while True:
                rpc = await queue.pop()
                if rpc is None:
                    return  # the queue was closed: the peer is gone
                if not await self._write_bytes(stream, _batch(rpc, queue._queue)):
                    return
        except Exception as e:
            log.debug("relay writer for %s stopped: %r", peer_id, e)
            self._handle_dead_peer(peer_id)

    async def _write_bytes(self, stream, data: bytes) -> bool:
        try:
            await stream.write(data)
            return True
        except (StreamClosed, StreamReset):
            self._handle_dead_peer(stream.muxed_conn.peer_id)
            return False

    def notify_subscriptions(self, publish_message: rpc_pb2.Message) -> None:
        for topic in publish_message.topicIDs:
            if topic in self.subscribed_topics_receive:
                self._deliver(topic, publish_message)

    async def stream_handler(self, stream) -> None:
        try:
            await super().stream_handler(stream)
        except ProtobufDecodeError as e:  # P15
            peer = stream.muxed_conn.peer_id
            if self._on_bad_rpc is not None:
                self._on_bad_rpc(peer, str(e))
            try:
                await stream.reset()
            except Exception:
                pass
            self._handle_dead_peer(peer)

    async def write_msg(self, stream, rpc_msg: rpc_pb2.RPC) -> bool:
        if rpc_msg.HasField("senderRecord"):
            rpc_msg.ClearField("senderRecord")  # P12
        return await super().write_msg(stream, rpc_msg)

    async def publish_unsigned(self, topic: str, data: bytes) -> None:
        """Publish ``data`` on ``topic`` without from/seqno/signature/key (StrictNoSign)."""
        await self.push_msg(self.my_id, unsigned_message(topic, data))

    async def publish_message(self, msg: rpc_pb2.Message) -> None:
        """Publish a message made by :func:`unsigned_message`."""
        await self.push_msg(self.my_id, msg)

    def outbound_backlog(self) -> int:
        """The longest outbound queue, in RPCs (used for publish back-pressure)."""
        return max((len(q) for q in self.peer_queues.values()), default=0)


def _batch(rpc: rpc_pb2.RPC, pending) -> bytes:
    """``rpc`` and the RPCs queued behind it (``pending.pop()``, priority first as upstream pops),
    length-prefixed, until :data:`WRITE_BATCH_BYTES`. Back-to-back serialized RPCs that carry only
    ``publish`` form one valid RPC (protobuf concatenates repeated fields), so runs of them are
    merged: the receiver parses one RPC per batch instead of one per message (P22)."""
    out = bytearray()
    run = bytearray()  # the publish-only RPCs being merged
    while True:
        if rpc.HasField("senderRecord"):  # set, even empty, it makes the receiver parse a record
            rpc.ClearField("senderRecord")  # P12
        body = rpc.SerializeToString()
        publish_only = not rpc.subscriptions and not rpc.HasField("control")
        if run and (not publish_only or len(run) + len(body) > WRITE_BATCH_BYTES):
            out += encode_uvarint(len(run))
            out += run
            run = bytearray()
        if publish_only:
            run += body
        else:
            out += encode_uvarint(len(body))
            out += body
        if len(out) + len(run) >= WRITE_BATCH_BYTES:
            break
        rpc = pending.pop()
        if rpc is None:
            break
    if run:
        out += encode_uvarint(len(run))
        out += run
    return bytes(out)


class _BufferedStream:
    """An inbound pubsub stream read through one buffer (P23). Upstream reads each RPC's length
    varint a byte at a time, and every read of a net stream takes two trio locks (a scheduler
    round trip each) and formats several debug strings in yamux; here each read of the muxer takes
    everything it holds (up to :data:`READ_CHUNK_BYTES`) and the small reads are served from it."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._buf = bytearray()

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

    async def read(self, n: int | None = None) -> bytes:
        buf = self._buf
        if not buf:
            data = await self._stream.read(READ_CHUNK_BYTES)
            if not data or n is None or n < 0 or len(data) <= n:
                return data
            buf += data
        if n is None or n < 0 or n >= len(buf):
            out = bytes(buf)
            buf.clear()
        else:
            out = bytes(buf[:n])
            del buf[:n]
        return out
