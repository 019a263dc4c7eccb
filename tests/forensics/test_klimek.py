"""Klimek model fit on simulated elections with known fractions."""

from __future__ import annotations

import numpy as np
import pytest
from tests.forensics.conftest import sim_stations

from smartvote.forensics import klimek as kl


@pytest.mark.parametrize("seed", [31, 32, 33])
@pytest.mark.slow
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
@pytest.mark.slow
def test_fractions_recovered(fi: float, fe: float, theta: float, seed: int) -> None:
    """Point estimates: f_e within 0.01 of the truth; f_i biased low (stations with a tiny
    x ~ |N(0, θ)| look clean) but never above the truth by more than 0.03."""
    st, truth, _ = sim_stations(
        seed=seed, stations=10_000, stuffing_share=fi, extreme_share=fe, stuffing_intensity=theta
    )
    r = kl.klimek(st, boot=0, rng_seed=seed)
    assert abs(r.f_extreme - truth["f_extreme"]) <= 0.01
    assert truth["f_incremental"] - 0.11 <= r.f_incremental <= truth["f_incremental"] + 0.03


@pytest.mark.slow
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


#: At the nominal 95 % the number of 12 runs whose interval holds the truth is
#: Binomial(12, 0.95): P(≤ 8 of 12) = 0.2 %, so ≥ 9 is required (0.2 % false failures).
COVERAGE_SEEDS = range(60, 72)
MIN_HITS = 9


@pytest.mark.slow
@pytest.mark.parametrize("extreme_x", ["klimek", "uniform"])
def test_interval_coverage_over_seeds(extreme_x: str) -> None:
    """Coverage of the f_e interval over 12 seeds, on the model's own extreme process
    (x = 1 − |N(0, 0.075)|) and on another one (x ~ U(0.85, 1), the simulator's default).
    Measured 12 and 11 of 12 (mean f_e 0.030 and 0.025 for 0.03; docs/5-forensics.md)."""
    hits = 0
    for seed in COVERAGE_SEEDS:
        st, truth, _ = sim_stations(
            seed=seed, stations=5000, extreme_share=0.03, extreme_x=extreme_x
        )
        r = kl.klimek(st, boot=20, rng_seed=seed)
        lo, hi = r.f_extreme_ci
        hits += lo <= truth["f_extreme"] <= hi
    assert hits >= MIN_HITS, hits


def test_result_is_share_of_valid_votes() -> None:
    """The model switches opponents' votes, never invalid ballots: the fitted result is
    W / valid, so a station where every valid vote is the leader's sits in the corner."""
    from smartvote.forensics._frame import from_arrays

    st = from_arrays(N=[1000] * 3, B=[990] * 3, R=[990] * 3, W=[975] * 3, valid=[975] * 3)
    assert kl.on_valid_votes(st).v.tolist() == [1.0, 1.0, 1.0]


def test_distance_is_zero_for_identical() -> None:
    h = np.random.default_rng(0).random(kl.BINS * kl.BINS)
    h /= h.sum()
    assert float(kl.distance(h, h)) == 0.0
