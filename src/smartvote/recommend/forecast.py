"""Predictive distribution of every candidate's vote share in every race (METHODS.md §2).

Model, on the log scale of a candidate's share of valid votes (a multinomial-logit form:
shares are the soft-max of the log-share draws within the race, so they always sum to 1):

    log S_c = α + β·log L_p(c) + γ·regime_c + δ·incumbent_c + ρ·π_c + swing_p(c) + ε_c

* ``L_p`` is the list share of the candidate's party in exactly the race's area in the most
  recent history election with a party list (:mod:`smartvote.recommend.history` joins it by
  district or through the stations). Candidates without a party list (independents, new
  parties) get the intercept ``α_0`` learned from such candidates in history.
* α, β, γ, δ (the *single-member versus list relation*: split-ticket gaps, the regime's
  administrative candidates, incumbency) are fitted by least squares on past elections that
  have both a list and single-member races over the same stations (e.g. ``sim-2021`` list +
  ``sim-2021-smd``; ``duma-2016`` list + Moscow's 2016 districts). Without such an election
  the relation defaults to α=0, β=1 (the candidate polls their party's list share), reported.
* ``π_c`` is the candidate's own *personal vote*: the residual of the same relation in the
  candidate's most recent earlier race (matched by normalised name, ``names.norm_name``).
  ``ρ`` (how much of it carries over) is estimated from candidates who stood in two history
  elections with lists; otherwise a stated prior of 0.7.
* Polls (optional) are combined with the model on the log scale by precision weighting,
  with binomial sampling variance plus a house/design error of 0.15 (log scale).

Uncertainty, calibrated on history rather than guessed (Gelman & King 1994, "A unified
method of evaluating electoral systems and redistricting plans", AJPS 38:514, for the
national-swing-plus-local-error structure):

* ``swing_p ~ N(0, σ_swing²)``: one draw per party and simulation, shared by every race (the
  correlated national error). ``σ_swing`` and the local list drift ``σ_drift`` are estimated
  from consecutive list elections in the history, aggregated over the *same* target areas
  (predicting the later from the earlier: the between-party spread of the mean log change,
  and the spread of the race-level residual change). With fewer than two list elections
  the priors σ_swing = 0.20, σ_drift = 0.10 are used and reported as not calibrated.
* ``ε_c ~ N(0, σ_model² + β²σ_drift²)``: ``σ_model`` is the leave-one-race-out residual sd
  of the relation fit (each race predicted from a fit without it).

Assumptions: the parties' area pattern persists between elections up to the swing and drift
measured in history; the regime candidate, when their party is unknown, draws on the regime
party's list vote; fraud in history is part of the data (a regime share inflated at the
stations in both elections is carried over, which is the relevant quantity for who can beat
the regime's candidate on the official count).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from smartvote.recommend.history import HistElection, Targets, aggregate
from smartvote.recommend.swing import apply_nominations, fit_swing, load_nominations, local_shift

__all__ = [
    "Forecast",
    "Relation",
    "Uncertainty",
    "build_forecast",
    "calibrate_swing",
    "fit_relation",
]

FLOOR = 0.002  # smallest share on the log scale (0.2%): avoids log(0) for tiny parties
PRIOR_SWING = 0.20
PRIOR_DRIFT = 0.10
PRIOR_CARRY = 0.7
POLL_HOUSE_SD = 0.15


def _log(x: np.ndarray | pd.Series) -> np.ndarray:
    return np.log(np.maximum(np.asarray(x, dtype="float64"), FLOOR))


@dataclass(frozen=True, slots=True)
class Relation:
    """Single-member share as a function of the party's list share (log scale)."""

    alpha: float = 0.0
    beta: float = 1.0
    regime: float = 0.0
    incumbent: float = 0.0
    alpha0: float = float(np.log(0.03))
    sigma_model: float = 0.35
    sigma_indep: float = 0.6
    carry: float = PRIOR_CARRY
    n_rows: int = 0
    n_races: int = 0
    elections: tuple[str, ...] = ()
    learned: bool = False
    carry_learned: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["elections"] = list(self.elections)
        return d


