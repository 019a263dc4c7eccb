"""The UK 2019 general election replayed from 2017 results and YouGov's two MRPs
(``../shared/data/uk_ge2019``; skipped without it). The naive rules' figures are checked
against the table in that folder's PROVENANCE.md (an independent count: 570 / 631 for the
2017 rule; 605 + 8 ties for the 10 December MRP)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smartvote.recommend.run import run_backtest

pytestmark = pytest.mark.real_data

SIMS = 4000


@pytest.fixture(scope="module")
def uk(shared_data: Path) -> Path:
    d = shared_data / "uk_ge2019"
    if not d.exists():
        pytest.skip("../shared/data/uk_ge2019 is absent")
    return d


def _bt(uk: Path, polls: bool) -> tuple[dict[str, Any], Any]:
    res, run = run_backtest(
        uk / "candidates_2019.csv",
        [uk / "history_2017.csv"],
        uk / "actual_2019.csv",
        polls=uk / "polls_2019_mrp.csv" if polls else None,
        sims=SIMS,
    )
    return res.to_dict(), run


@pytest.fixture(scope="module")
def history_only(uk: Path) -> tuple[dict[str, Any], Any]:
    return _bt(uk, polls=False)


@pytest.fixture(scope="module")
def with_polls(uk: Path) -> tuple[dict[str, Any], Any]:
    return _bt(uk, polls=True)


def test_2017_reaches_every_2019_race_by_race_id(history_only: tuple[dict[str, Any], Any]) -> None:
    d, run = history_only
    assert d["races"] == 631 and d["uninformed"] == 0
    for r in run.recommendations:
        (h,) = r.data_used["history"]
        assert (h["election"], h["race"], h["join"]) == ("history_2017", r.race, "race")
        assert r.data_used["polls"] is None
    prior = run.table.loc[run.table["basis"] == "prior", "party_key"]
    assert set(prior) == {"Brexit"}  # the one party new since 2017
    assert len(prior) == 275


def test_history_only_at_least_the_naive_rule(history_only: tuple[dict[str, Any], Any]) -> None:
    d, _ = history_only
    base = d["baselines"]["last_result"]
    assert (base["races"], base["correct"], base["ties"]) == (631, 570, 0)  # PROVENANCE.md
    assert "poll" not in d["baselines"]
    assert d["correct"] >= 570
    assert d["brier"] < base["brier"]


def test_history_and_mrps_beat_the_mrp(with_polls: tuple[dict[str, Any], Any]) -> None:
    d, run = with_polls
    poll = d["baselines"]["poll"]
    # 605 right + 8 ties containing the actual pick, credited 1/2 each (PROVENANCE.md).
    assert (poll["races"], poll["correct"], poll["ties"]) == (631, 609, 8)
    assert d["correct"] >= 610
    assert d["brier"] < poll["brier"]
    r = run.recommendations[0]
    assert r.data_used["polls"]["dates"] == ["2019-11-27", "2019-12-10"]
    model = r.data_used["polls_model"]
    assert model["history_sd_calibrated"] and model["calibration_rows"] > 1000
    ev = next(iter(r.alternatives)).evidence
    assert 0 < ev["weights"]["polls"] < 1 and ev["weights"]["history"] > 0


def test_polls_carry_the_national_swing(with_polls: tuple[dict[str, Any], Any]) -> None:
    """2017 → 2019: the Liberal Democrats rose, Labour fell; the polls' swing says so."""
    _, run = with_polls
    swing = run.recommendations[0].data_used["polls_model"]["swing"]
    assert swing["LD"] > 0.2 and swing["Lab"] < -0.1
