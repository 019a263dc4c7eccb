"""Shpilkin's excess votes on simulated elections with known stuffing."""

from __future__ import annotations

import numpy as np
import pytest
from tests.forensics.conftest import sim_stations

from smartvote.forensics import shpilkin as sh
from smartvote.forensics._frame import from_arrays


def test_choose_peak_rejects_high_blob() -> None:
    b = np.arange(sh.BINS, dtype=float)
    clean = 1000 * np.exp(-0.5 * ((b - 45) / 8) ** 2)
    blob = 1500 * np.exp(-0.5 * ((b - 97) / 1.5) ** 2)
    peak, glob, rejected = sh.choose_peak(np.vstack([clean, clean + blob]), np.array([0.45, 0.6]))
    assert glob.tolist() == [45, 97]
    assert rejected.tolist() == [False, True]
    assert abs(int(peak[1]) - 45) <= 1


def test_excess_at_matches_definition() -> None:
    rng = np.random.default_rng(0)
    L, Oc = rng.random((2, 3, sh.BINS)) * 100
    ref = np.array([10, 40, 70])
    ex, k = sh.excess_at(L, Oc, ref)
    for r in range(3):
        kk = L[r, : ref[r] + 1].sum() / Oc[r, : ref[r] + 1].sum()
        assert k[r] == pytest.approx(kk)
        assert ex[r] == pytest.approx((L[r, ref[r] + 1 :] - kk * Oc[r, ref[r] + 1 :]).sum())


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
@pytest.mark.slow
def test_no_fraud_no_excess(seed: int) -> None:
    st, truth, _ = sim_stations(seed=seed, stations=10_000)
    r = sh.shpilkin(st, boot=60, rng_seed=seed)
    assert abs(r.excess_regions_summed) < 3 * r.excess_regions_summed_sd
    assert abs(r.excess_low_reference) < 3 * r.excess_low_reference_sd
    B, N = float(st.B.sum()), float(st.N.sum())
    assert (B - r.excess_regions_summed) / N == pytest.approx(truth["clean_turnout"], abs=0.01)


#: Stuffing of Klimek's kind (a stuffed fraction of non-voters) and ballot packs (a fixed
#: number of ballots whatever the station's size: not Klimek's model), some heavier in
#: some regions; 10,000 stations in 20 regions each.
RECIPE_CASES = [
    ({"stuffing_share": 0.1, "stuffing_intensity": 0.3}, 21),
    ({"stuffing_share": 0.1, "stuffing_intensity": 0.3}, 22),
    ({"stuffing_share": 0.2, "stuffing_intensity": 0.3}, 23),
    ({"stuffing_share": 0.2, "stuffing_intensity": 0.2}, 24),
    ({"stuffing_share": 0.3, "stuffing_intensity": 0.4}, 25),
    ({"stuffing_share": 0.05, "stuffing_intensity": 0.5}, 26),
    ({"stuffing_share": 0.4, "stuffing_intensity": 0.2}, 27),
    ({"stuffing_share": 0.2, "stuffing_intensity": 0.3, "stuffing_region_sd": 0.8}, 44),
    ({"packs_share": 0.2, "pack_size": 150.0}, 41),
    ({"packs_share": 0.3, "pack_size": 100.0}, 42),
    ({"packs_share": 0.1, "pack_size": 300.0}, 43),
]


@pytest.mark.parametrize(("kind", "seed"), RECIPE_CASES)
@pytest.mark.slow
def test_regions_summed_measures_the_stuffing_it_can_see(kind: dict[str, float], seed: int) -> None:
    """What the per-region recipe measures, from the simulator's own per-station truth:
    per region, the ballots added at stations above the region's peak, less those added at
    or below it scaled by the other votes above over below (they inflate the reference
    ratio k, read from every bin at or below the peak). The estimate must be within 3 of its
    bootstrap sd of that (measured |z| ≤ 2.3 over these 11 runs; P(|z| > 3) = 0.3 % per run
    for a normal), and never above the true added ballots by 3 sd: a lower bound, so that
    the stuffing it cannot see (below the peak) is what ``excess`` and the sensitivity
    range are reported for. A recipe that returned 0, or missed stuffing above the peak,
    fails here (it passed the former check, which only asked for an undercount)."""
    st, truth, ts = sim_stations(seed=seed, stations=10_000, **kind)
    r = sh.shpilkin(st, boot=60, rng_seed=seed)
    G = len(st.region_names)
    peak = sh.by_group(st, st.region, G, boot=0).peak
    above = sh.turnout_bin(st.t) > peak[st.region]
    added = ts["added_ballots"].to_numpy().astype(float)
    others = st.O.astype(float)

    def per_region(x: np.ndarray) -> np.ndarray:
        return np.bincount(st.region, weights=x, minlength=G)

    o_below = per_region(others * ~above)
    scale = np.divide(per_region(others * above), o_below, out=np.zeros(G), where=o_below > 0)
    expected = float((per_region(added * above) - per_region(added * ~above) * scale).sum())
    sd = r.excess_regions_summed_sd
    assert abs(r.excess_regions_summed - expected) <= 3 * sd, (
        r.excess_regions_summed,
        expected,
        sd,
    )
    assert r.excess_regions_summed < truth["added_ballots"] + 3 * sd


def test_groups_are_independent() -> None:
    st, _, _ = sim_stations(seed=5, stations=5000, stuffing_share=0.1)
    G = len(st.region_names)
    all_g = sh.by_group(st, st.region, G, boot=0)
    one = st.subset(st.region == 3)
    single = sh.by_group(one, np.zeros(one.n, dtype=np.int64), 1, boot=0)
    assert all_g.excess[3] == pytest.approx(single.excess[0])


