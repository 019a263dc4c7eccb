"""The best estimate of falsified votes on simulated elections with known truth.

Scenarios (docs/5-forensics.md): (A) stuffing scattered over 20 % of stations, heavier in
some regions (``stuffing_region_sd``), with genuine regional differences in turnout and
support; (B) the same plus three regions falsified as a whole; a clean election; ballot
packs (a fraud generator that is not Klimek's model); a genuine turnout–support
correlation. The accuracy tests run 40,000 stations in 40 regions (about the size of a
real region, ~1,000 stations each) over five seeds and check every run; the interval's
coverage is tested per scenario over 16 other seeds, accepted at the binomial bound.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy.special import ndtr
from tests.forensics.conftest import sim_stations

from smartvote.forensics._frame import FloatA, from_arrays
from smartvote.forensics.excess import excess, weighted_quantile

A = {"stuffing_share": 0.2, "stuffing_intensity": 0.3, "stuffing_region_sd": 0.8}
B = {**A, "whole_regions": 3}
PACKS = {"packs_share": 0.3, "pack_size": 150.0, "stuffing_region_sd": 0.8}
SEEDS = (200, 201, 202, 203, 204)
BIG = {"stations": 40_000, "regions": 40, "smd": False}


def _run(seed: int, size: dict[str, object] | None = None, **kw: object) -> tuple[object, dict]:  # type: ignore[type-arg]
    st, truth, _ = sim_stations(seed=seed, **(size or BIG), **kw)
    e = excess(st, boot=51, rng_seed=seed)
    return e, {"W": float(st.W.sum()), **truth}


def _rel(kind: dict[str, object]) -> list[float]:
    out = []
    for seed in SEEDS:
        e, t = _run(seed, **kind)
        out.append(e.votes / t["excess_votes"] - 1)  # type: ignore[attr-defined]
    return out


def test_weighted_quantile_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    g = rng.integers(0, 4, 400)
    x = rng.normal(size=400)
    q = weighted_quantile(g, x, np.ones((1, 400)), 5, 0.5)[0]
    for k in range(4):
        v = np.sort(x[g == k])
        assert q[k] == v[(len(v) + 1) // 2 - 1]
    assert np.isnan(q[4])


def test_small_election_runs_and_flags_nothing_when_clean() -> None:
    e, t = _run(SEEDS[0], {"stations": 4000, "regions": 20, "smd": False})
    assert not e.whole.any()  # type: ignore[attr-defined]
    assert e.ci_low <= 0 <= e.ci_high  # type: ignore[attr-defined]
    d = e.to_dict(t["W"])  # type: ignore[attr-defined]
    assert len(d["by_region"]) == 20 and d["regions_falsified_as_whole"] == []


#: Clean seeds of the sensitivity's false-flag check (below).
CORE_CLEAN_SEEDS = tuple(range(200, 220))
#: Clean seeds of the false-alarm tests: validation seeds, never looked at while the
#: estimator was developed (session 7 developed on 500–599, looked at 300–379, and ran an
#: intermediate version once on 700–739).
CLEAN_SEEDS = tuple(range(740, 800))
#: Issue 11: under 1 % of the leader's votes on a clean election, with a margin: 1 % is
#: more than 3 sd if the estimate's sd is at most 0.3 % (40,000 stations, 40 regions).
FALSE_ALARM = 0.01
TARGET_SD = 0.003


def max_exceed(n: int, sd: float, bound: float = FALSE_ALARM, alpha: float = 0.01) -> int:
    """Most runs out of ``n`` that may have |estimate| ≥ ``bound`` if the estimate were
    normal with mean 0 and standard deviation ``sd``: the smallest c with
    P(X > c) < ``alpha``, X ~ Binomial(n, 2Φ(−bound/sd))."""
    from scipy.stats import binom

    p = 2 * float(ndtr(-bound / sd))
    c = 0
    while binom.sf(c, n, p) >= alpha:
        c += 1
    return c


def test_max_exceed_is_the_binomial_bound() -> None:
    from scipy.stats import binom

    assert max_exceed(60, TARGET_SD) == 1  # p = 0.087 %: P(X ≥ 2) = 0.1 %
    c = max_exceed(40, 0.005)  # p = 4.6 %
    p = 2 * float(ndtr(-2.0))
    assert binom.sf(c, 40, p) < 0.01 <= binom.sf(c - 1, 40, p)


@cache
def _clean_runs() -> tuple[FloatA, FloatA, int]:
    """(estimate / leader's votes, stated combined sd / leader's votes, regions flagged)
    over ``CLEAN_SEEDS`` (cached: two tests read them)."""
    rel, u, flagged = [], [], 0
    for seed in CLEAN_SEEDS:
        st, _, _ = sim_stations(seed=seed, **BIG)
        e = excess(st, boot=51, rng_seed=seed)
        W = float(st.W.sum())
        flagged += int(e.whole.sum())
        rel.append(e.votes / W)
        u.append(e.u / W)
    return np.array(rel), np.array(u), flagged


def test_sensitivity_without_enough_regions_is_not_estimable() -> None:
    """One region: no cross-region slope can be formed; the sensitivity says so (null in
    the JSON) instead of flagging, and its range is the interval."""
    from smartvote.jsonio import dumps

    e, t = _run(SEEDS[0], {"stations": 2000, "regions": 1, "smd": False})
    sens = e.sensitivity()  # type: ignore[attr-defined]
    assert not sens["flagged"] and sens["core_regions"] < 2
    assert sens["range"] == [e.ci_low, e.ci_high]  # type: ignore[attr-defined]
    assert '"votes_if_slope_genuine": null' in dumps(e.to_dict(t["W"]))  # type: ignore[attr-defined]


@pytest.mark.slow
def test_clean_estimate_unbiased_and_its_uncertainty_honest() -> None:
    """Clean, 60 validation seeds: no region is flagged, the mean estimate is within 3
    standard errors of zero, the spread over seeds is not larger than the method's own
    combined sd says (chi-square bound at 1 %), and the runs at or above 1 % of the
    leader's votes are no more than the binomial bound at that stated sd (measured on
    these seeds: docs/5-forensics.md)."""
    from scipy.stats import chi2

    a, u, flagged = _clean_runs()
    n = a.size
    assert flagged == 0
    assert abs(a.mean()) < 3 * a.std(ddof=1) / np.sqrt(n), a
    stated = float(np.sqrt(np.mean(u**2)))
    assert a.std(ddof=1) <= stated * np.sqrt(chi2.ppf(0.99, n - 1) / (n - 1)), (a, stated)
    assert int((np.abs(a) >= FALSE_ALARM).sum()) <= max_exceed(n, stated), a


@pytest.mark.slow
def test_clean_no_false_alarm() -> None:
    """Issue 11: no false alarm on a clean election, with a margin. Over 60 validation
    seeds: the spread of the estimate is at most ``TARGET_SD`` (0.3 % of the leader's
    votes; the sample sd may exceed it by the chi-square factor at 1 %), and at most
    ``max_exceed(60, TARGET_SD)`` = 1 run reaches 1 % (binomial bound at that sd; an
    estimator at sd 0.45 %, the former one, fails it with probability ≈ 45 %)."""
    from scipy.stats import chi2

    a, _, _ = _clean_runs()
    n = a.size
    assert a.std(ddof=1) <= TARGET_SD * np.sqrt(chi2.ppf(0.99, n - 1) / (n - 1)), a
    assert int((np.abs(a) >= FALSE_ALARM).sum()) <= max_exceed(n, TARGET_SD), a


def test_former_median_reading_still_available() -> None:
    """``location="median"`` and ``extrapolation="region"`` give the former readings
    (kept for comparison), unknown ones are errors, the JSON says which was used and
    reports the regions' own lines beside the pooled estimate."""
    st, _, _ = sim_stations(seed=SEEDS[0], stations=4000, regions=20, smd=False, **A)
    new = excess(st, boot=0)
    old = excess(st, boot=0, location="median", extrapolation="region")
    lines = excess(st, boot=0, extrapolation="region")
    assert new.votes != old.votes and new.location == "mean" and old.location == "median"
    assert "median and lower-half spread" in old.to_dict()["method"]
    d = new.to_dict()
    assert "mean and spread" in d["method"]
    assert d["extrapolation"]["kind"] == "pooled"
    assert d["extrapolation"]["votes_region_lines"] == pytest.approx(lines.votes)
    # pooled: every region's excess is its 50 % set's excess scaled by 1 + γ·0.5
    x = new.region_votes / (1 + 0.5 * new.pooled_factor)
    Og = np.bincount(st.region, weights=st.O.astype(float))
    Wg = np.bincount(st.region, weights=st.W.astype(float))
    assert x == pytest.approx(Wg - new.k_sets[-1] * Og, rel=1e-9, abs=1e-6)
    with pytest.raises(ValueError, match="location"):
        excess(st, boot=0, location="mode")
    with pytest.raises(ValueError, match="extrapolation"):
        excess(st, boot=0, extrapolation="global")


