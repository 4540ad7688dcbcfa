"""Private group chats: MembershipUpdateMessage, its signed events, and the group they describe.

* Wire event = signature(65) ‖ MembershipUpdateEvent bytes; signature =
  sign(keccak256(UTF-8(chat_id) ‖ event bytes)) by the author; the author is recovered.
* Group state = events sorted by clock (stable), each validated against the state so far and
  then applied. The first must be CHAT_CREATED (by the creator, into an empty group), and the
  chat id must end with the creator's ``0x04…`` key (and be longer than it).

Validation table (``Group.validateEvent``, status-go c72f4913); "in" = admin or member:

    CHAT_CREATED    group still empty                  NAME_CHANGED   author in, name non-empty
    COLOR_CHANGED   author in, color non-empty         IMAGE_CHANGED  author in, image non-empty
    MEMBERS_ADDED   author in                          MEMBER_JOINED  author is a member
    MEMBER_REMOVED  one member; self, or an admin removing a non-admin
    ADMINS_ADDED    author admin; all named are members
    ADMIN_REMOVED   one member; an admin removing themselves
    anything else   invalid
"""

from __future__ import annotations

from dataclasses import dataclass, field

from statuscli.core.crypto import secp256k1
from statuscli.core.crypto.hashing import keccak256
from statuscli.core.errors import DecodeError, InvalidGroup, InvalidInput
from statuscli.core.protobuf_codec import parse_into

SIGNATURE_LENGTH = 65
EVENT_TYPES = {0: "UNKNOWN", 1: "CHAT_CREATED", 2: "NAME_CHANGED", 3: "MEMBERS_ADDED", 4: "MEMBER_JOINED",
               5: "MEMBER_REMOVED", 6: "ADMINS_ADDED", 7: "ADMIN_REMOVED", 8: "COLOR_CHANGED", 9: "IMAGE_CHANGED"}
EVENT_BY_NAME = {v: k for k, v in EVENT_TYPES.items()}
(CHAT_CREATED, NAME_CHANGED, MEMBERS_ADDED, MEMBER_JOINED, MEMBER_REMOVED, ADMINS_ADDED, ADMIN_REMOVED,
 COLOR_CHANGED, IMAGE_CHANGED) = range(1, 10)


def _pb():
    from statuscli.pb import membership_update_message_pb2

    return membership_update_message_pb2


def _parse(cls, data: bytes, what: str):
    return parse_into(cls(), data, what)


def key_text(pub: bytes) -> str:
    return "0x" + secp256k1.decompress(pub).hex()


@dataclass(frozen=True)
class MembershipEvent:
    chat_id: str
    clock: int
    type: int
    members: tuple[str, ...]
    name: str
    color: str
    image: bytes
    author: str  # 0x04… of the signer
    signature: bytes
    raw_payload: bytes

    @property
    def wire(self) -> bytes:
        return self.signature + self.raw_payload

    def to_json(self) -> dict:
        out = {"type": EVENT_TYPES.get(self.type, str(self.type)), "clock": self.clock, "author": self.author}
        if self.members:
            out["members"] = list(self.members)
        for k in ("name", "color"):
            if getattr(self, k):
                out[k] = getattr(self, k)
        if self.image:
            out["image_size"] = len(self.image)
        return out


def sign_event(chat_id: str, private_key: bytes, *, clock: int, type: int, members=(), name: str = "",
               color: str = "", image: bytes = b"") -> MembershipEvent:
    """Create and sign an event; ``.wire`` is what goes into ``MembershipUpdateMessage.events``."""
    if not chat_id:
        raise InvalidInput("can't sign a membership event with an empty chat id")
    ev = _pb().MembershipUpdateEvent(clock=clock, members=list(members), name=name, type=type, color=color, image=image)
    payload = ev.SerializeToString(deterministic=True)
    sig = secp256k1.sign(keccak256(chat_id.encode("utf-8") + payload), private_key)
    return MembershipEvent(chat_id, clock, type, tuple(members), name, color, image, key_text(secp256k1.public_key(private_key)), sig, payload)


def parse_event(chat_id: str, wire: bytes) -> MembershipEvent:
    """Verify (by recovery) and decode one wire event."""
    if len(wire) <= SIGNATURE_LENGTH:
        raise DecodeError("membership event too short (needs a 65-byte signature and an event)")
    sig, payload = bytes(wire[:SIGNATURE_LENGTH]), bytes(wire[SIGNATURE_LENGTH:])
    author = secp256k1.recover(keccak256(chat_id.encode("utf-8") + payload), sig)
    ev = _parse(_pb().MembershipUpdateEvent, payload, "MembershipUpdateEvent")
    return MembershipEvent(chat_id, ev.clock, ev.type, tuple(ev.members), ev.name, ev.color, bytes(ev.image), key_text(author), sig, payload)


