"""Paper versus electronic comparison by district."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smartvote.forensics.electronic import electronic


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "race": "x/list",
            "unit": ["a/1", "a/2", "a/ДЭГ-1", "b/1"],
            "region": ["A", "A", "A", "B"],
            "district": ["1", "1", "1", "2"],
            "channel": ["paper", "paper", "electronic", "paper"],
            "registered": [1000, 1000, 500, 1000],
            "ballots": [400, 600, 450, 500],
            "valid": [400, 600, 450, 500],
            "leader_votes": [100, 200, 300, 250],
        }
    )


def test_paper_vs_electronic() -> None:
    cv = pd.DataFrame(
        {
            "district": ["1"] * 4,
            "channel": ["paper", "paper", "electronic", "electronic"],
            "candidate": ["Leader", "Rival", "Leader", "Rival"],
            "votes": [300, 700, 300, 150],
        }
    )
    r = electronic(_frame(), cv)
    assert r["present"] is True
    (d,) = r["districts"]
    assert d["district"] == "1"
    assert d["paper_leader_share"] == pytest.approx(0.3)
    assert d["electronic_leader_share"] == pytest.approx(300 / 450)
    assert d["winner_paper"] == "Rival"
    assert d["winner_official"] == "Rival"
    assert d["paper_winner_differs"] is False
    assert r["mean_difference_pp"] == pytest.approx(100 * (300 / 450 - 0.3))


def test_absent() -> None:
    f = _frame()
    f["channel"] = "paper"
    assert electronic(f)["present"] is False


def test_districts_without_paper_candidates_and_ties() -> None:
    """Sums by district and channel (district from the race when empty), a district with
    only its electronic unit, a region missing on the first row, candidates that stand in one
    district only, and ties (kept in name order)."""
    f = pd.DataFrame(
        {
            "race": ["x/list", "x/list", "x/list", "x/list", "y", "y"],
            "unit": ["a/1", "a/2", "a/ДЭГ", "b/ДЭГ", "c/1", "c/ДЭГ"],
            "region": [None, "A", "A", "B", "C", "C"],
            "district": ["1", "1", "1", "2", "", ""],
            "channel": ["paper", "paper", "electronic", "electronic", "paper", "electronic"],
            "registered": [1000, "bad", 500, 300, 100, 50],
            "ballots": [400, 600, 450, 150, 50, 25],
            "valid": [400, 600, 450, 150, 50, 25],
            "leader_votes": [100, 200, 300, 75, 10, 20],
        }
    )
    cv = pd.DataFrame(
        {
            "district": ["1", "1", "1", "1", "2", "2"],
            "channel": ["paper", "electronic", "paper", "electronic", "electronic", "paper"],
            "candidate": ["B", "B", "A", "A", "C", "A"],
            "votes": [300, 100, 300, 100, 80, 0],
        }
    )
    r = electronic(f, cv)
    assert [d["district"] for d in r["districts"]] == ["1", "2", "y"]
    d1, d2, dy = r["districts"]
    assert d1["region"] == "A"
    assert d1["paper_registered"] == 1000  # the unreadable count is 0
    assert d1["paper_turnout"] == pytest.approx(1.0)
    assert d1["paper_leader_share"] == pytest.approx(0.3)
    assert [c["candidate"] for c in d1["candidates"]] == ["A", "B"]  # a tie: name order
    assert d1["winner_paper"] == d1["winner_official"] == "A"
    assert d2["paper_registered"] == 0
    assert np.isnan(d2["paper_turnout"]) and np.isnan(d2["paper_leader_share"])
    assert np.isnan(d2["difference_pp"])
    assert [c["candidate"] for c in d2["candidates"]] == ["C", "A"]
    assert d2["candidates"][1]["official_share"] == 0.0
    assert d2["winner_paper"] == "A"  # no paper votes at all: the first in name order
    assert dy["electronic_leader_share"] == pytest.approx(0.8)
    assert "winner_paper" not in dy
    assert r["mean_difference_pp"] == pytest.approx(
        np.mean([100 * (300 / 450 - 0.3), 100 * (0.8 - 0.2)])
    )
