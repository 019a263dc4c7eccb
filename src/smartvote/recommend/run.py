"""End-to-end runs from files: recommend, backtest, and the demo step.

Thin glue over :mod:`history` (read and join), :mod:`forecast` (predictive shares),
:mod:`select` (simulate and choose), :mod:`listrace`, :mod:`spoilers` and :mod:`backtest`,
so that the command line, the demo and scripts share one code path.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from smartvote import jsonio
from smartvote.errors import InputError, Problem
from smartvote.recommend import _inputs
from smartvote.recommend.backtest import BacktestResult, actual_totals, score
from smartvote.recommend.decide import WOULD_REACH, choose
from smartvote.recommend.forecast import Forecast, Relation, Uncertainty, build_forecast
from smartvote.recommend.history import HistElection, load_history
from smartvote.recommend.listrace import is_list_race, recommend_lists
from smartvote.recommend.montecarlo import simulate_races
from smartvote.recommend.params import LIST_THRESHOLD, NAME_AT_MOST, SIMS, SWITCH
from smartvote.recommend.records import Recommendation
from smartvote.recommend.spoilers import spoiler_flags

__all__ = ["RecommendRun", "backtest_demo", "recommend_demo", "run_backtest", "run_recommend"]


@dataclass(frozen=True, slots=True)
class RecommendRun:
    """Recommendations plus the forecast table they came from (for scoring and display)."""

    recommendations: tuple[Recommendation, ...]
    table: pd.DataFrame  # candidates with forecast columns and probabilities
    forecast: Forecast | None

    def to_list(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.recommendations]


def run_recommend(
    candidates: str | Path | pd.DataFrame,
    history: Sequence[str | Path] | list[HistElection],
    stations: str | Path | pd.DataFrame | None = None,
    polls: str | Path | pd.DataFrame | None = None,
    threshold: float | None = None,
    spoilers: str | Path | pd.DataFrame | None = None,
    overrides: str | Path | pd.DataFrame | None = None,
    sims: int = SIMS,
    switch: float = SWITCH,
    seed: int = 0,
    join: str = "auto",
    relation: Relation | None = None,
    uncertainty: Uncertainty | None = None,
    nominations: str | Path | pd.DataFrame | None = None,
    use_signal: bool = True,
    allow_uninformed: bool = False,
) -> RecommendRun:
    """Forecast every race in ``candidates`` and choose the endorsements.

    A race that no history and no poll reaches (or none of whose eligible challengers
    they reach) is an :class:`~smartvote.errors.InputError` naming the races (rule
    ``uninformed``), unless ``allow_uninformed``: then it comes out with ``endorsed: None,
    uninformed: True`` and the reason. A prior alone never endorses.

    ``nominations``: candidate → party table for presidential-type history elections (the
    shipped ``smartvote/data/nominations.csv`` when None); ``use_signal=False`` ignores
    those elections (the forecast before the learned swing, for comparisons).
    """
    from smartvote.recommend.swing import load_nominations

    cands = (
        candidates if isinstance(candidates, pd.DataFrame) else _inputs.read_candidates(candidates)
    )
    hist: list[HistElection] = (
        [h for h in history if isinstance(h, HistElection)]
        if history and isinstance(history[0], HistElection)
        else load_history([h for h in history if not isinstance(h, HistElection)])
    )
    st = _maybe(stations, _inputs.read_stations)
    pl = _maybe(polls, _inputs.read_polls)
    sp = _maybe(spoilers, _inputs.read_spoiler_parties)
    ov = _maybe(overrides, _inputs.read_overrides)
    flags = spoiler_flags(cands, sp)
    is_list = cands["race"].map(is_list_race)
    recs: list[Recommendation] = []
    table = pd.DataFrame()
    fc = None
    smd = cands[~is_list]
    if len(smd):
        fc = build_forecast(
            smd,
            list(hist),
            stations=st,
            polls=pl,
            join=join,
            relation=relation,
            uncertainty=uncertainty,
            nominations=(
                nominations
                if isinstance(nominations, pd.DataFrame) or nominations is None
                else load_nominations(nominations)
            ),
            use_signal=use_signal,
        )  # type: ignore[arg-type]
        probs = simulate_races(fc, sims=sims, switch=switch, seed=seed)
        recs.extend(choose(fc, probs, switch=switch, sims=sims, overrides=ov, spoilers=flags))
        table = pd.concat([fc.cands.reset_index(drop=True), probs], axis=1)
    if is_list.any():
        recs.extend(
            recommend_lists(
                cands[is_list],
                list(hist),
                threshold if threshold is not None else LIST_THRESHOLD,
                stations=st,
                polls=pl,
                sims=sims,
                seed=seed,
            )
        )  # type: ignore[arg-type]
    order = {r: i for i, r in enumerate(dict.fromkeys(cands["race"]))}
    recs.sort(key=lambda r: order.get(r.race, 0))
    if not allow_uninformed:
        _refuse_uninformed(recs)
    return RecommendRun(tuple(recs), table, fc)


def _refuse_uninformed(recs: list[Recommendation]) -> None:
    """Exit 2 naming the uninformed races (up to ``NAME_AT_MOST``, then a count)."""
    bad = [r for r in recs if r.uninformed]
    if not bad:
        return
    names = ", ".join(r.race for r in bad[:NAME_AT_MOST])
    more = f" and {len(bad) - NAME_AT_MOST} more" if len(bad) > NAME_AT_MOST else ""
    raise InputError(
        Problem(
            "uninformed",
            f"{len(bad)} race(s) that no history and no poll informs: {names}{more}. "
            f"What would reach them: {WOULD_REACH}. Or pass --allow-uninformed to publish "
            "them without an endorsement.",
        )
    )


def _maybe(x: Any, reader: Any) -> pd.DataFrame | None:
    if x is None:
        return None
    if isinstance(x, pd.DataFrame):
        return x
    out: pd.DataFrame = reader(x)
    return out


def run_backtest(
    candidates: str | Path | pd.DataFrame,
    history: Sequence[str | Path] | list[HistElection],
    actual: str | Path,
    endorsements: str | Path | pd.DataFrame | None = None,
    **kw: Any,
) -> tuple[BacktestResult, RecommendRun]:
    """Recommend with history only, then score against ``actual`` (a results file)."""
    from smartvote.io import read_any

    cands = (
        candidates if isinstance(candidates, pd.DataFrame) else _inputs.read_candidates(candidates)
    )
    run = run_recommend(cands, history, **kw)
    act = actual_totals(read_any(Path(actual)), cands)
    endo = _maybe(endorsements, _inputs.read_endorsements)
    res = score(list(run.recommendations), run.table, act, endo)
    fc = run.forecast
    used = {
        "history": [h.election if isinstance(h, HistElection) else str(h) for h in history],
        "relation": fc.relation.to_dict() if fc else None,
        "uncertainty": fc.uncertainty.to_dict() if fc else None,
        "swing": next(iter(fc.data_used.values()), {}).get("swing") if fc else None,
    }
    res = replace(res, data_used=used)
    return res, run


def recommend_demo(
    sim_dir: str | Path, out_path: str | Path | None = None, sims: int = SIMS
) -> list[dict[str, Any]]:
    """The demo step: recommend for a simulated election written by ``Simulation.write``.

    Reads ``<e>-candidates.csv``, ``<e>-stations.csv`` and every ``<p>.csv`` /
    ``<p>-smd.csv`` of the earlier election in ``sim_dir``; writes the JSON list to
    ``out_path`` when given and returns it. (Real data: call :func:`run_recommend` with the
    converted files.)
    """
    d = Path(sim_dir)
    truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
    e, p = truth["config"]["election"], truth["config"]["previous"]
    hist = [f for f in (d / f"{p}.csv", d / f"{p}-smd.csv") if f.exists()]
    run = run_recommend(
        d / f"{e}-candidates.csv", hist, stations=d / f"{e}-stations.csv", sims=sims
    )
    data = run.to_list()
    if out_path is not None:
        Path(out_path).write_text(jsonio.dumps(data), encoding="utf-8")
    return data


#: The figures of a backtest the demo keeps (its JSON summary; per-race rows left out).
_SUMMARY = ("races", "correct", "accuracy", "brier", "uninformed", "baselines", "endorsements")


def backtest_demo(
    sim_dir: str | Path,
    shared: str | Path | None = None,
    sims: int = SIMS,
    echo: Any = None,
) -> dict[str, Any]:
    """The demo's backtest step, printed as one table of the model beside the naive rules.

    Simulated: the election of ``sim_dir`` replayed with the previous one as history and
    scored against its own single-member result, beside the ``last_result`` baseline and
    the simulated campaign's endorsements (inflated by the simulated tactical vote, as a
    real campaign's are). Real, when ``shared/uk_ge2019`` exists: UK 2019 from the 2017
    results and both YouGov MRPs (a few seconds). Returns the summaries by case, with the
    seconds each took.
    """
    from smartvote.recommend.tables import print_baselines

    d = Path(sim_dir)
    truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
    e, p = truth["config"]["election"], truth["config"]["previous"]
    hist = [f for f in (d / f"{p}.csv", d / f"{p}-smd.csv") if f.exists()]
    endo = d / f"{e}-endorsements.csv"
    cases: list[tuple[str, dict[str, Any]]] = []
    out: dict[str, Any] = {}
    t = time.perf_counter()
    res, _ = run_backtest(
        d / f"{e}-candidates.csv",
        hist,
        d / f"{e}-smd.csv",
        endo if endo.exists() else None,
        stations=d / f"{e}-stations.csv",
        sims=sims,
    )
    label = f"{e} (simulated; history {p})"
    cases.append((label, res.to_dict()))
    out["simulated"] = {
        "case": label,
        "seconds": round(time.perf_counter() - t, 2),
        **{k: cases[-1][1].get(k) for k in _SUMMARY},
    }
    uk = Path(shared) / "uk_ge2019" if shared is not None else None
    if uk is not None and (uk / "actual_2019.csv").exists():
        t = time.perf_counter()
        res, _ = run_backtest(
            uk / "candidates_2019.csv",
            [uk / "history_2017.csv"],
            uk / "actual_2019.csv",
            polls=uk / "polls_2019_mrp.csv",
            sims=sims,
        )
        label = "UK 2019 (history 2017 + MRPs)"
        cases.append((label, res.to_dict()))
        out["uk_ge2019"] = {
            "case": label,
            "seconds": round(time.perf_counter() - t, 2),
            **{k: cases[-1][1].get(k) for k in _SUMMARY},
        }
    for v in out.values():
        if v.get("endorsements"):
            v["endorsements"] = {
                k: x for k, x in v["endorsements"].items() if k not in ("per_race", "not_found")
            }
    print_baselines(cases, echo=echo)
    if "endorsements" in cases[0][1] and cases[0][1]["endorsements"]:
        (echo or print)(
            "   (simulated: the campaign's endorsements and the tactical vote they draw are in "
            "the actual result the picks are scored against; a campaign that endorses by the "
            "last result makes that rule look better than it was before the campaign)"
        )
    return out
