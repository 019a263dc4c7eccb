"""Candidate-level table of one election: shares, ranks and the party-list benchmark.

Shares are of valid ballots (the sum of candidates' votes where a unit has no valid
line). The party-list benchmark of a candidate is their party's list share *in the same
stations* when the race's stations are found in the list results (at least half of the
race's valid ballots), else in the same district of the same election (district totals,
e.g. Moscow 2021), else missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartvote.assess.inputs import ElectionData

#: Share of a race's valid ballots that must lie in stations found in the list results
#: for the station-level (same stations) benchmark.
MIN_MATCHED = 0.5


def unit_table(ed: ElectionData) -> pd.DataFrame:
    """One row per (race, unit): channel, registered, ballots, valid (filled)."""
    s = ed.smd
    g = s.groupby(["race", "unit"], sort=False)
    u = g.agg(
        election=("election", "first"),
        channel=("channel", "first"),
        district=("district", "first"),
        region=("region", "first"),
        registered=("registered", "first"),
        ballots=("ballots", "first"),
        valid=("valid", "first"),
        cast=("votes", "sum"),
    ).reset_index()
    u["valid"] = u["valid"].where(u["valid"].notna(), u["cast"])
    return u


def candidate_table(ed: ElectionData) -> pd.DataFrame:
    """Per (race, candidate): votes, share, paper share, rank, list benchmark (module doc)."""
    s = ed.smd
    u = unit_table(ed)
    c = ed.candidates.copy()
    tot = s.groupby(["race", "candidate"]).agg(votes=("votes", "sum")).reset_index()
    paper = (
        s[s["channel"] == "paper"]
        .groupby(["race", "candidate"])
        .agg(paper_votes=("votes", "sum"))
        .reset_index()
    )
    denom = u.groupby("race")["valid"].sum()
    pden = u[u["channel"] == "paper"].groupby("race")["valid"].sum()
    has_el = u.groupby("race")["channel"].agg(lambda x: bool((x == "electronic").any()))
    c = c.merge(tot, on=["race", "candidate"], how="left").merge(
        paper, on=["race", "candidate"], how="left"
    )
    c["votes"] = c["votes"].fillna(0.0)
    c["paper_votes"] = c["paper_votes"].fillna(0.0)
    c["denom"] = c["race"].map(denom).astype(float)
    c["share"] = c["votes"] / c["denom"]
    c["paper_denom"] = c["race"].map(pden).astype(float)
    c["paper_share"] = c["paper_votes"] / c["paper_denom"]
    c["has_electronic"] = c["race"].map(has_el).fillna(False).astype(bool)
    c["rank"] = c.groupby("race")["votes"].rank(ascending=False, method="min").astype(int)
    c["paper_rank"] = (
        c.groupby("race")["paper_votes"].rank(ascending=False, method="min").astype(int)
    )
    c["smd_share_m"] = np.nan
    c["list_share"] = np.nan
    c["list_basis"] = ""
    if len(ed.lists):
        _attach_list(c, s, u, ed.lists)
    return c


def _attach_list(c: pd.DataFrame, s: pd.DataFrame, u: pd.DataFrame, lists: pd.DataFrame) -> None:
    lv = lists.drop_duplicates(["election", "unit"])[["election", "unit", "valid"]].rename(
        columns={"valid": "lvalid"}
    )
    um = u.merge(lv, on=["election", "unit"], how="left")
    um["matched"] = um["lvalid"].notna()
    frac = (
        um.assign(mv=um["valid"].where(um["matched"], 0.0))
        .groupby("race")
        .agg(mv=("mv", "sum"), v=("valid", "sum"))
    )
    station_races = set(frac.index[(frac["mv"] >= MIN_MATCHED * frac["v"]) & (frac["mv"] > 0)])
    # Station basis: SMD and list shares over the matched units only.
    mu = um[um["matched"] & um["race"].isin(station_races)][
        ["election", "race", "unit", "valid", "lvalid"]
    ]
    if len(mu):
        sv = (
            s.merge(mu[["race", "unit"]], on=["race", "unit"])
            .groupby(["race", "candidate"])["votes"]
            .sum()
        )
        md = mu.groupby("race")["valid"].sum()
        lmd = mu.groupby("race")["lvalid"].sum()
        lp = (
            lists.merge(mu[["election", "race", "unit"]], on=["election", "unit"])
            .groupby(["race", "party_key"])["votes"]
            .sum()
        )
        sel = c["race"].isin(station_races)
        idx = pd.MultiIndex.from_frame(c.loc[sel, ["race", "candidate"]])
        c.loc[sel, "smd_share_m"] = (
            sv.reindex(idx).fillna(0.0).to_numpy() / c.loc[sel, "race"].map(md).to_numpy()
        )
        pidx = pd.MultiIndex.from_frame(c.loc[sel, ["race", "party_key"]])
        c.loc[sel, "list_share"] = (
            lp.reindex(pidx).to_numpy() / c.loc[sel, "race"].map(lmd).to_numpy()
        )
        c.loc[sel, "list_basis"] = "stations"
    # District basis for the other races: list units of the same election and district.
    rest = ~c["race"].isin(station_races) & (c["district"] != "")
    if rest.any():
        ld = lists[lists["district"] != ""]
        dval = (
            ld.drop_duplicates(["election", "unit"])
            .groupby(["election", "district"])["valid"]
            .sum()
        )
        dpv = ld.groupby(["election", "district", "party_key"])["votes"].sum()
        sub = c.loc[rest]
        dv = dval.reindex(pd.MultiIndex.from_frame(sub[["election", "district"]])).to_numpy()
        pv = dpv.reindex(
            pd.MultiIndex.from_frame(sub[["election", "district", "party_key"]])
        ).to_numpy()
        ok = np.isfinite(dv) & (dv > 0)
        ls = np.where(ok, pv / np.where(ok, dv, 1.0), np.nan)
        c.loc[rest, "list_share"] = ls
        c.loc[rest, "smd_share_m"] = np.where(ok, sub["share"].to_numpy(), np.nan)
        c.loc[rest, "list_basis"] = np.where(ok, "district", "")
    # Independents and parties absent from the list ballot have no benchmark (NaN).
    c.loc[c["party_key"] == "", "list_share"] = np.nan
