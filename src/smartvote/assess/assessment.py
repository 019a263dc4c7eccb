"""The whole assessment of a campaign: designs, per-race table, totals; its JSON form.

JSON (the ``assess`` contract of DESIGN.md, extended): ``effect`` {estimate_pp,
ci_low_pp, ci_high_pp, method, design, assumptions, n} of the headline design (the
first that could run of: regression, difference in differences, swing, split-ticket), ``designs``
(all four, with the reason where one could not run), ``races`` (per race),
``endorsed_won``, ``decisive`` (race ids), ``totals``, ``paper_winners`` (where channels
are known) and ``unmatched_endorsements``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from smartvote.assess._ledger import candidate_table, unit_table
from smartvote.assess.designs import N_BOOT, DesignResult, headline, run_designs
from smartvote.assess.inputs import AssessInput
from smartvote.assess.races import clean_counts, decisive_draws, race_table
from smartvote.assess.totals import totals
from smartvote.jsonio import clean


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
            # Spread of the designs that ran: far apart means selection the headline may
            # not see (docs/4-assess.md).
            "range_of_designs_pp": _range(self.designs),
        }
        races = [clean(r) for r in self.races.to_dict(orient="records")]
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
            "effect": clean(effect),
            "designs": [clean(d.to_dict()) for d in self.designs],
            "races": races,
            "endorsed_won": self.totals["seats_won_by_endorsed"],
            "decisive": [r["race"] for r in races if r.get("decisive")],
            "totals": clean(self.totals),
            "paper_winners": paper,
            "unmatched_endorsements": list(self.unmatched),
            "party_sources": party_sources(self.candidates),
        }


def _range(designs: tuple[DesignResult, ...]) -> list[float] | None:
    est = [d.estimate_pp for d in designs if d.ran and d.estimate_pp is not None]
    return [float(min(est)), float(max(est))] if est else None


def party_sources(c: pd.DataFrame) -> dict[str, int]:
    """How many candidates got their party from each source (results, endorsements,
    previous election, nominations) and how many have none (independent or unknown)."""
    if "party_source" not in c.columns:
        return {}
    src = c["party_source"].where(c["party_key"] != "", "none")
    return {str(k): int(v) for k, v in src.value_counts().sort_index().items()}


def decisive_intervals(
    cur: pd.DataFrame, d: DesignResult | None, races: pd.DataFrame, key: str | None = None
) -> dict[str, Any]:
    """Decisive races under design ``d``: the count at its estimate, the expected count
    (Σ p_decisive) and a 95% interval of the count over the design's draws of the effect;
    seats the endorsed would have won without it. ``key``: read the per-race figures from
    ``by_design[key]`` instead of the headline columns."""
    won = int(races["won"].sum()) if len(races) else 0
    out: dict[str, Any] = {
        "decisive_ci_low": None,
        "decisive_ci_high": None,
        "seats_won_without_endorsement": None,
        "seats_won_without_endorsement_ci_low": None,
        "seats_won_without_endorsement_ci_high": None,
    }
    if d is None or not d.ran or not len(races):
        return out
    if key is not None:
        per = [r.get(key, {}) for r in races["by_design"]]
        dec = int(sum(bool(p.get("decisive")) for p in per))
        pd_ = [p.get("p_decisive") for p in per if p.get("p_decisive") is not None]
        out["decisive"] = dec
        out["expected_decisive"] = float(sum(pd_)) if pd_ else None
    else:
        dec = int(races["decisive"].fillna(False).astype(bool).sum())
    counts = decisive_draws(cur, d.k_draws)
    if len(counts):
        lo, hi = np.percentile(counts, [2.5, 97.5])
        out["decisive_ci_low"], out["decisive_ci_high"] = int(lo), int(np.ceil(hi))
        out["seats_won_without_endorsement_ci_low"] = won - int(np.ceil(hi))
        out["seats_won_without_endorsement_ci_high"] = won - int(lo)
    out["seats_won_without_endorsement"] = won - dec
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
    races = race_table(cur, eff, clean, designs)
    tot = totals(races, base)
    tot.update(decisive_intervals(cur, eff, races))
    tot["by_design"] = {
        d.design: {
            "estimate_pp": d.estimate_pp,
            **decisive_intervals(cur, d, races, key=d.design),
        }
        for d in designs
        if d.ran
    }
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
