"""``statuscli demo``: the life of a message, step by step, on a node started for the occasion.

An embedded full Waku node (relay, lightpush, filter, store on SQLite, a control socket) and two
throwaway accounts, Alice and Bob, in a temporary home. Each step yields a dict ``{step, title,
text, data}`` — ``text`` is for people, ``data`` for ``--json`` — while the real protocol runs:

 1. the node                      6. the first message, layer by layer (Alice → Bob)
 2. two accounts: keys, alias, emoji hash   7. Bob receives it (listen's pipeline)
 3. their topics                  8. the reply on the negotiated topic, and the ack
 4. Bob's bundle: published, fetched from the store   9. offline delivery through the store
 5. X3DH: Alice starts a session  10. done

Nothing is left behind (the temporary home is removed) unless ``keep`` is set.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from statuscli.app.messaging.content import Content
from statuscli.app.messaging.incoming import Receiver
from statuscli.app.messaging.messenger import Messenger
from statuscli.net.control_transport import ControlSocketTransport



def _protocol_name(protocol_id: str) -> str:
    """``/vac/waku/lightpush/3.0.0`` → ``lightpush 3.0.0`` (two versions of a protocol stay apart)."""
    _, _, _, name, version = protocol_id.split("/", 4)
    return f"{name} {version}"

def _short(h: str, n: int = 16) -> str:
    return h if len(h) <= n + 3 else h[:n] + "…"


def _tree(layer: dict, depth: int = 0) -> list[str]:
    """A compact view of an ``envelope inspect`` layer tree."""
    keep = ("content_topic", "timestamp", "message_hash", "encryption", "key", "signer_compressed", "padding_size", "installation_id",
            "entries", "path", "id", "group_id", "type", "message_id", "text", "clock", "chat_id", "message_type", "content_type")  # fmt: skip
    parts = [f"{k}={_short(str(layer[k]), 24)}" for k in keep if k in layer and layer[k] not in (None, "")]
    lines = ["   " + "  " * depth + f"└ {layer.get('layer')}: " + ", ".join(parts)]
    for child in layer.get("messages") or []:
        lines += _tree(child, depth + 1)
    if layer.get("inner"):
        lines += _tree(layer["inner"], depth + 1)
    return lines


class Demo:
    def __init__(self, *, keep: bool = False, home: str | None = None) -> None:
        self.keep = keep
        self.home = Path(home) if home else Path(tempfile.mkdtemp(prefix="statuscli-demo-"))
        self.node = None
        self.start = time.monotonic()

    def close(self) -> None:
        for t in getattr(self, "_transports", []):
            t.close()
        if self.node is not None:
            self.node.close()
        if not self.keep:
            shutil.rmtree(self.home, ignore_errors=True)

    def _step(self, n: int, title: str, lines: list[str], data: dict) -> dict:
        return {"step": n, "title": title, "text": "\n".join(lines), "data": data, "elapsed_s": round(time.monotonic() - self.start, 2)}

    # --- the walk ----------------------------------------------------------------------------
    def steps(self) -> Iterator[dict]:
        from statuscli.app import accounts, secure
        from statuscli.app.context import AppContext
        from statuscli.app.messaging import bundles, history, topics
        from statuscli.net.embedded import EmbeddedTransport
        from statuscli.store.archive import Archive
        from statuscli.app.messaging.events import text_line
        from statuscli.core.identity import alias, emojihash
        from statuscli.core.identity.keytext import compressed_key

        # 1. the node
        sock = str(self.home / "node.sock")
        self.node = EmbeddedTransport.server(archive=Archive(str(self.home / "store.sqlite")), control_socket=sock)
        info = self.node.info()
        yield self._step(1, "A Waku v2 node", [
            f"   peer id    {info['peer_id']}",
            f"   listening  {', '.join(info['multiaddrs'])}",
            f"   serves     {', '.join(sorted(_protocol_name(p) for p in info['protocols'] if p.startswith('/vac/waku/')))}",
            f"   shards     {', '.join(info['pubsub_topics'])}  (Status: cluster 16)",
            f"   control    {sock}  (JSON-RPC: how statuscli commands and bots use a running node)",
        ], {"peer_id": info["peer_id"], "multiaddrs": info["multiaddrs"], "pubsub_topics": info["pubsub_topics"], "control_socket": sock})  # fmt: skip

        # 2. two accounts
        pw = os.urandom(16).hex()
        people = {}
        for name in ("alice", "bob"):
            acct, phrase, _ = accounts.generate_account(AppContext(home=self.home / name), name=name, passphrase=pw, now=int(time.time()))
            people[name] = acct
        alice, bob = people["alice"], people["bob"]
        lines, data = [], {}
        for name, acct in people.items():
            pub = acct.chat_public_key
            data[name] = {"public_key": "0x" + pub.hex(), "compressed_key": compressed_key(pub), "alias": alias.alias(pub),
                          "emoji_hash": emojihash.emoji_hash(pub), "installation_id": acct.installation_id}  # fmt: skip
            lines += [f"   {name:<6} {compressed_key(pub)}", f"          alias {alias.alias(pub)!r}   emoji hash {''.join(emojihash.emoji_hash(pub))}"]
        lines.append("   (BIP-39 mnemonic → BIP-32 m/43'/60'/1581'/0'/0 → the secp256k1 chat key; the secret is stored encrypted)")
        yield self._step(2, "Two accounts", lines, data)

        # 3. topics
        ma, mb = Messenger(alice), Messenger(bob)
        ta, tb = ControlSocketTransport(sock), ControlSocketTransport(sock)
        self._transports = [ta, tb]
        rb, ra = Receiver(mb), Receiver(ma)
        tb.subscribe(None)
        ta.subscribe(None)
        part, pers, cc = topics.partitioned(bob.chat_public_key), topics.personal(bob.chat_public_key), topics.contact_code(bob.db, bob.chat_public_key)
        yield self._step(3, "Bob's topics", [
            f"   partitioned   {part.name:<26} → {part.content_topic}  (ECIES to Bob: first contact)",
            f"   personal      contact-discovery-0x04…     → {pers.content_topic}",
            f"   contact code  0x04…-contact-code          → {cc.content_topic}  (AES-GCM, key = PBKDF2 of the name)",
            "   all on the pubsub topic /waku/2/rs/16/32 (content topic = /waku/1/0x + keccak256(name)[:4] + /rfc26)",
        ], {"partitioned": part.to_json(), "personal": pers.to_json(), "contact_code": cc.to_json()})  # fmt: skip

        # 4. Bob's bundle, over the network
        pub_res = bundles.publish(mb, tb)
        info_b, _ = bundles.fetch(ma, ta, bob.chat_public_key)
        state = secure.bundle_state(bob)
        spk = {k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in (state["current"] or {}).items()}
        yield self._step(4, "Bob's prekey bundle", [
            f"   Bob publishes a signed bundle on his contact-code topic ({pub_res['content_topic']})",
            f"   installation {bob.installation_id}, signed prekey {_short(str(spk.get('signed_pre_key', '')), 20)}",
            f"   Alice fetches it from the node's store: signature verified, {len(info_b.installations)} installation(s) stored",
        ], {"published": pub_res["envelopes"][0]["hash"], "fetched": info_b.to_json()})  # fmt: skip

        # 5. X3DH
        x = secure.x3dh_init(alice, bob.chat_public_key, now_ms=ma.now_ms())
        neg = x.negotiated_topic
        yield self._step(5, "X3DH", [
            "   Alice: SK = keccak256(DH(IK_A, SPK_B) ‖ DH(EK_A, IK_B) ‖ DH(EK_A, SPK_B)) → a Double Ratchet session",
            f"   session with installation {x.sessions[0]['installation_id']} ({x.sessions[0]['role']})",
            f"   their static secret names the negotiated topic {neg['content_topic']} (used once both sides agree)",
        ], x.to_json() | {"sessions": [{k: (("0x" + v.hex()) if isinstance(v, bytes) else v) for k, v in s.items()} for s in x.sessions]})  # fmt: skip

        # 6. the first message, layer by layer
        sent = ma.send_direct(bob.chat_public_key, Content(text="Hello Bob! 👋"))
        env = sent.envelopes[0]
        layers = _inspect(env.data, bob, ma.now_ms())
        ta.publish(env)
        ma.published(sent.envelopes)
        yield self._step(6, "Alice's first message, layer by layer", [
            f"   message id {'0x' + sent.message_id.hex()}",
            f"   on Bob's {sent.recipients[0]['topic']} topic, ratchet path {list(sent.recipients[0]['paths'].values())[0]}:",
            *_tree(layers),
        ], {"sent": sent.to_json(), "layers": layers})  # fmt: skip

        # 7. Bob receives
        evs = _receive(rb, tb, mb, want=1)
        msg = [e for e in evs if e["type"] == "message"]
        names = {"0x" + alice.chat_public_key.hex(): "alice", "0x" + bob.chat_public_key.hex(): "bob"}
        yield self._step(7, "Bob receives it", [f"   {text_line(e, names)}" for e in evs] + [
            f"   layers peeled: {' → '.join(msg[0]['layers'])}" if msg else "   (nothing arrived)",
            "   Bob's MVDS acknowledges it in his next payload",
        ], {"events": evs})  # fmt: skip
        if not msg:
            raise RuntimeError("the first message did not arrive")

        # 8. the reply, on the negotiated topic; Alice sees the ack
        reply = mb.send_direct(alice.chat_public_key, Content(text="Hi Alice, loud and clear.", response_to=msg[0]["id"]))
        for e in reply.envelopes:
            tb.publish(e)
        mb.published(reply.envelopes)
        evs_a = _receive(ra, ta, ma, want=1)
        yield self._step(8, "Bob's reply", [
            f"   sent on the {reply.recipients[0]['topic']} topic ({reply.recipients[0]['content_topic']}): Bob recorded that Alice",
            "   knows their shared secret, so AES-GCM with PBKDF2(hex(secret)) replaces ECIES",
            *[f"   Alice: {text_line(e, names)}" for e in evs_a],
        ], {"reply": reply.to_json(), "events": evs_a})  # fmt: skip

        # 9. offline delivery
        tb.close()
        self._transports.remove(tb)
        texts = ["Are you there?", "I'll leave these with the store.", "See you!"]
        for t in texts:
            s = ma.send_direct(bob.chat_public_key, Content(text=t))
            for e in s.envelopes:
                ta.publish(e)
            ma.published(s.envelopes)
        tb = ControlSocketTransport(sock)
        self._transports.append(tb)
        got = []
        stats = history.fetch(mb, Receiver(mb), tb, content_topics=Receiver(mb).topics.content_topics,
                              since_ns=time.time_ns() - 120 * 10**9, until_ns=None, emit=got.append)  # fmt: skip
        recovered = [e["text"] for e in got if e["type"] == "message"]
        delivered = [e for e in _receive(ra, ta, ma, want=len(texts), kinds=("delivered",)) if e["type"] == "delivered"]
        yield self._step(9, "Offline delivery through the store", [
            f"   Bob went offline; Alice sent {len(texts)} messages; the node's store kept them",
            f"   Bob back online: store query, {stats.pages} page(s), {stats.envelopes} envelope(s), {stats.duplicates} already seen",
            *[f"   recovered: {t}" for t in recovered],
            f"   Bob's MVDS acks reach Alice: {len(delivered)} delivered",
        ], {"recovered": recovered, "stats": stats.to_json(), "delivered": len(delivered)})  # fmt: skip
        if recovered != texts:
            raise RuntimeError(f"offline delivery recovered {recovered}")

        yield self._step(10, "Done", [f"   the whole walk took {time.monotonic() - self.start:.1f} s; "
                                      + ("the temporary home is kept: " + str(self.home) if self.keep else "the temporary home is removed")],
                         {"home": str(self.home) if self.keep else None})  # fmt: skip


def _inspect(data: bytes, account, now_ms: int) -> dict:
    from statuscli.app.inspect import Keys, inspect

    return inspect(data, Keys(account=account, commit=False, now_ms=now_ms)).to_json()


def _receive(receiver, transport, messenger, *, want: int, kinds=("message", "contact_request"), timeout: float = 10.0) -> list[dict]:
    """Events from the subscription until ``want`` of ``kinds`` arrived; acks go out as listen sends them."""
    out: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and sum(e["type"] in kinds for e in out) < want:
        for r in transport.receive(0.2):
            h = receiver.handle(r.data, r.pubsub_topic)
            out += h.events
        envs, _ = messenger.tick()
        for e in envs:
            transport.publish(e)
        messenger.published(envs)
    return out
