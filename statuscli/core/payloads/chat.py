"""ChatMessage: build, encode (byte-exact with protobuf-go), decode, validate, describe.

Content types covered by :func:`build`: text, emoji, sticker, image, audio, community, and the
transaction commands (their own wrapper types 6–11, see :func:`transaction_command`).
Validation follows ``message_validator.go:ValidateReceivedChatMessage`` (status-go c72f4913);
the alias check on display names ("is this a generated three-word name?") is not reproduced.

protobuf-go writes non-oneof fields in number order and the ``payload`` oneof LAST; Python's
protobuf writes strictly by number. :func:`encode` reproduces Go's order so ids computed over our
bytes match what status-go would compute over its own.
"""

from __future__ import annotations

import re

from statuscli.core.errors import InvalidInput, InvalidMessage
from statuscli.core.payloads.clock import validate_clock

MESSAGE_TYPES = {0: "UNKNOWN_MESSAGE_TYPE", 1: "ONE_TO_ONE", 2: "PUBLIC_GROUP", 3: "PRIVATE_GROUP",
                 4: "SYSTEM_MESSAGE_PRIVATE_GROUP", 5: "COMMUNITY_CHAT", 6: "SYSTEM_MESSAGE_GAP"}
CONTENT_TYPES = {0: "UNKNOWN_CONTENT_TYPE", 1: "TEXT_PLAIN", 2: "STICKER", 3: "STATUS", 4: "EMOJI",
                 5: "TRANSACTION_COMMAND", 6: "SYSTEM_MESSAGE_CONTENT_PRIVATE_GROUP", 7: "IMAGE", 8: "AUDIO",
                 9: "COMMUNITY", 10: "SYSTEM_MESSAGE_GAP", 11: "CONTACT_REQUEST", 12: "DISCORD_MESSAGE",
                 13: "IDENTITY_VERIFICATION", 14: "SYSTEM_MESSAGE_PINNED_MESSAGE", 15: "SYSTEM_MESSAGE_MUTUAL_EVENT_SENT",
                 16: "SYSTEM_MESSAGE_MUTUAL_EVENT_ACCEPTED", 17: "SYSTEM_MESSAGE_MUTUAL_EVENT_REMOVED", 18: "BRIDGE_MESSAGE"}
IMAGE_FORMATS = {0: "UNKNOWN_IMAGE_FORMAT", 1: "PNG", 2: "JPEG", 3: "WEBP", 4: "GIF"}
AUDIO_TYPES = {0: "UNKNOWN_AUDIO_TYPE", 1: "AAC", 2: "AMR"}

ONE_TO_ONE, PUBLIC_GROUP, PRIVATE_GROUP, COMMUNITY_CHAT = 1, 2, 3, 5
#: content type of a contact request (a ChatMessage whose text is the introduction)
CONTACT_REQUEST = 11
TEXT_PLAIN, STICKER, EMOJI, TRANSACTION_COMMAND, IMAGE, AUDIO, COMMUNITY = 1, 2, 4, 5, 7, 8, 9

MAX_TEXT_LENGTH = 4096  # runes
_DISPLAY_NAME = re.compile(r"^[0-9A-Za-z_\-\t\n\f\r ]{5,24}$")

#: transaction commands: name -> (wrapper type, protobuf message in command_pb2)
TRANSACTION_COMMANDS = {
    "request-address": (6, "RequestAddressForTransaction"),
    "accept-request-address": (7, "AcceptRequestAddressForTransaction"),
    "decline-request-address": (8, "DeclineRequestAddressForTransaction"),
    "request-transaction": (9, "RequestTransaction"),
    "send-transaction": (10, "SendTransaction"),
    "decline-request-transaction": (11, "DeclineRequestTransaction"),
}


def _pb():
    from statuscli.pb import chat_message_pb2

    return chat_message_pb2


def image_format(data: bytes) -> int:
    """ImageFormat from the file's magic bytes (0 when unknown)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return 1
    if data.startswith(b"\xff\xd8\xff"):
        return 2
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return 3
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return 4
    return 0


def audio_type(data: bytes) -> int:
    """AudioType from magic bytes: AMR ("#!AMR") or AAC (ADTS sync word / MP4 container)."""
    if data.startswith(b"#!AMR"):
        return 2
    if data[:2] in (b"\xff\xf1", b"\xff\xf9") or data[4:8] == b"ftyp":
        return 1
    return 0


def build(
    *,
    chat_id: str,
    clock: int,
    timestamp: int,
    text: str = "",
    message_type: int = ONE_TO_ONE,
    content_type: int | None = None,
    response_to: str = "",
    ens_name: str = "",
    display_name: str = "",
    sticker: tuple[str, int] | None = None,
    image: bytes | None = None,
    audio: tuple[bytes, int] | None = None,
    community: bytes | None = None,
):
    """A ChatMessage. ``content_type`` defaults from what is given (sticker, image, audio, …)."""
    pb = _pb()
    msg = pb.ChatMessage(clock=clock, timestamp=timestamp, text=text, response_to=response_to, ens_name=ens_name,
                         chat_id=chat_id, message_type=message_type, display_name=display_name)
    inferred = TEXT_PLAIN
    if sticker is not None:
        msg.sticker.hash, msg.sticker.pack = sticker[0], sticker[1]
        inferred = STICKER
    elif image is not None:
        fmt = image_format(image)
        if not fmt:
            raise InvalidInput("unsupported image (PNG, JPEG, WEBP or GIF expected)")
        msg.image.payload, msg.image.format = image, fmt
        inferred = IMAGE
    elif audio is not None:
        payload, duration_ms = audio
        kind = audio_type(payload)
        if not kind:
            raise InvalidInput("unsupported audio (AAC or AMR expected)")
        msg.audio.payload, msg.audio.type, msg.audio.duration_ms = payload, kind, duration_ms
        inferred = AUDIO
    elif community is not None:
        msg.community = community
        inferred = COMMUNITY
    msg.content_type = content_type if content_type is not None else inferred
    return msg


def encode(msg) -> bytes:
    """Bytes in protobuf-go's order (the ``payload`` oneof after every other field)."""
    which = msg.WhichOneof("payload")
    if which is None:
        return msg.SerializeToString(deterministic=True)
    head = type(msg)()
    head.CopyFrom(msg)
    head.ClearField(which)
    tail = type(msg)()
    if which == "community":
        tail.community = msg.community
    else:
        getattr(tail, which).CopyFrom(getattr(msg, which))
    return head.SerializeToString(deterministic=True) + tail.SerializeToString(deterministic=True)


