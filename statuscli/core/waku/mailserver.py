"""Legacy Waku v1 mail-server requests and responses (status-go ``mailserver/``, 8/WAKU-MAIL).

Request payload encodings (the data inside a signed, PBKDF2("status-offline-inbox")-encrypted v1
payload, carried by an envelope in a p2p request, code 126):

* status-go (current): RLP ``[Lower u32, Upper u32, Bloom 64 B, Topics [4 B…], Limit u32, Cursor, Batch bool]``
* RFC 8:               RLP ``[lower, upper, bloom, limit, cursor, [topics…]]`` (topics optional)
* legacy binary:       ``BE32(lower) ‖ BE32(upper) ‖ [bloom(64) ‖ [BE32(limit) ‖ [db key(40)]]]``;
                       exactly 8 bytes means a full-node bloom
* direct (newer):      RLP ``[ID 32 B, From, To, Limit, Cursor, Bloom, Topics]``

Cursors: DB key = BE32(timestamp) ‖ envelope hash(32) ‖ topic(4) (40 bytes); cursor = its first 36.
Completion (p2p request complete, code 125): ``request id ‖ last envelope hash ‖ cursor`` (raw
concatenation), or ``"ERROR=" ‖ request id ‖ message`` on failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from statuscli.core.errors import DecodeError, InvalidInput
from statuscli.core.topics.wire import combine_blooms, topic_to_bloom
from statuscli.core.waku import rlp

BLOOM_SIZE = 64
DB_KEY_LENGTH = 40
CURSOR_LENGTH = 36
MAX_LIMIT = 1000
MAX_RANGE_SECONDS = 24 * 3600
UPPER_DEFAULT_SLACK = 60
FAILED_PREFIX = b"ERROR="
FULL_BLOOM = b"\xff" * BLOOM_SIZE
MAILSERVER_PASSWORD = "status-offline-inbox"


def db_key(timestamp: int, envelope_hash: bytes, topic: bytes) -> bytes:
    if len(envelope_hash) != 32 or len(topic) != 4:
        raise InvalidInput("a DB key needs a 32-byte envelope hash and a 4-byte topic")
    return timestamp.to_bytes(4, "big") + envelope_hash + topic


def cursor_of(key: bytes) -> bytes:
    return key[:CURSOR_LENGTH]


def parse_db_key(key: bytes) -> tuple[int, bytes, bytes]:
    if len(key) != DB_KEY_LENGTH:
        raise DecodeError(f"a DB key is {DB_KEY_LENGTH} bytes, got {len(key)}")
    return int.from_bytes(key[:4], "big"), key[4:36], key[36:]


@dataclass(frozen=True)
class MessagesRequest:
    lower: int
    upper: int
    bloom: bytes = FULL_BLOOM
    topics: tuple[bytes, ...] = ()
    limit: int = 0
    cursor: bytes = b""
    batch: bool = True

    def validate(self) -> None:
        if self.upper and self.upper < self.lower:
            raise InvalidInput("query range is invalid: lower > upper")
        if not self.bloom and not self.topics:
            raise InvalidInput("bloom filter and topics are both empty")
        if self.limit > MAX_LIMIT:
            raise InvalidInput(f"limit exceeds the maximum of {MAX_LIMIT}")
        if any(len(t) != 4 for t in self.topics):
            raise InvalidInput("topics are 4 bytes each")

    def to_json(self) -> dict:
        return {"lower": self.lower, "upper": self.upper, "bloom": "0x" + self.bloom.hex(),
                "topics": ["0x" + t.hex() for t in self.topics], "limit": self.limit,
                "cursor": "0x" + self.cursor.hex(), "batch": self.batch}


def request_for_topics(topics, *, lower: int, upper: int, limit: int = MAX_LIMIT, cursor: bytes = b"") -> MessagesRequest:
    """status-go ``MakeMessagesRequestPayload``: bloom = OR of the topics' blooms, Batch = true."""
    topics = tuple(bytes(t) for t in topics)
    return MessagesRequest(lower, upper, combine_blooms(topic_to_bloom(t) for t in topics), topics, limit, cursor, True)


def _u32(item, what: str) -> int:
    return rlp.decode_uint(item, what, bits=32)


def _bool(item) -> bool:
    b = rlp.as_bytes(item, "batch")
    if b not in (b"", b"\x01"):
        raise DecodeError("RLP bool must be 0x80 or 0x01")
    return b == b"\x01"


def encode_request(r: MessagesRequest) -> bytes:
    """status-go's current RLP struct order."""
    r.validate()
    return rlp.encode([r.lower, r.upper, r.bloom, list(r.topics), r.limit, r.cursor, r.batch])


def decode_request(data: bytes) -> MessagesRequest:
    items = rlp.as_list(rlp.decode(data), "MessagesRequestPayload", 7)
    topics = tuple(rlp.as_bytes(t, "topic") for t in rlp.as_list(items[3], "topics"))
    return MessagesRequest(_u32(items[0], "lower"), _u32(items[1], "upper"), rlp.as_bytes(items[2], "bloom"), topics,
                           _u32(items[4], "limit"), rlp.as_bytes(items[5], "cursor"), _bool(items[6]))