@pytest.mark.slow
def test_scattered_stuffing_recovered() -> None:
    """(A): within 10 % of the truth on average and 20 % in every run."""
    rel = _rel(A)
    assert abs(float(np.mean(rel))) < 0.10, rel
    assert max(abs(r) for r in rel) < 0.20, rel


@pytest.mark.slow
def test_whole_region_falsification_recovered() -> None:
    """(B): the falsified regions are found, the estimate is within 10 % of the truth on
    average and 20 % in every run; the per-region Shpilkin sum misses much of it."""
    from smartvote.forensics import shpilkin as sh

    rel, rel_sum = [], []
    for seed in SEEDS:
        e, t = _run(seed, **B)
        flagged = {e.region_names[g] for g in np.flatnonzero(e.whole)}  # type: ignore[attr-defined]
        assert flagged == set(t["whole_regions"])
        rel.append(e.votes / t["excess_votes"] - 1)  # type: ignore[attr-defined]
        st, _, _ = sim_stations(seed=seed, **BIG, **B)
        rel_sum.append(sh.shpilkin(st, boot=0).excess_regions_summed / t["excess_votes"] - 1)
    assert abs(float(np.mean(rel))) < 0.10, rel
    assert max(abs(r) for r in rel) < 0.20, rel
    assert float(np.mean(rel_sum)) < -0.2


