"""Benchmark: ingest of a real CIK file and of simulated elections up to 1,000,000 stations.

Baseline in the same run: a bare ``pandas.read_csv`` of the same file. Each measurement
runs in a fresh subprocess so that its peak memory (max RSS) is its own.

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


def best(mode: str, path: Path, db: Path, repeat: int) -> dict[str, float]:
    runs = [run(mode, path, db) for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="250000,500000,1000000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sv-bench-"))
    db = tmp / "bench.duckdb"
    print("ingest benchmark (best of", args.repeat, "runs; peak = max RSS of the process)")
    if DATA.exists():
        base = best("read_csv", DATA, db, args.repeat)
        ing = best("ingest", DATA, db, args.repeat)
        print(f"2021.csv.zip: {ing['rows']:,} stations")
        print(
            f"  pandas.read_csv (baseline): {base['seconds']:.2f} s, peak {base['peak_mib']:.0f} MiB"
        )
        print(
            f"  smartvote ingest:           {ing['seconds']:.2f} s, peak {ing['peak_mib']:.0f} MiB"
        )
        print(
            f"  ratio ingest / read_csv:    {ing['seconds'] / base['seconds']:.1f}x (target <= 3x)"
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
