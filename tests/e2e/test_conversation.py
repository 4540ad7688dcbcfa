"""Conversations between separate processes: one node, people in separate homes, the real CLI."""

from __future__ import annotations

import random
import signal
import subprocess
import threading
import time

import pytest

from tests.e2e.conftest import PY

pytestmark = pytest.mark.e2e


def ids(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip()]


def test_contact_request_and_reply(people):
    alice, bob = people("alice", "bob")
    lb = bob.listen("--count", "1", "--timeout", "60").ready()
    (req_id,) = ids(alice.ok("send", bob.zq3, "Hi Bob, it's Alice", "--contact-request"))
    assert lb.finish() == 0
    (req,) = lb.messages()
    assert req["type"] == "contact_request" and req["text"] == "Hi Bob, it's Alice" and req["id"] == req_id
    assert req["from"] == alice.key and req["chat"] == {"kind": "one-to-one", "id": alice.key}
    assert req["envelope"].startswith("0x") and req["layers"][0] == "payload-v1/partitioned"
    # the event carries the envelope whole: envelope inspect opens it with bob's keys (read-only)
    inspected = bob.json("envelope", "inspect", "-", input=req["envelope"])
    assert inspected["layer"] == "waku-message" and inspected["message_hash"] == req["hash"]

    la = alice.listen("--count", "1", "--timeout", "60").ready()
    bob.ok("send", alice.key, "Hello Alice!", "--reply-to", req_id)
    assert la.finish() == 0
    (reply,) = la.messages()
    assert reply["text"] == "Hello Alice!" and reply["response_to"] == req_id and reply["from"] == bob.key
    assert reply["layers"][0] == "payload-v1/negotiated"  # bob knew alice agreed on the shared secret
    assert req_id in [e["id"] for e in la.events if e["type"] == "delivered"]  # bob's listen acknowledged it


def test_contact_request_accepted(people):
    alice, bob = people("alice", "bob")
    (req_id,) = ids(alice.ok("send", bob.key, "Hi Bob, add me?", "--contact-request"))
    assert [e["id"] for e in bob.ndjson("mailserver", "fetch", "--since", "1m") if e["type"] == "contact_request"] == [req_id]
    la = alice.listen("--chat", bob.key, "--count", "1", "--timeout", "60").ready()
    (acc_id,) = ids(bob.ok("send", alice.zq3, "--accept-contact-request"))  # the newest request from alice
    assert la.finish() == 0
    (ev,) = [e for e in la.events if e["type"] == "contact_request_accepted"]
    assert ev["id"] == acc_id and ev["request_id"] == req_id and ev["our_request"] is True and ev["from"] == bob.key


