"""The station frame of a simulation is the frame of its written CIK file, read as a user's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartvote.forensics.simulated import simulation_station_frame
from smartvote.forensics.suite import station_frame
from smartvote.io.detect import read_any
from smartvote.simulate import simulate


def test_simulation_frame_is_the_written_files_frame(tmp_path: Path) -> None:
    s = simulate(seed=5, stations=600, regions=4, districts=3, stuffing_share=0.2, smd=False)
    before = s.protocols.copy()
    mine = simulation_station_frame(s.protocols)
    pd.testing.assert_frame_equal(s.protocols, before)  # the simulation is left unchanged
    path = s.write(tmp_path)["protocols"]
    theirs = station_frame(read_any(path))
    assert path.name == "sim-2026.csv"
    assert len(mine) == 600
    assert set(mine["race"]) == {"sim-2026/list"}
    pd.testing.assert_frame_equal(
        mine.reset_index(drop=True), theirs.reset_index(drop=True), check_dtype=False
    )
    # the name read names the races, as a real file's does
    assert set(simulation_station_frame(s.protocols, "sim.csv")["race"]) == {"sim/list"}
