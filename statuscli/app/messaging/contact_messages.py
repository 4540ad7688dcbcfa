"""The messages that move contact state (core.payloads.contact_requests): sending them, applying received ones.

Sending (each a signed application message on the 1:1 chat, through MVDS like a chat message;
the state move and the message share one transaction and one clock — the message's):

    update(m, peer)        ContactUpdate after ``we_request``: what status-go's AddContact sends
                           before the CONTACT_REQUEST ChatMessage (``contacts add``)
    decline(m, peer)       ContactUpdate after ``we_decline``: its propagated state says DISMISSED
                           (status-go sends nothing on a decline; this is how the requester learns)
    retract(m, peer)       RetractContactRequest {clock} after ``we_remove`` (``contacts remove``)

Receiving (inside the envelope's transaction; the author is the wrapper's signer, which the peel
has tied to the session or payload signer): a ContactUpdate moves the state by its propagated
state and contact request clock (``contact_update``, or ``contact_request_declined`` when it says
they declined our request); a RetractContactRequest is ``contact_removed``.
"""

from __future__ import annotations

from statuscli.app import contacts
from statuscli.app.messaging import events as ev
from statuscli.core.crypto import secp256k1
from statuscli.core.payloads import contact_requests as codec
from statuscli.core.payloads import message_types
from statuscli.store import chats as chat_store

CONTACT_UPDATE = message_types.CONTACT_UPDATE
RETRACT = message_types.BY_NAME["RETRACT_CONTACT_REQUEST"]
#: status-go's customization colour id when an account has none (``ColorToIDFallbackToBlue``)
BLUE = 4


def _key_text(pub: bytes) -> str:
    return "0x" + secp256k1.decompress(pub).hex()


def _send(m, peer: bytes, amm_type: int, payload_for_clock):
    from statuscli.core.errors import InvalidInput

    peer = secp256k1.decompress(peer)
    if peer == m.account.chat_public_key:
        raise InvalidInput("that is this account's own key", hint="name another account's key or contact name")
    return m._send_pairwise([peer], "one-to-one", _key_text(peer), lambda clock: payload_for_clock(peer, clock), amm_type, "")


def update(m, peer: bytes, display_name: str = ""):
    """We add ``peer``: the state moves (pending-out, or accepted when they had asked), then the ContactUpdate."""

    def payload(peer: bytes, clock: int) -> bytes:  # called inside the message's transaction
        st = contacts.on_we_requested(m.account.db, peer, None, clock, m.now_ms())
        return codec.encode_contact_update(codec.ContactUpdate(clock, display_name, "", clock, st.relation().propagated(),
                                                               _key_text(peer), BLUE))  # fmt: skip

    return _send(m, peer, CONTACT_UPDATE, payload)


def decline(m, peer: bytes, display_name: str = ""):
    """We decline ``peer``'s request; the ContactUpdate carries no request clock (status-go would read
    one as a new request), only our propagated state with DISMISSED."""

    def payload(peer: bytes, clock: int) -> bytes:
        st = contacts.on_we_declined(m.account.db, peer, clock, m.now_ms())
        return codec.encode_contact_update(codec.ContactUpdate(clock, display_name, "", 0, st.relation().propagated(), _key_text(peer), BLUE))

    return _send(m, peer, CONTACT_UPDATE, payload)


def retract(m, peer: bytes):
    """We remove ``peer`` and tell them: RetractContactRequest with the clock only, as status-go."""

    def payload(peer: bytes, clock: int) -> bytes:
        contacts.on_we_removed(m.account.db, peer, clock, m.now_ms())
        return codec.encode_retract(clock)

    return _send(m, peer, RETRACT, payload)


def plan_add(account, key: bytes, text: str) -> list:
    """What adding ``key`` sends, as status-go: accepting their waiting request (AcceptContactRequest),
    else a ContactUpdate and a CONTACT_REQUEST ChatMessage with ``text``."""
    from statuscli.app.messaging.content import Content
    from statuscli.app.messaging.sending import Outgoing

    st = contacts.state_store.get(account.db, key)
    if st.request == "pending-in" and st.request_id:
        return [Outgoing.accept(key, st.request_id)]
    return [Outgoing.contact(key, "update"), Outgoing.direct(key, Content(text=text, contact_request=True))]


# --- receiving ------------------------------------------------------------------------------------
def apply_received(handler, layer, app, layers: list[str]) -> list:
    """Inside the envelope's transaction: one received ContactUpdate / RetractContactRequest."""
    from statuscli.core.identity.keytext import compressed_key

    conn, now = handler.conn, handler.now
    author = secp256k1.decompress(app.signer)
    sender = _key_text(author)
    before = contacts.state_store.get(conn, author)
    chat_store.touch_peer(conn, author, now)
    chat_store.set_clock(conn, sender, layer.clock)
    handler.store_action(app, "one-to-one", sender, layer.clock, "")
    if app.type == RETRACT:
        st = contacts.on_they_retracted(conn, author, layer.clock, now)
        kind, details = "contact_removed", {}
    else:
        u: codec.ContactUpdate = layer.message
        st = contacts.on_contact_update(conn, author, u, now)
        declined = st.request == "declined" and st.added_by_us and before.request != "declined"
        kind = "contact_request_declined" if declined else "contact_update"
        details = {"display_name": u.display_name, "ens_name": u.ens_name, "contact_request_clock": u.contact_request_clock,
                   "propagated_state": u.propagated.to_json() if u.propagated else None}  # fmt: skip
    state = {"added_by_us": st.added_by_us, "added_us": st.added_us, "mutual": st.mutual, "request": st.request}
    return [ev.ContactChange(kind, ev.hx(app.id), sender, compressed_key(author), layer.clock, details, state, tuple(layers), handler.env)]
