"""Nothing lost, nothing counted twice: how the store keys sources and refuses duplicates."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest

from smartvote.errors import InputError, StoreError
from smartvote.io.store import Store


def _split(src: Path, tmp: Path) -> tuple[Path, Path]:
    """Two per-region folders each holding a different ``2026.csv`` (50 stations each)."""
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    a, b = tmp / "A" / "2026.csv", tmp / "B" / "2026.csv"
    a.parent.mkdir()
    b.parent.mkdir()
    a.write_text("".join(lines[:51]), encoding="utf-8")
    b.write_text("".join([lines[0], *lines[51:101]]), encoding="utf-8")
    return a, b


def _count(st: Store, election: str) -> tuple[int, int]:
    s = st.summary(election)
    return s.stations, s.registered


def test_same_file_name_in_two_folders_keeps_both(sim_dir: Path, tmp_path: Path) -> None:
    a, b = _split(sim_dir / "sim-2026.csv", tmp_path)
    db = tmp_path / "t.duckdb"
    with Store(db) as st:
        s = st.ingest([a, b], progress=False)
        assert s.stations == 100
        stored = _count(st, s.election)
        assert stored[0] == 100 and stored[1] == s.registered
        # a re-ingest of one of them replaces exactly that source, and says so
        again = st.ingest([b], progress=False)
        assert again.replaced and "same content" in again.replaced[0]
        assert _count(st, s.election) == stored
        src = st.sql("SELECT source, path, rows FROM sources ORDER BY path")
        assert src["path"].tolist() == [str(a.resolve()), str(b.resolve())]
        assert src["rows"].tolist() == [50, 50]


def test_new_content_at_the_same_path_replaces_the_old(sim_dir: Path, tmp_path: Path) -> None:
    a, _ = _split(sim_dir / "sim-2026.csv", tmp_path)
    db = tmp_path / "t.duckdb"
    with Store(db) as st:
        first = st.ingest([a], progress=False)
        lines = a.read_text(encoding="utf-8").splitlines(keepends=True)
        a.write_text("".join(lines[:31]), encoding="utf-8")  # a corrected, shorter file
        s = st.ingest([a], progress=False)
        assert "same path, new content" in s.replaced[0]
        assert _count(st, first.election)[0] == 30


@pytest.mark.slow
def test_same_election_from_two_sources_is_refused(sim_dir: Path, tmp_path: Path) -> None:
    csv = tmp_path / "2026.csv"
    csv.write_bytes((sim_dir / "sim-2026.csv").read_bytes())
    zipped = tmp_path / "2026.csv.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(csv, "2026.csv")
    db = tmp_path / "t.duckdb"
    with Store(db) as st:
        s = st.ingest([csv], progress=False)
        before = _count(st, s.election)
        with pytest.raises(InputError) as ei:
            st.ingest([zipped], progress=False)
        p = ei.value.problems[0]
        assert p.rule == "duplicate_unit" and p.file == "2026.csv.zip" and p.row == 2
        assert "2026.csv" in p.detail and "--replace" in p.detail
        assert _count(st, s.election) == before
        # both in one call: refused as a whole, nothing written
        with pytest.raises(InputError):
            st.ingest([zipped, csv], progress=False)
        assert _count(st, s.election) == before
        # an explicit --replace takes the other source's stations: still counted once
        r = st.ingest([zipped], progress=False, replace=True)
        assert r.replaced
        assert _count(st, s.election) == before


def test_identical_bytes_twice_in_one_ingest_is_refused(sim_dir: Path, tmp_path: Path) -> None:
    a, _ = _split(sim_dir / "sim-2026.csv", tmp_path)
    copy = tmp_path / "copy.csv"
    copy.write_bytes(a.read_bytes())
    with Store(tmp_path / "t.duckdb") as st, pytest.raises(InputError) as ei:
        st.ingest([a, copy], progress=False, election="e")
    assert ei.value.rule == "duplicate_source" and ei.value.problems[0].file == str(copy)


@pytest.mark.real_data
def test_2021_zip_and_its_csv_are_not_stored_twice(shared_data: Path, tmp_path: Path) -> None:
    zipped = shared_data / "ru_federal_precincts" / "2021.csv.zip"
    csv = tmp_path / "2021.csv"
    with zipfile.ZipFile(zipped) as z:
        csv.write_bytes(z.read(z.namelist()[0]))
    with Store(tmp_path / "t.duckdb") as st:
        st.ingest([zipped], progress=False)
        with pytest.raises(InputError) as ei:
            st.ingest([csv], progress=False)
        assert ei.value.rule == "duplicate_unit"
        assert "96,325 station(s)" in ei.value.problems[0].detail
        s = st.summary("duma-2021")
        assert (s.stations, s.registered) == (96_325, 109_204_662)


@pytest.mark.parametrize("kind", ["csv", "parquet", "sqlite", "text"])
def test_db_that_is_not_duckdb_is_refused(tmp_path: Path, sim_dir: Path, kind: str) -> None:
    db = tmp_path / f"x.{kind}"
    if kind == "sqlite":
        sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.commit()
    elif kind == "parquet":
        import pandas as pd

        pd.DataFrame({"a": [1]}).to_parquet(db)
    else:
        db.write_bytes((sim_dir / "sim-2021.csv").read_bytes()[:5000])
    before = db.read_bytes()
    with pytest.raises(StoreError) as ei:
        Store(db)
    assert ei.value.rule == "db_path" and "not a DuckDB database" in ei.value.problems[0].detail
    assert db.read_bytes() == before


def test_db_directory_or_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as ei:
        Store(tmp_path)
    assert "directory" in ei.value.problems[0].detail
    with pytest.raises(StoreError) as ei:
        Store(tmp_path / "nope" / "x.duckdb")
    assert ei.value.rule == "db_path"


@pytest.mark.slow
def test_second_writer_is_told_the_database_is_busy(tmp_path: Path, sim_dir: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "t.duckdb"
    with Store(db) as st:
        st.ingest([sim_dir / "sim-2021.csv"], progress=False)
        # DuckDB locks the file per process: a second process is refused, with words
        code = (
            "import sys\nfrom smartvote.io.store import Store\nfrom smartvote.errors import StoreError\n"
            f"try:\n    Store({str(db)!r})\nexcept StoreError as e:\n    print(e.rule)\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.stdout.strip() == "db_busy", out.stderr


@pytest.mark.slow
def test_source_keys_migrate_from_an_older_store(sim_dir: Path, tmp_path: Path) -> None:
    """A store written before sources had content keys keeps working: same name replaces."""
    db = tmp_path / "old.duckdb"
    with Store(db) as st:
        st.ingest([sim_dir / "sim-2021.csv"], progress=False)
        st.con.execute("ALTER TABLE units DROP COLUMN source_id")
        st.con.execute("ALTER TABLE sources DROP COLUMN sha256")
        st.con.execute("ALTER TABLE sources DROP COLUMN path")
    with Store(db) as st:
        n = st.summary("sim-2021").stations
        s = st.ingest([sim_dir / "sim-2021.csv"], progress=False)
        assert s.replaced and st.summary("sim-2021").stations == n
