"""Fuzz targets: every decoder that bytes from the network or a file can reach.

Each target is a function of one ``bytes`` argument that runs one decoder the way the receive
path, a command or a node service runs it. The contract a target checks is the project's: a
decoder either returns or raises a :class:`StatusCliError` (a typed error with a code and an exit
code). Any other exception escaping — ``IndexError``, ``UnicodeDecodeError``, ``struct.error``,
``RecursionError``, a protobuf internal error — is a bug the fuzzers report.

Seeds are valid encodings made with the project's own encoders from fixed keys, so mutation
starts from inputs that reach deep into each decoder rather than failing at the first byte.

Used by ``tests/fuzz/test_fuzz_decoders.py`` (a bounded hypothesis run in CI) and by
``scripts/fuzz`` (atheris, or hypothesis when atheris does not install, for ≥ 1 M inputs a target).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

# Fixed throwaway keys (not secrets: test material only).
KEY_A = bytes.fromhex("11" * 32)
KEY_B = bytes.fromhex("22" * 32)
SYM_KEY = bytes.fromhex("33" * 32)
CHAT_ID = "0x" + "ab" * 33

TARGETS: dict[str, Callable[[bytes], object]] = {}
SEEDS: dict[str, Callable[[], list[bytes]]] = {}


def target(name: str, seeds: Callable[[], list[bytes]]):
    def deco(fn):
        TARGETS[name] = fn
        SEEDS[name] = functools.cache(seeds)
        return fn

    return deco


# --- seeds ---------------------------------------------------------------------------------------
def _waku_message() -> list[bytes]:
    from statuscli.core.waku.message import WakuMessage, encode

    return [
        encode(WakuMessage(payload=b"hello", content_topic="/waku/1/0x9c22ff5f/rfc26", version=1, timestamp=1_700_000_000_000_000_000)),
        encode(WakuMessage(payload=b"", content_topic="/toychat/2/huilong/proto", version=0, timestamp=None, meta=b"\x01" * 8, ephemeral=True)),
    ]


def _plaintext() -> list[bytes]:
    from statuscli.core.waku.payload_v1 import encode_plaintext

    return [encode_plaintext(b"data" * 10, b"\x00" * 3, KEY_A), encode_plaintext(b"x", b"", None)]


def _sym_payload() -> list[bytes]:
    from statuscli.core.waku.payload_v1 import seal_symmetric

    return [seal_symmetric(b"public text", SYM_KEY, padding=b"\x00" * 4, nonce=b"\x01" * 12, signing_key=KEY_A)]


def _asym_payload() -> list[bytes]:
    from statuscli.core.crypto import secp256k1
    from statuscli.core.waku.payload_v1 import seal_asymmetric

    return [seal_asymmetric(b"direct text", secp256k1.public_key(KEY_B), padding=b"\x00" * 4, ephemeral_key=KEY_A,
                            iv=b"\x02" * 16, signing_key=KEY_A)]


def _bundle():
    from statuscli.core.bundles import SignedPreKey, sign_bundle
    from statuscli.core.crypto import secp256k1

    spk = {"installation-1": SignedPreKey(signed_pre_key=secp256k1.compress(secp256k1.public_key(KEY_B)), version=1, protocol_version=1)}
    return sign_bundle(KEY_A, spk, 1_700_000_000_000)


def _protocol_message() -> list[bytes]:
    from statuscli.core.crypto import secp256k1
    from statuscli.core.encryption import ProtocolMessage, dh_encrypt

    entry = dh_encrypt(secp256k1.public_key(KEY_B), b"inner payload", KEY_A, b"\x03" * 12)
    return [
        ProtocolMessage(installation_id="installation-1", bundles=(_bundle(),), encrypted={"none": entry}).encode(),
        ProtocolMessage(installation_id="installation-1", public_message=b"public").encode(),
    ]


def _mvds() -> list[bytes]:
    from statuscli.core.mvds.codec import Message, Offer, Payload, encode_payload

    m = Message(b"\x07" * 32, 1_700_000_000, b"body")
    return [encode_payload(Payload(acks=(b"\x01" * 32,), offers=(b"\x02" * 32,), requests=(b"\x03" * 32,), messages=(m,),
                                   group_offers=(Offer(b"\x07" * 32, (b"\x04" * 32,)),)))]


def _chat_message_bytes() -> bytes:
    from statuscli.core.payloads import chat

    return chat.encode(chat.build(chat_id=CHAT_ID, clock=5, timestamp=1_700_000_000_000, text="hi there", response_to="0x01"))


def _amm() -> list[bytes]:
    from statuscli.core.payloads import amm

    return [amm.wrap(_chat_message_bytes(), 1, KEY_A), amm.encode(b"", 0, b"")]


def _chat() -> list[bytes]:
    return [_chat_message_bytes()]


def _membership() -> list[bytes]:
    from statuscli.core.payloads import membership

    ev = membership.sign_event(CHAT_ID, KEY_A, clock=1, type=1, name="group")
    return [membership.encode_update(CHAT_ID, [ev], chat_message=_chat_message_bytes())]


def _contact_accept() -> list[bytes]:
    from statuscli.core.payloads.contact_requests import encode_accept

    return [encode_accept("0x" + "cd" * 32, 7)]


def _segment() -> list[bytes]:
    from statuscli.core.payloads.segmentation import segment

    return segment(b"z" * 300, segment_size=128)


def _bundle_container() -> list[bytes]:
    from statuscli.core.bundles import encode_container

    return [encode_container(_bundle(), KEY_B), _bundle().encode()]


def _rlp() -> list[bytes]:
    from statuscli.core.waku import rlp

    return [rlp.encode([b"abc", [b"", b"\x01" * 60], 1024, [[[]]]]), rlp.encode(b"\x00" * 100)]


def _envelope_v1() -> list[bytes]:
    from statuscli.core.waku.envelope_v1 import encode, new_envelope

    return [encode(new_envelope(b"payload" * 5, b"\x9c\x22\xff\x5f", now=1_700_000_000))]


def _enr() -> list[bytes]:
    from statuscli.core.waku import rlp
    from statuscli.core.waku.enr import decode_enr

    # EIP-778's example record: a text form, and its RLP bytes as a second seed
    text = ("enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1Nm"
            "sxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8")
    return [text.encode(), rlp.encode(rlp.decode(__import__("base64").urlsafe_b64decode(text[4:] + "==")))] if decode_enr(text) else []


def _enrtree() -> list[bytes]:
    return [
        b"enrtree-root:v1 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 sig=o908WmNp7LibOfPsr4btQwatZJ5URBr2ZAuxvK4UWHl"
        b"sB9sUOTJQaGAlLPVAhM__XJesCHxLISo94z5Z2a463gA",
        b"enrtree-branch:2XS2367YHAXJFGLZHVAWLQD4ZY,H4FHT4B454P6UXFD7JCYQ5PWDY,MHTDO6TMUBRIA2XWG5LUDACK24",
        b"enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@nodes.example.org",
    ]


def _mailserver() -> list[bytes]:
    from statuscli.core.waku import rlp

    return [rlp.encode([1_700_000_000, 1_700_003_600, b"\xff" * 64, 100, [b"\x9c\x22\xff\x5f"], b""])]


# --- targets -------------------------------------------------------------------------------------
@target("waku-message", _waku_message)
def waku_message(data: bytes) -> None:
    from statuscli.core.waku.message import decode

    decode(data)
    decode(data, strict=True)


@target("payload-v1-plaintext", _plaintext)
def payload_plaintext(data: bytes) -> None:
    from statuscli.core.waku.payload_v1 import decode_plaintext

    decode_plaintext(data)


@target("payload-v1-symmetric", _sym_payload)
def payload_symmetric(data: bytes) -> None:
    from statuscli.core.waku.payload_v1 import open_symmetric

    open_symmetric(data, SYM_KEY)


@target("payload-v1-asymmetric", _asym_payload)
def payload_asymmetric(data: bytes) -> None:
    from statuscli.core.waku.payload_v1 import open_asymmetric

    open_asymmetric(data, KEY_B)


@target("protocol-message", _protocol_message)
def protocol_message(data: bytes) -> None:
    from statuscli.core.encryption import ProtocolMessage, dh_decrypt

    pm = ProtocolMessage.decode(data)
    for b in pm.bundles:
        b.verify()
    entry = pm.entry_for("installation-1")
    if entry is not None and entry.dh is not None:
        dh_decrypt(KEY_B, entry)


@target("mvds", _mvds)
def mvds(data: bytes) -> None:
    from statuscli.core.mvds.codec import decode_message, decode_payload

    decode_payload(data)
    decode_payload(data, require_valid=False)
    decode_message(data)


@target("application-wrapper", _amm)
def application_wrapper(data: bytes) -> None:
    from statuscli.core.payloads import amm

    amm.looks_like_amm(data)
    amm.unwrap(data).to_json()


@target("chat-message", _chat)
def chat_message(data: bytes) -> None:
    from statuscli.core.payloads import chat

    chat.to_json(chat.decode(data))


@target("membership-update", _membership)
def membership_update(data: bytes) -> None:
    from statuscli.core.payloads import membership

    upd = membership.decode_update(data)
    for ev in getattr(upd, "events", ()):
        ev.to_json()


@target("contact-request-accept", _contact_accept)
def contact_accept(data: bytes) -> None:
    from statuscli.core.payloads.contact_requests import decode_accept

    decode_accept(data)


@target("segment", _segment)
def segment_message(data: bytes) -> None:
    from statuscli.core.payloads.segmentation import decode_segment

    decode_segment(data)


@target("bundle", _bundle_container)
def bundle(data: bytes) -> None:
    from statuscli.core.bundles import Bundle, decode_container

    try:
        decode_container(data)  # what `bundle import` reads
    except _typed():
        pass
    Bundle.decode(data).verify()  # a bundle inside a ProtocolMessage


@target("waku-v1-rlp", _rlp)
def waku_v1_rlp(data: bytes) -> None:
    from statuscli.core.waku import rlp

    rlp.decode(data)
    rlp.decode_prefix(data)


@target("waku-v1-envelope", _envelope_v1)
def waku_v1_envelope(data: bytes) -> None:
    from statuscli.core.waku.envelope_v1 import decode

    decode(data)


@target("mailserver-request", _mailserver)
def mailserver_request(data: bytes) -> None:
    from statuscli.core.waku import mailserver

    for decoder in (mailserver.decode_request, mailserver.decode_direct_request, mailserver.decode_completion):
        try:
            decoder(data)
        except _typed():
            pass


@target("enr", _enr)
def enr(data: bytes) -> None:
    from statuscli.core.waku.enr import decode_enr

    try:
        decode_enr(data)  # raw RLP bytes
    except _typed():
        pass
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return
    decode_enr(text)


@target("enrtree", _enrtree)
def enrtree(data: bytes) -> None:
    from statuscli.core.waku import enrtree as tree

    text = data.decode("utf-8", "replace")
    for parse in (tree.parse_root, tree.parse_branch, tree.parse_link):
        try:
            parse(text)
        except _typed():
            pass


def _discv5_vectors() -> list[dict]:
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "vectors" / "discv5.json"
    return [v for v in json.loads(path.read_text(encoding="utf-8"))["vectors"] if v["category"] == "packet"]


def _discv5_packets() -> list[bytes]:
    return [bytes.fromhex(v["expected"]["packet"]) for v in _discv5_vectors()]


def _discv5_messages() -> list[bytes]:
    from statuscli.core.discv5 import messages as m
    from statuscli.core.waku.enr import build_enr

    record = build_enr(bytes(range(1, 33)), 1, ip="127.0.0.1", tcp=None, udp=9000)
    return [m.encode(x) for x in (m.Ping(b"\x01", 1), m.Pong(b"\x01", 2, "127.0.0.1", 9000), m.FindNode(b"\x02", (0, 255, 256)),
                                  m.TalkReq(b"\x03", b"proto", b"req"), m.TalkResp(b"\x03", b"resp"), m.Nodes(b"\x04", 1, (record, record)))]  # fmt: skip


@target("discv5-packet", _discv5_packets)
def discv5_packet(data: bytes) -> None:
    """A datagram as the discv5 service takes it: unmask for node B of the official vectors, then
    open a handshake (with the vectors' challenge and A's key) or a message, and decode it."""
    from statuscli.core.crypto import secp256k1
    from statuscli.core.discv5 import handshake, messages, packet

    v = _discv5_vectors()
    b_key, b_id = bytes.fromhex(v[0]["inputs"]["node_b_key"]), bytes.fromhex(v[0]["inputs"]["dest_node_id"])
    pkt = packet.decode(data, b_id)
    if isinstance(pkt, packet.HandshakePacket):
        challenge = bytes.fromhex(v[2]["inputs"]["whoareyou_challenge_data"])
        a_pub = secp256k1.public_key(bytes.fromhex(v[0]["inputs"]["node_a_key"]))
        opened = handshake.open_handshake(pkt, static_key=b_key, local_id=b_id, challenge_data=challenge, known_pubkey=a_pub)
        messages.decode(opened.plaintext)
    elif isinstance(pkt, packet.MessagePacket):
        messages.decode(handshake.open_message(pkt, bytes(16)))


@target("discv5-message", _discv5_messages)
def discv5_message(data: bytes) -> None:
    from statuscli.core.discv5 import messages

    messages.decode(data)


def _typed() -> type[BaseException]:
    from statuscli.core.errors import StatusCliError

    return StatusCliError


def run_one(name: str, data: bytes) -> None:
    """Run target ``name`` on ``data``; a typed error is a correct refusal and is swallowed."""
    try:
        TARGETS[name](data)
    except _typed():
        pass
