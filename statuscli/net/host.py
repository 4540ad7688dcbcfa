"""The libp2p host under a Waku node: identity, transports, security, muxers, identify, ping.

* Identity: a secp256k1 key (peer ids ``16Uiu2…``, what nwaku uses) kept as 64 hex characters in
  the node folder (:func:`load_or_create_node_key`, file mode 0600).
* Transports: TCP and WebSocket (both can dial; listeners come from the multiaddrs given, e.g.
  ``/ip4/0.0.0.0/tcp/60000`` and ``/ip4/0.0.0.0/tcp/8000/ws``).
* Security: Noise only. Muxers: yamux and mplex (js-waku's default stack speaks only mplex).
* identify (``/ipfs/id/1.0.0``, push) and ping come from py-libp2p. Every Waku handler must be
  registered before peers connect: js-waku reads our protocol list once, from identify.

Usage::

    host = WakuHost(secret, ["/ip4/127.0.0.1/tcp/0"], agent="statuscli/0.1.0")
    host.set_handler("/vac/waku/metadata/1.0.0", handler)
    async with host.run():
        print(host.multiaddrs())
        peer_id = await host.connect("/ip4/127.0.0.1/tcp/60000/p2p/16Uiu2…")
        rtt_ms = await host.ping(peer_id)
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import multiaddr
import trio
from libp2p import new_host
from libp2p.crypto.secp256k1 import create_new_key_pair
from libp2p.custom_types import TProtocol
from libp2p.identity.identify.pb.identify_pb2 import Identify
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo

from statuscli.core.crypto.secp256k1 import generate_private_key
from statuscli.core.errors import InvalidInput, KeystoreError, NetworkError, PeerUnreachable, TimeoutExpired
from statuscli.core.protobuf_codec import parse_into
from statuscli.net import codecs, compat
from statuscli.net.listen_addrs import AddressInUse, bind_error, tcp_endpoint
from statuscli.net.streams import close_quietly, open_stream, read_frame, reset_quietly

log = logging.getLogger("statuscli.net")


def load_or_create_node_key(path: Path) -> bytes:
    """The node's 32-byte secp256k1 secret, created (mode 0600) on first use."""
    path = Path(path)
    if path.exists():
        text = path.read_text().strip()
        try:
            secret = bytes.fromhex(text.removeprefix("0x"))
        except ValueError:
            raise KeystoreError(f"node key file {path} is not hex") from None
        if len(secret) != 32:
            raise KeystoreError(f"node key file {path} must hold 32 bytes, not {len(secret)}")
        return secret
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = generate_private_key(secrets.token_bytes)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret.hex() + "\n")
    return secret


def local_ipv4_addresses() -> list[str]:
    """127.0.0.1 and this machine's other IPv4 addresses (best effort, no extra dependency)."""
    out = ["127.0.0.1"]
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            ip = info[4][0]
            if ip not in out and not ip.startswith("127."):
                out.append(ip)
    except OSError:
        pass
    return out


def expand_wildcards(addrs: list) -> list:
    """Replace ``/ip4/0.0.0.0/…`` listen addresses by dialable ones (what identify and we report)."""
    out = []
    for a in addrs:
        s = str(a)
        if s.startswith("/ip4/0.0.0.0/"):
            rest = s[len("/ip4/0.0.0.0/"):]
            out.extend(multiaddr.Multiaddr(f"/ip4/{ip}/{rest}") for ip in local_ipv4_addresses())
        else:
            out.append(a)
    return out


def parse_multiaddr(text: str) -> multiaddr.Multiaddr:
    try:
        return multiaddr.Multiaddr(text)
    except Exception as e:
        raise InvalidInput(f"not a multiaddr: {text!r} ({e})") from None


def peer_info(text: str) -> PeerInfo:
    """A PeerInfo from ``…/p2p/<peer id>`` (the peer id is required)."""
    ma = parse_multiaddr(text)
    try:
        pid = ma.value_for_protocol("p2p")
    except Exception:
        pid = None
    if not pid:
        raise InvalidInput(f"multiaddr {text!r} has no /p2p/<peer id>", hint="append /p2p/16Uiu2… (see 'statuscli node status')")
    try:
        peer_id = ID.from_base58(pid)
    except Exception:
        raise InvalidInput(f"bad peer id in {text!r}") from None
    transport = ma.decapsulate(multiaddr.Multiaddr(f"/p2p/{pid}"))
    return PeerInfo(peer_id, [transport])


