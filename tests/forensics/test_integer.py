"""Integer-percentage test: exact null against brute force, null calibration, recovery."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import gammaln
from tests.forensics.conftest import YEARS, sim_stations

from smartvote.forensics import integer as it
from smartvote.forensics._frame import from_arrays, prepare


def test_is_integer_exact() -> None:
    n = np.array([1000, 1000, 1000, 1000, 150, 2000, 100])
    b = np.array([700, 701, 699, 700, 100, 1401, 100])
    # 70.0, 70.1, 69.9, 70.0, 66.67, 70.05 (edge, included), 100 (k > 99: excluded)
    assert is_list(it.is_integer(b, n)) == [True, False, False, True, False, True, False]


def is_list(a: np.ndarray) -> list[bool]:
    return [bool(x) for x in a]


def test_window_prob_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    n = rng.integers(100, 4000, 200)
    p = rng.uniform(0.02, 0.98, 200)
    got = it.window_prob(n, p)
    want = []
    for ni, pi in zip(n, p, strict=True):
        b = np.arange(ni + 1)
        want.append(stats.binom.pmf(b[it.is_integer(b, np.full(b.size, ni))], ni, pi).sum())
    np.testing.assert_allclose(got, want, atol=1e-7)


def test_window_prob_exact_bounds_edges_and_chunks() -> None:
    """Window bounds that fall exactly on a count (n a multiple of 2000), rates 0 and 1, and
    more stations than one chunk: the same as the brute-force sum, station by station."""
    rng = np.random.default_rng(11)
    n = np.concatenate([[2000, 4000, 20000, 100, 100, 1000], rng.integers(100, 6000, 60)])
    p = np.concatenate([[0.355, 0.5, 0.7005, 0.0, 1.0, 0.995], rng.uniform(0.01, 0.99, 60)])
    want = []
    for ni, pi in zip(n, p, strict=True):
        b = np.arange(ni + 1)
        want.append(stats.binom.pmf(b[it.is_integer(b, np.full(b.size, ni))], ni, pi).sum())
    np.testing.assert_allclose(it.window_prob(n, p), want, atol=1e-7)
    big_n = np.tile(n, it._CHUNK // n.size + 2)
    big_p = np.tile(p, it._CHUNK // n.size + 2)
    assert big_n.size > it._CHUNK
    np.testing.assert_allclose(
        it.window_prob(big_n, big_p), np.tile(want, big_n.size // n.size), atol=1e-7
    )


def _span_reference(n: int, p: float) -> float:
    """The window probability written plainly, station by station: the windows within H of
    ``round(100p)`` (H the first of ``_BUCKETS`` at or above ``⌈5.5 sd⌉ + 1``, sd in
    points), each window's binomial terms added in order, then the windows in order; rates
    0 and 1 put all the mass on one count."""
    if p <= 0 or p >= 1:
        c = n if p >= 1 else 0
        return float(it.is_integer(np.array([c]), np.array([n]))[0])
    sd = 100.0 * np.sqrt(p * (1 - p) / max(n, 1))
    half = int(np.ceil(it._SPAN_SD * sd)) + 1
    H = int(next((h for h in it._BUCKETS if h >= half), it._BUCKETS[-1]))
    c = round(100 * p)
    total = 0.0
    for k in range(max(c - H, 0), min(c + H, 99) + 1):
        lo = max(int(np.ceil(n * (20 * k - 1) / 2000)), 0)
        hi = min(int(np.floor(n * (20 * k + 1) / 2000)), n)
        b = np.arange(lo, hi + 1)
        if b.size == 0:
            continue
        lf = gammaln(n + 1.0) - gammaln(b + 1.0) - gammaln(n - b + 1.0)
        window = 0.0
        for e in np.exp(lf + b * np.log(p) + (n - b) * np.log1p(-p)).tolist():
            window += e
        total += window
    return min(total, 1.0)


def test_window_tables_agree_with_plain_sums_and_brute_force() -> None:
    """:class:`integer.Windows` (tabulated windows, flat gathers, chunks, the one-count
    shortcut below n = 1000, each distinct (n, b) once) against the plain station-by-station
    sum over the same windows (to rounding) and, at the test's sizes (n ≥ 100), against the
    brute-force binomial sum over every integer count (within the tail bound): tiny and huge
    n, rates 0 and 1, rates next to them, whole percentages, window bounds exactly on a
    count (n a multiple of 2000)."""
    rng = np.random.default_rng(29)
    n = np.concatenate(
        [
            rng.integers(0, 40, 150),
            rng.integers(100, 6000, 300),
            2000 * rng.integers(1, 5, 20),
            rng.integers(100_000, 400_000, 6),
        ]
    )
    p = rng.uniform(0.0, 1.0, n.size)
    p[::7] = 0.0
    p[3::11] = 1.0
    p[5::13] = rng.integers(1, 99, p[5::13].size) / 100
    p[2::17] = 1e-9
    p[4::19] = 1 - 1e-9
    got = it.window_prob(n, p)
    plain = [_span_reference(int(a), float(b)) for a, b in zip(n, p, strict=True)]
    np.testing.assert_allclose(got, plain, rtol=1e-12, atol=1e-300)
    brute = []
    test_sizes = n >= it.MIN_N  # below, the span's normal tail bound need not hold
    for ni, pi in zip(n[test_sizes], p[test_sizes], strict=True):
        b = np.arange(ni + 1)
        brute.append(stats.binom.pmf(b[it.is_integer(b, np.full(b.size, ni))], ni, pi).sum())
    np.testing.assert_allclose(got[test_sizes], brute, atol=1e-7)
    # counts: each distinct (n, b) once gives exactly the same as every station on its own
    b = rng.binomial(n, np.clip(p, 0.0, 1.0))
    b[::9] = 0
    b[1::10] = n[1::10]
    w = it.Windows(n)
    twice = np.concatenate([n, n[::-1]]), np.concatenate([b, b[::-1]])
    with np.errstate(invalid="ignore"):
        rate = twice[1] / twice[0]
    np.testing.assert_array_equal(w.count_prob(*twice), w.prob(twice[0], rate))


@pytest.mark.parametrize("high", [50, 2**40])
def test_distinct_is_unique_with_inverse(high: int) -> None:
    """Both ways of :func:`integer._distinct` (packed sort; ``np.unique`` for keys too wide
    to pack) give ``np.unique``'s distinct keys and inverse."""
    key = np.random.default_rng(high % 97).integers(0, high, 5000)
    u, inv = it._distinct(key.copy())
    want_u, want_inv = np.unique(key, return_inverse=True)
    np.testing.assert_array_equal(u, want_u)
    np.testing.assert_array_equal(inv, want_inv)


