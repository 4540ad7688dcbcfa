"""History from a store node (``mailserver fetch``, and ``listen``'s catch-up after a pause).

Store v3 queries (``/vac/waku/store-query/3.0.0``) for the account's content topics — at most 10 per
query, as nwaku requires — oldest first, following the cursor page by page. Every envelope goes
through the same :class:`~statuscli.app.messaging.incoming.Receiver` as live traffic, so what was
already seen is skipped and what is new is decrypted, fed to MVDS and stored. Afterwards one MVDS
tick sends the acks now owed (senders stop retransmitting and see ``delivered``).

The **checkpoint** (``msg_sync`` ``checkpoint_ns``) is the time up to which the account has heard
everything: ``listen`` advances it while subscribed, ``mailserver fetch`` when it covered up to
now. Catch-up starts :data:`CATCH_UP_MARGIN_NS` before it (clock skew, messages in flight).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from statuscli.app.messaging.topics import PUBSUB_TOPIC
from statuscli.store import messages as msg_store
from statuscli.store.db import transaction

CHECKPOINT = "checkpoint_ns"
CATCH_UP_MARGIN_NS = 60 * 1_000_000_000
TOPICS_PER_QUERY = 10


@dataclass
class FetchStats:
    pages: int = 0
    envelopes: int = 0
    new_events: int = 0
    duplicates: int = 0
    not_ours: int = 0
    undecryptable: int = 0
    acks_sent: int = 0

    def to_json(self) -> dict:
        return {"type": "summary", **self.__dict__}


def checkpoint(account) -> int | None:
    return msg_store.get_mark(account.db, CHECKPOINT)


def advance_checkpoint(account, ns: int) -> None:
    with transaction(account.db):
        msg_store.raise_mark(account.db, CHECKPOINT, ns)


def fetch(messenger, receiver, transport, *, content_topics: list[str], since_ns: int | None, until_ns: int | None,
          page_size: int = 100, peer: str | None = None, emit: Callable[[dict], None] = lambda e: None,
          progress: Callable[[FetchStats], None] = lambda s: None, send_acks: bool = True) -> FetchStats:  # fmt: skip
    """Page through the store for ``content_topics``; each new event goes to ``emit``."""
    stats = FetchStats()
    topics = sorted(set(content_topics))
    for i in range(0, len(topics), TOPICS_PER_QUERY):
        chunk = topics[i : i + TOPICS_PER_QUERY]
        cursor = None
        while True:
            items, cursor = transport.store_query(chunk, pubsub_topic=PUBSUB_TOPIC, time_start=since_ns, time_end=until_ns,
                                                  cursor=cursor, limit=page_size, forward=True, peer=peer)  # fmt: skip
            stats.pages += 1
            for r in items:
                stats.envelopes += 1
                handled = receiver.handle_safely(r.data, r.pubsub_topic)
                if handled.duplicate:
                    stats.duplicates += 1
                elif not handled.ours:
                    stats.not_ours += 1
                for e in handled.events:
                    stats.new_events += 1
                    stats.undecryptable += e["type"] == "undecryptable"
                    emit(e)
                _publish(messenger, transport, handled.replies)
            progress(stats)
            if cursor is None or not items:
                break
    if send_acks:
        envs, expired = messenger.tick()
        _publish(messenger, transport, envs)
        stats.acks_sent = len(envs)
        for e in _log(messenger, expired):
            emit(e)
    return stats


def _publish(messenger, transport, envelopes) -> None:
    for env in envelopes:
        transport.publish(env)
    messenger.published(envelopes)


def _log(messenger, events: list[dict]) -> list[dict]:
    """Store events that did not come with an envelope (expired records) and give them cursors."""
    if not events:
        return []
    conn, now = messenger.account.db, messenger.now_ms()
    with transaction(conn):
        for e in events:
            e["cursor"] = msg_store.append_event(conn, e, now)
    return events
