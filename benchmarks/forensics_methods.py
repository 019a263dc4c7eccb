"""CPU time of each forensic method on the 2021 file, beside another tree.

The methods of the suite (``forensics/spikes.py``, ``klimek.py``, ``excess.py``,
``integer.py``, ``shpilkin.py`` with the districts' bootstrap) of this tree and of
``--before SRC`` (for instance ``git archive main src | tar -x -C /tmp/main``, then
``--before /tmp/main/src``) are loaded side by side in one process and called
alternately ``--rounds`` times on the same stations (read as ``smartvote forensics`` reads
a CIK file), with the suite's options (replicate counts, seeds). Printed: the CPU time
(``time.process_time``) of each call, minimum and median per tree, their ratio, and
whether the results are the same (every field and array equal). CPU time rather than wall
time, and alternating rounds, because the machine is shared: the ratio within one run is
the figure to read. ``--methods`` picks some of them.

The other tree's modules import ``_frame`` from this tree, and their bootstrap helpers
(``_boot``) from their own tree.

Usage: ``.venv/bin/python benchmarks/forensics_methods.py --before /tmp/main/src
[--data ../shared/data] [--rounds 5] [--file ru_federal_precincts/2021.csv.zip]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from smartvote.forensics._cikread import FileStations, read_file
from smartvote.forensics._frame import choose_race, prepare
from smartvote.forensics.suite import Options, station_frame


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _same(a: Any, b: Any) -> bool:
    """Results equal: every field of the result dataclasses, arrays included (NaN equal
    to NaN)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a).__name__ == type(b).__name__ and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    return bool(a == b)


def _own_boot(mod: ModuleType, boot: ModuleType) -> None:
    """Point the names ``mod`` imported from this tree's ``_boot`` at ``boot`` (the other
    tree's), so that each tree runs its own bootstrap helpers."""
    from smartvote.forensics import _boot

    for name, obj in vars(mod).copy().items():
        if getattr(_boot, name, None) is obj and hasattr(boot, name):
            setattr(mod, name, getattr(boot, name))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", type=Path, help="src/ of the other tree (required to time)")
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--file", default="ru_federal_precincts/2021.csv.zip")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--methods",
        default="spikes,klimek,excess,integer,shpilkin",
        help="comma-separated methods to time",
    )
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
    read = read_file(a.data / a.file)
    if isinstance(read, FileStations):
        st = read.stations
    else:
        st = prepare(choose_race(station_frame(read)))
    o = Options()
    trees = {"before": there, "this": here}
    every: dict[str, Callable[[ModuleType], Any]] = {
        "spikes": lambda m: m.spikes(st, resamples=o.spike_resamples, rng_seed=o.rng_seed),
        "klimek": lambda m: m.klimek(st, boot=o.klimek_boot, rng_seed=o.rng_seed),
        "excess": lambda m: m.excess(st, boot=o.excess_boot, rng_seed=o.rng_seed + 11),
        "integer": lambda m: m.integer_test(
            st,
            calibration_reps=o.integer_calibration_reps,
            calibration_stations=o.integer_calibration_stations,
            monte_carlo_reps=o.monte_carlo,
            rng_seed=o.rng_seed,
        ),
        # as the suite's Shpilkin job: the national estimate and the districts' bootstrap
        "shpilkin": lambda m: (
            m.shpilkin(st, boot=o.shpilkin_boot, rng_seed=o.rng_seed),
            m.by_group(
                st,
                st.district,
                max(1, len(st.district_names)),
                boot=o.shpilkin_boot,
                rng_seed=o.rng_seed + 7,
            ),
        ),
    }
    jobs = {k: every[k] for k in a.methods.split(",")}
    boots = {t: _load(p / "_boot.py", f"_bench__boot_{t}") for t, p in trees.items()}
    mods = {}
    for job in jobs:
        for tree, path in trees.items():
            mods[job, tree] = _load(path / f"{job}.py", f"_bench_{job}_{tree}")
            _own_boot(mods[job, tree], boots[tree])
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
    rows.append(("all", tot["before"], tot["this"]))
    for name, b, t in rows:
        mb, mt = statistics.median(b), statistics.median(t)
        print(
            f"  {name:8s} before min {min(b):.3f} median {mb:.3f} | this min {min(t):.3f} "
            f"median {mt:.3f} | ratio (median) {mt / mb:.2f}"
            + (f" | same results: {same[name]}" if name in same else "")
        )


if __name__ == "__main__":
    main()