def test_excluded_rows_and_rules() -> None:
    st = from_arrays(
        N=[50, 1000, 1000, 1000], B=[20, 995, 500, 500], R=[20, 990, 500, 0], W=[10, 500, 496, 0]
    )
    # R = 0 is dropped by prepare; N < 100, t > 0.99 and v > 0.99 are excluded by the test.
    assert st.n == 3
    assert it.included(st).tolist() == [False, False, False]


@pytest.mark.slow
def test_null_z_is_standard_normal_over_seeds() -> None:
    """Clean simulated elections: z over 40 seeds has mean 0 and sd 1 within the tolerances
    that 40 draws allow (mean ± 3/√40, sd within ±3 standard errors of a sample sd)."""
    zs = []
    for seed in range(40):
        st, _, _ = sim_stations(seed=100 + seed, stations=3000)
        zs.append(it.integer_test(st, calibration_reps=0).z)
    z = np.array(zs)
    k = z.size
    assert abs(z.mean()) < 3 / np.sqrt(k)
    se_sd = 1 / np.sqrt(2 * (k - 1))
    assert 1 - 3 * se_sd < z.std(ddof=1) < 1 + 3 * se_sd


@pytest.mark.slow
def test_calibrated_null() -> None:
    zs = []
    for seed in range(8):
        st, _, _ = sim_stations(seed=100 + seed, stations=3000)
        r = it.integer_test(st, calibration_reps=20, calibration_stations=3000, rng_seed=seed)
        assert 0.6 < r.sd_calibrated / r.sd < 1.6
        zs.append(r.z_calibrated)
    assert abs(np.mean(zs)) < 3 / np.sqrt(8) * 1.3
    assert max(abs(z) for z in zs) < 4


