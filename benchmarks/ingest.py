"""Benchmark: ingest of a real CIK file and of simulated elections up to 1,000,000 stations.

Baseline in the same run: a bare ``pandas.read_csv`` of the same file, alternated with the
ingest (baseline, ingest, baseline, ...) so that load on a shared machine falls on both.
Each measurement runs in a fresh subprocess so that its peak memory (max RSS) is its own.

    python benchmarks/ingest.py [--sizes 250000,500000,1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data" / "ru_federal_precincts" / "2021.csv.zip").resolve()

CHILD = r"""
import json, resource, sys, time
mode, path, db = sys.argv[1], sys.argv[2], sys.argv[3]
import pandas as pd
from smartvote.io.store import Store
t = time.perf_counter()
if mode == "read_csv":
    n = len(pd.read_csv(path, low_memory=False))
else:
    with Store(db) as st:
        n = st.ingest([path], progress=False).stations
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "rows": n, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(mode: str, path: Path, db: Path) -> dict[str, float]:
    if db.exists():
        db.unlink()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(path), str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def fastest(runs: list[dict[str, float]]) -> dict[str, float]:
    return min(runs, key=lambda r: r["seconds"])


def best(mode: str, path: Path, db: Path, repeat: int) -> dict[str, float]:
    return fastest([run(mode, path, db) for _ in range(repeat)])


def paired(
    path: Path, db: Path, repeat: int
) -> tuple[dict[str, float], dict[str, float], list[float]]:
    """Baseline and ingest alternated, so that load on a shared machine hits both alike.

    Returns the best of each and the ratio of every (ingest, baseline) pair.
    """
    base, ing = [], []
    for _ in range(repeat):
        base.append(run("read_csv", path, db))
        ing.append(run("ingest", path, db))
    ratios = sorted(i["seconds"] / b["seconds"] for b, i in zip(base, ing, strict=True))
    return fastest(base), fastest(ing), ratios


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="250000,500000,1000000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sv-bench-"))
    db = tmp / "bench.duckdb"
    print("ingest benchmark (best of", args.repeat, "runs; peak = max RSS of the process)")
    if DATA.exists():
        base, ing, ratios = paired(DATA, db, args.repeat)
        print(f"2021.csv.zip: {ing['rows']:,} stations")
        print(
            f"  pandas.read_csv (baseline): {base['seconds']:.2f} s, peak {base['peak_mib']:.0f} MiB"
        )
        print(
            f"  smartvote ingest:           {ing['seconds']:.2f} s, peak {ing['peak_mib']:.0f} MiB"
        )
        print(
            f"  ratio of the best times:    {ing['seconds'] / base['seconds']:.1f}x (target <= 3x)"
        )
        print(
            f"  ratio per alternated pair:  median {ratios[len(ratios) // 2]:.1f}x, "
            f"range {ratios[0]:.1f}-{ratios[-1]:.1f}x over {len(ratios)} pairs"
        )
    else:
        print(f"(real data not found at {DATA}: skipping the 2021 file)")
    from smartvote.simulate import simulate

    rows = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        sim = simulate(
            seed=0, stations=size, districts=225, regions=85, stuffing_share=0.1, smd=False
        )
        path = sim.write(tmp / f"s{size}")["protocols"]
        r = best("read_csv", path, db, 1)
        i = best("ingest", path, db, 1)
        rows.append((size, i["seconds"], i["peak_mib"], r["seconds"]))
        print(
            f"simulated {size:>9,} stations: ingest {i['seconds']:.2f} s "
            f"({i['seconds'] / size * 1e6:.2f} µs/station), peak {i['peak_mib']:.0f} MiB; "
            f"read_csv {r['seconds']:.2f} s (ratio {i['seconds'] / r['seconds']:.1f}x)"
        )
    if len(rows) >= 2:
        (s0, t0, _, _), (s1, t1, m1, _) = rows[0], rows[-1]
        print(
            f"scaling {s0:,} -> {s1:,}: time x{t1 / t0:.2f} for size x{s1 / s0:.1f} "
            f"(linear = x{s1 / s0:.1f}); peak at largest {m1 / 1024:.2f} GiB (target < 4 GiB)"
        )


if __name__ == "__main__":
    main()
