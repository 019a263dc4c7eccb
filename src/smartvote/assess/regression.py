"""Regression design: a candidate's share on the endorsement with controls (METHODS.md §3).

The design most published evaluations of tactical-voting endorsements use (for Smart
Voting, e.g. Turchenko & Golosov 2021, "Smart enough to make a difference?", Post-Soviet
Affairs 37:65; for the method, least squares with cluster-robust errors, Cameron & Miller
2015, J. Human Resources 50:317)::

    share_i = α + β·endorsed_i + γ·prev_share_i + γ_p·prev_share_i·same_person_i
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

Transfer correction, as for the other designs: under the transfer model the comparators
lose a share ``t`` of their own votes, so the fitted counterfactual of an endorsed
candidate is ``(1 − t)`` times their share without the campaign and
``β = k·(O + p)`` with ``k = t/(1 − t)``, ``O`` the other challengers' share in the race and
``p`` the model's prediction for the endorsed candidate with ``endorsed = 0``. The gain is
``k·Ō = β·Ō/(Ō + p̄)``; ``β`` is kept as ``contrast_pp``.
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
            "endorsed": f["endorsed"].astype(float).to_numpy(),
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
    beta = float(fit.params[j])
    se = float(fit.bse[j])
    if not (np.isfinite(beta) and np.isfinite(se)):
        return _not_run(design, "the regression could not be estimated (singular design)")
    df = max(n_groups - 1, 1)
    endo = s["endorsed"].to_numpy()
    x0 = x.to_numpy()[endo].copy()
    x0[:, j] = 0.0
    p_bar = float((x0 @ fit.params).mean())
    o_r = others_share(cur)
    o_bar = float(s.loc[endo, "race"].map(o_r).fillna(0.0).mean())
    denom = o_bar + p_bar
    factor = o_bar / denom if denom > 0 else 1.0
    q = float(stats.t.ppf(0.975, df))
    rng = np.random.default_rng(rng_seed)
    beta_draws = beta + se * rng.standard_t(df, size=n_boot)
    k_draws = beta_draws / denom if denom > 0 else np.zeros(n_boot)
    return DesignResult(
        design=design,
        method=METHOD[design],
        ran=True,
        estimate_pp=100 * beta * factor,
        ci_low_pp=100 * (beta - q * se) * factor,
        ci_high_pp=100 * (beta + q * se) * factor,
        contrast_pp=100 * beta,
        assumptions=ASSUMPTIONS[design],
        n=n_e,
        n_comparators=n_c,
        pairing=how,
        pairs=pairs,
        naive_contrast_pp=naive,
        k_draws=k_draws,
        k=beta / denom if denom > 0 else 0.0,
    )
