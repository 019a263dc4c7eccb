"""Party-list races: which parties will pass the threshold, so that no vote is wasted.

In a list race a tactical vote for a party below the threshold (5% in the Russian Duma) is
lost, and its seats are shared out among the parties that passed, the regime's included.
So the recommendation is a party *likely to pass*, with each party's P(pass).

Forecast: each party's log share = its list share in the race's area (the whole history
list race of the same family, or the race's stations with ``--stations``) in the most
recent history election, plus a national swing ``N(0, σ_swing²)`` calibrated on
consecutive list elections (:func:`smartvote.recommend.forecast.calibrate_swing` over the
whole country), combined with national polls when given (precision weighting on the log
scale). A party new since the last list election gets the small-party prior share (1%) with
the independent-candidate spread. Draws are vectorised (parties × simulations), soft-max.

Recommendation: among eligible parties (not the regime's, not excluded) those with
P(pass) ≥ 0.5 are acceptable (``endorsed_all``); the endorsed one has the highest P(pass),
ties within two Monte-Carlo SE going to the larger expected share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartvote.recommend.decide import uninformed_why
from smartvote.recommend.explain import Code, render
from smartvote.recommend.forecast import Uncertainty, calibrate_swing
from smartvote.recommend.history import HistElection, Targets, election_family
from smartvote.recommend.params import (
    FLOOR,
    INTERVAL,
    LIST_LIKELY_PASS,
    LIST_NEW_PARTY_SD,
    LIST_NEW_PARTY_SHARE,
    MAX_SHARE,
    POLL_HOUSE_SD,
    SIMS,
    TIE_SE,
)
from smartvote.recommend.records import Alternative, Recommendation

__all__ = ["is_list_race", "recommend_lists"]


def is_list_race(race: str) -> bool:
    return race.endswith("/list")


def _area_shares(
    h: HistElection, race: str, stations: pd.DataFrame | None
) -> tuple[pd.Series, str]:
    r = h.results[h.results["kind"] == "list"]
    if stations is not None and (stations["race"] == race).any():
        from smartvote.recommend.history import norm_unit

        keys = set(norm_unit(stations.loc[stations["race"] == race, "unit"]))
        sub = r[r["ukey"].isin(keys)]
        if len(sub):
            r, how = sub, f"{sub['ukey'].nunique()} stations"
        else:
            how = "all units"
    else:
        how = "all units"
    tot = r["votes"].sum()
    named = r[r["party_key"] != ""]
    return named.groupby("party_key")["votes"].sum() / max(int(tot), 1), how


def recommend_lists(
    cands: pd.DataFrame,
    history: list[HistElection],
    threshold: float,
    stations: pd.DataFrame | None = None,
    polls: pd.DataFrame | None = None,
    sims: int = SIMS,
    seed: int = 0,
) -> list[Recommendation]:
    """One recommendation per list race in ``cands`` (see module docstring)."""
    recs = []
    lists = [h for h in history if "list" in h.kinds]
    for race, rows in cands[cands["race"].map(is_list_race)].groupby("race", sort=False):
        race = str(race)
        fam = election_family(race.split("/", 1)[0])
        pool = [h for h in lists if h.family == fam] or lists
        rows = rows.reset_index(drop=True)
        data_used: dict[str, object] = {"threshold": threshold, "sims": sims}
        unc = Uncertainty()
        if pool:
            h = pool[-1]
            shares, how = _area_shares(h, race, stations)
            data_used["history"] = [{"election": h.election, "area": how}]
            whole = Targets(
                pd.DataFrame({"race": [race], "district": [""], "family": ["\x00"]}), None
            )
            if len(pool) >= 2:
                # National swing calibrated on the last two list elections, whole-race areas.
                st = pd.concat(
                    [p.results.loc[p.results["kind"] == "list", ["unit"]] for p in pool[-2:]]
                ).drop_duplicates()
                whole = Targets.make([race], stations=st.assign(race=race))
                unc = calibrate_swing(pool[-2:], whole)
        else:
            shares = pd.Series(dtype=float)
        data_used["uncertainty"] = unc.to_dict()
        L = rows["party_key"].map(shares).to_numpy(float)
        known = np.isfinite(L) & (rows["party_key"] != "").to_numpy()
        mu = np.where(
            known, np.log(np.maximum(np.nan_to_num(L), FLOOR)), np.log(LIST_NEW_PARTY_SHARE)
        )
        sd = np.where(known, unc.sigma_swing, LIST_NEW_PARTY_SD)
        poll = np.full(len(rows), np.nan)
        if polls is not None and len(polls):
            q = polls[
                (polls["party_key"] != "") & ((polls["race"] == race) | (polls["race"] == ""))
            ]
            q = q.drop_duplicates("party_key", keep="last").set_index("party_key")
            ps = rows["party_key"].map(q["share"]).to_numpy(float)
            n = rows["party_key"].map(q["sample_size"]).to_numpy(float)
            m = np.isfinite(ps)
            lv = (1 - np.clip(ps[m], FLOOR, MAX_SHARE)) / (
                n[m] * np.clip(ps[m], FLOOR, MAX_SHARE)
            ) + POLL_HOUSE_SD**2
            w = 1 / sd[m] ** 2
            mu[m] = (mu[m] * w + np.log(np.maximum(ps[m], FLOOR)) / lv) / (w + 1 / lv)
            sd[m] = np.sqrt(1 / (w + 1 / lv))
            poll[m] = ps[m]
        rng = np.random.default_rng(seed)
        E = mu[:, None] + sd[:, None] * rng.standard_normal((len(rows), sims))
        S = np.exp(E)
        S /= S.sum(axis=0, keepdims=True)
        reg = rows["regime"].to_numpy(bool)
        p_pass = (threshold <= S).mean(axis=1)
        nrS = np.where(~reg[:, None], S, -1.0)
        p_strong = (~reg[:, None] & (nrS >= nrS.max(axis=0))).mean(axis=1)
        p_first = (S.max(axis=0) <= S).mean(axis=1)
        mean = S.mean(axis=1)
        lo, hi = np.quantile(S, list(INTERVAL), axis=1)
        alts = []
        for i, r in rows.iterrows():
            ev: dict[str, object] = {"p_pass": round(float(p_pass[i]), 4)}
            if known[i]:
                ev["list_share"] = round(float(L[i]), 4)
            if np.isfinite(poll[i]):
                ev["poll_share"] = round(float(poll[i]), 4)
            alts.append(
                Alternative(
                    str(r["candidate"]),
                    str(r["party"] or r["candidate"]),
                    round(float(p_strong[i]), 4),
                    round(float(p_pass[i]), 4),
                    round(float(p_first[i]), 4),
                    round(float(mean[i]), 4),
                    round(float(lo[i]), 4),
                    round(float(hi[i]), 4),
                    str(r["excluded"]),
                    ev,
                )
            )
        open_ = ~reg & (rows["excluded"] == "").to_numpy()
        # A prior alone never endorses: only parties with a list result or a poll.
        elig = np.flatnonzero(open_ & (known | np.isfinite(poll)))
        codes: list[Code] = [{"code": "threshold", "threshold": threshold}]
        race_name = str(rows["race_name"].iloc[0]) if "race_name" in rows.columns else ""
        if not len(elig):
            extra: dict[str, object] = {}
            if open_.any():
                why, why_ru = uninformed_why(bool(pool) or bool(np.isfinite(poll).any()))
                codes.append({"code": "uninformed", "why": why, "why_ru": why_ru})
                extra = {"uninformed": True, "uninformed_reason": why}
            en, ru = render(codes)
            recs.append(
                Recommendation.no_pick(
                    race,
                    tuple(alts),
                    en,
                    kind="list",
                    data_used=data_used,
                    reasons_ru=ru,
                    reason_codes=tuple(codes),
                    race_name=race_name,
                    **extra,  # type: ignore[arg-type]
                )
            )
            continue
        best_p = p_pass[elig].max()
        se = TIE_SE * np.sqrt(max(best_p * (1 - best_p), 1 / sims) / sims)
        tied = elig[p_pass[elig] >= best_p - se]
        best = int(tied[np.argmax(mean[tied])])
        ok = [
            int(i)
            for i in elig[np.argsort(-p_pass[elig], kind="stable")]
            if p_pass[i] >= LIST_LIKELY_PASS
        ]
        name = str(rows.loc[best, "candidate"])
        codes.insert(
            0,
            {
                "code": "list_pass",
                "candidate": name,
                "p_pass": round(float(p_pass[best]), 4),
                "share": round(float(mean[best]), 4),
            },
        )
        if len(ok) > 1:
            codes.append(
                {
                    "code": "list_also",
                    "parties": [
                        [str(rows.loc[i, "candidate"]), round(float(p_pass[i]), 4)]
                        for i in ok
                        if i != best
                    ],
                }
            )
        below = [i for i in elig if p_pass[i] < LIST_LIKELY_PASS]
        if below:
            codes.append(
                {
                    "code": "list_below",
                    "parties": [
                        [str(rows.loc[i, "candidate"]), round(float(p_pass[i]), 4)] for i in below
                    ],
                }
            )
        reasons, reasons_ru = render(codes)
        excluded = tuple(
            {"candidate": str(r["candidate"]), "reason": str(r["excluded"])}
            for _, r in rows.iterrows()
            if r["excluded"] and not r["regime"]
        )
        others = [
            a
            for a in alts
            if a.candidate != name and not reg[rows.index[rows["candidate"] == a.candidate][0]]
        ]
        others.sort(key=lambda a: (-a.p_win, -a.expected_share))
        runner = others[0] if others else None
        recs.append(
            Recommendation(
                race=race,
                endorsed=name,
                party=str(rows.loc[best, "party"] or name),
                p_strongest=float(p_strong[best]),
                p_win=float(p_pass[best]),
                margin=float(p_pass[best] - runner.p_win) if runner else None,
                close_call=False,
                alternatives=tuple(others),
                reasons=reasons,
                reasons_ru=reasons_ru,
                reason_codes=tuple(codes),
                race_name=race_name,
                kind="list",
                seats=int(rows["seats"].max()),
                endorsed_all=tuple(str(rows.loc[i, "candidate"]) for i in ok) or (name,),
                expected_share=float(mean[best]),
                excluded=excluded,
                model_pick=name,
                data_used=data_used,
            )
        )
    return recs