def test_pure_switching_is_invisible_below_peak() -> None:
    st = from_arrays(
        N=[1000] * 4, B=[400, 450, 500, 550], R=[400, 450, 500, 550], W=[200, 225, 250, 275]
    )
    r = sh.by_group(st, np.zeros(4, dtype=np.int64), 1, boot=0)
    assert r.excess[0] == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("share", "intensity", "seed"),
    [
        (0.1, 0.3, 21),
        (0.2, 0.3, 23),
        (0.2, 0.2, 24),
        (0.3, 0.4, 25),
        (0.05, 0.5, 26),
        pytest.param(
            0.4,
            0.2,
            27,
            marks=pytest.mark.xfail(
                strict=True,
                reason="known blind spot: with stuffing at 40% of stations and low intensity, "
                "most stuffed stations stay below the clean peak and every variant undercounts",
            ),
        ),
    ],
)
@pytest.mark.slow
def test_truth_within_reported_uncertainty(share: float, intensity: float, seed: int) -> None:
    """The reported uncertainty of the excess is the sensitivity range (peak shifts, pooled,
    low-reference and 2-D variants) widened by two bootstrap sd: it must cover the truth."""
    st, truth, _ = sim_stations(
        seed=seed, stations=10_000, stuffing_share=share, stuffing_intensity=intensity
    )
    r = sh.shpilkin(st, boot=60, rng_seed=seed)
    lo, hi = r.sensitivity
    assert lo - 2 * r.excess_sd <= truth["added_ballots"] <= hi + 2 * r.excess_sd


#: Published estimates of the leader's excess votes by Shpilkin's method, in millions
#: (issue 11): a "~X" figure is read as X ± 1 (given to the nearest million, by analysts
#: whose choices differ); a published range is used as it stands.
PUBLISHED = {
    "2011": (14.0, 16.0),
    "2016": (11.0, 13.0),
    "2018": (9.0, 11.0),
    "2020": (22.0, 27.0),
    "2021": (13.8, 14.1),
}


@pytest.mark.parametrize(
    "year",
    [
        "2011",
        "2016",
        "2018",
        pytest.param(
            "2020",
            marks=pytest.mark.xfail(
                strict=True,
                reason="measured 27.85M (bootstrap sd 0.39M), 0.85M above the top of the published 22-27M; "
                "same clean peak (43 %) as Shpilkin's 2020 column, abroad stations -0.01M, "
                "0.1-point bins -0.1M, summing below the peak too 27.63M (and 2021 13.66M, "
                "out of range): no published choice closes the gap; his column used "
                "preliminary data covering ~95 % of stations; his own clean figures put "
                "27.0-28.2M on the final file (next test; docs/5-forensics.md)",
            ),
        ),
        "2021",
    ],
)
def test_published_recipe_on_real_data(year: str, federal: object) -> None:
    from smartvote.forensics._frame import prepare

    st = prepare(federal(year))  # type: ignore[operator]
    r = sh.published(st, boot=0)
    lo, hi = PUBLISHED[year]
    assert lo * 1e6 <= r.excess <= hi * 1e6, r.excess


def test_published_recipe_2020_agrees_with_shpilkins_own_clean_figures(federal: object) -> None:
    """2020 checked against what Shpilkin published besides his total (Znak, 2 July 2020;
    bne IntelliNews, Aug. 2020): on the preliminary data of 88M voters he read the clean
    cluster as turnout 42 % with 65 % "yes", and called 22M votes anomalous. Applied to the
    final file, those figures (given to the whole percent, so t in [41.5, 42.5] % and y in
    [64.5, 65.5] %) mean sum(yes) - t*y*sum(registered) anomalous "yes" votes; the recipe
    must land inside that range. It fails if the recipe's peak or reference moves by a few
    points (a peak anywhere in 40-50 % gives 29.2-26.6M, docs/5-forensics.md). Written after
    the 27.85M was known: a consistency check on the recipe, not the issue's criterion (the
    strict expected failure above stays)."""
    from smartvote.forensics._frame import prepare

    st = prepare(federal("2020"))  # type: ignore[operator]
    yes, registered = float(st.W.sum()), float(st.N.sum())
    lo = yes - 0.425 * 0.655 * registered
    hi = yes - 0.415 * 0.645 * registered
    r = sh.published(st, boot=0)
    assert lo <= r.excess <= hi, (lo, r.excess, hi)
    # ... and his 22M, scaled from his 88M voters to the final file's, is the top.
    assert 22e6 * registered / 88e6 == pytest.approx(27.0e6, rel=0.005)


def test_published_interval_says_it_covers_sampling_only() -> None:
    """The published recipe's bootstrap interval covers sampling noise only (13 of 24 clean
    runs hold the truth, docs/5-forensics.md); its JSON says so instead of promising 95 %,
    and the interval is the estimate ± 1.96 bootstrap sd (the point estimate untouched)."""
    st, _, _ = sim_stations(seed=5, stations=5000, stuffing_share=0.1)
    r = sh.shpilkin(st, boot=20, rng_seed=5)
    d = r.to_dict()
    assert d["interval_covers"] == "sampling"
    assert "sampling noise only" in d["interval"] and "model error" in d["interval"]
    lo, hi = r.excess_ci
    assert lo == pytest.approx(r.excess_votes - 1.96 * r.excess_sd)
    assert hi == pytest.approx(r.excess_votes + 1.96 * r.excess_sd)
    assert r.excess_votes == sh.published(st, boot=0).excess
