"""Bias, spread and coverage of the four assessment designs on simulated campaigns with a
known effect (docs/4-assess.md, "Which design is the headline"). Prints one table per
scenario; run time is noted beside each (noisy on a shared machine).

    .venv/bin/python benchmarks/assess_designs.py [SEEDS] [SCENARIO...]
"""

from __future__ import annotations

import sys
import time

from smartvote.assess.calibration import runs, summary

SCENARIOS: dict[str, tuple[str, dict[str, object]]] = {
    "no-list": ("campaign", {}),
    "no-list-few-again": ("campaign", {"p_again": 0.1}),
    "renamed": ("campaign", {"renamed": True}),
    "with-list": ("campaign", {"list_vote": True}),
    "unobservable-selection": ("campaign", {"select": "expected"}),
    "stations": ("stations", {}),
    "stations-previous": ("stations", {"endorse_from": "previous", "support_persistence": 0.8}),
}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    names = sys.argv[2:] or list(SCENARIOS)
    for name in names:
        gen, kw = SCENARIOS[name]
        for t in (0.0, 0.2):
            t0 = time.perf_counter()
            r = runs(gen, range(n), n_boot=400, tactical_share=t, **kw)
            s = summary(r)
            truth = r["truth_pp"].mean()
            print(
                f"== {name} tactical_share={t} (mean truth {truth:.2f} pp, {n} seeds, "
                f"{time.perf_counter() - t0:.0f} s)"
            )
            print(s.to_string(index=False, float_format=lambda x: f"{x:.2f}"))


if __name__ == "__main__":
    main()
