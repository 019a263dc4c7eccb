"""Past results, and how they reach the races of an upcoming election.

A forecast needs, for each upcoming race, what the same voters did before: the parties'
list vote in exactly the race's polling stations, and earlier single-member results of the
same district. History files (CIK protocol tables or tidy files, read with
:func:`smartvote.io.read_any`, no database needed) are grouped by election name and
joined to the target races in one of three ways (DESIGN.md, ``recommend`` contract), tried
in this order:

* **race**: the history election has a race with exactly the target's race id (any
  election name: ``uk-ge/E14000530`` in the 2017 file reaches ``uk-ge/E14000530`` of 2019).
  Assumption: a race id that persists denotes the same area.
* **district**: a history unit carries a district number (the ``district`` column: the
  ``oik`` of a federal CIK file, or the suffix of a ``…/smd/<district>`` race id) and the
  history race belongs to the same *family* as the target (the first segment of the race id,
  or the election name, without its year: ``duma-2016/smd/211`` and ``duma-2021/smd/211``
  are both ``duma``; no file-name convention is needed). Assumption: district
  numbers of one family keep their boundaries between the two elections (true of the
  Russian Duma districts 2016–2021; not of districts renumbered by a redistricting).
* **stations**: the target race's stations (``--stations``: ``unit, race``) are looked
  up among the history units by normalised unit id (NFC, case folding, ё→е, so that
  ``Город Санкт-Петербург/12`` of 2011 matches ``город Санкт-Петербург/12``).
  Assumption: a station number denotes the same area in both elections. Where a
  commission renumbers its stations this is wrong, and the coverage reported in the
  output (share of the race's stations found) is the warning sign.

For each (target race, history race) the first join that finds any units is used
(``join="auto"``); ``join="race"``, ``"district"`` or ``"stations"`` forces one.
Everything is vectorised (pandas merges and group-bys), with no loop over stations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from smartvote.errors import InputError, Problem

if TYPE_CHECKING:
    from smartvote.io.election import Election

__all__ = [
    "HistElection",
    "Targets",
    "aggregate",
    "election_family",
    "election_year",
    "load_history",
    "norm_unit",
]

_YEAR = re.compile(r"(19|20)\d\d")


def election_family(election: str) -> str:
    """Election name without its year: ``duma-2016`` → ``duma``, ``spb-zaks-2021`` → ``spb-zaks``."""
    s = _YEAR.sub("", str(election))
    s = re.sub(r"[-_ ]{2,}", "-", s).strip("-_ ")
    return s.casefold()


def election_year(election: str) -> int:
    """The year in an election name (0 when there is none), for ordering history."""
    m = _YEAR.search(str(election))
    return int(m.group(0)) if m else 0


def norm_unit(s: pd.Series) -> pd.Series:
    """Vectorised unit-id key: NFC, case folding, ё→е, whitespace folded."""
    t = s.astype("string").fillna("").str.normalize("NFC").str.casefold()
    t = t.str.replace("ё", "е", regex=False).str.replace(r"\s+", " ", regex=True).str.strip()
    return t


#: Kinds of history races that are not a contest between the candidates of one area
#: (a party list, a presidential vote, a referendum): everything else is a candidate race.
NON_CANDIDATE_KINDS = frozenset({"list", "president", "referendum"})
JOINS = ("auto", "race", "district", "stations")


def race_family(race: str, election: str = "") -> str:
    """Family of a race: its id's first segment without the year (``duma-2016/smd/5`` →
    ``duma``); a race id without ``/`` takes the family of its election name."""
    head = str(race).split("/", 1)[0] if "/" in str(race) else str(election)
    return election_family(head)


def race_kind(race: str, kind: str | None = None) -> str:
    """``smd`` / ``list`` / other, from the stored kind or the race id."""
    if kind and kind not in ("race", "tidy", ""):
        return "list" if kind == "duma" else kind
    if "/smd/" in race:
        return "smd"
    if race.endswith("/list"):
        return "list"
    return kind or "race"


@dataclass(frozen=True, slots=True)
class HistElection:
    """All results of one past election, long format, with party and unit attributes.

    ``results`` columns: race, kind, unit, ukey (normalised unit id), district, channel,
    candidate, name_key, party_key, regime, incumbent, votes.
    """

    election: str
    family: str
    year: int
    results: pd.DataFrame
    sources: tuple[str, ...]

    @property
    def kinds(self) -> set[str]:
        return set(self.results["kind"].unique().tolist())


def _frame_from_election(e: Election) -> pd.DataFrame:
    """Results joined to unit and candidate attributes by position (no string merges:
    a federal file has ~1.3 million result rows)."""
    races, units, cands, res = e.races, e.units, e.candidates, e.results
    kinds = {
        str(r): race_kind(str(r), None if pd.isna(k) else str(k))
        for r, k in zip(races["race"], races["kind"], strict=True)
    }
    race = res["race"].astype(object).to_numpy()
    unit = res["unit"].astype(object).to_numpy()
    cand = res["candidate"].astype(object).to_numpy()
    ui = pd.MultiIndex.from_arrays([units["race"].astype(object), units["unit"].astype(object)])
    upos = ui.get_indexer(pd.MultiIndex.from_arrays([race, unit]))
    ci = pd.MultiIndex.from_arrays(
        [cands["race"].astype(object), cands["candidate"].astype(object)]
    )
    cpos = ci.get_indexer(pd.MultiIndex.from_arrays([race, cand]))

    def take(s: pd.Series, pos: np.ndarray, fill: Any) -> np.ndarray:
        arr: np.ndarray = s.astype(object).to_numpy()
        got: Any = arr[np.maximum(pos, 0)] if len(arr) else np.full(len(pos), fill, dtype=object)
        out: np.ndarray = np.where(pos >= 0, got, fill)
        result: np.ndarray = np.where(pd.isna(out), fill, out)
        return result

    ukey = norm_unit(units["unit"]).astype(object)
    df = pd.DataFrame(
        {
            "race": race,
            "unit": unit,
            "candidate": cand,
            "votes": res["votes"].fillna(0).astype("int64").to_numpy(),
            "district": take(units["district"], upos, ""),
            "channel": take(units["channel"], upos, "paper"),
            "ukey": take(ukey, upos, ""),
            "name_key": take(cands["name_key"], cpos, ""),
            "party_key": take(cands["party_key"], cpos, ""),
            "regime": take(cands["regime"], cpos, False).astype(bool),
            "incumbent": take(cands["incumbent"], cpos, False).astype(bool),
        }
    )
    df["kind"] = df["race"].map(kinds).fillna("race").astype(object)
    return df


def load_history(
    paths: Iterable[str | Path], *, elections: Sequence[Election] = ()
) -> list[HistElection]:
    """Read history files (CIK or tidy) and group them by election name, oldest first.

    ``elections`` may add elections already read (e.g. :meth:`Election.from_store`).
    """
    from smartvote.io import read_any

    frames: dict[str, list[pd.DataFrame]] = {}
    sources: dict[str, list[str]] = {}
    every: list[Election] = list(elections)
    for p in paths:
        every.append(read_any(Path(p)))
    for b in every:
        e = str(b.election)
        frames.setdefault(e, []).append(_frame_from_election(b))
        sources.setdefault(e, []).extend(b.sources)
    out = []
    for e, fs in frames.items():
        df = pd.concat(fs, ignore_index=True)
        out.append(HistElection(e, election_family(e), election_year(e), df, tuple(sources[e])))
    out.sort(key=lambda h: (h.year, h.election))
    return out


@dataclass(frozen=True, slots=True)
class Targets:
    """The races to reach: ``races`` (race, district, family) and optional ``stations`` (unit, race)."""

    races: pd.DataFrame
    stations: pd.DataFrame | None = None

    @classmethod
    def make(
        cls,
        races: Iterable[str],
        stations: pd.DataFrame | None = None,
        districts: dict[str, str] | None = None,
    ) -> Targets:
        rs = sorted(set(races))
        dist = [
            (districts or {}).get(r)
            or (m.group(1) if (m := re.search(r"/smd/([^/]+)$", r)) else "")
            for r in rs
        ]
        fam = [race_family(r) for r in rs]
        df = pd.DataFrame({"race": rs, "district": dist, "family": fam}, dtype=object)
        st = None
        if stations is not None and len(stations):
            st = stations[["unit", "race"]].copy()
            st = st[st["race"].isin(rs)]
            st["ukey"] = norm_unit(st["unit"]).astype(object)
            st["race"] = st["race"].astype(object)
            st = st.drop_duplicates(["ukey", "race"])
        return cls(df, st)


def aggregate(
    h: HistElection,
    targets: Targets,
    kinds: Sequence[str] = ("list",),
    join: str = "auto",
) -> pd.DataFrame:
    """Votes of history races of ``kinds`` summed over each target race's area.

    Returns one row per (target, hist_race, candidate) with columns target, hist_race,
    kind, candidate, name_key, party_key, regime, incumbent, votes, total (all votes cast
    for any choice in the matched units), share, units (matched units), join, coverage
    (share of the target's stations found; 1.0 for a district join).
    """
    if join not in JOINS:
        raise InputError(Problem("join", "join must be one of " + ", ".join(JOINS), value=join))
    if kinds == ("candidate",):
        df = h.results[~h.results["kind"].isin(list(NON_CANDIDATE_KINDS))]
    else:
        df = h.results[h.results["kind"].isin(list(kinds))]
    cols = [
        "target",
        "hist_race",
        "kind",
        "candidate",
        "name_key",
        "party_key",
        "regime",
        "incumbent",
        "votes",
        "total",
        "share",
        "units",
        "join",
        "coverage",
    ]
    if df.empty:
        return pd.DataFrame(columns=cols)
    parts: list[pd.DataFrame] = []
    if join in ("auto", "race"):
        hit = df[df["race"].isin(set(targets.races["race"]))]
        if len(hit):
            parts.append(hit.assign(target=hit["race"], join="race"))
    if join in ("auto", "district"):
        tr = targets.races[targets.races["district"] != ""]
        d = df[df["district"].astype(str).isin(set(tr["district"]))]
        if len(tr) and len(d):
            fam = pd.Series(
                {r: race_family(r, h.election) for r in d["race"].unique()}, dtype=object
            )
            m = d.merge(
                tr[["race", "district", "family"]].rename(columns={"race": "target"}),
                on="district",
                how="inner",
            )
            # Same family: by the history race's id, or by the history election's name.
            m = m[(m["race"].map(fam) == m["family"]) | (m["family"] == h.family)]
            if len(m):
                parts.append(_not_joined(m.drop(columns="family").assign(join="district"), parts))
    if join in ("auto", "stations") and targets.stations is not None:
        st = targets.stations.rename(columns={"race": "target"})[["ukey", "target"]]
        m = df[df["ukey"].isin(set(st["ukey"]))].merge(st, on="ukey", how="inner")
        if len(m):
            parts.append(_not_joined(m.assign(join="stations"), parts))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=cols)
    m = pd.concat(parts, ignore_index=True).rename(columns={"race": "hist_race"})
    g = m.groupby(["target", "hist_race", "candidate"], sort=False, observed=True)
    agg = g.agg(
        kind=("kind", "first"),
        name_key=("name_key", "first"),
        party_key=("party_key", "first"),
        regime=("regime", "first"),
        incumbent=("incumbent", "first"),
        votes=("votes", "sum"),
        join=("join", "first"),
    ).reset_index()
    units = m.groupby(["target", "hist_race"], sort=False)["ukey"].nunique().rename("units")
    total = m.groupby(["target", "hist_race"], sort=False)["votes"].sum().rename("total")
    agg = agg.merge(units.reset_index(), on=["target", "hist_race"]).merge(
        total.reset_index(), on=["target", "hist_race"]
    )
    agg["share"] = np.where(
        agg["total"] > 0, agg["votes"] / agg["total"].where(agg["total"] > 0, 1), np.nan
    )
    if targets.stations is not None:
        n_st = targets.stations.groupby("race")["ukey"].nunique()
        cov = agg["units"] / agg["target"].map(n_st).astype("float64")
        agg["coverage"] = np.where(agg["join"] == "stations", cov.clip(upper=1.0), 1.0)
    else:
        agg["coverage"] = 1.0
    return agg[cols]


def _not_joined(m: pd.DataFrame, parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Rows of ``m`` whose (target, history race) no earlier join has reached."""
    if not parts:
        return m
    have = pd.concat([p[["target", "race"]] for p in parts]).drop_duplicates()
    done = set(have["target"].astype(str) + "\x1f" + have["race"].astype(str))
    key = m["target"].astype(str) + "\x1f" + m["race"].astype(str)
    return m[~key.isin(done)]