@dataclass(frozen=True, slots=True)
class Uncertainty:
    sigma_swing: float = PRIOR_SWING
    sigma_drift: float = PRIOR_DRIFT
    calibrated: bool = False
    pair: tuple[str, ...] = ()
    parties: int = 0
    races: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["pair"] = list(self.pair)
        return d


@dataclass(frozen=True, slots=True)
class Forecast:
    """Per candidate: mean and local sd of the log share, swing group, and the evidence."""

    cands: pd.DataFrame
    relation: Relation
    uncertainty: Uncertainty
    data_used: dict[str, dict[str, Any]] = field(default_factory=dict)


def _training_rows(h: HistElection) -> pd.DataFrame:
    """SMD candidates of one history election with their party's list share in the race."""
    r = h.results
    smd = r[r["kind"] == "smd"]
    if smd.empty:
        return pd.DataFrame()
    tot = smd.groupby("race")["votes"].sum()
    cand = (
        smd.groupby(["race", "candidate"], sort=False)
        .agg(
            votes=("votes", "sum"),
            name_key=("name_key", "first"),
            party_key=("party_key", "first"),
            regime=("regime", "first"),
            incumbent=("incumbent", "first"),
        )
        .reset_index()
    )
    cand["share"] = cand["votes"] / cand["race"].map(tot).where(lambda s: s > 0, 1)
    cand = cand[cand["race"].map(tot) > 0]
    cand["election"] = h.election
    cand["year"] = h.year
    list_share = pd.Series(np.nan, index=cand.index)
    if "list" in h.kinds:
        units = smd[["unit", "race"]].drop_duplicates()
        dist = smd.groupby("race")["district"].first().to_dict()
        tg = Targets.make(units["race"].unique().tolist(), stations=units, districts=dist)
        tg = Targets(tg.races.assign(family=h.family), tg.stations)
        agg = aggregate(h, tg, kinds=("list",))
        if len(agg):
            lk = agg[agg["party_key"] != ""].groupby(["target", "party_key"])["share"].sum()
            key = pd.MultiIndex.from_arrays([cand["race"], cand["party_key"]])
            list_share = pd.Series(lk.reindex(key).to_numpy(), index=cand.index)
    cand["list_share"] = list_share
    return cand


