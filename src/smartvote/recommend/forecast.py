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
  elections with lists; otherwise a stated prior (``params.PRIOR_CARRY``).
* Polls (optional) are pooled by date and combined with the history forecast by precision
  weighting on the log scale (:mod:`smartvote.recommend.polls`).

Uncertainty, calibrated on history rather than guessed (Gelman & King 1994, "A unified
method of evaluating electoral systems and redistricting plans", AJPS 38:514, for the
national-swing-plus-local-error structure):

* ``swing_p ~ N(0, σ_swing²)``: one draw per party and simulation, shared by every race (the
  correlated national error). ``σ_swing`` and the local list drift ``σ_drift`` are estimated
  from consecutive list elections in the history, aggregated over the *same* target areas
  (predicting the later from the earlier: the between-party spread of the mean log change,
  and the spread of the race-level residual change). With fewer than two list elections
  the priors ``params.PRIOR_SWING`` and ``PRIOR_DRIFT`` are used and reported as not
  calibrated.
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

from smartvote.recommend.evidence import (
    list_evidence,
    party_elsewhere,
    person_evidence,
    race_evidence,
)
from smartvote.recommend.history import NON_CANDIDATE_KINDS, HistElection, Targets, aggregate
from smartvote.recommend.params import (
    CALIBRATION_MIN_PARTIES,
    CALIBRATION_MIN_ROWS,
    CALIBRATION_MIN_SHARE,
    FLOOR,
    LOG_PRIOR_SHARE_INDEP,
    MIN_CARRY_ROWS,
    MIN_INDEP_ROWS_MEAN,
    MIN_INDEP_ROWS_SD,
    MIN_RELATION_RACES,
    MIN_RELATION_ROWS,
    POLL_HOUSE_SD,
    PRIOR_CARRY,
    PRIOR_DRIFT,
    PRIOR_SIGMA_INDEP,
    PRIOR_SIGMA_MODEL,
    PRIOR_SWING,
)
from smartvote.recommend.polls import PollFit, combine_polls, lists_by, national_poll_shift
from smartvote.recommend.swing import apply_nominations, fit_swing, load_nominations, local_shift

__all__ = [
    "Forecast",
    "Relation",
    "Uncertainty",
    "build_forecast",
    "calibrate_swing",
    "fit_relation",
]


def _log(x: np.ndarray | pd.Series) -> np.ndarray:
    return np.log(np.maximum(np.asarray(x, dtype="float64"), FLOOR))


@dataclass(frozen=True, slots=True)
class Relation:
    """Single-member share as a function of the party's list share (log scale)."""

    alpha: float = 0.0
    beta: float = 1.0
    regime: float = 0.0
    incumbent: float = 0.0
    alpha0: float = LOG_PRIOR_SHARE_INDEP
    sigma_model: float = PRIOR_SIGMA_MODEL
    sigma_indep: float = PRIOR_SIGMA_INDEP
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
    smd = r[~r["kind"].isin(list(NON_CANDIDATE_KINDS))]
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
    alpha0 = float(nol["y"].mean()) if len(nol) >= MIN_INDEP_ROWS_MEAN else LOG_PRIOR_SHARE_INDEP
    sigma_indep = (
        float(nol["y"].std(ddof=1)) if len(nol) >= MIN_INDEP_ROWS_SD else PRIOR_SIGMA_INDEP
    )
    races = lst["race"] + "\x1f" + lst["election"]
    if lst["race"].nunique() < MIN_RELATION_RACES or len(lst) < MIN_RELATION_ROWS:
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
    if m.sum() < MIN_CARRY_ROWS:
        return PRIOR_CARRY, False
    x, y = prev[m].to_numpy(), r.loc[m, "resid"].to_numpy()
    rho = float(np.clip((x @ y) / max(x @ x, 1e-9), 0.0, 1.0))
    return rho, True


