"""Forensics benchmark: prints figures for docs/5-forensics.md.

1. ``smartvote forensics 2021.csv.zip --json`` end to end (wall and CPU time of the
   command; target ≤ 3 s), with ``--before SRC`` the same command from another source tree
   in the same run; then the suite on the file ingested into a store, per method.
2. The integer test alone (exact null) against the published way: a straightforward
   per-station Python Monte Carlo loop over 1,000 replicates, timed on a subsample and
   extrapolated (issue 11: the end-to-end CLI ≥ 20× faster than it). The vectorised
   1,000-replicate Monte Carlo (``--monte-carlo``) is timed too.
3. A simulated 1,000,000-station election (target: the suite < 30 s and < 4 GiB).

4. ``--accuracy``: the synthetic scenarios of docs/5-forensics.md (clean, stuffing, whole
   regions, ballot packs, turnout–support correlation; 40,000 stations in 40 regions, seeds
   200–204): relative error and interval coverage of ``excess`` beside Shpilkin's recipes,
   and ``excess``/``shpilkin`` on the real files 2011–2021 beside the published figures.

With ``--before SRC`` both trees run alternately ``--rounds`` times (medians and their
ratio), and a stage breakdown (imports, read, frame, each method on one thread, wall and
CPU) is printed for each tree.

Usage: ``.venv/bin/python benchmarks/forensics.py [--data ../shared/data] [--quick]
[--accuracy] [--before ../main/src] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from _timing import child_stdout, timed
from smartvote.forensics import integer as it
from smartvote.forensics.suite import run_store


def baseline_loop(
    N: np.ndarray, B: np.ndarray, R: np.ndarray, W: np.ndarray, reps: int, seed: int = 0
) -> tuple[float, float]:
    """The published method written the plain way: per replicate, per station, draw and test."""
    rng = np.random.default_rng(seed)
    counts = []
    n = len(N)
    Nl, Bl, Rl, Wl = N.tolist(), B.tolist(), R.tolist(), W.tolist()
    for _ in range(reps):
        c = 0
        for i in range(n):
            b = rng.binomial(Nl[i], Bl[i] / Nl[i])
            w = rng.binomial(Rl[i], Wl[i] / Rl[i])
            t = 100.0 * b / Nl[i]
            v = 100.0 * w / Rl[i]
            if (abs(t - round(t)) <= 0.05 and round(t) <= 99) or (
                abs(v - round(v)) <= 0.05 and round(v) <= 99
            ):
                c += 1
        counts.append(c)
    return float(np.mean(counts)), float(np.std(counts))


def accuracy(data: Path) -> None:
    """Print the scenario table and the real-data table of docs/5-forensics.md."""
    from smartvote.forensics import shpilkin as sh
    from smartvote.forensics._frame import prepare
    from smartvote.forensics.excess import excess
    from smartvote.forensics.suite import station_frame
    from smartvote.io.cik import read_cik_frame
    from smartvote.simulate import simulate

    a = {"stuffing_share": 0.2, "stuffing_intensity": 0.3, "stuffing_region_sd": 0.8}
    packs = {"packs_share": 0.3, "pack_size": 150.0, "stuffing_region_sd": 0.8}
    scen: dict[str, dict[str, object]] = {
        "clean": {},
        "A": a,
        "B": {**a, "whole_regions": 3},
        "packs": packs,
        "packs+whole": {**packs, "whole_regions": 3},
        "corr 0.1": {"turnout_support_corr": 0.1},
    }
    for name, kw in scen.items():
        rows = []
        for seed in range(200, 205):
            s = simulate(seed=seed, stations=40_000, regions=40, smd=False, **kw)  # type: ignore[arg-type]
            st = prepare(station_frame(read_cik_frame(s.protocols.copy(), "sim.csv")))
            e = excess(st, rng_seed=seed)
            r = sh.shpilkin(st, boot=0)
            tr = float(s.truth["excess_votes"])
            base = tr if tr > 0 else float(st.W.sum())
            off = 1.0 if tr > 0 else 0.0
            rows.append(
                (
                    e.votes / base - off,
                    e.ci_low <= tr <= e.ci_high,
                    r.excess_votes / base - off,
                    r.excess_regions_summed / base - off,
                    int(e.whole.sum()),
                    len(s.truth["whole_regions"]),
                )
            )
        x = np.array(rows, dtype=float)
        unit = "of truth" if name not in ("clean", "corr 0.1") else "of leader's votes"
        print(
            f"[accuracy] {name}: excess {np.round(100 * x[:, 0], 1)} % {unit} (mean "
            f"{100 * x[:, 0].mean():.1f}), coverage {int(x[:, 1].sum())}/5, whole regions "
            f"found {x[:, 4].astype(int)} of {x[:, 5].astype(int)}; Shpilkin published "
            f"{np.round(100 * x[:, 2], 1)}; per-region sum {np.round(100 * x[:, 3], 1)}"
        )
    from smartvote.io import Store

    with tempfile.TemporaryDirectory() as d:
        for year in ("2011", "2016", "2018", "2020", "2021"):
            f = data / "ru_federal_precincts" / f"{year}.csv.zip"
            if not f.exists():
                print(f"no data at {f}")
                continue
            with Store(Path(d) / f"{year}.duckdb") as store:
                el = store.ingest([f], progress=False).election
                st = prepare(store.stations(el))
            e = excess(st)
            r = sh.shpilkin(st)
            whole = [st.region_names[g] for g in np.flatnonzero(e.whole)]
            print(
                f"[real {year}] excess {e.votes / 1e6:.2f}M ({e.ci_low / 1e6:.2f}-"
                f"{e.ci_high / 1e6:.2f}); shpilkin {r.excess_votes / 1e6:.2f}M ± "
                f"{r.excess_sd / 1e6:.2f} (peak {r.peak_turnout}%); regions summed "
                f"{r.excess_regions_summed / 1e6:.2f}M; pooled {r.excess_pooled / 1e6:.2f}M; "
                f"falsified as a whole: {whole}"
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--data", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    )
    ap.add_argument("--quick", action="store_true", help="skip the 1,000,000-station simulation")
    ap.add_argument("--baseline-stations", type=int, default=1500)
    ap.add_argument(
        "--before", help="a src/ folder of an earlier version: run its CLI in the same run"
    )
    ap.add_argument(
        "--accuracy", action="store_true", help="only the synthetic and real-data accuracy tables"
    )
    ap.add_argument(
        "--rounds", type=int, default=3, help="end-to-end runs per source tree (median)"
    )
    ap.add_argument("--sim-1m-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--stages-child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.sim_1m_child:
        sim_1m_child()
        return
    if a.stages_child:
        stages_child(Path(a.stages_child))
        return
    if a.accuracy:
        accuracy(Path(a.data))
        return
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")
    f2021 = Path(a.data) / "ru_federal_precincts" / "2021.csv.zip"
    if f2021.exists():
        import resource
        import sys

        from smartvote.io import Store

        exe = Path(sys.executable).parent / "smartvote"
        # Bytecode of both source trees written first, as pip does at install (an editable
        # install under PYTHONDONTWRITEBYTECODE would recompile every module on every run:
        # 0.15-0.2 s of the command, not the command's own cost). Into a cache folder of
        # this run (PYTHONPYCACHEPREFIX, inherited by every command timed below), so that
        # nothing is written into the trees.
        import compileall

        cache = tempfile.mkdtemp(prefix="smartvote-bench-pycache-")
        os.environ["PYTHONPYCACHEPREFIX"] = sys.pycache_prefix = cache
        for tree in [
            Path(__file__).resolve().parents[1] / "src",
            *([a.before] if a.before else []),
        ]:
            compileall.compile_dir(str(tree), quiet=1)
        print("bytecode: compiled for every source tree timed below (compileall)")
        runs = [timed([str(exe), "forensics", str(f2021), "--json"]) for _ in range(a.rounds)]
        t_cli, c_cli = _median(runs)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        t_imp, c_imp = timed([sys.executable, "-c", "import smartvote.cli"])
        print(
            f"[2021] end to end `smartvote forensics 2021.csv.zip --json` (median of "
            f"{a.rounds}): {t_cli:.2f} s wall, {c_cli:.2f} s CPU (target 3 s wall; peak RSS "
            f"{rss:.0f} MiB); `import smartvote.cli` alone {t_imp:.2f} s wall, {c_imp:.2f} s CPU"
        )
        if a.before:
            # The same command with another source tree (e.g. the code before a change), in
            # this run and alternating with this tree, so that the load of the shared
            # machine weighs on both alike: medians and their ratio.
            env = {**os.environ, "PYTHONPATH": str(Path(a.before).resolve())}
            run = [sys.executable, "-c", "from smartvote.cli import main; main()"]
            bs, af = [], []
            for _ in range(a.rounds):
                bs.append(timed([*run, "forensics", str(f2021), "--json"], env))
                af.append(timed([*run, "forensics", str(f2021), "--json"]))
            (t_b, c_b), (t_a, c_a) = _median(bs), _median(af)
            print(
                f"[2021] before ({a.before}): {t_b:.2f} s wall, {c_b:.2f} s CPU; after: "
                f"{t_a:.2f} s wall, {c_a:.2f} s CPU (medians of {a.rounds}, alternated); "
                f"ratio {t_b / t_a:.2f}x wall, {c_b / c_a:.2f}x CPU"
            )
        for src in [None, a.before] if a.before else [None]:
            env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())} if src else None
            out = child_stdout([sys.executable, __file__, "--stages-child", str(f2021)], env)
            print(out.rstrip())

        with tempfile.TemporaryDirectory() as d:
            db = Path(d) / "b.duckdb"
            t0 = time.perf_counter()
            with Store(db) as st:
                st.ingest([f2021], progress=False)
            t_ing = time.perf_counter() - t0
            t0, c0 = time.perf_counter(), time.process_time()
            res = run_store(db, "duma-2021")
            t_suite = time.perf_counter() - t0
            c_suite = time.process_time() - c0
            t0 = time.perf_counter()
            res.to_dict()
            t_json = time.perf_counter() - t0
        print(
            f"[2021] ingest {t_ing:.2f} s; suite (read stations + all methods) {t_suite:.2f} s; JSON {t_json:.2f} s"
        )
        print(f"[2021] per method (s, wall): {res.timings}")
        print(
            f"[2021] suite CPU time of this process {c_suite:.2f} s (wall {t_suite:.2f} s: the "
            "difference is the load of the shared machine)"
        )
        st2 = res.stations
        mask = it.included(st2)
        N, B, R, W = st2.N[mask], st2.B[mask], st2.R[mask], st2.W[mask]
        t0 = time.perf_counter()
        r = it.integer_test(st2, calibration_reps=0)
        t_exact = time.perf_counter() - t0
        t0 = time.perf_counter()
        r_cal = it.integer_test(st2)
        t_cal = time.perf_counter() - t0
        t0 = time.perf_counter()
        mc = it.monte_carlo(N, B, R, W, reps=1000)
        t_mc = time.perf_counter() - t0
        m = min(a.baseline_stations, N.size)
        sub = np.random.default_rng(0).choice(N.size, m, replace=False)
        t0, c0 = time.perf_counter(), time.process_time()
        baseline_loop(N[sub], B[sub], R[sub], W[sub], reps=1000)
        t_sub = time.perf_counter() - t0
        c_sub = time.process_time() - c0
        t_base = t_sub * N.size / m
        print(
            f"[2021] integer test: {N.size:,} stations, observed {r.observed}, expected {r.expected:.1f} (MC {mc['expected']:.1f} ± {mc['se_of_expected']:.1f}), sd {r.sd:.1f} (MC {mc['sd']:.1f})"
        )
        print(
            f"[2021] integer exact null: {t_exact:.3f} s; with calibration ({r_cal.calibration_reps} reps): {t_cal:.2f} s"
        )
        print(f"[2021] integer vectorised Monte Carlo, 1,000 replicates: {t_mc:.2f} s")
        print(
            f"[2021] baseline per-station Python loop, 1,000 replicates: {t_sub:.1f} s on {m:,} stations -> "
            f"{t_base:.0f} s extrapolated to {N.size:,} (linear in stations)"
        )
        print(
            f"[2021] end-to-end CLI (every method) vs the baseline integer loop alone: "
            f"{t_base / t_cli:,.0f}x faster in wall time, "
            f"{c_sub * N.size / m / c_cli:,.0f}x in CPU time"
        )
        print(
            f"[2021] speed-up exact vs baseline: {t_base / t_exact:,.0f}x; with calibration: {t_base / t_cal:,.0f}x; vectorised MC vs baseline: {t_base / t_mc:,.0f}x"
        )
    else:
        print(f"no data at {f2021}: skipping the 2021 figures")
    if not a.quick:
        import sys

        # In a child process each (one per source tree with --before), so that the peak
        # RSS is the suite's own and before/after are measured in the same run.
        def sim_1m(env: dict[str, str] | None = None) -> dict[str, float]:
            out = child_stdout([sys.executable, __file__, "--sim-1m-child"], env)
            print(out.rstrip())
            return {k: float(v) for k, v in json.loads(out.strip().splitlines()[-1]).items()}

        after = sim_1m()
        if a.before:
            before = sim_1m({**os.environ, "PYTHONPATH": str(Path(a.before).resolve())})
            print(
                f"[sim 1M] before ({a.before}): {before['cpu']:.1f} s CPU, {before['wall']:.1f} s "
                f"wall; after: {after['cpu']:.1f} s CPU, {after['wall']:.1f} s wall; ratio "
                f"{before['cpu'] / after['cpu']:.2f}x CPU, {before['wall'] / after['wall']:.2f}x wall"
            )


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """Median wall and median CPU of (wall, CPU) runs."""
    return float(np.median([r[0] for r in runs])), float(np.median([r[1] for r in runs]))


def stages_child(path: Path) -> None:
    """Where the end-to-end time goes, stage by stage in one process: wall and CPU seconds
    of the imports, reading the file, the station frame, and every method of the suite
    run one after another (``workers=1``, so that each method's CPU is its own)."""
    t0, c0 = time.perf_counter(), time.process_time()
    marks: list[tuple[str, float, float]] = []

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter(), time.process_time()))

    import subprocess
    import sys

    # The imports of the command, in a fresh interpreter (this script has loaded numpy and
    # the suite already): the file reader without pandas where the tree has it.
    probe = (
        "import sys, time; t, c = time.perf_counter(), time.process_time(); "
        "import smartvote.cli.forensics, smartvote.forensics.suite\n"
        "try:\n import smartvote.forensics._cikread\n"
        "except ImportError:\n import smartvote.io.detect\n"
        "print(time.perf_counter() - t, time.process_time() - c, 'pandas' in sys.modules)"
    )
    imp = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    t_imp, c_imp, pandas_loaded = imp.stdout.split()
    t_imp, c_imp = float(t_imp), float(c_imp)
    from smartvote.forensics import suite

    mark("start")
    opts = suite.Options(workers=1)
    try:  # the command's reader: station arrays straight from Arrow, no pandas
        from smartvote.forensics._cikread import read_stations

        fs = read_stations(path)
        assert fs is not None, f"{path}: the pandas-free reader declined"
        mark("read stations (no pandas)")
        import pandas  # noqa: F401 - the command loads it beside the methods

        mark("import pandas")
        res = suite.run_stations(fs, opts)
    except ImportError:  # a --before tree without it: the election type, then its frame
        from smartvote.forensics._file import channel_votes_from_batch
        from smartvote.io.detect import read_any

        e = read_any(path)
        mark("read file")
        frame = suite.station_frame(e)
        mark("station frame")
        cv = channel_votes_from_batch(e, str(frame["race"].iloc[0]))
        mark("channel votes")
        res = suite.run_suite(frame, election=e.election, channel_votes=cv, options=opts)
    mark("suite")
    res.to_dict()
    mark("to JSON")
    parts = [f"imports {t_imp:.2f}/{c_imp:.2f} (pandas loaded: {pandas_loaded})"] + [
        f"{b[0]} {b[1] - a[1]:.2f}/{b[2] - a[2]:.2f}" for a, b in itertools.pairwise(marks)
    ]
    print(f"[2021 stages] source {suite.__file__}")
    print(f"[2021 stages] wall/CPU s, one thread: {'; '.join(parts)}")
    print(f"[2021 stages] suite per method, one thread, wall (s): {res.timings}")
    print(f"[2021 stages] suite per method, one thread, CPU (s): {getattr(res, 'cpu', None)}")
    print(
        f"[2021 stages] total (imports apart) {time.perf_counter() - t0:.2f} s wall, "
        f"{time.process_time() - c0:.2f} s CPU"
    )


