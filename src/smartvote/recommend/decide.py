"""The decision: which challenger each race endorses, from the simulated probabilities.

:func:`choose` endorses, among *eligible* challengers (not the regime's, not ``excluded``)
that are *informed* (some history or poll reaches them: a prior alone never endorses),
the one a :data:`SelectionRule` picks (default :func:`max_p_win`: highest ``p_win``; ties
within two Monte-Carlo standard errors go to the higher ``p_strongest``). A *close call*
is declared when the runner-up's ``p_win`` is within ``CLOSE_P_WIN`` or its
``p_strongest`` within ``CLOSE_P_STRONGEST``. Multi-seat races endorse up to ``seats``
candidates, those whose ``p_win`` ≥ ``MULTI_MIN_P_WIN`` (at least one). Overrides are
validated here (:func:`_override`). A race no history and no poll reaches, or whose
challengers none of them reach, gets ``endorsed: None, uninformed: True`` and the reason;
``run_recommend`` turns those into an error unless uninformed races are allowed.
The wording of the reasons is in :mod:`smartvote.recommend.explain`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from smartvote.errors import InputError, Problem
from smartvote.recommend.explain import Code, candidate_reasons, render
from smartvote.recommend.forecast import Forecast
from smartvote.recommend.params import (
    CLOSE_P_STRONGEST,
    CLOSE_P_WIN,
    MULTI_MIN_P_WIN,
    TIE_SE,
)
from smartvote.recommend.records import Alternative, Recommendation

__all__ = ["SelectionRule", "choose", "max_p_win", "uninformed_why"]

#: What would let history or a poll reach a race (said in every uninformed message).
WOULD_REACH = (
    "history with the same race ids, or the same district numbers in the same election "
    "family (a district column or …/smd/<n> race ids), or --stations mapping the race's "
    "stations to history units, or a poll of the race"
)
WOULD_REACH_RU = (
    "нужны прежние результаты с теми же идентификаторами округов, или с теми же номерами "
    "округов той же серии выборов, или список участков (--stations), или опрос по округу"
)


def uninformed_why(history_reaches: bool) -> tuple[str, str]:
    """English and Russian reason for an uninformed race."""
    if history_reaches:
        return (
            "history reaches this race but none of its eligible challengers (no earlier "
            "result of their name or party here, no poll): " + WOULD_REACH,
            "прежние результаты есть, но ни для одного из допустимых кандидатов (ни по "
            "имени, ни по партии, нет опроса): " + WOULD_REACH_RU,
        )
    return (
        "no history and no poll reaches this race: " + WOULD_REACH,
        "ни прежние результаты, ни опросы не относятся к этому округу: " + WOULD_REACH_RU,
    )


#: A selection rule: (eligible candidates of one race as records with their probabilities,
#: number of simulations) -> index of the pick. Configure variants with functools.partial.
SelectionRule = Callable[[list[dict[str, Any]], int], int]


def max_p_win(rows: list[dict[str, Any]], sims: int) -> int:
    """Default rule: highest ``p_win``; ties within 2 Monte-Carlo SE go to ``p_strongest``."""
    pw = np.array([float(r["p_win"]) for r in rows])
    best = float(pw.max())
    se = TIE_SE * np.sqrt(max(best * (1 - best), 1.0 / sims) / sims)
    tied = pw >= best - se
    ps = np.array([float(r["p_strongest"]) + 1e-9 * float(r["mean_share"]) for r in rows])
    return int(np.argmax(np.where(tied, ps, -1.0)))


def _ok(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and np.isnan(x))


def _evidence(row: dict[str, Any]) -> dict[str, Any]:
    ev: dict[str, Any] = {}
    if _ok(row.get("list_share")):
        ev["list_share"] = round(float(row["list_share"]), 4)
        ev["list_source"] = str(row["list_source"])
    if _ok(row.get("own_share")):
        ev["own_share"] = round(float(row["own_share"]), 4)
        ev["own_race"] = str(row["own_race"])
        ev["personal_vote"] = round(float(row["personal"]), 3)
    if _ok(row.get("smd_share")):
        ev["party_smd_share"] = round(float(row["smd_share"]), 4)
        ev["party_smd_source"] = str(row["smd_source"])
    if bool(row.get("incumbent", False)):
        ev["incumbent"] = True
    if _ok(row.get("party_mean")):
        ev["party_mean_share"] = round(float(row["party_mean"]), 4)
        ev["party_mean_source"] = str(row["party_mean_source"])
    ev["basis"] = str(row.get("basis", ""))
    ev["informed"] = bool(row.get("informed", False))
    if _ok(row.get("poll_share")):
        ev["poll_share"] = round(float(row["poll_share"]), 4)
    if _ok(row.get("poll_weight")):
        # Weights of the two sources in the mean (precision weighting, polls.py).
        ev["weights"] = {
            "polls": round(float(row["poll_weight"]), 3),
            "history": round(1.0 - float(row["poll_weight"]), 3)
            if row.get("basis") != "prior"
            else 0.0,
        }
        dates = row.get("poll_dates")
        ev["poll_dates"] = [] if dates is None else [str(x) for x in dates]
    if _ok(row.get("poll_swing")) and float(row["poll_swing"]) != 0.0:
        ev["poll_swing"] = round(float(row["poll_swing"]), 3)
    ev["mu"] = round(float(row["mu"]), 3)
    ev["sd_local"] = round(float(row["sd_local"]), 3)
    return ev


def _alt(row: dict[str, Any]) -> Alternative:
    return Alternative(
        candidate=str(row["candidate"]),
        party=str(row["party"]),
        p_strongest=round(float(row["p_strongest"]), 4),
        p_win=round(float(row["p_win"]), 4),
        p_first=round(float(row["p_first"]), 4),
        expected_share=round(float(row["mean_share"]), 4),
        share_low=round(float(row["share_low"]), 4),
        share_high=round(float(row["share_high"]), 4),
        excluded=str(row["excluded"]),
        evidence=_evidence(row),
    )


def choose(
    fc: Forecast,
    probs: pd.DataFrame,
    switch: float,
    sims: int,
    overrides: pd.DataFrame | None = None,
    spoilers: dict[str, list[dict[str, str]]] | None = None,
    rule: SelectionRule | None = None,
) -> list[Recommendation]:
    """One :class:`Recommendation` per race (races in first-appearance order).

    ``rule`` picks among a race's eligible, informed candidates (default :func:`max_p_win`).
    """
    c = pd.concat([fc.cands.reset_index(drop=True), probs.reset_index(drop=True)], axis=1)
    ov = {} if overrides is None else {str(r["race"]): r for r in overrides.to_dict("records")}
    unknown = set(ov) - set(c["race"])
    if unknown:
        raise InputError(
            Problem(
                "override_race",
                "override for a race not in the candidates file",
                value=sorted(unknown)[0],
            )
        )
    by_race: dict[str, list[dict[str, Any]]] = {}
    for row in _records(c):
        by_race.setdefault(str(row["race"]), []).append(row)
    return [
        _one(
            race,
            rows,
            fc.data_used.get(race, {}),
            switch,
            sims,
            ov.get(race),
            (spoilers or {}).get(race, []),
            rule or max_p_win,
        )
        for race, rows in by_race.items()  # a loop over races (not stations)
    ]


def _records(c: pd.DataFrame) -> list[dict[str, Any]]:
    """``c.to_dict("records")`` (missing values of pandas' own types as None), built from
    whole columns: several times faster on Arrow-backed string columns."""
    cols = [str(k) for k in c.columns]
    vals = []
    for k in c.columns:
        v = c[k].tolist()
        if isinstance(c[k].dtype, pd.api.extensions.ExtensionDtype) and c[k].hasnans:
            v = [None if x is pd.NA else x for x in v]
        vals.append(v)
    return [dict(zip(cols, row, strict=True)) for row in zip(*vals, strict=True)]


def _rank_key(r: dict[str, Any]) -> tuple[float, float, float]:
    return (-float(r["p_win"]), -float(r["p_strongest"]), -float(r["mean_share"]))


def _regime(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The regime's (strongest) candidate with their forecast."""
    reg = sorted((r for r in rows if r["regime"]), key=lambda r: -float(r["mean_share"]))
    if not reg:
        return None
    top = reg[0]
    return {
        "candidate": str(top["candidate"]),
        "party": str(top["party"]),
        "expected_share": round(float(top["mean_share"]), 4),
        "share_low": round(float(top["share_low"]), 4),
        "share_high": round(float(top["share_high"]), 4),
        "p_first": round(float(top["p_first"]), 4),
    }


def _override(race: str, rows: list[dict[str, Any]], ov: dict[str, Any]) -> dict[str, Any]:
    """The overriding candidate's row; an override naming someone not standing, excluded
    or the regime's candidate is an error."""
    hit = [r for r in rows if r["name_key"] == ov["name_key"]]
    if not hit:
        raise InputError(
            Problem(
                "override_candidate",
                f"override names a candidate not standing in {race}",
                value=str(ov["candidate"]),
            )
        )
    h = hit[0]
    if h["excluded"]:
        raise InputError(
            Problem(
                "override_excluded",
                f"override names an excluded candidate ({h['excluded']})",
                value=str(ov["candidate"]),
            )
        )
    if h["regime"]:
        raise InputError(
            Problem(
                "override_regime",
                "override names the regime's candidate",
                value=str(ov["candidate"]),
            )
        )
    return h


def _one(
    race: str,
    rows: list[dict[str, Any]],
    used: dict[str, Any],
    switch: float,
    sims: int,
    ov: dict[str, Any] | None,
    spoil: list[dict[str, str]],
    rule: SelectionRule,
) -> Recommendation:
    seats = max(int(r["seats"]) for r in rows)
    multi = seats > 1
    nr = [r for r in rows if not r["regime"]]
    excluded = tuple(
        {"candidate": str(r["candidate"]), "reason": str(r["excluded"])}
        for r in nr
        if r["excluded"]
    )
    # History or a poll must reach the race itself (a party's mean elsewhere does not),
    # and the pick must be a challenger they inform.
    reached = bool(used.get("history")) or bool(used.get("polls"))
    elig = [r for r in nr if not r["excluded"] and bool(r["informed"]) and reached]
    ranked = sorted(nr, key=_rank_key)
    regime = _regime(rows)
    data_used = dict(used)
    data_used["switch"] = switch
    data_used["sims"] = sims
    race_name = str(rows[0].get("race_name") or "")
    kind = "multi" if multi else "smd"
    pre: list[Code] = [] if regime is not None else [{"code": "no_regime"}]
    post: list[Code] = [
        {"code": "excluded", "candidate": e["candidate"], "reason": e["reason"]} for e in excluded
    ]
    post += [
        {"code": "spoiler", "candidate": s["candidate"], "evidence": s["evidence"]} for s in spoil
    ]
    common: dict[str, Any] = {
        "kind": kind,
        "seats": seats,
        "regime": regime,
        "excluded": excluded,
        "spoilers": tuple(spoil),
        "data_used": data_used,
        "race_name": race_name,
    }
    if not elig:
        # challengers exist, but nothing reaches them (uninformed), or none is eligible
        uninformed = any(not r["excluded"] for r in nr)
        why = ""
        if uninformed:
            why, why_ru = uninformed_why(reached)
            codes = [*pre, {"code": "uninformed", "why": why, "why_ru": why_ru}, *post]
        else:
            codes = [*pre, {"code": "no_eligible"}, *post]
        en, ru = render(codes)
        return Recommendation.no_pick(
            race,
            tuple(_alt(r) for r in ranked),
            en,
            reasons_ru=ru,
            reason_codes=tuple(codes),
            uninformed=uninformed,
            uninformed_reason=why,
            **common,
        )
    mid: list[Code] = []
    if multi:
        cand = sorted(elig, key=lambda r: (-float(r["p_strongest"]), -float(r["p_win"])))
        picks = [r for r in cand if r["p_win"] >= MULTI_MIN_P_WIN][:seats] or cand[:1]
        best = picks[0]
        mid.append(
            {"code": "multi_seats", "seats": seats, "n": len(picks), "min_p_win": MULTI_MIN_P_WIN}
        )
    else:
        best = elig[rule(elig, sims)]
        picks = [best]
    model_pick = str(best["candidate"])
    override = None
    if ov is not None:
        h = _override(race, rows, ov)
        override = {
            "candidate": str(h["candidate"]),
            "reason": str(ov["reason"]),
            "model_pick": model_pick,
        }
        best = h
        picks = ([h] + [r for r in picks if r is not h])[:seats] if multi else [h]
        mid.append({"code": "override", "reason": str(ov["reason"]), "model_pick": model_pick})
    picked = {str(r["candidate"]) for r in picks}
    others = sorted(
        (r for r in nr if not r["excluded"] and str(r["candidate"]) not in picked), key=_rank_key
    )
    runner = others[0] if others else None
    margin = float(best["p_win"] - runner["p_win"]) if runner is not None else float(best["p_win"])
    # Close in p_win only counts where p_win itself is material (two near-zero chances of
    # beating the regime are not a close call between the challengers).
    close = bool(
        runner is not None
        and not multi
        and (
            (abs(margin) < CLOSE_P_WIN and float(best["p_win"]) >= CLOSE_P_WIN)
            or abs(float(best["p_strongest"] - runner["p_strongest"])) < CLOSE_P_STRONGEST
        )
    )
    if close and runner is not None:
        mid.append(
            {
                "code": "close_call",
                "candidate": str(runner["candidate"]),
                "p_win": round(float(runner["p_win"]), 4),
                "p_strongest": round(float(runner["p_strongest"]), 4),
            }
        )
    codes = [*candidate_reasons(best, switch, multi), *pre, *mid, *post]
    en, ru = render(codes)
    return Recommendation(
        race=race,
        endorsed=str(best["candidate"]),
        party=str(best["party"]),
        p_strongest=float(best["p_strongest"]),
        p_win=float(best["p_win"]),
        margin=margin,
        close_call=close,
        alternatives=tuple(_alt(r) for r in ranked if str(r["candidate"]) not in picked),
        reasons=en,
        endorsed_all=tuple(str(r["candidate"]) for r in picks),
        expected_share=float(best["mean_share"]),
        override=override,
        model_pick=model_pick,
        reasons_ru=ru,
        reason_codes=tuple(codes),
        **common,
    )
