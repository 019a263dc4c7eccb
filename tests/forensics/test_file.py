"""``forensics FILE`` reads the file straight into the station frame: it must give exactly
the JSON of the former path (ingest into a temporary DuckDB store, then read it back)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smartvote.forensics._file import stations_from_batch
from smartvote.forensics.suite import Options, run_file, run_file_via_store
from smartvote.io import Store
from smartvote.io.detect import read_any

FAST = Options(
    shpilkin_boot=5,
    excess_boot=5,
    integer_calibration_reps=3,
    klimek_boot=2,
    spike_resamples=4,
)


def _same(path: Path) -> dict[str, object]:
    a = run_file(path, options=FAST).to_dict()
    b = run_file_via_store(path, options=FAST).to_dict()
    a.pop("timings_s")
    b.pop("timings_s")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    return a


@pytest.mark.parametrize("name", ["sim-2026.csv", "sim-2026-smd.csv"])
@pytest.mark.slow
def test_cik_file_same_as_through_the_store(sim_dir: Path, name: str) -> None:
    d = _same(sim_dir / name)
    assert d["stations"] > 1000


def _tidy(tmp_path: Path) -> Path:
    """A tidy file of three races: a regime candidate who is not the largest in one race,
    a unit without the leader's line, rows shuffled."""
    rng = np.random.default_rng(5)
    rows = []
    for r, race in enumerate(["t/b", "t/a", "t/c"]):
        for u in range(300):
            N = int(rng.integers(200, 3000))
            B = int(N * rng.uniform(0.3, 0.9))
            votes = rng.multinomial(B - 5, [0.5, 0.3, 0.2])
            for c, name in enumerate(["Ann", "Bob", "Cid"]):
                if u == 7 and c == (1 if r == 0 else 0):
                    continue  # no line for the leader at this unit
                rows.append(
                    {
                        "race": race,
                        "unit": f"{race}/{u}",
                        "region": f"R{u % 9}",
                        "district": f"D{u % 4}",
                        "candidate": name,
                        "votes": int(votes[c]),
                        "registered": N,
                        "ballots": B,
                        "valid": B - 5,
                        "invalid": 5,
                        "regime": name == "Bob" and race == "t/b",
                    }
                )
    df = pd.DataFrame(rows).sample(frac=1.0, random_state=1)
    p = tmp_path / "tidy.csv"
    df.to_csv(p, index=False)
    return p


@pytest.mark.slow
def test_tidy_file_same_as_through_the_store(tmp_path: Path) -> None:
    p = _tidy(tmp_path)
    b = read_any(p)
    mine = stations_from_batch(b)
    with Store(tmp_path / "s.duckdb") as s:
        el = s.ingest([p], progress=False).election
        theirs = s.stations(el)
    assert len(mine) == len(theirs) == 900
    for c in ("race", "unit", "region", "leader"):
        assert mine[c].astype(str).tolist() == theirs[c].astype(str).tolist()
    for c in ("registered", "ballots", "found", "valid", "leader_votes"):
        np.testing.assert_array_equal(
            mine[c].to_numpy(dtype=float), theirs[c].to_numpy(dtype=float, na_value=np.nan)
        )
    # The regime candidate leads race t/b although Ann has more votes there.
    assert set(mine.loc[mine["race"] == "t/b", "leader"]) == {"Bob"}
    assert set(mine.loc[mine["race"] == "t/a", "leader"]) == {"Ann"}
    _same(p)
