"""Private group chats (spec §4.6): create, add/remove members, leave, rename, admins, resolve,
and merge received events.

* Chat id = UUIDv4 ‖ ``-`` ‖ the creator's ``0x04…`` key (status-go ``CreateGroupChat``).
* Creating signs CHAT_CREATED (with the name) then MEMBERS_ADDED; adding members signs another
  MEMBERS_ADDED. Events are stored as wire bytes (signature ‖ event) and the group state is always
  rebuilt from them (``core.payloads.membership.Group``), so an invalid event can never slip in.
* What goes on the wire is a MembershipUpdateMessage holding every event (and the ChatMessage of
  a group message), sent pairwise to each member through the 1:1 path.
* Changing a group (:func:`change`) signs one event a change, as status-go does: MEMBER_REMOVED
  names one member (so removing two is two events), leaving is MEMBER_REMOVED of ourselves,
  NAME_CHANGED renames, ADMINS_ADDED promotes members, ADMIN_REMOVED is an admin stepping down
  (no one can demote another admin). Who is told: everyone who was a member before the change
  (a removed member learns of it; a member who left is told nothing more).
* Received updates: events are merged only if the merged set still forms a valid group; a group
  becomes one of ours when we are among its members (its members become 1:1 peers). A group we
  already hold keeps taking valid events after we are removed, so the removal is recorded (and
  sending to it is then refused: we are no longer a member). A NAME_CHANGED renames it locally.
"""

from __future__ import annotations

import contextlib
import uuid

from statuscli.core.crypto import secp256k1
from statuscli.core.errors import InvalidInput, NotFound, StatusCliError
from statuscli.core.payloads import membership
from statuscli.core.payloads.clock import next_clock
from statuscli.store import chats as chat_store
from statuscli.store.db import transaction


def key_text(pub: bytes) -> str:
    return "0x" + secp256k1.decompress(pub).hex()


def _tx(conn):
    """The caller's transaction when one is open (a command holding its changes until its output
    is out, or a dry run that rolls them back), else one of our own."""
    return contextlib.nullcontext(conn) if conn.in_transaction else transaction(conn)


def create(account, name: str, members: list[bytes], *, now_ms: int, rng) -> membership.Group:
    if not name.strip():
        raise InvalidInput("a group needs a name")
    conn = account.db
    me = key_text(account.chat_public_key)
    chat_id = f"{uuid.UUID(bytes=rng(16), version=4)}-{me}"
    others = [key_text(m) for m in members if key_text(m) != me]
    with _tx(conn):
        clock, _ = next_clock(0, now_ms)
        events = [membership.sign_event(chat_id, account.chat_private_key, clock=clock, type=membership.CHAT_CREATED, name=name)]
        if others:
            events.append(membership.sign_event(chat_id, account.chat_private_key, clock=clock + 1, type=membership.MEMBERS_ADDED,
                                                members=sorted(set(others))))  # fmt: skip
        group = membership.Group.from_events(chat_id, events)
        chat_store.set_clock(conn, chat_id, events[-1].clock)
        chat_store.add_group(conn, chat_id, name, now_ms)
        chat_store.add_group_events(conn, chat_id, [(e.clock, e.wire) for e in events])
        for m in members:
            chat_store.touch_peer(conn, secp256k1.decompress(m), now_ms)
    return group


def add_members(account, chat_id: str, members: list[bytes], *, now_ms: int) -> tuple[membership.Group, list[bytes]]:
    """Sign MEMBERS_ADDED for the new ones; returns the group and the keys that were added."""
    conn = account.db
    group = load(account, chat_id)
    new = sorted({key_text(m) for m in members} - set(group.members))
    if not new:
        raise InvalidInput("everyone named is already a member")
    with _tx(conn):
        clock, _ = next_clock(max(chat_store.last_clock(conn, chat_id), max(e.clock for e in group.events)), now_ms)
        ev = membership.sign_event(chat_id, account.chat_private_key, clock=clock, type=membership.MEMBERS_ADDED, members=new)
        group = membership.Group.from_events(chat_id, group.events + [ev])  # raises if we may not add
        chat_store.set_clock(conn, chat_id, clock)
        chat_store.add_group_events(conn, chat_id, [(ev.clock, ev.wire)])
        for m in new:
            chat_store.touch_peer(conn, bytes.fromhex(m[2:]), now_ms)
    return group, [bytes.fromhex(m[2:]) for m in new]


CHANGES = ("remove", "leave", "rename", "admins", "resign")


