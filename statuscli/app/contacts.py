"""Contacts: names, the state status-go keeps per person, blocking, and checking who a key is.

A contact is a public key with any of: a local name (``peer_contacts``), contact state
(``contact_state``: added by us / added us / mutual, blocked, the newest contact request), and the
identity formats a person compares to make sure the key is the one they expect (three-word alias,
emoji hash, colour hash).

State moves follow status-go's rules (:mod:`statuscli.core.contact_relation`: each side's newest
move wins, by clock). The send and receive paths call the ``on_*`` hooks inside their own
transaction; :func:`add`, :func:`remove` and :func:`decline` are the moves made here without a
message (no node, or a silent decline):

    we add / request / accept   added_by_us; request pending-out, or accepted when they had asked
    we decline                  request declined (we are not added)
    we remove                   neither side added; request removed; names go, a block stays
    a request / ContactUpdate   added_us; request pending-in (accepted if we had added them)
    they accept ours            added_us; request accepted
    they retract (remove us)    neither added; request removed
    their propagated state      DISMISSED after our request: request declined
    contacts block KEY          blocked: their messages are dropped before anything is stored

ENS names (``add``/``verify`` given an :class:`statuscli.app.ens.EnsSource`): a PEER that looks like
``NAME.eth`` and is not already a contact name is resolved to its chat key through the registry;
``add`` then names the contact after it (unless ``--name`` says otherwise), and ``verify`` checks a
name a peer claims (``ens_name``, or else ``claimed_ens_name``: what their chat messages
(``on_ens_claim``) or ContactUpdate claimed): it must resolve to the peer's key, else IdentityMismatch.
"""

from __future__ import annotations

from statuscli.app.peers import add_contact, is_valid_contact_name, resolve_peer
from statuscli.core import contact_relation as rel
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


def resolve_contact(account, peer: str, ens_source=None):
    """``(key, EnsRecord or None)`` for a PEER argument (an ENS name through ``ens_source``)."""
    return _peer_or_ens(account, peer, ens_source)


def add(account, peer: str, name: str | None, now_ms: int, ens_source=None) -> dict:
    key, record = _peer_or_ens(account, peer, ens_source)
    if key == account.chat_public_key:
        raise InvalidInput("that is this account's own key")
    if name is None and record is not None and is_valid_contact_name(record.name):
        name = record.name
    if name:
        add_contact(account, name, key, now_ms)
    with transaction(account.db):  # here only (nothing sent): pending-out, or accepted when they had asked
        on_we_requested(account.db, key, None, local_clock(account.db, key, now_ms), now_ms)
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
    """Remove PEER here only (nothing sent): names go, neither side counts as added; a block stays."""
    key = resolve_peer(account, peer)
    with transaction(account.db):
        for n in names_of(account, key):
            peer_store.remove_contact(account.db, n)
        on_we_removed(account.db, key, local_clock(account.db, key, now_ms), now_ms)
    return describe(account, key)


def decline(account, peer: str, now_ms: int) -> dict:
    """Decline PEER's contact request here only (nothing sent, as status-go does)."""
    key = resolve_peer(account, peer)
    with transaction(account.db):
        require_pending_in(account.db, key)
        on_we_declined(account.db, key, local_clock(account.db, key, now_ms), now_ms)
    return describe(account, key)


def require_pending_in(conn, key: bytes) -> state_store.ContactState:
    st = state_store.get(conn, key)
    if st.request != "pending-in":
        raise NotFound(f"no contact request from this person is waiting (request: {st.request})",
                       hint="'statuscli contacts show PEER' shows the state; 'statuscli listen' receives requests")  # fmt: skip
    return st


