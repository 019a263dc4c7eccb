"""Designs on simulated campaigns of the kind most campaigns can assess: district totals,
no party-list vote, few candidates standing twice, parties renamed between elections
(:mod:`smartvote.simulate_campaign`, a generative model other than ``smartvote.simulate``).

Coverage is checked over seeds against the nominal 95%: with ``N`` seeds the count of
intervals that cover is Binomial(N, 0.95) if the interval is right; the tests reject when
the count is below what that binomial gives with probability 0.001 (the tolerance comes
from the method's own uncertainty, not from one run).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from smartvote.assess._ledger import candidate_table
from smartvote.assess.assessment import assess
from smartvote.assess.designs import headline, pair_previous, run_designs, swing
from smartvote.assess.regression import regression
from smartvote.simulate_campaign import campaign_input, simulate_campaign

SEEDS = range(16)
NOMINAL = 0.95


def min_covering(n: int, p: float = NOMINAL, alpha: float = 0.001) -> int:
    """Smallest count of covering intervals that a correct interval reaches with
    probability at least 1 − alpha."""
    return int(stats.binom.ppf(alpha, n, p))


@functools.cache
def _tables(seed: int, aliases: bool = True, **kw: Any) -> tuple[Any, Any, float]:
    camp = simulate_campaign(seed=seed, **kw)
    inp = campaign_input(camp, aliases=aliases)
    assert inp.baseline is not None
    return candidate_table(inp.current), candidate_table(inp.baseline), camp.truth["effect_pp"]


SCENARIOS = {
    "no_list_vote": {},
    "few_stand_twice": {"p_again": 0.1},
}


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("tactical_share", [0.0, 0.2])
def test_headline_covers_the_injected_effect_at_the_nominal_rate(
    scenario: str, tactical_share: float
) -> None:
    kw = SCENARIOS[scenario]
    covers, designs = 0, set()
    for seed in SEEDS:
        cur, base, truth = _tables(seed, tactical_share=tactical_share, **kw)
        if tactical_share == 0.0:
            assert truth == 0.0
        else:
            assert truth > 3.0
        h = headline(run_designs(cur, base, rng_seed=seed, n_boot=200))
        assert h is not None
        designs.add(h.design)
        assert h.ci_low_pp is not None and h.ci_high_pp is not None
        covers += h.ci_low_pp <= truth <= h.ci_high_pp
    assert designs == {"regression"}
    assert covers >= min_covering(len(SEEDS)), (covers, len(SEEDS))


@pytest.mark.slow
def test_no_list_vote_runs_swing_and_regression_and_says_why_not_the_others() -> None:
    cur, base, _ = _tables(0, tactical_share=0.2)
    res = {d.design: d for d in run_designs(cur, base, n_boot=200)}
    assert res["regression"].ran and res["swing"].ran
    for name in ("did", "split_ticket"):
        assert not res[name].ran and "party-list" in res[name].reason


@pytest.mark.slow
def test_pairing_is_per_candidate_when_few_stand_twice() -> None:
    """The failure of issue 12: with few candidates standing again, the swing kept only
    them and gave up; now every other candidate is paired with their party's."""
    cur, base, _ = _tables(1, tactical_share=0.2, p_again=0.1)
    f, summary = pair_previous(cur, base)
    ch = f[~f["regime"]]
    e = ch[ch["endorsed"]]["prev_pair"].value_counts()
    assert e.get("candidate", 0) < 10 and e.get("party", 0) > 30
    # Same person wins over the party where both exist.
    assert (ch.loc[ch["same_person"], "prev_pair"] == "candidate").all()
    r = swing(cur, base, n_boot=200)
    assert r.ran and r.n == e.get("candidate", 0) + e.get("party", 0)
    assert r.pairs["endorsed"]["party"] == e.get("party", 0)
    assert "same person" in summary and "same party" in summary


@pytest.mark.parametrize("tactical_share", [0.0, 0.2])
@pytest.mark.slow
def test_renamed_parties_with_aliases_give_the_unrenamed_result(tactical_share: float) -> None:
    """Renaming draws nothing random: with the alias file the renamed campaign is the
    same data as the unrenamed one, so its coverage is that of ``no_list_vote`` above."""
    for seed in (0, 1):
        a, ba, ta = _tables(seed, tactical_share=tactical_share, renamed=True)
        b, bb, tb = _tables(seed, tactical_share=tactical_share)
        assert ta == tb and a["party_key"].nunique() == b["party_key"].nunique()
        ra, rb = regression(a, ba, n_boot=100), regression(b, bb, n_boot=100)
        assert ra.estimate_pp == pytest.approx(rb.estimate_pp)
        assert ra.ci_low_pp == pytest.approx(rb.ci_low_pp)


@pytest.mark.slow
def test_renamed_parties_pair_through_the_alias_table() -> None:
    with_alias, base_a, _ = _tables(2, tactical_share=0.2, renamed=True)
    without, base_n, _ = _tables(2, aliases=False, tactical_share=0.2, renamed=True)
    fa, _ = pair_previous(with_alias, base_a)
    fn, _ = pair_previous(without, base_n)
    n_a = int((fa["prev_pair"] == "party").sum())
    n_n = int((fn["prev_pair"] == "party").sum())
    assert n_a > n_n + 20


