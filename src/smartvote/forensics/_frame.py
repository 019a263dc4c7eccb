"""The station arrays every forensic method works on.

:func:`prepare` turns the frame of :meth:`smartvote.io.Store.stations` (or any frame with
the same columns) into numpy arrays, keeping apart the rows that are not ordinary polling
stations: electronic pseudo-stations (``channel == 'electronic'``) and rows with missing or
zero registered voters (N) or ballots found (R). Those rows are counted and kept for
totals, but never enter station-level statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from smartvote.errors import InputError, Problem

if TYPE_CHECKING:
    import pandas as pd

IntA = npt.NDArray[np.int64]
FloatA = npt.NDArray[np.float64]
BoolA = npt.NDArray[np.bool_]

REQUIRED = ("registered", "ballots", "found", "leader_votes")


@dataclass(slots=True)
class Stations:
    """Ordinary polling stations as arrays (N, B, R, W, valid) with group codes.

    ``t = B/N`` is turnout and ``v = W/R`` the leader's result (METHODS.md notation);
    ``O = valid − W`` the other valid votes. ``frame`` keeps the identifying columns of the
    included rows (race, unit, region, district, tik) for station lists: given as a data
    frame, or as a function that builds it on first use (so that the station arrays of a
    file need no pandas, :mod:`smartvote.forensics._cikread`).
    """

    N: IntA
    B: IntA
    R: IntA
    W: IntA
    valid: IntA
    region: IntA
    district: IntA
    region_names: list[str]
    district_names: list[str]
    ids: pd.DataFrame | Callable[[], pd.DataFrame]
    leader: str
    excluded: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        """The identifying columns of the included rows (built once, on first use)."""
        if callable(self.ids):
            self.ids = self.ids()
        return self.ids

    @property
    def n(self) -> int:
        return int(self.N.size)

    @property
    def t(self) -> FloatA:
        return self.B / self.N

    @property
    def v(self) -> FloatA:
        return self.W / self.R

    @property
    def O(self) -> IntA:  # noqa: E743 - METHODS.md notation
        return np.maximum(self.valid - self.W, 0)

    def subset(self, mask: BoolA) -> Stations:
        """The stations selected by ``mask`` (same group code books)."""
        return Stations(
            self.N[mask],
            self.B[mask],
            self.R[mask],
            self.W[mask],
            self.valid[mask],
            self.region[mask],
            self.district[mask],
            self.region_names,
            self.district_names,
            self.frame[mask].reset_index(drop=True),
            self.leader,
            dict(self.excluded),
            dict(self.totals),
        )

    def headline(self) -> dict[str, Any]:
        """Stations, registered, turnout and leader share of the included stations."""
        N, B, W, V = (int(x.sum()) for x in (self.N, self.B, self.W, self.valid))
        return {
            "stations": self.n,
            "registered": N,
            "ballots": B,
            "leader_votes": W,
            "valid": V,
            "turnout": B / N if N else float("nan"),
            "leader_share": W / V if V else float("nan"),
        }


def _ints(s: pd.Series) -> IntA:
    import pandas as pd

    return pd.to_numeric(s, errors="coerce").fillna(-1).astype(np.int64).to_numpy()


def choose_race(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per counting unit: when units repeat across races (a list vote and single-member
    races in one election), keep the race with the most units; otherwise keep all rows."""
    if "race" not in frame.columns or "unit" not in frame.columns or frame.empty:
        return frame
    if not frame["unit"].duplicated().any():
        return frame
    biggest = frame["race"].value_counts().idxmax()
    return frame[frame["race"] == biggest].reset_index(drop=True)


