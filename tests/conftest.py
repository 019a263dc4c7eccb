"""Shared fixtures: the real data folder (skipped when absent) and simulated elections."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()


# The fast lane (`pytest -m "not slow"`, docs/development.md) leaves out every test that reads
# the real data, drives a browser or is marked slow by hand; `make test` runs them all.
_SLOW_FIXTURES = frozenset({"shared_data", "real_store"})
_SLOW_MARKERS = ("real_data", "browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark real-data and browser tests ``slow`` so that the fast lane skips them."""
    for item in items:
        uses_real = bool(_SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())))
        if uses_real or any(item.get_closest_marker(m) for m in _SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)


def shared_data_path() -> Path:
    """``../shared/data`` beside the repository; tests skip with a reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real election data not found at {SHARED_DATA} (../shared/data beside the repo)"
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_data_path()


@pytest.fixture(scope="session")
def sim_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default simulated election (with moderate fraud and a tactical effect), written once."""
    from smartvote.simulate import simulate

    d = tmp_path_factory.mktemp("sim")
    simulate(
        seed=1, stations=4000, stuffing_share=0.1, integer_share=0.02, tactical_share=0.2
    ).write(d)
    return d


@pytest.fixture()
def tmp_db(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


FEDERAL_FILES = ("2004", "2007", "2008", "2011", "2012", "2016", "2018", "2020", "2021", "2024")


@pytest.fixture(scope="session")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every federal precinct file ingested once into one DuckDB file (session-wide).

    Elections: president-2004, duma-2007, president-2008, duma-2011, president-2012,
    duma-2016, president-2018, referendum-2020, duma-2021, president-2024.
    """
    from smartvote.io.store import Store

    data = shared_data_path() / "ru_federal_precincts"
    db = tmp_path_factory.mktemp("real") / "federal.duckdb"
    with Store(db) as st:
        for y in FEDERAL_FILES:
            st.ingest([data / f"{y}.csv.zip"], progress=False)
    return db
