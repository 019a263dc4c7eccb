"""Choose the endorsements: forecast every race, pick the challenger, backtest the picks."""

from smartvote.recommend.run import RecommendRun, recommend_demo, run_backtest, run_recommend
from smartvote.recommend.select import Alternative, Recommendation

__all__ = [
    "Alternative",
    "RecommendRun",
    "Recommendation",
    "recommend_demo",
    "run_backtest",
    "run_recommend",
]