def change(account, chat_id: str, kind: str, *, members: list[bytes] = (), name: str = "",
           now_ms: int) -> tuple[membership.Group, list[bytes]]:
    """Sign our change to a group: (the group after it, the members to tell about it).

    ``kind``: ``remove`` (``members``), ``leave``, ``rename`` (``name``), ``admins`` (``members``
    become admins), ``resign`` (we stop being an admin). Refused (InvalidInput, nothing stored)
    when the group's rules do not allow it to us.
    """
    conn = account.db
    group = load(account, chat_id)
    me = key_text(account.chat_public_key)
    if me not in group.members:
        raise InvalidInput("this account is not a member of the group", hint="'statuscli group show' lists its members")
    named = sorted({key_text(m) for m in members})
    if kind == "remove":
        outside = [m for m in named if m not in group.members]
        if not named or outside:
            raise InvalidInput("name members of the group to remove" if not named else f"not a member: {outside[0][:14]}…")
        bodies = [dict(type=membership.MEMBER_REMOVED, members=[m]) for m in named]
    elif kind == "leave":
        bodies = [dict(type=membership.MEMBER_REMOVED, members=[me])]
    elif kind == "rename":
        if not name.strip():
            raise InvalidInput("a group needs a name")
        bodies = [dict(type=membership.NAME_CHANGED, name=name)]
    elif kind == "admins":
        outside = [m for m in named if m not in group.members]
        if not named or outside:
            raise InvalidInput("name members of the group to make admins" if not named else f"not a member: {outside[0][:14]}…")
        bodies = [dict(type=membership.ADMINS_ADDED, members=named)]
    elif kind == "resign":
        bodies = [dict(type=membership.ADMIN_REMOVED, members=[me])]
    else:
        raise InvalidInput(f"unknown group change {kind!r}")
    before = [m for m in group.members if m != me]
    with _tx(conn):
        clock = max(chat_store.last_clock(conn, group.chat_id), max(e.clock for e in group.events))
        events = []
        for body in bodies:
            clock, _ = next_clock(clock, now_ms)
            events.append(membership.sign_event(group.chat_id, account.chat_private_key, clock=clock, **body))
        try:
            group = membership.Group.from_events(group.chat_id, group.events + events)
        except InvalidInput as e:
            raise InvalidInput(e.message, hint="only admins remove others or add admins; an admin can only step down "
                                               "themselves ('group admins --resign')") from None  # fmt: skip
        chat_store.set_clock(conn, group.chat_id, clock)
        chat_store.add_group_events(conn, group.chat_id, [(e.clock, e.wire) for e in events])
        if kind == "rename":
            chat_store.rename_group(conn, group.chat_id, name)
    return group, [bytes.fromhex(m[2:]) for m in before]


def resolve(account, text: str) -> str:
    """A group chat id from its id or its local name."""
    conn = account.db
    known = chat_store.groups(conn)
    for chat_id, name in known:
        if text == chat_id:
            return chat_id
    matches = [cid for cid, name in known if name == text]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise InvalidInput(f"several groups are named {text!r}", hint="use the group's chat id ('statuscli group list')")
    raise NotFound(f"no group {text!r}", hint="list groups with 'statuscli group list'; create one with 'statuscli group create'")


def load(account, chat_id: str) -> membership.Group:
    chat_id = resolve(account, chat_id)
    wires = chat_store.group_events(account.db, chat_id)
    return membership.Group.from_events(chat_id, [membership.parse_event(chat_id, w) for w in wires])


def list_groups(account) -> list[dict]:
    out = []
    for chat_id, name in chat_store.groups(account.db):
        try:
            g = load(account, chat_id).to_json()
        except StatusCliError as e:
            g = {"chat_id": chat_id, "error": e.message}
        g["local_name"] = name
        out.append(g)
    return out


def recipients(account, group: membership.Group) -> list[bytes]:
    me = key_text(account.chat_public_key)
    if me not in group.members:
        raise InvalidInput("this account is not a member of the group")
    return [bytes.fromhex(m[2:]) for m in group.members if m != me]


def encode_update(account, group: membership.Group, *, chat_message: bytes | None = None) -> bytes:
    return membership.encode_update(group.chat_id, group.events, chat_message=chat_message)


def merge(conn, account, update: membership.MembershipUpdate, now_ms: int) -> tuple[membership.Group | None, int, bool]:
    """Merge a received update (inside a transaction): (group or None if invalid, new events, the
    group is ours: we are a member, or were one and hold it)."""
    stored = [membership.parse_event(update.chat_id, w) for w in chat_store.group_events(conn, update.chat_id)]
    seen = {e.wire for e in stored}
    incoming = [e for e in update.events if e.wire not in seen]
    try:
        group = membership.Group.from_events(update.chat_id, stored + incoming)
    except StatusCliError:
        return None, 0, False
    me = key_text(account.chat_public_key)
    member = me in group.members
    if (member or stored) and incoming:  # a group we hold records our own removal too
        chat_store.add_group(conn, update.chat_id, group.name or update.chat_id[:8], now_ms)
        chat_store.add_group_events(conn, update.chat_id, [(e.clock, e.wire) for e in incoming])
        chat_store.set_clock(conn, update.chat_id, max(e.clock for e in group.events))
        if any(e.type == membership.NAME_CHANGED for e in incoming) and group.name:
            chat_store.rename_group(conn, update.chat_id, group.name)
        for m in group.members:
            if m != me:
                chat_store.touch_peer(conn, bytes.fromhex(m[2:]), now_ms)
    return group, len(incoming), member or bool(stored)
