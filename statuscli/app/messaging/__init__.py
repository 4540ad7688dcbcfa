"""Messaging end to end: every layer as one path, both ways, over any transport.

Modules (one concern each)::

    content     what a user sends → ChatMessage bytes → signed wrapper + message id
    topics      which content topic and key a message goes on; the account's key ring (listen_set)
    waku_layer  payload v1 (signed; ECIES or AES-GCM) inside a WakuMessage, segments (sending side)
    mvds_link   MVDS per 1:1 peer (batch mode, persisted as rows): append, due payloads, receive
    sending     the ``send`` use case: build in one transaction, write the result, commit, publish
    messenger   the outgoing side: 1:1, public channels, private groups, MVDS ticks → envelopes
    incoming    the incoming side: one envelope peeled and handled in one transaction → events
    trace_apply the inner layers of that trace (ratchet, MVDS, application) applied → state, events
    groups      private groups: create, add members, merge received membership events
    events      the typed events ``listen``/``mailserver fetch`` print (to_json, text); those about
                people and our devices in events_people, the envelope reference in events_base
    history     store queries (``mailserver fetch``, catch-up after a pause), the checkpoint
    bundles     our contact-code advertisement; a peer's bundle from the store
    listener    the ``listen`` loop (replay from a cursor, catch up, live, ticks, restarts)
    transport   transport selection (the adapters are in net/: transport, control_transport, embedded)
    demo        ``statuscli demo``: the life of a message, step by step

The receive path, one peel and two consumers::

    core/receive/keyring.py     TopicKey, KeyRing: the keys that may open a topic (one ring per account)
    core/receive/layers.py      the typed trace: WakuLayer … ChatLayer, Failed(layer, code, message)
    core/receive/peel.py        bytes → trace, sans-IO; ports for the ratchet step and segments;
                                attribution (sender-mismatch) decided here
    app/secure_receive.py       the ratchet step (prepare → pending writes → apply) and its port
    app/messaging/incoming.py   listen / mailserver fetch: one envelope — de-dup, outer layers, peel,
                                ONE transaction, failures → events
    app/messaging/trace_apply.py  what the inner layers (ratchet, MVDS, application) change and the
                                events they become, inside that transaction
    app/messaging/events.py     the closed set of event classes, their JSON and text
    app/inspect.py              envelope inspect: the same peel, read-only (or --commit), and what
                                this account already received
    app/inspect_render.py       the trace as inspect's layer tree (JSON shape kept)

Typical use (what ``send`` and ``listen`` do)::

    from statuscli.app.messaging.messenger import Messenger
    from statuscli.app.messaging.content import Content
    from statuscli.net.control_transport import ControlSocketTransport

    m = Messenger(account)
    t = ControlSocketTransport(socket_path)
    sent = m.send_direct(peer_key, Content(text="hello"))
    for env in sent.envelopes:
        t.publish(env)
    m.published(sent.envelopes)
"""
