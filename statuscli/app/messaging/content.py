"""What a user sends, turned into the application payload (ChatMessage) and its signed wrapper.

    Content(text=…, sticker=…, emoji=…, image=…, audio=…, response_to=…, contact_request=…, ens_name=…)
    chat_message(content, chat_id=…, message_type=…, clock=…, timestamp=…) -> ChatMessage bytes
    wrap(payload, amm_type, private_key, public_key) -> (wrapper bytes, message id)

Chat ids inside ChatMessage (spec §4.4): 1:1 = the recipient's ``0x04…`` key; public = the channel
name; private group = the group's chat id (``uuid-0x04…creator``). Content types: TEXT_PLAIN,
EMOJI (the text is the emoji), STICKER (hash + pack), IMAGE (payload + format from the magic
bytes), AUDIO (payload + type + duration), CONTACT_REQUEST (the text is the introduction).
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscli.core.errors import InvalidInput, UsageError
from statuscli.core.payloads import amm
from statuscli.core.payloads import chat as chat_payload

CONTACT_REQUEST = chat_payload.CONTACT_REQUEST
#: status-go puts a text in messages whose content older clients cannot show (receivers require text)
STICKER_TEXT = "Update to latest version to see a nice sticker here!"
AUDIO_TEXT = "Update to latest version to listen to an audio message!"


@dataclass(frozen=True)
class Content:
    text: str = ""
    sticker: tuple[str, int] | None = None
    emoji: bool = False
    image: bytes | None = None
    audio: tuple[bytes, int] | None = None  # (payload, duration ms)
    response_to: str = ""  # 0x… message id
    contact_request: bool = False
    ens_name: str = ""  # the ENS name we claim (ChatMessage.ens_name); receivers check it on the chain

    def check(self) -> None:
        kinds = sum(x for x in (self.sticker is not None, self.image is not None, self.audio is not None, self.emoji))
        if kinds > 1:
            raise UsageError("--sticker, --emoji, --image and --audio exclude each other")
        if self.contact_request and kinds:
            raise UsageError("a contact request carries text only")
        if self.emoji and not self.text.strip():
            raise UsageError("--emoji sends MESSAGE as an emoji: give the emoji as MESSAGE")
        if self.sticker is None and self.image is None and self.audio is None and not self.text.strip():
            raise InvalidInput("empty message", hint="give MESSAGE, '-' for stdin, or --sticker/--image")
        if len(self.text) > chat_payload.MAX_TEXT_LENGTH:
            raise InvalidInput(f"message longer than {chat_payload.MAX_TEXT_LENGTH} characters")
        if self.image is not None and not chat_payload.image_format(self.image):
            raise InvalidInput("unsupported image (PNG, JPEG, WEBP or GIF expected)")
        if self.audio is not None and not chat_payload.audio_type(self.audio[0]):
            raise InvalidInput("unsupported audio (AAC or AMR expected)")
        if self.response_to and not _is_message_id(self.response_to):
            raise InvalidInput(f"--reply-to takes a message id (0x + 64 hex digits), not {self.response_to!r}")
        if self.ens_name:
            from statuscli.core.ens import looks_like_ens_name, normalize

            normalize(self.ens_name)
            if not looks_like_ens_name(self.ens_name):
                raise InvalidInput(f"--ens-name takes a name ending in .eth, not {self.ens_name!r}")

    @property
    def kind(self) -> str:
        if self.sticker is not None:
            return "sticker"
        if self.image is not None:
            return "image"
        if self.audio is not None:
            return "audio"
        if self.emoji:
            return "emoji"
        return "contact-request" if self.contact_request else "text"


def _is_message_id(text: str) -> bool:
    t = text[2:] if text[:2] in ("0x", "0X") else text
    return len(t) == 64 and all(c in "0123456789abcdefABCDEF" for c in t)


def normalise_id(text: str) -> str:
    t = text[2:] if text[:2] in ("0x", "0X") else text
    return "0x" + t.lower()


def chat_message(content: Content, *, chat_id: str, message_type: int, clock: int, timestamp: int, propagated=None) -> bytes:
    """The ChatMessage bytes; ``propagated`` (core.payloads.contact_requests.Propagated, 1:1 only) becomes
    its contact_request_propagated_state (field 15), which status-go sets on every 1:1 message."""
    content.check()
    if content.contact_request:
        ct = CONTACT_REQUEST
    elif content.emoji:
        ct = chat_payload.EMOJI
    else:
        ct = None
    text = content.text
    if not text.strip() and content.sticker is not None:
        text = STICKER_TEXT
    elif not text.strip() and content.audio is not None:
        text = AUDIO_TEXT
    msg = chat_payload.build(
        chat_id=chat_id, clock=clock, timestamp=timestamp, text=text, message_type=message_type, content_type=ct,
        response_to=normalise_id(content.response_to) if content.response_to else "",
        ens_name=_ens_name(content.ens_name), sticker=content.sticker, image=content.image, audio=content.audio,
    )  # fmt: skip
    if propagated is not None:
        p = msg.contact_request_propagated_state
        p.local_clock, p.local_state, p.remote_clock, p.remote_state = (propagated.local_clock, propagated.local_state,
                                                                        propagated.remote_clock, propagated.remote_state)  # fmt: skip
        p.SetInParent()  # present even when all zero, as protobuf-go writes a non-nil message
    return chat_payload.encode(msg)


def _ens_name(name: str) -> str:
    from statuscli.core.ens import normalize

    return normalize(name) if name else ""


def wrap(payload: bytes, amm_type: int, private_key: bytes, public_key: bytes) -> tuple[bytes, bytes]:
    """The signed ApplicationMetadataMessage and its message id."""
    wrapped = amm.wrap(payload, amm_type, private_key)
    return wrapped, amm.message_id(public_key, wrapped)
