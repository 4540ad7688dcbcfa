"""Every work-around for py-libp2p 0.8.1 that statuscli needs, in one package.

py-libp2p can act as a Waku v2 relay peer only with these changes (measured in
``shared/interop/py-libp2p-and-js-waku.md``). Each one is pinned by a drift test in
``tests/net/test_compat_drift.py`` that fails when the upstream internals it relies on change, so
an upgrade of ``libp2p`` (pinned ``==0.8.1``) cannot silently break the relay.

The patches (P-numbers are referenced by the drift tests):

P1  Custom gossipsub codec. ``GossipSub.add_peer`` refuses any protocol id but ``/meshsub/*`` and
    floodsub, and ``Pubsub`` swallows the error (the peer is then never meshed). Waku uses only
    ``/vac/waku/relay/2.0.0``: :class:`WakuGossipSub` records peers that negotiated it as
    ``/meshsub/1.1.0``, which also makes mesh selection (keyed on ``peer_protocol``) work.
P2  StrictNoSign equivocation. The equivocation check keys on ``from + seqno``; every unsigned
    message has the same (empty) key, so the second different message is dropped as
    "equivocation". :class:`WakuGossipSub` skips the check for messages without from/seqno.
P3  Message cache. ``MessageCache.put`` keys on ``from + seqno`` whatever the pubsub message id
    is, so IHAVE/IWANT would advertise ids nobody can match. :class:`Sha256MessageCache` keys it
    on sha256(data), the Waku message id.
P4  Message id and signing. ``Pubsub`` is built with ``strict_signing=False`` and
    ``msg_id_constructor = sha256(data)``; ``Pubsub.publish`` always sets from/seqno, so we
    publish through ``push_msg`` with a bare message (:meth:`WakuPubsub.publish_unsigned`).
P5  Spam protection off. ``GossipSub`` drops anything above 10 msg/s per peer and topic, our own
    publishes included (``spam_protection_enabled=False``). The "v2.0" adaptive degree and IP
    diversity features are turned off too: they re-shape the mesh on loopback, where every peer
    has the same IP.
P6  Outbound RPC queue. Each pubsub peer gets an ``RpcQueue()`` of 32 RPCs and overflow is dropped
    at DEBUG level, a bound in RPCs only. :class:`WakuPubsub` gives every queue it creates (per
    instance, no global default is changed) a bigger RPC bound and a bound in bytes of message data
    (``OUTBOUND_QUEUE_BYTES``, 32 MiB per peer), and :class:`WakuGossipSub` counts and logs every
    dropped RPC.
P7  Subscription delivery. ``Pubsub.notify_subscriptions`` puts messages on a 32-slot channel and
    drops on overflow; :class:`WakuPubsub` hands each message to a callback instead, so the
    relay layer does its own (counted) buffering.
P8  Security. ``new_host`` without ``sec_opt`` also accepts plaintext, secio and TLS:
    :func:`security_options` returns Noise only. :func:`muxer_options` offers yamux and mplex
    (js-waku's default stack speaks only mplex).
P9  Dial delay. ``Swarm.dial_peer`` waits a fixed 250 ms "happy eyeballs" head start after each
    dial even when it already succeeded; :func:`patch_dial_delay` shortens it to 10 ms.
P10 Agent and logs. identify's agent string is a module constant (:func:`set_agent_version`);
    the ``libp2p`` logger is detached from the root logger at import unless ``LIBP2P_DEBUG`` is
    set, and some children force INFO (:func:`route_libp2p_logs` sends warnings to our handlers).
    Failed stream opens (e.g. a light client that does not speak relay) are logged by
    ``BasicHost.new_stream`` at ERROR on eight lines before the exception reaches us; those
    records are downgraded to DEBUG (:class:`_QuietStreamFailures`) — callers log their own line.
P11 Auto-connector. The swarm redials every peer in its peerstore (light clients included) to
    reach 50–150 connections; :func:`disable_auto_connector` turns that off per host (the node
    keeps its static peers connected itself).
P12 Signed peer records. Every pubsub RPC carries a 223-byte signed peer record, rebuilt by the
    sender (≈0.3 ms: it re-reads our addresses) and parsed and signature-checked by the receiver;
    js-waku and nwaku ignore it. :func:`skip_gossipsub_peer_records` stops gossipsub building it
    (every gossipsub RPC goes through the outbound queue) and :meth:`WakuPubsub.write_msg` strips
    the field; the hello and subscription RPCs, written directly, keep their record.
P13 Validation cache. ``Pubsub``'s validation cache keeps an LRU list with O(n) updates; it is
    kept small (our validator is cheaper than the cache, and seen-ids already stop duplicates).
P14 Shutdown. Leaving ``BasicHost.run()`` stops the swarm's service first and closes its
    connections in a ``finally`` that runs under cancellation, so the close is aborted at its first
    await and the sockets stay open: peers never learn we left. :func:`close_swarm` calls
    ``Swarm.close()`` (connections first, then listeners) inside ``run()``, shielded and bounded.
P15 Handler crashes. ``BasicHost`` awaits each stream handler in the swarm's task tree, so an
    exception in any handler stops the whole node. ``Pubsub.stream_handler`` lets a protobuf
    ``DecodeError`` through (it catches only libp2p's own ``ParseError``): one malformed RPC from
    any peer crashes a stock py-libp2p relay node. :meth:`WakuPubsub.stream_handler` treats it
    as upstream treats a parse error (reset, forget the peer, count it), and
    :func:`guard_stream_handlers` wraps the host's stream dispatch so that no handler error can
    take the node down (logged and counted instead).
P16 Yamux window updates. ``YamuxStream._auto_tune_and_send_window_update`` sends a
    WINDOW_UPDATE frame after nearly every read (its "partial slack" branch fires whenever any
    credit is outstanding), and pubsub reads each length varint one byte at a time: about five
    encrypted frames go back per relayed message, which halved relay throughput.
    :func:`batch_yamux_window_updates` restores go-yamux's rule (process-wide): credit is returned
    once at least half the window has been consumed, with the same auto-tuning.
P17 Listen failures. ``Swarm.listen`` returns False (and logs) when a bind fails and
    ``BasicHost.run`` ignores it, so a node whose port is taken would run listening on nothing.
    :func:`missing_listeners` lets the host refuse to start instead.
P19 Duplicates. ``Pubsub`` spawns a task (``push_msg``) for every incoming published message and
    only there checks the seen cache, after allocating an ``ID`` from the message's ``from``
    field: every duplicate of a mesh costs a task. :meth:`WakuPubsub._is_subscribed_to_msg` (the
    filter applied before the task is spawned) also refuses a message whose id is already seen,
    and counts it (``on_duplicate``): one sha256 and a set lookup per duplicate.
P20 Pending-message queue. ``GossipSub`` queues messages for connected peers whose subscription
    it has not seen yet (100 per peer, 30 s) and drops the oldest / the expired with a log line
    only: :meth:`WakuGossipSub._prune_pending_messages` reports each drop through ``on_drop``.
P22 Write batching. ``Pubsub.handle_sending_messages`` writes each queued RPC on its own: one
    yamux frame, one Noise message and one socket send per message and peer, and the receiver
    parses each separately. :meth:`WakuPubsub.handle_sending_messages` writes everything queued
    for the peer at that moment in one write (≤ 60 KB), runs of publish-only RPCs merged into one
    RPC; control and subscription RPCs keep their own frame and their place in the order.
P23 Read buffering. ``Pubsub.continuously_read_stream`` reads each RPC's length one byte at a time
    (three or four net-stream reads per RPC, each taking two trio locks and formatting yamux debug
    strings); :class:`_BufferedStream` serves those reads from one buffer filled per muxer read.
P24 One task per message. ``continuously_read_stream`` spawns a service task (``push_msg``) for
    every new message it reads (task bookkeeping in the service manager, unbounded under a flood);
    :meth:`WakuPubsub.continuously_read_stream` keeps upstream's loop (signed record, publish,
    subscriptions with their limit, control, the same errors) but awaits ``push_msg`` in place:
    nothing in it waits on the network (sends are queued), and a peer's messages stay in order.
P25 Per-message copies. ``GossipSub.send_rpc`` copies every RPC for every peer and runs the
    splitter on it; :meth:`WakuGossipSub.send_rpc` queues a publish-only RPC that fits as it is
    (upstream's path for everything else). The message id, sha256 of the data, is asked for five
    or six times per message: :func:`waku_message_id` remembers the last message's.
P26 Gates that cannot close. ``GossipSub`` asks the peer scorer three or four times per message
    and peer (publish, gossip, graylist gates), each summing the peer's counters, though with
    upstream's default thresholds (-inf) and finite weights every answer is fixed:
    :class:`OpenGateScorer` answers those without the arithmetic (any other threshold is computed
    as upstream does). ``_emit_idontwant_for_message`` scans the mesh for /meshsub/1.2+ peers for
    every message; relay peers are all /meshsub/1.1.0 (P1), so :class:`WakuGossipSub` skips it.
P27 Forwarding. ``GossipSub.publish`` builds an ``ID`` and a tuple for every connected peer of every
    message (the checks for peers awaiting identification or subscription), and appends each
    message's time to ``recent_message_deliveries``, a list trimmed only by adaptive gossip's
    health check: with adaptive gossip off (P5) it grows by one float per message for as long as
    the node runs. :meth:`WakuGossipSub.publish` does upstream's steps for an unsigned message
    (message cache, mesh/fanout/direct peers with the score gate, the pending queue for
    unidentified or unsubscribed peers, last-publish time) without those; signed messages or
    spam protection/adaptive gossip switched on take upstream's path.
P28 Message cache in bytes. ``MessageCache`` keeps every message for ``gossip_history`` heartbeats,
    whatever their size and rate: a node relaying 1 000 messages of 140 KB in 6 s held them all
    (~140 MB, the abuse test's peak went from ~160 to ~250 MB once P22-P27 made publishing faster).
    :class:`Sha256MessageCache` also holds at most ``MCACHE_MAX_BYTES`` (32 MiB) of message data,
    evicting the oldest first (counted as ``relay.mcache-evicted``).
P18 SO_REUSEPORT. The TCP transport opens every listening socket with SO_REUSEPORT (for hole
    punching, which we never do), so a second node on the same port binds "successfully" and the
    kernel splits incoming connections between the two. :func:`no_reuseport_listeners` leaves
    SO_REUSEADDR only (process-wide): a taken port is refused with EADDRINUSE.
P21 Rendezvous. ``libp2p.discovery.rendezvous`` speaks a draft older than the libp2p spec under
    the same id ``/rendezvous/1.0.0``: its REGISTER carries ``PeerInfo{id, addrs}`` in field 2
    where the spec, go-waku and nwaku carry a signed peer record, so neither side understands the
    other; it is not used (statuscli/net/rendezvous.py speaks the spec). Its signed envelopes are
    used (``libp2p.peer.envelope``), but ``consume_envelope`` checks the signature only, not that
    the record's peer id is the signer's (RFC 0003 requires it): :func:`open_peer_record` adds
    that check.

Where they live: the relay router (P1-P3, P5, P6, P20, P25-P28) in :mod:`.gossipsub`, its pubsub
(P4, P6, P7, P12, P13, P15, P19, P22-P24) in :mod:`.pubsub`, host, transport and process-wide
patches (P8-P12, P14-P18, P21) in :mod:`.host`; everything is re-exported here.

Import cost: this package imports libp2p (1.5–3 s). Import it only inside a running node.
"""

