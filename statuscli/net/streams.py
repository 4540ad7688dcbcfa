"""Request/response framing on libp2p streams, shared by every Waku req/resp protocol.

Every Waku request/response protocol (spec §0) opens a new stream per request, writes ONE
unsigned-varint length-prefixed protobuf, and reads ONE back. js-waku reads the reply until the
server closes its write side, so a server always half-closes after its reply
(:func:`reply_and_close`). Filter push is the exception: many frames on one stream.

Failures map onto the typed errors: a peer we cannot reach → ``PeerUnreachable``; a peer that
refuses the protocol → ``ProtocolRefused``; a stream that breaks, a frame over its limit or a
truncated frame → ``NetworkError``/``DecodeError``; no answer in time → ``TimeoutExpired``.
"""

from __future__ import annotations

import logging

import trio
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID

from statuscli.core.encoding import uvarint_encode
from statuscli.core.errors import (
    DecodeError,
    FrameBudgetExhausted,
    FrameTooLarge,
    NetworkError,
    ProtocolRefused,
    ServiceRefused,
    StatusCliError,
    StreamClosedEarly,
    TimeoutExpired,
)

log = logging.getLogger("statuscli.net")

#: Default frame limit for requests/responses (nwaku: 10 × 150 KiB + 64 KiB).
MAX_FRAME = 10 * 153_600 + 65_536


async def _read_some(stream, n: int) -> bytes:
    try:
        return await stream.read(n)
    except Exception as e:  # StreamEOF, StreamReset, StreamError, muxer errors
        name = type(e).__name__
        if "EOF" in name:
            return b""
        raise StreamClosedEarly(f"stream broke while reading: {name}") from e


async def read_frame(stream, limit: int = MAX_FRAME, *, allow_eof: bool = False, reserve=None) -> bytes | None:
    """Read one uvarint-length-prefixed frame. ``None`` on a clean EOF if ``allow_eof``.
    ``reserve(length) -> bool`` is asked before the body is read (a memory budget); False
    refuses the frame (``DecodeError`` code ``frame-budget``)."""
    length = shift = 0
    for i in range(10):
        b = await _read_some(stream, 1)
        if not b:
            if i == 0 and allow_eof:
                return None
            raise StreamClosedEarly("stream closed before a frame length")
        length |= (b[0] & 0x7F) << shift
        shift += 7
        if b[0] < 0x80:
            break
    else:
        raise DecodeError("frame length varint longer than 10 bytes")
    if length > limit:
        raise FrameTooLarge(f"frame of {length} bytes is over the {limit}-byte limit")
    if reserve is not None and not reserve(length):
        raise FrameBudgetExhausted(f"no room for a {length}-byte frame now (frames being received hold the budget)")
    buf = bytearray()
    while len(buf) < length:
        chunk = await _read_some(stream, length - len(buf))
        if not chunk:
            raise StreamClosedEarly(f"stream closed after {len(buf)} of {length} bytes")
        buf += chunk
    return bytes(buf)


def frame(data: bytes) -> bytes:
    return uvarint_encode(len(data)) + data


async def reply_and_close(stream, data: bytes) -> None:
    """Write one frame and half-close (js-waku reads until our write side closes)."""
    await stream.write(frame(data))
    await stream.close_write()


async def close_quietly(stream) -> None:
    try:
        await stream.close()
    except Exception:
        pass


async def reset_quietly(stream) -> None:
    try:
        await stream.reset()
    except Exception:
        pass


async def open_stream_any(host, peer_id: ID, protocols) -> object:
    """A new stream to ``peer_id`` speaking the first of ``protocols`` it supports.

    ``host`` is the py-libp2p host. ``stream.get_protocol()`` tells which one was chosen."""
    names = " or ".join(protocols)
    try:
        return await host.new_stream(peer_id, [TProtocol(p) for p in protocols])
    except trio.Cancelled:
        raise
    except Exception as e:
        text = _error_chain(e)
        low = text.lower()
        if "not supported" in low or "'na'" in low:
            raise ProtocolRefused(f"peer {peer_id} does not speak {names}", hint=text[:200]) from e
        raise NetworkError(f"cannot open a {names} stream to {peer_id}: {text[:200]}") from e


def _error_chain(e: BaseException) -> str:
    parts = []
    seen = 0
    while e is not None and seen < 5:
        parts.append(f"{type(e).__name__}: {e}")
        e = e.__cause__ or e.__context__
        seen += 1
    return " <- ".join(parts)


async def open_stream(host, peer_id: ID, protocol: str):
    """A new stream to ``peer_id`` speaking ``protocol`` (typed errors on failure)."""
    return await open_stream_any(host, peer_id, [protocol])


async def request(host, peer_id: ID, protocol: str, payload: bytes, *, limit: int = MAX_FRAME, timeout: float = 10.0) -> bytes:
    """One request/response exchange on a fresh stream."""
    try:
        with trio.fail_after(timeout):
            stream = await open_stream(host, peer_id, protocol)
            try:
                await stream.write(frame(payload))
                await stream.close_write()
                reply = await read_frame(stream, limit)
            except (StatusCliError, trio.Cancelled):
                await reset_quietly(stream)
                raise
            except Exception as e:  # the muxer's own errors (a reset connection): typed, never raw
                await reset_quietly(stream)
                raise StreamClosedEarly(f"{protocol} stream to {peer_id} broke: {type(e).__name__}: {e}") from e
            await close_quietly(stream)
            return reply
    except trio.TooSlowError:
        raise TimeoutExpired(f"no {protocol} answer from {peer_id} within {timeout:g} s") from None


