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

from smartvote.forensics._frame import FloatA, IntA

_NUM = ("registered", "ballots", "valid", "leader_votes")
_CHANNELS = ("paper", "electronic")


def _numbers(col: pd.Series) -> FloatA:
    """A count column as float64, unreadable and missing values as 0."""
    return pd.to_numeric(col, errors="coerce").fillna(0).to_numpy(dtype=np.float64)


def _firsts(codes: IntA, values: pd.Series, G: int) -> list[str]:
    """The first non-missing value of each group ``0 … G−1`` (``""`` when none)."""
    ok = np.flatnonzero(values.notna().to_numpy(dtype=bool))
    u, at = np.unique(codes[ok], return_index=True)
    out = [""] * G
    for g, v in zip(u.tolist(), values.to_numpy()[ok[at]].tolist(), strict=True):
        out[g] = str(v)
    return out


def electronic(frame: pd.DataFrame, channel_votes: pd.DataFrame | None = None) -> dict[str, Any]:
    """Per-district comparison from the raw station frame (``Store.stations``) and, when
    given, candidate votes by (district, channel, candidate) for winners and shares.

    Sums by district and channel with one ``bincount`` over the factorized district key
    (integer counts, so the sums are exact in any order)."""
    if "channel" not in frame.columns:
        return {"present": False, "districts": []}
    is_el = (frame["channel"] == "electronic").to_numpy(dtype=bool, na_value=False)
    if not is_el.any():
        return {"present": False, "districts": []}
    key = (
        frame["district"].fillna("").astype(str)
        if "district" in frame.columns
        else pd.Series("", index=frame.index)
    )
    if "race" in frame.columns:
        key = key.where(key != "", frame["race"].astype(str))
    codes, names = pd.factorize(key.to_numpy(dtype=object))
    G = len(names)
    el_g = np.zeros(G, dtype=bool)
    el_g[codes[is_el]] = True
    rows = np.flatnonzero(el_g[codes])
    cell = 2 * codes[rows] + is_el[rows]  # (district, channel): paper 0, electronic 1
    sums = {
        c: np.bincount(cell, weights=_numbers(frame[c])[rows], minlength=2 * G).reshape(G, 2)
        for c in _NUM
    }
    region = (
        _firsts(codes[rows], frame["region"].iloc[rows], G)
        if "region" in frame.columns
        else [""] * G
    )
    el_names = {str(names[g]): int(g) for g in np.flatnonzero(el_g)}
    winners = (
        _winners(channel_votes, set(el_names))
        if channel_votes is not None and not channel_votes.empty
        else {}
    )

    def ratio(num: str, den: str, g: int, ch: int) -> float:
        d = float(sums[den][g, ch])
        return float(sums[num][g, ch]) / d if d else float("nan")

    rows_out = []
    for d in sorted(el_names, key=lambda s: (len(s), s)):
        g = el_names[d]
        row: dict[str, Any] = {
            "district": d,
            "region": region[g],
            "paper_registered": int(sums["registered"][g, 0]),
            "electronic_registered": int(sums["registered"][g, 1]),
            "paper_turnout": ratio("ballots", "registered", g, 0),
            "electronic_turnout": ratio("ballots", "registered", g, 1),
            "paper_leader_share": ratio("leader_votes", "valid", g, 0),
            "electronic_leader_share": ratio("leader_votes", "valid", g, 1),
        }
        row["difference_pp"] = 100 * (row["electronic_leader_share"] - row["paper_leader_share"])
        row.update(winners.get(d, {}))
        if d in winners:
            row["paper_winner_differs"] = (
                winners[d]["winner_paper"] != winners[d]["winner_official"]
            )
        rows_out.append(row)
    diffs = np.array([r["difference_pp"] for r in rows_out], dtype=float)
    return {
        "present": True,
        "districts": rows_out,
        "mean_difference_pp": float(np.nanmean(diffs)) if diffs.size else float("nan"),
        "districts_paper_winner_differs": int(
            sum(bool(r.get("paper_winner_differs")) for r in rows_out)
        ),
        "method": "leader's share of valid votes on paper vs electronic units of the same district",
    }


def _winners(channel_votes: pd.DataFrame, districts: set[str]) -> dict[str, dict[str, Any]]:
    """Winner on paper, electronically and officially (both), and the eight leading
    candidates' shares, for each district of ``districts`` in the candidate votes."""
    cv = channel_votes
    dist = cv["district"].astype(str)
    ok = (
        dist.isin(districts).to_numpy(dtype=bool)
        & cv["candidate"].notna().to_numpy(dtype=bool)
        & cv["channel"].notna().to_numpy(dtype=bool)
    )
    if not ok.any():
        return {}
    dc, dn = pd.factorize(dist.to_numpy(dtype=object)[ok], sort=True)
    cc, cn = pd.factorize(cv["candidate"].to_numpy(dtype=object)[ok], sort=True)
    ch = cv["channel"].to_numpy(dtype=object)[ok]
    votes = pd.to_numeric(cv["votes"], errors="coerce").to_numpy(dtype=np.float64)[ok]
    votes = np.where(np.isnan(votes), 0.0, votes)
    D, C = len(dn), len(cn)
    present = np.zeros(D * C, dtype=bool)
    present[dc * C + cc] = True
    by_channel = []
    for name in _CHANNELS:
        m = ch == name
        v = np.bincount((dc * C + cc)[m], weights=votes[m], minlength=D * C)
        by_channel.append(v.reshape(D, C))
    paper, elec = by_channel
    total = paper + elec
    out: dict[str, dict[str, Any]] = {}
    for d in range(D):
        cand = np.flatnonzero(present[d * C : (d + 1) * C])  # in name order
        cols = {"paper": paper[d, cand], "electronic": elec[d, cand], "total": total[d, cand]}
        shares = {}
        for k, v in cols.items():
            tot = float(v.sum())
            shares[k] = v / tot if tot else v * 0.0
        top = np.argsort(-cols["total"], kind="stable")[:8]
        out[str(dn[d])] = {
            "winner_paper": str(cn[cand[np.argmax(cols["paper"])]]),
            "winner_electronic": str(cn[cand[np.argmax(cols["electronic"])]]),
            "winner_official": str(cn[cand[np.argmax(cols["total"])]]),
            "candidates": [
                {
                    "candidate": str(cn[cand[i]]),
                    "paper_share": float(shares["paper"][i]),
                    "electronic_share": float(shares["electronic"][i]),
                    "official_share": float(shares["total"][i]),
                }
                for i in top.tolist()
            ],
        }
    return out