from statuscli.net.compat.gossipsub import (
    MCACHE_MAX_BYTES,
    RELAY_CODEC,
    OpenGateScorer,
    Sha256MessageCache,
    WakuGossipSub,
    make_relay_router,
    waku_message_id,
)
from statuscli.net.compat.host import (
    DIAL_HEAD_START,
    UPSTREAM_DIAL_DELAY,
    UPSTREAM_SET_REUSE_FLAGS,
    _batched_window_update,
    _empty_peer_record,
    apply_process_patches,
    batch_yamux_window_updates,
    close_swarm,
    disable_auto_connector,
    guard_stream_handlers,
    missing_listeners,
    muxer_options,
    no_reuseport_listeners,
    open_peer_record,
    patch_dial_delay,
    route_libp2p_logs,
    security_options,
    set_agent_version,
    skip_gossipsub_peer_records,
)
from statuscli.net.compat.pubsub import (
    OUTBOUND_QUEUE_BYTES,
    OUTBOUND_QUEUE_SIZE,
    READ_CHUNK_BYTES,
    VALIDATION_CACHE_SIZE,
    WRITE_BATCH_BYTES,
    WakuPubsub,
    _batch,
    _BufferedStream,
    _ResizingQueues,
    unsigned_message,
)

__all__ = [
    "DIAL_HEAD_START", "MCACHE_MAX_BYTES", "OUTBOUND_QUEUE_BYTES", "OUTBOUND_QUEUE_SIZE", "READ_CHUNK_BYTES", "RELAY_CODEC", "UPSTREAM_DIAL_DELAY",
    "UPSTREAM_SET_REUSE_FLAGS", "VALIDATION_CACHE_SIZE", "WRITE_BATCH_BYTES", "OpenGateScorer",
    "Sha256MessageCache", "WakuGossipSub", "WakuPubsub", "apply_process_patches", "batch_yamux_window_updates",
    "close_swarm", "disable_auto_connector", "guard_stream_handlers", "make_relay_router", "missing_listeners",
    "muxer_options", "no_reuseport_listeners", "open_peer_record", "patch_dial_delay", "route_libp2p_logs",
    "security_options", "set_agent_version", "skip_gossipsub_peer_records", "unsigned_message", "waku_message_id",
    # for the drift tests
    "_BufferedStream", "_ResizingQueues", "_batch", "_batched_window_update", "_empty_peer_record",
]  # fmt: skip
