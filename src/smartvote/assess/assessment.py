"""The whole assessment of a campaign: designs, per-race table, totals; its JSON form.

JSON (the ``assess`` contract of DESIGN.md, extended): ``effect`` {estimate_pp,
ci_low_pp, ci_high_pp, method, design, assumptions, n} of the headline design (the
first that could run of: difference in differences, swing, split-ticket), ``designs``
(all three, with the reason where one could not run), ``races`` (per race),
``endorsed_won``, ``decisive`` (race ids), ``totals``, ``paper_winners`` (where channels
are known) and ``unmatched_endorsements``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from smartvote.assess._ledger import candidate_table, unit_table
from smartvote.assess.designs import N_BOOT, DesignResult, headline, run_designs
from smartvote.assess.inputs import AssessInput
from smartvote.assess.races import clean_counts, race_table
from smartvote.assess.totals import totals


@dataclass(frozen=True, slots=True)
class Assessment:
    """Result of :func:`assess`; ``to_dict()`` is the JSON document."""

    elections: tuple[str, ...]
    baseline: tuple[str, ...]
    sources: tuple[str, ...]
    designs: tuple[DesignResult, ...]
    effect: DesignResult | None
    races: pd.DataFrame
    totals: dict[str, Any]
    unmatched: tuple[str, ...]
    candidates: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        e = self.effect
        effect: dict[str, Any] = {
            "estimate_pp": e.estimate_pp if e else None,
            "ci_low_pp": e.ci_low_pp if e else None,
            "ci_high_pp": e.ci_high_pp if e else None,
            "method": e.method if e else "none: no design could run (see designs)",
            "design": e.design if e else None,
            "assumptions": list(e.assumptions) if e else [],
            "n": e.n if e else 0,
        }
        races = [_clean_record(r) for r in self.races.to_dict(orient="records")]
        paper = [
            {
                "race": r["race"],
                "paper_winner": r["paper_winner"],
                "official_winner": r["winner"],
                "endorsed": r["endorsed"],
                "endorsed_won_on_paper": r["won_on_paper"],
                "paper_margin_pp": r["paper_margin_pp"],
            }
            for r in races
            if r.get("paper_winner") is not None
        ]
        return {
            "elections": list(self.elections),
            "baseline": list(self.baseline),
            "sources": list(self.sources),
            "effect": _clean_record(effect),
            "designs": [_clean_record(d.to_dict()) for d in self.designs],
            "races": races,
            "endorsed_won": self.totals["seats_won_by_endorsed"],
            "decisive": [r["race"] for r in races if r.get("decisive")],
            "totals": _clean_record(self.totals),
            "paper_winners": paper,
            "unmatched_endorsements": list(self.unmatched),
        }


def _clean_record(d: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe: NaN → null, numpy scalars → Python."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        if hasattr(v, "item") and not isinstance(v, (list, tuple, dict)):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            v = None
        if v is pd.NA:
            v = None
        out[k] = v
    return out


def assess(inp: AssessInput, rng_seed: int = 0, n_boot: int = N_BOOT) -> Assessment:
    """Assess the campaign in ``inp``: run every design that the data allow, build the
    per-race table (with the headline design's effect) and the totals."""
    cur = candidate_table(inp.current)
    base = candidate_table(inp.baseline) if inp.baseline is not None else None
    designs = run_designs(cur, base, rng_seed=rng_seed, n_boot=n_boot)
    eff = headline(designs)
    units = unit_table(inp.current)
    clean = clean_counts(units, inp.current.smd, cur)
    races = race_table(cur, eff, clean)
    tot = totals(races, base)
    return Assessment(
        elections=tuple(inp.current.elections),
        baseline=tuple(inp.baseline.elections) if inp.baseline is not None else (),
        sources=inp.current.sources + (inp.baseline.sources if inp.baseline is not None else ()),
        designs=tuple(designs),
        effect=eff,
        races=races,
        totals=tot,
        unmatched=inp.unmatched,
        candidates=cur,
    )
