"""The trace of one peel: one frozen result per layer, outermost first (spec §4.2).

    WakuLayer → PayloadV1Layer → [SegmentLayer] → [ProtocolLayer] → MvdsLayer(items) | AppLayer → …
    AppLayer → ChatLayer | MembershipLayer [→ ChatLayer] | AcceptLayer | ContactLayer | ActionLayer | CommandLayer | OtherLayer

A trace ends early with :class:`Failed` (the layer that could not be opened and why). An MVDS
payload fans out: each of its messages has a trace of its own (``MvdsLayer.items``).
Fields marked ``compare=False`` carry what a consumer needs to act (decoded objects, the ratchet's
pending writes); they do not take part in comparing two traces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class WakuLayer:
    hash: bytes  # deterministic message hash on ``pubsub_topic``
    pubsub_topic: str
    content_topic: str
    version: int | None
    timestamp: int | None  # ns
    raw: bytes = field(compare=False, repr=False)
    message: Any = field(compare=False, repr=False)  # core.waku.message.WakuMessage


@dataclass(frozen=True)
class PayloadV1Layer:
    encryption: str  # symmetric | asymmetric
    key: Any  # keyring.TopicKey that opened it
    signer: bytes | None  # 65-byte Waku-level signer
    size: int
    data_size: int
    padding_size: int
    data: bytes = field(compare=False, repr=False)


@dataclass(frozen=True)
class SegmentLayer:
    entire_message_hash: bytes
    index: int
    segments_count: int
    parity: bool
    size: int
    complete: bool  # all data segments are there: the whole payload continues


@dataclass(frozen=True)
class ProtocolLayer:
    installation_id: str
    bundles: int
    entries: dict = field(hash=False)  # installation id → header path
    public: bool = False
    path: str | None = None  # set once decrypted
    sender: bytes | None = None  # the identity the ratchet step attributes it to (its session's)
    authenticated: bool = False
    committed: bool = False
    data: bytes = field(default=b"", compare=False, repr=False)  # the ProtocolMessage bytes
    pending: Any = field(default=None, compare=False, repr=False)  # the ratchet port's pending writes


@dataclass(frozen=True)
class MvdsLayer:
    acks: tuple[bytes, ...]
    offers: tuple[bytes, ...]
    requests: tuple[bytes, ...]
    items: tuple[tuple[bytes, tuple], ...]  # (MVDS message id, trace of its body)
    payload: Any = field(compare=False, repr=False)  # core.mvds.codec.Payload


@dataclass(frozen=True)
class AppLayer:
    type: int
    type_name: str
    signer: bytes  # 65 bytes: the wrapper's signer, or the authenticated identity for an unsigned wrapper
    id: bytes  # message id
    wrapper: Any = field(compare=False, repr=False)  # core.payloads.amm.ApplicationMessage


@dataclass(frozen=True)
class ChatLayer:
    chat_id: str
    message_type: int
    content_type: int
    clock: int
    timestamp: int
    text: str
    invalid: tuple[str, str] | None = None  # (code, message): status-go would not accept it from others
    message: Any = field(default=None, compare=False, repr=False)  # the ChatMessage protobuf


@dataclass(frozen=True)
class MembershipLayer:
    chat_id: str
    events: int
    update: Any = field(compare=False, repr=False)  # core.payloads.membership.MembershipUpdate


@dataclass(frozen=True)
class AcceptLayer:
    request_id: str
    clock: int
    fields: dict = field(compare=False, hash=False)  # as inspect prints it


@dataclass(frozen=True)
class ContactLayer:
    """A ContactUpdate (``contact-update``) or RetractContactRequest (``retract-contact-request``)."""

    kind: str
    clock: int
    message: Any = field(compare=False, repr=False)  # core.payloads.contact_requests.ContactUpdate | Retract
    fields: dict = field(default_factory=dict, compare=False, hash=False)  # as inspect prints it


@dataclass(frozen=True)
class ActionLayer:
    """A reaction, edit, delete or pin (core.payloads.actions) naming its target message."""

    action: Any = field(compare=False)  # core.payloads.actions.Action
    fields: dict = field(compare=False, hash=False)  # as inspect prints it


@dataclass(frozen=True)
class CommandLayer:
    """A wallet chat command (transaction request / transaction sent): carried, never signed by us."""

    kind: str  # transaction_request | transaction_sent
    command: Any = field(compare=False, repr=False)  # core.payloads.wallet_commands.Command


@dataclass(frozen=True)
class OtherLayer:
    """Any other application type: decoded for display when we have its protobuf, never acted on."""

    name: str
    fields: dict = field(compare=False, hash=False)
    error: tuple[str, str] | None = None


@dataclass(frozen=True)
class Failed:
    layer: str  # waku-message | payload-v1 | segment | protocol-message | application | chat-message | …
    code: str
    message: str
    error: Any = field(default=None, compare=False, repr=False)  # the typed error, when there was one
    data: bytes = field(default=b"", compare=False, repr=False)  # what could not be opened, when it helps to show it


Layer = WakuLayer | PayloadV1Layer | SegmentLayer | ProtocolLayer | MvdsLayer | AppLayer | ChatLayer | MembershipLayer | \
    AcceptLayer | ContactLayer | ActionLayer | CommandLayer | OtherLayer | Failed  # fmt: skip


def find(trace: tuple, cls):
    """The first layer of type ``cls`` in ``trace`` (not looking into MVDS items), or None."""
    return next((x for x in trace if isinstance(x, cls)), None)


def failure(trace: tuple) -> Failed | None:
    return trace[-1] if trace and isinstance(trace[-1], Failed) else None


def names(trace: tuple) -> list[str]:
    """The layer names of a trace, MVDS items flattened (what the corpus test compares)."""
    out: list[str] = []
    for x in trace:
        out.append(type(x).__name__ if not isinstance(x, Failed) else f"Failed({x.layer}: {x.code})")
        if isinstance(x, MvdsLayer):
            for _mid, sub in x.items:
                out.extend(names(sub))
    return out