@pytest.mark.slow
def test_ballot_packs_recovered() -> None:
    """Fraud not built on Klimek's model (packs of ballots whatever the station's size):
    within 10 % on average and 20 % in every run."""
    rel = _rel(PACKS)
    assert abs(float(np.mean(rel))) < 0.10, rel
    assert max(abs(r) for r in rel) < 0.20, rel


def test_genuine_turnout_support_correlation_inflates() -> None:
    """A genuine correlation is read as fraud (documented): on a clean election with it
    the estimate is positive by more than its own interval; the sensitivity flags the
    clean core's turnout–share slope and its de-trended reading is near zero."""
    e, t = _run(
        SEEDS[0], {"stations": 10_000, "regions": 20, "smd": False}, turnout_support_corr=0.1
    )
    assert e.ci_low > 0.05 * t["W"]  # type: ignore[attr-defined]
    sens = e.sensitivity()  # type: ignore[attr-defined]
    assert sens["flagged"] and sens["core_turnout_share_slope_z"] > 3
    assert abs(sens["votes_if_slope_genuine"]) < 0.02 * t["W"]
    assert sens["range"][0] <= 0 <= sens["range"][1]


CORR_SEEDS = (200, 201, 202, 203, 204)


@pytest.mark.slow
def test_correlation_sensitivity_over_seeds() -> None:
    """Turnout–support correlation 0.1 (the simulator adds 0.1·z to the leader's logit
    where logit turnout has 0.3·z: a true slope of 1/3, attenuated a few per cent by
    turnout's counting noise), five seeds: the core slope is within 3 of its standard
    errors + 10 % of 1/3, it is flagged in every run, and the de-trended estimate stays
    under 1 % of the leader's votes (measured +0.15 … +0.49 %) while the headline is
    +17 … +18 % (the shift the docs report)."""
    for seed in CORR_SEEDS:
        st, _, _ = sim_stations(seed=seed, **BIG, turnout_support_corr=0.1)
        e = excess(st, boot=0)
        W = float(st.W.sum())
        assert abs(e.core_slope - 1 / 3) < 3 * e.core_slope_se + 0.1 / 3, e.core_slope
        assert e.sensitivity()["flagged"]
        assert abs(e.votes_if_slope_genuine) < 0.01 * W
        assert 0.12 * W < e.votes < 0.24 * W


