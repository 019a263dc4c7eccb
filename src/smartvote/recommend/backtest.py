"""Score picks against an actual result (METHODS.md §2, "Backtest"; DESIGN.md contract).

A pick is *correct* when it got the most votes of all non-regime candidates in the actual
result (multi-seat: among the top ``seats`` non-regime candidates); it *won* when it took
the seat (first overall, or in the top ``seats``). Probabilities are scored by

* the Brier score of ``p_strongest`` (multi-category: per race, the sum over non-regime
  candidates of (p − outcome)², averaged over races; Brier 1950, Monthly Weather Review
  78:1) and of ``p_first`` (who takes the seat, all candidates);
* a reliability table (Murphy & Winkler 1977, Applied Statistics 26:41): candidates
  binned by ``p_strongest``, mean forecast against observed frequency per bin.

``chance_accuracy`` is the expected accuracy of a uniformly random non-regime pick;
``baselines`` score the naive rules of :mod:`smartvote.recommend.baselines` on the same
races; ``uninformed`` counts the races left without a pick because no history or poll
reached them (run with ``allow_uninformed``). With a
campaign's endorsements the same figures are computed for them on the same races, and the
agreement between the two. Caveat for real campaigns: the endorsement itself moves votes to
its candidate, so a campaign's own accuracy is inflated by its effect; the model's picks,
made without that information, are not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smartvote.names import norm_name
from smartvote.recommend.baselines import score_baselines
from smartvote.recommend.records import Recommendation

__all__ = ["BacktestResult", "actual_totals", "score"]

BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0000001)


@dataclass(frozen=True, slots=True)
class BacktestResult:
    races: int
    correct: int
    accuracy: float
    wins: int
    win_rate: float
    brier: float
    brier_first: float
    chance_accuracy: float
    reliability: tuple[dict[str, Any], ...]
    per_race: tuple[dict[str, Any], ...]
    endorsements: dict[str, Any] | None = None
    data_used: dict[str, Any] = field(default_factory=dict)
    baselines: dict[str, dict[str, Any]] = field(default_factory=dict)
    uninformed: int = 0
    uninformed_races: tuple[str, ...] = ()
    #: Races of the candidates file left out of the score, by reason: ``not_in_actual``
    #: (the --actual file has no result for them) and ``no_pick`` (no eligible
    #: challenger; uninformed races are counted in ``uninformed``). Never dropped silently.
    not_scored: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["reliability"] = list(self.reliability)
        d["per_race"] = list(self.per_race)
        d["uninformed_races"] = list(self.uninformed_races)
        for k in ("accuracy", "win_rate", "brier", "brier_first", "chance_accuracy"):
            d[k] = round(float(d[k]), 4)
        return d


def actual_totals(batch: Any, cands: pd.DataFrame) -> pd.DataFrame:
    """Actual votes per (race, candidate) with the regime flag from ``cands`` (else the file)."""
    res = batch.results
    tot = res.groupby(["race", "candidate"], sort=False)["votes"].sum().reset_index()
    tot["votes"] = tot["votes"].astype("int64")
    tot["name_key"] = tot["candidate"].map(norm_name)
    file_reg = (
        batch.candidates.set_index(["race", "candidate"])["regime"].astype("boolean").fillna(False)
    )
    file_reg = file_reg[~file_reg.index.duplicated()]
    pairs = pd.MultiIndex.from_frame(tot[["race", "candidate"]])
    tot["regime_file"] = file_reg.reindex(pairs).fillna(False).astype(bool).to_numpy()
    ours = cands.set_index(["race", "name_key"])["regime"]
    key = pd.MultiIndex.from_frame(tot[["race", "name_key"]])
    mine = pd.Series(ours.reindex(key).to_numpy(), index=tot.index)
    tot["regime"] = mine.where(mine.notna(), tot["regime_file"]).astype(bool)
    return tot[["race", "candidate", "name_key", "votes", "regime"]]


def _race_outcomes(actual: pd.DataFrame, seats: dict[str, int]) -> pd.DataFrame:
    a = actual.copy()
    a["seats"] = a["race"].map(seats).fillna(1).astype(int)
    a["rank_all"] = a.groupby("race")["votes"].rank(ascending=False, method="min")
    nr = a[~a["regime"]].copy()
    nr["rank_nr"] = nr.groupby("race")["votes"].rank(ascending=False, method="min")
    a["rank_nr"] = nr["rank_nr"]
    a["top_nr"] = a["rank_nr"] <= a["seats"]
    a["won"] = a["rank_all"] <= a["seats"]
    return a


def _score_picks(
    picks: dict[str, list[str]], out: pd.DataFrame
) -> tuple[int, int, int, list[dict[str, Any]]]:
    """Races scored, correct, wins and per-race rows for picks (race -> name keys).

    Vectorised over races (one merge and two group maxima, no per-race frame); the
    strongest and the winner are the first of the race's rows with the most votes."""
    keys = [(race, k) for race, ks in picks.items() for k in ks]
    pk = pd.DataFrame(keys, columns=["race", "name_key"]).drop_duplicates()
    o = out.reset_index(drop=True)
    race = o["race"].to_numpy(object)
    votes = o["votes"].to_numpy(float)
    cand = o["candidate"].to_numpy(object)
    hit = o.merge(pk, on=["race", "name_key"], how="inner")
    hit_races = hit["race"].to_numpy(object)
    n_hit = pd.Series(1, index=hit_races).groupby(level=0).sum().to_dict()
    ok_by = (
        pd.Series(hit["top_nr"].fillna(False).astype(bool).to_numpy(), index=hit_races)
        .groupby(level=0)
        .any()
        .to_dict()
    )
    won_by = pd.Series(hit["won"].astype(bool).to_numpy(), index=hit_races).groupby(level=0).any()
    won_d = won_by.to_dict()
    first_max = _first_max(race, votes, np.ones(len(o), dtype=bool))
    first_max_nr = _first_max(race, votes, ~o["regime"].to_numpy(bool))
    correct = wins = n = 0
    rows = []
    for race_id, ks in picks.items():
        if race_id not in first_max or not ks:
            continue
        n += 1
        found = race_id in n_hit
        ok = bool(ok_by.get(race_id, False))
        won = bool(won_d.get(race_id, False))
        correct += ok
        wins += won
        s = first_max_nr.get(race_id)
        rows.append(
            {
                "race": race_id,
                "pick_found": found,
                "correct": ok,
                "won": won,
                "strongest_actual": None if s is None else str(cand[s]),
                "winner_actual": str(cand[first_max[race_id]]),
            }
        )
    return n, correct, wins, rows


