"""A race-level Shpilkin-style correction: the count on stations that look clean.

Shpilkin (2011; Kobak, Shpilkin & Pshenichnikov 2016, "Integer percentages as electoral
falsification fingerprints", AoAS 10:54, and 2018 Significance 15:4) observed that in
clean elections the vote for each candidate peaks at the same turnout as the rest, and
that stations with turnout above that peak carry extra ballots for the leader. Here, per
race: ``t0`` = the mode of the ballots-weighted turnout histogram (1-point bins,
3-bin moving average), ``q`` = the regime candidate's votes per vote for the others in
stations at or below ``t0``; in the stations above ``t0`` taken together the regime
candidate keeps ``q`` votes per vote for the others (the others' votes are taken as
genuine): the excess ``W_high − q·O_high`` (never negative) is the estimate of falsified
votes. Aggregating before comparing lets stations' natural variation cancel (a
station-by-station cap would count every above-average station as falsified).

Assumptions: the others' votes are genuine; without falsification the regime's ratio to
the others would be the same above and below the turnout mode; only paper stations with
registered voters and ballots count (electronic pseudo-stations and district totals are
left untouched, and races without station data are not corrected).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Fewest paper stations of a race for a correction.
MIN_STATIONS = 30


def correct(units: pd.DataFrame, regime_votes: pd.Series, shift: float = 0.0) -> pd.DataFrame:
    """Per race: ``t0``, ``q``, ``excess`` (votes removed from the regime candidate) and
    ``stations``. ``units``: race, unit, channel, registered, ballots, valid. ``regime_votes``: index (race, unit). ``shift``: added to ``t0``
    (turnout fraction) for a sensitivity check."""
    u = units[
        (units["channel"] == "paper") & (units["registered"] > 0) & (units["ballots"] > 0)
    ].copy()
    u["W"] = (
        regime_votes.reindex(pd.MultiIndex.from_frame(u[["race", "unit"]])).fillna(0.0).to_numpy()
    )
    u["O"] = np.maximum(u["valid"].to_numpy() - u["W"].to_numpy(), 0.0)
    u["t"] = np.clip(u["ballots"] / u["registered"], 0.0, 1.0)
    n = u.groupby("race")["unit"].count()
    u = u[u["race"].map(n) >= MIN_STATIONS]
    if not len(u):
        return pd.DataFrame(columns=["race", "t0", "q", "excess", "stations"])
    races = sorted(set(u["race"]))
    ri = pd.Series(np.arange(len(races)), index=races)
    b = np.minimum((u["t"].to_numpy() * 100).astype(int), 100)
    hist = np.zeros((len(races), 101))
    np.add.at(hist, (u["race"].map(ri).to_numpy(), b), u["ballots"].to_numpy(dtype=float))
    smooth = (
        np.pad(hist, ((0, 0), (1, 1)))[:, :-2] + hist + np.pad(hist, ((0, 0), (1, 1)))[:, 2:]
    ) / 3
    t0 = (np.argmax(smooth, axis=1) + 1) / 100 + shift
    u["t0"] = t0[u["race"].map(ri).to_numpy()]
    low = u["t"] <= u["t0"]
    g = u[low].groupby("race")[["W", "O"]].sum()
    q = (g["W"] / g["O"].where(g["O"] > 0)).reindex(races)
    high = u[~low].groupby("race")[["W", "O"]].sum().reindex(races).fillna(0.0)
    excess = np.maximum(high["W"] - q.fillna(np.inf).clip(upper=1e12) * high["O"], 0.0)
    out = pd.DataFrame(
        {
            "race": races,
            "t0": t0,
            "q": q.to_numpy(),
            "excess": excess.to_numpy(),
            "stations": u.groupby("race")["unit"].count().reindex(races).to_numpy(),
        }
    )
    return out