@pytest.mark.slow
def test_sensitivity_range_under_stuffing() -> None:
    """Stuffing inside the low-turnout half also makes the core's slope positive, and
    there the de-trended reading undercounts: in every run of (A), (B) and the ballot
    packs it is below the headline and the range's lower end is below the truth, and the
    range holds the truth in at least 7 of the 9 runs (it is at least as wide as the 95 %
    interval, for which P(≤ 6 of 9) = 0.08 %). On clean elections the core is flagged in at
    most 1 of 20 runs (|z| > 3: P(≥ 2 of 20) < 1 % at the nominal rate of a t with 39
    degrees of freedom; measured 0 of 24)."""
    hits = 0
    for kind in (A, B, PACKS):
        for seed in SEEDS[:3]:
            e, t = _run(seed, **kind)
            lo, hi = e.sensitivity()["range"]  # type: ignore[attr-defined]
            assert e.votes_if_slope_genuine < e.votes  # type: ignore[attr-defined]
            assert lo <= t["excess_votes"]
            hits += t["excess_votes"] <= hi
    assert hits >= 7, hits
    flagged = 0
    for seed in CORE_CLEAN_SEEDS:
        st, _, _ = sim_stations(seed=seed, **BIG)
        flagged += excess(st, boot=0).sensitivity()["flagged"]
    assert flagged <= 1


#: Coverage seeds: disjoint from the accuracy seeds above and from 200–223, on which the
#: interval's components were first measured (docs/5-forensics.md).
COVER_SEEDS = tuple(range(300, 316))
PACKS_WHOLE = {**PACKS, "whole_regions": 3}
SCENARIOS = {"clean": {}, "A": A, "B": B, "packs": PACKS, "packs_whole": PACKS_WHOLE}


def min_hits(n: int, level: float = 0.95, alpha: float = 0.01) -> int:
    """Fewest runs out of ``n`` whose interval must hold the truth: the smallest c with
    P(X < c) ≥ ``alpha`` for X ~ Binomial(n, level), so that an interval at its nominal
    level fails the test with probability below ``alpha`` (16 runs: 13; P(≤ 12) = 0.7 %)."""
    from scipy.stats import binom

    c = 0
    while binom.cdf(c, n, level) < alpha:
        c += 1
    return c


def test_min_hits_is_the_binomial_bound() -> None:
    from scipy.stats import binom

    c = min_hits(16)
    assert c == 13
    assert binom.cdf(c - 1, 16, 0.95) < 0.01 <= binom.cdf(c, 16, 0.95)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_interval_coverage_per_scenario(name: str) -> None:
    """The 95 % interval holds the truth in at least ``min_hits(16)`` = 13 of 16 runs of
    each scenario (an interval at its nominal level fails this with probability 0.7 %; the
    sampling-only interval measured 15/24, 17/24 and 11/24 under (B), ballot packs and
    packs with whole regions, which fails it). Under fraud the interval stays informative:
    it excludes zero in every run, and it is at most three times as wide as the
    sampling-only interval (± 1.96 bootstrap sd) on average (measured 1.5–2.4 times).
    Clean: the interval holds zero at the same rate."""
    kind = SCENARIOS[name]
    hits = 0
    width, width0 = [], []
    for seed in COVER_SEEDS:
        e, t = _run(seed, **kind)
        T = t["excess_votes"]
        hits += e.ci_low <= T <= e.ci_high  # type: ignore[attr-defined]
        if T > 0:
            assert e.ci_low > 0, seed  # type: ignore[attr-defined]
        width.append(e.ci_high - e.ci_low)  # type: ignore[attr-defined]
        width0.append(2 * 1.96 * e.sd)  # type: ignore[attr-defined]
    assert hits >= min_hits(len(COVER_SEEDS)), hits
    assert np.mean(width) <= 3 * np.mean(width0), (np.mean(width), np.mean(width0))


