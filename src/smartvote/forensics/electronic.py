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

The comparison works on numpy arrays (:class:`Units`, :class:`ChannelVotes`), so that
``smartvote forensics FILE --json`` never loads pandas for it: a CIK file's reader builds
them from Arrow (:mod:`smartvote.forensics._cikread`, :func:`channel_votes_from_matrix`),
and callers holding data frames (the store, any other file) convert at their edge with
:func:`units_from_frame` and :func:`channel_votes_from_frame`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from smartvote.forensics._frame import BoolA, FloatA, IntA

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class Units:
    """The counting units of a race (electronic ones included), as arrays: only the
    districts with an electronic unit enter the comparison, so the units of the others
    may be left out.

    ``district`` codes each unit's district key (its district, or its race where the
    district is blank) into ``district_names``; ``region`` codes its region into
    ``region_names`` (−1 where missing). The counts are NaN where blank or unreadable
    (counted as 0)."""

    electronic: BoolA
    district: IntA
    district_names: list[str]
    region: IntA
    region_names: list[str]
    registered: FloatA
    ballots: FloatA
    valid: FloatA
    leader_votes: FloatA


@dataclass(frozen=True, slots=True)
class ChannelVotes:
    """Candidate votes summed by district and channel, as dense tables.

    ``paper`` and ``electronic`` are (district × candidate) sums, blank cells as 0;
    ``present`` marks the (district, candidate) pairs with at least one vote line (blank
    or not, in any channel). Districts and candidates are in name order (code points),
    each with at least one present pair."""

    districts: list[str]
    candidates: list[str]
    paper: FloatA
    electronic: FloatA
    present: BoolA


def electronic(units: Units, channel_votes: ChannelVotes | None = None) -> dict[str, Any]:
    """Per-district comparison of the units and, when given, the candidate votes by
    district and channel for winners and shares.

    Sums by district and channel with one ``bincount`` over the district codes (integer
    counts, so the sums are exact in any order)."""
    is_el = units.electronic
    if not is_el.any():
        return {"present": False, "districts": []}
    codes = units.district
    G = len(units.district_names)
    el_g = np.zeros(G, dtype=bool)
    el_g[codes[is_el]] = True
    rows = np.flatnonzero(el_g[codes])
    cell = 2 * codes[rows] + is_el[rows]  # (district, channel): paper 0, electronic 1
    sums = {
        c: np.bincount(cell, weights=_zeroed(getattr(units, c)[rows]), minlength=2 * G).reshape(
            G, 2
        )
        for c in ("registered", "ballots", "valid", "leader_votes")
    }
    region = _firsts(codes[rows], units.region[rows], units.region_names, G)
    el_names = {units.district_names[g]: int(g) for g in np.flatnonzero(el_g)}
    winners = _winners(channel_votes, set(el_names)) if channel_votes is not None else {}

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


def _zeroed(x: FloatA) -> FloatA:
    """Counts with blanks (NaN) as 0."""
    return np.where(np.isnan(x), 0.0, x)


def _firsts(codes: IntA, region: IntA, names: list[str], G: int) -> list[str]:
    """The first non-missing region (code ≥ 0) of each group ``0 … G−1`` (``""`` when
    none)."""
    ok = np.flatnonzero(region >= 0)
    u, at = np.unique(codes[ok], return_index=True)
    out = [""] * G
    for g, r in zip(u.tolist(), region[ok[at]].tolist(), strict=True):
        out[g] = names[r]
    return out


def _winners(cv: ChannelVotes, districts: set[str]) -> dict[str, dict[str, Any]]:
    """Winner on paper, electronically and officially (both), and the eight leading
    candidates' shares, for each district of ``districts`` in the candidate votes."""
    total = cv.paper + cv.electronic
    out: dict[str, dict[str, Any]] = {}
    for d, name in enumerate(cv.districts):
        if name not in districts:
            continue
        cand = np.flatnonzero(cv.present[d])  # in name order
        cols = {"paper": cv.paper[d, cand], "electronic": cv.electronic[d, cand]}
        cols["total"] = total[d, cand]
        shares = {}
        for k, v in cols.items():
            tot = float(v.sum())
            shares[k] = v / tot if tot else v * 0.0
        top = np.argsort(-cols["total"], kind="stable")[:8]
        cn = [cv.candidates[i] for i in cand.tolist()]
        out[name] = {
            "winner_paper": cn[int(np.argmax(cols["paper"]))],
            "winner_electronic": cn[int(np.argmax(cols["electronic"]))],
            "winner_official": cn[int(np.argmax(cols["total"]))],
            "candidates": [
                {
                    "candidate": cn[i],
                    "paper_share": float(shares["paper"][i]),
                    "electronic_share": float(shares["electronic"][i]),
                    "official_share": float(shares["total"][i]),
                }
                for i in top.tolist()
            ],
        }
    return out


def _dense(
    dc: IntA, D: int, cc: IntA, C: int, channel: IntA, votes: FloatA
) -> tuple[FloatA, FloatA, BoolA]:
    """Paper and electronic sums and presence per (district, candidate) of vote lines
    given as codes, channel (0 paper, 1 electronic, −1 another) and votes."""
    cell = dc * C + cc
    present = np.zeros(D * C, dtype=bool)
    present[cell] = True
    ok = channel >= 0
    sums = np.bincount(2 * cell[ok] + channel[ok], weights=votes[ok], minlength=2 * D * C)
    v: FloatA = sums.astype(np.float64, copy=False).reshape(D, C, 2)
    return v[:, :, 0], v[:, :, 1], present.reshape(D, C)


