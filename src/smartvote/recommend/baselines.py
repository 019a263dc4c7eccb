"""Naive rules a backtest compares the model with (DESIGN.md ``backtest`` contract).

* ``last_result``: the challenger (not the regime's, not excluded) with the highest earlier
  share *in the race*: the candidate's own earlier result here, else their party's result
  in an earlier candidate race reaching this one, else the party's list share here;
* ``poll``: the challenger with the highest share in the newest poll of the race (races
  with a poll only).

A rule's pick is a probability of 1 on its top challenger, split equally on ties (so the
Brier score and the expected number correct under a random tie-break are honest about
ties); a race where the rule has no number for any challenger is a uniform guess over
them, counted in ``no_pick``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BASELINES", "baseline_probs", "score_baselines"]


def _last_result(t: pd.DataFrame) -> pd.Series:
    own_here = t["own_share"].where(t["own_here"].astype(bool))
    return own_here.fillna(t["smd_share"]).fillna(t["list_share"]).astype(float)


def _poll(t: pd.DataFrame) -> pd.Series:
    return t["poll_share"].astype(float)


BASELINES = {"last_result": _last_result, "poll": _poll}


def baseline_probs(t: pd.DataFrame, name: str) -> pd.DataFrame:
    """Per non-regime candidate: ``p`` (the rule's probability of being strongest) and per
    race ``has`` (the rule had a number for some challenger) and ``tied`` (size of the top)."""
    x = BASELINES[name](t).to_numpy(float)
    regime = t["regime"].to_numpy(bool)
    open_ = ~regime & (t["excluded"].astype(str) == "").to_numpy(bool)
    d = pd.DataFrame(
        {
            "race": t["race"].to_numpy(object),
            "name_key": t["name_key"].to_numpy(object),
            "x": np.where(open_, x, np.nan),
            "open": open_,
        }
    )[~regime]
    top = d.groupby("race")["x"].transform("max")
    is_top = ((d["x"] == top) & d["x"].notna()).to_numpy(bool)
    n_top = pd.Series(is_top, index=d.index).groupby(d["race"]).transform("sum").to_numpy()
    n_open = d["open"].groupby(d["race"]).transform("sum").clip(lower=1).to_numpy()
    has = n_top > 0
    d["p"] = np.where(has, is_top / np.maximum(n_top, 1), d["open"].to_numpy(bool) / n_open)
    d["has"] = has
    d["tied"] = n_top
    return d


def score_baselines(
    table: pd.DataFrame, outcome: pd.DataFrame, races: set[str]
) -> dict[str, dict[str, Any]]:
    """``correct`` (expected under a random tie-break), ``accuracy``, ``brier``, ``races``,
    ``ties``, ``no_pick`` for every rule, on ``races`` (poll: those with a poll)."""
    out: dict[str, dict[str, Any]] = {}
    t = table[table["race"].isin(races)]
    for name in BASELINES:
        if name == "poll":
            if "poll_share" not in t.columns or t["poll_share"].notna().sum() == 0:
                continue
            polled = set(t.loc[t["poll_share"].notna(), "race"])
            tt = t[t["race"].isin(polled)]
        else:
            tt = t
        if tt.empty:
            continue
        d = baseline_probs(tt, name)
        m = d.merge(outcome[["race", "name_key", "top_nr"]], on=["race", "name_key"], how="inner")
        m["o"] = m["top_nr"].fillna(False).astype(float)
        n = int(m["race"].nunique())
        correct = float((m["p"] * m["o"]).groupby(m["race"]).sum().sum())
        brier = float(((m["p"] - m["o"]) ** 2).groupby(m["race"]).sum().mean())
        per = d.groupby("race").agg(has=("has", "first"), tied=("tied", "first"))
        out[name] = {
            "races": n,
            "correct": round(correct, 2),
            "accuracy": round(correct / n, 4) if n else None,
            "brier": round(brier, 4),
            "ties": int((per["tied"] > 1).sum()),
            "no_pick": int((~per["has"].astype(bool)).sum()),
        }
    return out