def calibrate_swing(history: list[HistElection], targets: Targets) -> Uncertainty:
    """National swing and local drift from consecutive list elections over ``targets``
    (without two list elections: from consecutive candidate-race elections, by party).

    Every consecutive pair of list elections that reaches the target areas contributes
    (e.g. 2007 → 2011 and 2011 → 2016), pooled: ``σ_swing`` is the spread of the parties'
    mean log change (centred within each pair, ``ddof`` = one per pair), ``σ_drift`` the
    root mean square of the area-level change around its party's mean. One pair alone is a
    handful of party swings; pooling pairs halves the sampling error of both spreads.
    """
    kind = "list"
    lists = [h for h in history if "list" in h.kinds]
    if len(lists) < 2:
        # No two list elections: consecutive candidate-race elections (first-past-the-post
        # systems) measure the same thing through the parties' shares in the races.
        kind = "candidate"
        lists = [h for h in history if h.kinds - NON_CANDIDATE_KINDS]
    if len(lists) < 2:
        return Uncertainty()
    shares = {}
    for h in lists:
        a = aggregate(h, targets, kinds=(kind,))
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
        both = both[(both["s1"] >= CALIBRATION_MIN_SHARE) & (both["s2"] >= CALIBRATION_MIN_SHARE)]
        n_parties = both.index.get_level_values("party_key").nunique()
        if n_parties < CALIBRATION_MIN_PARTIES or len(both) < CALIBRATION_MIN_ROWS:
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


def _informed(c: pd.DataFrame) -> pd.Series:
    """A candidate is informed when history or a poll says something about them here."""
    return (c["basis"] != "prior") | c["polled"]


def _district_of(race: pd.Series) -> pd.Series:
    """District number in a ``…/smd/<n>`` race id ('' when there is none)."""
    return race.astype(str).str.extract(r"/smd/([^/]+)$", expand=False).fillna("")


def _party_from_history(c: pd.DataFrame, train: pd.DataFrame) -> None:
    """A candidate without a party in the file: the party of their latest earlier race.

    A party nominates at most one candidate per race, so an inferred party is dropped when
    the file gives it to another candidate of the race; when two inferences collide, the
    one whose earlier race had this race's id or district number wins, else the one with
    the higher earlier share for the party (its likelier nominee). (Rule added after the
    Moscow 2021 backtest, where two 2016 KPRF candidates stood in district 196.)
    """
    c["party_source"] = np.where(c["party_key"] != "", "candidates", "")
    if train.empty:
        return
    known = train[train["party_key"] != ""].sort_values("year")
    last = known.groupby("name_key").agg(
        party_key=("party_key", "last"), race=("race", "last"), share=("share", "last")
    )
    fill = (c["party_key"] == "") & ~c["regime"] & c["name_key"].isin(last.index)
    if not fill.any():
        return
    inferred = c.loc[fill, "name_key"].map(last["party_key"])
    prev_race = c.loc[fill, "name_key"].map(last["race"])
    target_d = c.loc[fill, "district"].where(
        c.loc[fill, "district"] != "", _district_of(c.loc[fill, "race"])
    )
    here = (prev_race == c.loc[fill, "race"]) | (
        (target_d != "") & (_district_of(prev_race) == target_d)
    )
    given = set(zip(c.loc[~fill, "race"], c.loc[~fill, "party_key"], strict=True))
    clash_file = pd.Series(
        [(r, p) in given for r, p in zip(c.loc[fill, "race"], inferred, strict=True)],
        index=inferred.index,
    )
    key = c.loc[fill, "race"] + "\x1f" + inferred
    # Rank of each inference within its (race, party): earlier race here first, then share.
    rank = pd.DataFrame(
        {"key": key, "here": here, "share": c.loc[fill, "name_key"].map(last["share"])}
    )
    rank = rank.sort_values(["key", "here", "share"], ascending=[True, False, False])
    first = ~rank["key"].duplicated()
    keep = ~clash_file & first.reindex(key.index)
    idx = inferred.index[keep.to_numpy()]
    c.loc[idx, "party_key"] = inferred[keep]
    c.loc[idx, "party_source"] = "earlier race"


