"""The integer-percentage test and the paper/electronic comparison alone: CPU seconds.

On the 2021 Duma file (96,325 stations; ``../shared/data``) and on a simulated election
(30,000 stations, some stuffing and integer rewriting), with the suite's settings (30
calibration replicates on 8,000 stations): ``integer_test`` and ``electronic`` each timed
with ``time.process_time`` (CPU of this process: steadier than the wall clock on a shared
machine), best of ``--reps`` after one warm-up call. The per-call page faults are printed
too (each costs CPU in the kernel).

With ``--before SRC`` the same measurement runs with another source tree (e.g. ``git
archive main src``) in a child process, alternating with this tree ``--rounds`` times, and
the median CPU of each and their ratio are printed, with whether the JSON of both methods
is the same (the deterministic values must be identical).

Usage: ``.venv/bin/python benchmarks/forensics_integer.py [--data ../shared/data]
[--before /tmp/main/src] [--rounds 3] [--reps 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def measure(data: Path, reps: int) -> dict[str, Any]:
    """CPU seconds (best of ``reps``), page faults and the JSON of both methods."""
    from smartvote.forensics import integer as it
    from smartvote.forensics._file import channel_votes_from_batch
    from smartvote.forensics._frame import prepare
    from smartvote.forensics.electronic import electronic
    from smartvote.forensics.suite import station_frame
    from smartvote.io.cik import read_cik_frame
    from smartvote.io.detect import read_any
    from smartvote.simulate import simulate

    out: dict[str, Any] = {}
    frames = {}
    f2021 = data / "ru_federal_precincts" / "2021.csv.zip"
    if f2021.exists():
        e = read_any(f2021)
        frame = station_frame(e)
        cv = channel_votes_from_batch(e, str(frame["race"].iloc[0]))
        frames["2021"] = (frame, cv)
    s = simulate(seed=3, stations=30_000, stuffing_share=0.1, integer_share=0.03, smd=False)
    frames["sim"] = (station_frame(read_cik_frame(s.protocols.copy(), "sim.csv")), None)
    for name, (frame, cv) in frames.items():
        st = prepare(frame)
        jobs = {
            "integer": lambda st=st: it.integer_test(
                st, calibration_reps=30, calibration_stations=8000
            ).to_dict(),
            "electronic": lambda frame=frame, cv=cv: electronic(frame, cv),
        }
        for job, fn in jobs.items():
            result = fn()
            best, faults = float("inf"), 0
            for _ in range(reps):
                f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                c0 = time.process_time()
                fn()
                best = min(best, time.process_time() - c0)
                faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
            out[f"{name} {job}"] = {
                "cpu": best,
                "faults": faults,
                "json": json.dumps(result, sort_keys=True, default=str),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--data", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    )
    ap.add_argument("--before", help="a src/ folder of an earlier version, timed alternately")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    data = Path(a.data)
    if a.child:
        print(json.dumps(measure(data, a.reps)))
        return
    if not (data / "ru_federal_precincts" / "2021.csv.zip").exists():
        print(f"no 2021 file under {data}: the simulated election only")
    trees = {"after": None, "before": a.before} if a.before else {"after": None}
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in trees}
    for _ in range(a.rounds if a.before else 1):
        for label, src in trees.items():
            env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())} if src else None
            argv = [sys.executable, __file__, "--child", "--data", str(data)]
            argv += ["--reps", str(a.reps)]
            proc = subprocess.run(argv, check=True, capture_output=True, text=True, env=env)
            runs[label].append(json.loads(proc.stdout))
    for key in runs["after"][0]:
        after = [r[key]["cpu"] for r in runs["after"]]
        line = (
            f"[{key}] after: {np.median(after):.3f} s CPU "
            f"({runs['after'][0][key]['faults']} page faults)"
        )
        if a.before:
            before = [r[key]["cpu"] for r in runs["before"]]
            same = runs["before"][0][key]["json"] == runs["after"][0][key]["json"]
            line += (
                f"; before: {np.median(before):.3f} s CPU "
                f"({runs['before'][0][key]['faults']} page faults); ratio "
                f"{np.median(before) / np.median(after):.2f}x; JSON identical: {same}"
            )
        print(line)


if __name__ == "__main__":
    main()
