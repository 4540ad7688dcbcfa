"""Glue between our codecs and the generated protobuf classes (``statuscli.pb``).

protobuf's own parser and serializer do the work; this module only adds what our codecs promise:

* Every parse failure is a :class:`~statuscli.core.errors.DecodeError`: protobuf's
  ``DecodeError`` (truncation, bad varints, field number 0, invalid UTF-8 in a ``string``
  field, nesting too deep) and anything else a parser could raise on hostile bytes.
* A known field that arrives with another wire type is refused. protobuf would keep it as an
  unknown field and leave the declared field unset, so a sender's mistake would pass silently.
  Nested messages are checked with :func:`refuse_mistyped` by the codec that reads them.
* Unknown fields (numbers the schema does not declare) are skipped, as protobuf specifies, except
  groups (wire types 3/4): proto3 has none and none of the peers we talk to writes them.
* :func:`as_bytes` lets ``bytes`` fields take any bytes-like value (protobuf wants ``bytes``).

``google.protobuf`` is imported on first use, not when this module is imported, so importing
``statuscli.core.*`` stays cheap for commands that never parse a protobuf.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

from statuscli.core.errors import DecodeError

_WIRE_NAMES = {0: "varint", 1: "fixed64", 2: "length-delimited", 3: "start-group", 4: "end-group", 5: "fixed32"}
_parse_errors: tuple[type[BaseException], ...] | None = None
_unknown_field_set: Any = None


def _load() -> None:
    global _parse_errors, _unknown_field_set
    from google.protobuf.message import DecodeError as PbDecodeError
    from google.protobuf.unknown_fields import UnknownFieldSet

    _parse_errors = (PbDecodeError, ValueError, TypeError, RuntimeError, RecursionError, OverflowError, MemoryError)
    _unknown_field_set = UnknownFieldSet


def lazy_module(name: str) -> Callable[[], Any]:
    """A zero-argument function returning the generated module ``statuscli.pb.<name>``, imported
    on its first call (then cached): codecs stay importable without loading protobuf."""
    return functools.cache(lambda: importlib.import_module(f"statuscli.pb.{name}"))


def lazy_class(module: str, name: str) -> Callable[[], Any]:
    """Like :func:`lazy_module`, for one message class: ``lazy_class("mvds_pb2", "Payload")()``."""
    return functools.cache(lambda: getattr(importlib.import_module(f"statuscli.pb.{module}"), name))


def parse(message_class: Any, data: bytes, what: str) -> Any:
    """``message_class.FromString(data)``; any failure or a mistyped known field → DecodeError."""
    if _parse_errors is None:
        _load()
    try:
        msg = message_class.FromString(data)
    except _parse_errors as e:  # type: ignore[misc]
        raise DecodeError(f"not a valid {what} protobuf: {e}") from None
    refuse_mistyped(msg, what)
    return msg


def parse_into(message: Any, data: bytes, what: str) -> Any:
    """:func:`parse` into an existing message (a fresh one, or a sub-message field being filled):
    ``message`` is cleared first, as ``ParseFromString`` does. Returns ``message``."""
    if _parse_errors is None:
        _load()
    try:
        message.ParseFromString(bytes(data))
    except _parse_errors as e:  # type: ignore[misc]
        raise DecodeError(f"not a valid {what} protobuf: {e}") from None
    refuse_mistyped(message, what)
    return message


def refuse_mistyped(msg: Any, what: str) -> None:
    """Raise DecodeError if a declared field number or a group was kept as an unknown field.

    protobuf keeps a declared field as "unknown" exactly when its wire type does not match the
    declared type (a packed/unpacked repeated scalar is not a mismatch: protobuf accepts both).
    """
    if _unknown_field_set is None:
        _load()
    unknown = _unknown_field_set(msg)
    if not len(unknown):
        return
    declared = msg.DESCRIPTOR.fields_by_number
    for f in unknown:
        field = declared.get(f.field_number)
        got = _WIRE_NAMES.get(f.wire_type, str(f.wire_type))
        if field is not None:
            raise DecodeError(f"{what}.{field.name} (field {f.field_number}) arrived with wire type {got}")
        if f.wire_type in (3, 4):
            raise DecodeError(f"{what}: field {f.field_number} is a group (wire type {got}); groups are not accepted")


def as_bytes(value: Any) -> Any:
    """``bytes`` for a bytearray/memoryview; anything else unchanged (protobuf then judges it)."""
    return bytes(value) if isinstance(value, (bytearray, memoryview)) else value