def _ols(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    return np.asarray(coef)


def _design(d: pd.DataFrame, use_inc: bool) -> np.ndarray:
    cols = [np.ones(len(d)), _log(d["list_share"]), d["regime"].to_numpy(float)]
    if use_inc:
        cols.append(d["incumbent"].to_numpy(float))
    return np.column_stack(cols)


def fit_relation(history: list[HistElection]) -> tuple[Relation, pd.DataFrame]:
    """Fit the SMD-versus-list relation; returns it and the training rows with residuals.

    Leave-one-race-out: each race's residuals come from a fit on the other races, so
    ``sigma_model`` is an out-of-sample error, not an in-sample one.
    """
    rows = [t for h in history if len(t := _training_rows(h))]
    if not rows:
        return Relation(), pd.DataFrame()
    tr = pd.concat(rows, ignore_index=True)
    tr["y"] = _log(tr["share"])
    has = tr["list_share"].notna() & (tr["party_key"] != "")
    lst = tr[has]
    nol = tr[~has]
    alpha0 = float(nol["y"].mean()) if len(nol) >= 3 else float(np.log(0.03))
    sigma_indep = float(nol["y"].std(ddof=1)) if len(nol) >= 5 else 0.6
    races = lst["race"] + "\x1f" + lst["election"]
    if lst["race"].nunique() < 3 or len(lst) < 8:
        rel = Relation(alpha0=alpha0, sigma_indep=sigma_indep, n_rows=len(lst))
        tr["resid"] = np.nan
        return rel, tr
    use_inc = bool(lst["incumbent"].nunique() > 1)
    X = _design(lst, use_inc)
    y = lst["y"].to_numpy()
    coef = _ols(X, y)
    # Leave-one-race-out residuals (a loop over races, not stations: a few hundred at most).
    resid = np.empty(len(lst))
    codes, uniq = pd.factorize(races)
    for k in range(len(uniq)):
        m = codes == k
        ck = _ols(X[~m], y[~m])
        resid[m] = y[m] - X[m] @ ck
    sigma = float(np.sqrt(np.mean(resid**2)))
    tr["resid"] = np.nan
    tr.loc[lst.index, "resid"] = y - X @ coef  # in-sample: the personal vote of each candidate
    carry, carry_learned = _fit_carry(tr)
    rel = Relation(
        alpha=float(coef[0]),
        beta=float(coef[1]),
        regime=float(coef[2]),
        incumbent=float(coef[3]) if use_inc else 0.0,
        alpha0=alpha0,
        sigma_model=sigma,
        sigma_indep=sigma_indep,
        carry=carry,
        n_rows=len(lst),
        n_races=len(uniq),
        elections=tuple(sorted(lst["election"].unique().tolist())),
        learned=True,
        carry_learned=carry_learned,
    )
    return rel, tr


def _fit_carry(tr: pd.DataFrame) -> tuple[float, bool]:
    """ρ from candidates whose personal vote is known in two elections (regression through 0)."""
    r = tr[tr["resid"].notna()].sort_values("year")
    if r["election"].nunique() < 2:
        return PRIOR_CARRY, False
    prev = r.groupby("name_key").shift(1)["resid"]
    m = prev.notna()
    if m.sum() < 10:
        return PRIOR_CARRY, False
    x, y = prev[m].to_numpy(), r.loc[m, "resid"].to_numpy()
    rho = float(np.clip((x @ y) / max(x @ x, 1e-9), 0.0, 1.0))
    return rho, True


def calibrate_swing(history: list[HistElection], targets: Targets) -> Uncertainty:
    """National swing and local drift from consecutive list elections over ``targets``.

    Every consecutive pair of list elections that reaches the target areas contributes
    (e.g. 2007 → 2011 and 2011 → 2016), pooled: ``σ_swing`` is the spread of the parties'
    mean log change (centred within each pair, ``ddof`` = one per pair), ``σ_drift`` the
    root mean square of the area-level change around its party's mean. One pair alone is a
    handful of party swings; pooling pairs halves the sampling error of both spreads.
    """
    lists = [h for h in history if "list" in h.kinds]
    if len(lists) < 2:
        return Uncertainty()
    shares = {}
    for h in lists:
        a = aggregate(h, targets, kinds=("list",))
        if len(a):
            shares[h.election] = (
                a[a["party_key"] != ""].groupby(["target", "party_key"])["share"].sum()
            )
    swings: list[np.ndarray] = []
    resids: list[np.ndarray] = []
    pairs: list[str] = []
    races: set[str] = set()
    parties: set[str] = set()
    for h1, h2 in pairwise(lists):
        if h1.election not in shares or h2.election not in shares:
            continue
        both = pd.concat(
            [shares[h1.election].rename("s1"), shares[h2.election].rename("s2")],
            axis=1,
            join="inner",
        )
        both = both[(both["s1"] >= 0.01) & (both["s2"] >= 0.01)]
        if both.index.get_level_values("party_key").nunique() < 3 or len(both) < 10:
            continue
        d = pd.Series(np.log(both["s2"]) - np.log(both["s1"]), index=both.index)
        party = d.index.get_level_values("party_key")
        swing = d.groupby(party).mean()
        swings.append((swing - swing.mean()).to_numpy())
        resids.append((d - swing.reindex(party).to_numpy()).to_numpy())
        pairs.extend([h1.election, h2.election])
        races |= set(d.index.get_level_values("target"))
        parties |= set(swing.index)
    if not swings:
        return Uncertainty()
    sw = np.concatenate(swings)
    dof = max(len(sw) - len(swings), 1)
    return Uncertainty(
        sigma_swing=float(np.sqrt(np.sum(sw**2) / dof)),
        sigma_drift=float(np.sqrt(np.mean(np.concatenate(resids) ** 2))),
        calibrated=True,
        pair=tuple(dict.fromkeys(pairs)),
        parties=len(parties),
        races=len(races),
    )


def _national_shares(h: HistElection) -> pd.Series:
    r = h.results[(h.results["kind"] == "list") & (h.results["party_key"] != "")]
    tot = h.results.loc[h.results["kind"] == "list", "votes"].sum()
    return r.groupby("party_key")["votes"].sum() / max(int(tot), 1)


def build_forecast(
    cands: pd.DataFrame,
    history: list[HistElection],
    stations: pd.DataFrame | None = None,
    polls: pd.DataFrame | None = None,
    join: str = "auto",
    relation: Relation | None = None,
    uncertainty: Uncertainty | None = None,
    nominations: pd.DataFrame | None = None,
    use_signal: bool = True,
    party_from_history: bool = True,
) -> Forecast:
    """Mean and sd of every candidate's log share, with the evidence used (see module doc).

    ``relation`` / ``uncertainty`` replace the fitted ones (e.g. to apply a relation learned
    elsewhere, for out-of-sample evaluation). ``nominations`` (candidate → party of
    presidential-type elections; the shipped table by default) feeds the learned swing
    (:mod:`smartvote.recommend.swing`); ``use_signal=False`` switches that off (for
    before/after comparisons). ``party_from_history``: a candidate listed without a party
    takes the party they stood for in their latest earlier single-member race.
    """
    if use_signal:
        history = apply_nominations(
            history, nominations if nominations is not None else load_nominations()
        )
    rel, train = fit_relation(history)
    if relation is not None:
        rel = relation
    dist = {str(r): str(d) for r, d in zip(cands["race"], cands["district"], strict=True) if d}
    targets = Targets.make(cands["race"].unique().tolist(), stations=stations, districts=dist)
    unc = uncertainty if uncertainty is not None else calibrate_swing(history, targets)
    c = cands.copy().reset_index(drop=True)
    c["party_source"] = np.where(c["party_key"] != "", "candidates", "")
    if party_from_history and len(train):
        # A candidate without a party in the file: the party of their latest earlier race.
        known = train[train["party_key"] != ""].sort_values("year")
        last_party = known.groupby("name_key")["party_key"].last()
        fill = (c["party_key"] == "") & ~c["regime"] & c["name_key"].isin(last_party.index)
        c.loc[fill, "party_key"] = c.loc[fill, "name_key"].map(last_party)
        c.loc[fill, "party_source"] = "earlier race"
    regime_parties = {
        str(p)
        for h in history
        for p in h.results.loc[
            (h.results["kind"] == "list") & h.results["regime"], "party_key"
        ].unique()
        if p
    }
    if not c["regime"].any() and regime_parties:
        c["regime"] = c["party_key"].isin(regime_parties)
    # (a) party list share in the race's area: most recent list election reaching the race.
    c["list_share"] = np.nan
    c["list_source"] = ""
    used: dict[str, dict[str, Any]] = {r: {"history": []} for r in targets.races["race"]}
    for h in reversed([h for h in history if "list" in h.kinds]):
        agg = aggregate(h, targets, kinds=("list",), join=join)
        if agg.empty:
            continue
        meta = agg.groupby("target").agg(
            hist_race=("hist_race", "first"),
            join=("join", "first"),
            units=("units", "max"),
            coverage=("coverage", "max"),
        )
        for t, m in meta.iterrows():
            used[str(t)]["history"].append(
                {
                    "election": h.election,
                    "race": m["hist_race"],
                    "join": m["join"],
                    "units": int(m["units"]),
                    "coverage": round(float(m["coverage"]), 3),
                }
            )
        lk = agg[agg["party_key"] != ""].groupby(["target", "party_key"])["share"].sum()
        reg = agg[agg["regime"]].groupby("target")["share"].sum()
        need = c["list_share"].isna() & c["race"].isin(meta.index)
        key = pd.MultiIndex.from_arrays([c["race"], c["party_key"]])
        val = pd.Series(lk.reindex(key).to_numpy(), index=c.index)
        # The regime candidate without a known party draws on the regime party's list vote.
        reg_val = c["race"].map(reg)
        val = val.where(~(c["regime"] & (c["party_key"] == "") & val.isna()), reg_val)
        take = need & val.notna()
        c.loc[take, "list_share"] = val[take]
        c.loc[take, "list_source"] = h.election
    # (a+) learned swing from the last list election to the target (swing.py).
    swing_model = fit_swing(history) if use_signal else None
    c["swing_shift"] = 0.0
    if swing_model is not None and swing_model.learned:
        c["swing_shift"] = local_shift(
            swing_model, history, targets, c, c["list_source"].astype(object), join=join
        )
    # (a') no list vote (first-past-the-post systems, or a party absent from the list): the
    # party's share in the most recent earlier single-member race reaching this race.
    c["smd_share"] = np.nan
    c["smd_source"] = ""
    for h in reversed([h for h in history if "smd" in h.kinds]):
        agg = aggregate(h, targets, kinds=("smd",), join=join)
        if agg.empty:
            continue
        for t, m in (
            agg.groupby("target")
            .agg(
                hist_race=("hist_race", "first"),
                join=("join", "first"),
                units=("units", "max"),
                coverage=("coverage", "max"),
            )
            .iterrows()
        ):
            used[str(t)]["history"].append(
                {
                    "election": h.election,
                    "race": m["hist_race"],
                    "join": m["join"],
                    "units": int(m["units"]),
                    "coverage": round(float(m["coverage"]), 3),
                }
            )
        pk = agg[agg["party_key"] != ""].groupby(["target", "party_key"])["share"].sum()
        key = pd.MultiIndex.from_arrays([c["race"], c["party_key"]])
        val = pd.Series(pk.reindex(key).to_numpy(), index=c.index)
        take = c["smd_share"].isna() & val.notna()
        c.loc[take, "smd_share"] = val[take]
        c.loc[take, "smd_source"] = h.election
    # (b) the candidate's own earlier results (most recent earlier race, matched by name).
    c["own_share"] = np.nan
    c["own_race"] = ""
    c["personal"] = 0.0
    if len(train):
        last = train.sort_values("year").groupby("name_key").tail(1).set_index("name_key")
        hit = c["name_key"].isin(last.index)
    if len(train) and hit.any():
        c.loc[hit, "own_share"] = c.loc[hit, "name_key"].map(last["share"])
        c.loc[hit, "own_race"] = c.loc[hit, "name_key"].map(last["race"])
        pers = c.loc[hit, "name_key"].map(last["resid"])
        c.loc[hit, "personal"] = pers.fillna(0.0).to_numpy()
    # Without a list share here, the candidate's own earlier share stands in for it.
    c["own_only"] = c["own_share"].notna() & c["list_share"].isna()
    # (c) incumbency: given in the candidates file, else the winner of the matched earlier race.
    if not bool(c["incumbent_known"].any()) and len(train):
        winners = train.loc[train.groupby(["election", "race"])["votes"].idxmax(), "name_key"]
        c["incumbent"] = c["name_key"].isin(set(winners)) & c["own_share"].notna()
    # Precedence: the party's list share here (with the relation and the personal vote);
    # else the candidate's own earlier share; else the party's earlier single-member share
    # here (both already hold the regime's and the candidate's pull: used as is, β = 1);
    # else the intercept of candidates without a list.
    has_list = c["list_share"].notna()
    own = c["own_only"].to_numpy(bool)
    by_smd = (~has_list & ~c["own_only"] & c["smd_share"].notna()).to_numpy(bool)
    mu = np.where(
        has_list,
        rel.alpha
        + rel.beta * (_log(c["list_share"].fillna(FLOOR)) + c["swing_shift"].to_numpy(float))
        + rel.regime * c["regime"].to_numpy(float)
        + rel.carry * c["personal"].to_numpy(float),
        rel.alpha0 + rel.regime * c["regime"].to_numpy(float),
    )
    mu = mu + rel.incumbent * c["incumbent"].to_numpy(float)
    mu = np.where(own, _log(c["own_share"].fillna(FLOOR)), mu)
    mu = np.where(by_smd, _log(c["smd_share"].fillna(FLOOR)), mu)
    c["basis"] = np.select([has_list.to_numpy(bool), own, by_smd], ["list", "own", "smd"], "prior")
    has_list = has_list | pd.Series(own | by_smd, index=c.index)
    sd_local = np.where(
        has_list | own,
        np.sqrt(rel.sigma_model**2 + (rel.beta * unc.sigma_drift) ** 2),
        rel.sigma_indep,
    )
    # Swing groups: a party with a list share swings together in every race.
    c["swing_group"] = np.where(has_list & (c["party_key"] != ""), c["party_key"], "")
    c.loc[has_list & (c["party_key"] == "") & c["regime"], "swing_group"] = "\x00regime"
    # (d) polls.
    c["poll_share"] = np.nan
    if polls is not None and len(polls):
        mu, sd_local = _apply_polls(c, polls, mu, sd_local, history, rel.beta)
    c["mu"] = mu
    c["sd_local"] = sd_local
    c["swing_beta"] = np.where(
        c["swing_group"] != "", np.where(c["basis"] == "list", rel.beta, 1.0), 0.0
    )
    if swing_model is not None and swing_model.learned and unc.sigma_swing > 0:
        # Parties with a signal: the unexplained part of their swing is σ_u, not σ_swing.
        sig = c["party_key"].isin(list(swing_model.national_shift)) & (c["basis"] == "list")
        ratio = min(swing_model.sigma_u / unc.sigma_swing, 1.0)
        c.loc[sig, "swing_beta"] = c.loc[sig, "swing_beta"] * ratio
    for r in used:
        used[r]["swing"] = (
            swing_model.to_dict()
            if swing_model is not None
            else {"learned": False, "reason": "signal elections not used"}
        )
    for r in used:
        used[r]["relation"] = (
            "learned"
            if rel.learned
            else "default (no election with both list and single-member results)"
        )
    return Forecast(c, rel, unc, used)


def _apply_polls(
    c: pd.DataFrame,
    polls: pd.DataFrame,
    mu: np.ndarray,
    sd: np.ndarray,
    history: list[HistElection],
    beta: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Precision-weighted combination of the model and polls on the log scale."""
    mu, sd = mu.copy(), sd.copy()
    p = polls.copy()
    p["lv"] = (1 - p["share"].clip(FLOOR, 0.999)) / (
        p["sample_size"] * p["share"].clip(FLOOR, 0.999)
    ) + POLL_HOUSE_SD**2
    # Race-level polls: of a candidate (by name) or of a party (its candidate in that race).
    rp = p[p["race"] != ""]
    for key_col in ("name_key", "party_key"):
        q = (
            rp[rp[key_col] != ""]
            .drop_duplicates(["race", key_col], keep="last")
            .set_index(["race", key_col])
        )
        if q.empty:
            continue
        idx = pd.MultiIndex.from_arrays([c["race"], c[key_col]])
        share = q["share"].reindex(idx).to_numpy()
        lv = q["lv"].reindex(idx).to_numpy()
        m = np.isfinite(share) & np.isnan(c["poll_share"].to_numpy(float))
        w_model, w_poll = 1 / sd[m] ** 2, 1 / lv[m]
        mu[m] = (mu[m] * w_model + _log(share[m]) * w_poll) / (w_model + w_poll)
        sd[m] = np.sqrt(1 / (w_model + w_poll))
        c.loc[m, "poll_share"] = share[m]
    # National party polls: shift the party's log share by the poll's change from last time.
    npo = (
        p[(p["race"] == "") & (p["party_key"] != "")]
        .drop_duplicates("party_key", keep="last")
        .set_index("party_key")
    )
    lists = [h for h in history if "list" in h.kinds]
    if len(npo) and lists:
        nat = _national_shares(lists[-1])
        for pk, row in npo.iterrows():
            if pk not in nat.index or nat[pk] <= 0:
                continue
            shift = float(np.log(max(row["share"], FLOOR)) - np.log(nat[pk]))
            m = (c["party_key"] == pk).to_numpy() & np.isnan(c["poll_share"].to_numpy(float))
            # The poll replaces the swing predicted from older signal elections.
            # On the list scale the relation's β applies, as to the list share itself.
            scale = np.where((c["basis"] == "list").to_numpy(), beta, 1.0)
            mu[m] += scale[m] * (shift - c["swing_shift"].to_numpy(float)[m])
            c.loc[m, "poll_share"] = float(row["share"])
    return mu, sd
