"""Contacts: names, the state status-go keeps per person, blocking, and checking who a key is.

A contact is a public key with any of: a local name (``peer_contacts``), contact state
(``contact_state``: added by us / added us / mutual, blocked, the newest contact request), and the
identity formats a person compares to make sure the key is the one they expect (three-word alias,
emoji hash, colour hash).

State moves (the receive path and ``send --accept-contact-request`` call the ``on_*`` hooks inside
their own transaction):

    contacts add KEY            added_by_us; a pending request from them becomes accepted
    a contact request arrives   added_us; request pending-in (accepted if we had added them)
    we accept their request     added_by_us; request accepted
    they accept ours            added_us; request accepted
    contacts block KEY          blocked: their messages are dropped before anything is stored
    contacts remove NAME|KEY    name(s) and added_by_us cleared; blocked is kept

ENS names (``add``/``verify`` given an :class:`statuscli.app.ens.EnsSource`): a PEER that looks like
``NAME.eth`` and is not already a contact name is resolved to its chat key through the registry;
``add`` then names the contact after it (unless ``--name`` says otherwise), and ``verify`` checks a
name a peer claims (``ens_name``): it must resolve to the peer's key, else IdentityMismatch.
"""

from __future__ import annotations

from statuscli.app.peers import add_contact, is_valid_contact_name, resolve_peer
from statuscli.core.errors import InvalidInput, NotFound
from statuscli.store import contacts as state_store
from statuscli.store import peers as peer_store
from statuscli.store.db import require_transaction, transaction


def names_of(account, key: bytes) -> list[str]:
    return [n for n, k in peer_store.contacts(account.db) if k == key]


def describe(account, key: bytes) -> dict:
    """A contact as every command shows it: name(s), keys, identity formats, state."""
    from statuscli.core.identity.profile import public_profile

    prof = public_profile(key)
    names = names_of(account, key)
    return {"name": names[0] if names else None, "names": names, "public_key": prof["public_key"],
            "compressed_key": prof["compressed_key"], "alias": prof["alias"], "emoji_hash": prof["emoji_hash"],
            "color_hash": prof["color_hash"], **state_store.get(account.db, key).to_json()}  # fmt: skip


def listing(account) -> list[dict]:
    keys: list[bytes] = []
    for _name, k in peer_store.contacts(account.db):
        if k not in keys:
            keys.append(k)
    for st in state_store.all_states(account.db):
        if st.public_key not in keys:
            keys.append(st.public_key)
    return [describe(account, k) for k in keys]


def _peer_or_ens(account, peer: str, ens_source):
    """``(key, EnsRecord or None)``: an ENS name (not a contact name) through ``ens_source``, else resolve_peer."""
    from statuscli.core.ens import looks_like_ens_name

    if ens_source is not None and looks_like_ens_name(peer) and peer_store.contact(account.db, peer.strip()) is None:
        record = ens_source.resolve(peer)
        return record.public_key, record
    return resolve_peer(account, peer), None


def add(account, peer: str, name: str | None, now_ms: int, ens_source=None) -> dict:
    key, record = _peer_or_ens(account, peer, ens_source)
    if key == account.chat_public_key:
        raise InvalidInput("that is this account's own key")
    if name is None and record is not None and is_valid_contact_name(record.name):
        name = record.name
    if name:
        add_contact(account, name, key, now_ms)
    with transaction(account.db):
        st = state_store.get(account.db, key)
        fields = {"added_by_us": True}
        if st.request == "pending-in":
            fields["request"] = "accepted"
        state_store.update(account.db, key, now_ms, **fields)
    return {**describe(account, key), "ens": record.to_json() if record else None}


def rename(account, old: str, new: str, now_ms: int) -> dict:
    key = peer_store.contact(account.db, old)
    if key is None:
        raise NotFound(f"no contact named {old!r}", hint="'statuscli contacts list' shows the names")
    add_contact(account, new, key, now_ms)
    with transaction(account.db):
        peer_store.remove_contact(account.db, old)
    return describe(account, key)


def remove(account, peer: str, now_ms: int) -> dict:
    key = resolve_peer(account, peer)
    with transaction(account.db):
        for n in names_of(account, key):
            peer_store.remove_contact(account.db, n)
        state_store.update(account.db, key, now_ms, added_by_us=False)
    return describe(account, key)


def set_blocked(account, peer: str, blocked: bool, now_ms: int) -> dict:
    key = resolve_peer(account, peer)
    if key == account.chat_public_key:
        raise InvalidInput("that is this account's own key")
    with transaction(account.db):
        state_store.update(account.db, key, now_ms, blocked=blocked)
    return describe(account, key)


def verify(account, peer: str, *, alias: str | None = None, emoji_hash: str | None = None,
           ens_name: str | None = None, ens_source=None) -> dict:
    """The identity formats of PEER side by side; with ``alias``/``emoji_hash`` (what the person
    told us out of band) or ``ens_name`` (a name they claim) also whether each belongs to PEER's
    key — a mismatch is IdentityMismatch (exit 4). ``ens_name`` in the result is a name checked
    against the chain now (PEER given as NAME.eth, or ``ens_name``), else null."""
    from statuscli.app.ens import EnsSource
    from statuscli.core.errors import IdentityMismatch

    key, record = _peer_or_ens(account, peer, ens_source)
    out = describe(account, key)
    checks = {}
    ens_problem = ""
    if ens_name is not None:
        try:
            record = (ens_source or EnsSource(None)).verify_claim(ens_name, key)
            checks["ens_name"] = True
        except IdentityMismatch as exc:
            checks["ens_name"], ens_problem = False, f" ({exc.message})"
    out["ens_name"] = record.name if record is not None else None
    out["ens"] = record.to_json() if record is not None else None
    if alias is not None:
        checks["alias"] = alias.strip().lower() == out["alias"].lower()
    if emoji_hash is not None:
        checks["emoji_hash"] = "".join(emoji_hash.split()) == "".join(out["emoji_hash"])
    out["checks"] = checks
    if checks and not all(checks.values()):
        bad = ", ".join(k for k, ok in checks.items() if not ok)
        raise IdentityMismatch(f"the {bad} you were given does not belong to this key{ens_problem}",
                                 hint="this key is not the person you think it is; do not trust it")  # fmt: skip
    return out


# --- hooks for the receive and send paths (inside the caller's transaction) -----------------------
def blocked(conn, key: bytes) -> bool:
    return state_store.is_blocked(conn, key)


def count_dropped(conn, key: bytes) -> None:
    require_transaction(conn)
    state_store.count_dropped(conn, key)


def on_contact_request(conn, key: bytes, request_id: str, now_ms: int) -> None:
    require_transaction(conn)
    st = state_store.get(conn, key)
    state_store.update(conn, key, now_ms, added_us=True, request_id=request_id,
                       request="accepted" if st.added_by_us else "pending-in")  # fmt: skip


def on_they_accepted(conn, key: bytes, now_ms: int) -> None:
    require_transaction(conn)
    state_store.update(conn, key, now_ms, added_us=True, request="accepted")


def on_we_accepted(conn, key: bytes, request_id: str, now_ms: int) -> None:
    require_transaction(conn)
    state_store.update(conn, key, now_ms, added_by_us=True, request="accepted", request_id=request_id)


def on_we_requested(conn, key: bytes, request_id: str, now_ms: int) -> None:
    require_transaction(conn)
    st = state_store.get(conn, key)
    state_store.update(conn, key, now_ms, added_by_us=True, request_id=request_id,
                       request="accepted" if st.request in ("pending-in", "accepted") else "pending-out")  # fmt: skip
