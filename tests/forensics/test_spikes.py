"""Spike tests on simulated elections: Rozenas's resampled kernel density (RKD) and the
exact count of coarse fractions. Every statistical assertion is a bound derived from the
method's own uncertainty or from the binomial over seeds, never a window from one run."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import binom
from tests.forensics.conftest import sim_stations

from smartvote.forensics import spikes as sp
from smartvote.forensics._frame import Stations

#: Round percentages a fabricator writes (Rozenas's motivating example: 0.50, 0.60, 0.75).
FRACTIONS = (50, 60, 70, 75, 80)


def write_round(st: Stations, share: float, seed: int) -> tuple[Stations, int]:
    """A known share of stations (ballots found ≥ 100, leader's share within 10 points of
    one of ``FRACTIONS``) rewritten to exactly the nearest of them: the ballots found
    lowered to the nearest multiple that makes it exact (at most 9 fewer), the leader's
    votes set to that percentage of them. Returns the stations and how many."""
    rng = np.random.default_rng(seed)
    F = np.array(FRACTIONS)
    R, W = st.R.copy(), st.W.copy()
    near = np.abs(100 * W[:, None] / R[:, None] - F[None, :])
    cand = np.flatnonzero((R >= 100) & (near.min(axis=1) <= 10))
    pick = rng.choice(cand, round(share * st.n), replace=False)
    k = F[near[pick].argmin(axis=1)]
    q = 100 // np.gcd(k, 100)
    R[pick] -= R[pick] % q
    W[pick] = k * R[pick] // 100
    return replace(st, R=R, W=W), int(pick.size)


def test_mixture_recovers_two_components() -> None:
    rng = np.random.default_rng(0)
    n = rng.integers(200, 2000, 6000)
    p = np.where(rng.random(6000) < 0.3, rng.beta(80, 120, 6000), rng.beta(140, 60, 6000))
    w, m, _ = sp.fit_mixture(rng.binomial(n, p), n, K=2)
    order = np.argsort(m)
    assert np.allclose(m[order], [0.4, 0.7], atol=0.02)
    assert np.allclose(w[order], [0.3, 0.7], atol=0.04)


def test_null_replicates_are_leave_one_out() -> None:
    """:func:`rkd_null` (top-two trick) equals the statistic of each resample against the
    envelope and mean of the others computed one by one."""
    rng = np.random.default_rng(1)
    dens = rng.poisson(3.0, (12, 50)).astype(float)
    share = rng.random((12, 50))
    fast = sp.rkd_null(dens, share)
    slow = [
        sp.rkd_statistic(
            dens[s], share[s], np.delete(dens, s, 0).max(0), np.delete(share, s, 0).mean(0)
        )
        for s in range(12)
    ]
    assert np.allclose(fast, slow)


def _exact_resample(
    x: np.ndarray, n: np.ndarray, r: np.ndarray, m: np.ndarray, phi: np.ndarray, S: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rozenas's resampling drawn the plain way: component, beta share, binomial count."""
    rng = np.random.default_rng(99)
    a, b = m * phi, (1 - m) * phi
    cum = np.cumsum(r, axis=0)
    dens, cnt = [], []
    for _ in range(S):
        k = (rng.random(x.size)[None, :] > cum[:-1]).sum(axis=0)
        p = rng.beta(x + a[k], n - x + b[k])
        d, c, _ = sp.grid_hists(rng.binomial(n, p)[None, :].astype(float), n.astype(float))
        dens.append(d[0])
        cnt.append(c[0])
    return np.array(dens), np.array(cnt)


