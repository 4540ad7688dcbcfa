"""Pairing and contact-sync messages on the wire, against status-go's protocol/protobuf/pairing.proto
(field numbers and types from tests/vectors/protobufs.json, read without the protobuf library) and
its ApplicationMetadataMessage enum; decoding refuses what status-go's validator refuses."""

from __future__ import annotations

import json

import pytest

from statuscli.core.errors import DecodeError, InvalidInput, InvalidMessage
from statuscli.core.payloads import message_types
from statuscli.core.payloads import pairing as P
from tests.conftest import VECTORS
from tests.unit.wire import fields

WIRE = {"uint64": 0, "uint32": 0, "int64": 0, "bool": 0, "string": 2, "bytes": 2}
KEY = "0x04" + "ab" * 64


def _files() -> list[dict]:
    return json.loads((VECTORS / "protobufs.json").read_text())["files"]


def _declared(message: str) -> dict[str, tuple[int, str]]:
    (f,) = [f for f in _files() if f["file"] == "protocol/protobuf/pairing.proto"]
    (m,) = [m for m in f["messages"] if m["name"] == message]
    return {x["name"]: (x["number"], x["type"]) for x in m["fields"]}


def _amm_enum() -> dict[str, int]:
    (f,) = [f for f in _files() if f["file"] == "protocol/protobuf/application_metadata_message.proto"]
    (e,) = [e for e in f["messages"][0]["enums"] if e["name"] == "Type"]
    return {v["name"]: v["number"] for v in e["values"]}


def _check(raw: bytes, message: str, expected: dict) -> None:
    decl = _declared(message)
    want = [(decl[k][0], WIRE[decl[k][1]], v.encode() if isinstance(v, str) else int(v)) for k, v in expected.items()]
    assert fields(raw) == sorted(want)


def test_type_numbers_are_status_gos():
    enum = _amm_enum()
    assert P.SYNC_PAIR_INSTALLATION == enum["SYNC_PAIR_INSTALLATION"] == 4
    assert P.SYNC_INSTALLATION_CONTACT_V2 == enum["SYNC_INSTALLATION_CONTACT_V2"] == 12
    assert message_types.PAYLOAD_MESSAGES[4] == ("pairing_pb2", "SyncPairInstallation")


def test_our_proto_declares_exactly_status_gos_fields():
    from statuscli.pb import pairing_pb2

    for name in ("SyncPairInstallation", "SyncInstallationContactV2"):
        ours = {f.name: f.number for f in getattr(pairing_pb2, name).DESCRIPTOR.fields}
        assert ours == {k: n for k, (n, _t) in _declared(name).items()}


def test_pair_installation_wire_bytes():
    p = P.PairInstallation(1_700_000_000_123, "3f2a9c51-7d0e-4b6a-9f3e-2c1d0b8a7e65", "linux", "laptop", 1, "0b8a7e65-2c1d-4b6a-9f3e-3f2a9c517d0e")
    raw = P.encode_pair(p)
    _check(raw, "SyncPairInstallation", {"clock": p.clock, "installation_id": p.installation_id, "device_type": "linux", "name": "laptop",
                                         "version": 1, "target_installation_id": p.target_installation_id})  # fmt: skip
    assert raw[:1] == b"\x08"  # field 1, varint: the clock first, fields in number order as protobuf-go writes them
    assert P.decode_pair(raw, 1_700_000_000_000) == p
    untargeted = P.encode_pair(P.PairInstallation(5, "id", "ios", "phone"))
    assert [n for n, _w, _v in fields(untargeted)] == [1, 2, 3, 4, 5]  # an empty target is left out (proto3)


@pytest.mark.parametrize("change, why", [({"name": " "}, "name"), ({"device_type": ""}, "device type"), ({"installation_id": ""}, "installationId")])
def test_pairing_messages_status_go_refuses(change, why):
    from statuscli.pb import pairing_pb2

    base = {"clock": 10, "installation_id": "x", "device_type": "linux", "name": "n"}
    raw = pairing_pb2.SyncPairInstallation(**{**base, **change}).SerializeToString()
    with pytest.raises(DecodeError, match=why):
        P.decode_pair(raw)


def test_pairing_clock_is_checked_against_the_waku_timestamp():
    raw = P.encode_pair(P.PairInstallation(10_000_000, "x", "linux", "n"))
    P.decode_pair(raw, 10_000_000 - 120_000)
    with pytest.raises(InvalidMessage):
        P.decode_pair(raw, 10_000_000 - 120_001)
    with pytest.raises(InvalidInput):
        P.encode_pair(P.PairInstallation(1, "x", "linux", ""))


def test_contact_sync_wire_bytes():
    c = P.SyncedContact(KEY, 1_700_000_000_000, "bob", added=True, has_added_us=True, blocked=False, removed=False, last_updated=7)
    raw = P.encode_contact(c)
    _check(raw, "SyncInstallationContactV2", {"last_updated_locally": c.last_updated_locally, "id": KEY, "last_updated": 7,
                                              "local_nickname": "bob", "added": True, "has_added_us": True})  # fmt: skip
    assert P.decode_contact(raw) == c
    blocked = P.encode_contact(P.SyncedContact(KEY, 3, blocked=True, removed=True))
    assert {n for n, _w, _v in fields(blocked)} == {1, 2, 10, 12}


def test_contact_sync_needs_a_public_key_id():
    from statuscli.pb import pairing_pb2

    for bad in ("", "0x02" + "ab" * 32, "bob", "0x04" + "zz" * 64):
        with pytest.raises(DecodeError):
            P.decode_contact(pairing_pb2.SyncInstallationContactV2(id=bad, added=True).SerializeToString())
