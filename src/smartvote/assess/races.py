"""Per-race table of an endorsement campaign: what the endorsed candidate got, whether
they won, what they would have got without the endorsement, and whether they won on
paper ballots alone or on stations that look clean.

Expected share without the endorsement: the transfer model of
:mod:`smartvote.assess.designs` with ``k = t/(1 − t)`` from the headline design: the
endorsed candidate loses ``k × O`` (``O``: the other non-regime candidates' total share),
each other non-regime candidate gets ``s × (1 + k)`` back, the regime candidate is
unchanged. A race is *decisive* when the endorsed candidate won and would not have
without the effect; ``p_decisive`` is the share of bootstrap draws of ``k`` in which that
holds (its uncertainty).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smartvote.assess.designs import DesignResult
from smartvote.forensics.shpilkin import correct_races

#: Shift of the turnout threshold (fraction) for the clean-count sensitivity check.
CLEAN_SHIFT = 0.02


def _cf_margin(
    se: float, o: float, others: np.ndarray, regime: np.ndarray, k: np.ndarray
) -> np.ndarray:
    """Endorsed margin (fraction) without the effect, for each value of ``k``."""
    best_o = others.max() if len(others) else 0.0
    best_r = regime.max() if len(regime) else 0.0
    return se - k * o - np.maximum(best_r, best_o * (1 + k))


def clean_counts(
    units: pd.DataFrame, smd: pd.DataFrame, cur: pd.DataFrame
) -> dict[float, pd.DataFrame]:
    """Shpilkin corrections of every race at the threshold and ±CLEAN_SHIFT."""
    reg = cur[cur["regime"]][["race", "candidate"]]
    w = smd.merge(reg, on=["race", "candidate"]).groupby(["race", "unit"])["votes"].sum()
    return {s: correct_races(units, w, shift=s) for s in (0.0, -CLEAN_SHIFT, CLEAN_SHIFT)}


def _k_ci(draws: np.ndarray) -> tuple[float, float]:
    if not len(draws):
        return (np.nan, np.nan)
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return float(lo), float(hi)


def _counterfactual(
    se: float,
    o: float,
    others: np.ndarray,
    regime: np.ndarray,
    won: bool,
    k: float,
    k_lo: float,
    k_hi: float,
    draws: np.ndarray,
) -> dict[str, Any]:
    """Effect, expected share and margin without the endorsement, decisive and its
    probability, for one race and one design's ``k`` (and its draws)."""
    cf = float(_cf_margin(se, o, others, regime, np.array([k]))[0])
    return {
        "effect_pp": 100 * k * o,
        "effect_low_pp": 100 * k_lo * o,
        "effect_high_pp": 100 * k_hi * o,
        "expected_share": 100 * (se - k * o),
        "expected_margin_pp": 100 * cf,
        "decisive": bool(won and cf < 0),
        "p_decisive": (
            float(np.mean(won & (_cf_margin(se, o, others, regime, draws) < 0)))
            if len(draws)
            else None
        ),
    }


def decisive_draws(cur: pd.DataFrame, draws: np.ndarray) -> np.ndarray:
    """Number of decisive races in each draw of ``k`` (for the totals' intervals)."""
    out = np.zeros(len(draws), dtype=np.int64)
    if not len(draws):
        return out
    for _, g in cur.groupby("race", sort=False):
        e = g[g["endorsed"]]
        if not len(e):
            continue
        er = e.iloc[0]
        won = bool(er["rank"] == 1 and (g["rank"] == 1).sum() == 1)
        if not won:
            continue
        rest = g[~g["endorsed"]]
        others = rest[~rest["regime"]]["share"].to_numpy(dtype=float)
        regime = rest[rest["regime"]]["share"].to_numpy(dtype=float)
        cf = _cf_margin(float(er["share"]), float(others.sum()), others, regime, draws)
        out += cf < 0
    return out


