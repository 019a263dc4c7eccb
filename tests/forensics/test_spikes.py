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
