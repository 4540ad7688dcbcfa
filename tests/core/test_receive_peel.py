"""The receive peel on its own (no database, no account): status-go bytes in, a typed trace out.

Envelopes come from tests/vectors: the waku-v2-002 WakuMessage around the waku-v1-payload-002
payload (AES-GCM, signed by 0x30…30), and the payloads-001 application message (a ChatMessage
signed by the same key) sealed into a WakuMessage here with fixed padding and nonce.
"""

from __future__ import annotations

import pytest

from statuscli.core.crypto import secp256k1
from statuscli.core.payloads import chat
from statuscli.core.receive import layers as L
from statuscli.core.receive import peel
from statuscli.core.receive.keyring import KeyRing, TopicKey
from statuscli.core.topics.sharding import STATUS_DEFAULT_PUBSUB_TOPIC as PUBSUB
from statuscli.core.waku import message as wm
from statuscli.core.waku import payload_v1
from tests.conftest import vectors

(PAYLOAD_V1,) = [v for v in vectors("status.json", "waku-v1-payload") if "encrypted_payload" in v["expected"]]
(WAKU,) = [v for v in vectors("status.json", "waku-v2") if "waku_message_protobuf" in v["expected"]]
(CHAT,) = vectors("status.json", "payloads")
SYM = bytes.fromhex(PAYLOAD_V1["inputs"]["symmetric_key"])
AUTHOR = bytes.fromhex(CHAT["inputs"]["author_private"])
CAROL = bytes(range(1, 33))
TOPIC = WAKU["inputs"]["content_topic"]


def ring(*, me: bytes | None = None) -> KeyRing:
    r = KeyRing(me=me)
    r.add(TopicKey("public", "test", TOPIC, sym_key=SYM, channel="test", label="vector key"))
    return r


def sealed(data: bytes, signer: bytes, *, timestamp_ns: int = 1_700_000_000_000_000_000) -> bytes:
    body = payload_v1.seal_symmetric(data, SYM, padding=b"\x00" * 64, nonce=bytes(12), signing_key=signer)
    return wm.encode(wm.WakuMessage(payload=body, content_topic=TOPIC, version=1, timestamp=timestamp_ns, meta=b"", ephemeral=False))


def test_status_go_waku_message_opens_with_the_vector_key():
    data = bytes.fromhex(WAKU["expected"]["waku_message_protobuf"])
    trace = peel.peel(data, ring(), pubsub_topic=PUBSUB)
    waku, pv1, stop = trace
    assert isinstance(waku, L.WakuLayer) and waku.content_topic == TOPIC and waku.hash == wm.message_hash(PUBSUB, wm.decode(data))
    assert isinstance(pv1, L.PayloadV1Layer) and pv1.encryption == "symmetric" and pv1.key.label == "vector key"
    assert pv1.signer.hex() == PAYLOAD_V1["expected"]["signer_public_key"]
    assert pv1.data == PAYLOAD_V1["inputs"]["data_utf8"].encode()
    # the vector's data is plain text, not a Status payload: the trace says where it stopped
    assert isinstance(stop, L.Failed) and (stop.layer, stop.code) == ("application", "unknown-payload")


def test_no_key_stops_at_payload_v1_and_names_what_was_tried():
    data = bytes.fromhex(WAKU["expected"]["waku_message_protobuf"])
    wrong = KeyRing()
    wrong.add(TopicKey("public", "x", TOPIC, sym_key=bytes(32), label="zero key"))
    *_, stop = peel.peel(data, wrong, pubsub_topic=PUBSUB)
    assert (stop.layer, stop.code) == ("payload-v1", "decryption-failed") and "zero key" in stop.message
    *_, stop = peel.peel(data, KeyRing(), pubsub_topic=PUBSUB)
    assert stop.message == peel.NO_KEY_TO_TRY


def test_status_go_chat_message_peels_to_its_id_and_text():
    amm_bytes = bytes.fromhex(CHAT["expected"]["application_metadata_message_protobuf"])
    chat_id = CHAT["inputs"]["chat_message_fields"]["chat_id"]
    trace = peel.peel(sealed(amm_bytes, AUTHOR), ring(me=bytes.fromhex(chat_id[2:])), pubsub_topic=PUBSUB)
    assert L.names(trace) == ["WakuLayer", "PayloadV1Layer", "AppLayer", "ChatLayer"]
    app, c = trace[2], trace[3]
    assert "0x" + app.id.hex() == CHAT["expected"]["message_id"] and app.signer == secp256k1.public_key(AUTHOR)
    assert app.type_name == "CHAT_MESSAGE"
    assert (c.text, c.chat_id, c.message_type, c.clock) == ("hello", chat_id, chat.ONE_TO_ONE, 1_700_000_000_000)
    assert c.invalid is None  # status-go would accept it (clock and timestamp near the envelope's)


