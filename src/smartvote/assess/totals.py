"""Campaign totals: seats won, seats the regime lost and how many the endorsement
explains, votes the regime lost where endorsed challengers stood, falsified votes.

A seat the regime lost is a district whose previous winner was the regime's candidate
and whose current winner is not (districts matched by number; boundaries assumed
unchanged). It is *explained* by the endorsement when the race is decisive (see
:mod:`smartvote.assess.races`); ``expected_explained`` sums ``p_decisive`` over those
seats, the number explained on average over the effect's uncertainty.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def _int(x: Any) -> int:
    return int(x) if x is not None and np.isfinite(x) else 0


def totals(races: pd.DataFrame, base: pd.DataFrame | None) -> dict[str, Any]:
    """Totals over the per-race table ``races`` (and the previous election's candidate
    table ``base``, when given)."""
    out: dict[str, Any] = {
        "races_endorsed": len(races),
        "seats_won_by_endorsed": int(races["won"].sum()) if len(races) else 0,
        "decisive": int(races["decisive"].fillna(False).astype(bool).sum()) if len(races) else 0,
        "expected_decisive": float(races["p_decisive"].astype(float).sum())
        if len(races) and races["p_decisive"].notna().any()
        else None,
        "votes_moved_by_endorsement": None,
        "seats_won_on_paper": None,
        "seats_won_on_clean_stations": None,
        "falsified_votes_contested": None,
        "regime_seats_previous": None,
        "regime_seats_now": None,
        "regime_seats_lost": None,
        "regime_seats_lost_explained": None,
        "regime_seats_lost_expected_explained": None,
        "regime_votes_lost": None,
        "regime_share_change_pp": None,
    }
    if not len(races):
        return out
    if races["effect_pp"].notna().any():
        out["votes_moved_by_endorsement"] = _int(
            float((races["effect_pp"].astype(float) / 100 * races["valid"]).sum())
        )
    if races["won_on_paper"].notna().any():
        out["seats_won_on_paper"] = int(races["won_on_paper"].fillna(False).astype(bool).sum())
    if races["won_on_clean_stations"].notna().any():
        out["seats_won_on_clean_stations"] = int(
            races["won_on_clean_stations"].fillna(False).astype(bool).sum()
        )
        out["falsified_votes_contested"] = _int(float(races["falsified_votes"].astype(float).sum()))
    if base is None or not len(base):
        return out
    from smartvote.assess.designs import race_key

    # Districts matched by number, else by race id (as the designs pair them).
    base = base.assign(district=race_key(base))
    races = races.assign(district=race_key(races))
    prev = (
        base.sort_values("votes", ascending=False)
        .groupby("district", sort=False)
        .agg(prev_regime_won=("regime", "first"), prev_winner=("candidate", "first"))
    )
    preg = (
        base[base["regime"]]
        .groupby("district")
        .agg(prev_regime_votes=("votes", "sum"), prev_regime_share=("share", "sum"))
    )
    r = races.merge(prev, left_on="district", right_index=True, how="left").merge(
        preg, left_on="district", right_index=True, how="left"
    )
    have = r["prev_regime_won"].notna()
    if not have.any():
        return out
    rh = r[have]
    lost = rh["prev_regime_won"].astype(bool) & ~rh["regime_won"].astype(bool)
    out["regime_seats_previous"] = int(rh["prev_regime_won"].astype(bool).sum())
    out["regime_seats_now"] = int(rh["regime_won"].astype(bool).sum())
    out["regime_seats_lost"] = int(lost.sum())
    out["regime_seats_lost_races"] = rh.loc[lost, "race"].tolist()
    if rh["decisive"].notna().any():
        out["regime_seats_lost_explained"] = int(
            (lost & rh["decisive"].fillna(False).astype(bool)).sum()
        )
        out["regime_seats_lost_expected_explained"] = float(
            rh.loc[lost, "p_decisive"].astype(float).fillna(0.0).sum()
        )
    both = rh["prev_regime_votes"].notna() & rh["regime_share"].notna()
    if both.any():
        b = rh[both]
        now_votes = b["regime_share"].astype(float) / 100 * b["valid"]
        out["regime_votes_lost"] = _int(float((b["prev_regime_votes"] - now_votes).sum()))
        out["regime_share_change_pp"] = float(
            np.average(
                b["regime_share"].astype(float) - 100 * b["prev_regime_share"], weights=b["valid"]
            )
        )
    return out
