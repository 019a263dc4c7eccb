"""``forensics FILE`` reads the file straight into the election type, ``forensics ELECTION``
reads the stored election back into it: both must give exactly the JSON of the store's own
SQL station frame (ingest into a temporary DuckDB store, ``Store.stations`` and one SQL
aggregate of the channel votes), the former path kept here as the test's oracle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smartvote.forensics._file import stations_from_batch
from smartvote.forensics._frame import choose_race
from smartvote.forensics.suite import ForensicsResult, Options, run_file, run_store, run_suite
from smartvote.io import Store
from smartvote.io.detect import read_any

FAST = Options(
    shpilkin_boot=5,
    excess_boot=5,
    integer_calibration_reps=3,
    klimek_boot=2,
    spike_resamples=4,
)


def channel_votes_from_store(store: Store, election: str, race: str) -> pd.DataFrame:
    """Candidate votes summed by (district, channel, candidate) for districts that have an
    electronic unit (one SQL aggregate in the store)."""
    return store.sql(
        """
        WITH el AS (
            SELECT DISTINCT coalesce(nullif(district, ''), race) AS d FROM units
            WHERE election = ? AND race = ? AND channel = 'electronic'
        )
        SELECT coalesce(nullif(u.district, ''), u.race) AS district,
               CASE WHEN u.channel = 'electronic' THEN 'electronic' ELSE 'paper' END AS channel,
               r.candidate, sum(r.votes) AS votes
        FROM results r JOIN units u USING (election, race, unit)
        WHERE r.election = ? AND r.race = ? AND coalesce(nullif(u.district, ''), u.race) IN (SELECT d FROM el)
        GROUP BY ALL
        """,
        [election, race, election, race],
    )


def run_via_store_sql(db: Path, election: str, options: Options) -> ForensicsResult:
    """The oracle: the suite on the station frame of the store's SQL (``Store.stations``)."""
    with Store(db, read_only=True) as store:
        frame = choose_race(store.stations(election))
        race = str(frame["race"].iloc[0]) if len(frame) else ""
        cv = (
            channel_votes_from_store(store, election, race)
            if (frame.get("channel") == "electronic").any()
            else None
        )
    return run_suite(frame, election=election, channel_votes=cv, options=options)


def _same(path: Path, tmp_path: Path) -> dict[str, object]:
    db = tmp_path / f"{path.stem}.duckdb"
    with Store(db) as store:
        election = store.ingest([path], progress=False).election
    a = run_file(path, options=FAST).to_dict()
    b = run_via_store_sql(db, election, FAST).to_dict()
    c = run_store(db, election, FAST).to_dict()
    for d in (a, b, c):
        d.pop("timings_s")
        d.pop("timings_cpu_s")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert json.dumps(c, sort_keys=True) == json.dumps(b, sort_keys=True)
    return a


@pytest.mark.parametrize("name", ["sim-2026.csv", "sim-2026-smd.csv"])
@pytest.mark.slow
def test_cik_file_same_as_through_the_store(sim_dir: Path, name: str, tmp_path: Path) -> None:
    d = _same(sim_dir / name, tmp_path)
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
    _same(p, tmp_path)
