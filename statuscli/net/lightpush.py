"""19/WAKU2-LIGHTPUSH v3 and legacy v2: the service (for light clients) and the client.

Service rules (spec §4):
* v3 (``/vac/waku/lightpush/3.0.0``): request ``{request_id, pubsub_topic, message}``; reply
  ``{request_id, status_code, status_desc, relay_peer_count}``, all written explicitly. Codes:
  200 OK · 400 BAD_REQUEST (undecodable request → request_id "N/A", missing message or topic) ·
  413 PAYLOAD_TOO_LARGE · 420 INVALID_MESSAGE (relay validation failed) ·
  421 UNSUPPORTED_PUBSUB_TOPIC (a topic this node does not relay) · 500 INTERNAL_SERVER_ERROR ·
  505 NO_PEERS_TO_RELAY (nobody got it: no relay peer and nothing kept it locally). A message
  kept only locally (archived, or pushed to filter subscribers) is a 200 with relay_peer_count 0,
  which nwaku's client — unlike js-waku's — reads as 505.
  A missing pubsub topic is 400 (this node uses static sharding; nwaku answers 420 there).
* v2 (``/vac/waku/lightpush/2.0.0-beta1``): ``PushRpc{request_id, request{pubsub_topic, message}}``
  → ``PushRpc{request_id, response{is_success, info}}``; ``is_success`` is always written
  (nwaku requires it), ``info`` = "OK" or the error text.
* The WakuMessage bytes the client sent are relayed unchanged (same message id and hash).

Client: :func:`lightpush` negotiates v3 and falls back to v2 on the same stream (multistream
picks the first the service speaks) and returns a :class:`PushResult`; it raises only for
transport problems (typed ``NetworkError``/``TimeoutExpired``), never for a refusal.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import trio

from statuscli.core.errors import BadResponse, TimeoutExpired
from statuscli.core.protobuf_codec import parse_into
from statuscli.net import codecs
from statuscli.net.streams import MAX_FRAME, close_quietly, frame, open_stream_any, read_frame, reset_quietly
from statuscli.pb import waku_lightpush_pb2 as pb

log = logging.getLogger("statuscli.net.lightpush")

OK = 200
BAD_REQUEST = 400
PAYLOAD_TOO_LARGE = 413
INVALID_MESSAGE = 420
UNSUPPORTED_PUBSUB_TOPIC = 421
TOO_MANY_REQUESTS = 429
INTERNAL_SERVER_ERROR = 500
SERVICE_NOT_AVAILABLE = 503
NO_PEERS_TO_RELAY = 505


class PushRefused(Exception):
    """Raised by an ``accept`` callback: the message is refused with ``status`` and ``desc``."""

    def __init__(self, status: int, desc: str):
        super().__init__(desc)
        self.status = status
        self.desc = desc


#: ``await accept(pubsub_topic, message_bytes) -> relay peer count``; raises PushRefused.
Accept = Callable[[str, bytes], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class PushResult:
    status_code: int
    status_desc: str
    relay_peer_count: int | None
    protocol: str

    @property
    def ok(self) -> bool:
        return self.status_code == OK

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "status_code": self.status_code,
            "status_desc": self.status_desc,
            "relay_peer_count": self.relay_peer_count,
            "protocol": self.protocol,
        }


class LightPushService:
    def __init__(self, accept: Accept, counters) -> None:
        self.accept = accept
        self.counters = counters

    async def _push(self, peer, topic: str, message: bytes | None) -> tuple[int, str, int]:
        if message is None:
            return BAD_REQUEST, "missing message", 0
        if not topic:
            return BAD_REQUEST, "missing pubsub topic (this node uses static sharding)", 0
        try:
            n = await self.accept(topic, message)
        except PushRefused as e:
            self.counters.drop(f"lightpush.refused.{e.status}", "lightpush from %s on %s: %d %s", peer, topic, e.status, e.desc)
            return e.status, e.desc, 0
        except Exception as e:
            log.exception("lightpush from %s failed", peer)
            return INTERNAL_SERVER_ERROR, f"internal error: {type(e).__name__}", 0
        self.counters.inc("lightpush.accepted")
        return OK, "OK", n

    async def handle_v3(self, peer, data: bytes) -> bytes:
        req = pb.LightPushRequestV3()
        try:
            parse_into(req, data, "LightPushRequestV3")
        except Exception as e:
            self.counters.drop("lightpush.bad-request", "undecodable lightpush v3 request from %s: %s", peer, e)
            return pb.LightPushResponseV3(request_id="N/A", status_code=BAD_REQUEST, status_desc="decoding request failed", relay_peer_count=0).SerializeToString()
        rid = req.request_id or "N/A"
        code, desc, n = await self._push(peer, req.pubsub_topic, req.message if req.HasField("message") else None)
        return pb.LightPushResponseV3(request_id=rid, status_code=code, status_desc=desc, relay_peer_count=n).SerializeToString()

    async def handle_v2(self, peer, data: bytes) -> bytes:
        rpc = pb.PushRpc()
        try:
            parse_into(rpc, data, "PushRpc")
        except Exception as e:
            self.counters.drop("lightpush.bad-request", "undecodable lightpush v2 request from %s: %s", peer, e)
            return pb.PushRpc(request_id="N/A", response=pb.PushResponse(is_success=False, info="decoding request failed")).SerializeToString()
        rid = rpc.request_id or "N/A"
        if not rpc.HasField("request"):
            code, desc = BAD_REQUEST, "missing request"
        else:
            msg = rpc.request.message if rpc.request.HasField("message") else None
            code, desc, _ = await self._push(peer, rpc.request.pubsub_topic, msg)
        return pb.PushRpc(request_id=rid, response=pb.PushResponse(is_success=code == OK, info=desc)).SerializeToString()


def _request_bytes(protocol: str, rid: str, pubsub_topic: str, message: bytes) -> bytes:
    if protocol == codecs.LIGHTPUSH_V3:
        return pb.LightPushRequestV3(request_id=rid, pubsub_topic=pubsub_topic, message=message).SerializeToString()
    return pb.PushRpc(request_id=rid, request=pb.PushRequest(pubsub_topic=pubsub_topic, message=message)).SerializeToString()


def _parse_reply(protocol: str, rid: str, data: bytes) -> PushResult:
    try:
        if protocol == codecs.LIGHTPUSH_V3:
            resp = pb.LightPushResponseV3()
            parse_into(resp, data, "LightPushResponseV3")
            if not resp.HasField("status_code"):
                raise ValueError("no status code")
            count = resp.relay_peer_count if resp.HasField("relay_peer_count") else None
            return PushResult(resp.status_code, resp.status_desc, count, protocol)
        rpc = pb.PushRpc()
        parse_into(rpc, data, "PushRpc")
        if not rpc.HasField("response"):
            raise ValueError("no response")
        ok = rpc.response.is_success
        return PushResult(OK if ok else INTERNAL_SERVER_ERROR, rpc.response.info or ("OK" if ok else "refused"), None, protocol)
    except Exception as e:
        raise BadResponse(f"bad lightpush answer: {e}") from None


async def lightpush(
    host, peer_id, pubsub_topic: str, message: bytes, *, timeout: float = 10.0, protocols: tuple[str, ...] = (codecs.LIGHTPUSH_V3, codecs.LIGHTPUSH_V2)
) -> PushResult:
    """Push ``message`` (WakuMessage bytes) to ``peer_id`` for relay on ``pubsub_topic``."""
    rid = secrets.token_hex(16)
    try:
        with trio.fail_after(timeout):
            stream = await open_stream_any(host, peer_id, protocols)
            protocol = str(stream.get_protocol())
            try:
                await stream.write(frame(_request_bytes(protocol, rid, pubsub_topic, message)))
                await stream.close_write()
                data = await read_frame(stream, MAX_FRAME)
            except BaseException:
                await reset_quietly(stream)
                raise
            await close_quietly(stream)
    except trio.TooSlowError:
        raise TimeoutExpired(f"no lightpush answer from {peer_id} within {timeout:g} s") from None
    return _parse_reply(protocol, rid, data)