def test_hundred_messages_each_way_none_lost_or_duplicated(people):
    alice, bob = people("alice", "bob")
    la = alice.listen("--chat", bob.key, "--count", "100", "--timeout", "150").ready()
    lb = bob.listen("--chat", alice.key, "--count", "100", "--timeout", "150").ready()
    env_a, env_b = alice.env, bob.env
    pa = subprocess.Popen([PY, "-m", "statuscli", "send", bob.key, "--each-line", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env_a)  # fmt: skip
    pb = subprocess.Popen([PY, "-m", "statuscli", "send", alice.key, "--each-line", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env_b)  # fmt: skip
    out_a, err_a = pa.communicate("\n".join(f"from alice {i}" for i in range(100)).encode(), timeout=120)
    out_b, err_b = pb.communicate("\n".join(f"from bob {i}" for i in range(100)).encode(), timeout=120)
    assert pa.returncode == 0 and pb.returncode == 0, (err_a.decode()[-1000:], err_b.decode()[-1000:])
    sent_a, sent_b = ids(out_a.decode()), ids(out_b.decode())
    assert len(set(sent_a)) == 100 and len(set(sent_b)) == 100
    assert lb.finish() == 0 and la.finish() == 0
    got_b, got_a = lb.messages(), la.messages()
    assert sorted(e["id"] for e in got_b) == sorted(sent_a)  # none lost, none twice
    assert sorted(e["id"] for e in got_a) == sorted(sent_b)
    assert sorted(e["text"] for e in got_b) == sorted(f"from alice {i}" for i in range(100))
    cursors = [e["cursor"] for e in lb.events]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)


def test_offline_recipient_gets_everything_from_the_store(people):
    alice, bob = people("alice", "bob")
    texts = [f"while you were out {i}" for i in range(30)]
    sent = ids(alice.ok("send", bob.key, "--each-line", "-", input="\n".join(texts)))
    events = bob.ndjson("mailserver", "fetch", "--since", "10m")
    msgs = [e for e in events if e["type"] == "message"]
    assert sorted(e["id"] for e in msgs) == sorted(sent) and sorted(e["text"] for e in msgs) == sorted(texts)
    (summary,) = [e for e in events if e["type"] == "summary"]
    assert summary["envelopes"] >= 30 and summary["acks_sent"] >= 1
    again = bob.ndjson("mailserver", "fetch", "--since", "10m")  # nothing twice
    assert [e for e in again if e["type"] == "message"] == [] and again[-1]["duplicates"] >= 30
    # bob's acks (sent by the fetch) reach alice
    delivered = {e["id"] for e in alice.ndjson("listen", "--timeout", "4") if e["type"] == "delivered"}
    assert set(sent) <= delivered


def test_public_channel_with_three_members(people):
    trio = people("alice", "bob", "carol")
    listens = [p.listen("--public", "e2e-square", "--count", "2", "--timeout", "60").ready() for p in trio]
    for p in trio:
        p.ok("send", "--public", "e2e-square", f"hello from {p.name}")
    for p, lst in zip(trio, listens):
        assert lst.finish() == 0
        got = lst.messages()
        assert sorted(e["text"] for e in got) == sorted(f"hello from {q.name}" for q in trio if q is not p)
        assert all(e["chat"] == {"kind": "public", "id": "e2e-square"} for e in got)


def test_private_group_of_three(people):
    alice, bob, carol = people("alice", "bob", "carol")
    lb, lc = (p.listen("--count", "1", "--timeout", "60").ready() for p in (bob, carol))
    g = alice.json("group", "create", "friends", "--member", bob.key, "--member", carol.zq3)
    chat_id = g["chat_id"]
    assert len(g["members"]) == 3
    (mid,) = ids(alice.ok("send", "--group", "friends", "dinner at 8?"))
    for lst in (lb, lc):
        assert lst.finish() == 0
        (grp,) = [e for e in lst.events if e["type"] == "group"]
        assert grp["group"]["chat_id"] == chat_id and grp["group"]["name"] == "friends"
        (m,) = lst.messages()
        assert m["id"] == mid and m["text"] == "dinner at 8?" and m["chat"] == {"kind": "group", "id": chat_id, "name": "friends"}
    assert [g["chat_id"] for g in bob.json("group", "list")["groups"]] == [chat_id]
    # bob answers the group: alice and carol hear him (bob and carol never talked before)
    la, lc = (p.listen("--group", chat_id, "--count", "1", "--timeout", "60").ready() for p in (alice, carol))
    bob.ok("send", "--group", chat_id, "yes!")
    for lst in (la, lc):
        assert lst.finish() == 0
        assert [e["text"] for e in lst.messages()] == ["yes!"]


def _restart_test(people, *, chat_args, send_args, sig, public=False):
    alice, bob = people("alice", "bob")
    if not public:
        bob.ok("send", alice.key, "hi")  # a first exchange, so alice is a known peer of bob
    texts = [f"m{i:02d}" for i in range(60)]
    first = bob.listen(*chat_args(alice)).ready()

    def send(lines: list[str]) -> subprocess.Popen:
        p = subprocess.Popen([PY, "-m", "statuscli", "send", *send_args(bob), "--each-line", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=alice.env)  # fmt: skip
        p.stdin.write("\n".join(lines).encode())
        p.stdin.close()
        return p

    # the first 20 while it listens, killed mid-stream; the other 40 while it is down, so the
    # restart always has something to catch up on
    sender = send(texts[:20])
    first.wait_for(lambda lst: len(lst.messages()) >= 15)
    first.stop(sig)
    assert sender.wait(120) == 0, sender.stderr.read().decode()[-1000:]
    sender = send(texts[20:])
    assert sender.wait(120) == 0, sender.stderr.read().decode()[-1000:]
    seen = first.messages()
    assert len(seen) < 60
    cursor = first.events[-1]["cursor"]
    second = bob.listen(*chat_args(alice), "--since", str(cursor), "--count", str(60 - len(seen)), "--timeout", "60").ready()
    assert second.finish() == 0, second.stderr[-1500:]
    got = [e["text"] for e in seen + second.messages()]
    assert sorted(got) == texts, f"lost: {sorted(set(texts) - set(got))}, twice: {sorted(t for t in set(got) if got.count(t) > 1)}"
    assert second.events[0]["cursor"] > cursor
    return first, second


def test_listen_stopped_and_restarted_from_its_cursor(people):
    first, _ = _restart_test(people, chat_args=lambda a: ("--chat", a.key), send_args=lambda b: (b.key,), sig=signal.SIGTERM)
    assert first.p.returncode == 0 and first.bad_lines == 0


def test_listen_killed_hard_and_restarted_from_its_cursor(people):
    # SIGKILL on a public channel (1:1 with the Double Ratchet: the test below)
    _restart_test(people, chat_args=lambda a: ("--public", "e2e-kill"), send_args=lambda b: ("--public", "e2e-kill"), sig=signal.SIGKILL,
                  public=True)


def test_one_to_one_listen_killed_at_random_moments_loses_and_repeats_nothing(people):
    """Bob's listen is SIGKILLed again and again while Alice sends over an established Double Ratchet
    session; each restart resumes from the last cursor it printed. Every message arrives exactly once
    and none is undecryptable: a kill inside an envelope's transaction rolls the ratchet step back
    with it, so the envelope (caught up from the store) decrypts on the next run."""
    alice, bob = people("alice", "bob")
    seed = int(time.time())
    rng = random.Random(seed)
    # a session both ways: contact request (DH), reply (X3DH), so Alice now uses the Double Ratchet
    alice.ok("send", bob.key, "hello bob", "--contact-request")
    fetched = bob.ndjson("mailserver", "fetch", "--since", "1m")
    assert any(e["type"] == "contact_request" for e in fetched)
    cursor = max(e["cursor"] for e in fetched if "cursor" in e)  # every listen below resumes from a cursor
    bob.ok("send", alice.key, "hi alice")
    assert any(e["type"] == "message" for e in alice.ndjson("mailserver", "fetch", "--since", "1m"))
    texts = [f"k{i:02d}" for i in range(60)]
    sent: list[str] = []
    problems: list[str] = []

    def alice_sends() -> None:
        for i in range(0, len(texts), 6):
            r = alice.run("send", bob.key, "--each-line", "-", input="\n".join(texts[i : i + 6]))
            if r.returncode != 0:
                problems.append(r.stderr.decode()[-500:])
            sent.extend(ids(r.stdout.decode()))
            time.sleep(0.3)

    sender = threading.Thread(target=alice_sends)
    runs, kills = [], 0
    sender.start()
    while sender.is_alive() or kills < 4:
        lst = bob.listen("--chat", alice.key, "--since", str(cursor))
        assert lst._ready.wait(30), lst.stderr[-1500:]
        # a random moment of its first quarter second: mostly while it catches up on what arrived
        # since the last kill (envelopes back to back), sometimes while it waits
        time.sleep(rng.uniform(0.0, 0.25))
        lst.stop(signal.SIGKILL)
        kills += 1
        runs.append(lst)
        if lst.events:
            cursor = lst.events[-1]["cursor"]
    sender.join()
    assert not problems, problems
    got = [e for r in runs for e in r.messages() if e["text"].startswith("k")]
    # a last run (not killed): what the previous ones stored but never printed is replayed from the
    # cursor, what they never handled is caught up from the store — and nothing comes twice
    last = bob.listen("--chat", alice.key, "--since", str(cursor), "--timeout", "3").ready()
    assert last.finish() == 0, last.stderr[-1500:]
    runs.append(last)
    got += [e for e in last.messages() if e["text"].startswith("k")]
    got_texts = [e["text"] for e in got]
    assert sorted(got_texts) == texts, (f"seed {seed}: lost: {sorted(set(texts) - set(got_texts))}, "
                                        f"twice: {sorted(t for t in set(got_texts) if got_texts.count(t) > 1)}")  # fmt: skip
    assert sorted(e["id"] for e in got) == sorted(sent)
    assert all("protocol-message/double-ratchet" in e["layers"] for e in got)
    assert [e for r in runs for e in r.events if e["type"] == "undecryptable"] == []
    assert kills >= 4
