"""Every protobuf parse goes through core/protobuf_codec: a known field sent with the wrong wire
type is refused the same way (DecodeError naming the field) by every decoder, in core and net."""

from __future__ import annotations

import pytest

from statuscli.core.errors import DecodeError

# field 1 of each message is a scalar or bytes field; these bytes send it with the other wire type
AS_LENGTH_DELIMITED = bytes([0x0A, 0x01, 0x00])  # field 1, wire type 2
AS_VARINT = bytes([0x08, 0x01])  # field 1, wire type 0


def _chat(data):
    from statuscli.core.payloads.chat import decode

    return decode(data)


def _bundle(data):
    from statuscli.core.bundles import Bundle

    return Bundle.decode(data)


def _protocol_message(data):
    from statuscli.core.encryption import parse_pb
    from statuscli.pb import encryption_pb2

    return parse_pb(encryption_pb2.ProtocolMessage(), data, "ProtocolMessage")


def _membership(data):
    from statuscli.core.payloads.membership import decode_update

    return decode_update(data)


def _metadata(data):
    from statuscli.net.metadata import decode

    return decode(data)


CASES = [
    (_chat, AS_LENGTH_DELIMITED, "clock (field 1)"),  # uint64
    (_bundle, AS_VARINT, "identity (field 1)"),  # bytes
    (_protocol_message, bytes([0x10, 0x01]), "installation_id (field 2)"),  # string, sent as a varint
    (_membership, AS_VARINT, "chat_id (field 1)"),  # string
    (_metadata, AS_LENGTH_DELIMITED, "cluster_id (field 1)"),  # uint32
]


@pytest.mark.parametrize("decode, data, field", CASES, ids=lambda x: getattr(x, "__name__", None) or str(x))
def test_a_mistyped_field_is_refused_by_every_decoder(decode, data, field):
    with pytest.raises(DecodeError, match=rf"\.{field.replace('(', '[(]').replace(')', '[)]')} arrived with wire type"):
        decode(data)
