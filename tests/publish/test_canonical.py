"""Canonical bytes (RFC 8785) and the RFC 6962 Merkle tree over shard entries."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

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
    shard_entries,
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


def _containers(inner: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    # A named function, not a multi-line lambda: Hypothesis reads the extend function's
    # source to check that it recurses, and could not always find a lambda's.
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    _containers,
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


def _ref_number(x: int | float) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if not math.isfinite(x):
        raise ValueError(f"canonical JSON has no {x!r}")
    if x == 0:
        return "0"
    # shortest round-trip digits, then ECMAScript Number::toString layout
    sign = "-" if x < 0 else ""
    mant, _, exp_s = repr(abs(x)).partition("e")
    int_part, _, frac = mant.partition(".")
    digits = (int_part + frac).lstrip("0")
    lead_zeros = len(int_part + frac) - len((int_part + frac).lstrip("0"))
    exp = (int(exp_s) if exp_s else 0) + len(int_part) - lead_zeros  # value = 0.DIGITS × 10^exp
    digits = digits.rstrip("0") or "0"
    k, n = len(digits), exp
    if k <= n <= 21:
        s = digits + "0" * (n - k)
    elif 0 < n <= 21:
        s = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        s = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        es = f"e+{e}" if e >= 0 else f"e-{-e}"
        s = (digits[0] + ("." + digits[1:] if k > 1 else "")) + es
    return sign + s


def _ref_key(k: str) -> bytes:
    return k.encode("utf-16-be")


def _ref_encode(o: Any, out: list[str]) -> None:
    if o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, str):
        out.append(json.dumps(o, ensure_ascii=False))
    elif isinstance(o, int | float):
        out.append(_ref_number(o))
    elif isinstance(o, Mapping):
        items = list(o.items())
        for k, _ in items:
            if not isinstance(k, str):
                raise TypeError(f"canonical JSON keys must be strings, not {type(k).__name__}")
        out.append("{")
        for i, (k, v) in enumerate(sorted(items, key=lambda kv: _ref_key(kv[0]))):
            if i:
                out.append(",")
            out.append(json.dumps(k, ensure_ascii=False))
            out.append(":")
            _ref_encode(v, out)
        out.append("}")
    elif isinstance(o, Sequence) and not isinstance(o, bytes | bytearray):
        out.append("[")
        for i, v in enumerate(o):
            if i:
                out.append(",")
            _ref_encode(v, out)
        out.append("]")
    else:
        raise TypeError(f"canonical JSON cannot encode {type(o).__name__}")


def previous_canonical_bytes(obj: Any) -> bytes:
    out: list[str] = []
    _ref_encode(obj, out)
    return "".join(out).encode("utf-8")


@given(json_values)
@pytest.mark.slow
def test_rfc8785_gives_the_bytes_of_the_previous_encoder(v: object) -> None:
    assert canonical_bytes(v) == previous_canonical_bytes(v)


@pytest.mark.parametrize(
    "x", [1e-7, 1e21, 1e-6, 1e20, 123456789.125, 5e-324, 1.7976931348623157e308, -0.0, 0.1]
)
def test_rfc8785_numbers_equal_the_previous_encoder(x: float) -> None:
    assert canonical_bytes(x) == previous_canonical_bytes(x)


def test_integers_a_double_cannot_hold_are_refused() -> None:
    """RFC 8785 numbers are IEEE 754 doubles, as a JavaScript verifier reads them.

    An integer beyond ±(2**53 - 1) that a double holds exactly is that double (written in
    ECMAScript form, as ``rfc8785`` writes the float); one that no double holds would be
    read as another number: refused. The previous encoder wrote every integer as is.
    (Integers out there come back from reading canonical text: a float of 2**53 or more
    is written with integer digits, which ``json.loads`` reads as an int.)
    """
    edge = 2**53 - 1
    assert canonical_bytes({"n": edge}) == b'{"n":9007199254740991}'
    assert canonical_bytes(-edge) == b"-9007199254740991"
    for exact in (2**53, -(2**53), 2**60, 10**21):
        assert canonical_bytes([exact]) == canonical_bytes([float(exact)])
    assert canonical_bytes(2**53) == previous_canonical_bytes(2**53) == b"9007199254740992"
    assert canonical_bytes(10**21) == b"1e+21" != previous_canonical_bytes(10**21)
    # how the double 5.000224352108798e16 is written (shortest digits, then zeros)
    assert canonical_bytes(50002243521087980) == canonical_bytes(5.000224352108798e16)
    for bad in (2**53 + 1, -(2**53) - 1, 10**30, 2**1024):
        assert previous_canonical_bytes(bad) == str(bad).encode()  # written silently before
        with pytest.raises(ValueError, match="read as another number"):
            canonical_bytes({"n": [1, {"m": bad}]})


def test_lone_surrogates_are_refused() -> None:
    with pytest.raises(ValueError):
        canonical_bytes({"x": "\ud800"})


def test_a_bundle_signed_before_verifies_byte_for_byte(bundle: Path, keydir: Path) -> None:
    """Every JSON file of a bundle (hostile names) re-encodes to the same bytes both ways,
    the manifest is its own canonical form, and the bundle verifies."""
    from smartvote.publish.verify import load_public_key, verify_bundle

    b = bundle
    files = sorted(b.rglob("*.json"))
    assert len(files) >= 4
    for p in files:
        value = json.loads(p.read_bytes())
        assert canonical_bytes(value) == previous_canonical_bytes(value), p.name
        if p.parent.name == "data":
            for _, entry in shard_entries(value):
                assert canonical_bytes(entry) == previous_canonical_bytes(entry)
    man = b / "manifest.json"
    assert canonical_bytes(json.loads(man.read_bytes())) == man.read_bytes()
    assert verify_bundle(b, load_public_key(keydir / "key.pub"))["stations"] == 60
