"""Regression design: a candidate's share on the endorsement with controls (METHODS.md §3).

The design most published evaluations of tactical-voting endorsements use (for Smart
Voting, e.g. Turchenko & Golosov 2021, "Smart enough to make a difference?", Post-Soviet
Affairs 37:65; for the method, least squares with cluster-robust errors, Cameron & Miller
2015, J. Human Resources 50:317)::

    share_i = α + t·endorsed_i·C_race + γ·prev_share_i + γ_p·prev_share_i·same_person_i
              + θ·same_person_i + δ·incumbent_i + party fixed effects + ε_i

over the challengers (every non-regime candidate) paired with the previous election
(:func:`smartvote.assess.designs.pair_previous`: the same person in the same district,
else their party's candidate there). Where party-list votes exist in both elections,
the party's list share now (``list_share``) and the candidate-minus-list gap then
(``prev_diff``) are added: the party's current strength and the visible personal vote.
``prev_share`` controls for selection on strength as far as strength is visible in the
previous result; ``same_person`` lets a personal vote
carry over more than a party's; the party fixed effects make the comparison within
parties. Intervals: cluster-robust by race (statsmodels ``cov_type="cluster"``, t with
G − 1 degrees of freedom).

The endorsement's term. Under the transfer model (a share ``t`` of every other
challenger's voters moves to the endorsed candidate; the regime candidate unchanged) the
comparators keep ``(1 − t)`` of their share, and so does the model fitted to them, while
an endorsed candidate gets ``s₀ + t·O₀``: the gap to the model is ``t·(s₀ + O₀) = t·C``,
where ``C`` is the race's challengers' total share (1 − the regime's, unchanged by the
transfer). The regressor is therefore ``endorsed × C`` and its coefficient is ``t``
itself, the same in every race (a plain ``endorsed`` dummy would estimate an average of
``t·C`` weighted towards the races where the endorsed candidate looks like the
comparators, and understates). The gain is ``k·Ō`` with ``k = t/(1 − t)`` (``Ō``: the
other challengers' observed share in endorsed races); its interval maps the t interval
through ``k``. ``contrast_pp`` is ``t·C̄``, the gap between endorsed and comparable
challengers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartvote.assess.designs import (
    ASSUMPTIONS,
    METHOD,
    MIN_COMPARATORS,
    MIN_ENDORSED,
    N_BOOT,
    DesignResult,
    _naive,
    _not_run,
    others_share,
    pair_previous,
    pairing_counts,
)

#: Share of the paired challengers that must have list benchmarks in both elections for
#: the list controls to be used (others would be dropped from the regression).
MIN_LIST_COVERAGE = 0.9


def design_matrix(f: pd.DataFrame, lists: bool = False) -> pd.DataFrame:
    """Regressors of the paired challengers ``f``: constant, endorsed, controls and party
    dummies (independents as one more party); constant columns other than the intercept
    are dropped, so a campaign where nobody stood twice simply has no person terms."""
    x = pd.DataFrame(
        {
            "const": 1.0,
            # The endorsement's term: endorsed × the race's challengers' total share C
            # (its coefficient is the transfer share t, module docstring).
            "endorsed": (f["endorsed"].astype(float) * f["challengers_share"]).to_numpy(),
            "prev_share": f["prev_share"].astype(float).to_numpy(),
            "prev_share_sq": (f["prev_share"].astype(float) ** 2).to_numpy(),
            "prev_share_x_person": (f["prev_share"] * f["same_person"]).astype(float).to_numpy(),
            "same_person": f["same_person"].astype(float).to_numpy(),
            "incumbent": f["incumbent"].astype(float).to_numpy(),
        },
        index=f.index,
    )
    if lists:
        # The party's list share now and the candidate's (or party's) gap to it then.
        x["list_share"] = f["list_share"].astype(float).to_numpy()
        x["prev_diff"] = f["prev_diff"].astype(float).to_numpy()
    party = f["party_key"].where(f["party_key"] != "", "(independent)")
    dummies = pd.get_dummies(party, prefix="party", drop_first=True, dtype=float)
    x = pd.concat([x, dummies], axis=1)
    keep = [c for c in x.columns if c in ("const", "endorsed") or x[c].std() > 0]
    x = x[keep]
    # Drop columns that add no rank (e.g. a party whose every candidate stood again).
    cols: list[str] = []
    for c in x.columns:
        trial = [*cols, c]
        if np.linalg.matrix_rank(x[trial].to_numpy()) == len(trial):
            cols.append(c)
    return x[cols]


def regression(
    cur: pd.DataFrame, base: pd.DataFrame | None, rng_seed: int = 0, n_boot: int = N_BOOT
) -> DesignResult:
    """Regression design (module docstring). ``cur``/``base``: candidate tables."""
    import statsmodels.api as sm
    from scipy import stats

    design = "regression"
    if base is None or not len(base):
        return _not_run(design, "no previous election given (--baseline)")
    f, how = pair_previous(cur, base)
    pairs = pairing_counts(f)
    ch = f[~f["regime"]]
    naive_f = ch.assign(y=ch["share"] - ch["prev_share"])
    naive = _naive(naive_f[naive_f["y"].notna()], "y")
    c_r = ch.groupby("race")["share"].sum()
    ch = ch.assign(challengers_share=ch["race"].map(c_r).astype(float))
    s = ch[ch["prev_share"].notna()].reset_index(drop=True)
    # With party-list votes in both elections (for nearly every paired challenger), the
    # party's list share now and the previous candidate-minus-list gap are controls too.
    have = s["list_share"].notna() & s["prev_diff"].notna()
    lists = bool(len(s)) and bool(have.mean() >= MIN_LIST_COVERAGE)
    if lists:
        s = s[have].reset_index(drop=True)
        how += "; controls include the party-list share now and the candidate-minus-list gap then"
    n_e, n_c = int(s["endorsed"].sum()), int((~s["endorsed"]).sum())
    if n_e < MIN_ENDORSED or n_c < MIN_COMPARATORS:
        return _not_run(
            design,
            f"too few challengers paired with the previous election: {n_e} endorsed and {n_c} "
            f"others (need {MIN_ENDORSED} and {MIN_COMPARATORS}; {how})",
            naive=naive,
            pairing=how,
            pairs=pairs,
        )
    x = design_matrix(s, lists)
    groups = pd.factorize(s["race"])[0]
    n_groups = int(groups.max()) + 1
    if x.shape[1] >= len(s) or n_groups < 3:
        return _not_run(
            design,
            f"too few observations for the regressors: {len(s)} candidates in {n_groups} races, "
            f"{x.shape[1]} regressors",
            naive=naive,
            pairing=how,
            pairs=pairs,
        )
    fit = sm.OLS(s["share"].astype(float).to_numpy(), x.to_numpy()).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    j = list(x.columns).index("endorsed")
    tau = float(fit.params[j])
    se = float(fit.bse[j])
    if not (np.isfinite(tau) and np.isfinite(se)) or tau >= 1.0:
        return _not_run(design, "the regression could not be estimated (singular design)")
    df = max(n_groups - 1, 1)
    endo = s["endorsed"].to_numpy()
    o_bar = float(s.loc[endo, "race"].map(others_share(cur)).fillna(0.0).mean())
    c_bar = float(s.loc[endo, "challengers_share"].mean())
    q = float(stats.t.ppf(0.975, df))

    def k_of(t: np.ndarray) -> np.ndarray:
        tt: np.ndarray = np.minimum(np.asarray(t, dtype=float), 0.99)
        return tt / (1.0 - tt)

    rng = np.random.default_rng(rng_seed)
    k_draws = k_of(tau + se * rng.standard_t(df, size=n_boot))
    k_lo, k_hat, k_hi = k_of(np.array([tau - q * se, tau, tau + q * se]))
    return DesignResult(
        design=design,
        method=METHOD[design],
        ran=True,
        estimate_pp=100 * float(k_hat) * o_bar,
        ci_low_pp=100 * float(k_lo) * o_bar,
        ci_high_pp=100 * float(k_hi) * o_bar,
        contrast_pp=100 * tau * c_bar,
        assumptions=ASSUMPTIONS[design],
        n=n_e,
        n_comparators=n_c,
        pairing=how,
        pairs=pairs,
        naive_contrast_pp=naive,
        k_draws=k_draws,
        k=float(k_hat),
    )
