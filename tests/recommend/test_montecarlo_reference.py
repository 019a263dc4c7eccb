"""The vectorised Monte Carlo engine against a plain per-race reference on the same draws.

The engine scores races in unpadded blocks of equal size and takes shortcuts (the regime's
share read directly, counts zeroed for the regime afterwards); the reference below follows
the definitions of ``montecarlo.py`` race by race, in float64, from the same normal draws
(the swing first, then one row per candidate in race order). Agreement is to 2/sims in the
probabilities (float32 against float64 can flip a near-tie in a draw) and 1e-5 in shares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartvote.recommend.forecast import Forecast, Relation, Uncertainty
from smartvote.recommend.montecarlo import simulate_races

SIMS = 4000
SWITCH = 0.3


def _forecast(seed: int) -> Forecast:
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(30):
        k = int(rng.integers(2, 8))
        regime = np.zeros(k, dtype=bool)
        if r % 7 != 3:  # some races without a regime candidate
            regime[int(rng.integers(k))] = True
        if r == 5 and k > 2:  # two regime candidates in one race
            regime[:2] = True
        for j in range(k):
            party = int(rng.integers(6))
            rows.append(
                {
                    "race": f"t/smd/{r}",
                    "mu": float(rng.normal(np.log(1 / k), 0.6)),
                    "sd_local": float(rng.uniform(0.1, 0.5)),
                    "regime": bool(regime[j]),
                    "seats": 1,
                    "swing_group": "" if j % 4 == 3 else f"p{party}",
                    "swing_beta": float(rng.choice([1.0, 0.6])),
                }
            )
    c = pd.DataFrame(rows)
    return Forecast(c, Relation(), Uncertainty(sigma_swing=0.2, sigma_drift=0.1), {})


def _reference(fc: Forecast, seed: int) -> pd.DataFrame:
    c = fc.cands
    rng = np.random.default_rng(seed)
    groups, names = pd.factorize(c["swing_group"].replace("", np.nan))
    Z = rng.standard_normal((max(len(names), 1), SIMS)) * fc.uncertainty.sigma_swing
    E = rng.standard_normal((len(c), SIMS), dtype=np.float32).astype(np.float64)
    out = []
    for _, g in c.groupby("race", sort=False):
        i = g.index.to_numpy()
        x = E[i] * g["sd_local"].to_numpy()[:, None] + g["mu"].to_numpy()[:, None]
        gi = groups[i]
        x += np.where(gi[:, None] >= 0, g["swing_beta"].to_numpy()[:, None] * Z[gi], 0.0)
        S = np.exp(x) / np.exp(x).sum(axis=0)
        reg = g["regime"].to_numpy(bool)
        nr = ~reg
        nr_sum = S[nr].sum(axis=0)
        for j in range(len(g)):
            others = np.delete(np.arange(len(g)), j)
            opp = S[reg].max(axis=0) if reg.any() else S[others].max(axis=0)
            boosted = S[j] * (1 - SWITCH) + SWITCH * nr_sum
            out.append(
                {
                    "p_first": np.mean(S[j] >= S.max(axis=0)),
                    "p_strongest": np.mean(S[j] >= S[nr].max(axis=0)) if nr[j] else 0.0,
                    "p_win": np.mean(boosted > opp) if nr[j] else 0.0,
                    "mean_share": S[j].mean(),
                }
            )
    return pd.DataFrame(out, index=c.index)


def test_engine_matches_per_race_reference() -> None:
    for seed in (0, 1):
        fc = _forecast(seed)
        got = simulate_races(fc, sims=SIMS, switch=SWITCH, seed=seed)
        ref = _reference(fc, seed)
        for col in ("p_first", "p_strongest", "p_win"):
            assert np.abs(got[col].to_numpy() - ref[col].to_numpy()).max() <= 2 / SIMS, col
        assert np.allclose(got["mean_share"], ref["mean_share"], atol=1e-5)
        # Regime candidates are never the strongest challenger nor "win" by switching.
        reg = fc.cands["regime"].to_numpy(bool)
        assert (got.loc[reg, ["p_strongest", "p_win"]].to_numpy() == 0).all()


def test_chunking_changes_no_draw() -> None:
    fc = _forecast(2)
    whole = simulate_races(fc, sims=SIMS, seed=7)
    for chunk in (SIMS * 3, SIMS * 11, SIMS * 40):  # chunks of a few races each
        assert simulate_races(fc, sims=SIMS, seed=7, chunk_elems=chunk).equals(whole)
