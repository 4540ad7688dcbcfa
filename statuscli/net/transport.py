"""The one interface every way of reaching the Waku network offers (blocking, for the app).

    t.publish(envelope) -> dict                     # NetworkError (exit 6) when refused
    t.subscribe(content_topics or None)             # (re)subscribe; None = everything
    t.receive(timeout) -> list[Received]            # what arrived; [] after ``timeout`` seconds
    t.store_query(content_topics, …) -> (list[Received], cursor)
    t.close()

Adapters: :class:`statuscli.net.control_transport.ControlSocketTransport` (a running node's control
socket: no libp2p, no trio) and :class:`statuscli.net.embedded.EmbeddedTransport` (a py-libp2p
node of our own: a light client of a service node, a relay node, or a full node). The app chooses
one (``statuscli.app.messaging.transport.open_transport``) and uses only this interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

#: nwaku answers store queries naming at most 10 content topics
STORE_TOPICS_PER_QUERY = 10


@dataclass(frozen=True, slots=True)
class Received:
    data: bytes  # encoded WakuMessage
    pubsub_topic: str
    hash: bytes | None = None


@runtime_checkable
class Transport(Protocol):
    kind: str  # control-socket | light-client | relay | embedded-node
    filters_topics: bool  # True: subscribe() names our content topics; False: it gets everything, we filter

    @property
    def description(self) -> str: ...

    def publish(self, env) -> dict: ...

    def subscribe(self, content_topics: list[str] | None = None) -> None: ...

    def receive(self, timeout: float, max_items: int = 1000) -> list[Received]: ...

    def store_query(self, content_topics: list[str], *, pubsub_topic: str, time_start: int | None = None, time_end: int | None = None,
                    cursor: bytes | None = None, limit: int = 100, forward: bool = True,
                    peer: str | None = None) -> tuple[list[Received], bytes | None]: ...  # fmt: skip

    def close(self) -> None: ...
