"""Forensics fixtures: simulated station frames and the real federal files, ingested once."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from smartvote.forensics._frame import Stations, prepare
from smartvote.forensics.simulated import simulation_station_frame

YEARS = ("2004", "2007", "2008", "2011", "2012", "2016", "2018", "2020", "2021", "2024")


@cache
def sim_stations(**kw: object) -> tuple[Stations, dict[str, object], pd.DataFrame]:
    """Prepared stations, truth and per-station truth of a simulated election (cached)."""
    from smartvote.simulate import simulate

    s = simulate(**kw)
    return prepare(simulation_station_frame(s.protocols)), s.truth, s.truth_stations


@pytest.fixture(scope="session")
def federal(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], pd.DataFrame]:
    """``federal(year)`` -> the station frame of that year's file, ingested into a session
    store on first use (each file is read once per session)."""
    from smartvote.io import Store

    db = tmp_path_factory.mktemp("federal") / "federal.duckdb"
    frames: dict[str, pd.DataFrame] = {}

    def get(year: str) -> pd.DataFrame:
        if year not in frames:
            path = shared_data / "ru_federal_precincts" / f"{year}.csv.zip"
            with Store(db) as st:
                s = st.ingest([path], progress=False)
                frames[year] = st.stations(s.election)
        return frames[year]

    return get
