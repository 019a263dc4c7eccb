"""Canonical bytes (RFC 8785) and the RFC 6962 Merkle tree over shard entries."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartvote.publish.canonical import (
    all_audit_paths,
    audit_path,
    canonical_bytes,
    leaf_hash,
    merkle_root,
    root_from_path,
)


def test_sorted_keys_no_whitespace_utf8() -> None:
    assert (
        canonical_bytes({"b": 1, "a": [True, None, "ё"]}) == '{"a":[true,null,"ё"],"b":1}'.encode()
    )


def test_keys_sort_by_utf16_code_units() -> None:
    # RFC 8785 §3.2.3: U+1F600 (surrogates D83D..) sorts before U+FB33 in UTF-16 order
    assert canonical_bytes({"\ufb33": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\ufb33":1}'.encode()


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (0.5, "0.5"),
        (0.73, "0.73"),
        (1e-7, "1e-7"),
        (1e-6, "0.000001"),
        (0.00001, "0.00001"),
        (123456789012345680000.0, "123456789012345680000"),
        (1e21, "1e+21"),
        (1.5e300, "1.5e+300"),
        (-2.5e-8, "-2.5e-8"),
        (5e-324, "5e-324"),
        (333333333.3333333, "333333333.3333333"),
    ],
)
def test_numbers_in_ecmascript_form(x: float, text: str) -> None:
    assert canonical_bytes(x) == text.encode()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused(bad: float) -> None:
    with pytest.raises(ValueError):
        canonical_bytes({"p": bad})


def test_non_string_keys_and_odd_types_are_refused() -> None:
    with pytest.raises(TypeError):
        canonical_bytes({1: "x"})
    with pytest.raises(TypeError):
        canonical_bytes({"x": b"bytes"})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_canonical_bytes_round_trip_and_are_stable(v: object) -> None:
    b = canonical_bytes(v)
    back = json.loads(b)
    assert canonical_bytes(back) == b
    assert _numbers_as_floats(back) == _numbers_as_floats(v)


def _numbers_as_floats(v: object) -> object:
    """JSON numbers are doubles: compare values as a JavaScript reader would see them."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, list):
        return [_numbers_as_floats(x) for x in v]
    assert isinstance(v, dict)
    return {k: _numbers_as_floats(x) for k, x in v.items()}


@pytest.mark.parametrize("n", range(1, 18))
def test_every_audit_path_leads_to_the_root(n: int) -> None:
    leaves = [leaf_hash({"i": i}) for i in range(n)]
    root = merkle_root(leaves)
    root2, paths = all_audit_paths(leaves)
    assert root2 == root
    for i in range(n):
        assert paths[i] == audit_path(leaves, i)
        assert root_from_path(leaves[i], i, n, paths[i]) == root
        other = leaf_hash({"i": -1})
        assert root_from_path(other, i, n, paths[i]) != root
        if n > 1:
            assert root_from_path(leaves[i], (i + 1) % n, n, paths[(i + 1) % n]) != root


def test_bad_audit_paths_raise() -> None:
    leaves = [leaf_hash(i) for i in range(5)]
    with pytest.raises(ValueError):
        root_from_path(leaves[0], 5, 5, audit_path(leaves, 0))
    with pytest.raises(ValueError):
        root_from_path(leaves[0], 0, 5, audit_path(leaves, 0)[:-1])


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    a, b = leaf_hash(1), leaf_hash(2)
    # a two-leaf root must not equal the leaf hash of anything built from the pair
    assert merkle_root([a, b]) not in (a, b, leaf_hash([1, 2]))


def test_shard_leaves_equal_leaf_hash_of_each_entry() -> None:
    from smartvote.publish.canonical import shard_entries, shard_leaves
    from smartvote.publish.samples import HOSTILE_NAMES, synthetic_recommendations

    recs = {
        r["race"]: r for r in synthetic_recommendations(["a/1", "b/2"], rng_seed=3, hostile=True)
    }
    recs["b/2"]["weird"] = [1e-7, 1e21, -0.0, "\U0001f600", {"\ufb33": None}]
    shard = {
        "election": "e\u2028",
        "region": HOSTILE_NAMES[1],
        "races": recs,
        "stations": {
            "x/2": {"number": "2", "address": HOSTILE_NAMES[0], "races": ["a/1", "b/2"]},
            "x/1": {"number": "1", "address": "", "races": ["b/2", "missing/3"]},
        },
    }
    fast = shard_leaves(shard)
    slow = shard_entries(shard)
    assert [(s, e) for s, e, _ in fast] == slow
    assert [h for _, _, h in fast] == [leaf_hash(e) for _, e in slow]
