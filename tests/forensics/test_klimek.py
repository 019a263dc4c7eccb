"""Klimek model fit on simulated elections with known fractions."""

from __future__ import annotations

import numpy as np
import pytest
from tests.forensics.conftest import sim_stations

from smartvote.forensics import klimek as kl


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_no_fraud_fractions_near_zero(seed: int) -> None:
    st, _, _ = sim_stations(seed=seed, stations=10_000)
    r = kl.klimek(st, boot=10, rng_seed=seed)
    assert r.f_extreme <= 0.005
    assert r.f_incremental <= 0.06
    assert r.fit_quality < 1.6


@pytest.mark.parametrize(
    ("fi", "fe", "theta", "seed"),
    [(0.0, 0.03, 0.3, 41), (0.1, 0.0, 0.3, 42), (0.3, 0.0, 0.2, 43), (0.15, 0.02, 0.3, 44)],
)
def test_fractions_recovered(fi: float, fe: float, theta: float, seed: int) -> None:
    """Point estimates: f_e within 0.01 of the truth; f_i biased low (stations with a tiny
    x ~ |N(0, θ)| look clean) but never above the truth by more than 0.03."""
    st, truth, _ = sim_stations(
        seed=seed, stations=10_000, stuffing_share=fi, extreme_share=fe, stuffing_intensity=theta
    )
    r = kl.klimek(st, boot=0, rng_seed=seed)
    assert abs(r.f_extreme - truth["f_extreme"]) <= 0.01
    assert truth["f_incremental"] - 0.11 <= r.f_incremental <= truth["f_incremental"] + 0.03


def test_interval_not_bound_by_a_window() -> None:
    """Bootstrap replicates are refitted over the whole grid: with a weak signal the sd is
    not capped by the old ±0.08 neighbourhood, and the interval is the normal one."""
    st, _, _ = sim_stations(seed=45, stations=3000, stuffing_share=0.3, stuffing_intensity=0.15)
    r = kl.klimek(st, boot=12, rng_seed=45)
    lo, hi = r.f_incremental_ci
    assert lo >= 0.0 and hi <= 1.0
    half = (hi - lo) / 2
    assert lo == 0.0 or abs((lo + hi) / 2 - r.f_incremental) < 1e-9
    assert half > 0


@pytest.mark.slow
def test_interval_coverage_on_its_own_model() -> None:
    """Coverage over seeds on data from the model's own extreme-fraud process
    (``extreme_x='klimek'``: x = 1 − |N(0, 0.075)|, as in the fit). At the nominal 95 %
    the number of the 12 runs whose interval holds the truth is Binomial(12, 0.95):
    P(≤ 8 of 12) = 0.2 %, so ≥ 9 is required (a 0.2 % false-failure rate). Measured 9 of
    12 (docs/5-forensics.md): f_e is still a little low (mean 0.023 for 0.03)."""
    hits = 0
    for seed in range(60, 72):
        st, truth, _ = sim_stations(
            seed=seed, stations=5000, extreme_share=0.03, extreme_x="klimek"
        )
        r = kl.klimek(st, boot=20, rng_seed=seed)
        lo, hi = r.f_extreme_ci
        hits += lo <= truth["f_extreme"] <= hi
    assert hits >= 9, hits


@pytest.mark.slow
def test_other_extreme_generator_biases_f_e_low() -> None:
    """On the simulator's default extreme fraud (x ~ U(0.85, 1), not the model's
    1 − |N(0, 0.075)|) the corner holds less mass per falsified station than the model
    assumes, so f_e comes out low (measured 0.015–0.03 for 0.03 over seeds 60–65): a
    documented bias of the model-based estimate, never above the truth."""
    est = []
    for seed in range(60, 66):
        st, truth, _ = sim_stations(seed=seed, stations=5000, extreme_share=0.03)
        est.append(kl.klimek(st, boot=0, rng_seed=seed).f_extreme)
    assert max(est) <= truth["f_extreme"] + 0.005, est
    assert float(np.mean(est)) < truth["f_extreme"], est


def test_distance_is_zero_for_identical() -> None:
    h = np.random.default_rng(0).random(kl.BINS * kl.BINS)
    h /= h.sum()
    assert float(kl.distance(h, h)) == 0.0
