"""The assessment step of ``smartvote demo``: a simulated campaign with a known effect."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def injected_effect_pp(truth: dict[str, Any], tactical_share: float) -> float:
    """Mean injected gain of the endorsed candidates, in points: ``tactical_share`` × the
    other non-regime candidates' expected (clean, pre-effect) shares, averaged over races.
    The regime candidate is the first of each race's ``expected_share``."""
    gains = []
    for r in truth["races"]:
        names = list(r["expected_share"])
        gains.append(
            tactical_share
            * sum(v for n, v in r["expected_share"].items() if n not in (names[0], r["endorsed"]))
        )
    return 100 * sum(gains) / max(len(gains), 1)


def assess_demo(
    seed: int = 1,
    stations: int = 4000,
    districts: int = 40,
    tactical_share: float = 0.2,
    stuffing_share: float = 0.1,
    report: str | Path | None = None,
    n_boot: int = 1000,
) -> dict[str, Any]:
    """Simulate an election with an endorsement effect, assess it, return the JSON
    document with ``truth`` {effect_pp, tactical_share} added; write the HTML report to
    ``report`` when given."""
    from smartvote.assess.assessment import assess
    from smartvote.assess.inputs import from_simulation
    from smartvote.simulate import simulate

    sim = simulate(
        seed=seed,
        stations=stations,
        districts=districts,
        tactical_share=tactical_share,
        stuffing_share=stuffing_share,
        # The campaign knows only the last election, as a real one (docs/4-assess.md).
        endorse_from="previous",
        support_persistence=0.8,
    )
    a = assess(from_simulation(sim), rng_seed=seed, n_boot=n_boot)
    doc = a.to_dict()
    doc["truth"] = {
        "effect_pp": injected_effect_pp(sim.truth, tactical_share),
        "tactical_share": tactical_share,
        "added_ballots": sim.truth["added_ballots"],
        "switched_votes": sim.truth["switched_votes"],
    }
    if report is not None:
        from smartvote.assess.report import write_report

        write_report(a, report, title=f"Simulated campaign (seed {seed})")
        doc["report"] = str(report)
    return doc
