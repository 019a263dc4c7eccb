"""Simulate and choose (METHODS.md §2, "Select"), kept as one import for callers.

The work is split by what it does: :mod:`~smartvote.recommend.montecarlo` (the simulation),
:mod:`~smartvote.recommend.decide` (the decision and override checks),
:mod:`~smartvote.recommend.explain` (the reasons, English and Russian) and
:mod:`~smartvote.recommend.records` (the result records).
"""

from __future__ import annotations

from smartvote.recommend.decide import SelectionRule, choose, max_p_win
from smartvote.recommend.montecarlo import simulate_races
from smartvote.recommend.records import Alternative, Recommendation

__all__ = [
    "Alternative",
    "Recommendation",
    "SelectionRule",
    "choose",
    "max_p_win",
    "simulate_races",
]
