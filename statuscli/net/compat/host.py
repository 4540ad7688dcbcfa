"""Host, transport and process-wide patches: security and muxers, dials, logs, the auto-connector,
shutdown, handler errors, yamux credit, listeners, peer records (compat P8-P12, P14-P18, P21;
the list is in :mod:`statuscli.net.compat`)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from libp2p.crypto.keys import KeyPair
from libp2p.crypto.x25519 import create_new_key_pair as _new_x25519
from libp2p.custom_types import TProtocol
from libp2p.identity.identify import identify as _identify
from libp2p.network import swarm as _swarm
from libp2p.peer.id import ID
from libp2p.pubsub import gossipsub as _gossipsub_mod
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_PROTOCOL_ID
from libp2p.security.noise.transport import Transport as NoiseTransport
from libp2p.stream_muxer.mplex.mplex import MPLEX_PROTOCOL_ID, Mplex
from libp2p.stream_muxer.yamux import yamux as _yamux_mod
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_PROTOCOL_ID
from libp2p.stream_muxer.yamux.yamux import Yamux
from libp2p.transport.tcp import tcp as _tcp_mod

log = logging.getLogger("statuscli.net.compat")

#: Head start given to the first dial before the next address is tried (upstream: 0.250 s).
DIAL_HEAD_START = 0.01
#: Upstream values we replace, recorded for the drift tests and for :func:`patch_dial_delay`.
UPSTREAM_DIAL_DELAY = _swarm._HAPPY_EYEBALLS_DELAY
UPSTREAM_SET_REUSE_FLAGS = _tcp_mod._set_reuse_flags


# --- P8 -------------------------------------------------------------------------------------
def security_options(key_pair: KeyPair) -> dict:
    """Noise only: never plaintext, secio or TLS (P8)."""
    return {TProtocol(NOISE_PROTOCOL_ID): NoiseTransport(key_pair, noise_privkey=_new_x25519().private_key)}


def muxer_options() -> dict:
    """yamux (preferred) and mplex (what js-waku's default stack speaks)."""
    return {TProtocol(YAMUX_PROTOCOL_ID): Yamux, TProtocol(MPLEX_PROTOCOL_ID): Mplex}


# --- P9, P10 --------------------------------------------------------------------------------
def patch_dial_delay(seconds: float = DIAL_HEAD_START) -> None:
    """Shorten the fixed happy-eyeballs wait after every dial (process-wide, idempotent)."""
    _swarm._HAPPY_EYEBALLS_DELAY = seconds


def set_agent_version(agent: str) -> None:
    """The agent string identify reports to peers (process-wide)."""
    _identify.AGENT_VERSION = agent


class _QuietStreamFailures(logging.Filter):
    """BasicHost's multi-line ERROR for a failed stream open becomes a DEBUG record (P10)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and str(record.msg).startswith("Failed to open stream to peer"):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger("statuscli").isEnabledFor(logging.DEBUG)
        return True


_QUIET = _QuietStreamFailures()


def route_libp2p_logs(level: int = logging.WARNING) -> None:
    """Let ``libp2p`` records at ``level`` and above reach our handlers (unless LIBP2P_DEBUG
    configured py-libp2p's own logging)."""
    host_logger = logging.getLogger("libp2p.host.basic_host")
    if _QUIET not in host_logger.filters:
        host_logger.addFilter(_QUIET)
    lg = logging.getLogger("libp2p")
    if lg.handlers:
        return
    lg.propagate = True
    lg.setLevel(level)
    for name, child in list(logging.root.manager.loggerDict.items()):
        if name.startswith("libp2p.") and isinstance(child, logging.Logger) and child.level:
            child.setLevel(max(child.level, level) if level > logging.DEBUG else level)


def _empty_peer_record(host) -> tuple[bytes, bool]:
    return b"", False


def skip_gossipsub_peer_records() -> None:
    """Gossipsub stops building a signed peer record for every RPC (P12, process-wide)."""
    _gossipsub_mod.env_to_send_in_RPC = _empty_peer_record


def disable_auto_connector(host) -> None:
    """Stop the swarm from dialing peerstore peers on its own (P11, per host)."""
    connector = host.get_network().auto_connector

    async def _noop() -> None:
        return None

    connector.maybe_connect = _noop


async def close_swarm(host, timeout: float = 3.0) -> None:
    """Close every connection and listener before ``host.run()`` unwinds (P14)."""
    import trio

    with trio.CancelScope(shield=True), trio.move_on_after(timeout):
        try:
            await host.get_network().close()
        except Exception as e:  # best effort: we are shutting down anyway
            log.debug("closing the swarm: %s", e)


def guard_stream_handlers(host, on_error: Callable[[object, BaseException], None]) -> None:
    """No exception from a stream handler may stop the node (P15, per host)."""
    import trio

    dispatch = host._swarm_stream_handler

    async def guarded(net_stream) -> None:
        try:
            await dispatch(net_stream)
        except trio.Cancelled:
            raise
        except Exception as e:
            peer = getattr(getattr(net_stream, "muxed_conn", None), "peer_id", None)
            on_error(peer, e)
            try:
                await net_stream.reset()
            except Exception:
                pass

    host.get_network().set_stream_handler(guarded)


async def _batched_window_update(self, *, bytes_read: int = 0) -> None:
    """go-yamux credit return: one WINDOW_UPDATE per half window consumed (P16)."""
    async with self.window_lock:
        if bytes_read > 0:
            self._pending_recv_release += bytes_read
        pending = self._pending_recv_release
        if pending <= 0 or pending < max(1, self.target_recv_window // 2):
            return
        self._pending_recv_release = 0
        self.recv_window += pending
        buffered = len(self.conn.stream_buffers.get(self.stream_id, b""))
        delta = pending + self._apply_autotune_epoch(buffered)
    await self.send_window_update(delta, skip_lock=True)


def batch_yamux_window_updates() -> None:
    """Return yamux credit per half window, not per read (P16, process-wide)."""
    _yamux_mod.YamuxStream._auto_tune_and_send_window_update = _batched_window_update


def missing_listeners(host, wanted) -> list[str]:
    """The requested listen addresses that have no listener after ``host.run()`` (P17)."""
    have = host.get_network().listeners
    return [str(m) for m in wanted if str(m) not in have]


def _reuse_address_only(sock) -> None:
    """SO_REUSEADDR (restart over TIME_WAIT) but never SO_REUSEPORT (P18)."""
    import socket

    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    except OSError:
        pass


def no_reuseport_listeners() -> None:
    """Listening TCP sockets without SO_REUSEPORT: one node per port (P18, process-wide)."""
    _tcp_mod._set_reuse_flags = _reuse_address_only


def apply_process_patches(agent: str, libp2p_log_level: int = logging.WARNING) -> None:
    """The process-wide patches (P9, P10, P12, P16, P18); the rest are per instance."""
    no_reuseport_listeners()
    batch_yamux_window_updates()
    patch_dial_delay()
    set_agent_version(agent)
    route_libp2p_logs(libp2p_log_level)
    skip_gossipsub_peer_records()


def open_peer_record(data: bytes) -> tuple[ID, list, int]:
    """(peer id, multiaddrs, seq) of a signed peer record envelope, verified: the signature in the
    ``libp2p-peer-record`` domain and the signer being the peer the record names (P21).
    ``ValueError`` for anything else."""
    from libp2p.peer.envelope import ENVELOPE_DOMAIN, consume_envelope

    try:
        env, record = consume_envelope(bytes(data), ENVELOPE_DOMAIN)
    except Exception as e:  # protobuf, key-type, signature and record errors alike
        raise ValueError(f"not a valid signed peer record: {type(e).__name__}: {e}") from None
    if ID.from_pubkey(env.public_key) != record.peer_id:
        raise ValueError("the signed peer record names another peer than its signer")
    return record.peer_id, list(record.addrs), int(record.seq)