def _regime_from_history(c: pd.DataFrame, history: list[HistElection]) -> None:
    """No regime flag in the candidates file: the regime party of the history lists."""
    parties = {
        str(p)
        for h in history
        for p in h.results.loc[
            (h.results["kind"] == "list") & h.results["regime"], "party_key"
        ].unique()
        if p
    }
    if not c["regime"].any() and parties:
        c["regime"] = c["party_key"].isin(parties)


def _personal_vote(c: pd.DataFrame, train: pd.DataFrame) -> None:
    """π_c: the relation's residual of the candidate in their own earlier race."""
    c["personal"] = 0.0
    c["personal_known"] = False
    if train.empty or "resid" not in train.columns:
        return
    r = train.dropna(subset=["resid"]).drop_duplicates(["election", "race", "name_key"])
    r = r.set_index(["election", "race", "name_key"])["resid"]
    key = pd.MultiIndex.from_arrays([c["own_election"], c["own_race"], c["name_key"]])
    pers = pd.Series(r.reindex(key).to_numpy(), index=c.index)
    c["personal_known"] = pers.notna()
    c["personal"] = pers.fillna(0.0)


def _history_mean(
    c: pd.DataFrame, rel: Relation, unc: Uncertainty
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and local sd of each log share from history, with its ``basis``.

    Precedence: the party's list share here (with the relation and the personal vote);
    else the candidate's own earlier share here; else their personal vote from another
    race on the list-less intercept (their raw share there when π is unknown); else the party's earlier share in a race
    reaching this one (both hold the regime's and the candidate's pull: used as is, β = 1);
    else the party's mean share where it stood (national evidence, wide error); else the
    prior of candidates with no earlier result (``basis = "prior"``: never endorsed).
    """
    has_list = c["list_share"].notna().to_numpy(bool)
    has_own = c["own_share"].notna().to_numpy(bool) & ~has_list
    here = c["own_here"].to_numpy(bool)
    own = has_own & here
    # A person's share in another race reflects that race's voters: only their personal
    # vote (π, when known) travels, on top of the list-less intercept.
    pers_known = c["personal_known"].to_numpy(bool)
    elsewhere = has_own & ~here
    by_smd = c["smd_share"].notna().to_numpy(bool) & ~has_list & ~own & ~elsewhere
    by_mean = c["party_mean"].notna().to_numpy(bool) & ~has_list & ~has_own & ~by_smd
    reg = c["regime"].to_numpy(float)
    pers = rel.carry * c["personal"].to_numpy(float)
    mu = np.where(
        has_list,
        rel.alpha
        + rel.beta * (_log(c["list_share"].fillna(FLOOR)) + c["swing_shift"].to_numpy(float))
        + rel.regime * reg
        + pers,
        rel.alpha0 + rel.regime * reg,
    )
    mu = mu + rel.incumbent * c["incumbent"].to_numpy(float)
    mu = np.where(own, _log(c["own_share"].fillna(FLOOR)), mu)
    mu = np.where(
        elsewhere,
        np.where(
            pers_known, rel.alpha0 + rel.regime * reg + pers, _log(c["own_share"].fillna(FLOOR))
        ),
        mu,
    )
    mu = np.where(by_smd, _log(c["smd_share"].fillna(FLOOR)), mu)
    mu = np.where(by_mean, _log(c["party_mean"].fillna(FLOOR)), mu)
    c["basis"] = np.select(
        [has_list, own, elsewhere, by_smd, by_mean],
        ["list", "own", "own_elsewhere", "smd", "party_mean"],
        "prior",
    )
    local = np.sqrt(rel.sigma_model**2 + (rel.beta * unc.sigma_drift) ** 2)
    sd = np.where(has_list | own | by_smd, local, rel.sigma_indep)
    return mu, sd


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
    rel = relation if relation is not None else rel
    dist = {str(r): str(d) for r, d in zip(cands["race"], cands["district"], strict=True) if d}
    targets = Targets.make(cands["race"].unique().tolist(), stations=stations, districts=dist)
    unc = uncertainty if uncertainty is not None else calibrate_swing(history, targets)
    c = cands.copy().reset_index(drop=True)
    if party_from_history:
        _party_from_history(c, train)
    else:
        c["party_source"] = np.where(c["party_key"] != "", "candidates", "")
    _regime_from_history(c, history)
    used: dict[str, dict[str, Any]] = {r: {"history": []} for r in targets.races["race"]}
    list_evidence(c, history, targets, join, used)
    swing_model = fit_swing(history) if use_signal else None
    c["swing_shift"] = 0.0
    if swing_model is not None and swing_model.learned:
        c["swing_shift"] = local_shift(
            swing_model, history, targets, c, c["list_source"].astype(object), join=join
        )
    race_evidence(c, history, targets, join, used)
    person_evidence(c, train)
    party_elsewhere(c, train)
    _personal_vote(c, train)
    # Incumbency: given in the candidates file, else the winner of their own earlier race.
    if not bool(c["incumbent_known"].any()):
        c["incumbent"] = c["own_won"].astype(bool)
    mu, sd_local = _history_mean(c, rel, unc)
    informed_hist = (c["basis"] != "prior").to_numpy()
    # Swing groups: a party with history evidence swings together in every race.
    c["swing_group"] = np.where(informed_hist & (c["party_key"] != ""), c["party_key"], "")
    c.loc[informed_hist & (c["party_key"] == "") & c["regime"], "swing_group"] = "\x00regime"
    c["poll_share"] = np.nan
    c["poll_weight"] = np.nan
    c["poll_swing"] = 0.0
    c["polled"] = False
    c["poll_dates"] = pd.Series([[] for _ in range(len(c))], index=c.index, dtype=object)
    poll_fit = PollFit()
    if polls is not None and len(polls):
        mu, sd_local, poll_fit = combine_polls(c, polls, mu, sd_local)
        lists = [h for h in history if "list" in h.kinds]
        if lists:
            mu = national_poll_shift(c, polls, mu, _national_shares(lists[-1]), rel.beta)
    c["mu"] = mu
    c["sd_local"] = sd_local
    c["informed"] = _informed(c)
    c["swing_beta"] = np.where(
        c["swing_group"] != "", np.where(c["basis"] == "list", rel.beta, 1.0), 0.0
    )
    if swing_model is not None and swing_model.learned and unc.sigma_swing > 0:
        # Parties with a signal: the unexplained part of their swing is σ_u, not σ_swing.
        sig = c["party_key"].isin(list(swing_model.national_shift)) & (c["basis"] == "list")
        ratio = min(swing_model.sigma_u / unc.sigma_swing, 1.0)
        c.loc[sig, "swing_beta"] = c.loc[sig, "swing_beta"] * ratio
    if unc.sigma_swing > 0:
        # A polled party's shared error is the polls' systematic error, not the swing.
        pol = c["polled"].to_numpy(bool) & (c["swing_group"] != "").to_numpy()
        c.loc[pol, "swing_beta"] = POLL_HOUSE_SD / unc.sigma_swing
    _describe_use(c, used, rel, swing_model, poll_fit)
    return Forecast(c, rel, unc, used)


def _describe_use(
    c: pd.DataFrame,
    used: dict[str, dict[str, Any]],
    rel: Relation,
    swing_model: Any,
    poll_fit: PollFit,
) -> None:
    """Per race: polls and their dates, informed candidates, relation, swing."""
    swing = (
        swing_model.to_dict()
        if swing_model is not None
        else {"learned": False, "reason": "signal elections not used"}
    )
    relation = (
        "learned"
        if rel.learned
        else "default (no election with both list and single-member results)"
    )
    polled = c[c["polled"]]
    ex = polled[["race", "poll_dates"]].explode("poll_dates").dropna()
    pol = lists_by(ex["race"], ex["poll_dates"])
    n_pol = polled.groupby("race").size()
    inf = c.groupby("race")["informed"].sum()
    pf = poll_fit.to_dict()
    for r, u in used.items():
        u["polls"] = (
            {"candidates": int(n_pol.get(r, 0)), "dates": pol.get(r, [])} if r in pol else None
        )
        u["informed_candidates"] = int(inf.get(r, 0))
        u["relation"] = relation
        u["swing"] = swing
        if r in pol:
            u["polls_model"] = pf
