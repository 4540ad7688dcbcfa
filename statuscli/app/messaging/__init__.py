"""Messaging end to end: every layer as one path, both ways, over any transport.

Modules (one concern each)::

    content     what a user sends → ChatMessage bytes → signed wrapper + message id
    topics      which content topic and key a message goes on; the set an account listens to
    waku_layer  payload v1 (signed; ECIES or AES-GCM) inside a WakuMessage, segments; and back
    mvds_link   MVDS per 1:1 peer (batch mode, persisted): append, due payloads, receive
    messenger   the outgoing side: 1:1, public channels, private groups, MVDS ticks → envelopes
    incoming    the incoming side: one envelope peeled into events (never a silent failure)
    groups      private groups: create, add members, merge received membership events
    events      the event vocabulary ``listen``/``mailserver fetch`` print, and its text form
    history     store queries (``mailserver fetch``, catch-up after a pause), the checkpoint
    bundles     our contact-code advertisement; a peer's bundle from the store
    listener    the ``listen`` loop (replay from a cursor, catch up, live, ticks, restarts)
    transport   control socket (no libp2p) and transport selection
    embedded    a py-libp2p node of our own in a thread (light client, relay, or the demo's node)
    demo        ``statuscli demo``: the life of a message, step by step

Typical use (what ``send`` and ``listen`` do)::

    from statuscli.app.messaging.messenger import Messenger
    from statuscli.app.messaging.content import Content
    from statuscli.app.messaging.transport import ControlSocketTransport

    m = Messenger(account)
    t = ControlSocketTransport(socket_path)
    sent = m.send_direct(peer_key, Content(text="hello"))
    for env in sent.envelopes:
        t.publish(env)
    m.published(sent.envelopes)
"""
