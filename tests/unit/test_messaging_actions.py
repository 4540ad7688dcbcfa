"""Reactions, edits, deletes and pins through the whole pipeline both ways (no network): typed events
with the target, chat and author; an edit or delete by anyone but the author is refused and reported."""

from __future__ import annotations

from statuscli.app.messaging import actions
from statuscli.app.messaging.content import Content
from statuscli.core.payloads import actions as codec
from statuscli.core.payloads import chat as chat_payload
from statuscli.store import messages as msg_store
from tests.unit.test_messaging import clock, parties  # noqa: F401  (fixtures)


def acts(events: list[dict]) -> list[dict]:
    return [e for e in events if e["type"] not in ("bundle", "delivered")]


def hx(b: bytes) -> str:
    return "0x" + b.hex()


def test_one_to_one_reaction_edit_pin_delete(parties):
    alice, bob = parties("alice", "bob")
    sent = alice.m.send_direct(bob.key, Content(text="helo"))
    (msg,) = [e for e in bob.take(sent.envelopes) if e["type"] == "message"]
    mid, chat = msg["id"], hx(bob.key)
    cases = [
        (lambda c: codec.Reaction(c, chat, mid, chat_payload.ONE_TO_ONE, 2), "reaction", {"emoji": "thumbs-up", "retracted": False}),
        (lambda c: codec.Reaction(c, chat, mid, chat_payload.ONE_TO_ONE, 2, True), "reaction", {"retracted": True}),
        (lambda c: codec.Edit(c, chat, mid, chat_payload.ONE_TO_ONE, "hello"), "edited", {"text": "hello"}),
        (lambda c: codec.Pin(c, chat, mid, chat_payload.ONE_TO_ONE, True), "pinned", {"pinned": True}),
        (lambda c: codec.Delete(c, chat, mid, chat_payload.ONE_TO_ONE), "deleted", {"for_me": False}),
    ]
    for make, kind, want in cases:
        out = actions.send(alice.m, "one-to-one", hx(bob.key), make)
        (e,) = acts(bob.take(out.envelopes))
        assert e["type"] == kind and e["target"] == mid and e["from"] == hx(alice.key), e
        assert e["chat"] == {"kind": "one-to-one", "id": hx(alice.key)} and e["target_known"] is True
        assert want.items() <= e.items(), (want, e)
        if kind == "edited":
            assert msg_store.messages(bob.account.db)[-1]["text"] in ("hello", "")


def test_an_edit_or_delete_by_someone_else_is_refused(parties):
    alice, bob, mallory = parties("alice", "bob", "mallory")
    for p in (alice, bob, mallory):
        p.r.extra_channels = ("square",)
        p.r.refresh(force=True)
    sent = alice.m.send_public("square", Content(text="original"))
    (msg,) = [e for e in bob.take(sent.envelopes) if e["type"] == "message"]
    mid = msg["id"]
    for make in (lambda c: codec.Edit(c, "square", mid, chat_payload.PUBLIC_GROUP, "forged"),
                 lambda c: codec.Delete(c, "square", mid, chat_payload.PUBLIC_GROUP)):  # fmt: skip
        out = actions.send(mallory.m, "public", "square", make)
        (e,) = acts(bob.take(out.envelopes))
        assert e["type"] == "undecryptable" and e["layer"] == "message-action" and e["reason"]["code"] == "not-the-author", e
    assert [m["text"] for m in msg_store.messages(bob.account.db, "square") if m["amm_type"] == 1] == ["original"]
    # a reaction from anyone is fine; alice's own edit goes through
    out = actions.send(mallory.m, "public", "square", lambda c: codec.Reaction(c, "square", mid, chat_payload.PUBLIC_GROUP, 1))
    (e,) = acts(bob.take(out.envelopes))
    assert e["type"] == "reaction" and e["emoji"] == "love" and e["chat"] == {"kind": "public", "id": "square"}
    out = actions.send(alice.m, "public", "square", lambda c: codec.Edit(c, "square", mid, chat_payload.PUBLIC_GROUP, "edited"))
    (e,) = acts(bob.take(out.envelopes))
    assert e["type"] == "edited" and e["text"] == "edited"
    assert [m["text"] for m in msg_store.messages(bob.account.db, "square") if m["amm_type"] == 1] == ["edited"]


def test_delete_for_me_sends_nothing_and_logs_the_event(parties):
    alice, bob = parties("alice", "bob")
    sent = alice.m.send_direct(bob.key, Content(text="embarrassing"))
    (msg,) = [e for e in bob.take(sent.envelopes) if e["type"] == "message"]
    e = actions.delete_for_me(bob.m, msg["id"])
    assert e["type"] == "deleted" and e["for_me"] is True and e["cursor"] > msg["cursor"]
    assert msg_store.messages(bob.account.db)[-1]["text"] == ""
