"""Byte-level mutations of valid seeds (the part of a coverage-guided fuzzer that needs no coverage).

``mutate(data, rng, others)`` applies one to four random edits: flip bits, overwrite a byte with
an interesting value, insert or delete a run, truncate, duplicate a slice, splice in a slice of
another seed, or plant a long varint / length prefix (the classic ways protobuf and RLP decoders
are tricked into huge allocations or out-of-range reads).
"""

from __future__ import annotations

import random

INTERESTING = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0xB7, 0xB8, 0xBF, 0xC0, 0xF7, 0xF8, 0xFF)
BIG_VARINT = b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"


def mutate(data: bytes, rng: random.Random, others: list[bytes] = ()) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:  # flip one bit
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:  # an interesting byte
            buf[rng.randrange(len(buf))] = rng.choice(INTERESTING)
        elif op == 2:  # insert random bytes
            buf[pos:pos] = rng.randbytes(rng.randint(1, 16))
        elif op == 3 and buf:  # delete a run
            del buf[pos:pos + rng.randint(1, 16)]
        elif op == 4:  # truncate
            del buf[pos:]
        elif op == 5 and buf:  # duplicate a slice
            a = rng.randrange(len(buf))
            buf[pos:pos] = buf[a:a + rng.randint(1, 64)]
        elif op == 6 and others:  # splice from another seed
            o = rng.choice(others)
            if o:
                a = rng.randrange(len(o))
                buf[pos:pos] = o[a:a + rng.randint(1, 64)]
        elif op == 7:  # a huge varint (protobuf lengths, tags, numbers)
            buf[pos:pos] = BIG_VARINT[rng.randrange(len(BIG_VARINT)):]
        else:  # an RLP long-string / long-list header promising far more than is there
            buf[pos:pos] = bytes([rng.choice((0xB9, 0xBB, 0xF9, 0xFB))]) + b"\xff\xff\xff\xff"[: rng.randint(2, 4)]
    return bytes(buf)
