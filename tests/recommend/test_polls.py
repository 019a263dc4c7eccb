"""Polls pooled by date and combined with history (``polls.py``), checked on simulated
races where the truth is known, with tolerances from the method's own standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smartvote.recommend.params import POLL_HALF_LIFE_DAYS, POLL_LOCAL_SD
from smartvote.recommend.polls import combine_polls, pool_race_polls

PARTIES = ("A", "B", "C")


def _cands(races: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "race": np.repeat([f"r{i}" for i in range(races)], len(PARTIES)),
            "name_key": [f"{p.lower()} {i}" for i in range(races) for p in PARTIES],
            "party_key": list(PARTIES) * races,
            "basis": "smd",
        }
    )


def _polls(c: pd.DataFrame, share: np.ndarray, date: str, n: float = 1e9) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "race": c["race"],
            "name_key": "",
            "party_key": c["party_key"],
            "share": share,
            "sample_size": n,
            "date": date,
        }
    )


def test_newer_poll_counts_more() -> None:
    c = _cands(1)
    old = _polls(c, np.array([0.5, 0.3, 0.2]), "2024-01-01", n=1000)
    new = _polls(c, np.array([0.4, 0.4, 0.2]), f"2024-01-{1 + int(POLL_HALF_LIFE_DAYS):02d}")
    new["sample_size"] = 1000
    pooled = pool_race_polls(c, pd.concat([old, new], ignore_index=True))
    # Same sample size, one half-life apart: the newer poll has twice the weight.
    w_old = 1000 * 0.3 / 0.7 * 0.5
    w_new = 1000 * 0.4 / 0.6
    expect = (w_old * np.log(0.3) + w_new * np.log(0.4)) / (w_old + w_new)
    assert pooled.loc[1, "q"] == pytest.approx(expect)
    assert pooled.loc[1, "n_polls"] == 2
    assert pooled.loc[1, "latest_share"] == pytest.approx(0.4)
    assert pooled.loc[1, "dates"] == ["2024-01-01", "2024-01-08"]
    assert pooled.loc[1, "q_var"] > POLL_LOCAL_SD**2


def test_named_candidate_poll_beats_party_poll() -> None:
    c = _cands(1)
    party = _polls(c, np.array([0.5, 0.3, 0.2]), "2024-01-01")
    named = party.iloc[[1]].assign(name_key="b 0", party_key="", share=0.45)
    pooled = pool_race_polls(c, pd.concat([party, named], ignore_index=True))
    assert pooled.loc[1, "latest_share"] == pytest.approx(0.45)
    assert pooled.loc[0, "latest_share"] == pytest.approx(0.5)


@pytest.mark.parametrize("seed", range(5))
def test_combination_recovers_swing_history_error_and_is_calibrated(seed: int) -> None:
    """Truth t; history = t − party swing + N(0, σ_h); poll = t + N(0, POLL_LOCAL_SD)."""
    rng = np.random.default_rng(seed)
    races, sigma_h = 400, 0.25
    c = _cands(races)
    t = np.log(rng.uniform(0.15, 0.45, len(c)))
    swing = {"A": 0.3, "B": -0.2, "C": 0.0}
    s = c["party_key"].map(swing).to_numpy()
    hist = t - s + rng.normal(0, sigma_h, len(c))
    q = t + rng.normal(0, POLL_LOCAL_SD, len(c))
    polls = _polls(c, np.exp(q), "2024-01-01")
    mu, sd, fit = combine_polls(c, polls, hist, np.full(len(c), 0.5))
    # The swing: mean of (poll − history) per party; SE from both errors.
    se_swing = np.sqrt((sigma_h**2 + POLL_LOCAL_SD**2) / races)
    assert fit.swing is not None
    for p, v in swing.items():
        assert fit.swing[p] == pytest.approx(v, abs=4 * se_swing)
    # History error: var(resid) − poll var, SE of a variance ≈ √(2/N)·var.
    n = len(c)
    total = sigma_h**2 + POLL_LOCAL_SD**2
    assert fit.history_sd_calibrated
    assert fit.history_sd is not None
    assert fit.history_sd**2 == pytest.approx(sigma_h**2, abs=4 * np.sqrt(2 / n) * total)
    # Combined estimate: error sd as precision weighting says, and 90% intervals cover.
    expect_sd = np.sqrt(1 / (1 / sigma_h**2 + 1 / POLL_LOCAL_SD**2))
    err = mu - t
    assert np.std(err) == pytest.approx(expect_sd, rel=4 / np.sqrt(2 * n))
    cover = np.mean(np.abs(err) <= 1.645 * sd)
    assert cover == pytest.approx(0.9, abs=4 * np.sqrt(0.09 / n))
    w = c["poll_weight"].to_numpy()
    assert np.allclose(
        w, (1 / POLL_LOCAL_SD**2) / (1 / POLL_LOCAL_SD**2 + 1 / fit.history_sd**2), atol=1e-3
    )


def test_other_generative_model_heavy_tails() -> None:
    """History errors from a Student t (3 df) rather than a normal: the combination still
    beats either source alone in mean squared error, pooled over seeds."""
    mse = np.zeros(3)
    for seed in range(5):
        rng = np.random.default_rng(100 + seed)
        c = _cands(300)
        t = np.log(rng.uniform(0.15, 0.45, len(c)))
        hist = t + 0.15 * rng.standard_t(3, len(c))
        q = t + rng.normal(0, POLL_LOCAL_SD, len(c))
        mu, _, _ = combine_polls(c, _polls(c, np.exp(q), "2024-01-01"), hist, np.full(len(c), 0.5))
        mse += [np.mean((mu - t) ** 2), np.mean((hist - t) ** 2), np.mean((q - t) ** 2)]
    assert mse[0] < mse[1] and mse[0] < mse[2]
