"""Effect of an endorsement on its candidates' share: three contrast designs (METHODS.md
§3); the fourth, the regression with controls, is :mod:`smartvote.assess.regression`.

Each design gives every candidate an outcome ``y`` (a share difference, in fractions)
and compares endorsed candidates with *non-endorsed candidates of the same parties in
other races* (party by party, then averaged over endorsed races):

* **split-ticket differential**: ``y`` = the candidate's single-member share minus their
  party's list share in the same stations (Moser & Scheiner 2005, "Strategic ticket
  splitting and the personal vote in mixed-member electoral systems", LSQ 30:259; for
  Smart Voting: Turchenko & Golosov 2021, "Smart enough to make a difference?",
  Post-Soviet Affairs 37:65).
* **swing**: ``y`` = the candidate's share minus the share of the same person in the same
  district at the previous election where they stood again, else of their party's
  candidate there (pairing decided candidate by candidate, :func:`pair_previous`).
* **difference in differences**: ``y`` = the split-ticket differential now minus the same
  person's (or party's) differential at the previous election: it removes both the
  personal vote that selection on strength brings in (a fault of the split-ticket design)
  and the party's own change of fortune (a fault of the swing).

Tactical voting moves votes *from* the other challengers *to* the endorsed one, so the
non-endorsed comparators (who stand in endorsed races too) lose votes themselves and the
raw contrast ``τ`` overstates the gain. Under the transfer model (a common share ``t`` of
every other challenger's voters moves to the endorsed candidate: the model of
``smartvote.simulate``) the contrast equals ``t·(Ō + s̄)`` while the gain is ``t·Ō``,
where ``Ō`` is the mean total share of the other challengers in endorsed races and
``s̄`` the mean share of the comparators (both observed shares: the ``1 − t`` scaling
cancels). The reported effect is therefore ``τ · Ō / (Ō + s̄)``; the raw contrast is
kept as ``contrast_pp``. ``k = t/(1 − t)`` = effect / Ō gives each race's gain as
``k × O_race``.

Confidence intervals: percentile bootstrap over races (each race a cluster, resampled
with its candidates; Cameron & Miller 2015, J. Human Resources 50:317), vectorised as a
matrix of race multiplicities.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

#: Fewest endorsed candidates, and comparators, for a design to report an estimate.
MIN_ENDORSED = 3
MIN_COMPARATORS = 3
N_BOOT = 2000

#: Order of preference for the headline (docs/4-assess.md, decided on the simulators:
#: :mod:`smartvote.assess.calibration`): the regression is the design with the smallest
#: error wherever the campaign picks on what earlier results show.
DESIGNS = ("regression", "did", "swing", "split_ticket")

METHOD = {
    "split_ticket": "split-ticket differential (SMD share − party list share, same stations), endorsed vs non-endorsed of the same parties",
    "swing": "swing vs the previous election in the same district, endorsed vs non-endorsed of the same parties",
    "did": "difference in differences (split-ticket differential now − at the previous election), endorsed vs non-endorsed of the same parties",
    "regression": "regression of the share on the endorsement, previous share of the same person or party in the district, incumbency and party fixed effects (cluster-robust by race)",
}

_COMMON = (
    "comparators: non-endorsed candidates of the endorsed candidates' parties in other races",
    "transfer model: the endorsement moves a common share of the other challengers' voters to "
    "the endorsed candidate; the comparators' own loss is corrected by Ō/(Ō+s̄)",
    "races are independent clusters (bootstrap over races)",
)
ASSUMPTIONS: dict[str, tuple[str, ...]] = {
    "split_ticket": (
        "without the endorsement, endorsed candidates would have run as far ahead of (or behind) "
        "their party list as non-endorsed candidates of the same party do",
        "the campaign picks the strongest challenger, so a personal vote of the endorsed "
        "candidates is counted as effect: this design overstates the effect when selection "
        "is on personal strength",
        *_COMMON,
    ),
    "swing": (
        "without the endorsement, endorsed candidates' (or parties') shares would have changed "
        "since the previous election as much as those of non-endorsed candidates of the same party",
        "district boundaries are unchanged, matched by district number",
        "selection on strength biases it: down when the campaign picks on last time's share "
        "(regression to the mean), up when on this year's strength",
        *_COMMON,
    ),
    "did": (
        "parallel trends: without the endorsement, the gap between a candidate's share and "
        "their party's list share would have changed as it did for non-endorsed candidates of the same party",
        "district boundaries are unchanged, matched by district number",
        *_COMMON,
    ),
    "regression": (
        "selection on observables: given the previous share of the same person (or party) in the "
        "district, incumbency and party, endorsed candidates would have done as well as the others",
        "the share is quadratic in the previous share (slope allowed to differ when the same person stood again)",
        "district boundaries are unchanged, matched by district number (else by race id)",
        "transfer model: the endorsement moves a common share t of the other challengers' voters to "
        "the endorsed candidate; t is the coefficient of endorsed × the race's challengers' share",
        "races are independent clusters (cluster-robust errors by race)",
    ),
}


@dataclass(frozen=True, slots=True)
class DesignResult:
    """One design's estimate of the endorsement effect, in percentage points."""

    design: str
    method: str
    ran: bool
    reason: str = ""
    estimate_pp: float | None = None
    ci_low_pp: float | None = None
    ci_high_pp: float | None = None
    contrast_pp: float | None = None
    assumptions: tuple[str, ...] = ()
    n: int = 0
    n_comparators: int = 0
    pairing: str = ""
    #: Candidates by pairing with the previous election: {endorsed|others: {kind: n}}.
    pairs: dict[str, dict[str, int]] = field(default_factory=dict, compare=False)
    #: Naive raw contrast: endorsed minus *every* other challenger with the outcome (no
    #: party matching, no transfer correction): the baseline that selection biases.
    naive_contrast_pp: float | None = None
    #: The same design on the candidates paired with themselves only (swing, did): free of
    #: a new candidate's personal vote, on fewer candidates (a robustness check).
    person_only: dict[str, Any] = field(default_factory=dict, compare=False)
    #: Bootstrap draws of k = t/(1−t) (per-race gain = k × other challengers' share).
    k_draws: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    k: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "method": self.method,
            "ran": self.ran,
            "reason": self.reason,
            "estimate_pp": self.estimate_pp,
            "ci_low_pp": self.ci_low_pp,
            "ci_high_pp": self.ci_high_pp,
            "contrast_pp": self.contrast_pp,
            "assumptions": list(self.assumptions),
            "n": self.n,
            "n_comparators": self.n_comparators,
            "pairing": self.pairing,
            "pairs": self.pairs,
            "naive_contrast_pp": self.naive_contrast_pp,
            "person_only": self.person_only,
        }


