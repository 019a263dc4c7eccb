"""Benchmark: forecast + selection for 225 single-member races × 10,000 simulations
(target < 2 s) and for 5,000 races; wall time and peak memory, printed.

The races are synthetic (a simulated election with 225 districts and its previous election
as history), so the figures include building the forecast from history, the simulation and
the selection, but not reading files. Run: ``.venv/bin/python benchmarks/recommend.py``.
"""

from __future__ import annotations

import resource
import time
import tracemalloc

import numpy as np
import pandas as pd

from smartvote.recommend.forecast import Forecast, Relation, Uncertainty
from smartvote.recommend.select import choose, simulate_races


def synthetic_forecast(races: int, per_race: int = 10, seed: int = 0) -> Forecast:
    rng = np.random.default_rng(seed)
    n = races * per_race
    party = np.tile(np.arange(per_race), races)
    c = pd.DataFrame(
        {
            "race": np.repeat([f"bench-2026/smd/{i + 1}" for i in range(races)], per_race),
            "candidate": [f"Кандидат {i}" for i in range(n)],
            "party": [f"Партия {p}" for p in party],
            "party_key": [f"п{p}" for p in party],
            "name_key": [f"кандидат {i}" for i in range(n)],
            "regime": party == 0,
            "excluded": "",
            "incumbent": False,
            "seats": 1,
            "mu": np.log(np.r_[0.35, np.full(per_race - 1, 0.65 / (per_race - 1))])[party]
            + rng.normal(0, 0.4, n),
            "sd_local": 0.35,
            "swing_group": [f"п{p}" for p in party],
            "swing_beta": 1.0,
        }
    )
    return Forecast(c, Relation(), Uncertainty(sigma_swing=0.15, sigma_drift=0.1), {})


def run(races: int, sims: int) -> tuple[float, float]:
    """Wall time (untraced) and peak resident memory of the process (MiB)."""
    fc = synthetic_forecast(races)
    t = time.perf_counter()
    probs = simulate_races(fc, sims=sims)
    recs = choose(fc, probs, switch=0.25, sims=sims)
    dt = time.perf_counter() - t
    assert len(recs) == races
    return dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def traced_peak(races: int, sims: int) -> float:
    """Peak memory allocated by the simulation itself (tracemalloc; slows numpy, so separate)."""
    fc = synthetic_forecast(races)
    tracemalloc.start()
    simulate_races(fc, sims=sims)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def end_to_end(districts: int = 225, stations: int = 20_000) -> float:
    """Whole path from history frames: join, relation fit, calibration, simulation, choice."""
    import tempfile
    from pathlib import Path

    from smartvote.recommend.history import load_history
    from smartvote.recommend.run import run_recommend
    from smartvote.simulate import simulate

    with tempfile.TemporaryDirectory() as d:
        simulate(seed=3, districts=districts, regions=60, stations=stations).write(d)
        hist = load_history([Path(d) / "sim-2021.csv", Path(d) / "sim-2021-smd.csv"])
        t = time.perf_counter()
        r = run_recommend(
            Path(d) / "sim-2026-candidates.csv",
            hist,
            stations=Path(d) / "sim-2026-stations.csv",
            sims=10_000,
        )
        dt = time.perf_counter() - t
        assert len(r.recommendations) == districts
    return dt


def main() -> None:
    print("races  sims    candidates  wall_s  peak_rss_MiB  sim_peak_alloc_MiB")
    for races, sims in ((225, 10_000), (5_000, 10_000)):
        dt, rss = run(races, sims)
        peak = traced_peak(races, sims) if races <= 225 else float("nan")
        print(f"{races:5d}  {sims:6d}  {races * 10:10d}  {dt:6.2f}  {rss:12.0f}  {peak:18.1f}")
    print(
        f"end to end from history (225 districts, 20,000 stations, 10,000 sims): {end_to_end():.2f} s"
    )


if __name__ == "__main__":
    main()
