"""The pandas-free reader of ``forensics FILE`` (:mod:`smartvote.forensics._cikread`) gives
exactly the stations of the full reader (``read_any`` → station frame → ``prepare``), the
same frames and arrays for the electronic comparison, and declines whatever it does not read itself,
so that the full reader raises its errors unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import FEDERAL_FILES
from tests.forensics.test_electronic import assert_same_votes

from smartvote.errors import InputError
from smartvote.forensics._cikread import FileStations, read_file, read_stations
from smartvote.forensics._file import channel_votes_from_batch
from smartvote.forensics._frame import Stations, prepare
from smartvote.forensics.electronic import Units, channel_votes_from_frame, units_from_frame
from smartvote.forensics.suite import run_file, station_frame
from smartvote.io.detect import read_any


def _assert_same(path: Path) -> FileStations:
    fs = read_stations(path)
    assert fs is not None, f"{path.name}: the pandas-free reader declined"
    e = read_any(path)
    frame = station_frame(e)
    old = prepare(frame)
    new: Stations = fs.stations
    for a in ("N", "B", "R", "W", "valid", "region", "district"):
        np.testing.assert_array_equal(getattr(new, a), getattr(old, a), err_msg=a)
    assert new.region_names == old.region_names
    assert new.district_names == old.district_names
    assert (new.leader, new.excluded, new.totals) == (old.leader, old.excluded, old.totals)
    pd.testing.assert_frame_equal(new.frame, old.frame)
    pd.testing.assert_frame_equal(fs.frame(), frame.reset_index(drop=True))
    assert fs.election == e.election
    assert fs.race == str(frame["race"].iloc[0])
    has_el = bool((frame["channel"] == "electronic").any())
    assert (fs.channel_votes is not None) == has_el
    _assert_same_units(fs.units(), units_from_frame(frame))
    if fs.channel_votes is not None:
        cv = channel_votes_from_frame(channel_votes_from_batch(e, fs.race))
        assert cv is not None
        assert_same_votes(fs.channel_votes(), cv)
    return fs


def _assert_same_units(u: Units, ref: Units) -> None:
    """The units of the districts with an electronic unit (all that the comparison uses,
    and all that a frame's units hold) are the same, in the same order."""
    el = np.zeros(len(u.district_names), dtype=bool)
    el[u.district[u.electronic]] = True
    rows = el[u.district]
    for a in ("electronic", "registered", "ballots", "valid", "leader_votes"):
        np.testing.assert_array_equal(getattr(u, a)[rows], getattr(ref, a), err_msg=a)
    names = np.asarray(u.district_names, dtype=object)
    ref_names = np.asarray(ref.district_names, dtype=object)
    assert (names[u.district[rows]] == ref_names[ref.district]).all()
    regions = np.asarray([*ref.region_names, ""], dtype=object)  # missing read as ""
    assert (np.asarray(u.region_names, dtype=object)[u.region[rows]] == regions[ref.region]).all()


def test_simulated_file_reads_alike(sim_dir: Path) -> None:
    fs = _assert_same(sim_dir / "sim-2026.csv")
    assert fs.stations.n > 1000


@pytest.mark.parametrize("year", FEDERAL_FILES)
def test_federal_files_read_alike(shared_data: Path, year: str) -> None:
    """Every header variant 2004–2024 (electronic pseudo-stations in 2021, a by-region
    electronic file in 2024): the same stations as the full reader."""
    path = shared_data / "ru_federal_precincts" / f"{year}.csv.zip"
    if not path.exists():
        pytest.skip(f"{path} absent")
    _assert_same(path)


_HEADER = "region,tik,uik,Число избирателей, внесенных в список,Число действительных избирательных бюллетеней,Число недействительных избирательных бюллетеней,1. Ann,2. Bob"


def _write(tmp_path: Path, rows: list[str], name: str = "x-2026.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join([_HEADER.replace(", ", " "), *rows]) + "\n", encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("rows", "rule"),
    [
        (["R,T,УИК №1,100,50,1,20,30", "R,T,УИК №2,100,-5,1,20,30"], "non_negative"),
        (["R,T,УИК №1,100,50,1,20,30", "R,T,УИК №2,100,5x,1,20,30"], "integer"),
        (["R,T,УИК №1,100,50,1,20,30", "R,T,УИК №2,100,50,1,20,2.5"], "integer"),
        (["R,T,УИК №1,100,50,1,20,30", "R,T,УИК №2,100,50,1,20,1e300"], "range"),
        (["R,T,УИК №1,100,50,1,20,30", "R,T,УИК №2,100,50,1"], None),  # short row
    ],
)
def test_bad_files_declined_and_full_reader_error_kept(
    tmp_path: Path, rows: list[str], rule: str | None
) -> None:
    p = _write(tmp_path, rows)
    assert read_stations(p) is None
    with pytest.raises(InputError) as full:
        read_any(p)
    with pytest.raises(InputError) as mine:
        run_file(p)
    assert str(mine.value) == str(full.value)
    if rule is not None:
        assert full.value.problems[0].rule == rule


def test_repeated_stations_left_to_the_full_reader(tmp_path: Path) -> None:
    """Stations numbered twice (an exact copy among them) are the full reader's case."""
    rows = ["R,T,УИК №1,100,50,1,20,30", "R,T,УИК №1,100,50,1,20,30", "R,T,УИК №2,90,40,1,10,30"]
    p = _write(tmp_path, rows)
    assert read_stations(p) is None
    e = read_file(p)
    assert not isinstance(e, FileStations)
    assert len(e.units) == 2  # the copy stored once, flagged
    assert e.flags["rule"].tolist() == ["duplicate_row"]


def test_tidy_and_empty_files_declined(tmp_path: Path, sim_dir: Path) -> None:
    tidy = tmp_path / "t.csv"
    tidy.write_text("race,unit,candidate,votes\nr,u,A,3\n", encoding="utf-8")
    assert read_stations(tidy) is None
    assert read_stations(sim_dir / "sim-2026-smd.csv") is None  # simulate's tidy file
    empty = _write(tmp_path, [])
    assert read_stations(empty) is None
    with pytest.raises(InputError, match="no data rows"):
        run_file(empty)


def test_reads_without_pandas(sim_dir: Path) -> None:
    """Reading a file and importing the suite load no pandas (the point of the module)."""
    code = (
        "import sys; from smartvote.forensics._cikread import read_stations; "
        "import smartvote.forensics.suite, smartvote.cli.forensics; "
        f"fs = read_stations({str(sim_dir / 'sim-2026.csv')!r}); "
        "assert fs is not None and fs.stations.n > 1000; "
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"