def local_clock(conn, key: bytes, now_ms: int) -> int:
    """The clock of a move made here without a message: now, or just after our newest move."""
    return max(now_ms, state_store.get(conn, key).local_clock + 1)


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
    against the chain now (PEER given as NAME.eth, ``ens_name``, or — with an Ethereum node to ask —
    the name PEER's messages claimed, ``claimed_ens_name``), else null."""
    from statuscli.app.ens import EnsSource
    from statuscli.core.errors import IdentityMismatch

    key, record = _peer_or_ens(account, peer, ens_source)
    out = describe(account, key)
    claimed = out["claimed_ens_name"]  # from their messages or their ContactUpdate (describe)
    if ens_name is None and claimed is not None and ens_source is not None and ens_source.rpc_url:
        ens_name = claimed  # what their messages claimed, checked now that a node can answer
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
# Each moves the relation by one step of core.contact_relation and returns the state after it.
def state(conn, key: bytes) -> state_store.ContactState:
    """Their whole contact row in one read (the receive path checks ``blocked`` on it and hands it
    to :func:`on_propagated`, so a received message reads the row once)."""
    return state_store.get(conn, key)


def count_dropped(conn, key: bytes) -> None:
    require_transaction(conn)
    state_store.count_dropped(conn, key)


def _move(conn, key: bytes, now_ms: int, step, *args, **fields) -> state_store.ContactState:
    require_transaction(conn)
    before = state_store.get(conn, key)
    after = step(before.relation(), *args)
    if after == before.relation() and not fields:
        return before
    return state_store.set_relation(conn, key, after, now_ms, **fields)


def on_contact_request(conn, key: bytes, request_id: str, clock: int, now_ms: int) -> state_store.ContactState:
    """A CONTACT_REQUEST ChatMessage from them (status-go ignores one from a contact we declined: so do we)."""
    st = state_store.get(conn, key)
    if st.relation().we_declined:
        return st
    return _move(conn, key, now_ms, rel.they_request, clock, request_id=request_id)


def on_they_accepted(conn, key: bytes, clock: int, now_ms: int) -> state_store.ContactState:
    return _move(conn, key, now_ms, rel.they_request, clock)


def on_they_retracted(conn, key: bytes, clock: int, now_ms: int) -> state_store.ContactState:
    return _move(conn, key, now_ms, rel.they_retract, clock)


def on_propagated(conn, key: bytes, propagated, now_ms: int, known: state_store.ContactState | None = None) -> state_store.ContactState:
    """Their view of the relation (ContactRequestPropagatedState in a ContactUpdate or a 1:1 ChatMessage).
    ``known``: their row as read earlier in this transaction (nothing moved it since), saving a read."""
    st = known if known is not None and known.public_key == key else state_store.get(conn, key)
    after = rel.they_propagate(st.relation(), propagated)
    fields = {}
    if after.request == "pending-in" and st.request != "pending-in":
        fields["request_id"] = default_request_id(key)  # no message id: status-go's default for this case
    return _move(conn, key, now_ms, lambda r: after, **fields) if after != st.relation() else st


def on_contact_update(conn, key: bytes, update, now_ms: int) -> state_store.ContactState:
    """A ContactUpdate from them: their propagated state, then (when newer than the last) their
    display name, claimed ENS name and contact request clock (``HandleContactUpdate``)."""
    st = on_propagated(conn, key, update.propagated, now_ms) if update.propagated is not None else state_store.get(conn, key)
    if update.clock <= st.update_clock:
        return st
    fields = {"update_clock": update.clock, "claimed_ens_name": update.ens_name or None}
    if update.display_name:
        fields["display_name"] = update.display_name
    after = rel.they_request(st.relation(), update.contact_request_clock) if update.contact_request_clock else st.relation()
    if after.request == "pending-in" and st.request != "pending-in":
        fields["request_id"] = default_request_id(key)
    return _move(conn, key, now_ms, lambda r: after, **fields)


def on_we_accepted(conn, key: bytes, request_id: str, clock: int, now_ms: int) -> state_store.ContactState:
    return _move(conn, key, now_ms, rel.we_request, clock, request_id=request_id)


def on_we_requested(conn, key: bytes, request_id: str | None, clock: int, now_ms: int) -> state_store.ContactState:
    fields = {"request_id": request_id} if request_id else {}
    return _move(conn, key, now_ms, rel.we_request, clock, **fields)


def on_we_declined(conn, key: bytes, clock: int, now_ms: int) -> state_store.ContactState:
    return _move(conn, key, now_ms, rel.we_decline, clock)


def on_we_removed(conn, key: bytes, clock: int, now_ms: int) -> state_store.ContactState:
    return _move(conn, key, now_ms, rel.we_remove, clock)


def default_request_id(key: bytes) -> str:
    """status-go's id for a request known only from a ContactUpdate: ``0x`` + hex(key) + ``20``
    (``messenger_contacts.go:defaultContactRequestID``)."""
    return "0x" + key.hex() + "20"


def on_ens_claim(conn, key: bytes, claim: str, clock: int, now_ms: int) -> str | None:
    """The ENS name a received ChatMessage claims for its author (status-go's verifier records such a
    claim to check it later): kept as ``claimed_ens_name`` of a person we already keep state for,
    unless a newer message or ContactUpdate set it; the normalised name, or None if not a name."""
    from statuscli.core.ens import looks_like_ens_name, normalize
    from statuscli.core.errors import InvalidEnsName

    require_transaction(conn)
    if not claim or not looks_like_ens_name(claim):
        return None
    try:
        name = normalize(claim)
    except InvalidEnsName:
        return None
    state_store.set_ens_claim(conn, key, name, clock, now_ms)
    return name
