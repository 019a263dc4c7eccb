"""Paper versus electronic comparison by district."""

from __future__ import annotations

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
