"""The designs on simulated station-level elections (:mod:`smartvote.simulate`) with a
known injected endorsement effect. Where the campaign picks on last time's results (as a
real one must), the regression recovers the effect; where it picks on this year's
strength, including a new candidate's personal vote, no design can remove the selection
and the tests say so (test_campaign_designs.py covers the district-level generator)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from scipy import stats

from smartvote.assess._ledger import candidate_table
from smartvote.assess.demo import injected_effect_pp
from smartvote.assess.designs import did, split_ticket, swing
from smartvote.assess.inputs import from_simulation
from smartvote.assess.regression import regression
from smartvote.simulate import simulate

SIZES = [(0, 2500, 25), (1, 4000, 40), (2, 6000, 60), (3, 4000, 40)]


def _tables(**kw: object) -> tuple[object, object, float]:
    return _cached(tuple(sorted(kw.items())))


@functools.cache
def _cached(items: tuple[tuple[str, object], ...]) -> tuple[object, object, float]:
    kw = dict(items)
    sim = simulate(stuffing_share=0.1, **kw)  # type: ignore[arg-type]
    inp = from_simulation(sim)
    assert inp.baseline is not None
    truth = injected_effect_pp(sim.truth, float(kw.get("tactical_share", 0.0)))  # type: ignore[arg-type]
    return candidate_table(inp.current), candidate_table(inp.baseline), truth


#: The campaign knows only the previous election (and district support persists).
REALISTIC = {"endorse_from": "previous", "support_persistence": 0.8}


@pytest.mark.slow
def test_regression_covers_the_truth_at_about_the_nominal_rate() -> None:
    """Over the sizes and seeds of SIZES, with and without an effect: the count of
    intervals that cover the truth is Binomial(8, 0.95) if the interval is right; reject
    below its 0.001 quantile."""
    covers, n = 0, 0
    for seed, stations, districts in SIZES:
        for t in (0.0, 0.2):
            cur, base, truth = _tables(
                seed=seed, stations=stations, districts=districts, tactical_share=t, **REALISTIC
            )
            assert truth == 0.0 if t == 0.0 else 5.0 < truth < 12.0
            r = regression(cur, base, rng_seed=seed, n_boot=500)  # type: ignore[arg-type]
            assert r.ran and r.n >= 20
            assert r.ci_low_pp is not None and r.ci_high_pp is not None
            covers += r.ci_low_pp <= truth <= r.ci_high_pp
            n += 1
    assert covers >= stats.binom.ppf(0.001, n, 0.95), (covers, n)


@pytest.mark.parametrize("seed", [1, 3])
@pytest.mark.slow
def test_did_responds_to_the_injected_effect(seed: int) -> None:
    """Selection on this year's strength biases the did's level (it pairs new candidates
    with their party's, whose personal vote differs); the same draw with and without the
    effect differs by the truth. The raw contrast also counts the comparators' own loss."""
    cur0, base0, _ = _tables(seed=seed, stations=4000, districts=40, tactical_share=0.0)
    cur1, base1, truth = _tables(seed=seed, stations=4000, districts=40, tactical_share=0.2)
    a = did(cur0, base0, n_boot=300)  # type: ignore[arg-type]
    b = did(cur1, base1, n_boot=300)  # type: ignore[arg-type]
    assert a.estimate_pp is not None and b.estimate_pp is not None
    assert abs((b.estimate_pp - a.estimate_pp) - truth) < 2.5
    assert b.contrast_pp is not None and b.contrast_pp > b.estimate_pp


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.slow
def test_split_ticket_recovers_without_personal_vote(seed: int) -> None:
    """Its identifying assumption holds when candidates carry no personal vote."""
    for t in (0.0, 0.2):
        cur, _, truth = _tables(
            seed=seed, stations=4000, districts=40, tactical_share=t, candidate_sd=0.0
        )
        r = split_ticket(cur, rng_seed=seed, n_boot=500)  # type: ignore[arg-type]
        assert r.ran and r.ci_low_pp is not None and r.ci_high_pp is not None
        assert r.ci_low_pp - 0.5 <= truth <= r.ci_high_pp + 0.5


@pytest.mark.slow
def test_split_ticket_overstates_when_selection_is_on_personal_vote() -> None:
    """The documented bias: the campaign endorses the strongest challenger, whose personal
    vote the split-ticket design counts as effect (no effect injected here)."""
    cur, _, _ = _tables(seed=1, stations=4000, districts=40, tactical_share=0.0)
    r = split_ticket(cur, n_boot=300)  # type: ignore[arg-type]
    assert r.estimate_pp is not None and r.ci_low_pp is not None
    assert r.ci_low_pp > 0.0


@pytest.mark.parametrize("seed", [1, 3])
@pytest.mark.slow
def test_swing_responds_to_the_injected_effect(seed: int) -> None:
    """The simulator redraws regional support at each election, so the swing's level is
    biased by selection; the same draw with and without the effect differs by the truth."""
    cur0, base0, _ = _tables(seed=seed, stations=4000, districts=40, tactical_share=0.0)
    cur1, base1, truth = _tables(seed=seed, stations=4000, districts=40, tactical_share=0.2)
    a = swing(cur0, base0, n_boot=300)  # type: ignore[arg-type]
    b = swing(cur1, base1, n_boot=300)  # type: ignore[arg-type]
    assert a.estimate_pp is not None and b.estimate_pp is not None
    assert abs((b.estimate_pp - a.estimate_pp) - truth) < 2.5


@pytest.mark.slow
def test_designs_say_why_they_cannot_run() -> None:
    cur, _, _ = _tables(seed=1, stations=4000, districts=40, tactical_share=0.2)
    for f in (did, swing, regression):
        r = f(cur, None)  # type: ignore[arg-type]
        assert not r.ran and "--baseline" in r.reason and r.estimate_pp is None
    no_list = cur.assign(list_share=np.nan)  # type: ignore[attr-defined]
    r = split_ticket(no_list)
    assert not r.ran and "party-list" in r.reason


@pytest.mark.slow
def test_bootstrap_is_deterministic_for_a_seed() -> None:
    cur, base, _ = _tables(seed=3, stations=4000, districts=40, tactical_share=0.2)
    a = did(cur, base, rng_seed=7, n_boot=200)  # type: ignore[arg-type]
    b = did(cur, base, rng_seed=7, n_boot=200)  # type: ignore[arg-type]
    assert a.to_dict() == b.to_dict()


def test_same_person_only_is_reported_beside_swing_and_did() -> None:
    cur, base, _ = _tables(seed=1, stations=4000, districts=40, tactical_share=0.2)
    for f in (did, swing):
        r = f(cur, base, n_boot=200)  # type: ignore[arg-type]
        p = r.person_only
        assert p["ran"] and p["n"] == r.pairs["endorsed"]["candidate"] < r.n
        assert p["ci_low_pp"] <= p["estimate_pp"] <= p["ci_high_pp"]
        assert r.to_dict()["person_only"] == p