class WakuHost:
    """A py-libp2p host set up for Waku (see the module docstring)."""

    def __init__(self, secret: bytes, listen: list[str], *, agent: str, libp2p_log_level: int = logging.WARNING) -> None:
        compat.apply_process_patches(agent, libp2p_log_level)
        self.key_pair = create_new_key_pair(secret)
        self.listen = [parse_multiaddr(a) for a in listen]
        # No listen_addrs here: py-libp2p would then build only the transports the listen
        # addresses need, and a TCP-only node could not dial /ws peers (and vice versa).
        self.host = new_host(
            key_pair=self.key_pair,
            sec_opt=compat.security_options(self.key_pair),
            muxer_opt=compat.muxer_options(),
            enable_tcp=True,
            enable_websocket=True,
            addrs_factory=expand_wildcards,
        )
        compat.disable_auto_connector(self.host)
        compat.guard_stream_handlers(self.host, self._handler_failed)
        self.handler_errors = 0
        self.peer_id: ID = self.host.get_id()

    def _handler_failed(self, peer, error: BaseException) -> None:
        self.handler_errors += 1
        log.error("a stream handler failed (peer %s): %s: %s", peer, type(error).__name__, error)

    # -- lifecycle -------------------------------------------------------------------------
    @asynccontextmanager
    async def run(self) -> AsyncIterator[WakuHost]:
        try:
            async with self.host.run(listen_addrs=self.listen):
                try:
                    self._check_listening()
                    yield self
                finally:
                    await compat.close_swarm(self.host)
        except OSError as e:
            raise NetworkError(f"cannot listen on {', '.join(map(str, self.listen))}: {e}") from e

    def _check_listening(self) -> None:
        missing = compat.missing_listeners(self.host, self.listen)
        if not missing:
            return
        in_use, other = [], []
        for m in missing:
            ep = tcp_endpoint(m)
            err = bind_error(*ep) if ep else None
            if err is None or err.errno == errno.EADDRINUSE:
                in_use.append(m)  # (None: freed since; it was taken when we tried)
            else:
                other.append(f"{m} ({err.strerror})")
        if other:
            raise NetworkError(f"cannot listen on {', '.join(other)}", hint="listen on an address of this machine, e.g. /ip4/127.0.0.1/tcp/0")
        raise AddressInUse(in_use)

    # -- what we are -----------------------------------------------------------------------
    def multiaddrs(self) -> list[str]:
        """Our listen addresses, each ending in ``/p2p/<peer id>``."""
        out = []
        suffix = f"/p2p/{self.peer_id}"
        for a in self.host.get_addrs():
            s = str(a)
            out.append(s if s.endswith(suffix) else s + suffix)
        return sorted(out, key=lambda s: ("/ws" in s or "/wss" in s, s))

    def set_handler(self, protocol: str, handler) -> None:
        self.host.set_stream_handler(TProtocol(protocol), handler)

    def protocols(self) -> list[str]:
        return sorted(str(p) for p in self.host.get_mux().get_protocols() if p is not None)

    # -- peers -----------------------------------------------------------------------------
    def connected_peers(self) -> list[ID]:
        return list(self.host.get_connected_peers())

    def is_connected(self, peer_id: ID) -> bool:
        return bool(self.host.get_network().connections.get(peer_id))

    def peer_protocols(self, peer_id: ID) -> list[str]:
        try:
            return sorted(str(p) for p in self.host.get_peerstore().get_protocols(peer_id))
        except Exception:
            return []

    def peer_addrs(self, peer_id: ID) -> list[str]:
        try:
            return [str(a) for a in self.host.get_peerstore().addrs(peer_id)]
        except Exception:
            return []

    async def connect(self, address: str, *, timeout: float = 10.0) -> ID:
        """Dial ``…/p2p/<peer id>`` (no-op if connected) and return the peer id."""
        info = peer_info(address)
        try:
            with trio.fail_after(timeout):
                await self.host.connect(info)
        except trio.TooSlowError:
            raise TimeoutExpired(f"connecting to {address} timed out after {timeout:g} s") from None
        except Exception as e:
            raise PeerUnreachable(f"cannot connect to {address}: {type(e).__name__}: {str(e)[:200]}") from e
        return info.peer_id

    async def disconnect(self, peer_id: ID) -> None:
        try:
            await self.host.disconnect(peer_id)
        except Exception as e:
            log.debug("disconnect %s: %s", peer_id, e)

    async def ping(self, peer_id: ID, *, timeout: float = 5.0) -> float:
        """Round-trip time of one ``/ipfs/ping/1.0.0`` exchange, in milliseconds."""
        payload = secrets.token_bytes(32)
        try:
            with trio.fail_after(timeout):
                stream = await open_stream(self.host, peer_id, codecs.PING)
                try:
                    t0 = time.perf_counter()
                    await stream.write(payload)
                    got = b""
                    while len(got) < 32:
                        chunk = await stream.read(32 - len(got))
                        if not chunk:
                            break
                        got += chunk
                    rtt = (time.perf_counter() - t0) * 1000
                finally:
                    await reset_quietly(stream)
        except trio.TooSlowError:
            raise TimeoutExpired(f"ping to {peer_id} timed out") from None
        if got != payload:
            raise NetworkError(f"ping to {peer_id}: wrong echo")
        return rtt

    async def identify(self, peer_id: ID, *, timeout: float = 5.0) -> dict:
        """Ask ``peer_id`` for its identify record: agent, protocols, listen addresses."""
        try:
            with trio.fail_after(timeout):
                stream = await open_stream(self.host, peer_id, codecs.IDENTIFY)
                try:
                    data = await read_frame(stream, 64 * 1024)
                finally:
                    await close_quietly(stream)
        except trio.TooSlowError:
            raise TimeoutExpired(f"identify of {peer_id} timed out") from None
        msg = Identify()
        try:
            parse_into(msg, data, "Identify")
        except Exception:
            raise NetworkError(f"identify of {peer_id}: undecodable answer") from None
        addrs = []
        for raw in msg.listen_addrs:
            try:
                addrs.append(str(multiaddr.Multiaddr(raw)))
            except Exception:
                pass
        return {
            "agent": msg.agent_version,
            "protocol_version": msg.protocol_version,
            "protocols": sorted(msg.protocols),
            "listen_addrs": addrs,
        }