def test_interval_components() -> None:
    """(B) on 10,000 stations: the interval is wider than the sampling-only one, the
    whole-region prediction term is present exactly when regions are treated as falsified
    as a whole, the combined sd is the root sum of squares of the three terms, the t
    factor exceeds the normal one, and the JSON says what the interval is."""
    size = {"stations": 10_000, "regions": 20, "smd": False}
    e, t = _run(SEEDS[0], size, **B)
    assert e.whole.any() and e.u_whole > 0  # type: ignore[attr-defined]
    assert e.u == pytest.approx(  # type: ignore[attr-defined]
        np.sqrt(e.sd**2 + e.u_extrapolation**2 + e.u_whole**2)  # type: ignore[attr-defined]
    )
    assert e.t_quantile > 1.96  # type: ignore[attr-defined]
    assert e.ci_high - e.ci_low > 2 * 1.96 * e.sd  # type: ignore[attr-defined]
    d = e.to_dict(t["W"])  # type: ignore[attr-defined]
    assert d["interval"].startswith("model-averaged")
    assert set(d["uncertainty"]) >= {"sampling_sd", "extrapolation_se", "combined_sd"}
    whole_rows = [r for r in d["by_region"] if r["falsified_as_whole"]]
    assert whole_rows and all(r["prediction_sd"] > 0 for r in whole_rows)
    assert all(r["prediction_sd"] == 0 for r in d["by_region"] if not r["falsified_as_whole"])
    e2, _ = _run(SEEDS[0], size, **A)
    assert not e2.whole.any() and e2.u_whole == 0  # type: ignore[attr-defined]


def test_mixture_interval_reduces_to_each_reading() -> None:
    """Two identical readings give back their own interval; two far-apart readings give
    an interval reaching from the lower one's lower end to the upper one's upper end
    (within the 2.5 % of probability each tail loses to the other component)."""
    from smartvote.forensics.excess import mixture_interval

    lo, hi = mixture_interval((10.0, 10.0), (2.0, 2.0))
    assert (lo, hi) == (pytest.approx(8.0, abs=1e-9), pytest.approx(12.0, abs=1e-9))
    lo, hi = mixture_interval((0.0, 100.0), (2.0, 4.0))
    assert -2.0 < lo < 0.0 and 100.0 < hi < 104.0


EXTREME = {"stations": 10_000, "regions": 20, "smd": False, "extreme_share": 0.03}


def test_extreme_corner_not_scaled_from_switched_votes() -> None:
    """Extreme fraud switches the opponents' votes, so k·O would count every switched
    vote 1 + k times: the corner stations are scaled from their registered voters
    instead, which brings the estimate down towards the truth."""
    st, truth, _ = sim_stations(seed=300, **EXTREME)
    new = excess(st, boot=0)
    old = excess(st, boot=0, corner_rule=False)
    assert new.corner_stations >= 0.5 * 0.03 * st.n  # measured 198 of the 300
    assert old.corner_stations == 0
    assert truth["excess_votes"] < new.votes < old.votes


