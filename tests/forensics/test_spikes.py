"""Rozenas spike test: silent on clean data, finds whole-percentage protocols."""

from __future__ import annotations

import numpy as np
import pytest
from tests.forensics.conftest import sim_stations

from smartvote.forensics import spikes as sp


def test_mixture_recovers_two_components() -> None:
    rng = np.random.default_rng(0)
    n = rng.integers(200, 2000, 6000)
    p = np.where(rng.random(6000) < 0.3, rng.beta(80, 120, 6000), rng.beta(140, 60, 6000))
    w, m, _ = sp.fit_mixture(rng.binomial(n, p), n, K=2)
    order = np.argsort(m)
    assert np.allclose(m[order], [0.4, 0.7], atol=0.02)
    assert np.allclose(w[order], [0.3, 0.7], atol=0.04)


@pytest.mark.slow
def test_clean_has_no_spikes() -> None:
    st, _, _ = sim_stations(seed=51, stations=10_000)
    r = sp.spikes(st, resamples=30, rng_seed=1)
    for x in (r.turnout, r.result):
        assert x.share - x.null_mean < 0.004
        assert x.p_value > 0.001


@pytest.mark.slow
def test_integer_rewriting_makes_spikes() -> None:
    st, _, _ = sim_stations(seed=52, stations=10_000, integer_share=0.08)
    r = sp.spikes(st, resamples=30, rng_seed=1)
    # The simulator aims turnout at whole percentages of N (and the result at whole
    # percentages of valid votes, not of R), so the turnout spikes are the clear ones.
    assert r.turnout.share - r.turnout.null_mean > 0.008
    # The resampling p-value sits at its floor; the fitted-null tail goes far below it.
    assert r.turnout.p_value_resampling == 1 / 16
    assert r.turnout.p_value < 1e-6


@pytest.mark.slow
def test_rozenas_clean_is_silent() -> None:
    st, _, _ = sim_stations(seed=51, stations=10_000)
    r = sp.rozenas(st, resamples=51, rng_seed=2)
    for k in ("turnout", "result"):
        lo, hi = r[k]["ci"]
        assert lo <= 0 <= hi
        assert r[k]["p_value"] > 0.001


@pytest.mark.slow
def test_rozenas_finds_written_fractions_and_covers_their_share() -> None:
    """300 protocols rewritten to exactly 3/4 (stations whose R is a multiple of 4): the
    excess share's interval covers 300/n and the p-value goes far below 1/resamples."""
    st, _, _ = sim_stations(seed=53, stations=10_000)
    W = st.W.copy()
    cand = np.flatnonzero((st.R % 4 == 0) & (st.R >= 100) & (W * 4 != 3 * st.R))
    pick = np.random.default_rng(0).choice(cand, 300, replace=False)
    W[pick] = 3 * st.R[pick] // 4
    from dataclasses import replace

    r = sp.rozenas(replace(st, W=W), resamples=51, rng_seed=3)["result"]
    lo, hi = r["ci"]
    assert lo <= 300 / st.n <= hi
    assert r["p_value"] < 1e-6
    assert r["by_denominator"][0]["denominator"] == 4


def _exact_hists(
    n: np.ndarray, w: np.ndarray, m: np.ndarray, phi: np.ndarray, S: int
) -> np.ndarray:
    """The resampling of the test drawn the plain way: component, beta share, binomial."""
    rng = np.random.default_rng(99)
    out = np.empty((S, sp.GRID + 1))
    for s in range(S):
        c = rng.choice(w.size, n.size, p=w)
        p = rng.beta(m[c] * phi[c], (1 - m[c]) * phi[c])
        out[s] = sp._hist(rng.binomial(n, p), n)
    return out


@pytest.mark.parametrize("threshold", [sp.NORMAL_MIN_VAR, 0.0])
def test_fast_resampling_draws_the_beta_binomial_mixture(
    threshold: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """:func:`resample_hists` (quantile table, rounded normal where n·p·(1 − p) ≥ 25, exact
    binomial elsewhere) gives the same histograms, bin by bin, as drawing the component,
    the beta share and the binomial count directly: a two-sample χ² over the 501 bins,
    pooled over 150 replicates of 20,000 stations (small denominators included, where the
    honest spikes are). The rounded normal everywhere (threshold 0) is rejected by the same
    test, so it can fail."""
    rng = np.random.default_rng(7)
    n = np.concatenate([rng.integers(4, 60, 6000), rng.integers(60, 3000, 14000)])
    w, m, phi = np.array([0.5, 0.3, 0.2]), np.array([0.45, 0.7, 0.9]), np.array([40.0, 15.0, 60.0])
    monkeypatch.setattr(sp, "NORMAL_MIN_VAR", threshold)
    fast = sp.resample_hists(n, w, m, phi, 150, np.random.default_rng(3)).sum(axis=0)
    exact = _exact_hists(n, w, m, phi, 150).sum(axis=0)
    both = fast + exact
    live = both > 0
    chi2 = float((((fast - exact) ** 2)[live] / both[live]).sum())
    df = int(live.sum()) - 1
    limit = df + 4 * np.sqrt(2 * df)
    if threshold > 0:
        assert chi2 < limit
    else:
        assert chi2 > limit


def test_in_order_sums_equal_numpy_row_by_row_sums() -> None:
    """:func:`_seq_sum` over (K, n) adds the stations one after another, as numpy's
    ``sum(axis=0)`` over an (n, K) array does: equal bit for bit (where a pairwise sum
    over the contiguous rows is not), so the EM's estimates keep their values."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((20_000, 3)) * np.array([1e-3, 1.0, 1e3])
    t = np.ascontiguousarray(a.T)
    assert np.array_equal(sp._seq_sum(t), a.sum(axis=0))
    assert not np.array_equal(t.sum(axis=1), a.sum(axis=0))