def _not_run(
    design: str,
    reason: str,
    naive: float | None = None,
    pairing: str = "",
    pairs: dict[str, dict[str, int]] | None = None,
) -> DesignResult:
    return DesignResult(
        design=design,
        method=METHOD[design],
        ran=False,
        reason=reason,
        assumptions=ASSUMPTIONS[design],
        pairing=pairing,
        pairs=pairs or {},
        naive_contrast_pp=naive,
    )


def _naive(f: pd.DataFrame, y: str) -> float | None:
    """Endorsed mean of ``y`` minus every other challenger's mean, in points (or None)."""
    e = f.loc[f["endorsed"], y].astype(float)
    o = f.loc[~f["endorsed"], y].astype(float)
    return float(100 * (e.mean() - o.mean())) if len(e) and len(o) else None


def others_share(cur: pd.DataFrame) -> pd.Series:
    """Per race with an endorsed candidate: total share of the other non-regime candidates."""
    endorsed_races = set(cur.loc[cur["endorsed"], "race"])
    o = cur[~cur["endorsed"] & ~cur["regime"] & cur["race"].isin(endorsed_races)]
    return o.groupby("race")["share"].sum().reindex(sorted(endorsed_races)).fillna(0.0)


def contrast(
    frame: pd.DataFrame,
    y: str,
    design: str,
    rng_seed: int = 0,
    n_boot: int = N_BOOT,
    pairing: str = "",
    pairs: dict[str, dict[str, int]] | None = None,
) -> DesignResult:
    """Transfer-corrected contrast of ``y`` between endorsed and same-party comparators.

    ``frame`` holds the current election's candidates (race, party_key, regime,
    endorsed, share) with outcome column ``y`` (NaN where unavailable). See the module
    docstring for the estimator; the bootstrap resamples races.
    """
    allc = frame[~frame["regime"]]
    allc = allc[np.isfinite(allc[y].astype(float))]
    naive = _naive(allc, y)
    f = allc[allc["party_key"] != ""]
    comp = f[~f["endorsed"]]
    endo = f[f["endorsed"]]
    parties = sorted(set(endo["party_key"]) & set(comp["party_key"]))
    endo = endo[endo["party_key"].isin(parties)]
    comp = comp[comp["party_key"].isin(parties)]
    if not len(endo) or len(endo) < MIN_ENDORSED or len(comp) < MIN_COMPARATORS:
        n_e = int(frame.loc[~frame["regime"], "endorsed"].sum())
        n_e_y = int(allc["endorsed"].sum())
        n_e_p = int((allc["endorsed"] & (allc["party_key"] != "")).sum())
        n_unknown = int((~frame["regime"] & (frame["party_key"] == "")).sum())
        why = (
            f"too few to compare: {len(endo)} endorsed and {len(comp)} same-party comparators "
            f"with this outcome (need {MIN_ENDORSED} and {MIN_COMPARATORS}); of {n_e} endorsed, "
            f"{n_e_y} have the outcome and {n_e_p} of those a known party; "
            f"{n_unknown} challengers have no known party"
        )
        return _not_run(design, why, naive=naive, pairing=pairing, pairs=pairs)
    o_r = others_share(frame)
    races = sorted(set(endo["race"]) | set(comp["race"]))
    ri = {r: i for i, r in enumerate(races)}
    pi = {p: i for i, p in enumerate(parties)}
    R, P = len(races), len(parties)
    S = np.zeros((R, P))
    N = np.zeros((R, P))
    SH = np.zeros((R, P))
    cr = comp["race"].map(ri).to_numpy()
    cp = comp["party_key"].map(pi).to_numpy()
    np.add.at(S, (cr, cp), comp[y].to_numpy(dtype=float))
    np.add.at(N, (cr, cp), 1.0)
    np.add.at(SH, (cr, cp), comp["share"].to_numpy(dtype=float))
    ev = np.zeros(R, dtype=bool)
    ey = np.zeros(R)
    ep = np.zeros(R, dtype=int)
    eo = np.zeros(R)
    er = endo["race"].map(ri).to_numpy()
    ev[er] = True
    ey[er] = endo[y].to_numpy(dtype=float)
    ep[er] = endo["party_key"].map(pi).to_numpy()
    eo[er] = endo["race"].map(o_r).fillna(0.0).to_numpy()
    rng = np.random.default_rng(rng_seed)
    M = np.vstack([np.ones((1, R)), rng.multinomial(R, np.full(R, 1.0 / R), size=n_boot)])
    with np.errstate(invalid="ignore", divide="ignore"):
        ybar = (M @ S) / (M @ N)  # (B, P) comparator mean outcome per party
        sbar = (M @ SH) / (M @ N)
        yb = ybar[:, ep]  # (B, R)
        sb = sbar[:, ep]
        w = M * ev[None, :] * np.isfinite(yb)
        W = w.sum(axis=1)
        tau = np.nansum(w * (ey[None, :] - yb), axis=1) / W
        obar = (w * eo[None, :]).sum(axis=1) / W
        s_bar = np.nansum(w * sb, axis=1) / W
        factor = np.where(obar + s_bar > 0, obar / (obar + s_bar), 1.0)
        gain = tau * factor
        k = np.where(obar > 0, gain / obar, 0.0)
    ok = np.isfinite(gain)
    boot = gain[1:][ok[1:]]
    lo, hi = np.percentile(boot, [2.5, 97.5]) if len(boot) else (np.nan, np.nan)
    return DesignResult(
        design=design,
        method=METHOD[design],
        ran=True,
        estimate_pp=float(100 * gain[0]),
        ci_low_pp=float(100 * lo),
        ci_high_pp=float(100 * hi),
        contrast_pp=float(100 * tau[0]),
        assumptions=ASSUMPTIONS[design],
        n=len(endo),
        n_comparators=len(comp),
        pairing=pairing,
        pairs=pairs or {},
        naive_contrast_pp=naive,
        k_draws=k[1:][np.isfinite(k[1:])],
        k=float(k[0]),
    )


