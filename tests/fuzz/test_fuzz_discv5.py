"""Fuzz target: the discv5 decoders (packet unmasking, handshake opening, message RLP).

A bounded hypothesis run in CI (mutations of the official vector packets plus raw garbage); run
longer locally with ``STATUSCLI_FUZZ_EXAMPLES=100000``. The only acceptable failure of a decoder
is a typed :class:`StatusCliError`.
"""

from __future__ import annotations

import json
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.crypto import secp256k1
from statuscli.core.discv5 import handshake, messages, packet
from statuscli.core.errors import StatusCliError
from tests.conftest import VECTORS

EXAMPLES = int(os.environ.get("STATUSCLI_FUZZ_EXAMPLES", "300"))
_V = [v for v in json.loads((VECTORS / "discv5.json").read_text())["vectors"] if v["category"] == "packet"]
SEEDS = [bytes.fromhex(v["expected"]["packet"]) for v in _V]
B_KEY = bytes.fromhex(_V[0]["inputs"]["node_b_key"])
B_ID = bytes.fromhex(_V[0]["inputs"]["dest_node_id"])
A_PUB = secp256k1.public_key(bytes.fromhex(_V[0]["inputs"]["node_a_key"]))
CHALLENGE = bytes.fromhex(_V[2]["inputs"]["whoareyou_challenge_data"])


def _consume(data: bytes) -> None:
    try:
        pkt = packet.decode(data, B_ID)
        if isinstance(pkt, packet.HandshakePacket):
            opened = handshake.open_handshake(pkt, static_key=B_KEY, local_id=B_ID, challenge_data=CHALLENGE, known_pubkey=A_PUB)
            messages.decode(opened.plaintext)
        elif isinstance(pkt, packet.MessagePacket):
            messages.decode(handshake.open_message(pkt, bytes(16)))
    except StatusCliError:
        pass


@st.composite
def mutated(draw):
    base = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "cut", "insert"]))
        pos = draw(st.integers(0, max(0, len(base) - 1)))
        if op == "flip" and base:
            base[pos] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del base[pos : pos + draw(st.integers(1, 40))]
        else:
            base[pos:pos] = draw(st.binary(min_size=1, max_size=40))
    return bytes(base)


@settings(max_examples=EXAMPLES)
@given(st.one_of(mutated(), st.binary(max_size=1300)))
def test_fuzz_discv5_packet_decoders(data):
    _consume(data)


@settings(max_examples=EXAMPLES)
@given(st.binary(max_size=400))
def test_fuzz_discv5_message_decoder(data):
    try:
        messages.decode(data)
    except StatusCliError:
        pass
