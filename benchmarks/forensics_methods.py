"""CPU time of the spike test and the Klimek fit on the 2021 file, beside another tree.

The two methods (``forensics/spikes.py`` and ``forensics/klimek.py``) of this tree and of
``--before SRC`` (for instance ``git archive main src | tar -x -C /tmp/main``, then
``--before /tmp/main/src``) are loaded side by side in one process and called
alternately ``--rounds`` times on the same stations, with the suite's replicate counts
(51 resamples, 51 bootstrap replicates). Printed: the CPU time (``time.process_time``) of
each call, minimum and median per tree, their ratio, and whether the results are the same
(``to_dict()`` equal, arrays equal). CPU time rather than wall time, and alternating
rounds, because the machine is shared: the ratio within one run is the figure to read.

The other tree's modules import their helpers (``_frame``, ``_boot``) from this tree.

Usage: ``.venv/bin/python benchmarks/forensics_methods.py --before /tmp/main/src
[--data ../shared/data] [--rounds 5] [--file ru_federal_precincts/2021.csv.zip]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from smartvote.forensics._frame import choose_race, prepare
from smartvote.forensics.suite import Options, station_frame
from smartvote.io.detect import read_any


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _same(a: Any, b: Any) -> bool:
    """Results equal: their JSON dicts and their arrays."""
    if a.to_dict() != b.to_dict():
        return False
    arrays = ("observed", "simulated") if hasattr(a, "simulated") else ()
    if hasattr(a, "turnout"):
        return all(
            np.array_equal(getattr(getattr(a, v), k), getattr(getattr(b, v), k))
            for v in ("turnout", "result")
            for k in ("observed", "envelope", "mean")
        )
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in arrays)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", type=Path, help="src/ of the other tree (required to time)")
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--file", default="ru_federal_precincts/2021.csv.zip")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    # `make bench` runs every script without arguments: say why nothing is timed, exit 0
    if a.before is None:
        print("skipped: no --before SRC (this benchmark times this tree against another one)")
        return
    if not (a.data / a.file).exists():
        print(f"skipped: {a.data / a.file} absent")
        return
    here = Path(__file__).resolve().parent.parent / "src" / "smartvote" / "forensics"
    there = a.before / "smartvote" / "forensics"
    st = prepare(choose_race(station_frame(read_any(a.data / a.file))))
    o = Options()
    trees = {"before": there, "this": here}
    jobs: dict[str, Callable[[ModuleType], Any]] = {
        "spikes": lambda m: m.spikes(st, resamples=o.spike_resamples, rng_seed=o.rng_seed),
        "klimek": lambda m: m.klimek(st, boot=o.klimek_boot, rng_seed=o.rng_seed),
    }
    mods = {
        (job, tree): _load(path / f"{job}.py", f"_bench_{job}_{tree}")
        for job in jobs
        for tree, path in trees.items()
    }
    print(f"{a.file}: {st.n} stations; {a.rounds} alternating rounds, CPU seconds")
    cpu: dict[tuple[str, str], list[float]] = {k: [] for k in mods}
    same: dict[str, bool] = {}
    for job, fn in jobs.items():
        res = {tree: fn(mods[job, tree]) for tree in trees}  # warm-up, and the results
        same[job] = _same(res["before"], res["this"])
    for r in range(a.rounds):
        order = list(trees) if r % 2 == 0 else list(reversed(trees))
        for job, fn in jobs.items():
            for tree in order:
                c0 = time.process_time()
                fn(mods[job, tree])
                cpu[job, tree].append(time.process_time() - c0)
    tot = {t: [sum(cpu[j, t][i] for j in jobs) for i in range(a.rounds)] for t in trees}
    rows = [(job, cpu[job, "before"], cpu[job, "this"]) for job in jobs]
    rows.append(("both", tot["before"], tot["this"]))
    for name, b, t in rows:
        mb, mt = statistics.median(b), statistics.median(t)
        print(
            f"  {name:7s} before min {min(b):.3f} median {mb:.3f} | this min {min(t):.3f} "
            f"median {mt:.3f} | ratio (median) {mt / mb:.2f}"
            + (f" | same results: {same[name]}" if name in same else "")
        )


if __name__ == "__main__":
    main()
