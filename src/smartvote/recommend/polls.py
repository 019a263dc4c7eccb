"""Polls combined with history, precision-weighted on the log scale (METHODS.md §2 (d)).

1. **Pool** the polls of each candidate in a race (matched by normalised name, else by
   party): a poll's precision is its binomial precision ``n·p/(1−p)`` times a date weight
   ``2^(−age / POLL_HALF_LIFE_DAYS)`` (age = days before the newest poll of the race), so
   a newer poll counts more; an MRP is a poll per race. The pooled log share has the
   pooled sampling variance plus the race-level poll error ``POLL_LOCAL_SD²``.
2. **Swing from the polls**: for each party the mean of (pooled poll − history forecast)
   over the races with both measures how the party moved since the history election;
   every history forecast of the party (polled race or not) is shifted by it.
3. **History error from the data**: the spread of (poll − shifted history) over those
   races is history error plus poll error; the history part (``σ_h² = mean(resid²) −
   mean(poll var)``) replaces the prior local sd of every history forecast.
4. **Combine**: ``μ = (h/σ_h² + q/σ_q²) / (1/σ_h² + 1/σ_q²)``; the weight of each
   source is kept in the evidence. The polls' systematic error (``POLL_HOUSE_SD``) is
   shared by a party in every race, so it becomes the party's swing sd in the simulation.

National polls (``race`` empty) shift a party's forecast by the poll's change from its last
national list share, replacing the learned swing (:mod:`smartvote.recommend.swing`).

Precision weighting of a model and a poll follows the poll-aggregation literature
(e.g. Linzer 2013, "Dynamic Bayesian forecasting of presidential elections in the states",
JASA 108:124), here in its static two-source form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from smartvote.recommend.params import (
    FLOOR,
    MAX_SHARE,
    MIN_HISTORY_SD,
    POLL_CALIBRATION_MIN_ROWS,
    POLL_CALIBRATION_MIN_SHARE,
    POLL_HALF_LIFE_DAYS,
    POLL_HOUSE_SD,
    POLL_LOCAL_SD,
    POLL_SWING_MIN_RACES,
)

__all__ = ["PollFit", "combine_polls", "lists_by", "pool_race_polls"]


def _log(x: Any) -> np.ndarray:
    return np.log(np.maximum(np.asarray(x, dtype="float64"), FLOOR))


@dataclass(frozen=True, slots=True)
class PollFit:
    """What the polls did to the forecast (reported in ``data_used.polls_model``)."""

    races: int = 0
    candidates: int = 0
    swing: dict[str, float] | None = None
    history_sd: float | None = None
    history_sd_calibrated: bool = False
    calibration_rows: int = 0
    poll_local_sd: float = POLL_LOCAL_SD
    poll_house_sd: float = POLL_HOUSE_SD
    half_life_days: float = POLL_HALF_LIFE_DAYS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def lists_by(key: pd.Series, values: pd.Series) -> dict[Any, list[str]]:
    """Sorted distinct ``values`` per ``key`` (vectorised: no per-group Python call)."""
    pairs = pd.DataFrame({"k": key.to_numpy(), "v": values.astype(str).to_numpy()})
    pairs = pairs.drop_duplicates().sort_values(["k", "v"])
    k, v = pairs["k"].to_numpy(), pairs["v"].to_numpy()
    if not len(k):
        return {}
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    return {kk: list(g) for kk, g in zip(k[starts], np.split(v, starts[1:]), strict=True)}


def _days(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates.where(dates != ""), errors="coerce", format="mixed")
    return pd.Series((d - pd.Timestamp("1970-01-01")).dt.days.astype("float64"), index=dates.index)


def pool_race_polls(c: pd.DataFrame, polls: pd.DataFrame) -> pd.DataFrame:
    """One row per polled candidate (index of ``c``): ``q`` (pooled log share), ``q_var``
    (its race-level variance), ``n_polls``, ``latest_share``, ``dates`` (list)."""
    rp = polls[polls["race"] != ""].copy()
    cols = ["q", "q_var", "n_polls", "latest_share", "dates"]
    if rp.empty:
        return pd.DataFrame(columns=cols)
    cc = c[["race", "name_key", "party_key"]].reset_index(names="cand")
    by_name = rp[rp["name_key"] != ""].merge(cc, on=["race", "name_key"], suffixes=("_p", ""))
    by_party = rp[(rp["name_key"] == "") & (rp["party_key"] != "")].merge(
        cc, on=["race", "party_key"], suffixes=("_p", "")
    )
    # A candidate named in a poll takes that poll; party rows reach the others.
    by_party = by_party[~by_party["cand"].isin(set(by_name["cand"]))]
    m = pd.concat([by_name, by_party], ignore_index=True)
    if m.empty:
        return pd.DataFrame(columns=cols)
    m["day"] = _days(m["date"])
    newest = m.groupby("race")["day"].transform("max")
    age = (newest - m["day"]).fillna(0.0).clip(lower=0.0)
    p = m["share"].clip(FLOOR, MAX_SHARE)
    precision = m["sample_size"] * p / (1 - p)  # 1 / binomial variance of log p
    m["w"] = precision * np.power(2.0, -age / POLL_HALF_LIFE_DAYS)
    m["wq"] = m["w"] * _log(m["share"])
    g = m.groupby("cand")
    out = pd.DataFrame(
        {
            "q": g["wq"].sum() / g["w"].sum(),
            "q_var": 1.0 / g["w"].sum() + POLL_LOCAL_SD**2,
            "n_polls": g.size(),
        }
    )
    latest = m.sort_values("day", na_position="first").groupby("cand").tail(1).set_index("cand")
    out["latest_share"] = latest["share"]
    out["dates"] = pd.Series(lists_by(m["cand"], m["date"]))
    return out


def combine_polls(
    c: pd.DataFrame, polls: pd.DataFrame, mu: np.ndarray, sd: np.ndarray
) -> tuple[np.ndarray, np.ndarray, PollFit]:
    """Shift history by the polls' party swing, recalibrate its error, combine (module doc).

    Sets ``poll_share`` (latest poll), ``poll_weight`` (weight of the polls in the mean),
    ``poll_swing`` and ``polled`` in ``c``; returns the new mean and local sd.
    """
    mu, sd = mu.astype(float).copy(), sd.astype(float).copy()
    pooled = pool_race_polls(c, polls)
    if pooled.empty:
        return mu, sd, PollFit()
    idx = pooled.index.to_numpy()
    has_hist = (c["basis"] != "prior").to_numpy()
    q = pd.Series(np.nan, index=c.index)
    qv = pd.Series(np.nan, index=c.index)
    q[idx] = pooled["q"].to_numpy()
    qv[idx] = pooled["q_var"].to_numpy()
    both = q.notna().to_numpy() & has_hist & (c["party_key"] != "").to_numpy()
    # 2. the party's swing since the history election, as the polls measure it.
    d = pd.Series(q.to_numpy() - mu, index=c.index)[both]
    party = c.loc[both, "party_key"]
    n_races = c.loc[both].groupby("party_key")["race"].nunique()
    swing = d.groupby(party).mean()[n_races >= POLL_SWING_MIN_RACES]
    shift = c["party_key"].map(swing).fillna(0.0).to_numpy(float)
    shift = np.where(has_hist, shift, 0.0)
    mu = mu + shift
    # 3. history error measured against the polls (both shares ≥ the calibration floor).
    resid = (q.to_numpy() - mu)[both]
    ok = np.exp(mu[both]) >= POLL_CALIBRATION_MIN_SHARE
    ok &= np.exp(q.to_numpy()[both]) >= POLL_CALIBRATION_MIN_SHARE
    hist_sd: float | None = None
    calibrated = False
    if ok.sum() >= POLL_CALIBRATION_MIN_ROWS:
        var = float(np.mean(resid[ok] ** 2) - np.mean(qv.to_numpy()[both][ok]))
        hist_sd = float(max(np.sqrt(max(var, 0.0)), MIN_HISTORY_SD))
        calibrated = True
        sd = np.where(has_hist, hist_sd, sd)
    # 4. precision-weighted combination where a poll exists.
    m = q.notna().to_numpy()
    w_h = 1.0 / sd[m] ** 2
    w_q = 1.0 / qv.to_numpy()[m]
    mu[m] = (mu[m] * w_h + q.to_numpy()[m] * w_q) / (w_h + w_q)
    sd[m] = np.sqrt(1.0 / (w_h + w_q))
    c["poll_share"] = np.nan
    c.loc[idx, "poll_share"] = pooled["latest_share"].to_numpy()
    c["poll_weight"] = np.nan
    c.loc[m, "poll_weight"] = w_q / (w_h + w_q)
    c["poll_swing"] = shift
    c["polled"] = m
    c["poll_dates"] = pd.Series([[] for _ in range(len(c))], index=c.index, dtype=object)
    c.loc[idx, "poll_dates"] = pooled["dates"].to_numpy()
    fit = PollFit(
        races=int(c.loc[m, "race"].nunique()),
        candidates=int(m.sum()),
        swing={str(k): round(float(v), 4) for k, v in swing.items()},
        history_sd=None if hist_sd is None else round(hist_sd, 4),
        history_sd_calibrated=calibrated,
        calibration_rows=int(ok.sum()),
    )
    return mu, sd, fit


def national_poll_shift(
    c: pd.DataFrame, polls: pd.DataFrame, mu: np.ndarray, nat: pd.Series, beta: float
) -> np.ndarray:
    """National party polls: shift the party's log share by the poll's change from its last
    national list share (``nat``), replacing the learned swing of that party."""
    mu = mu.copy()
    npo = (
        polls[(polls["race"] == "") & (polls["party_key"] != "")]
        .drop_duplicates("party_key", keep="last")
        .set_index("party_key")
    )
    for pk, row in npo.iterrows():  # a loop over polled parties (a handful)
        if pk not in nat.index or nat[pk] <= 0:
            continue
        shift = float(np.log(max(row["share"], FLOOR)) - np.log(nat[pk]))
        m = (c["party_key"] == pk).to_numpy() & ~c["polled"].to_numpy(bool)
        scale = np.where((c["basis"] == "list").to_numpy(), beta, 1.0)
        mu[m] += scale[m] * (shift - c["swing_shift"].to_numpy(float)[m])
        c.loc[m, "poll_share"] = float(row["share"])
    return mu
