"""The messages that move contact state between two people (``protocol/protobuf/contact.proto``).

=====================================  ====  ==========================================================
message                                type  fields (number)
=====================================  ====  ==========================================================
ContactUpdate                          2     clock 1, ens_name 2, profile_image 3, display_name 4,
                                             contact_request_clock 5, contact_request_propagated_state 6,
                                             public_key 7 (the recipient's ``0x04…``), customization_color 8
AcceptContactRequest                   46    id 1 (the request's ``0x…`` message id), clock 2
RetractContactRequest                  47    id 1 (status-go leaves it empty), clock 2
ContactRequestPropagatedState          —     local_clock 1, local_state 2, remote_clock 3, remote_state 4
=====================================  ====  ==========================================================

What status-go (c72f4913, ``protocol/messenger_contacts.go``) sends, each through MVDS on the 1:1
chat with the other person:

* adding a contact (``AddContact``): a ContactUpdate (our display name and ENS name,
  ``contact_request_clock`` = the clock of the add, our propagated state), then a ChatMessage of
  content type CONTACT_REQUEST ("Please add me to your contacts" unless a text is given);
* accepting a request: AcceptContactRequest naming it;
* declining: nothing to the requester (a SyncContactRequestDecision goes to our own devices only);
* ``RetractContactRequest`` (removing a contact and telling them): RetractContactRequest with only
  the clock set.

The propagated state is each side's view of the relation (``protocol/contact.go``): ``local`` is
the sender's own request (NONE 0, MUTUAL 1, SENT 2, RECEIVED 3, DISMISSED 4 — a decline), ``remote``
what the sender last heard from the receiver. status-go puts it in every ContactUpdate and every 1:1
ChatMessage (field 15).
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core.errors import InvalidInput, InvalidMessage

NONE, MUTUAL, SENT, RECEIVED, DISMISSED = 0, 1, 2, 3, 4
STATE_NAMES = {NONE: "none", MUTUAL: "mutual", SENT: "sent", RECEIVED: "received", DISMISSED: "dismissed"}


@dataclass(frozen=True)
class Accept:
    request_id: str  # 0x… message id of the request
    clock: int


@dataclass(frozen=True)
class Retract:
    clock: int
    request_id: str = ""


@dataclass(frozen=True)
class Propagated:
    """ContactRequestPropagatedState, as its sender sees the relation."""

    local_clock: int
    local_state: int
    remote_clock: int
    remote_state: int

    def to_json(self) -> dict:
        return {"local_clock": self.local_clock, "local_state": STATE_NAMES.get(self.local_state, str(self.local_state)),
                "remote_clock": self.remote_clock, "remote_state": STATE_NAMES.get(self.remote_state, str(self.remote_state))}  # fmt: skip


@dataclass(frozen=True)
class ContactUpdate:
    clock: int
    display_name: str = ""
    ens_name: str = ""
    contact_request_clock: int = 0
    propagated: Propagated | None = None
    public_key: str = ""  # the recipient, as the sender names them
    customization_color: int = 0
    profile_image: str = ""

    def to_json(self) -> dict:
        return {"clock": self.clock, "display_name": self.display_name, "ens_name": self.ens_name,
                "contact_request_clock": self.contact_request_clock,
                "propagated_state": self.propagated.to_json() if self.propagated else None,
                "public_key": self.public_key, "customization_color": self.customization_color}  # fmt: skip


def _pb():
    from statuscli.pb import contact_pb2

    return contact_pb2


def normalise_id(text: str, *, what: str = "contact request id") -> str:
    """``0x`` + 64 lowercase hex digits (a message id), or InvalidInput."""
    t = text[2:] if text[:2] in ("0x", "0X") else text
    if len(t) != 64 or any(c not in "0123456789abcdefABCDEF" for c in t):
        raise InvalidInput(f"{what} must be a message id (0x + 64 hex digits), not {text[:80]!r}")
    return "0x" + t.lower()


def normalise_request_id(text: str) -> str:
    """A contact request's id: a message id, or status-go's default id of a request known only from
    a ContactUpdate (``0x`` + the requester's 65-byte key in hex + ``20``)."""
    t = text[2:] if text[:2] in ("0x", "0X") else text
    if len(t) == 132 and t[:2] == "04" and t[-2:] == "20" and all(c in "0123456789abcdefABCDEF" for c in t):
        return "0x" + t.lower()
    return normalise_id(text)


def _serialize(msg) -> bytes:
    return msg.SerializeToString(deterministic=True)  # fields by number, as protobuf-go writes them


def _parse(cls_name: str, data: bytes):
    from statuscli.core.protobuf_codec import parse

    return parse(getattr(_pb(), cls_name), bytes(data), cls_name)


def encode_accept(request_id: str, clock: int) -> bytes:
    return _serialize(_pb().AcceptContactRequest(id=normalise_request_id(request_id), clock=clock))


def decode_accept(data: bytes) -> Accept:
    """DecodeError on malformed bytes; InvalidInput (code ``invalid-message``) without an id."""
    msg = _parse("AcceptContactRequest", data)
    if not msg.id:
        raise InvalidMessage("an accepted contact request without the request's id")
    return Accept(msg.id, msg.clock)


def encode_retract(clock: int, request_id: str = "") -> bytes:
    return _serialize(_pb().RetractContactRequest(id=request_id, clock=clock))


def decode_retract(data: bytes) -> Retract:
    """DecodeError on malformed bytes; InvalidMessage without a clock (status-go's clock guard would drop it)."""
    msg = _parse("RetractContactRequest", data)
    if not msg.clock:
        raise InvalidMessage("a retracted contact request without a clock")
    return Retract(msg.clock, msg.id)


def encode_contact_update(u: ContactUpdate) -> bytes:
    pb = _pb()
    msg = pb.ContactUpdate(clock=u.clock, ens_name=u.ens_name, profile_image=u.profile_image, display_name=u.display_name,
                           contact_request_clock=u.contact_request_clock, public_key=u.public_key,
                           customization_color=u.customization_color)  # fmt: skip
    if u.propagated is not None:
        p = u.propagated
        msg.contact_request_propagated_state.CopyFrom(pb.ContactRequestPropagatedState(
            local_clock=p.local_clock, local_state=p.local_state, remote_clock=p.remote_clock, remote_state=p.remote_state))  # fmt: skip
    return _serialize(msg)


def propagated_of(pb_state) -> Propagated:
    return Propagated(pb_state.local_clock, pb_state.local_state, pb_state.remote_clock, pb_state.remote_state)


def decode_contact_update(data: bytes) -> ContactUpdate:
    """DecodeError on malformed bytes; InvalidMessage without a clock (status-go compares it with the last one)."""
    from statuscli.core.protobuf_codec import refuse_mistyped

    msg = _parse("ContactUpdate", data)
    if not msg.clock:
        raise InvalidMessage("a contact update without a clock")
    prop = None
    if msg.HasField("contact_request_propagated_state"):
        refuse_mistyped(msg.contact_request_propagated_state, "ContactRequestPropagatedState")
        prop = propagated_of(msg.contact_request_propagated_state)
    return ContactUpdate(msg.clock, msg.display_name, msg.ens_name, msg.contact_request_clock, prop, msg.public_key,
                         msg.customization_color, msg.profile_image)  # fmt: skip