@pytest.mark.slow
def test_extreme_fraud_error_and_coverage() -> None:
    """Extreme fraud alone (3 % of stations), seeds 300–304: the corner rule is closer to
    the truth than k·O in every run (measured +18…+55 % → −1…+37 %), and the interval
    holds the truth in ≥ 3 of 5 runs (P(≤ 2 of 5) = 0.1 % at the nominal 95 %;
    measured 4 of 5)."""
    hits = 0
    for seed in range(300, 305):
        st, truth, _ = sim_stations(seed=seed, **EXTREME)
        T = truth["excess_votes"]
        new = excess(st, boot=51, rng_seed=seed)
        old = excess(st, boot=0, corner_rule=False)
        assert abs(new.votes - T) < abs(old.votes - T)
        hits += new.ci_low <= T <= new.ci_high
    assert hits >= 3, hits


def test_region_without_other_votes_outside_the_corner_keeps_its_own_ratio() -> None:
    """A region whose every station is in the extreme corner (turnout and share ≥ 95 %)
    has no other-party votes left outside it, so the pooled slope's correction x_g/O_g is
    undefined. With fewer than 8 regions it is still its own reference (``note``): its
    ratio must come from its own reference sets, as under ``extrapolation="region"``,
    not collapse to 0, which would count every one of its leader's votes as falsified."""
    rng = np.random.default_rng(5)
    n_ord, n_corner = 600, 40
    N = np.full(n_ord + n_corner, 1000)
    B = np.concatenate([rng.binomial(1000, 0.5, n_ord), np.full(n_corner, 970)])
    W = np.concatenate([rng.binomial(B[:n_ord], 0.4), np.full(n_corner, 960)])
    region = np.concatenate([np.arange(n_ord) % 3, np.full(n_corner, 3)])
    st = from_arrays(N, B, B, W, region=region)
    ex = excess(st, boot=0)
    row = next(r for r in ex.to_dict()["by_region"] if r["region"] == "3")
    line = excess(st, boot=0, extrapolation="region")
    row_line = next(r for r in line.to_dict()["by_region"] if r["region"] == "3")
    assert np.isfinite(row["reference_ratio"]) and row["reference_ratio"] > 10
    assert row["votes"] == pytest.approx(row_line["votes"], rel=1e-9)
    assert row["votes"] < 0.05 * W[n_ord:].sum()


@pytest.mark.slow
@pytest.mark.parametrize("corr", [0.05, 0.1])
def test_stuffing_with_genuine_correlation_is_bracketed(corr: float) -> None:
    """Scenario (A) plus a genuine turnout–support link, 16 seeds: the data cannot tell
    the two apart (docs/5-forensics.md), so nothing here asks the headline to be right.
    What must hold is that the output says so: the slope is flagged and the caveat set in
    every run, the headline reads the link as fraud (above the truth: measured +60 … +82 %
    at 0.05, +115 … +152 % at 0.1), the de-trended reading reads the stuffing in the core
    as genuine (below the truth: −30 … −59 %), and ``sensitivity.range`` holds the truth
    in at least ``min_hits(16)`` = 13 runs (a 95 % interval fails that with probability
    0.7 %; measured 16 of 16 for both strengths)."""
    hits = 0
    for seed in COVER_SEEDS:
        e, t = _run(seed, **A, turnout_support_corr=corr)
        T = t["excess_votes"]
        d = e.to_dict()  # type: ignore[attr-defined]
        sens = d["sensitivity"]
        assert sens["flagged"] and len(d["caveats"]) == 1, seed
        assert e.votes > T > e.votes_if_slope_genuine, seed  # type: ignore[attr-defined]
        hits += sens["range"][0] <= T <= sens["range"][1]
    assert hits >= min_hits(len(COVER_SEEDS)), hits


def test_too_few_regions_is_a_caveat_not_a_silent_assumption() -> None:
    """One region falsified as a whole (the simulator's whole-region fraud) cannot be told
    from a clean one without other regions to compare: the estimate misses most of it, and
    the output must say so beside the headline (``caveats``) rather than print the interval
    alone. With 20 regions the caveat is absent."""
    e, t = _run(9, {"stations": 2000, "regions": 1, "smd": False}, whole_regions=1)
    (c,) = [c for c in e.to_dict()["caveats"] if "falsified as a whole" in c]  # type: ignore[attr-defined]
    assert c.startswith("only 1 region (< 8)")
    assert e.votes < 0.5 * t["excess_votes"]  # type: ignore[attr-defined]
    e, _ = _run(9, {"stations": 2000, "regions": 20, "smd": False})
    assert not [c for c in e.to_dict()["caveats"] if "falsified as a whole" in c]  # type: ignore[attr-defined]