def split_ticket(cur: pd.DataFrame, rng_seed: int = 0, n_boot: int = N_BOOT) -> DesignResult:
    """Split-ticket differential design (module docstring). ``cur``: candidate table."""
    if not cur["list_share"].notna().any():
        return _not_run(
            "split_ticket",
            "no party-list results for the races' stations or districts (give the list protocol file in --results)",
        )
    f = cur.assign(y=cur["smd_share_m"] - cur["list_share"])
    return contrast(f, "y", "split_ticket", rng_seed, n_boot)


def race_key(frame: pd.DataFrame) -> pd.Series:
    """Key that joins a race to the same race at the previous election: the district
    number where the files give one (boundaries assumed unchanged), else the race id
    (campaigns whose files reuse the race ids of the previous election)."""
    d = frame["district"].astype(str)
    return d.where(d != "", frame["race"].astype(str))


def pair_previous(cur: pd.DataFrame, base: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Attach, candidate by candidate, the previous election's share in the same district.

    Each candidate is paired with **the same person** (normalised name) where they stood
    again in the same district, else with **their party's candidate** there (party keys,
    aliases applied), else left unpaired: ``prev_pair`` is ``candidate``, ``party`` or
    ``none``. Adds ``prev_share``, ``prev_diff`` (split-ticket differential then),
    ``same_person`` and ``incumbent`` (won the district last time and stands again, unless
    the results flag incumbents themselves). The second value is a one-line summary of the
    pairing counts (endorsed and comparators).
    """
    b = base.assign(prev_diff=base["smd_share_m"] - base["list_share"], rkey=race_key(base))
    b = b.sort_values("votes", ascending=False)
    c = cur.assign(rkey=race_key(cur))
    person = b.drop_duplicates(["rkey", "name_key"])[["rkey", "name_key", "share", "prev_diff"]]
    person = person.rename(columns={"share": "p_share", "prev_diff": "p_diff"})
    party = b[b["party_key"] != ""].drop_duplicates(["rkey", "party_key"])[
        ["rkey", "party_key", "share", "prev_diff"]
    ]
    party = party.rename(columns={"share": "q_share", "prev_diff": "q_diff"})
    f = c.merge(person, on=["rkey", "name_key"], how="left").merge(
        party, on=["rkey", "party_key"], how="left"
    )
    f.loc[f["party_key"] == "", ["q_share", "q_diff"]] = np.nan
    by_person = f["p_share"].notna().to_numpy()
    by_party = ~by_person & f["q_share"].notna().to_numpy()
    f["prev_share"] = np.where(by_person, f["p_share"], f["q_share"])
    f["prev_diff"] = np.where(by_person, f["p_diff"], f["q_diff"])
    f["prev_pair"] = np.where(by_person, "candidate", np.where(by_party, "party", "none"))
    f["same_person"] = by_person
    winners = b.drop_duplicates("rkey")[["rkey", "name_key"]].assign(_won=True)
    f = f.merge(winners, on=["rkey", "name_key"], how="left")
    won_before = f["_won"].fillna(False).astype(bool).to_numpy()
    if "incumbent" in f.columns and f["incumbent"].notna().any():
        f["incumbent"] = f["incumbent"].fillna(False).astype(bool)
    else:
        f["incumbent"] = won_before
    f = f.drop(columns=["p_share", "p_diff", "q_share", "q_diff", "_won", "rkey"])
    return f, pairing_summary(f)


def pairing_counts(f: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Non-regime candidates by pairing kind, endorsed and not: {group: {kind: n}}."""
    g = f[~f["regime"]]
    out: dict[str, dict[str, int]] = {}
    for name, sub in (("endorsed", g[g["endorsed"]]), ("others", g[~g["endorsed"]])):
        vc = sub["prev_pair"].value_counts()
        out[name] = {k: int(vc.get(k, 0)) for k in ("candidate", "party", "none")}
    return out


