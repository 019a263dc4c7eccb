"""Rozenas spike test: silent on clean data, finds whole-percentage protocols."""

from __future__ import annotations

import numpy as np
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


def test_clean_has_no_spikes() -> None:
    st, _, _ = sim_stations(seed=51, stations=10_000)
    r = sp.spikes(st, resamples=30, rng_seed=1)
    for x in (r.turnout, r.result):
        assert x.share - x.null_mean < 0.004
        assert x.p_value > 0.001


def test_integer_rewriting_makes_spikes() -> None:
    st, _, _ = sim_stations(seed=52, stations=10_000, integer_share=0.08)
    r = sp.spikes(st, resamples=30, rng_seed=1)
    # The simulator aims turnout at whole percentages of N (and the result at whole
    # percentages of valid votes, not of R), so the turnout spikes are the clear ones.
    assert r.turnout.share - r.turnout.null_mean > 0.008
    # The resampling p-value sits at its floor; the fitted-null tail goes far below it.
    assert r.turnout.p_value_resampling == 1 / 16
    assert r.turnout.p_value < 1e-6
