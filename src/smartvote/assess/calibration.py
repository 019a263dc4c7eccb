"""How each design does on simulated campaigns with a known effect: bias, spread and
interval coverage over seeds, beside the naive comparison (endorsed against every other
challenger). This is the evidence for the headline rule of :func:`headline`
(docs/4-assess.md), and for the selection bias each design carries.

Two generators: ``campaign`` (:mod:`smartvote.simulate_campaign`: district totals,
selection on what a campaign can see, optional list vote) and ``stations``
(:mod:`smartvote.simulate`: station-level national election, selection on this year's
strength including a new candidate's personal vote).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smartvote.assess._ledger import candidate_table
from smartvote.assess.designs import DesignResult, run_designs


def _campaign(seed: int, **kw: Any) -> tuple[pd.DataFrame, pd.DataFrame | None, float]:
    from smartvote.simulate_campaign import campaign_input, simulate_campaign

    camp = simulate_campaign(seed=seed, **kw)
    inp = campaign_input(camp)
    base = candidate_table(inp.baseline) if inp.baseline is not None else None
    return candidate_table(inp.current), base, float(camp.truth["effect_pp"])


def _stations(seed: int, **kw: Any) -> tuple[pd.DataFrame, pd.DataFrame | None, float]:
    from smartvote.assess.demo import injected_effect_pp
    from smartvote.assess.inputs import from_simulation
    from smartvote.simulate import simulate

    kw = {"stations": 4000, "districts": 40, "stuffing_share": 0.1, **kw}
    sim = simulate(seed=seed, **kw)
    inp = from_simulation(sim)
    base = candidate_table(inp.baseline) if inp.baseline is not None else None
    truth = injected_effect_pp(sim.truth, float(kw.get("tactical_share", 0.0)))
    return candidate_table(inp.current), base, truth


GENERATORS = {"campaign": _campaign, "stations": _stations}


def runs(generator: str, seeds: range | list[int], n_boot: int = 400, **kw: Any) -> pd.DataFrame:
    """One row per (seed, design): truth, estimate, interval, whether it covers, naive."""
    rows: list[dict[str, Any]] = []
    for seed in seeds:
        cur, base, truth = GENERATORS[generator](seed, **kw)
        results: list[DesignResult] = run_designs(cur, base, rng_seed=seed, n_boot=n_boot)
        for d in results:
            rows.append(
                {
                    "seed": seed,
                    "design": d.design,
                    "ran": d.ran,
                    "truth_pp": truth,
                    "estimate_pp": d.estimate_pp,
                    "ci_low_pp": d.ci_low_pp,
                    "ci_high_pp": d.ci_high_pp,
                    "covers": bool(d.ran and d.ci_low_pp <= truth <= d.ci_high_pp),  # type: ignore[operator]
                    "naive_contrast_pp": d.naive_contrast_pp,
                }
            )
    return pd.DataFrame(rows)


def summary(r: pd.DataFrame) -> pd.DataFrame:
    """Per design: runs, mean error (bias), its spread, coverage, mean interval width, and
    the naive contrast's mean error."""
    out = []
    for design, g in r.groupby("design", sort=False):
        ran = g[g["ran"]]
        err = ran["estimate_pp"].astype(float) - ran["truth_pp"]
        naive = g["naive_contrast_pp"].astype(float) - g["truth_pp"]
        out.append(
            {
                "design": design,
                "ran": f"{len(ran)}/{len(g)}",
                "bias_pp": float(err.mean()) if len(ran) else np.nan,
                "sd_pp": float(err.std(ddof=1)) if len(ran) > 1 else np.nan,
                "rmse_pp": float(np.sqrt((err**2).mean())) if len(ran) else np.nan,
                "coverage": float(ran["covers"].mean()) if len(ran) else np.nan,
                "width_pp": float((ran["ci_high_pp"] - ran["ci_low_pp"]).astype(float).mean())
                if len(ran)
                else np.nan,
                "naive_bias_pp": float(naive.mean()) if naive.notna().any() else np.nan,
            }
        )
    return pd.DataFrame(out)