def test_region_whose_clean_centre_is_in_the_corner_takes_the_national_ratio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A region whose every station reports about 97 % turnout and 98 % for the leader has
    no clean reference in its own stations (the rule that sets corner stations aside,
    applied to the region): it is scaled with the national ratio and says why, instead of
    reading its own stuffed stations as clean (2020 and 2024 gave such regions negative
    estimates). On those files its robust turnout z stayed below the whole-region threshold
    (2.7-3.1: other regions' centres spread widely); the simulated regions are tight, so the
    z rule is switched off here to test the corner rule alone. Without the corner rule the
    region is its own reference."""
    from smartvote.forensics import excess as ex_mod

    monkeypatch.setattr(ex_mod, "Z_TURNOUT", float("inf"))
    rng = np.random.default_rng(3)
    st, _, _ = sim_stations(seed=3, stations=6000, regions=12, smd=False)
    n = 400
    N = rng.integers(800, 2500, n)
    B = rng.binomial(N, 0.97)
    W = rng.binomial(B, 0.98)
    corner = from_arrays(
        N=np.r_[st.N, N],
        B=np.r_[st.B, B],
        R=np.r_[st.R, B],
        W=np.r_[st.W, W],
        valid=np.r_[st.valid, B],
        region=np.r_[np.array(st.region_names)[st.region], ["corner"] * n],
    )
    e = excess(corner, boot=0)
    g = corner.region_names.index("corner")
    row = e.to_dict()["by_region"][g]
    assert row["falsified_as_whole"] and "extreme corner" in row["why"]
    assert row["reference_ratio"] == pytest.approx(e.k_national)
    # Its stations are corner stations too, so their clean votes come from registered
    # voters at the clean turnout and share of the others (about 50 % and 35 %): most of
    # its 95 %-of-registered leader votes are excess.
    assert row["votes"] > 0.6 * W.sum()
    off = excess(corner, boot=0, corner_rule=False).to_dict()["by_region"][g]
    assert not off["falsified_as_whole"]
    assert abs(off["votes"]) < 0.1 * W.sum()  # its own stuffed stations read as clean


def test_no_reference_anywhere_or_in_a_region_is_said_not_estimated() -> None:
    """Two inputs with no clean reference: (1) a region where the leader stood alone (no
    other valid vote): W − k·0 would call all its votes falsified; it is left out of the
    total (votes 0) and named in ``caveats`` and its ``why``; (2) every station at 97 %
    turnout and 98 % for the leader: no station set holds a reference, and the caveat says
    the estimate is not supported (it printed a tight interval around zero)."""
    rng = np.random.default_rng(4)
    st, _, _ = sim_stations(seed=4, stations=4000, regions=10, smd=False)
    names = np.array(st.region_names)[st.region]
    alone = names == st.region_names[2]
    valid = st.valid.copy()
    valid[alone] = st.W[alone]  # the others' votes removed in region 2
    e = excess(
        from_arrays(N=st.N, B=st.B, R=st.R, W=st.W, valid=valid, region=names), boot=0
    ).to_dict()
    row = e["by_region"][2]
    assert row["votes"] == 0 and "no other valid vote" in row["why"]
    assert any(st.region_names[2] in c and "not estimable" in c for c in e["caveats"])
    n = 600
    N = rng.integers(800, 2500, n)
    B = rng.binomial(N, 0.97)
    W = rng.binomial(B, 0.98)
    e = excess(from_arrays(N=N, B=B, R=B, W=W, region=rng.integers(0, 10, n)), boot=0)
    assert any("no station set holds a clean reference" in c for c in e.to_dict()["caveats"])