def channel_votes_from_matrix(
    district: IntA,
    district_names: list[str],
    electronic: BoolA,
    matrix: FloatA,
    candidates: list[str],
) -> ChannelVotes:
    """The candidate votes of the districts with an electronic unit, given every unit's
    district code (as :attr:`Units.district`), whether it is electronic, its votes (units ×
    candidates, NaN where blank) and the candidates' names (distinct): the same sums and
    presence as :func:`channel_votes_from_frame` of the store's aggregate (a candidate's
    blank cells left out)."""
    G = len(district_names)
    el_g = np.zeros(G, dtype=bool)
    el_g[district[electronic]] = True
    rows = np.flatnonzero(el_g[district])
    kept = np.flatnonzero(el_g)  # sorted names stay sorted
    remap = np.full(G, -1, dtype=np.int64)
    remap[kept] = np.arange(kept.size)
    D, C = kept.size, len(candidates)
    m = matrix[rows]
    i, j = np.nonzero(~np.isnan(m))
    order = sorted(range(C), key=candidates.__getitem__)
    rank = np.empty(C, dtype=np.int64)
    rank[order] = np.arange(C)
    ch = electronic[rows][i].astype(np.int64)
    paper, elec, present = _dense(remap[district[rows][i]], D, rank[j], C, ch, m[i, j])
    return _trimmed(
        [district_names[g] for g in kept.tolist()],
        [candidates[c] for c in order],
        paper,
        elec,
        present,
    )


def _trimmed(
    districts: list[str], candidates: list[str], paper: FloatA, elec: FloatA, present: BoolA
) -> ChannelVotes:
    """The tables without the districts and candidates that have no vote line."""
    d = np.flatnonzero(present.any(axis=1))
    c = np.flatnonzero(present.any(axis=0))
    return ChannelVotes(
        [districts[k] for k in d.tolist()],
        [candidates[k] for k in c.tolist()],
        paper[np.ix_(d, c)],
        elec[np.ix_(d, c)],
        present[np.ix_(d, c)],
    )


def units_from_frame(frame: pd.DataFrame) -> Units:
    """:class:`Units` of a station frame (``Store.stations``: columns ``channel``,
    ``district``, ``race``, ``region`` and the counts; a frame without ``channel`` has no
    electronic unit), those of the districts with an electronic unit only (none when
    there is none). Unreadable counts are blank."""
    import pandas as pd

    if "channel" in frame.columns:
        is_el = (frame["channel"] == "electronic").to_numpy(dtype=bool, na_value=False)
    else:
        is_el = np.zeros(len(frame), dtype=bool)
    if not is_el.any():
        frame, is_el = frame.iloc[:0], is_el[:0]
    key = (
        frame["district"].fillna("").astype(str)
        if "district" in frame.columns
        else pd.Series("", index=frame.index)
    )
    if "race" in frame.columns:
        key = key.where(key != "", frame["race"].astype(str))
    dc, dn = pd.factorize(key.to_numpy(dtype=object))
    el_g = np.zeros(len(dn), dtype=bool)
    el_g[dc[is_el]] = True
    if not el_g.all():
        rows = el_g[dc]
        frame, dc, is_el = frame[rows], dc[rows], is_el[rows]  # names kept, some unused
    if "region" in frame.columns:
        rc, rn = pd.factorize(frame["region"].to_numpy(dtype=object))
    else:
        rc, rn = np.full(len(frame), -1, dtype=np.int64), []

    def numbers(c: str) -> FloatA:
        return pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)

    return Units(
        is_el,
        dc.astype(np.int64),
        [str(x) for x in dn],
        rc.astype(np.int64),
        [str(x) for x in rn],
        numbers("registered"),
        numbers("ballots"),
        numbers("valid"),
        numbers("leader_votes"),
    )


def channel_votes_from_frame(cv: pd.DataFrame) -> ChannelVotes | None:
    """:class:`ChannelVotes` of candidate votes by (district, channel, candidate) in a
    frame (columns ``district``, ``channel``, ``candidate``, ``votes``; lines without a
    candidate or channel left out, unreadable votes as 0); None when there is none."""
    import pandas as pd

    if cv.empty:
        return None
    ok = cv["candidate"].notna().to_numpy(dtype=bool) & cv["channel"].notna().to_numpy(dtype=bool)
    if not ok.any():
        return None
    dc, dn = pd.factorize(cv["district"].astype(str).to_numpy(dtype=object)[ok], sort=True)
    cc, cn = pd.factorize(cv["candidate"].to_numpy(dtype=object)[ok], sort=True)
    votes = pd.to_numeric(cv["votes"], errors="coerce").to_numpy(dtype=np.float64)[ok]
    name = cv["channel"].to_numpy(dtype=object)[ok]
    ch = np.where(name == "paper", 0, np.where(name == "electronic", 1, -1))
    paper, elec, present = _dense(
        dc.astype(np.int64), len(dn), cc.astype(np.int64), len(cn), ch, _zeroed(votes)
    )
    return ChannelVotes([str(x) for x in dn], [str(x) for x in cn], paper, elec, present)
