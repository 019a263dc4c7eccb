"""The bootstrap helpers shared by the forensic methods."""

from __future__ import annotations

import numpy as np
import pytest

from smartvote.forensics._boot import MAX_WEIGHT, grouped_sums, paired_sums, poisson_weights


def test_grouped_sums_equal_a_plain_loop() -> None:
    rng = np.random.default_rng(4)
    n, size = 5000, 37
    idx = rng.integers(0, size, n)
    values = rng.random(n) * 100
    w = next(poisson_weights(n, 5, rng, chunk=5))
    got = grouped_sums(idx, size, w, values)
    assert got.shape == (5, size)
    for r in range(5):
        want = [float((w[r] * values)[idx == g].sum()) for g in range(size)]
        np.testing.assert_allclose(got[r], want, rtol=1e-12)
    # Weights are Poisson(1): mean 1 and variance 1 per station.
    assert abs(float(w.mean()) - 1.0) < 0.03 and abs(float(w.var()) - 1.0) < 0.05


def test_poisson_weights_are_counts_up_to_max_weight() -> None:
    w = np.concatenate(list(poisson_weights(20000, 40, np.random.default_rng(2), chunk=16)))
    assert w.shape == (40, 20000)
    assert np.array_equal(w, np.floor(w)) and w.min() == 0 and w.max() <= MAX_WEIGHT
    # P(0) = P(1) = exp(-1) for Poisson(1)
    assert abs(float((w == 0).mean()) - np.exp(-1)) < 0.005
    assert abs(float((w == 1).mean()) - np.exp(-1)) < 0.005


def test_paired_sums_equal_two_grouped_sums_exactly() -> None:
    rng = np.random.default_rng(5)
    n, size = 20000, 300
    idx = rng.integers(0, size, n)
    w = next(poisson_weights(n, 6, rng, chunk=6))
    cases = {
        "packed": (rng.integers(0, 3000, n).astype(float), rng.integers(0, 3000, n) * 1.0),
        # too large to pack below 2**53: two separate sums
        "wide": (rng.integers(0, 2**40, n).astype(float), rng.integers(0, 2**30, n) * 1.0),
        # not whole numbers: two separate sums
        "fractions": (rng.random(n) * 100, rng.random(n)),
    }
    for name, (a, b) in cases.items():
        got_a, got_b = paired_sums(idx, size, w, a, b)
        assert np.array_equal(got_a, grouped_sums(idx, size, w, a)), name
        assert np.array_equal(got_b, grouped_sums(idx, size, w, b)), name
    empty = np.zeros(0)
    za, zb = paired_sums(np.zeros(0, dtype=np.int64), 4, np.ones((2, 0)), empty, empty)
    assert za.shape == zb.shape == (2, 4) and not za.any() and not zb.any()


def test_paired_sums_packs_when_it_can_and_splits_exactly_at_the_edge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One ``bincount`` pass (one ``grouped_sums`` call) when the packed sums stay below
    2**53, two otherwise; near the bound the split is still exact. A group sum of
    a ≈ 2**51 / 9 once made the scale come out of a rounded ``log2`` below the largest
    weighted sum of ``a`` (review of session 8), so the split was wrong."""
    from smartvote.forensics import _boot

    calls: list[int] = []
    real = _boot.grouped_sums

    def counted(*args: object) -> object:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_boot, "grouped_sums", counted)
    rng = np.random.default_rng(8)
    n, size = 5000, 50
    idx = rng.integers(0, size, n)
    w = next(poisson_weights(n, 4, rng, chunk=4))
    a, b = rng.integers(0, 3000, n).astype(float), rng.integers(0, 3000, n) * 1.0
    got_a, got_b = paired_sums(idx, size, w, a, b)
    assert len(calls) == 1  # packed: one pass
    assert np.array_equal(got_a, real(idx, size, w, a))
    assert np.array_equal(got_b, real(idx, size, w, b))

    calls.clear()
    edge_a = np.array([float((2**51 + 1) // 9), 0.0])
    zero_b = np.zeros(2)
    one_group = np.zeros(2, dtype=np.int64)
    wts = np.array([[9.0, 1.0]])
    got_a, got_b = paired_sums(one_group, 1, wts, edge_a, zero_b)
    assert got_a[0, 0] == 9 * edge_a[0] and got_b[0, 0] == 0
