"""Shpilkin's recipe per race (used by the campaign assessment) on a known construction."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartvote.forensics import shpilkin as sh


def test_correct_races_matches_published_recipe() -> None:
    rng = np.random.default_rng(0)
    n = 400
    N = np.full(n, 1000)
    B = rng.binomial(N, 0.4)
    W = rng.binomial(B, 0.3)
    stuffed = np.arange(n) < 80
    B[stuffed] += 300
    W[stuffed] += 300
    units = pd.DataFrame(
        {
            "race": ["r1"] * n,
            "unit": [str(i) for i in range(n)],
            "channel": "paper",
            "registered": N,
            "ballots": B,
            "valid": B,
        }
    )
    votes = pd.Series(W, index=pd.MultiIndex.from_frame(units[["race", "unit"]]))
    out = sh.correct_races(units, votes)
    assert list(out.columns) == ["race", "t0", "q", "excess", "stations"]
    assert out["stations"].iloc[0] == n
    # All 80 × 300 stuffed ballots sit above the clean peak (~40 %).
    assert abs(out["excess"].iloc[0] - 80 * 300) < 0.1 * 80 * 300
    assert abs(out["t0"].iloc[0] - 0.40) <= 0.02
    small = sh.correct_races(units.iloc[:10], votes)
    assert small.empty


def test_poisson_weights_have_poisson_moments() -> None:
    from smartvote.forensics._boot import poisson_weights

    w = next(poisson_weights(200_000, 1, np.random.default_rng(3))).ravel()
    # mean 1 and variance 1 within 4 standard errors; P(0) = e^-1.
    assert abs(w.mean() - 1) < 4 * np.sqrt(1 / w.size)
    assert abs(w.var() - 1) < 4 * np.sqrt(3 / w.size)
    assert abs((w == 0).mean() - np.exp(-1)) < 4 * np.sqrt(0.25 / w.size)