def pairing_summary(f: pd.DataFrame) -> str:
    """One line: how many candidates were paired with themselves, their party, nothing."""
    pc = pairing_counts(f)
    e, o = pc["endorsed"], pc["others"]
    return (
        f"endorsed: {e['candidate']} same person, {e['party']} same party, {e['none']} unpaired; "
        f"other challengers: {o['candidate']} same person, {o['party']} same party, {o['none']} unpaired"
    )


def swing(
    cur: pd.DataFrame, base: pd.DataFrame | None, rng_seed: int = 0, n_boot: int = N_BOOT
) -> DesignResult:
    """Swing design (module docstring). ``base``: candidate table of the previous election."""
    if base is None or not len(base):
        return _not_run("swing", "no previous election given (--baseline)")
    f, how = pair_previous(cur, base)
    if not f["prev_share"].notna().any():
        return _not_run(
            "swing",
            "no candidate of the results has the same person or party in the same district "
            "at the previous election (districts matched by number, else by race id)",
            pairing=how,
            pairs=pairing_counts(f),
        )
    f = f.assign(y=f["share"] - f["prev_share"])
    r = contrast(f, "y", "swing", rng_seed, n_boot, pairing=how, pairs=pairing_counts(f))
    return replace(r, person_only=_person_only(f, "swing", rng_seed, n_boot))


