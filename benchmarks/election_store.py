"""Reading a stored election back into the election type: prints figures for docs/1-ingest.md.

The forensics station frame of a stored national election, three ways in the same run:
the store's own SQL station query (``Store.stations``, the former path of
``smartvote forensics ELECTION``: the baseline), ``Election.from_store(..., dense=True)``
(the votes as the units × choices matrix, what forensics now uses) and the long form
(``dense=False``, what recommend's ``--election`` history uses), each followed by
``forensics.suite.station_frame``; the frames must agree.

Usage: ``.venv/bin/python benchmarks/election_store.py [--data ../shared/data]
[--db STORE --election NAME]`` (default: the 2021 federal file ingested into a temporary
store). Timings are wall seconds of one run each; on a shared machine compare the ratios.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from smartvote.forensics._frame import choose_race
from smartvote.forensics.suite import station_frame
from smartvote.io import Election, Store

NUMS = ("registered", "ballots", "found", "valid", "leader_votes")


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if len(a) != len(b) or list(a["unit"].astype(str)) != list(b["unit"].astype(str)):
        return False
    return all(
        np.array_equal(
            a[c].to_numpy(dtype=float, na_value=np.nan),
            b[c].to_numpy(dtype=float, na_value=np.nan),
            equal_nan=True,
        )
        for c in NUMS
    )


def run(db: Path, election: str) -> None:
    t0 = time.perf_counter()
    with Store(db, read_only=True) as st:
        base = choose_race(st.stations(election))
    t_sql = time.perf_counter() - t0
    print(f"store SQL station frame (baseline)    {t_sql:7.2f} s  {len(base):,} units")
    for dense in (True, False):
        t0 = time.perf_counter()
        with Store(db, read_only=True) as st:
            e = Election.from_store(st, election, dense=dense)
        frame = station_frame(e)
        t = time.perf_counter() - t0
        name = f"Election.from_store(dense={dense})"
        print(f"{name:<37} {t:7.2f} s  ×{t / t_sql:.2f} of baseline  same={_same(base, frame)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--db", type=Path)
    ap.add_argument("--election")
    a = ap.parse_args()
    if a.db is not None and a.election:
        run(a.db, a.election)
        return
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "s.duckdb"
        with Store(db) as st:
            el = st.ingest(
                [a.data / "ru_federal_precincts" / "2021.csv.zip"], progress=False
            ).election
        run(db, el)


if __name__ == "__main__":
    main()
