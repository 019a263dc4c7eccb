"""``assess`` on real elections: St Petersburg and Moscow, State Duma 2021 (skipped
without ../shared/data). Figures checked against the sources' PROVENANCE notes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smartvote.assess import assess, load

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def converted(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from smartvote.convert import convert_all

    out = tmp_path_factory.mktemp("conv")
    convert_all(shared_data, out)
    return out


@pytest.fixture(scope="module")
def spb(converted: Path, shared_data: Path) -> dict[str, Any]:
    fed = shared_data / "ru_federal_precincts" / "2021.csv.zip"
    inp = load([converted / "spb-duma-2021-smd.csv", fed], converted / "sv-2021-endorsements.csv")
    return assess(inp, n_boot=500).to_dict()


@pytest.fixture(scope="module")
def moscow(converted: Path, shared_data: Path) -> dict[str, Any]:
    fed = shared_data / "ru_federal_precincts"
    inp = load(
        [converted / "moscow-duma-2021-smd.csv", fed / "2021.csv.zip"],
        converted / "sv-2021-endorsements.csv",
        [converted / "moscow-duma-2016-smd.csv", fed / "2016.csv.zip"],
    )
    return assess(inp, n_boot=500).to_dict()


def test_spb_races_and_winners(spb: dict[str, Any]) -> None:
    races = {r["race"]: r for r in spb["races"]}
    assert len(races) == 8 and not spb["unmatched_endorsements"]
    # Winners: Драпеко (214) and Дмитриева (217), both endorsed; 212 lost by 1,209 votes.
    assert spb["endorsed_won"] == 2
    assert {r for r, x in races.items() if x["won"]} == {"duma-2021/smd/214", "duma-2021/smd/217"}
    r212 = races["duma-2021/smd/212"]
    assert r212["rank"] == 2
    assert round(r212["margin_pp"] / 100 * r212["valid"]) == -1209


def test_spb_split_ticket_effect(spb: dict[str, Any]) -> None:
    d = {x["design"]: x for x in spb["designs"]}
    assert not d["did"]["ran"] and not d["swing"]["ran"] and not d["regression"]["ran"]
    assert "--baseline" in d["regression"]["reason"]
    s = d["split_ticket"]
    assert s["ran"] and s["n"] == 8 and s["n_comparators"] >= 10
    assert spb["effect"]["design"] == "split_ticket"
    # Measured: 11.2 pp [8.0, 15.3] (raw contrast 13.1); the design counts personal vote.
    assert 5.0 < s["estimate_pp"] < 20.0 and s["ci_low_pp"] > 0.0
    assert s["contrast_pp"] > s["estimate_pp"]
    assert spb["totals"]["falsified_votes_contested"] > 10_000
    assert spb["totals"]["seats_won_on_clean_stations"] >= spb["endorsed_won"]


def test_moscow_paper_against_electronic(moscow: dict[str, Any]) -> None:
    # PROVENANCE: endorsed candidates led the paper count in 8 of 15 districts and lost all 15.
    assert moscow["endorsed_won"] == 0 and len(moscow["races"]) == 15
    led = {
        p["race"].rsplit("/", 1)[1] for p in moscow["paper_winners"] if p["endorsed_won_on_paper"]
    }
    assert led == {"196", "197", "198", "200", "201", "205", "206", "208"}
    assert moscow["totals"]["seats_won_on_paper"] == 8
    assert (
        moscow["totals"]["regime_seats_previous"] == 13
        and moscow["totals"]["regime_seats_lost"] == 0
    )
    r = {x["race"]: x for x in moscow["races"]}["duma-2021/smd/197"]
    assert r["paper_share"] > r["electronic_share"] + 10


def test_moscow_parties_from_earlier_races_let_the_designs_run(moscow: dict[str, Any]) -> None:
    """2021 Moscow candidates carry no party in the source: it comes from the
    endorsements file and from the same person's 2016 race (same district or, for a name
    that stood once, another one). The rest stay unknown and are said to be."""
    src = moscow["party_sources"]
    assert src["endorsements"] >= 13
    assert src["previous election, same district"] + src["previous election"] >= 15
    assert src["none"] > 100
    d = {x["design"]: x for x in moscow["designs"]}
    reg = d["regression"]
    assert reg["ran"] and reg["n"] >= 10 and reg["n_comparators"] >= 8
    assert reg["pairs"]["endorsed"]["party"] >= 8
    # Measured: regression 17.0 pp [8.8, 25.1]; every design that runs finds a positive
    # effect, with intervals wide for so few same-party comparators.
    for x in d.values():
        if x["ran"]:
            assert x["ci_low_pp"] > 0.0 and x["estimate_pp"] < 40.0
    assert moscow["effect"]["design"] in d and moscow["effect"]["estimate_pp"] is not None
    # No endorsed candidate won, so no race was decided by the endorsement, by any design.
    for v in moscow["totals"]["by_design"].values():
        assert v["decisive"] == 0 and v["decisive_ci_high"] == 0
