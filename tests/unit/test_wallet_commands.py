"""Wallet chat commands (RequestTransaction, SendTransaction): wire bytes against status-go's field
numbers (tests/vectors/protobufs.json, from protocol/protobuf/command.proto), decoding, bad input."""

from __future__ import annotations

import json

import pytest

from statuscli.core.errors import DecodeError, InvalidInput
from statuscli.core.payloads import message_types
from statuscli.core.payloads import wallet_commands as wc
from tests.conftest import VECTORS
from tests.unit.wire import fields

ADDRESS = "0x8ba1f109551bD432803012645Ac136ddd64DBA72"
TOKEN = "0x744d70FDBE2Ba4CF95131626614a1763DF805B9E"
TX = "0x" + "5c" * 32
SIG = bytes(range(65))
CHAT = "0x04" + "ab" * 64


def _declared(message: str) -> dict[str, tuple[int, str]]:
    files = json.loads((VECTORS / "protobufs.json").read_text())["files"]
    (f,) = [f for f in files if f["file"] == "protocol/protobuf/command.proto"]
    (m,) = [m for m in f["messages"] if m["name"] == message]
    return {x["name"]: (x["number"], x["type"]) for x in m["fields"]}


def _numbers(message: str) -> dict[str, int]:
    return {k: n for k, (n, _t) in _declared(message).items()}


WIRE = {"uint64": 0, "string": 2, "bytes": 2}


def test_request_transaction_wire_bytes_follow_status_go():
    t, raw = wc.encode_request(address=ADDRESS, value="1000000000000000000", contract=TOKEN, chat_id=CHAT, clock=1_700_000_000_001)
    assert t == message_types.BY_NAME["REQUEST_TRANSACTION"] == 9
    num = _numbers("RequestTransaction")
    expected = [(num["clock"], 1_700_000_000_001), (num["address"], ADDRESS.encode()), (num["value"], b"1000000000000000000"),
                (num["contract"], TOKEN.encode()), (num["chat_id"], CHAT.encode())]  # fmt: skip
    assert [(n, v) for n, _wt, v in fields(raw)] == expected
    types = _declared("RequestTransaction")
    assert [wt for _n, wt, _v in fields(raw)] == [WIRE[types[k][1]] for k in ("clock", "address", "value", "contract", "chat_id")]
    # the first bytes by hand: tag 1 varint, then tag 2 length-delimited of 42 bytes
    assert raw[:1] == b"\x08" and raw[7:9] == b"\x12\x2a"


def test_eth_request_leaves_the_contract_out():
    _t, raw = wc.encode_request(address=ADDRESS, value="007", contract="", chat_id=CHAT, clock=3)
    assert [n for n, _wt, _v in fields(raw)] == [1, 2, 3, 5]
    cmd = wc.decode(9, raw)
    assert cmd.fields() == {"address": ADDRESS, "value": "7", "contract": "", "chat_id": CHAT, "clock": 3}


def test_send_transaction_wire_bytes_follow_status_go():
    rid = "0x" + "9e" * 32
    t, raw = wc.encode_sent(transaction_hash=TX, signature=SIG, chat_id=CHAT, clock=42, request_id=rid)
    assert t == message_types.BY_NAME["SEND_TRANSACTION"] == 10
    num = _numbers("SendTransaction")
    assert _declared("SendTransaction")["signature"] == (4, "bytes")
    expected = [(num["clock"], 42), (num["id"], rid.encode()), (num["transaction_hash"], TX.encode()), (num["signature"], SIG),
                (num["chat_id"], CHAT.encode())]  # fmt: skip
    assert [(n, v) for n, _wt, v in fields(raw)] == expected
    cmd = wc.decode(10, raw)
    assert cmd.kind == "transaction_sent" and cmd.signature == SIG
    assert cmd.fields() == {"request_id": rid, "transaction_hash": TX, "signature": "0x" + SIG.hex(), "chat_id": CHAT, "clock": 42}


@pytest.mark.parametrize("address", ["0xZZa1f109551bD432803012645Ac136ddd64DBA72", "8ba1f109551bD432803012645Ac136ddd64DBA72", "0x1234", ""])
def test_bad_address_is_invalid_input(address):
    with pytest.raises(InvalidInput, match="address"):
        wc.encode_request(address=address, value="1", contract="", chat_id=CHAT, clock=1)


@pytest.mark.parametrize("value", ["-1", "1.5", "1e18", "", "0x10"])
def test_value_is_a_non_negative_whole_number_of_wei(value):
    with pytest.raises(InvalidInput, match="wei"):
        wc.encode_request(address=ADDRESS, value=value, contract="", chat_id=CHAT, clock=1)


def test_bad_sent_fields():
    with pytest.raises(InvalidInput, match="transaction hash"):
        wc.encode_sent(transaction_hash="0x12", signature=SIG, chat_id=CHAT, clock=1)
    with pytest.raises(InvalidInput, match="signature"):
        wc.encode_sent(transaction_hash=TX, signature=b"", chat_id=CHAT, clock=1)
    with pytest.raises(InvalidInput, match="contract"):
        wc.encode_request(address=ADDRESS, value="1", contract="0xnope", chat_id=CHAT, clock=1)


def test_received_commands_status_go_would_refuse_are_decode_errors():
    from statuscli.pb import command_pb2

    no_sig = command_pb2.SendTransaction(clock=1, transaction_hash=TX, chat_id=CHAT).SerializeToString()
    no_value = command_pb2.RequestTransaction(clock=1, address=ADDRESS, chat_id=CHAT).SerializeToString()
    for t, raw in ((10, no_sig), (9, no_value), (9, b"\xff\xff")):
        with pytest.raises(DecodeError):
            wc.decode(t, raw)
    with pytest.raises(DecodeError):
        wc.decode(1, b"")