def encode_request_rfc8(r: MessagesRequest) -> bytes:
    fields = [r.lower, r.upper, r.bloom, r.limit, r.cursor]
    if r.topics:
        fields.append(list(r.topics))
    return rlp.encode(fields)


def decode_request_rfc8(data: bytes) -> MessagesRequest:
    items = rlp.as_list(rlp.decode(data), "RFC 8 mail request")
    if len(items) not in (5, 6):
        raise DecodeError("an RFC 8 mail request has 5 or 6 fields")
    topics = tuple(rlp.as_bytes(t, "topic") for t in rlp.as_list(items[5], "topics")) if len(items) == 6 else ()
    return MessagesRequest(_u32(items[0], "lower"), _u32(items[1], "upper"), rlp.as_bytes(items[2], "bloom"), topics,
                           _u32(items[3], "limit"), rlp.as_bytes(items[4], "cursor"), False)


def encode_request_legacy(r: MessagesRequest) -> bytes:
    out = r.lower.to_bytes(4, "big") + r.upper.to_bytes(4, "big")
    if r.bloom == FULL_BLOOM and not r.limit and not r.cursor:
        return out
    out += r.bloom + r.limit.to_bytes(4, "big")
    if r.cursor:
        if len(r.cursor) != DB_KEY_LENGTH:
            raise InvalidInput(f"the legacy request form carries a {DB_KEY_LENGTH}-byte DB key as cursor")
        out += r.cursor
    return out


def decode_request_legacy(data: bytes) -> MessagesRequest:
    """status-go ``decompositeRequest`` (including its 24-hour range limit)."""
    n = len(data)
    if n < 8:
        raise DecodeError("undersized p2p request")
    lower, upper = int.from_bytes(data[:4], "big"), int.from_bytes(data[4:8], "big")
    if n == 8:
        bloom = FULL_BLOOM
    elif n < 8 + BLOOM_SIZE:
        raise DecodeError("undersized bloom filter in p2p request")
    else:
        bloom = bytes(data[8 : 8 + BLOOM_SIZE])
    if upper < lower:
        raise DecodeError(f"query range is invalid: from > to ({lower} > {upper})")
    if upper - lower > MAX_RANGE_SECONDS:
        raise DecodeError("query range too big (more than 24 hours)")
    limit = int.from_bytes(data[72:76], "big") if n >= 76 else 0
    cursor = bytes(data[76:]) if n == 76 + DB_KEY_LENGTH else b""
    return MessagesRequest(lower, upper, bloom, (), limit, cursor, False)


@dataclass(frozen=True)
class DirectRequest:
    id: bytes
    from_: int
    to: int
    limit: int = 0
    cursor: bytes = b""
    bloom: bytes = b""
    topics: tuple[bytes, ...] = field(default=())


def encode_direct_request(r: DirectRequest) -> bytes:
    return rlp.encode([r.id, r.from_, r.to, r.limit, r.cursor, r.bloom, list(r.topics)])


def decode_direct_request(data: bytes) -> DirectRequest:
    items = rlp.as_list(rlp.decode(data), "MessagesRequest", 7)
    return DirectRequest(rlp.as_bytes(items[0], "id"), _u32(items[1], "from"), _u32(items[2], "to"), _u32(items[3], "limit"),
                         rlp.as_bytes(items[4], "cursor"), rlp.as_bytes(items[5], "bloom"),
                         tuple(rlp.as_bytes(t, "topic") for t in rlp.as_list(items[6], "topics")))


@dataclass(frozen=True)
class RequestCompleted:
    request_id: bytes
    last_envelope_hash: bytes | None = None
    cursor: bytes = b""
    error: str | None = None


def encode_completed(request_id: bytes, last_envelope_hash: bytes = b"", cursor: bytes = b"") -> bytes:
    return request_id + last_envelope_hash + cursor


def encode_failed(request_id: bytes, message: str) -> bytes:
    return FAILED_PREFIX + request_id + message.encode("utf-8")


def decode_completion(payload: bytes) -> RequestCompleted:
    """status-go ``CreateMailServerEvent``: a failure ("ERROR=…") or a completion."""
    if len(payload) < 32:
        raise DecodeError(f"unexpected completion payload size: {len(payload)}")
    if len(payload) >= 32 + len(FAILED_PREFIX) and payload.startswith(FAILED_PREFIX):
        rest = payload[len(FAILED_PREFIX) :]
        return RequestCompleted(rest[:32], error=rest[32:].decode("utf-8", "replace"))
    if len(payload) > 64 + CURSOR_LENGTH:
        raise DecodeError(f"unexpected completion payload size: {len(payload)}")
    last = payload[32:64] if len(payload) >= 64 else None
    cursor = payload[64:] if len(payload) >= 64 + CURSOR_LENGTH else b""
    return RequestCompleted(payload[:32], last, cursor)
