"""Paper versus remote electronic voting, district by district.

Where remote e-voting exists (Russia 2021: one pseudo-station per single-member district
in seven regions, 15 of them in Moscow), each district's electronic unit is compared with
the paper stations of the same district: turnout of the registered e-voters, the leader's
share on paper and electronically, and (with candidate-level votes) the winner on paper
alone against the official winner. A large, uniform electronic premium for the leader is
what observers of Moscow 2021 reported; the comparison does not by itself say which
channel is wrong, since e-voters are a self-selected group.

Assumptions: the district column identifies the electronic unit's district (for the 2021
Duma file the pseudo-stations carry it); paper = every other station of that district.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def electronic(frame: pd.DataFrame, channel_votes: pd.DataFrame | None = None) -> dict[str, Any]:
    """Per-district comparison from the raw station frame (``Store.stations``) and, when
    given, candidate votes by (district, channel, candidate) for winners and shares."""
    if "channel" not in frame.columns or not (frame["channel"] == "electronic").any():
        return {"present": False, "districts": []}
    f = frame.copy()
    key = (
        f["district"].fillna("").astype(str)
        if "district" in f.columns
        else pd.Series("", index=f.index)
    )
    if "race" in f.columns:
        key = key.where(key != "", f["race"].astype(str))
    f["_d"] = key
    f["_ch"] = np.where(f["channel"] == "electronic", "electronic", "paper")
    el_d = set(f.loc[f["_ch"] == "electronic", "_d"])
    f = f[f["_d"].isin(el_d)]
    num = ["registered", "ballots", "valid", "leader_votes"]
    for c in num:
        f[c] = pd.to_numeric(f[c], errors="coerce").fillna(0)
    g = f.groupby(["_d", "_ch"])[num].sum().unstack("_ch", fill_value=0)
    region = f.groupby("_d")["region"].first() if "region" in f.columns else pd.Series(dtype=str)
    winners: dict[str, dict[str, Any]] = {}
    if channel_votes is not None and not channel_votes.empty:
        cv = channel_votes.copy()
        cv["district"] = cv["district"].astype(str)
        cv = cv[cv["district"].isin(el_d)]
        piv = cv.pivot_table(
            index=["district", "candidate"],
            columns="channel",
            values="votes",
            aggfunc="sum",
            fill_value=0,
        )
        for ch in ("paper", "electronic"):
            if ch not in piv.columns:
                piv[ch] = 0
        piv["total"] = piv["paper"] + piv["electronic"]
        for d, sub in piv.groupby(level=0):
            sub = sub.droplevel(0)
            shares = {}
            for ch in ("paper", "electronic", "total"):
                tot = float(sub[ch].sum())
                shares[ch] = (sub[ch] / tot if tot else sub[ch] * 0.0).to_dict()
            top = sub.sort_values("total", ascending=False).head(8)
            winners[str(d)] = {
                "winner_paper": str(sub["paper"].idxmax()),
                "winner_electronic": str(sub["electronic"].idxmax()),
                "winner_official": str(sub["total"].idxmax()),
                "candidates": [
                    {
                        "candidate": str(c),
                        "paper_share": float(shares["paper"][c]),
                        "electronic_share": float(shares["electronic"][c]),
                        "official_share": float(shares["total"][c]),
                    }
                    for c in top.index
                ],
            }
    rows = []
    for d in sorted(g.index, key=lambda s: (len(s), s)):
        r = g.loc[d]

        def share(ch: str, r: pd.Series = r) -> float:
            v = float(r[("valid", ch)])
            return float(r[("leader_votes", ch)]) / v if v else float("nan")

        def turnout(ch: str, r: pd.Series = r) -> float:
            n = float(r[("registered", ch)])
            return float(r[("ballots", ch)]) / n if n else float("nan")

        row: dict[str, Any] = {
            "district": d,
            "region": str(region.get(d, "")),
            "paper_registered": int(r[("registered", "paper")])
            if ("registered", "paper") in r.index
            else 0,
            "electronic_registered": int(r[("registered", "electronic")]),
            "paper_turnout": turnout("paper")
            if ("registered", "paper") in r.index
            else float("nan"),
            "electronic_turnout": turnout("electronic"),
            "paper_leader_share": share("paper") if ("valid", "paper") in r.index else float("nan"),
            "electronic_leader_share": share("electronic"),
        }
        row["difference_pp"] = 100 * (row["electronic_leader_share"] - row["paper_leader_share"])
        row.update(winners.get(d, {}))
        if d in winners:
            row["paper_winner_differs"] = (
                winners[d]["winner_paper"] != winners[d]["winner_official"]
            )
        rows.append(row)
    diffs = np.array([r["difference_pp"] for r in rows], dtype=float)
    return {
        "present": True,
        "districts": rows,
        "mean_difference_pp": float(np.nanmean(diffs)) if diffs.size else float("nan"),
        "districts_paper_winner_differs": int(
            sum(bool(r.get("paper_winner_differs")) for r in rows)
        ),
        "method": "leader's share of valid votes on paper vs electronic units of the same district",
    }
