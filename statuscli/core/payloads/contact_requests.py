"""Answering a contact request: AcceptContactRequest {id = 1 (string), clock = 2 (uint64)}.

status-go (``messenger_contacts.go``, accepting a request) sends it as an application message of
type ACCEPT_CONTACT_REQUEST on the 1:1 chat with the requester, through MVDS (resent until
acknowledged): ``id`` is the contact request's message id as ``0x…`` hex, ``clock`` the chat's
next clock. A contact request itself is a ChatMessage with content type CONTACT_REQUEST.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core.errors import InvalidInput, InvalidMessage


@dataclass(frozen=True)
class Accept:
    request_id: str  # 0x… message id of the request
    clock: int


def _pb():
    from statuscli.pb import contact_pb2

    return contact_pb2


def normalise_id(text: str, *, what: str = "contact request id") -> str:
    """``0x`` + 64 lowercase hex digits (a message id), or InvalidInput."""
    t = text[2:] if text[:2] in ("0x", "0X") else text
    if len(t) != 64 or any(c not in "0123456789abcdefABCDEF" for c in t):
        raise InvalidInput(f"{what} must be a message id (0x + 64 hex digits), not {text[:80]!r}")
    return "0x" + t.lower()


def encode_accept(request_id: str, clock: int) -> bytes:
    msg = _pb().AcceptContactRequest(id=normalise_id(request_id), clock=clock)
    return msg.SerializeToString(deterministic=True)  # fields by number, as protobuf-go writes them


def decode_accept(data: bytes) -> Accept:
    """DecodeError on malformed bytes; InvalidInput (code ``invalid-message``) without an id."""
    from statuscli.core.protobuf_codec import parse

    msg = parse(_pb().AcceptContactRequest, bytes(data), "AcceptContactRequest")
    if not msg.id:
        raise InvalidMessage("an accepted contact request without the request's id")
    return Accept(msg.id, msg.clock)