def test_a_wrapper_signed_by_someone_else_than_the_payload_signer_is_refused():
    amm_bytes = bytes.fromhex(CHAT["expected"]["application_metadata_message_protobuf"])  # signed by AUTHOR
    trace = peel.peel(sealed(amm_bytes, CAROL), ring(), pubsub_topic=PUBSUB)  # inside Carol's payload
    assert L.names(trace) == ["WakuLayer", "PayloadV1Layer", "AppLayer", "Failed(application: sender-mismatch)"]


def test_a_one_to_one_message_for_another_chat_is_refused():
    amm_bytes = bytes.fromhex(CHAT["expected"]["application_metadata_message_protobuf"])
    someone = secp256k1.public_key(bytes([7]) * 32)  # the message names another chat than this ring's owner
    trace = peel.peel(sealed(amm_bytes, AUTHOR), ring(me=someone), pubsub_topic=PUBSUB)
    assert L.names(trace)[-1] == "Failed(chat-message: sender-mismatch)"


class _Session:
    """A ratchet port whose session belongs to ``identity`` and yields ``plaintext`` (the real port is
    app.secure_receive.RatchetPort, exercised by tests/unit and tests/e2e)."""

    def __init__(self, identity: bytes, plaintext: bytes):
        self.identity, self.plaintext, self.calls = identity, plaintext, []

    def decrypt(self, data: bytes, sender):
        self.calls.append(sender)
        return peel.RatchetStep(self.plaintext, "double-ratchet", self.identity, True, False, pending="writes")


def _protocol_message(installation: str = "carol-phone") -> bytes:
    from statuscli.core.encryption import ProtocolMessage, dh_encrypt

    entry = dh_encrypt(secp256k1.public_key(bytes([9]) * 32), b"x", bytes([5]) * 32, bytes(12))
    return ProtocolMessage(installation, (), {"bob-phone": entry}).encode()


@pytest.mark.parametrize("session_owner", ["carol", "alice"])
def test_under_a_ratchet_session_the_wrapper_must_be_signed_by_the_session_identity(session_owner):
    """Carol re-sends Alice's signed wrapper inside her own session and payload signature (issue 13)."""
    alice_wrapper = bytes.fromhex(CHAT["expected"]["application_metadata_message_protobuf"])
    owner = {"carol": CAROL, "alice": AUTHOR}[session_owner]
    port = _Session(secp256k1.public_key(owner), alice_wrapper)
    trace = peel.peel(sealed(_protocol_message(), owner), ring(), pubsub_topic=PUBSUB, ratchet=port)
    assert port.calls == [secp256k1.public_key(owner)]  # the port is told who signed the payload
    proto = L.find(trace, L.ProtocolLayer)
    assert proto.path == "double-ratchet" and proto.sender == secp256k1.public_key(owner) and proto.pending == "writes"
    if session_owner == "carol":
        assert L.names(trace)[-1] == "Failed(application: sender-mismatch)"
    else:
        assert L.names(trace)[-2:] == ["AppLayer", "ChatLayer"]


def test_without_a_ratchet_port_an_encrypted_protocol_message_stops_there():
    trace = peel.peel(sealed(_protocol_message(), AUTHOR), ring(), pubsub_topic=PUBSUB)
    assert L.names(trace)[-2:] == ["ProtocolLayer", "Failed(protocol-message: no-account)"]


def test_segments_wait_for_the_port_and_check_the_whole():
    from statuscli.core.payloads import segmentation

    amm_bytes = bytes.fromhex(CHAT["expected"]["application_metadata_message_protobuf"])
    parts = segmentation.segment(amm_bytes, 100)
    assert len(parts) > 1

    class Memory:
        def __init__(self):
            self.r = segmentation.Reassembler()

        def add(self, seg, signer):
            return self.r.add(seg, signer)

    port, traces = Memory(), []
    for i, part in enumerate(parts):
        traces.append(peel.peel(sealed(part, AUTHOR, timestamp_ns=1_700_000_000_000_000_000 + i), ring(), pubsub_topic=PUBSUB,
                                segments=port))  # fmt: skip
    assert all(L.names(t)[-1] == "Failed(segment: segment-incomplete)" for t in traces[:-1])
    assert L.names(traces[-1])[2:] == ["SegmentLayer", "AppLayer", "ChatLayer"]


def test_garbage_is_a_failed_waku_message_not_an_exception():
    (stop,) = peel.peel(b"\xff\xff\xff", ring(), pubsub_topic=PUBSUB)
    assert stop.layer == "waku-message"
