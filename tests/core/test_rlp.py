"""RLP: canonical encoding, strict decoding, properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.errors import DecodeError, StatusCliError
from statuscli.core.waku import rlp


@pytest.mark.parametrize(
    "item, hexed",
    [
        (b"", "80"),
        (b"\x00", "00"),
        (b"\x7f", "7f"),
        (b"\x80", "8180"),
        (b"dog", "83646f67"),
        ([b"cat", b"dog"], "c88363617483646f67"),
        ([], "c0"),
        (0, "80"),
        (15, "0f"),
        (1024, "820400"),
        ([[], [[]], [[], [[]]]], "c7c0c1c0c3c0c1c0"),
        (b"a" * 56, "b838" + "61" * 56),
    ],
)
def test_known_encodings(item, hexed):
    assert rlp.encode(item).hex() == hexed
    decoded = rlp.decode(bytes.fromhex(hexed))
    if isinstance(item, int):
        assert rlp.decode_uint(decoded) == item
    else:
        assert decoded == item


@pytest.mark.parametrize(
    "hexed, why",
    [
        ("", "exceeds"),
        ("83646f", "exceeds"),  # truncated string
        ("c88363617483646f", "exceeds"),  # truncated list
        ("8100", "single byte"),  # non-canonical single byte
        ("b80161", "long form"),  # long form for a short string
        ("b9000161" + "61", "leading zero"),
        ("80" + "00", "trailing"),
        ("f90000", "leading zero"),
    ],
)
def test_strict_rejections(hexed, why):
    with pytest.raises(DecodeError, match=why):
        rlp.decode(bytes.fromhex(hexed))


def test_decode_uint_rejects_leading_zeros_and_lists():
    with pytest.raises(DecodeError):
        rlp.decode_uint(b"\x00\x01")
    with pytest.raises(DecodeError):
        rlp.decode_uint([])
    with pytest.raises(DecodeError, match="bits"):
        rlp.decode_uint(b"\x01\x00\x00\x00\x00", bits=32)


def test_deep_nesting_is_refused():
    data = b"\xc1" * 100 + b"\xc0"
    # each level declares 1 byte of content, which is wrong past the first, but depth is hit first
    with pytest.raises(DecodeError):
        rlp.decode(data)


items = st.recursive(st.binary(max_size=80), lambda children: st.lists(children, max_size=5), max_leaves=20)


@given(items)
def test_roundtrip(item):
    assert rlp.decode(rlp.encode(item)) == item


@given(st.integers(0, 2**256))
def test_uint_roundtrip(n):
    assert rlp.decode_uint(rlp.decode(rlp.encode(n))) == n


@given(st.binary(max_size=120))
@settings(max_examples=500)
def test_garbage_gives_typed_errors(data):
    try:
        rlp.decode(data)
    except StatusCliError:
        pass


@given(items, st.data())
def test_truncation_is_a_decode_error(item, data):
    raw = rlp.encode(item)
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(DecodeError):
        rlp.decode(raw[:cut])
