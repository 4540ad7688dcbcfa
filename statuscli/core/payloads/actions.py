"""What users do to messages already sent: emoji reactions, edits, deletes, pins (status-go's protobufs).

=============  ==================  =====================================================================
type (AMM)     protobuf            fields (number)
=============  ==================  =====================================================================
EMOJI_REACTION EmojiReaction       clock 1, chat_id 2, message_id 3, message_type 4, type 5, retracted 6
EDIT_MESSAGE   EditMessage         clock 1, text 2, chat_id 3, message_id 4, message_type 6,
                                   content_type 7
DELETE_MESSAGE DeleteMessage       clock 1, chat_id 2, message_id 3, message_type 5, deleted_by 6
PIN_MESSAGE    PinMessage          clock 1, message_id 2, chat_id 3, pinned 4, message_type 5
=============  ==================  =====================================================================

``message_id`` names the target as ``0x`` + 64 hex digits (status-go's message ids); ``chat_id`` is
the chat as status-go names it (a 1:1 chat: the other side's ``0x04…`` key as seen by the sender; a
public channel: its name; a group: its chat id). A retracted reaction removes an earlier one. Who
may edit or delete a message (only its author) is the receiver's rule, not the codec's.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core.errors import InvalidInput, InvalidMessage
from statuscli.core.payloads import message_types
from statuscli.core.payloads.contact_requests import normalise_id
from statuscli.core.protobuf_codec import lazy_class, parse

#: EmojiReaction.Type, and the emoji status-go shows for each
REACTIONS = {1: ("LOVE", "❤️"), 2: ("THUMBS_UP", "👍"), 3: ("THUMBS_DOWN", "👎"), 4: ("LAUGH", "😂"), 5: ("SAD", "😢"),
             6: ("ANGRY", "😡")}  # fmt: skip
REACTION_BY_NAME = {name: n for n, (name, _) in REACTIONS.items()}

_Reaction = lazy_class("emoji_reaction_pb2", "EmojiReaction")
_Edit = lazy_class("chat_message_pb2", "EditMessage")
_Delete = lazy_class("chat_message_pb2", "DeleteMessage")
_Pin = lazy_class("pin_message_pb2", "PinMessage")

PIN_MESSAGE = message_types.BY_NAME["PIN_MESSAGE"]


@dataclass(frozen=True)
class Reaction:
    clock: int
    chat_id: str
    message_id: str
    message_type: int
    emoji: int  # EmojiReaction.Type
    retracted: bool = False

    @property
    def emoji_name(self) -> str:
        return REACTIONS.get(self.emoji, (f"UNKNOWN_{self.emoji}", "?"))[0]


@dataclass(frozen=True)
class Edit:
    clock: int
    chat_id: str
    message_id: str
    message_type: int
    text: str
    content_type: int = 1  # TEXT_PLAIN


@dataclass(frozen=True)
class Delete:
    clock: int
    chat_id: str
    message_id: str
    message_type: int
    deleted_by: str = ""


@dataclass(frozen=True)
class Pin:
    clock: int
    chat_id: str
    message_id: str
    message_type: int
    pinned: bool = True


Action = Reaction | Edit | Delete | Pin


def reaction_type(text: str) -> int:
    """An EmojiReaction.Type from a name (thumbs-up, LOVE…), an emoji (👍) or a number 1–6."""
    t = text.strip()
    for n, (name, emoji) in REACTIONS.items():
        if t.upper().replace("-", "_") == name or t in (emoji, emoji.rstrip("\ufe0f"), str(n)):
            return n
    names = ", ".join(f"{name.lower().replace('_', '-')} {emoji}" for name, emoji in REACTIONS.values())
    raise InvalidInput(f"unknown reaction {text!r}", hint=f"one of: {names}")


def encode(action: Action) -> tuple[int, bytes]:
    """(application message type, payload bytes), fields written by number as protobuf-go does."""
    mid = normalise_id(action.message_id, what="message id")
    if not action.chat_id:
        raise InvalidInput("a message action needs the chat id")
    if isinstance(action, Reaction):
        msg = _Reaction()(clock=action.clock, chat_id=action.chat_id, message_id=mid, message_type=action.message_type,
                          type=action.emoji, retracted=action.retracted)  # fmt: skip
        return message_types.EMOJI_REACTION, msg.SerializeToString(deterministic=True)
    if isinstance(action, Edit):
        if not action.text.strip():
            raise InvalidInput("an edit needs the new text")
        msg = _Edit()(clock=action.clock, text=action.text, chat_id=action.chat_id, message_id=mid, message_type=action.message_type,
                      content_type=action.content_type)  # fmt: skip
        return message_types.EDIT_MESSAGE, msg.SerializeToString(deterministic=True)
    if isinstance(action, Delete):
        msg = _Delete()(clock=action.clock, chat_id=action.chat_id, message_id=mid, message_type=action.message_type,
                        deleted_by=action.deleted_by)  # fmt: skip
        return message_types.DELETE_MESSAGE, msg.SerializeToString(deterministic=True)
    msg = _Pin()(clock=action.clock, message_id=mid, chat_id=action.chat_id, pinned=action.pinned, message_type=action.message_type)
    return PIN_MESSAGE, msg.SerializeToString(deterministic=True)


def decode(amm_type: int, data: bytes) -> Action:
    """DecodeError on malformed bytes; InvalidInput (``invalid-message``) without a valid target id or chat."""
    if amm_type == message_types.EMOJI_REACTION:
        m = parse(_Reaction(), bytes(data), "EmojiReaction")
        out: Action = Reaction(m.clock, m.chat_id, m.message_id, int(m.message_type), int(m.type), bool(m.retracted))
    elif amm_type == message_types.EDIT_MESSAGE:
        m = parse(_Edit(), bytes(data), "EditMessage")
        out = Edit(m.clock, m.chat_id, m.message_id, int(m.message_type), m.text, int(m.content_type))
    elif amm_type == message_types.DELETE_MESSAGE:
        m = parse(_Delete(), bytes(data), "DeleteMessage")
        out = Delete(m.clock, m.chat_id, m.message_id, int(m.message_type), m.deleted_by)
    elif amm_type == PIN_MESSAGE:
        m = parse(_Pin(), bytes(data), "PinMessage")
        out = Pin(m.clock, m.chat_id, m.message_id, int(m.message_type), bool(m.pinned))
    else:
        raise InvalidInput(f"application type {message_types.type_name(amm_type)} is not a message action")
    try:
        mid = normalise_id(out.message_id, what="target message id")
    except InvalidInput as e:
        raise InvalidMessage(e.message) from None
    if not out.chat_id:
        raise InvalidMessage("a message action without a chat id")
    return type(out)(**{**out.__dict__, "message_id": mid})


TYPES = (message_types.EMOJI_REACTION, message_types.EDIT_MESSAGE, message_types.DELETE_MESSAGE, PIN_MESSAGE)
