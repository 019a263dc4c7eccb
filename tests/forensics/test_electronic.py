"""Paper versus electronic comparison by district.

The comparison works on arrays (:class:`Units`, :class:`ChannelVotes`); these tests check
it on hand-made cases, against an independent pandas computation of the same table on
random frames (several races, blank districts, missing regions, unreadable counts, blank
vote cells), the two ways of building the candidate tables (from the store's long frame
and from a file's vote matrix) against each other, and that a CIK file with electronic
units runs the whole suite without loading pandas."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from smartvote.forensics._file import channel_votes_from_batch
from smartvote.forensics.electronic import (
    ChannelVotes,
    channel_votes_from_frame,
    channel_votes_from_matrix,
    electronic,
    units_from_frame,
)
from smartvote.forensics.suite import station_frame
from smartvote.io.detect import read_any
from smartvote.jsonio import clean


def _run(frame: pd.DataFrame, cv: pd.DataFrame | None = None) -> dict[str, Any]:
    """The comparison as the suite runs it on data frames (converted at the edge)."""
    return electronic(
        units_from_frame(frame), channel_votes_from_frame(cv) if cv is not None else None
    )


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "race": "x/list",
            "unit": ["a/1", "a/2", "a/ДЭГ-1", "b/1"],
            "region": ["A", "A", "A", "B"],
            "district": ["1", "1", "1", "2"],
            "channel": ["paper", "paper", "electronic", "paper"],
            "registered": [1000, 1000, 500, 1000],
            "ballots": [400, 600, 450, 500],
            "valid": [400, 600, 450, 500],
            "leader_votes": [100, 200, 300, 250],
        }
    )


def test_paper_vs_electronic() -> None:
    cv = pd.DataFrame(
        {
            "district": ["1"] * 4,
            "channel": ["paper", "paper", "electronic", "electronic"],
            "candidate": ["Leader", "Rival", "Leader", "Rival"],
            "votes": [300, 700, 300, 150],
        }
    )
    r = _run(_frame(), cv)
    assert r["present"] is True
    (d,) = r["districts"]
    assert d["district"] == "1"
    assert d["paper_leader_share"] == pytest.approx(0.3)
    assert d["electronic_leader_share"] == pytest.approx(300 / 450)
    assert d["winner_paper"] == "Rival"
    assert d["winner_official"] == "Rival"
    assert d["paper_winner_differs"] is False
    assert r["mean_difference_pp"] == pytest.approx(100 * (300 / 450 - 0.3))


def test_absent() -> None:
    f = _frame()
    f["channel"] = "paper"
    assert _run(f)["present"] is False
    assert _run(f.drop(columns="channel"))["present"] is False


def test_districts_without_paper_candidates_and_ties() -> None:
    """Sums by district and channel (district from the race when empty), a district with
    only its electronic unit, a region missing on the first row, candidates that stand in one
    district only, and ties (kept in name order)."""
    f = pd.DataFrame(
        {
            "race": ["x/list", "x/list", "x/list", "x/list", "y", "y"],
            "unit": ["a/1", "a/2", "a/ДЭГ", "b/ДЭГ", "c/1", "c/ДЭГ"],
            "region": [None, "A", "A", "B", "C", "C"],
            "district": ["1", "1", "1", "2", "", ""],
            "channel": ["paper", "paper", "electronic", "electronic", "paper", "electronic"],
            "registered": [1000, "bad", 500, 300, 100, 50],
            "ballots": [400, 600, 450, 150, 50, 25],
            "valid": [400, 600, 450, 150, 50, 25],
            "leader_votes": [100, 200, 300, 75, 10, 20],
        }
    )
    cv = pd.DataFrame(
        {
            "district": ["1", "1", "1", "1", "2", "2"],
            "channel": ["paper", "electronic", "paper", "electronic", "electronic", "paper"],
            "candidate": ["B", "B", "A", "A", "C", "A"],
            "votes": [300, 100, 300, 100, 80, 0],
        }
    )
    r = _run(f, cv)
    assert [d["district"] for d in r["districts"]] == ["1", "2", "y"]
    d1, d2, dy = r["districts"]
    assert d1["region"] == "A"
    assert d1["paper_registered"] == 1000  # the unreadable count is 0
    assert d1["paper_turnout"] == pytest.approx(1.0)
    assert d1["paper_leader_share"] == pytest.approx(0.3)
    assert [c["candidate"] for c in d1["candidates"]] == ["A", "B"]  # a tie: name order
    assert d1["winner_paper"] == d1["winner_official"] == "A"
    assert d2["paper_registered"] == 0
    assert np.isnan(d2["paper_turnout"]) and np.isnan(d2["paper_leader_share"])
    assert np.isnan(d2["difference_pp"])
    assert [c["candidate"] for c in d2["candidates"]] == ["C", "A"]
    assert d2["candidates"][1]["official_share"] == 0.0
    assert d2["winner_paper"] == "A"  # no paper votes at all: the first in name order
    assert dy["electronic_leader_share"] == pytest.approx(0.8)
    assert "winner_paper" not in dy
    assert r["mean_difference_pp"] == pytest.approx(
        np.mean([100 * (300 / 450 - 0.3), 100 * (0.8 - 0.2)])
    )


# --- an independent computation of the same table with pandas group-bys -----------------


def _random_election(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A random station frame (two races, some blank districts, missing regions, unreadable
    and blank counts, electronic units in some districts), the vote matrix of its units and
    the candidate votes by (district, channel, candidate) of the districts with an
    electronic unit, blank cells left out (as the store's aggregate)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(300, 900))
    race = rng.choice(["r/list", "r/smd"], size=n, p=[0.8, 0.2])
    district = rng.choice(["", "1", "2", "10", "11", "3", "a"], size=n).astype(object)
    region = rng.choice(["Москва", "Б", "В", None], size=n, p=[0.4, 0.3, 0.25, 0.05])
    el = rng.random(n) < 0.06
    registered = rng.integers(0, 3000, n).astype(object)
    registered[rng.random(n) < 0.02] = "n/a"  # unreadable: counted as 0
    ballots = rng.integers(0, 2000, n).astype(float)
    ballots[rng.random(n) < 0.02] = np.nan  # blank: counted as 0
    cands = ["Зоя", "Ann", "Bob", "Ёж", "Cid"]
    m = rng.integers(0, 400, size=(n, len(cands))).astype(float)
    m[rng.random(m.shape) < 0.1] = np.nan
    m[:, 2] = np.where(district == "a", np.nan, m[:, 2])  # Bob stands nowhere in "a"
    valid = np.nansum(m, axis=1)
    frame = pd.DataFrame(
        {
            "race": race,
            "unit": [f"u{i}" for i in range(n)],
            "region": region,
            "district": district,
            "channel": np.where(el, "electronic", "paper"),
            "registered": registered,
            "ballots": ballots,
            "valid": valid,
            "leader_votes": m[:, 1],
        }
    )
    key = np.where(district == "", race, district)
    has_el = np.isin(key, np.unique(key[el]))
    i, j = np.nonzero(~np.isnan(m) & has_el[:, None])
    long = pd.DataFrame(
        {
            "district": key[i],
            "channel": np.where(el[i], "electronic", "paper"),
            "candidate": np.asarray(cands, dtype=object)[j],
            "votes": m[i, j],
        }
    )
    cv = long.groupby(["district", "channel", "candidate"], as_index=False)["votes"].sum()
    return frame, pd.DataFrame(m, columns=cands), cv


def _expected(frame: pd.DataFrame, cv: pd.DataFrame) -> dict[str, Any]:
    """The comparison's table by pandas group-bys (the method's definition, written
    independently of its array code)."""
    f = frame.copy()
    f["key"] = f["district"].where(f["district"] != "", f["race"])
    for c in ("registered", "ballots", "valid", "leader_votes"):
        f[c] = pd.to_numeric(f[c], errors="coerce").fillna(0)
    el_keys = set(f.loc[f["channel"] == "electronic", "key"])
    f = f[f["key"].isin(el_keys)]
    sums = f.groupby(["key", "channel"])[["registered", "ballots", "valid", "leader_votes"]].sum()
    first_region = f.dropna(subset=["region"]).groupby("key")["region"].first()
    rows = []
    for d in sorted(el_keys, key=lambda s: (len(s), s)):

        def get(col: str, ch: str, d: str = d) -> float:
            return float(sums[col].get((d, ch), 0.0))

        def ratio(a: str, b: str, ch: str, d: str = d) -> float:
            return get(a, ch) / get(b, ch) if get(b, ch) else math.nan

        row: dict[str, Any] = {
            "district": d,
            "region": str(first_region.get(d, "")),
            "paper_registered": int(get("registered", "paper")),
            "electronic_registered": int(get("registered", "electronic")),
            "paper_turnout": ratio("ballots", "registered", "paper"),
            "electronic_turnout": ratio("ballots", "registered", "electronic"),
            "paper_leader_share": ratio("leader_votes", "valid", "paper"),
            "electronic_leader_share": ratio("leader_votes", "valid", "electronic"),
        }
        row["difference_pp"] = 100 * (row["electronic_leader_share"] - row["paper_leader_share"])
        c = cv[cv["district"] == d]
        if len(c):
            t = c.pivot_table(
                index="candidate", columns="channel", values="votes", aggfunc="sum", fill_value=0
            ).reindex(columns=["paper", "electronic"], fill_value=0)
            t = t.sort_index()  # name order: ties go to the first name
            t["total"] = t["paper"] + t["electronic"]
            row["winner_paper"] = str(t["paper"].idxmax())
            row["winner_electronic"] = str(t["electronic"].idxmax())
            row["winner_official"] = str(t["total"].idxmax())
            share = t / t.sum().replace(0, np.nan)
            top = t["total"].sort_values(ascending=False, kind="stable").index[:8]
            row["candidates"] = [
                {
                    "candidate": str(k),
                    "paper_share": float(np.nan_to_num(share.loc[k, "paper"])),
                    "electronic_share": float(np.nan_to_num(share.loc[k, "electronic"])),
                    "official_share": float(np.nan_to_num(share.loc[k, "total"])),
                }
                for k in top
            ]
            row["paper_winner_differs"] = row["winner_paper"] != row["winner_official"]
        rows.append(row)
    return {
        "present": bool(el_keys),
        "districts": rows,
        "mean_difference_pp": float(np.nanmean([r["difference_pp"] for r in rows])),
        "districts_paper_winner_differs": sum(bool(r.get("paper_winner_differs")) for r in rows),
    }


def _assert_close(got: Any, want: Any, where: str = "") -> None:
    """Same keys and values; floats to 1e-12 relative (shares are ratios of exact sums)."""
    if isinstance(want, dict):
        assert set(got) >= set(want), where
        for k in want:
            _assert_close(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _assert_close(g, w, f"{where}[{i}]")
    elif isinstance(want, float):
        assert isinstance(got, float), where
        if math.isnan(want):
            assert math.isnan(got), where
        else:
            assert got == pytest.approx(want, rel=1e-12, abs=1e-15), where
    else:
        assert got == want and type(got) is type(want), where


@pytest.mark.parametrize("seed", range(8))
def test_matches_an_independent_pandas_table(seed: int) -> None:
    frame, _, cv = _random_election(seed)
    got = _run(frame, cv)
    want = _expected(frame, cv)
    assert want["present"] and len(want["districts"]) >= 2
    _assert_close(got, want)
    assert set(got) == {*want, "method"}
    assert all(set(r) == set(w) for r, w in zip(got["districts"], want["districts"], strict=True))


@pytest.mark.parametrize("seed", range(8))
def test_vote_tables_from_a_matrix_and_from_the_long_frame_agree(seed: int) -> None:
    """A file's vote matrix (NaN where blank) gives the tables of the store's aggregate."""
    frame, m, cv = _random_election(seed)
    key = np.where(frame["district"] == "", frame["race"], frame["district"]).astype(str)
    names, codes = np.unique(key, return_inverse=True)
    el = (frame["channel"] == "electronic").to_numpy()
    a = channel_votes_from_matrix(codes, names.tolist(), el, m.to_numpy(), list(m.columns))
    b = channel_votes_from_frame(cv)
    assert b is not None
    assert_same_votes(a, b)
    u = units_from_frame(frame)
    _assert_close(electronic(u, a), electronic(u, b))


def assert_same_votes(a: ChannelVotes, b: ChannelVotes) -> None:
    """Two candidate tables hold the same districts, candidates, sums and presence."""
    assert (a.districts, a.candidates) == (b.districts, b.candidates)
    for f in ("paper", "electronic", "present"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


def test_suite_on_a_file_with_electronic_units_loads_no_pandas(
    sim_dir: Path, tmp_path: Path
) -> None:
    """A simulated CIK file given an electronic pseudo-station in two districts: the whole
    suite and its JSON without pandas, and the same comparison as through the data frames
    of the full reader."""
    lines = (sim_dir / "sim-2026.csv").read_text(encoding="utf-8").splitlines()
    first = {}  # the first station row of each district
    for row in lines[1:]:
        first.setdefault(row.split(",")[1], row)
    added = []
    for oik in ("ОИК №1", "ОИК №2"):
        region, _, _, _, *numbers = first[oik].split(",")
        added.append(",".join([region, oik, "ТИК дистанционного электронного голосования", ""]))
        added[-1] += "," + ",".join(numbers)
    p = tmp_path / "sim-2026.csv"
    p.write_text("\n".join([*lines, *added]) + "\n", encoding="utf-8")
    code = (
        "import json, sys; from smartvote.forensics.suite import run_file; "
        f"d = run_file({str(p)!r}).to_dict(); "
        "print(json.dumps({'pandas': 'pandas' in sys.modules, 'el': d['electronic']}))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    got = json.loads(out.stdout)
    assert got["pandas"] is False
    el = got["el"]
    assert [d["district"] for d in el["districts"]] == ["1", "2"]
    assert all(d["electronic_registered"] > 0 and "winner_paper" in d for d in el["districts"])

    e = read_any(p)
    frame = station_frame(e)
    via_frames = _run(frame, channel_votes_from_batch(e, str(frame["race"].iloc[0])))
    assert el == clean(via_frames)
