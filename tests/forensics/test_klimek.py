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
    """Tolerances from the measured sweep: f_e within 0.01; f_i within 0.11 below and
    0.06 above the truth (many incremental stations get a tiny x ~ |N(0, θ)| and are
    indistinguishable from clean ones, so f_i is biased low)."""
    st, truth, _ = sim_stations(
        seed=seed, stations=10_000, stuffing_share=fi, extreme_share=fe, stuffing_intensity=theta
    )
    r = kl.klimek(st, boot=10, rng_seed=seed)
    assert abs(r.f_extreme - truth["f_extreme"]) <= 0.01
    assert truth["f_incremental"] - 0.11 <= r.f_incremental <= truth["f_incremental"] + 0.06
    assert r.f_incremental_ci[0] <= r.f_incremental_ci[1]


def test_distance_is_zero_for_identical() -> None:
    h = np.random.default_rng(0).random(kl.BINS * kl.BINS)
    h /= h.sum()
    assert float(kl.distance(h, h)) == 0.0