def race_table(
    cur: pd.DataFrame,
    effect: DesignResult | None,
    clean: dict[float, pd.DataFrame] | None = None,
    designs: tuple[DesignResult, ...] | list[DesignResult] = (),
) -> pd.DataFrame:
    """One row per race with an endorsed candidate (see module docstring); ``by_design``
    holds the same counterfactual figures from every design in ``designs`` that ran."""
    k = effect.k if effect is not None and effect.k is not None else None
    draws = effect.k_draws if effect is not None else np.empty(0)
    k_lo, k_hi = _k_ci(draws)
    rows: list[dict[str, Any]] = []
    exc = {
        s: (c.set_index("race")["excess"] if len(c) else pd.Series(dtype=float))
        for s, c in (clean or {}).items()
    }
    for race, g in cur.groupby("race", sort=True):
        e = g[g["endorsed"]]
        if not len(e):
            continue
        er = e.iloc[0]
        rest = g[~g["endorsed"]]
        se = float(er["share"])
        best = rest.sort_values("votes", ascending=False).head(1)
        winner = g.sort_values("votes", ascending=False).iloc[0]
        won = bool(er["rank"] == 1 and (g["rank"] == 1).sum() == 1)
        margin = se - (float(best["share"].iloc[0]) if len(best) else 0.0)
        others = rest[~rest["regime"]]["share"].to_numpy(dtype=float)
        regime = rest[rest["regime"]]["share"].to_numpy(dtype=float)
        o = float(others.sum())
        regime_row = g[g["regime"]]
        row: dict[str, Any] = {
            "race": race,
            "district": er["district"],
            "region": er["region"],
            "endorsed": er["candidate"],
            "party": er["party"] or er["party_key"],
            "votes": int(er["votes"]),
            "share": 100 * se,
            "rank": int(er["rank"]),
            "won": won,
            "winner": winner["candidate"],
            "margin_pp": 100 * margin,
            "regime_candidate": regime_row["candidate"].iloc[0] if len(regime_row) else None,
            "regime_share": 100 * float(regime_row["share"].iloc[0]) if len(regime_row) else None,
            "regime_won": bool(
                len(regime_row) and winner["candidate"] in set(regime_row["candidate"])
            ),
            "valid": float(er["denom"]),
            "others_share": 100 * o,
            "effect_pp": None,
            "effect_low_pp": None,
            "effect_high_pp": None,
            "expected_share": None,
            "expected_margin_pp": None,
            "decisive": None,
            "p_decisive": None,
        }
        if k is not None:
            row.update(_counterfactual(se, o, others, regime, won, k, k_lo, k_hi, draws))
        row["by_design"] = {
            d.design: {
                kk: v
                for kk, v in _counterfactual(
                    se, o, others, regime, won, float(d.k), *_k_ci(d.k_draws), d.k_draws
                ).items()
                if kk != "effect_low_pp" and kk != "effect_high_pp"
            }
            for d in designs
            if d.ran and d.k is not None
        }
        # Paper ballots alone.
        if bool(er["has_electronic"]):
            pw = g.sort_values("paper_votes", ascending=False)
            pbest = rest["paper_share"].max() if len(rest) else 0.0
            row["paper_share"] = 100 * float(er["paper_share"])
            row["paper_winner"] = pw["candidate"].iloc[0]
            row["won_on_paper"] = bool(er["paper_rank"] == 1 and (g["paper_rank"] == 1).sum() == 1)
            row["paper_margin_pp"] = 100 * (float(er["paper_share"]) - float(pbest))
            eden = float(er["denom"]) - float(er["paper_denom"])
            row["electronic_share"] = (
                100 * (float(er["votes"]) - float(er["paper_votes"])) / eden if eden > 0 else None
            )
        else:
            row.update(
                paper_share=None,
                paper_winner=None,
                won_on_paper=None,
                paper_margin_pp=None,
                electronic_share=None,
            )
        # Stations that look clean (Shpilkin correction of the regime candidate).
        row.update(
            won_on_clean_stations=None,
            clean_margin_pp=None,
            clean_robust=None,
            falsified_votes=None,
        )
        if clean and race in exc[0.0].index and len(regime_row):
            verdicts = []
            for s in (0.0, -CLEAN_SHIFT, CLEAN_SHIFT):
                x = float(exc[s].get(race, 0.0))
                votes = g.set_index("candidate")["votes"].astype(float).copy()
                rc = regime_row["candidate"].iloc[0]
                votes[rc] -= x
                den = float(er["denom"]) - x
                ev = float(votes[er["candidate"]])
                rival = float(votes.drop(er["candidate"]).max()) if len(votes) > 1 else 0.0
                verdicts.append(ev > rival)
                if s == 0.0:
                    row["clean_margin_pp"] = 100 * (ev - rival) / den if den > 0 else None
                    row["falsified_votes"] = x
            row["won_on_clean_stations"] = verdicts[0]
            row["clean_robust"] = len(set(verdicts)) == 1
        row["could_have_won"] = bool(
            not won and (row["won_on_paper"] or row["won_on_clean_stations"])
        )
        rows.append(row)
    return pd.DataFrame(rows)