async def send_only(host, peer_id: ID, protocol: str, payload: bytes, *, timeout: float = 10.0) -> None:
    """Write one frame on a fresh stream and close it (no answer expected)."""
    try:
        with trio.fail_after(timeout):
            stream = await open_stream(host, peer_id, protocol)
            try:
                await stream.write(frame(payload))
                await stream.close_write()
            except (StatusCliError, trio.Cancelled):
                raise
            except Exception as e:
                raise StreamClosedEarly(f"{protocol} stream to {peer_id} broke: {type(e).__name__}: {e}") from e
            finally:
                await close_quietly(stream)
    except trio.TooSlowError:
        raise TimeoutExpired(f"{protocol} to {peer_id} timed out after {timeout:g} s") from None


#: How long a server waits for a request frame and produces its reply.
SERVE_TIMEOUT = 15.0


def serve(name: str, fn, counters, *, limit: int = MAX_FRAME, guard=None, budget=None, rate: str | None = None, per_stream: int = 1):
    """A stream handler for a req/resp protocol: read one frame, ``await fn(peer_id, data)``,
    write its reply (if not ``None``) and half-close. Broken input is counted and logged; the
    handler never raises into py-libp2p.

    ``guard`` (a :class:`~statuscli.net.guard.PeerGuard`): streams of a banned peer are reset, and
    with ``rate`` each request takes a token of that protocol's per-peer bucket (over the limit:
    the protocol's own 429 answer); bad frames lower the peer's score. ``budget`` (a
    :class:`~statuscli.net.guard.FrameBudget`): the frame's bytes are reserved per connection and
    in all before its body is read, and released when the request is done.

    ``per_stream`` > 1 (rendezvous, whose spec lets a client send several messages on one stream,
    as go-libp2p-rendezvous's server and the canvas/py-libp2p clients do): after each reply the
    next frame is read from the same stream, up to ``per_stream`` requests, each under the same
    timeout, rate limit and budget; the stream is closed at the client's EOF or after the last."""
    from statuscli.net.guard import too_many_requests

    async def handler(stream) -> None:
        peer = stream.muxed_conn.peer_id
        counters.inc(f"{name}.requests")
        if guard is not None and guard.banned(peer):
            counters.drop(f"guard.banned-stream.{name}", "%s stream from banned peer %s", name, peer, level=logging.DEBUG)
            await reset_quietly(stream)
            return
        conn = stream.muxed_conn
        held = [0]

        def reserve(n: int) -> bool:
            if budget is None:
                return True
            if budget.reserve(conn, n):
                held[0] = n
                return True
            return False

        try:
            for i in range(per_stream):
                try:
                    deadline = trio.current_time() + SERVE_TIMEOUT  # the first request: reading and answering
                    if i == 0:
                        with trio.fail_at(deadline):
                            data = await read_frame(stream, limit, allow_eof=True, reserve=reserve)
                        if data is None:
                            # opened and closed without a byte (js-waku pre-opens streams it may
                            # not use): nothing was sent, so nothing is dropped
                            counters.inc(f"{name}.unused-streams")
                            log.debug("%s stream from %s closed unused", name, peer)
                            await close_quietly(stream)
                            return
                    else:
                        data = None
                        with trio.move_on_after(SERVE_TIMEOUT):
                            try:
                                data = await read_frame(stream, limit, allow_eof=True, reserve=reserve)
                            except StreamClosedEarly:
                                pass
                        if data is None:
                            # after a complete exchange, a client that closes, resets (as
                            # go-libp2p-rendezvous does) or goes quiet ended the conversation
                            counters.inc(f"{name}.streams-ended-after-reply")
                            await close_quietly(stream)  # not a reset: it would discard our last reply
                            return
                        counters.inc(f"{name}.requests")
                        deadline = trio.current_time() + SERVE_TIMEOUT
                    with trio.fail_at(deadline):
                        if guard is not None and rate is not None and not guard.allow(peer, rate):
                            reply = too_many_requests(name, data)
                        else:
                            reply = await fn(peer, data)
                        if per_stream == 1:
                            if reply is None:
                                await close_quietly(stream)
                            else:
                                await reply_and_close(stream, reply)
                            return
                        if reply is not None:
                            await stream.write(frame(reply))
                finally:
                    if held[0]:
                        budget.release(conn, held[0])
                        held[0] = 0
            await close_quietly(stream)
        except trio.TooSlowError:
            counters.drop(f"{name}.timeout", "%s request from %s timed out", name, peer)
            await reset_quietly(stream)
        except (StreamClosedEarly, DecodeError) as e:
            why = "frame-budget" if getattr(e, "code", "") == "frame-budget" else "bad-frame"
            counters.drop(f"{name}.{why}", "%s request from %s: %s", name, peer, e)
            if guard is not None:
                guard.penalize(peer, "frame-budget" if why == "frame-budget" else "bad-request")
            await reset_quietly(stream)
        except Exception as e:  # a stream error while replying, or a bug: log, keep serving
            counters.drop(f"{name}.error", "%s request from %s failed: %s: %s", name, peer, type(e).__name__, e)
            await reset_quietly(stream)

    return handler