def did(
    cur: pd.DataFrame, base: pd.DataFrame | None, rng_seed: int = 0, n_boot: int = N_BOOT
) -> DesignResult:
    """Difference-in-differences design (module docstring)."""
    if base is None or not len(base):
        return _not_run("did", "no previous election given (--baseline)")
    if not cur["list_share"].notna().any():
        return _not_run("did", "no party-list results for the current election")
    if not base["list_share"].notna().any():
        return _not_run(
            "did",
            "no party-list results for the previous election (give its list protocol file in --baseline)",
        )
    f, how = pair_previous(cur, base)
    if not f["prev_diff"].notna().any():
        return _not_run(
            "did",
            "no candidate of the results has the same person or party, with a list benchmark, "
            "in the same district at the previous election",
            pairing=how,
            pairs=pairing_counts(f),
        )
    f = f.assign(y=(f["smd_share_m"] - f["list_share"]) - f["prev_diff"])
    r = contrast(f, "y", "did", rng_seed, n_boot, pairing=how, pairs=pairing_counts(f))
    return replace(r, person_only=_person_only(f, "did", rng_seed, n_boot))


def _person_only(f: pd.DataFrame, design: str, rng_seed: int, n_boot: int) -> dict[str, Any]:
    """The contrast of ``f["y"]`` on candidates paired with themselves only."""
    g = f.assign(y=f["y"].where(f["same_person"]))
    r = contrast(g, "y", design, rng_seed, n_boot)
    keys = ("ran", "reason", "estimate_pp", "ci_low_pp", "ci_high_pp", "n", "n_comparators")
    return {k: getattr(r, k) for k in keys}


def run_designs(
    cur: pd.DataFrame, base: pd.DataFrame | None, rng_seed: int = 0, n_boot: int = N_BOOT
) -> list[DesignResult]:
    """All four designs, in order of preference (:data:`DESIGNS`)."""
    from smartvote.assess.regression import regression

    return [
        regression(cur, base, rng_seed, n_boot),
        did(cur, base, rng_seed, n_boot),
        swing(cur, base, rng_seed, n_boot),
        split_ticket(cur, rng_seed, n_boot),
    ]


def headline(results: list[DesignResult]) -> DesignResult | None:
    """The first design that ran, in order of preference."""
    return next((r for r in results if r.ran), None)