@pytest.mark.parametrize("threshold", [sp.NORMAL_MIN_VAR, 0.0])
def test_fast_resampling_draws_the_posterior_predictive(
    threshold: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """:func:`rkd_resample` (rounded normal of the mixture's predictive where its variance
    is ≥ 25 under every component, exact elsewhere) gives the same bin counts on Rozenas's
    grid, bin by bin, as drawing component, beta share and binomial count directly: a
    two-sample χ² over the bins, pooled over 100 resamples of 8,000 stations (small
    denominators included). The same test rejects the rounded normal everywhere
    (threshold 0), so it can fail."""
    rng = np.random.default_rng(7)
    n = np.concatenate([rng.integers(3, 40, 3000), rng.integers(40, 3000, 5000)])
    w, m, phi = np.array([0.5, 0.3, 0.2]), np.array([0.45, 0.7, 0.9]), np.array([40.0, 15.0, 60.0])
    k = rng.choice(3, n.size, p=w)
    x = rng.binomial(n, rng.beta(m[k] * phi[k], (1 - m[k]) * phi[k]))
    r = sp.responsibilities(x, n, w, m, phi)
    monkeypatch.setattr(sp, "NORMAL_MIN_VAR", threshold)
    _, fast, _ = sp.rkd_resample(x, n, r, m, phi, 100, np.random.default_rng(3))
    _, exact = _exact_resample(x, n, r, m, phi, 100)
    f, e = fast.sum(axis=0), exact.sum(axis=0)
    live = (f + e) > 0
    chi2 = float((((f - e) ** 2)[live] / (f + e)[live]).sum())
    df = int(live.sum()) - 1
    limit = df + 4 * np.sqrt(2 * df)
    if threshold > 0:
        assert chi2 < limit
    else:
        assert chi2 > limit


@pytest.mark.slow
def test_rkd_clean_elections_raise_false_alarms_at_the_nominal_rate() -> None:
    """40 clean simulated elections (10,000 stations each): the rank p-values are uniform
    (their mean within 3 standard errors of 1/2), the gamma-tail p-value falls below 0.05
    and below 0.001 no more often than the binomial allows at the 0.999 level, and the
    95 % interval of the excess covers 0 at least as often as the binomial's lower
    0.001 bound for 95 %."""
    runs = [
        sp.rozenas(sim_stations(seed=s, stations=10_000)[0], rng_seed=s) for s in range(200, 240)
    ]
    k = len(runs)
    ranks = np.array([r.p_value_resampling for r in runs])
    p = np.array([r.p_value for r in runs])
    assert abs(ranks.mean() - 0.5) < 3 * np.sqrt(1 / 12 / k)
    assert (p < 0.05).sum() <= binom.ppf(0.999, k, 0.05)
    assert (p < 0.001).sum() <= binom.ppf(0.999, k, 0.001)
    covers = sum(r.ci[0] <= 0 <= r.ci[1] for r in runs)
    assert covers >= binom.ppf(0.001, k, 0.95)


@pytest.mark.slow
def test_gamma_tail_is_not_thinner_than_the_null_replicates() -> None:
    """The gamma fitted to one run's 200 null replicates against 3,800 further replicates
    (19 more runs of 200 on the same clean election): beyond its 1 % and 0.1 % quantiles
    lie no more than 1 % and 0.1 % of them plus 3 binomial standard errors, so the
    p-value's tail is not anti-conservative where it leaves the replicates behind."""
    from scipy.stats import gamma

    st, _, _ = sim_stations(seed=202, stations=10_000)
    ok = sp._usable(st)
    x, n = st.W[ok], st.R[ok]
    w, m, phi = sp.fit_mixture(x, n)
    r = sp.responsibilities(x, n, w, m, phi)
    dens, cnt, _ = sp.rkd_resample(x, n, r, m, phi, 4000, np.random.default_rng(202))
    share = cnt / n.size
    null = np.concatenate(
        [sp.rkd_null(dens[i : i + 200], share[i : i + 200]) for i in range(0, 4000, 200)]
    )
    fit, rest = null[:200], null[200:]
    mu, v = fit.mean(), fit.var(ddof=1)
    for a in (0.01, 0.001):
        beyond = (rest > gamma.isf(a, mu * mu / v, scale=v / mu)).mean()
        assert beyond <= a + 3 * np.sqrt(a * (1 - a) / rest.size)


def _recovery(seeds: range, share: float, **sim: object) -> list[tuple[sp.RKD, float]]:
    out = []
    for s in seeds:
        st, k = write_round(sim_stations(seed=s, stations=10_000, **sim)[0], share, s)
        out.append((sp.rozenas(st, rng_seed=s), k / st.n))
    return out


@pytest.mark.slow
def test_rkd_recovers_the_written_share_and_covers_it() -> None:
    """3 % of stations written to exactly 50/60/70/75/80 % in 40 simulated elections: the
    excess is within 4 of its own sd of the truth in every run, and the mean of
    z = (excess − truth)/sd within 3 standard errors (1/√40) of 0 plus 0.2 for the bias
    left by the spikes too small to rise above the envelope; its 95 % interval
    covers the truth at least as often as the binomial's lower 0.001 bound for 95 %;
    and every p-value is below 1e-3, which the old rank p-value (floor 1/16) could
    never reach."""
    runs = _recovery(range(300, 340), 0.03)
    z = np.array([(r.excess - t) / r.sd for r, t in runs])
    assert np.all(np.abs(z) < 4)
    assert abs(z.mean()) < 3 / np.sqrt(len(z)) + 0.2
    covers = sum(r.ci[0] <= t <= r.ci[1] for r, t in runs)
    assert covers >= binom.ppf(0.001, len(runs), 0.95)
    assert all(r.p_value < 1e-3 and r.p_value_mc[1] < 1e-3 for r, _ in runs)
    assert all(r.spikes[0]["point"] in {f / 100 for f in FRACTIONS} for r, _ in runs)


@pytest.mark.slow
def test_rkd_on_ballot_packs_a_generator_not_its_own() -> None:
    """Elections stuffed with ballot packs (the simulator's generator that is neither
    Klimek's model nor a beta-binomial mixture; 20 % of stations): without rewriting the
    interval covers 0 and with 3 % written to round fractions it covers the truth, each
    at least as often as the binomial's lower 0.001 bound for 95 % over 20 seeds."""
    clean = [
        sp.rozenas(sim_stations(seed=s, stations=10_000, packs_share=0.2)[0], rng_seed=s)
        for s in range(400, 420)
    ]
    assert sum(r.ci[0] <= 0 <= r.ci[1] for r in clean) >= binom.ppf(0.001, 20, 0.95)
    runs = _recovery(range(400, 420), 0.03, packs_share=0.2)
    assert sum(r.ci[0] <= t <= r.ci[1] for r, t in runs) >= binom.ppf(0.001, 20, 0.95)
    assert all(r.p_value < 1e-3 for r, _ in runs)


@pytest.mark.slow
def test_rkd_turnout_finds_the_simulators_whole_percentages() -> None:
    """The simulator's own rewriting (8 % of stations, turnout raised to a whole
    percentage of the registered voters, Kobak et al.'s pattern): RKD on turnout puts
    its whole 95 % interval above 0 and the p-value's Monte Carlo range below 1e-3 in
    each of 5 elections."""
    for s in range(500, 505):
        st, _, _ = sim_stations(seed=s, stations=10_000, integer_share=0.08)
        r = sp.rozenas(st, variable="turnout", rng_seed=s)
        assert r.ci[0] > 0
        assert r.p_value_mc[1] < 1e-3


def test_p_value_display_never_prints_zero() -> None:
    assert sp.format_p(2.5e-9, (6.6e-12, 9.1e-8)) == "< 1e-7"
    assert sp.format_p(0.0, (0.0, 3e-30)) == "< 1e-29"
    assert sp.format_p(0.0) == "< 1e-300"
    assert sp.format_p(0.031, (0.02, 0.05)) == "0.031"
    assert sp.format_p(float("nan")) == "–"
    # a normal-tail p is not printed past where its approximation holds
    assert sp.format_p(1e-20, floor=sp.COARSE_P_FLOOR) == "< 1e-6"
    assert sp.format_p(2e-5, floor=sp.COARSE_P_FLOOR) == "< 1e-4"


def test_coarse_expectation_matches_binomial_redraws() -> None:
    """The exact expectation and sd of :func:`coarse_fractions` against 400 redraws of
    every count from Binomial(n, x/n): mean within 4 Monte Carlo standard errors, sd within
    4 standard errors of an sd (sd/√(2·399))."""
    st, _, _ = sim_stations(seed=54, stations=4_000)
    ok = sp._usable(st)
    x, n = st.W[ok], st.R[ok]
    d = sp._coarse_one(x, n)
    rng = np.random.default_rng(4)
    p = x / n
    hits = np.array([(sp._coarse_denominator(rng.binomial(n, p), n) > 0).sum() for _ in range(400)])
    se = hits.std(ddof=1) / np.sqrt(hits.size)
    assert abs(hits.mean() - d["expected_stations"]) < 4 * se
    assert abs(hits.std(ddof=1) - d["sd_stations"]) < 4 * d["sd_stations"] / np.sqrt(2 * 399)


@pytest.mark.slow
def test_coarse_fractions_clean_is_silent_and_finds_written_fractions() -> None:
    """Clean: the interval holds 0 and p > 0.001. 300 protocols rewritten to exactly 3/4
    (stations whose R is a multiple of 4): the interval covers 300/n, p far below 1/16,
    top denominator 4."""
    st, _, _ = sim_stations(seed=51, stations=10_000)
    c = sp.coarse_fractions(st)
    for k in ("turnout", "result"):
        lo, hi = c[k]["ci"]
        assert lo <= 0 <= hi
        assert c[k]["p_value"] > 0.001
    st, _, _ = sim_stations(seed=53, stations=10_000)
    W = st.W.copy()
    cand = np.flatnonzero((st.R % 4 == 0) & (st.R >= 100) & (W * 4 != 3 * st.R))
    pick = np.random.default_rng(0).choice(cand, 300, replace=False)
    W[pick] = 3 * st.R[pick] // 4
    r = sp.coarse_fractions(replace(st, W=W))["result"]
    lo, hi = r["ci"]
    assert lo <= 300 / st.n <= hi
    assert r["p_value"] < 1e-6
    assert r["by_denominator"][0]["denominator"] == 4


def test_in_order_sums_equal_numpy_row_by_row_sums() -> None:
    """:func:`_seq_sum` over (K, n) adds the stations one after another, as numpy's
    ``sum(axis=0)`` over an (n, K) array does: equal bit for bit (where a pairwise sum
    over the contiguous rows is not), so the EM's estimates keep their values."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((20_000, 3)) * np.array([1e-3, 1.0, 1e3])
    t = np.ascontiguousarray(a.T)
    assert np.array_equal(sp._seq_sum(t), a.sum(axis=0))
    assert not np.array_equal(t.sum(axis=1), a.sum(axis=0))
