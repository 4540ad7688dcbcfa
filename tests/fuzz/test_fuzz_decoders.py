"""Bounded fuzz run of every decoder target in CI: only typed errors may escape.

Inputs are random bytes and mutations of valid seeds (``tests/fuzz/mutate.py``). The number of
inputs a target is ``STATUSCLI_FUZZ_EXAMPLES`` (default 300); ``scripts/fuzz`` runs ≥ 1 M a target.
"""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscli.core.errors import StatusCliError
from tests.fuzz.mutate import mutate
from tests.fuzz.targets import SEEDS, TARGETS

EXAMPLES = int(os.environ.get("STATUSCLI_FUZZ_EXAMPLES", "300"))


def inputs(name: str):
    seeds = SEEDS[name]()
    mutated = st.builds(lambda seed, r: mutate(seed, r, seeds), st.sampled_from(seeds), st.randoms(use_true_random=False))
    return st.one_of(st.binary(max_size=512), mutated, mutated)


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_only_typed_errors_escape(name):
    fn = TARGETS[name]

    @settings(max_examples=EXAMPLES, database=None)
    @given(inputs(name))
    def check(data):
        try:
            fn(data)
        except StatusCliError:
            pass

    check()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_seed_is_accepted(name):
    """The seeds are valid encodings: a target that refuses all of them fuzzes nothing deep."""
    accepted = 0
    for seed in SEEDS[name]():
        try:
            TARGETS[name](seed)
            accepted += 1
        except StatusCliError:
            pass
    assert accepted >= 1, f"no seed of {name} gets past its decoder"


def test_mutations_reach_past_the_first_byte():
    """Most mutants differ from their seed, yet keep most of it (they are edits, not noise)."""
    rng = random.Random(7)
    seed = SEEDS["waku-message"]()[0]
    mutants = [mutate(seed, rng) for _ in range(200)]
    assert sum(m != seed for m in mutants) >= 190
    assert sum(seed[:8] == m[:8] for m in mutants) >= 100
