"""Synthetic elections: determinism, internal consistency and the truth they report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smartvote.io.store import Store
from smartvote.simulate import REGISTERED, SimConfig, simulate


def test_same_seed_same_election() -> None:
    a = simulate(seed=3, stations=500)
    b = simulate(seed=3, stations=500)
    c = simulate(seed=4, stations=500)
    pd.testing.assert_frame_equal(a.protocols, b.protocols)
    assert not a.protocols.equals(c.protocols)


def test_clean_election_has_no_fraud() -> None:
    s = simulate(seed=0, stations=2000)
    assert s.truth["excess_votes"] == 0
    assert s.truth["official_leader_share"] == s.truth["clean_leader_share"]
    assert set(s.truth_stations["fraud"]) == {"clean"}


def test_injected_fraud_is_counted_in_truth() -> None:
    s = simulate(
        SimConfig(seed=2, stations=5000, stuffing_share=0.2, extreme_share=0.01, integer_share=0.05)
    )
    t = s.truth
    assert t["fraud_stations"] == {
        "stuffing": 1000,
        "extreme": 50,
        "integer": 250,
        "switching": 0,
        "packs": 0,
        "whole_region": 0,
    }
    assert (
        t["excess_votes"]
        == s.truth_stations["added_ballots"].sum() + s.truth_stations["switched_votes"].sum()
    )
    assert t["official_turnout"] > t["clean_turnout"]
    assert t["official_leader_share"] > t["clean_leader_share"]
    # Most rewritten stations land within ±0.05 points of a whole percentage.
    assert t["integer_hits"] > 0.6 * 250


@pytest.mark.slow
def test_protocols_add_up(tmp_db: Path, tmp_path: Path) -> None:
    s = simulate(seed=5, stations=3000, stuffing_share=0.1, extreme_share=0.01)
    paths = s.write(tmp_path)
    with Store(tmp_db) as st:
        summ = st.ingest([paths["protocols"], paths["smd"]], progress=False)
        stations = st.stations("sim-2026")
    assert summ.flags.get("turnout_over_100", 0) == 0
    assert summ.flags.get("votes_gt_valid", 0) == 0
    lst = stations[stations["race"] == "sim-2026/list"]
    assert len(lst) == 3000
    assert lst["leader_votes"].sum() == s.protocols.iloc[:, -6].sum()
    # The SMD regime candidates receive the same stuffed ballots.
    smd = s.smd[s.smd["regime"]]
    assert np.all(smd["votes"].to_numpy() <= smd["valid"].to_numpy())


@pytest.mark.slow
def test_tactical_effect_moves_votes_to_endorsed() -> None:
    base = simulate(seed=7, stations=3000, tactical_share=0.0)
    tact = simulate(seed=7, stations=3000, tactical_share=0.5)

    def endorsed_share(sim: object) -> float:
        smd = sim.smd  # type: ignore[attr-defined]
        endorsed = set(zip(sim.endorsements["race"], sim.endorsements["candidate"], strict=True))  # type: ignore[attr-defined]
        mask = [(r, c) in endorsed for r, c in zip(smd["race"], smd["candidate"], strict=True)]
        return float(smd.loc[mask, "votes"].sum() / smd["votes"].sum())

    assert endorsed_share(tact) > endorsed_share(base) + 0.05


def test_whole_region_falsification_and_packs_in_truth() -> None:
    s = simulate(seed=9, stations=4000, regions=10, smd=False, whole_regions=2, packs_share=0.1)
    t = s.truth
    ts = s.truth_stations
    assert len(t["whole_regions"]) == 2
    whole = ts["region"].isin(t["whole_regions"])
    assert set(ts.loc[whole, "fraud"]) == {"whole_region"}
    assert t["fraud_stations"]["packs"] == 400
    assert not ts.loc[ts["fraud"] == "packs", "region"].isin(t["whole_regions"]).any()
    # Every station of a whole region ends at 85-97 % turnout (or above, if it was already).
    B = ts["clean_ballots"] + ts["added_ballots"]
    N = s.protocols[REGISTERED].to_numpy()
    assert ((B[whole] / N[whole]) >= 0.849).all()
    assert sum(t["excess_by_region"].values()) == t["excess_votes"]


def test_stuffing_heavier_in_some_regions() -> None:
    s = simulate(seed=10, stations=6000, smd=False, stuffing_share=0.2, stuffing_region_sd=1.5)
    ts = s.truth_stations
    share = (ts["fraud"] == "stuffing").groupby(ts["region"]).mean()
    assert (ts["fraud"] == "stuffing").sum() == 1200
    assert share.max() > 2 * share.min()


def test_refuses_when_the_last_district_has_no_station() -> None:
    """Stations fall in districts at random: with 25 stations in 5 districts, seed 40
    leaves the highest-numbered district empty and every other one filled. That must be
    refused like any other empty district (it returned 4 districts for 5 before), and the
    message must count every empty district of those drawn."""
    from smartvote.errors import SmartvoteError

    with pytest.raises(SmartvoteError, match="leave 1 of the 5 single-member districts"):
        simulate(stations=25, districts=5, regions=1, seed=40)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"turnout": 0.0}, "--turnout must be strictly between 0 and 1"),
        ({"turnout": 1.0}, "--turnout must be strictly between 0 and 1"),
        ({"whole_regions": 21, "regions": 20}, "--whole-regions 21 is more than the 20 regions"),
    ],
)
def test_refuses_options_that_describe_no_election(kw: dict[str, object], match: str) -> None:
    """A clean turnout of 0 or 1 has no logit (it leaked divide-by-zero warnings and wrote an
    election nobody voted in); more regions falsified than exist was silently capped."""
    from smartvote.errors import SmartvoteError

    with pytest.raises(SmartvoteError, match=match):
        simulate(stations=500, smd=False, **kw)  # type: ignore[arg-type]
    simulate(stations=500, smd=False, regions=20, whole_regions=20)