def encode_update(chat_id: str, events, *, chat_message: bytes | None = None, emoji_reaction: bytes | None = None) -> bytes:
    """MembershipUpdateMessage bytes; ``events`` are MembershipEvent or wire bytes."""
    pb = _pb()
    msg = pb.MembershipUpdateMessage(chat_id=chat_id, events=[e.wire if isinstance(e, MembershipEvent) else bytes(e) for e in events])
    if chat_message is not None:
        parse_into(msg.message, chat_message, "ChatMessage")
    elif emoji_reaction is not None:
        parse_into(msg.emoji_reaction, emoji_reaction, "EmojiReaction")
    return msg.SerializeToString(deterministic=True)


@dataclass
class MembershipUpdate:
    chat_id: str
    events: list[MembershipEvent]
    message: object | None = None  # ChatMessage
    emoji_reaction: object | None = None


def decode_update(data: bytes) -> MembershipUpdate:
    """Parse a MembershipUpdateMessage and verify every event's signature."""
    msg = _parse(_pb().MembershipUpdateMessage, data, "MembershipUpdateMessage")
    events = [parse_event(msg.chat_id, raw) for raw in msg.events]
    which = msg.WhichOneof("chat_entity")
    return MembershipUpdate(msg.chat_id, events, msg.message if which == "message" else None,
                            msg.emoji_reaction if which == "emoji_reaction" else None)


@dataclass
class Group:
    """The state of a private group after a valid sequence of events."""

    chat_id: str
    name: str = ""
    color: str = ""
    image: bytes = b""
    members: list[str] = field(default_factory=list)
    admins: list[str] = field(default_factory=list)
    events: list[MembershipEvent] = field(default_factory=list)

    @classmethod
    def from_events(cls, chat_id: str, events) -> "Group":
        g = cls(chat_id)
        for ev in sorted(events, key=lambda e: e.clock):
            g.apply(ev)
        if not g.events or g.events[0].type != CHAT_CREATED:
            raise InvalidGroup("a group's first event must be CHAT_CREATED")
        creator = g.events[0].author
        if not chat_id.endswith(creator) or chat_id == creator:
            raise InvalidGroup(f"invalid group chat id {chat_id!r}: it must end with the creator's key")
        return g

    @property
    def creator(self) -> str | None:
        return self.events[0].author if self.events and self.events[0].type == CHAT_CREATED else None

    def is_valid(self, ev: MembershipEvent) -> bool:
        a = ev.author
        inside = a in self.admins or a in self.members
        t = ev.type
        if ev.chat_id != self.chat_id or not a:
            return False
        if t == CHAT_CREATED:
            return not self.admins and not self.members
        if t == NAME_CHANGED:
            return inside and bool(ev.name)
        if t == COLOR_CHANGED:
            return inside and bool(ev.color)
        if t == IMAGE_CHANGED:
            return inside and bool(ev.image)
        if t == MEMBERS_ADDED:
            return inside
        if t == MEMBER_JOINED:
            return a in self.members
        if t == MEMBER_REMOVED:
            return len(ev.members) == 1 and (a == ev.members[0] or (a in self.admins and ev.members[0] not in self.admins))
        if t == ADMINS_ADDED:
            return a in self.admins and all(m in self.members for m in ev.members)
        if t == ADMIN_REMOVED:
            return len(ev.members) == 1 and a in self.admins and a == ev.members[0]
        return False

    def apply(self, ev: MembershipEvent) -> None:
        """Validate and apply one event (raises InvalidInput ``invalid-group`` when not allowed)."""
        if not self.is_valid(ev):
            raise InvalidGroup(f"membership event {EVENT_TYPES.get(ev.type, ev.type)} by {ev.author[:12]}… is not allowed here")
        self.events.append(ev)
        t = ev.type

        def add(lst, items):
            lst.extend(x for x in items if x not in lst)

        if t == CHAT_CREATED:
            self.name, self.color = ev.name, ev.color
            add(self.members, [ev.author])
            add(self.admins, [ev.author])
        elif t == NAME_CHANGED:
            self.name = ev.name
        elif t == COLOR_CHANGED:
            self.color = ev.color
        elif t == IMAGE_CHANGED:
            self.image = ev.image
        elif t == ADMINS_ADDED:
            add(self.admins, ev.members)
        elif t == ADMIN_REMOVED:
            if ev.members[0] in self.admins:
                self.admins.remove(ev.members[0])
        elif t == MEMBERS_ADDED:
            add(self.members, ev.members)
        elif t == MEMBER_REMOVED:
            for lst in (self.admins, self.members):
                if ev.members[0] in lst:
                    lst.remove(ev.members[0])

    def to_json(self) -> dict:
        return {"chat_id": self.chat_id, "name": self.name, "color": self.color, "creator": self.creator,
                "members": list(self.members), "admins": list(self.admins), "events": len(self.events)}
