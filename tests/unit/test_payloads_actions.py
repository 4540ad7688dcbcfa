"""Reactions, edits, deletes and pins: the bytes carry status-go's field numbers (tests/vectors/protobufs.json,
status-go c72f4913), read without protobuf (tests/unit/wire.py); decode(encode(x)) == x; garbage → typed error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statuscli.core.errors import InvalidInput
from statuscli.core.payloads import actions, message_types
from tests.unit.wire import fields

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
MID = "0x" + "ab" * 32
CHAT = "0x04" + "cd" * 64


def numbers(proto_file: str, message: str) -> dict[str, int]:
    files = json.loads((VECTORS / "protobufs.json").read_text())["files"]
    (f,) = [f for f in files if f["file"].endswith("/" + proto_file)]
    (m,) = [m for m in f["messages"] if m["name"] == message]
    return {x["name"]: x["number"] for x in m["fields"]}


def amm_type(name: str) -> int:
    files = json.loads((VECTORS / "protobufs.json").read_text())["files"]
    (f,) = [f for f in files if f["file"].endswith("application_metadata_message.proto")]
    return {v["name"]: v["number"] for v in f["messages"][0]["enums"][0]["values"]}[name]


def test_reaction_bytes():
    t, raw = actions.encode(actions.Reaction(7, CHAT, MID, 1, actions.reaction_type("👍"), retracted=True))
    n = numbers("emoji_reaction.proto", "EmojiReaction")
    assert t == amm_type("EMOJI_REACTION") == 22
    assert fields(raw) == [(n["clock"], 0, 7), (n["chat_id"], 2, CHAT.encode()), (n["message_id"], 2, MID.encode()),
                           (n["message_type"], 0, 1), (n["type"], 0, 2), (n["retracted"], 0, 1)]  # fmt: skip


def test_edit_bytes():
    t, raw = actions.encode(actions.Edit(9, CHAT, MID, 1, "fixed typo"))
    n = numbers("chat_message.proto", "EditMessage")
    assert t == amm_type("EDIT_MESSAGE") == 29
    assert fields(raw) == [(n["clock"], 0, 9), (n["text"], 2, b"fixed typo"), (n["chat_id"], 2, CHAT.encode()),
                           (n["message_id"], 2, MID.encode()), (n["message_type"], 0, 1), (n["content_type"], 0, 1)]  # fmt: skip


def test_delete_bytes():
    t, raw = actions.encode(actions.Delete(10, "status", MID, 2, deleted_by=CHAT))
    n = numbers("chat_message.proto", "DeleteMessage")
    assert t == amm_type("DELETE_MESSAGE") == 31
    assert fields(raw) == [(n["clock"], 0, 10), (n["chat_id"], 2, b"status"), (n["message_id"], 2, MID.encode()),
                           (n["message_type"], 0, 2), (n["deleted_by"], 2, CHAT.encode())]  # fmt: skip


def test_pin_bytes():
    t, raw = actions.encode(actions.Pin(11, CHAT, MID, 1, pinned=True))
    n = numbers("pin_message.proto", "PinMessage")
    assert t == amm_type("PIN_MESSAGE") == 28
    assert fields(raw) == [(n["clock"], 0, 11), (n["message_id"], 2, MID.encode()), (n["chat_id"], 2, CHAT.encode()),
                           (n["pinned"], 0, 1), (n["message_type"], 0, 1)]  # fmt: skip
    assert message_types.PAYLOAD_MESSAGES[t] == ("pin_message_pb2", "PinMessage")


hexid = st.binary(min_size=32, max_size=32).map(lambda b: "0x" + b.hex())
chat = st.text(min_size=1, max_size=40)
clock = st.integers(0, 2**64 - 1)


@given(st.one_of(
    st.builds(actions.Reaction, clock, chat, hexid, st.integers(1, 3), st.integers(1, 6), st.booleans()),
    st.builds(actions.Edit, clock, chat, hexid, st.integers(1, 3), st.text(min_size=1).filter(str.strip), st.integers(1, 3)),
    st.builds(actions.Delete, clock, chat, hexid, st.integers(1, 3), st.text(max_size=10)),
    st.builds(actions.Pin, clock, chat, hexid, st.integers(1, 3), st.booleans()),
))  # fmt: skip
def test_roundtrip(a):
    assert actions.decode(*actions.encode(a)) == a


@given(st.binary(max_size=64), st.sampled_from(actions.TYPES))
def test_garbage_is_a_typed_error(data, t):
    try:
        actions.decode(t, data)
    except InvalidInput:
        pass  # DecodeError is an InvalidInput


def test_a_target_that_is_no_message_id_is_refused():
    _, raw = actions.encode(actions.Pin(1, CHAT, MID, 1))
    bad = raw.replace(MID.encode(), b"0x" + b"zz" * 32)
    with pytest.raises(InvalidInput) as e:
        actions.decode(actions.PIN_MESSAGE, bad)
    assert e.value.code == "invalid-message"
    with pytest.raises(InvalidInput, match="unknown reaction"):
        actions.reaction_type("shrug")
    assert [actions.reaction_type(x) for x in ("love", "THUMBS_UP", "👎", "4")] == [1, 2, 3, 4]
