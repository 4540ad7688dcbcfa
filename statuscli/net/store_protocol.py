"""13/WAKU2-STORE v3 (``/vac/waku/store-query/3.0.0``): the service over an archive, and the client.

Service rules (spec §6.1; the paging rules themselves live in ``statuscli.store.archive``):
* The request is ANDed over every criterion given: pubsub topic, content topics, time range
  (end inclusive), message hashes. Cursor = a message hash (exclusive); ``pagination_forward``
  absent means backward (newest first); pages always list messages in ascending order.
* Page size: absent/0 → 20, at most 100. A full page with more behind it carries
  ``pagination_cursor``; no cursor means done (js-waku also stops at an empty page).
* ``include_data`` false → only ``message_hash`` per entry (a presence query).
* Answers always carry request_id, status_code AND status_desc (nwaku's client requires all
  three). Codes: 200 OK · 400 BAD_REQUEST (undecodable request, unknown cursor, too many topics
  or hashes) · 500 (unexpected archive failure) · 503 SERVICE_UNAVAILABLE (this node keeps no
  archive; the archive database is unreachable; the query ran past its time bound — the
  description says which).
* The query runs in a worker thread (never on the event loop), after the messages waiting to be
  archived were written.

The service queries through the node's :class:`statuscli.net.archive_writer.ArchiveWriter`
(``await writer.query(**criteria) -> (rows, cursor)``), over any archive backend.

Client: :func:`store_query` asks for one page and raises ``ServiceRefused`` on a non-200 answer;
:func:`store_query_all` follows cursors until the end.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

from statuscli.core.errors import InvalidInput, StatusCliError, StoreError
from statuscli.core.protobuf_codec import parse_into
from statuscli.core.waku.message import WakuMessage, decode
from statuscli.net import codecs
from statuscli.net.streams import ServiceRefused, request
from statuscli.pb import waku_store_pb2 as pb

log = logging.getLogger("statuscli.net.store")

OK, BAD_REQUEST, INTERNAL_ERROR, SERVICE_UNAVAILABLE = 200, 400, 500, 503
#: A 100-message page of 150 KiB messages, plus framing.
MAX_RESPONSE = 100 * (153_600 + 200) + 65_536


@dataclass(frozen=True, slots=True)
class StoredMessage:
    hash: bytes
    pubsub_topic: str | None
    data: bytes | None
    message: WakuMessage | None

    def to_json(self) -> dict:
        return {
            "hash": "0x" + self.hash.hex(),
            "pubsub_topic": self.pubsub_topic,
            "message": self.message.to_json() if self.message is not None else None,
        }


@dataclass(frozen=True, slots=True)
class StorePage:
    messages: list[StoredMessage]
    cursor: bytes | None
    status_code: int = OK
    status_desc: str = "OK"

    def to_json(self) -> dict:
        return {"messages": [m.to_json() for m in self.messages], "cursor": "0x" + self.cursor.hex() if self.cursor else None}


def _response(rid: str, code: int, desc: str) -> pb.StoreQueryResponse:
    return pb.StoreQueryResponse(request_id=rid or "N/A", status_code=code, status_desc=desc)


class StoreService:
    def __init__(self, writer, counters) -> None:
        self.writer = writer  # ArchiveWriter (None: no archive)
        self.counters = counters

    async def handle(self, peer, data: bytes) -> bytes:
        req = pb.StoreQueryRequest()
        try:
            parse_into(req, data, "StoreQueryRequest")
        except Exception as e:
            self.counters.drop("store.bad-request", "undecodable store request from %s: %s", peer, e)
            return _response("N/A", BAD_REQUEST, "decoding request failed").SerializeToString()
        return (await self.answer(req)).SerializeToString()

    async def run_query(self, req: pb.StoreQueryRequest) -> tuple[list[tuple[bytes, str, bytes]], bytes | None]:
        """The archive's page for ``req``; raises ``InvalidInput`` for a bad request,
        ``StoreError`` when the archive cannot answer."""
        return await self.writer.query(
            pubsub_topic=req.pubsub_topic if req.HasField("pubsub_topic") and req.pubsub_topic else None,
            content_topics=list(req.content_topics),
            time_start=req.time_start if req.HasField("time_start") else None,
            time_end=req.time_end if req.HasField("time_end") else None,
            hashes=list(req.message_hashes),
            cursor=req.pagination_cursor if req.HasField("pagination_cursor") else None,
            forward=req.pagination_forward,
            limit=req.pagination_limit if req.HasField("pagination_limit") else None,
        )

    async def answer(self, req: pb.StoreQueryRequest) -> pb.StoreQueryResponse:
        rid = req.request_id
        if self.writer is None:
            return _response(rid, SERVICE_UNAVAILABLE, "this node keeps no message archive")
        try:
            rows, cursor = await self.run_query(req)
        except InvalidInput as e:
            return _response(rid, BAD_REQUEST, e.message)
        except StoreError as e:
            self.counters.drop(f"store.{e.code}", "store query refused: %s", e.message)
            return _response(rid, SERVICE_UNAVAILABLE, e.message)
        except Exception as e:
            log.exception("store query failed")
            return _response(rid, INTERNAL_ERROR, f"archive error: {type(e).__name__}")
        resp = _response(rid, OK, "OK")
        for h, topic, payload in rows:
            kv = resp.messages.add()
            kv.message_hash = h
            if req.include_data:
                kv.message = payload
                kv.pubsub_topic = topic
        if cursor is not None:
            resp.pagination_cursor = cursor
        self.counters.inc("store.answered")
        return resp


def local_page(rows, cursor: bytes | None, include_data: bool) -> StorePage:
    """A :class:`StorePage` straight from archive rows (no wire round trip)."""
    out = []
    for h, topic, data in rows:
        if include_data:
            out.append(StoredMessage(h, topic, data, decode(data)))
        else:
            out.append(StoredMessage(h, None, None, None))
    return StorePage(out, cursor)


def build_request(
    *,
    pubsub_topic: str | None = None,
    content_topics: list[str] | tuple[str, ...] = (),
    time_start: int | None = None,
    time_end: int | None = None,
    hashes: list[bytes] | tuple[bytes, ...] = (),
    cursor: bytes | None = None,
    forward: bool = False,
    limit: int | None = None,
    include_data: bool = True,
) -> pb.StoreQueryRequest:
    if content_topics and not pubsub_topic:
        raise InvalidInput("content topics need a pubsub topic in a store query", hint="add --pubsub-topic /waku/2/rs/16/32")
    req = pb.StoreQueryRequest(request_id=secrets.token_hex(16), include_data=include_data, pagination_forward=forward)
    if pubsub_topic:
        req.pubsub_topic = pubsub_topic
    req.content_topics.extend(content_topics)
    if time_start is not None:
        req.time_start = time_start
    if time_end is not None:
        req.time_end = time_end
    req.message_hashes.extend(hashes)
    if cursor is not None:
        req.pagination_cursor = cursor
    if limit is not None:
        req.pagination_limit = limit
    return req


def parse_response(data: bytes, peer_id=None) -> StorePage:
    resp = pb.StoreQueryResponse()
    try:
        parse_into(resp, data, "StoreQueryResponse")
    except Exception:
        raise ServiceRefused(f"undecodable store answer from {peer_id}", status=300) from None
    code = resp.status_code if resp.HasField("status_code") else 300
    if code != OK:
        raise ServiceRefused(f"store {peer_id} answered {code} {resp.status_desc}".rstrip(), status=code)
    out = []
    for kv in resp.messages:
        msg = None
        if kv.HasField("message"):
            try:
                msg = decode(kv.message)
            except StatusCliError as e:
                log.warning("store answer from %s holds an undecodable message: %s", peer_id, e.message)
        out.append(
            StoredMessage(
                kv.message_hash,
                kv.pubsub_topic if kv.HasField("pubsub_topic") else None,
                kv.message if kv.HasField("message") else None,
                msg,
            )
        )
    cursor = resp.pagination_cursor if resp.HasField("pagination_cursor") and resp.pagination_cursor else None
    return StorePage(out, cursor, code, resp.status_desc)


async def store_query(host, peer_id, *, timeout: float = 10.0, **criteria) -> StorePage:
    """One page from the store service ``peer_id`` (``host`` is the py-libp2p host)."""
    req = build_request(**criteria)
    data = await request(host, peer_id, codecs.STORE_V3, req.SerializeToString(), limit=MAX_RESPONSE, timeout=timeout)
    return parse_response(data, peer_id)


async def store_query_all(host, peer_id, *, max_pages: int = 10_000, **criteria) -> AsyncIterator[StorePage]:
    """Every page, following the cursor until the service gives none (or an empty page)."""
    cursor = criteria.pop("cursor", None)
    for _ in range(max_pages):
        page = await store_query(host, peer_id, cursor=cursor, **criteria)
        if page.messages:
            yield page
        if page.cursor is None or not page.messages:
            return
        cursor = page.cursor
