"""Benchmark: forecast + selection for 225 single-member races × 10,000 simulations
(target < 2 s) and for 5,000 races; the 631 UK races end to end from the files (target
< 5 s); wall time and peak memory, printed, each beside a baseline measured in the same
run (drawing the same number of normal variates; reading the same files with pandas).

Run: ``.venv/bin/python benchmarks/recommend.py``. With ``--real`` it also prints the
backtest table of docs/2-recommend.md (UK 2019; St Petersburg and Moscow 2021; needs
``../shared/data``; ~2 minutes, most of it reading the Russian precinct files).

``--ab REV`` (e.g. ``--ab main``): before/after in the same run. The ``src/`` of git
revision REV is exported to a temporary folder, and each figure (225 × 10,000 simulate +
choose; the UK recommend and backtest in-process; the UK ``smartvote backtest --json``
command from process start) is timed in fresh processes alternating REV and this tree,
``--rounds`` times (default 3); printed: the median of each and the ratio. ``--only TEXT``
keeps the figures whose name contains TEXT.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smartvote.recommend.forecast import Forecast, Relation, Uncertainty
from smartvote.recommend.params import SWITCH
from smartvote.recommend.select import choose, simulate_races

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def normals_baseline(races: int, sims: int, per_race: int = 10) -> float:
    """Time to draw as many float32 normal variates as the simulation uses (the floor)."""
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    for _ in range(0, races, 100):
        rng.standard_normal((min(100, races) * per_race, sims), dtype=np.float32)
    return time.perf_counter() - t


def uk_end_to_end() -> tuple[float, float, int] | None:
    """631 UK races from the files (2017 history, both MRPs), 10,000 sims; and the time
    to read the same four files with pandas alone."""
    d = DATA / "uk_ge2019"
    if not d.exists():
        return None
    from smartvote.recommend.run import run_recommend

    files = ["candidates_2019.csv", "history_2017.csv", "polls_2019_mrp.csv"]
    t = time.perf_counter()
    for f in files:
        pd.read_csv(d / f)
    read = time.perf_counter() - t
    t = time.perf_counter()
    r = run_recommend(
        d / "candidates_2019.csv",
        [d / "history_2017.csv"],
        polls=d / "polls_2019_mrp.csv",
        sims=10_000,
    )
    return time.perf_counter() - t, read, len(r.recommendations)


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
            "informed": True,
            "basis": "list",
        }
    )
    return Forecast(c, Relation(), Uncertainty(sigma_swing=0.15, sigma_drift=0.1), {})


def run(races: int, sims: int) -> tuple[float, float]:
    """Wall time (untraced) and peak resident memory of the process (MiB)."""
    fc = synthetic_forecast(races)
    t = time.perf_counter()
    probs = simulate_races(fc, sims=sims)
    recs = choose(fc, probs, switch=SWITCH, sims=sims)
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


def real_backtests() -> None:
    """The docs table: every real case with the model, its baselines and Smart Voting."""
    from smartvote.convert import convert_moscow, convert_spb
    from smartvote.recommend.history import load_history
    from smartvote.recommend.run import run_backtest

    uk = DATA / "uk_ge2019"
    rows = []
    for label, polls in (("UK 2019, history 2017", None), ("UK 2019, 2017 + MRPs", True)):
        res, _ = run_backtest(
            uk / "candidates_2019.csv",
            [uk / "history_2017.csv"],
            uk / "actual_2019.csv",
            polls=uk / "polls_2019_mrp.csv" if polls else None,
        )
        rows.append((label, res.to_dict()))
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        convert_spb(DATA, out)
        convert_moscow(DATA, out)
        fed = DATA / "ru_federal_precincts"
        years = ("2007", "2008", "2011", "2012", "2016", "2018")
        hist = load_history(
            [fed / f"{y}.csv.zip" for y in years] + [out / "moscow-duma-2016-smd.csv"]
        )
        for label, stem, endo, st in (
            ("SPb Duma 211–218", "spb-duma-2021", "spb-2021-endorsements.csv", True),
            ("SPb Assembly 1–25", "spb-zaks-2021", "spb-2021-endorsements.csv", True),
            ("Moscow Duma 196–210", "moscow-duma-2021", "moscow-2021-endorsements.csv", False),
        ):
            res, _ = run_backtest(
                out / f"{stem}-candidates.csv",
                hist,
                out / f"{stem}-smd.csv",
                out / endo,
                stations=out / "spb-2021-stations.csv" if st else None,
                allow_uninformed=True,
            )
            rows.append((label, res.to_dict()))
    print(
        "| case | races | uninformed | model correct | Brier | last_result correct | Brier "
        "| poll correct | Brier | SV correct | agree |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, d in rows:
        b = d["baselines"]
        lr, po, e = b.get("last_result", {}), b.get("poll"), d.get("endorsements")
        po_c, po_b = (str(po["correct"]), f"{po['brier']:.3f}") if po else ("—", "—")
        print(
            f"| {label} | {d['races']} | {d['uninformed']} | {d['correct']} | {d['brier']:.3f} "
            f"| {lr.get('correct')} | {lr.get('brier', float('nan')):.3f} "
            f"| {po_c} | {po_b} "
            f"| {e['correct'] if e else '—'} | {e['agree_with_model'] if e else '—'} |"
        )


def uk_backtest_in_process() -> float:
    """The UK backtest (2017 + both MRPs, 10,000 sims), reading the files: wall seconds."""
    from smartvote.recommend.run import run_backtest

    d = DATA / "uk_ge2019"
    t = time.perf_counter()
    run_backtest(
        d / "candidates_2019.csv",
        [d / "history_2017.csv"],
        d / "actual_2019.csv",
        polls=d / "polls_2019_mrp.csv",
        sims=10_000,
    )
    return time.perf_counter() - t


#: The figures of ``--ab``: name -> code run in a fresh process (prints seconds).
_AB = {
    "225 races x 10,000 sims (simulate + choose)": "print(b.run(225, 10_000)[0])",
    "UK recommend in-process (631 races, files, 2017 + MRPs)": "print(b.uk_end_to_end()[0])",
    "UK backtest in-process (same + scoring)": "print(b.uk_backtest_in_process())",
}


def _ab_once(code: str, src: Path) -> float:
    import os
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(src)}
    bench = Path(__file__).resolve().parent
    prog = f"import sys; sys.path.insert(0, {str(bench)!r}); import recommend as b; {code}"
    r = subprocess.run(
        [sys.executable, "-c", prog], env=env, capture_output=True, text=True, check=True
    )
    return float(r.stdout.strip().splitlines()[-1])


def _ab_cli(src: Path) -> float:
    """``smartvote backtest ... --json`` on the UK files, from process start to exit."""
    import os
    import subprocess

    d = DATA / "uk_ge2019"
    args = [
        "backtest",
        "--candidates", str(d / "candidates_2019.csv"),
        "--history", str(d / "history_2017.csv"),
        "--polls", str(d / "polls_2019_mrp.csv"),
        "--actual", str(d / "actual_2019.csv"),
        "--json",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(src)}
    prog = "import sys; from smartvote.cli import main; sys.argv[0] = 'smartvote'; main()"
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", prog, *args], env=env, stdout=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - t


def ab(rev: str, rounds: int) -> None:
    """Before (``rev``) and after (this tree), alternating, in the same run."""
    import statistics
    import subprocess
    import tarfile
    import tempfile

    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        tar = Path(tmp) / "src.tar"
        subprocess.run(["git", "-C", str(root), "archive", "-o", str(tar), rev, "src"], check=True)
        with tarfile.open(tar) as tf:
            tf.extractall(tmp, filter="data")
        srcs = {rev: Path(tmp) / "src", "this tree": root / "src"}
        figures: dict[str, Any] = dict(_AB)
        if (DATA / "uk_ge2019").exists():
            figures["UK `smartvote backtest --json` (process start to exit)"] = None
        else:
            figures = {k: v for k, v in figures.items() if not k.startswith("UK")}
        if "--only" in sys.argv:  # e.g. --only backtest: the figures whose name has it
            pick = sys.argv[sys.argv.index("--only") + 1]
            figures = {k: v for k, v in figures.items() if pick in k}
        print(f"before = {rev}, after = this tree; {rounds} alternating rounds; median seconds")
        print("| figure | before (s) | after (s) | after / before |")
        print("|---|---|---|---|")
        for name, code in figures.items():
            times: dict[str, list[float]] = {k: [] for k in srcs}
            for _ in range(rounds):
                for k, src in srcs.items():
                    times[k].append(_ab_cli(src) if code is None else _ab_once(code, src))
            before = statistics.median(times[rev])
            after = statistics.median(times["this tree"])
            print(f"| {name} | {before:.2f} | {after:.2f} | {after / before:.2f} |")


def main() -> None:
    if "--ab" in sys.argv:
        i = sys.argv.index("--ab")
        rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
        ab(sys.argv[i + 1], rounds)
        return
    print("(2 shared cores, other jobs running: compare the ratios, not the seconds)")
    print("races  sims    candidates  wall_s  normals_s  ratio  peak_rss_MiB  sim_peak_alloc_MiB")
    for races, sims in ((225, 10_000), (5_000, 10_000)):
        dt, rss = run(races, sims)
        base = normals_baseline(races, sims)
        peak = traced_peak(races, sims) if races <= 225 else float("nan")
        print(
            f"{races:5d}  {sims:6d}  {races * 10:10d}  {dt:6.2f}  {base:9.2f}  {dt / base:5.1f}"
            f"  {rss:12.0f}  {peak:18.1f}"
        )
    print(
        f"end to end from history (225 districts, 20,000 stations, 10,000 sims): {end_to_end():.2f} s"
    )
    uk = uk_end_to_end()
    if uk is None:
        print("UK end to end: skipped (../shared/data/uk_ge2019 absent)")
    else:
        dt, read, n = uk
        print(
            f"UK end to end ({n} races, reading files, 2017 + 2 MRPs, 10,000 sims): {dt:.2f} s; "
            f"pandas reading the same files: {read:.2f} s (ratio {dt / read:.0f})"
        )
    if "--real" in sys.argv:
        real_backtests()


if __name__ == "__main__":
    main()
