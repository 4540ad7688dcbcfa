"""app/vectors: deterministic generation of every category, and verification of what it makes."""

from __future__ import annotations

import copy
import json

import pytest

from statuscli.app.vectors import categories, run, schema
from statuscli.app.vectors.entropy import Entropy
from statuscli.core.errors import InvalidInput, UsageError

CATEGORIES = sorted(categories.CATEGORIES)
COUNT = 3


@pytest.fixture(scope="module")
def generated() -> dict[str, dict]:
    return {c: run.generate(c, COUNT, "unit-test") for c in CATEGORIES}


def _verify(doc: dict, name: str = "doc") -> list[run.Result]:
    return run.verify([schema.load(schema.dumps(doc).encode(), name)])


# --- entropy --------------------------------------------------------------------------------
def test_entropy_is_a_function_of_seed_category_and_label():
    a, b = Entropy("s", "cat"), Entropy("s", "cat")
    assert a.bytes("x", 100) == b.bytes("x", 100)
    assert a.bytes("x", 10) == a.bytes("x", 100)[:10]  # a label is one stream
    assert a.bytes("x", 32) != a.bytes("y", 32)
    assert Entropy("s", "cat").bytes("x", 32) != Entropy("t", "cat").bytes("x", 32)
    assert Entropy("s", "cat").bytes("x", 32) != Entropy("s", "dog").bytes("x", 32)
    read = a.rng("z")
    assert read(5) + read(40) == a.bytes("z", 45)


def test_entropy_integers_and_keys_stay_in_range():
    from statuscli.core.crypto import secp256k1

    e = Entropy("seed", "c")
    values = {e.int(f"i/{k}", 3, 7) for k in range(200)}
    assert values == {3, 4, 5, 6, 7}
    key = e.private_key("k")
    assert len(secp256k1.public_key(key)) == 65
    assert e.word("w", 3, 5).isalpha()


# --- generation -----------------------------------------------------------------------------
@pytest.mark.parametrize("category", CATEGORIES)
def test_generation_is_deterministic(category, generated):
    again = run.generate(category, COUNT, "unit-test")
    assert schema.dumps(again) == schema.dumps(generated[category])
    assert schema.dumps(run.generate(category, COUNT, "another seed")) != schema.dumps(again)


@pytest.mark.parametrize("category", CATEGORIES)
def test_document_shape(category, generated):
    doc = generated[category]
    assert doc["format"] == schema.FORMAT and doc["category"] == category
    assert doc["generator"]["seed"] == "unit-test"
    vectors = doc["vectors"]
    assert len(vectors) == run.planned_count(category, COUNT)
    assert [v["id"] for v in vectors] == [f"{category}-{n:03d}" for n in range(1, len(vectors) + 1)]
    for v in vectors:
        assert set(v) >= {"id", "description", "inputs", "expected", "provenance"}
        assert v.get("must_fail", False) is (v["expected"].keys() == {"error"})
    negatives = [v for v in vectors if v.get("must_fail")]
    assert bool(negatives) is categories.CATEGORIES[category][2]
    json.loads(schema.dumps(doc))  # plain JSON


@pytest.mark.parametrize("category", CATEGORIES)
def test_generated_vectors_verify(category, generated):
    results = _verify(generated[category])
    assert [r.status for r in results] == ["pass"] * len(results), [r.reason for r in results if r.status != "pass"]


def test_more_vectors_extend_the_same_stream():
    """Vector k depends on its own labels only: a longer run starts with the shorter one."""
    short, long_ = run.generate("identity", 2, "s")["vectors"], run.generate("identity", 4, "s")["vectors"]
    assert long_[:2] == short[:2]


def test_unknown_category_and_bad_count_are_usage_errors():
    with pytest.raises(UsageError):
        run.generate("nope", 1, "s")
    with pytest.raises(UsageError):
        run.generate("keys", 0, "s")


# --- altered files fail ---------------------------------------------------------------------
def _first(doc: dict, must_fail: bool) -> int:
    return next(k for k, v in enumerate(doc["vectors"]) if bool(v.get("must_fail")) is must_fail)


def _flip_first_hex_value(obj):
    """Change one character of the first string value (deep) and say which field it was."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, str) and v:
                c = v[-1]
                obj[k] = v[:-1] + ("0" if c != "0" else "1")
                return k
            if isinstance(v, (dict, list)):
                found = _flip_first_hex_value(v)
                if found:
                    return f"{k}.{found}"
    if isinstance(obj, list):
        for k, v in enumerate(obj):
            if isinstance(v, str) and v:
                obj[k] = v[:-1] + ("0" if v[-1] != "0" else "1")
                return str(k)
            if isinstance(v, (dict, list)):
                found = _flip_first_hex_value(v)
                if found:
                    return found
    return None


@pytest.mark.parametrize("category", CATEGORIES)
def test_altered_expected_value_fails(category, generated):
    doc = copy.deepcopy(generated[category])
    k = _first(doc, must_fail=False)
    field = _flip_first_hex_value(doc["vectors"][k]["expected"])
    assert field, "nothing to alter"
    results = _verify(doc)
    assert results[k].status == "fail" and results[k].reason
    assert sum(r.status == "fail" for r in results) == 1


@pytest.mark.parametrize("category", [c for c in CATEGORIES if categories.CATEGORIES[c][2]])
def test_negative_vector_marked_valid_fails_and_valid_marked_negative_fails(category, generated):
    doc = copy.deepcopy(generated[category])
    neg = _first(doc, must_fail=True)
    doc["vectors"][neg]["expected"]["error"] = "some-other-code"
    results = _verify(doc)
    assert results[neg].status == "fail" and "expected 'some-other-code'" in results[neg].reason
    doc = copy.deepcopy(generated[category])
    ok = _first(doc, must_fail=False)
    doc["vectors"][ok]["must_fail"] = True
    assert _verify(doc)[ok].status == "fail"


def test_unknown_expected_field_and_missing_input_fail_without_crashing(generated):
    doc = copy.deepcopy(generated["identity"])
    doc["vectors"][0]["expected"]["favourite_colour"] = "blue"
    doc["vectors"][1]["inputs"] = {}
    results = _verify(doc)
    assert results[0].status == "fail" and "favourite_colour" in results[0].reason
    assert results[1].status == "fail" and "KeyError" in results[1].reason


def test_unknown_category_of_our_format_is_skipped_not_passed(generated):
    doc = copy.deepcopy(generated["x3dh"])
    doc["category"] = "quantum-teleport"
    results = _verify(doc)
    assert {r.status for r in results} == {"skip"} and "quantum-teleport" in results[0].reason
    assert run.summary(results)["ok"] is True and run.summary(results)["passed"] == 0


# --- file format ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [b"not json", b"[]", b'{"vectors": 5}', b'{"format": "statuscli-vectors/9", "vectors": []}',
     b'{"format": "statuscli-vectors/1", "vectors": []}',
     b'{"format": "statuscli-vectors/1", "category": "x3dh", "vectors": [{"inputs": {}}]}',
     b'{"vectors": [{"inputs": {}, "expected": {}}]}', b"\xff\xfe"],
)
def test_malformed_files_are_invalid_input(text):
    with pytest.raises(InvalidInput) as e:
        schema.load(text, "f.json")
    assert e.value.exit_code == 3 and e.value.code == "invalid-vector-file"


def test_dumps_is_stable_text():
    doc = schema.document("c", "d", "s", "t", [schema.Vector("c-001", "x", {"a": "é"}, {"b": 1}, "p", True)])
    text = schema.dumps(doc)
    assert text.endswith("}\n") and "é" in text and '"must_fail": true' in text
