"""The DuckDB store: acceptance figures on every real federal file, transactions, queries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from smartvote.errors import StoreError
from smartvote.io.store import Store

# ../shared/data/README.md: stations and registered voters in each file.
EXPECTED = {
    "president-2004": (95_779, 108_064_342),
    "duma-2007": (96_193, 109_148_196),
    "president-2008": (96_612, 107_222_016),
    "duma-2011": (95_225, 109_229_337),
    "president-2012": (95_415, 109_860_331),
    "duma-2016": (96_871, 110_061_200),
    "president-2018": (97_699, 109_008_428),
    "referendum-2020": (96_765, 107_999_611),
    "duma-2021": (96_325, 109_204_662),
    "president-2024": (94_214, 99_764_974),
}


@pytest.mark.real_data
@pytest.mark.parametrize("election", sorted(EXPECTED))
def test_federal_files_match_published_counts(real_store: Path, election: str) -> None:
    with Store(real_store, read_only=True) as st:
        s = st.summary(election)
    assert (s.stations, s.registered) == EXPECTED[election]


@pytest.mark.real_data
def test_2021_electronic_pseudo_stations(real_store: Path) -> None:
    with Store(real_store, read_only=True) as st:
        u = st.sql(
            "SELECT unit, region, district FROM units WHERE election = 'duma-2021' AND channel = 'electronic'"
        )
        flags = st.summary("duma-2021").flags
    assert len(u) == 33
    assert (u["region"] == "город Москва").sum() == 15
    assert sorted(u[u["region"] == "город Москва"]["district"].astype(int)) == list(range(196, 211))
    assert flags["pseudo_station"] == 33


@pytest.mark.real_data
def test_2024_rows_without_results_are_kept_and_flagged(real_store: Path) -> None:
    with Store(real_store, read_only=True) as st:
        s = st.summary("president-2024")
    assert s.stations == 94_214
    assert s.flags.get("no_results", 0) >= 2_268


@pytest.mark.real_data
def test_2021_leader_and_turnout(real_store: Path) -> None:
    with Store(real_store, read_only=True) as st:
        s = st.summary("duma-2021")
        stations = st.stations("duma-2021")
    assert s.leader == "ЕДИНАЯ РОССИЯ"
    assert 0.49 < s.leader_share < 0.51
    assert 0.51 < s.turnout < 0.53
    assert (stations["leader"] == "ЕДИНАЯ РОССИЯ").all()
    assert stations["leader_votes"].sum() == 28_064_200


@pytest.mark.real_data
def test_stations_join_across_elections_by_district(real_store: Path) -> None:
    with Store(real_store, read_only=True) as st:
        j = st.sql(
            """
            SELECT count(*) AS n FROM units a JOIN units b USING (unit)
            WHERE a.election = 'duma-2016' AND b.election = 'duma-2021'
              AND a.region = 'город Санкт-Петербург'
            """
        )
    assert j["n"].iloc[0] > 1500


@pytest.mark.real_data
def test_electronic_file_2024(shared_data: Path, tmp_db: Path) -> None:
    with Store(tmp_db) as st:
        s = st.ingest(
            [shared_data / "ru_federal_precincts" / "2024-electronic-voting.csv"], progress=False
        )
        units = st.units("president-2024")
    assert s.election == "president-2024"
    assert (units["channel"] == "electronic").all()
    assert len(units) == s.stations > 20


def test_unknown_election_is_a_clear_error(tmp_db: Path) -> None:
    with Store(tmp_db) as st, pytest.raises(StoreError) as ei:
        st.summary("nope")
    assert ei.value.rule == "unknown_election"


def test_read_only_missing_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Store(tmp_path / "missing.duckdb", read_only=True)


@pytest.mark.slow
def test_write_failure_rolls_back(
    sim_dir: Path, tmp_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(tmp_db) as st:
        st.ingest([sim_dir / "sim-2021.csv"], progress=False)
        before = st.sql(
            "SELECT (SELECT count(*) FROM units) AS u, (SELECT count(*) FROM results) AS r"
        )
        calls = {"n": 0}
        real = st._write_one

        def boom(con: object, b: object) -> None:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("disk full")
            real(con, b)  # type: ignore[arg-type]

        monkeypatch.setattr(st, "_write_one", boom)
        with pytest.raises(RuntimeError):
            st.ingest([sim_dir / "sim-2026.csv", sim_dir / "sim-2026-smd.csv"], progress=False)
        after = st.sql(
            "SELECT (SELECT count(*) FROM units) AS u, (SELECT count(*) FROM results) AS r"
        )
        assert before.equals(after)
        assert st.elections()["election"].tolist() == ["sim-2021"]


def test_path_with_a_quote_and_reopening(sim_dir: Path, tmp_path: Path) -> None:
    """The file is attached by name: quotes in the path are safe; reopening keeps the data."""
    db = tmp_path / "it's here.duckdb"
    with Store(db) as st:
        n = st.ingest([sim_dir / "sim-2021.csv"], progress=False).stations
    with Store(db, read_only=True) as st:
        assert int(st.sql("SELECT count(*) AS n FROM units")["n"].iloc[0]) == n
    with Store(db) as st:  # a second writer session skips the DDL and appends
        st.ingest([sim_dir / "sim-2026.csv"], progress=False)
        assert st.elections()["election"].tolist() == ["sim-2021", "sim-2026"]


@pytest.mark.slow
def test_store_with_the_older_unit_votes_layout_is_migrated(sim_dir: Path, tmp_path: Path) -> None:
    """A store written when votes lived in a ``unit_votes`` table opens with the same results."""
    import duckdb

    db = tmp_path / "old.duckdb"
    with Store(db) as st:
        st.ingest([sim_dir / "sim-2021.csv"], progress=False)
        before = st.results("sim-2021")
    con = duckdb.connect(str(db))  # rewrite it into the older layout, as that version left it
    con.execute("DROP VIEW results")
    con.execute("CREATE TABLE unit_votes AS SELECT election, race, unit, votes FROM units")
    con.execute("ALTER TABLE units DROP COLUMN votes")
    con.execute(
        "CREATE VIEW results AS SELECT v.election, v.race, v.unit, c.candidate, "
        "v.votes[c.idx] AS votes FROM unit_votes v JOIN choices c "
        "ON c.election = v.election AND c.race = v.race WHERE v.votes[c.idx] IS NOT NULL"
    )
    con.close()
    with Store(db) as st:
        after = st.results("sim-2021")
        tables = set(st.sql("SELECT table_name FROM information_schema.tables")["table_name"])
    assert "unit_votes" not in tables
    pd.testing.assert_frame_equal(before, after)