@pytest.mark.parametrize(("share", "seed"), [(0.02, 1), (0.02, 2), (0.04, 3), (0.08, 4)])
@pytest.mark.slow
def test_recovers_integer_rewriting(share: float, seed: int) -> None:
    """Excess = rewritten stations that land on whole percentages minus the chance that
    those stations would have been integer anyway; the estimate is within 3 sd of it."""
    st, truth, ts = sim_stations(seed=seed, stations=10_000, integer_share=share)
    r = it.integer_test(st, calibration_reps=0)
    assert len(ts) == st.n
    prob = np.zeros(st.n)
    prob[r.mask] = r.prob
    rewritten = (ts["fraud"] == "integer").to_numpy()
    want = int(truth["integer_hits"]) - float(prob[rewritten & r.mask].sum())
    assert abs(r.excess_stations - want) < 3 * r.sd
    assert r.p_value < 1e-3


@pytest.mark.slow
def test_monte_carlo_matches_exact_on_simulation() -> None:
    st, _, _ = sim_stations(seed=7, stations=5000)
    r = it.integer_test(st, calibration_reps=0, monte_carlo_reps=1000)
    assert r.monte_carlo is not None
    assert abs(r.monte_carlo["expected"] - r.expected) < 4 * r.monte_carlo["se_of_expected"]
    assert abs(r.monte_carlo["sd"] / r.sd - 1) < 0.15


def test_by_group_sums_to_national() -> None:
    st, _, _ = sim_stations(seed=1, stations=5000)
    r = it.integer_test(st, calibration_reps=0)
    g = it.by_group(r, st.region, len(st.region_names))
    assert g["observed"].sum() == r.observed
    assert g["expected"].sum() == pytest.approx(r.expected)


@pytest.mark.real_data
@pytest.mark.parametrize("year", YEARS)
def test_exact_null_agrees_with_monte_carlo_real(
    year: str, federal: Callable[[str], pd.DataFrame]
) -> None:
    """Every federal file: exact expectation and sd against 1,000 Monte Carlo replicates, on
    a random 10,000-station subsample (the null is a sum over stations, so a subsample
    checks the same thing at a fraction of the cost)."""
    st = prepare(federal(year))
    mask = it.included(st)
    idx = np.flatnonzero(mask)
    rng = np.random.default_rng(int(year))
    sub = rng.choice(idx, size=min(10_000, idx.size), replace=False)
    N, B, R, W = st.N[sub], st.B[sub], st.R[sub], st.W[sub]
    qt, qv = it.station_probs(N, B, R, W)
    p = 1 - (1 - qt) * (1 - qv)
    mc = it.monte_carlo(N, B, R, W, reps=1000, rng_seed=1)
    assert abs(mc["expected"] - p.sum()) < 4 * mc["se_of_expected"]
    sd = float(np.sqrt((p * (1 - p)).sum()))
    # The sd of a sample sd of 1,000 normal draws is sd/√1998 ≈ 2.2 %.
    assert abs(mc["sd"] / sd - 1) < 4 / np.sqrt(2 * 999)


def test_count_without_counting_noise_is_certain() -> None:
    """No eligible station (or every rate 0 or 1): the count has no noise, so
    P(X >= observed) is 1 when nothing is in excess and 0 when something is (it printed
    p = 0 for a file with no station of 100 voters, i.e. 'certain fraud' from no data)."""
    from smartvote.forensics.integer import _count

    assert _count(0, 0.0, 0.0).p_value == 1.0
    assert _count(2, 2.0, 0.0).p_value == 1.0
    assert _count(3, 1.0, 0.0).p_value == 0.0