def decode(data: bytes):
    """Parse ChatMessage bytes (DecodeError on malformed input, including invalid UTF-8)."""
    from statuscli.core.protobuf_codec import parse_into

    return parse_into(_pb().ChatMessage(), data, "ChatMessage")


def validate_received(msg, waku_ms: int) -> None:
    """Raise InvalidMessage when status-go would reject ``msg``."""

    def bad(why: str):
        raise InvalidMessage(f"invalid chat message: {why}")

    validate_clock(msg.clock, waku_ms)
    if msg.timestamp == 0:
        bad("timestamp can't be 0")
    ct = msg.content_type
    if ct not in (12, 18) and (ct != IMAGE or msg.text != ""):
        if not msg.text.strip():
            bad("text can't be empty")
        if len(msg.text) > MAX_TEXT_LENGTH:
            bad(f"text shouldn't be longer than {MAX_TEXT_LENGTH}")
    if not msg.chat_id:
        bad("chatId can't be empty")
    if msg.message_type in (0, 4):
        bad("unknown message type")
    which = msg.WhichOneof("payload")
    if ct == 0:
        bad("unknown content type")
    if ct == TRANSACTION_COMMAND:
        bad("can't receive request address for transaction from others")
    if ct == STICKER and (which != "sticker" or not msg.sticker.hash):
        bad("no sticker content" if which != "sticker" else "sticker hash not set")
    if ct == IMAGE and (which != "image" or not msg.image.payload or msg.image.format == 0):
        bad("no image content" if which != "image" else "image payload empty or type unknown")
    if ct == 18:
        b = msg.bridge_message
        if which != "bridge_message" or not b.userName or not b.bridgeName or not b.content:
            bad("incomplete bridge message")
    if ct == AUDIO and (which != "audio" or not msg.audio.payload or msg.audio.type == 0):
        bad("no audio content" if which != "audio" else "audio payload empty or type unknown")
    if ct == 6:
        bad("private group system message content type not allowed")
    if ct in (15, 16, 17):
        bad("mutual state event system message content type not allowed")
    name = msg.display_name.strip()
    if name:
        if not _DISPLAY_NAME.match(name):
            bad("display name: only letters, numbers, underscores and hyphens allowed")
        if name.endswith(("_eth", ".eth", "-eth")):
            bad('display name: usernames ending with "eth" are not allowed')


def to_json(msg) -> dict:
    """A readable summary of a ChatMessage (bytes as 0x hex, enum names)."""
    out = {
        "clock": msg.clock,
        "timestamp": msg.timestamp,
        "chat_id": msg.chat_id,
        "message_type": MESSAGE_TYPES.get(msg.message_type, str(msg.message_type)),
        "content_type": CONTENT_TYPES.get(msg.content_type, str(msg.content_type)),
        "text": msg.text,
    }
    for f in ("response_to", "ens_name", "display_name"):
        if getattr(msg, f):
            out[f] = getattr(msg, f)
    which = msg.WhichOneof("payload")
    if which == "sticker":
        out["sticker"] = {"hash": msg.sticker.hash, "pack": msg.sticker.pack}
    elif which == "image":
        out["image"] = {"format": IMAGE_FORMATS.get(msg.image.format, str(msg.image.format)), "size": len(msg.image.payload)}
    elif which == "audio":
        out["audio"] = {"type": AUDIO_TYPES.get(msg.audio.type, str(msg.audio.type)), "size": len(msg.audio.payload),
                        "duration_ms": msg.audio.duration_ms}
    elif which == "community":
        out["community"] = "0x" + msg.community.hex()
    elif which is not None:
        out[which] = True
    return out


def transaction_command(kind: str, **fields) -> tuple[int, bytes]:
    """(wrapper type, payload bytes) of a transaction command such as ``request-transaction``."""
    from statuscli.pb import command_pb2

    if kind not in TRANSACTION_COMMANDS:
        raise InvalidInput(f"unknown transaction command {kind!r} (one of {', '.join(TRANSACTION_COMMANDS)})")
    amm_type, name = TRANSACTION_COMMANDS[kind]
    try:
        msg = getattr(command_pb2, name)(**fields)
    except (ValueError, TypeError) as e:
        raise InvalidInput(f"{kind}: {e}") from None
    return amm_type, msg.SerializeToString(deterministic=True)
