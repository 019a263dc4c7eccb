"""The station list: which protocols drive each forensic signal.

Observers check suspicious protocols against photographs of the signed originals; this
table names them. One row per included station that raises at least one signal:

* ``integer_turnout`` / ``integer_result``: turnout or result within ±0.05 of a whole
  percentage (Kobak et al. 2016 rules, see :mod:`smartvote.forensics.integer`);
* ``extreme``: turnout and the leader's result both ≥ 95 % (Klimek's extreme corner);
* ``excess_votes``: the station's leader votes above its region's Shpilkin expectation
  ``W − k·O`` when its turnout is above the region's clean peak (positive part; listed
  from 50 votes);
* ``impossible``: a protocol whose numbers cannot all be true — more ballots issued than
  registered voters, or more valid ballots than ballots found. Such a station stays in the
  statistics (it is data, not proof of a typo) and is named here so that it can be checked
  against its original.

Sorted by excess votes; written as CSV by ``smartvote forensics --stations PATH`` and
embedded as a download in the HTML report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from smartvote.forensics._frame import Stations
from smartvote.forensics.integer import IntegerTest
from smartvote.forensics.shpilkin import GroupShpilkin

if TYPE_CHECKING:
    import pandas as pd

EXTREME = 0.95


def _signals(
    st: Stations, integer: IntegerTest, regional: GroupShpilkin, min_excess: float
) -> tuple[np.ndarray, ...]:
    """Per station: integer turnout, integer result, extreme, excess votes, impossible
    protocol, and whether any of them puts it on the list."""
    t, v = st.t, st.v
    it = np.zeros(st.n, dtype=bool)
    iv = np.zeros(st.n, dtype=bool)
    it[integer.mask] = integer.hit_t
    iv[integer.mask] = integer.hit_v
    extreme = (t >= EXTREME) & (v >= EXTREME)
    peak = regional.peak[st.region] / 100.0
    k = regional.k[st.region]
    ex = np.where(t > peak + 0.01, np.maximum(st.W - k * st.O, 0.0), 0.0)
    impossible = (st.B > st.N) | (st.valid > st.R)
    keep = it | iv | extreme | impossible | (ex >= max(min_excess, 1.0))
    return it, iv, extreme, ex, impossible, keep


def listed(
    st: Stations, integer: IntegerTest, regional: GroupShpilkin, min_excess: float = 50.0
) -> int:
    """How many stations :func:`station_list` lists (without building the table)."""
    return int(_signals(st, integer, regional, min_excess)[-1].sum())


def station_list(
    st: Stations, integer: IntegerTest, regional: GroupShpilkin, min_excess: float = 50.0
) -> pd.DataFrame:
    """Stations with at least one signal (see module doc), most excess votes first."""
    it, iv, extreme, ex, impossible, keep = _signals(st, integer, regional, min_excess)
    t, v = st.t, st.v
    df = st.frame.copy()
    df["registered"] = st.N
    df["ballots"] = st.B
    df["found"] = st.R
    df["leader_votes"] = st.W
    df["turnout_pct"] = np.round(100 * t, 2)
    df["result_pct"] = np.round(100 * v, 2)
    df["integer_turnout"] = it
    df["integer_result"] = iv
    df["extreme"] = extreme
    df["impossible"] = impossible
    df["excess_votes"] = np.round(ex).astype(np.int64)
    out = df[keep].sort_values(["excess_votes", "turnout_pct"], ascending=False, kind="stable")
    return out.reset_index(drop=True)