class _PssPeak:
    """Peak memory of this process and its children together, sampled in a thread: the
    sum of their proportional set sizes (Linux ``smaps_rollup``; pages a forked child
    shares with its parent count once), in GiB; 0 where /proc has no such file."""

    def __init__(self) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    @staticmethod
    def _pss(pid: int | str) -> float:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) / 1024**2
        except OSError:
            pass
        return 0.0

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.5):
            kids: list[str] = []
            try:
                for t in os.listdir(f"/proc/{me}/task"):
                    with open(f"/proc/{me}/task/{t}/children") as f:
                        kids += f.read().split()
            except OSError:
                pass
            self.peak = max(self.peak, self._pss(me) + sum(self._pss(k) for k in kids))

    def stop(self) -> float:
        self._stop.set()
        self._t.join()
        return self.peak


def sim_1m_child() -> None:
    """The suite on a simulated 1,000,000-station election (target < 30 s, < 4 GiB); the
    last line printed is JSON for the parent."""
    import resource

    from smartvote.forensics import suite
    from smartvote.simulate import simulate

    try:  # as the command does (a --before tree may not have it)
        from smartvote.cli.forensics import keep_freed_memory

        keep_freed_memory()
    except ImportError:
        pass
    t0 = time.perf_counter()
    s = simulate(
        seed=1,
        stations=1_000_000,
        regions=80,
        districts=225,
        stuffing_share=0.1,
        extreme_share=0.01,
        integer_share=0.01,
        smd=False,
    )
    t_sim = time.perf_counter() - t0
    try:  # the CIK reader, as for a real file
        from smartvote.forensics.simulated import simulation_station_frame

        frame = simulation_station_frame(s.protocols, "sim.csv")
    except ImportError:  # a --before tree older than that helper: the two calls it makes
        from smartvote.io.cik import read_cik_frame

        frame = suite.station_frame(read_cik_frame(s.protocols.copy(), "sim.csv"))

    def kids() -> resource.struct_rusage:
        return resource.getrusage(resource.RUSAGE_CHILDREN)

    k0 = kids()
    pss = _PssPeak()
    t0, c0 = time.perf_counter(), time.process_time()
    res = suite.run_suite(frame, election="sim-1m")
    t_suite = time.perf_counter() - t0
    pss_peak = pss.stop()
    k1 = kids()
    # CPU of this process and of the suite's forked child (Klimek, spike test), if any
    c_kid = (k1.ru_utime - k0.ru_utime) + (k1.ru_stime - k0.ru_stime)
    c_suite = time.process_time() - c0 + c_kid
    d = res.to_dict()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    peak_kid = k1.ru_maxrss / 1024**2
    print(f"[sim 1M] source {suite.__file__}")
    print(
        f"[sim 1M] simulate {t_sim:.1f} s (not part of the target); suite {t_suite:.1f} s wall, "
        f"{c_suite:.1f} s CPU; "
        f"peak RSS of the process (simulation included) {peak:.2f} GiB, of the suite's forked "
        f"child {peak_kid:.2f} GiB (its pages shared with the parent counted in both); "
        f"peak of the two together (proportional set size, sampled every 0.5 s) "
        f"{pss_peak:.2f} GiB; of "
        f"the CPU {c_kid:.1f} s in the child; per method {res.timings}"
    )
    print(
        f"[sim 1M] truth added {s.truth['added_ballots']:,} / excess {s.truth['excess_votes']:,}; excess {d['excess']['votes']:,.0f} ({d['excess']['ci_low']:,.0f} … {d['excess']['ci_high']:,.0f}); Shpilkin {d['shpilkin']['excess_votes']:,.0f} ± {d['shpilkin']['excess_sd']:,.0f}; "
        f"low-ref {d['shpilkin']['excess_low_reference']:,.0f}; Klimek f_i {d['klimek']['f_incremental']:.3f} (truth 0.1), f_e {d['klimek']['f_extreme']:.3f} (truth 0.01)"
    )
    print(json.dumps({"cpu": c_suite, "wall": t_suite, "rss_gib": peak}))


if __name__ == "__main__":
    main()
