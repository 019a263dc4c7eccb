"""What history says about each candidate of the upcoming races: one function per source.

Each function adds columns to the candidate table ``c`` (one row per candidate) and records
in ``used`` (race → ``{"history": [...]}``) exactly which history races reached the race:

* :func:`list_evidence`: the party's list share in the race's area, latest list election;
* :func:`race_evidence`: earlier candidate races reaching the race (same race id, district
  number of the same family, or the stations): the party's share there (``smd_share``) and
  the candidate's own share there by normalised name (``own_share``, ``own_won``);
* :func:`person_evidence`: a candidate's own latest result in another race, when their name
  is unique in that election (a person who moved; a party code such as ``Lab`` that stands
  everywhere is not a person and is matched only in its own race);
* :func:`party_elsewhere`: a party with no result here: its mean share where it stood in the
  latest candidate election (national evidence, wider error).

All of it is pandas merges and group-bys, no loop over stations.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smartvote.recommend.history import NON_CANDIDATE_KINDS, HistElection, Targets, aggregate

__all__ = [
    "list_evidence",
    "party_elsewhere",
    "person_evidence",
    "race_evidence",
]

Used = dict[str, dict[str, Any]]


def _record(used: Used, h: HistElection, agg: pd.DataFrame, kind: str) -> set[str]:
    """Add one entry per (target, history race) to ``used``; return the targets reached."""
    meta = agg.groupby(["target", "hist_race"], sort=False).agg(
        join=("join", "first"), units=("units", "max"), coverage=("coverage", "max")
    )
    rows = zip(
        meta.index,
        meta["join"].tolist(),
        meta["units"].tolist(),
        meta["coverage"].tolist(),
        strict=True,
    )
    for (t, hr), join, units, cov in rows:
        used.setdefault(str(t), {"history": []})["history"].append(
            {
                "election": h.election,
                "race": str(hr),
                "kind": kind,
                "join": str(join),
                "units": int(units),
                "coverage": round(float(cov), 3),
            }
        )
    return {str(t) for t in meta.index.get_level_values(0)}


def list_evidence(
    c: pd.DataFrame, history: list[HistElection], targets: Targets, join: str, used: Used
) -> None:
    """``list_share`` / ``list_source``: the party's list share in the race's area in the
    most recent list election reaching it (the regime candidate without a party draws on
    the regime party's list vote)."""
    c["list_share"] = np.nan
    c["list_source"] = ""
    for h in reversed([h for h in history if "list" in h.kinds]):
        agg = aggregate(h, targets, kinds=("list",), join=join)
        if agg.empty:
            continue
        reached = _record(used, h, agg, "list")
        lk = agg[agg["party_key"] != ""].groupby(["target", "party_key"])["share"].sum()
        reg = agg[agg["regime"]].groupby("target")["share"].sum()
        need = c["list_share"].isna() & c["race"].isin(reached)
        key = pd.MultiIndex.from_arrays([c["race"], c["party_key"]])
        val = pd.Series(lk.reindex(key).to_numpy(), index=c.index)
        reg_val = c["race"].map(reg)
        val = val.where(~(c["regime"] & (c["party_key"] == "") & val.isna()), reg_val)
        take = need & val.notna()
        c.loc[take, "list_share"] = val[take]
        c.loc[take, "list_source"] = h.election


def race_evidence(
    c: pd.DataFrame, history: list[HistElection], targets: Targets, join: str, used: Used
) -> None:
    """``smd_share`` (party's share in the latest earlier candidate race reaching the race),
    ``own_share`` / ``own_race`` / ``own_won`` (the candidate's own share there, by name)."""
    c["smd_share"] = np.nan
    c["smd_source"] = ""
    c["own_share"] = np.nan
    c["own_race"] = ""
    c["own_election"] = ""
    c["own_won"] = False
    c["own_here"] = False
    for h in reversed(history):
        if not (h.kinds - NON_CANDIDATE_KINDS):
            continue
        agg = aggregate(h, targets, kinds=("candidate",), join=join)
        if agg.empty:
            continue
        _record(used, h, agg, "candidate")
        top = agg.groupby(["target", "hist_race"])["share"].transform("max")
        agg = agg.assign(won=agg["share"] >= top)
        pk = agg[agg["party_key"] != ""].groupby(["target", "party_key"])["share"].sum()
        key = pd.MultiIndex.from_arrays([c["race"], c["party_key"]])
        val = pd.Series(pk.reindex(key).to_numpy(), index=c.index)
        take = c["smd_share"].isna() & val.notna()
        c.loc[take, "smd_share"] = val[take]
        c.loc[take, "smd_source"] = h.election
        own = (
            agg[agg["name_key"] != ""]
            .sort_values("share")
            .drop_duplicates(["target", "name_key"], keep="last")
            .set_index(["target", "name_key"])
        )
        okey = pd.MultiIndex.from_arrays([c["race"], c["name_key"]])
        share = pd.Series(own["share"].reindex(okey).to_numpy(), index=c.index)
        take = c["own_share"].isna() & share.notna()
        if take.any():
            c.loc[take, "own_share"] = share[take]
            c.loc[take, "own_race"] = own["hist_race"].reindex(okey).to_numpy()[take.to_numpy()]
            c.loc[take, "own_election"] = h.election
            c.loc[take, "own_here"] = True
            c.loc[take, "own_won"] = (
                own["won"].reindex(okey).to_numpy()[take.to_numpy()].astype(bool)
            )


def person_evidence(c: pd.DataFrame, train: pd.DataFrame) -> None:
    """A candidate without a result here: their own latest result in another race, when the
    name is unique in that election (a person, not a party code standing everywhere)."""
    if train.empty:
        return
    counts = train.groupby(["election", "name_key"])["race"].transform("nunique")
    people = train[(counts == 1) & (train["name_key"] != "")]
    last = people.sort_values("year").drop_duplicates("name_key", keep="last")
    top = train.groupby(["election", "race"])["share"].transform("max")
    won = (train["share"] >= top).rename("won")
    last = last.join(won).set_index("name_key")
    need = c["own_share"].isna() & c["name_key"].isin(last.index)
    if need.any():
        k = c.loc[need, "name_key"]
        c.loc[need, "own_share"] = k.map(last["share"]).to_numpy()
        c.loc[need, "own_race"] = k.map(last["race"]).to_numpy()
        c.loc[need, "own_election"] = k.map(last["election"]).to_numpy()
        c.loc[need, "own_won"] = k.map(last["won"]).fillna(False).astype(bool).to_numpy()


def party_elsewhere(c: pd.DataFrame, train: pd.DataFrame) -> None:
    """``party_mean``: for a candidate with no result of their own or their party here, the
    party's mean share where it stood in the latest candidate election that had it."""
    c["party_mean"] = np.nan
    c["party_mean_source"] = ""
    if train.empty:
        return
    t = train[train["party_key"] != ""]
    per = t.groupby(["election", "year", "race", "party_key"])["share"].sum().reset_index()
    mean = per.groupby(["year", "election", "party_key"])["share"].mean().reset_index()
    last = mean.sort_values("year").drop_duplicates("party_key", keep="last")
    last = last.set_index("party_key")
    need = (
        c["own_share"].isna()
        & c["smd_share"].isna()
        & c["list_share"].isna()
        & c["party_key"].isin(last.index)
    )
    if need.any():
        k = c.loc[need, "party_key"]
        c.loc[need, "party_mean"] = k.map(last["share"]).to_numpy(float)
        c.loc[need, "party_mean_source"] = k.map(last["election"]).astype(str).to_numpy()
