"""Assessment of an endorsement campaign (METHODS.md §3, DESIGN.md ``assess``)."""

from smartvote.assess.assessment import Assessment, assess
from smartvote.assess.demo import assess_demo
from smartvote.assess.designs import DesignResult, did, split_ticket, swing
from smartvote.assess.inputs import AssessInput, from_simulation, load
from smartvote.assess.regression import regression

__all__ = [
    "AssessInput",
    "Assessment",
    "DesignResult",
    "assess",
    "assess_demo",
    "did",
    "from_simulation",
    "load",
    "regression",
    "split_ticket",
    "swing",
]