@pytest.mark.slow
def test_selection_on_strength_biases_the_naive_comparison() -> None:
    """No effect injected; the campaign picks the challenger strongest last time. The
    naive swing difference (endorsed vs every other challenger) is far from 0 over seeds
    (regression to the mean), the regression's estimate is not."""
    naive, reg = [], []
    for seed in range(8):
        cur, base, _ = _tables(seed, tactical_share=0.0)
        r = regression(cur, base, n_boot=100)
        assert r.naive_contrast_pp is not None and r.estimate_pp is not None
        naive.append(r.naive_contrast_pp)
        reg.append(r.estimate_pp)
    n, g = np.array(naive), np.array(reg)
    se_n = n.std(ddof=1) / np.sqrt(len(n))
    se_g = g.std(ddof=1) / np.sqrt(len(g))
    assert abs(n.mean()) > 3 * se_n
    assert abs(g.mean()) < 3 * se_g + 0.5


@pytest.mark.slow
def test_selection_on_unobservables_is_a_stated_limit() -> None:
    """When the campaign picks on a new candidate's personal vote that no earlier result
    shows, no design can remove it: the regression overstates (docs/4-assess.md)."""
    est = []
    for seed in range(6):
        cur, base, _ = _tables(seed, tactical_share=0.0, select="expected")
        r = regression(cur, base, n_boot=100)
        assert r.estimate_pp is not None
        est.append(r.estimate_pp)
    e = np.array(est)
    assert e.mean() > 4 * e.std(ddof=1) / np.sqrt(len(e))


@pytest.mark.slow
def test_regression_matches_an_independent_cluster_robust_computation() -> None:
    """β and its cluster-robust standard error against the sandwich formula written out
    (Cameron & Miller 2015, eq. 11, with the small-sample factor G/(G−1)·(N−1)/(N−K))."""
    import statsmodels.api as sm

    from smartvote.assess.regression import design_matrix

    cur, base, _ = _tables(3, tactical_share=0.2)
    f, _ = pair_previous(cur, base)
    ch = f[~f["regime"]]
    ch = ch.assign(challengers_share=ch["race"].map(ch.groupby("race")["share"].sum()))
    s = ch[ch["prev_share"].notna()].reset_index(drop=True)
    x = design_matrix(s).to_numpy()
    y = s["share"].to_numpy(dtype=float)
    g = pd.factorize(s["race"])[0]
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    u = y - x @ beta
    bread = np.linalg.inv(x.T @ x)
    meat = sum(np.outer(x[g == c].T @ u[g == c], x[g == c].T @ u[g == c]) for c in np.unique(g))
    n, k, G = len(y), x.shape[1], len(np.unique(g))
    v = bread @ meat @ bread * G / (G - 1) * (n - 1) / (n - k)
    fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": g})
    assert np.allclose(fit.params, beta)
    assert np.allclose(fit.bse, np.sqrt(np.diag(v)))
    r = regression(cur, base, n_boot=100)
    # The endorsement's coefficient is the transfer share t; k = t/(1 − t).
    assert r.k == pytest.approx(beta[1] / (1 - beta[1]))
    c_bar = s.loc[s["endorsed"], "challengers_share"].mean()
    assert r.contrast_pp == pytest.approx(100 * beta[1] * c_bar)


@pytest.mark.slow
def test_every_design_gives_every_race_its_counterfactual_and_totals_have_intervals() -> None:
    camp = simulate_campaign(seed=4, tactical_share=0.2, list_vote=True)
    doc = assess(campaign_input(camp), n_boot=300).to_dict()
    ran = {d["design"] for d in doc["designs"] if d["ran"]}
    assert ran == {"did", "regression", "swing", "split_ticket"}
    assert doc["effect"]["design"] == "regression"
    for r in doc["races"]:
        assert set(r["by_design"]) == ran
        for v in r["by_design"].values():
            assert 0.0 <= v["p_decisive"] <= 1.0
            assert not v["decisive"] or r["won"]
            assert v["expected_share"] == pytest.approx(r["share"] - v["effect_pp"])
    t = doc["totals"]
    assert t["decisive_ci_low"] <= t["decisive"] <= t["decisive_ci_high"]
    assert t["seats_won_without_endorsement"] == t["seats_won_by_endorsed"] - t["decisive"]
    assert set(t["by_design"]) == ran
    for name, v in t["by_design"].items():
        assert v["decisive_ci_low"] <= v["decisive"] <= v["decisive_ci_high"]
        assert v["decisive"] == sum(r["by_design"][name]["decisive"] for r in doc["races"])
        assert v["expected_decisive"] == pytest.approx(
            sum(r["by_design"][name]["p_decisive"] for r in doc["races"])
        )
    assert t["by_design"]["regression"]["decisive"] == t["decisive"]
