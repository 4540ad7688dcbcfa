"""What every event shares: the envelope it came in (:class:`EnvelopeRef`) and the name lookup
its text form uses (:data:`Who`). Split from :mod:`statuscli.app.messaging.events` so the event
classes can live in more than one module without importing each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from statuscli.core.encoding import to_hex as hx

Who = Callable[[str | None], str]


@dataclass(frozen=True)
class EnvelopeRef:
    """The envelope an event came in (``None`` fields when it did not even decode)."""

    hash: bytes
    pubsub_topic: str
    content_topic: str | None
    timestamp: int | None
    raw: bytes

    def to_json(self) -> dict:
        return {"hash": hx(self.hash), "pubsub_topic": self.pubsub_topic, "content_topic": self.content_topic,
                "timestamp": self.timestamp, "envelope": hx(self.raw)}  # fmt: skip


def _env(ref: EnvelopeRef | None) -> dict:
    return ref.to_json() if ref is not None else {}