def prepare(frame: pd.DataFrame, *, source: str = "stations") -> Stations:
    """Arrays of the ordinary polling stations in ``frame`` (see module docstring)."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(Problem("columns", f"station frame lacks columns {missing}", source))
    import pandas as pd

    frame = choose_race(frame)
    n_all = len(frame)
    N, B, R, W = (_ints(frame[c]) for c in REQUIRED)
    valid = _ints(frame["valid"]) if "valid" in frame.columns else R.copy()
    channel = (
        frame["channel"].fillna("paper").astype(str).to_numpy()
        if "channel" in frame.columns
        else np.full(n_all, "paper")
    )
    electronic = channel == "electronic"
    keep = included(N, B, R, W, electronic)
    cols = [c for c in ("race", "unit", "region", "district", "tik") if c in frame.columns]
    ids = frame.loc[keep, cols].reset_index(drop=True)
    for c in ("region", "district"):
        if c not in ids.columns:
            ids[c] = ""
    reg = ids["region"].fillna("").astype(str)
    dis = ids["district"].fillna("").astype(str)
    if "race" in ids.columns:
        # Districts are only meaningful inside a region's race; fall back to the race id.
        dis = dis.where(dis != "", ids["race"].fillna("").astype(str))
    rcodes, rnames = pd.factorize(reg, sort=True)
    dcodes, dnames = pd.factorize(dis, sort=True)
    leader = ""
    if "leader" in frame.columns and frame["leader"].notna().any():
        leader = str(frame["leader"].dropna().mode().iloc[0])
    return stations(
        N, B, R, W, valid, electronic, (rcodes, list(rnames)), (dcodes, list(dnames)), ids, leader
    )


def included(N: IntA, B: IntA, R: IntA, W: IntA, electronic: BoolA) -> BoolA:
    """The ordinary polling stations among all rows (the module doc's rules)."""
    bad_n, bad_r, bad_w = _excluded(N, B, R, W, electronic)
    return ~(electronic | bad_n | bad_r | bad_w)


def _excluded(N: IntA, B: IntA, R: IntA, W: IntA, electronic: BoolA) -> tuple[BoolA, ...]:
    """Rows left out for each reason, in order (each reason only among the rows left)."""
    bad_n = ~electronic & (N <= 0)
    bad_r = ~electronic & ~bad_n & (R <= 0)
    bad_w = ~electronic & ~bad_n & ~bad_r & ((W < 0) | (B < 0) | (W > R))
    return bad_n, bad_r, bad_w


def stations(
    N: IntA,
    B: IntA,
    R: IntA,
    W: IntA,
    valid: IntA,
    electronic: BoolA,
    region: tuple[npt.NDArray[np.integer[Any]], list[Any]],
    district: tuple[npt.NDArray[np.integer[Any]], list[Any]],
    ids: pd.DataFrame | Callable[[], pd.DataFrame],
    leader: str,
) -> Stations:
    """:class:`Stations` from every row's numbers (−1 where blank), the electronic rows,
    and the included rows' region and district codes with their sorted names, identifying
    columns and leader: the totals and exclusion counts of :func:`prepare`, which both
    readers (a data frame, :mod:`smartvote.forensics._cikread`) share."""
    valid = np.where(valid < 0, R, valid)
    bad_n, bad_r, bad_w = _excluded(N, B, R, W, electronic)
    keep = ~(electronic | bad_n | bad_r | bad_w)
    totals = {
        "units": int(N.size),
        "registered_all": int(np.maximum(N, 0).sum()),
        "ballots_all": int(np.maximum(B, 0).sum()),
        "leader_votes_all": int(np.maximum(W, 0).sum()),
        "valid_all": int(np.maximum(valid, 0).sum()),
        "electronic_registered": int(np.maximum(N[electronic], 0).sum()),
        "electronic_ballots": int(np.maximum(B[electronic], 0).sum()),
        "electronic_leader_votes": int(np.maximum(W[electronic], 0).sum()),
        "electronic_valid": int(np.maximum(valid[electronic], 0).sum()),
    }
    excluded = {
        "electronic": int(electronic.sum()),
        "missing_or_zero_registered": int(bad_n.sum()),
        "missing_or_zero_found": int(bad_r.sum()),
        "inconsistent_leader_votes": int(bad_w.sum()),
    }
    return Stations(
        N=N[keep],
        B=B[keep],
        R=R[keep],
        W=W[keep],
        valid=valid[keep],
        region=region[0].astype(np.int64),
        district=district[0].astype(np.int64),
        region_names=[str(x) for x in region[1]],
        district_names=[str(x) for x in district[1]],
        ids=ids,
        leader=leader,
        excluded=excluded,
        totals=totals,
    )


def from_arrays(
    N: npt.ArrayLike,
    B: npt.ArrayLike,
    R: npt.ArrayLike,
    W: npt.ArrayLike,
    valid: npt.ArrayLike | None = None,
    region: npt.ArrayLike | None = None,
    district: npt.ArrayLike | None = None,
) -> Stations:
    """Stations from plain arrays (tests, benchmarks); groups default to one region."""
    import pandas as pd

    n = np.asarray(N).size
    df = pd.DataFrame(
        {
            "unit": np.arange(n).astype(str),
            "registered": np.asarray(N),
            "ballots": np.asarray(B),
            "found": np.asarray(R),
            "leader_votes": np.asarray(W),
            "valid": np.asarray(valid if valid is not None else R),
            "region": np.asarray(region).astype(str) if region is not None else "all",
            "district": np.asarray(district).astype(str) if district is not None else "all",
        }
    )
    return prepare(df)