def _first_max(race: np.ndarray, votes: np.ndarray, mask: np.ndarray) -> dict[str, int]:
    """Per race (among rows in ``mask``): the position of its first row with the most votes."""
    pos = np.flatnonzero(mask)
    if len(pos) == 0:
        return {}
    s = pd.Series(votes[pos], index=pd.Index(race[pos], dtype=object))
    top = s.groupby(level=0, sort=False).transform("max").to_numpy(float)
    at = pos[votes[pos] == top]
    first: dict[str, int] = {}
    for r, i in zip(race[at], at, strict=True):
        first.setdefault(r, int(i))
    return first


def score(
    recs: list[Recommendation],
    probs: pd.DataFrame,
    actual: pd.DataFrame,
    endorsements: pd.DataFrame | None = None,
) -> BacktestResult:
    """Score ``recs`` (and optionally a campaign's ``endorsements``) against ``actual``.

    ``probs``: the forecast's candidate table with ``race, candidate, name_key, regime,
    seats, p_strongest, p_first``. ``actual``: :func:`actual_totals`.
    """
    seats = probs.groupby("race")["seats"].max().to_dict()
    races = {r.race for r in recs if r.endorsed is not None and r.kind != "list"} & set(
        actual["race"]
    )
    out = _race_outcomes(actual[actual["race"].isin(races)], seats)
    picks = {
        r.race: [norm_name(x) for x in (r.endorsed_all or (r.endorsed,)) if x]
        for r in recs
        if r.race in races
    }
    n, correct, wins, per = _score_picks(picks, out)
    p_by_race = {r.race: r for r in recs}
    for row in per:
        rec = p_by_race[row["race"]]
        row.update(
            {
                "pick": rec.endorsed,
                "p_strongest": round(float(rec.p_strongest or 0), 4),
                "p_win": round(float(rec.p_win or 0), 4),
                "close_call": rec.close_call,
            }
        )
    # Probability scores over all candidates of the scored races.
    pr = probs[probs["race"].isin(races)][["race", "name_key", "regime", "p_strongest", "p_first"]]
    m = pr.merge(out[["race", "name_key", "top_nr", "won"]], on=["race", "name_key"], how="inner")
    m["top_nr"] = m["top_nr"].fillna(False).astype(float)
    m["won"] = m["won"].astype(float)
    nrm = m[~m["regime"]]
    brier = (
        float(((nrm["p_strongest"] - nrm["top_nr"]) ** 2).groupby(nrm["race"]).sum().mean())
        if len(nrm)
        else float("nan")
    )
    brier_first = (
        float(((m["p_first"] - m["won"]) ** 2).groupby(m["race"]).sum().mean())
        if len(m)
        else float("nan")
    )
    rel = []
    b = np.digitize(nrm["p_strongest"].to_numpy(float), BINS[1:-1])
    for k in range(len(BINS) - 1):
        sel = b == k
        if sel.any():
            rel.append(
                {
                    "bin": f"{BINS[k]:.1f}–{min(BINS[k + 1], 1.0):.1f}",
                    "n": int(sel.sum()),
                    "mean_forecast": round(float(nrm["p_strongest"].to_numpy()[sel].mean()), 4),
                    "observed": round(float(nrm["top_nr"].to_numpy()[sel].mean()), 4),
                }
            )
    n_nr = out[~out["regime"]].groupby("race").size()
    k_seats = out.groupby("race")["seats"].first()
    chance = (
        float((np.minimum(k_seats.reindex(n_nr.index), n_nr) / n_nr).mean())
        if len(n_nr)
        else float("nan")
    )
    endo = None
    if endorsements is not None:
        e = endorsements[endorsements["race"].isin(races)]
        epicks = {str(r): g["name_key"].tolist() for r, g in e.groupby("race", sort=False)}
        en, ec, ew, eper = _score_picks(epicks, out)
        pmap = probs.set_index(["race", "name_key"])["p_strongest"]
        ps = [float(pmap.get((r, k[0]), np.nan)) for r, k in epicks.items() if k]
        agree = sum(1 for r, k in epicks.items() if r in picks and set(k) & set(picks[r]))
        endo = {
            "races": en,
            "correct": ec,
            "accuracy": round(ec / en, 4) if en else None,
            "wins": ew,
            "win_rate": round(ew / en, 4) if en else None,
            "agree_with_model": agree,
            "model_p_strongest_mean": round(float(np.nanmean(ps)), 4)
            if ps and np.isfinite(ps).any()
            else None,
            "not_found": [x["race"] for x in eper if not x["pick_found"]],
            "per_race": eper,
        }
    unin = tuple(r.race for r in recs if r.uninformed)
    in_actual = set(actual["race"])
    not_scored = {
        "not_in_actual": sorted(
            r.race
            for r in recs
            if r.endorsed is not None and r.kind != "list" and r.race not in in_actual
        ),
        "no_pick": sorted(r.race for r in recs if r.endorsed is None and not r.uninformed),
    }
    return BacktestResult(
        not_scored=not_scored,
        baselines=score_baselines(probs, out, races) if len(probs) else {},
        uninformed=len(unin),
        uninformed_races=unin,
        races=n,
        correct=correct,
        accuracy=correct / n if n else float("nan"),
        wins=wins,
        win_rate=wins / n if n else float("nan"),
        brier=brier,
        brier_first=brier_first,
        chance_accuracy=chance,
        reliability=tuple(rel),
        per_race=tuple(per),
        endorsements=endo,
    )
