"""The station frame of a file, read straight from the parsed batch (no DuckDB store).

``smartvote forensics FILE`` used to ingest the file into a temporary DuckDB store and read
:meth:`smartvote.io.Store.stations` back (about a second on a national file, plus the
import of DuckDB). :func:`stations_from_batch` computes the same frame from the
:class:`smartvote.io.election.Election` the readers return, with the same rules as the store's
SQL: one row per (race, unit) ordered by race and source row; the leader of a race is its
``regime`` candidate when one is marked, else the candidate with the most votes;
``found`` is the ballots found, or valid + invalid when that line is absent;
``leader_votes`` is null where the leader's line is blank. :func:`channel_votes_from_batch`
is the store's SQL aggregate of the channel votes on the batch (tests/forensics/test_file.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

_COLS = ("race", "unit", "region", "district", "tik", "channel")
_NUMS = ("registered", "ballots", "valid", "invalid")


def _text(s: pd.Series) -> np.ndarray:
    """A text column as an object array (None where missing), cheaply for categoricals."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = np.asarray([str(c) for c in s.cat.categories] + [None], dtype=object)
        codes = s.cat.codes.to_numpy()
        return np.asarray(cats[np.where(codes < 0, len(cats) - 1, codes)], dtype=object)
    return np.asarray(s.to_numpy(dtype=object, na_value=None), dtype=object)


def _long_votes(b: Any, rows: np.ndarray | None = None) -> pd.DataFrame:
    """Non-blank votes per (race, unit, candidate), as the store's ``results`` view; with
    ``rows`` (a mask of units), only those units' votes."""
    if b.matrix is not None:
        m = np.asarray(b.matrix, dtype=np.float64)
        units = b.units
        cands = b.candidates["candidate"].astype(str).to_numpy()
        sel = np.arange(len(units)) if rows is None else np.flatnonzero(rows)
        ok = ~np.isnan(m[sel])
        i, j = np.nonzero(ok)
        sub = units.iloc[sel]
        return pd.DataFrame(
            {
                "race": _text(sub["race"])[i],
                "unit": _text(sub["unit"])[i],
                "candidate": cands[j],
                "votes": m[sel[i], j],
            }
        )
    r = b.results[["race", "unit", "candidate", "votes"]]
    r = r[r["votes"].notna()]
    if rows is not None:
        keep = b.units.loc[rows, ["race", "unit"]].astype(str)
        idx = pd.MultiIndex.from_frame(r[["race", "unit"]].astype(str))
        r = r[idx.isin(pd.MultiIndex.from_frame(keep))]
    return pd.DataFrame(
        {
            "race": r["race"].astype(str).to_numpy(),
            "unit": r["unit"].astype(str).to_numpy(),
            "candidate": r["candidate"].astype(str).to_numpy(),
            "votes": r["votes"].astype("float64").to_numpy(),
        }
    )


def _leaders(b: Any, tot: pd.DataFrame) -> pd.Series:
    """Leader per race: the regime candidate if marked, else the most votes (the store's
    ``arg_max(candidate, (coalesce(regime, false), total))``)."""
    c = b.candidates[["race", "candidate", "regime"]].astype({"race": str, "candidate": str})
    c = c.drop_duplicates(["race", "candidate"])
    t = tot.merge(c, on=["race", "candidate"], how="left")
    t["regime"] = t["regime"].fillna(False).astype(bool)
    t = t.sort_values(["race", "regime", "v"], kind="stable")
    return t.groupby("race", sort=False)["candidate"].last()


def stations_from_batch(b: Any) -> pd.DataFrame:
    """The frame of :meth:`smartvote.io.Store.stations` for a parsed batch (module doc)."""
    u = b.units
    frame = pd.DataFrame(
        {
            c: u[c].astype(str).where(u[c].notna(), None)
            if isinstance(u[c].dtype, pd.CategoricalDtype)
            else u[c]
            for c in _COLS
        }
    ).reset_index(drop=True)
    for c in (*_NUMS, "found"):
        frame[c] = u[c].astype("float64").to_numpy(na_value=np.nan)
    found = frame["found"].where(frame["found"].notna(), frame["valid"] + frame["invalid"])
    frame["found"] = found
    frame["source_row"] = u["source_row"].to_numpy(dtype="float64", na_value=np.nan)
    if b.matrix is not None and len(b.units) and u["race"].nunique() == 1:
        m = np.asarray(b.matrix, dtype=np.float64)
        seen = ~np.isnan(m).all(axis=0)
        tot = pd.DataFrame(
            {
                "race": str(u["race"].iloc[0]),
                "candidate": b.candidates["candidate"].astype(str).to_numpy()[seen],
                "v": np.nansum(m, axis=0)[seen],
            }
        )
        lead = _leaders(b, tot)
        frame["leader"] = lead.reindex(frame["race"].to_numpy()).to_numpy()
        col = {c: j for j, c in enumerate(b.candidates["candidate"].astype(str))}
        j = col.get(str(frame["leader"].iloc[0])) if frame["leader"].notna().any() else None
        frame["leader_votes"] = m[:, j] if j is not None else np.nan
    else:
        r = _long_votes(b)
        tot = r.groupby(["race", "candidate"], as_index=False, sort=False)["votes"].sum()
        lead = _leaders(b, tot.rename(columns={"votes": "v"}))
        frame["leader"] = lead.reindex(frame["race"].to_numpy()).to_numpy()
        lv = r[r["candidate"].to_numpy() == lead.reindex(r["race"]).to_numpy()]
        lv = lv.groupby(["race", "unit"], sort=False)["votes"].sum()
        idx = pd.MultiIndex.from_arrays([frame["race"].to_numpy(), frame["unit"].to_numpy()])
        frame["leader_votes"] = lv.reindex(idx).to_numpy()
    race_code, _ = pd.factorize(frame["race"].to_numpy(), sort=True)  # code-point order
    order = np.lexsort((frame["source_row"].to_numpy(), race_code))
    cols = [*_COLS, "registered", "ballots", "found", "valid", "invalid", "leader"]
    return frame.iloc[order][[*cols, "leader_votes", "source_row"]].reset_index(drop=True)


def channel_votes_from_batch(b: Any, race: str) -> pd.DataFrame:
    """Candidate votes summed by (district, channel, candidate) for the race's districts
    that have an electronic unit."""
    u = b.units
    mine = (u["race"] == race).to_numpy(dtype=bool, na_value=False)
    el_unit = mine & (u["channel"] == "electronic").to_numpy(dtype=bool, na_value=False)
    dist = u["district"].fillna("")
    dist = dist.where(dist != "", u["race"].astype(str))
    el = set(dist[el_unit])
    rows = mine & dist.isin(el).to_numpy(dtype=bool, na_value=False)
    sub = u[rows]
    u = pd.DataFrame(
        {
            "race": _text(sub["race"]),
            "unit": _text(sub["unit"]),
            "district": _text(dist[rows]),
            "channel": _text(sub["channel"]),
        }
    )
    u["channel"] = np.where(u["channel"] == "electronic", "electronic", "paper")
    r = _long_votes(b, rows)
    r = r[r["race"] == race].merge(u, on=["race", "unit"])
    out = r.groupby(["district", "channel", "candidate"], as_index=False)["votes"].sum()
    return out[["district", "channel", "candidate", "votes"]]
