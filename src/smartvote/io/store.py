"""The embedded DuckDB store: one file holds every election ingested.

Schema (documented in ``docs/1-ingest.md``): ``elections``, ``sources``, ``races``,
``candidates``, ``units`` (one protocol per race and counting unit, with region, district,
territorial commission and channel), ``results`` (votes per unit and candidate),
``flags`` (protocol checks that failed: flagged, never rejected) and ``protocol_extra``
(every other numeric protocol line, so that nothing read is lost).

Ingest is one transaction: files are parsed first, then written inside ``BEGIN`` …
``COMMIT``; any error rolls back and leaves the database exactly as it was. A process
killed at any point leaves either the store as it was or the complete ingest (DuckDB
replays a committed write-ahead log on the next open); ``tests/hostile`` kills a real
ingest after every statement of its transaction to check it. Ctrl-C during ``COMMIT`` is
held until the commit returns and then dropped: the ingest is complete, and saying
"interrupted, nothing was written" would be false.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from smartvote.errors import InputError, Problem, StoreError
from smartvote.io.columns import (
    CANDIDATE_COLUMNS,
    EXTRA_COLUMNS,
    FLAG_COLUMNS,
    RACE_COLUMNS,
    UNIT_COLUMNS,
)
from smartvote.io.detect import read_any
from smartvote.io.election import Election
from smartvote.io.files import Limits
from smartvote.model import ElectionSummary, IngestSummary

#: Rows per row group of the store's tables (a multiple of DuckDB's 2,048-row vector).
ROW_GROUP_SIZE = 32_768
#: Name the store's file is attached under.
CATALOG = "smartvote"

_SQLTYPE = {"string": "VARCHAR", "Int64": "BIGINT", "boolean": "BOOLEAN"}

TABLES: dict[str, dict[str, str]] = {
    "races": RACE_COLUMNS,
    "candidates": CANDIDATE_COLUMNS,
    "units": UNIT_COLUMNS,
    "flags": FLAG_COLUMNS,
    "protocol_extra": EXTRA_COLUMNS,
}

#: ``results`` is a view over compact storage: each unit row carries its votes as one
#: list (``units.votes``), aligned with the race's ordered choices (``choices``). A
#: national file is ~100k rows instead of ~1.4M, and unit ids are stored once.
RESULTS_VIEW = """
CREATE OR REPLACE VIEW results AS
SELECT u.election, u.race, u.unit, c.candidate, u.votes[c.idx] AS votes
FROM units u JOIN choices c ON c.election = u.election AND c.race = u.race
WHERE u.votes[c.idx] IS NOT NULL
"""

#: Stores written before votes moved into ``units`` kept them in a ``unit_votes`` table.
MIGRATE_UNIT_VOTES = [
    "ALTER TABLE units ADD COLUMN votes BIGINT[]",
    "UPDATE units SET votes = v.votes FROM unit_votes v "
    "WHERE v.election = units.election AND v.race = units.race AND v.unit = units.unit",
    "DROP VIEW IF EXISTS results",  # recreated over units by the DDL that follows
    "DROP TABLE unit_votes",
]


#: Stores written before sources were keyed by content: the file name stands in for the key.
MIGRATE_SOURCE_KEYS = [
    "ALTER TABLE sources ADD COLUMN sha256 VARCHAR",
    "ALTER TABLE sources ADD COLUMN path VARCHAR",
    "ALTER TABLE units ADD COLUMN source_id VARCHAR",
    "UPDATE units SET source_id = 'name:' || source",
    "UPDATE sources SET sha256 = 'name:' || source",
]


def default_db_path() -> Path:
    """``$SMARTVOTE_DB`` or ``./smartvote.duckdb``."""
    return Path(os.environ.get("SMARTVOTE_DB", "smartvote.duckdb"))


def _ddl() -> list[str]:
    out = [
        "CREATE TABLE IF NOT EXISTS elections (election VARCHAR PRIMARY KEY, kind VARCHAR, "
        "ingested_at TIMESTAMP DEFAULT current_timestamp)",
        "CREATE TABLE IF NOT EXISTS sources (election VARCHAR, source VARCHAR, rows BIGINT, "
        "ingested_at TIMESTAMP DEFAULT current_timestamp, sha256 VARCHAR, path VARCHAR)",
    ]
    for name, cols in TABLES.items():
        body = ", ".join(f'"{c}" {_SQLTYPE[t]}' for c, t in cols.items())
        if name == "units":
            body += ", votes BIGINT[], source_id VARCHAR"
        out.append(f"CREATE TABLE IF NOT EXISTS {name} ({body})")
    out.append(
        "CREATE TABLE IF NOT EXISTS choices (election VARCHAR, race VARCHAR, idx INTEGER, "
        "candidate VARCHAR)"
    )
    out.append(RESULTS_VIEW)
    return out


#: The DuckDB file format's magic bytes, after an 8-byte checksum at the start of the file.
_DUCKDB_MAGIC = b"DUCK"


def check_db_path(path: Path) -> None:
    """Refuse a ``--db`` that is not a DuckDB database (nor a new file in an existing folder).

    DuckDB would otherwise attach a CSV, Parquet or SQLite file (in memory, or through an
    extension fetched over the network), report success and save nothing.
    """
    if path.is_dir():
        raise StoreError(
            Problem("db_path", "is a directory, not a DuckDB database file", str(path))
        )
    if not path.exists():
        if not path.parent.is_dir():
            raise StoreError(
                Problem("db_path", "the folder for a new database does not exist", str(path))
            )
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError as e:
        raise StoreError(Problem("db_path", e.strerror or str(e), str(path))) from e
    if len(head) and head[8:12] != _DUCKDB_MAGIC:
        raise StoreError(
            Problem(
                "db_path", "not a DuckDB database (refusing to attach or overwrite it)", str(path)
            )
        )


def _store_error(e: Exception, path: Path) -> StoreError:
    """A DuckDB error on opening, in words: above all, a database another process holds."""
    text = str(e)
    if "lock" in text.lower():
        return StoreError(
            Problem(
                "db_busy",
                "the database is busy: another smartvote process is writing it (or reading "
                "it while this one would write); try again when it has finished",
                str(path),
            )
        )
    return StoreError(
        Problem("db_open", f"cannot open the database: {text.splitlines()[0]}", str(path))
    )


class Store:
    """A DuckDB file of ingested elections. Use as a context manager."""

    replaced: list[str]
    _replace: bool = False
    #: Transactions committed by every store of this process. A Ctrl-C after a commit must
    #: not be reported as "nothing was written": the CLI compares it before and after.
    commits: int = 0

    def __init__(self, path: str | Path | None = None, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        if read_only and not self.path.exists():
            raise StoreError(
                Problem("exists", "no database here; run `smartvote ingest` first", str(self.path))
            )
        # Attached rather than opened, so that the row-group size can be set: a national
        # file (~100k units) then fills whole row groups, which DuckDB writes straight to
        # the database file during the insert instead of through the write-ahead log at
        # commit (commit of the 2021 file: 0.38 s -> 0.03 s).
        check_db_path(self.path)
        self.con = duckdb.connect(
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
        )
        self.con.execute("SET enable_progress_bar = false")
        opts = "TYPE DUCKDB, " + ("READ_ONLY" if read_only else f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}")
        quoted = str(self.path).replace("'", "''")
        try:
            self.con.execute(f"ATTACH '{quoted}' AS {CATALOG} ({opts})")
            self.con.execute(f"USE {CATALOG}")
            if not read_only:
                self._create_or_migrate()
        except duckdb.Error as e:
            self.con.close()
            raise _store_error(e, self.path) from e

    def _create_or_migrate(self) -> None:
        """Create missing tables; move an older store's ``unit_votes`` into ``units``.

        Does nothing (no write transaction) when the schema is already complete.
        """
        names = {
            r[0]
            for r in self.con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = ?",
                [CATALOG],
            ).fetchall()
        }
        old = "unit_votes" in names
        cols = {
            (r[0], r[1])
            for r in self.con.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_catalog = ? AND table_name IN ('units', 'sources')",
                [CATALOG],
            ).fetchall()
        }
        keyed = "units" not in names or ("units", "source_id") in cols
        if keyed and not old and names >= {*TABLES, "elections", "sources", "choices", "results"}:
            return
        with self.transaction() as con:
            for stmt in (MIGRATE_UNIT_VOTES if old else []) + _ddl():
                con.execute(stmt)
            if not keyed:  # before sources were keyed by content: the file name was the key
                for stmt in MIGRATE_SOURCE_KEYS:
                    con.execute(stmt)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        with _sigint_held():
            self.con.execute("COMMIT")
            Store.commits += 1  # still under the held Ctrl-C: never a commit left uncounted

    def write(self, batches: Iterable[Election], replace: bool = False) -> None:
        """Write parsed batches in one transaction (see :meth:`_write_one` for what is replaced)."""
        self.replaced = []
        self._replace = replace
        with self.transaction() as con:
            for b in batches:
                self._write_one(con, b)

    def _write_one(self, con: duckdb.DuckDBPyConnection, b: Election) -> None:
        """Write one batch; what it replaces is listed in ``self.replaced``.

        A source is keyed by the SHA-256 of its bytes: ingesting the same content again, or
        new content from the same path, replaces what that source stored before. Two
        different files with the same name (per-region folders) are two sources. A station
        (race, unit) that another source of the election already holds is an error
        (``duplicate_unit``) unless :meth:`write` was given ``replace``: the same election
        is never stored twice.
        """
        origins = b.origins or tuple(("", "name:" + src) for src in b.sources)
        ids = [sha for _, sha in origins]
        for (path, sha), src in zip(origins, b.sources, strict=True):
            old = con.execute(
                "SELECT source, sha256, path, rows FROM sources WHERE election = ? "
                "AND (sha256 = ? OR (path = ? AND path <> '') OR sha256 = 'name:' || ?)",
                [b.election, sha, path, src],
            ).fetchall()
            for o_src, o_sha, _path, o_rows in old:
                why = "same content" if o_sha == sha else "same path, new content"
                self.replaced.append(
                    f"{b.election}: {o_src} ({o_rows:,} stations; {why}) replaced by {src}"
                )
                self._delete_source(con, b.election, o_sha)
            con.execute(
                "INSERT INTO sources (election, source, rows, sha256, path) VALUES (?, ?, ?, ?, ?)",
                [b.election, src, len(b.units), sha, path],
            )
        con.execute(
            "INSERT INTO elections (election, kind) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [b.election, b.kind],
        )
        self._check_clash(con, b, self._replace)
        races = b.races
        con.register("_b_races", races)
        con.execute(
            "DELETE FROM races WHERE (election, race) IN (SELECT election, race FROM _b_races)"
        )
        con.execute("INSERT INTO races SELECT * FROM _b_races")
        con.register("_b_cands", b.candidates)
        con.execute(
            "DELETE FROM candidates WHERE (election, race, candidate) IN "
            "(SELECT election, race, candidate FROM _b_cands)"
        )
        con.execute("INSERT INTO candidates SELECT * FROM _b_cands")
        votes = self._vote_lists(con, b)
        for table, frame in (
            ("units", b.units),
            ("flags", b.flags),
            ("protocol_extra", b.extra),
        ):
            if not len(frame):
                continue
            name = f"_b_{table}"
            # Through Arrow: DuckDB scans it natively (no per-row Python objects).
            tab = _arrow(frame, TABLES[table])
            if table == "units":
                tab = tab.append_column("votes", votes)
                tab = tab.append_column("source_id", _source_ids(b, ids))
            con.register(name, tab)
            con.execute(f"INSERT INTO {table} SELECT * FROM {name}")
            con.unregister(name)
        for n in ("_b_races", "_b_cands"):
            con.unregister(n)

    @staticmethod
    def _delete_source(con: duckdb.DuckDBPyConnection, election: str, sha: str) -> None:
        old = "SELECT race, unit FROM units WHERE election = ? AND source_id = ?"
        for t in ("flags", "protocol_extra"):
            con.execute(
                f"DELETE FROM {t} WHERE election = ? AND (race, unit) IN ({old})",
                [election, election, sha],
            )
        con.execute("DELETE FROM units WHERE election = ? AND source_id = ?", [election, sha])
        con.execute("DELETE FROM sources WHERE election = ? AND sha256 = ?", [election, sha])

    def _check_clash(self, con: duckdb.DuckDBPyConnection, b: Election, replace: bool) -> None:
        """Refuse (or, with ``replace``, delete) stations another source already stored."""
        if not len(b.units):
            return
        keys = pa.table(
            {
                "race": _arrow(b.units[["race"]], {"race": "string"})["race"],
                "unit": _arrow(b.units[["unit"]], {"unit": "string"})["unit"],
                "source_row": pa.array(b.units["source_row"].to_numpy(dtype=np.int64)),
            }
        )
        con.register("_b_keys", keys)
        try:
            hit = con.execute(
                "SELECT u.race, u.unit, u.source, u.source_row, k.source_row, count(*) OVER () "
                "FROM units u JOIN _b_keys k ON u.race = k.race AND u.unit = k.unit "
                "WHERE u.election = ? ORDER BY k.source_row LIMIT 1",
                [b.election],
            ).fetchall()
            if not hit:
                return
            race, unit, src, row, new_row, n = hit[0]
            if not replace:
                raise InputError(
                    Problem(
                        "duplicate_unit",
                        f"{n:,} station(s) of this file are already stored from {src} "
                        f"(first: race {race!r}, station {unit!r}, its row {row}); the same "
                        "election would be counted twice. Pass --replace to replace them",
                        b.sources[0] if b.sources else None,
                        int(new_row),
                        "unit",
                        str(unit),
                    )
                )
            where = "election = ? AND (race, unit) IN (SELECT race, unit FROM _b_keys)"
            for t in ("flags", "protocol_extra", "units"):
                con.execute(f"DELETE FROM {t} WHERE {where}", [b.election])
            self.replaced.append(f"{b.election}: {n:,} station(s) from {src} and others replaced")
        finally:
            con.unregister("_b_keys")

    def _vote_lists(self, con: duckdb.DuckDBPyConnection, b: Election) -> pa.Array:
        """Votes as one list per unit (aligned with ``b.units``) in each race's choice order.

        Stores the race's choices as a side effect. A race keeps the choice order it was
        first stored with; candidates new to it are appended, so units written by
        different files of one race stay aligned.
        """
        if b.matrix is None and not len(b.results):
            return pa.nulls(len(b.units), pa.list_(pa.int64()))
        cands = b.candidates[["race", "candidate"]].astype(str)
        if b.matrix is None:
            extra = b.results[["race", "candidate"]].astype(str).drop_duplicates()
            cands = pd.concat([cands, extra]).drop_duplicates()
        existing = self.sql(
            "SELECT race, candidate, idx FROM choices WHERE election = ?", [b.election]
        )
        existing = existing[existing["race"].isin(set(cands["race"]))]
        known = set(zip(existing["race"], existing["candidate"], strict=True))
        new = cands[
            [(r, c) not in known for r, c in zip(cands["race"], cands["candidate"], strict=True)]
        ].copy()
        start = existing.groupby("race")["idx"].max() if len(existing) else pd.Series(dtype="int64")
        new["idx"] = (
            new.groupby("race").cumcount() + 1 + new["race"].map(start).fillna(0).astype(int)
        )
        if len(new):
            new.insert(0, "election", b.election)
            con.register(
                "_b_choices",
                pa.Table.from_pandas(
                    new[["election", "race", "idx", "candidate"]], preserve_index=False
                ),
            )
            con.execute(
                "INSERT INTO choices SELECT election, race, idx::INTEGER, candidate FROM _b_choices"
            )
            con.unregister("_b_choices")
        index = pd.concat(
            [existing[["race", "candidate", "idx"]], new[["race", "candidate", "idx"]]]
        )
        width = index.groupby("race")["idx"].max()
        # Units' races as codes into a small category list: no per-unit string work.
        race_col = b.units["race"]
        race_cat = (
            race_col.array
            if isinstance(race_col.dtype, pd.CategoricalDtype)
            else pd.Categorical(race_col.astype(str))
        )
        race_names = race_cat.categories.astype(str)
        k = width.reindex(race_names).fillna(0).to_numpy(dtype=np.int64)[race_cat.codes]
        offsets = np.concatenate([[0], np.cumsum(k)])
        flat = np.full(int(offsets[-1]), np.nan)
        if b.matrix is not None:
            col_idx = (
                cands.merge(index, on=["race", "candidate"], how="left")["idx"].to_numpy(
                    dtype=np.int64
                )
                - 1
            )
            pos = offsets[:-1, None] + col_idx[None, :]
            flat[pos.reshape(-1)] = b.matrix.reshape(-1)
        else:
            units = b.units[["race", "unit"]].astype(str)
            r = b.results[["race", "unit", "candidate", "votes"]]
            row = pd.Series(np.arange(len(units)), index=pd.MultiIndex.from_frame(units))
            ri = row.reindex(pd.MultiIndex.from_frame(r[["race", "unit"]].astype(str))).to_numpy()
            ci = pd.Series(
                index["idx"].to_numpy(),
                index=pd.MultiIndex.from_frame(index[["race", "candidate"]].astype(str)),
            )
            cj = ci.reindex(
                pd.MultiIndex.from_frame(r[["race", "candidate"]].astype(str))
            ).to_numpy()
            ok = ~np.isnan(ri.astype(float))
            flat[offsets[ri[ok].astype(np.int64)] + cj[ok].astype(np.int64) - 1] = (
                r["votes"].astype("float64").to_numpy(na_value=np.nan)[ok]
            )
        blank = np.isnan(flat)
        values = pa.array(
            np.where(blank, 0, flat).astype(np.int64), mask=blank if blank.any() else None
        )
        return pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), values)

    def ingest(
        self,
        files: Iterable[str | Path],
        election: str | None = None,
        regime: str | None = None,
        progress: bool = True,
        *,
        replace: bool = False,
        limits: Limits | None = None,
    ) -> IngestSummary:
        """Parse every file, then write them all in one transaction; return a summary.

        Each file's bytes are hashed: the same content given twice in one call is an error,
        and the store keys the source by the hash (see :meth:`_write_one`).
        """
        paths = [Path(f) for f in files]
        lim = limits or Limits.from_env()
        batches: list[Election] = []
        assumed: list[str] = []
        seen: dict[str, Path] = {}
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            disable=not progress,
            transient=True,
        ) as bar:
            task = bar.add_task("ingest", total=len(paths) * 2)
            for f in paths:
                bar.update(task, description=f"reading {f.name}")
                b = read_any(f, election=election, limits=lim)
                sha = file_sha256(f)
                if sha in seen:
                    raise InputError(
                        Problem(
                            "duplicate_source",
                            f"the same bytes as {seen[sha]}, given earlier in this ingest",
                            str(f),
                        )
                    )
                seen[sha] = f
                b.origins = ((str(f.resolve()), sha),)
                if regime is not None:
                    _set_regime(b, regime, str(f))
                elif b.kind != "tidy":
                    assumed.extend(_assumed_regime(b))
                batches.append(b)
                bar.advance(task)
            for b in batches:
                bar.update(task, description=f"writing {', '.join(b.sources)}")
            self.write(batches, replace=replace)
            bar.advance(task, len(batches))
        return summarise_batches(batches, tuple(self.replaced), tuple(assumed))

    # -- reading -----------------------------------------------------------------------

    def sql(self, query: str, params: list[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(query, params or []).df()

    def elections(self) -> pd.DataFrame:
        """One row per stored election with its size."""
        return self.sql(
            """
            SELECT e.election, e.kind,
                   (SELECT count(*) FROM races r WHERE r.election = e.election) AS races,
                   (SELECT count(DISTINCT unit) FROM units u WHERE u.election = e.election) AS units,
                   (SELECT sum(r) FROM (
                        SELECT max(registered) AS r FROM units u
                        WHERE u.election = e.election GROUP BY unit)) AS registered,
                   e.ingested_at
            FROM elections e ORDER BY e.election
            """
        )

    def _check(self, election: str) -> None:
        n = self.con.execute(
            "SELECT count(*) FROM elections WHERE election = ?", [election]
        ).fetchone()
        if not n or not n[0]:
            known = ", ".join(self.elections()["election"].tolist()) or "none"
            raise StoreError(
                Problem(
                    "unknown_election", f"no election {election!r} in {self.path} (stored: {known})"
                )
            )

    def races(self, election: str) -> pd.DataFrame:
        self._check(election)
        return self.sql("SELECT * FROM races WHERE election = ? ORDER BY race", [election])

    def candidates(self, election: str) -> pd.DataFrame:
        self._check(election)
        return self.sql(
            "SELECT * FROM candidates WHERE election = ? ORDER BY race, ballot_position, candidate",
            [election],
        )

    def results(self, election: str) -> pd.DataFrame:
        """Tidy long results joined with unit totals and candidate attributes."""
        self._check(election)
        return self.sql(
            """
            SELECT r.race, r.unit, r.candidate, r.votes, c.party, u.region, u.district, u.tik,
                   u.channel, u.registered, u.ballots, u.valid, u.invalid, c.regime, c.endorsed
            FROM results r
            JOIN units u USING (election, race, unit)
            LEFT JOIN candidates c USING (election, race, candidate)
            WHERE r.election = ?
            ORDER BY r.race, r.unit, c.ballot_position, r.candidate
            """,
            [election],
        )

    def units(self, election: str) -> pd.DataFrame:
        self._check(election)
        return self.sql(
            "SELECT * EXCLUDE (votes) FROM units WHERE election = ? ORDER BY race, source_row",
            [election],
        )

    def flags(self, election: str) -> pd.DataFrame:
        self._check(election)
        return self.sql("SELECT * FROM flags WHERE election = ?", [election])

    def stations(self, election: str, channel: str | None = None) -> pd.DataFrame:
        """One row per (race, unit) with the protocol lines and the leader's votes.

        The leader of a race is its ``regime`` candidate when one is marked, else the
        candidate with the most votes in the race. Column ``leader_votes`` holds W of
        METHODS.md; ``found`` is R (ballots found; valid + invalid when boxes are absent).
        """
        self._check(election)
        q = """
            WITH tot AS (
                SELECT race, candidate, sum(votes) AS v FROM results WHERE election = ? GROUP BY ALL
            ), lead AS (
                SELECT t.race, arg_max(t.candidate, (coalesce(c.regime, false), t.v)) AS leader
                FROM tot t LEFT JOIN candidates c ON c.election = ? AND c.race = t.race AND c.candidate = t.candidate
                GROUP BY t.race
            )
            SELECT u.race, u.unit, u.region, u.district, u.tik, u.channel, u.registered, u.ballots,
                   coalesce(u.found, u.valid + u.invalid) AS found, u.valid, u.invalid,
                   l.leader, r.votes AS leader_votes, u.source_row
            FROM units u
            LEFT JOIN lead l ON l.race = u.race
            LEFT JOIN results r ON r.election = u.election AND r.race = u.race AND r.unit = u.unit
                                AND r.candidate = l.leader
            WHERE u.election = ? {where}
            ORDER BY u.race, u.source_row
        """
        params: list[Any] = [election, election, election]
        where = ""
        if channel is not None:
            where = "AND u.channel = ?"
            params.append(channel)
        return self.sql(q.format(where=where), params)

    def summary(self, election: str, top: int = 5) -> ElectionSummary:
        """Headline figures: stations, registered, turnout, leader, top choices, flags."""
        self._check(election)
        kind = self.con.execute(
            "SELECT kind FROM elections WHERE election = ?", [election]
        ).fetchone()
        row = self.con.execute(
            """
            WITH st AS (
                SELECT unit, any_value(channel) AS channel, max(registered) AS registered,
                       max(ballots) AS ballots, max(valid) AS valid
                FROM units WHERE election = ? GROUP BY unit
            )
            SELECT count(*), count(*) FILTER (WHERE channel = 'electronic'),
                   sum(registered), sum(ballots), sum(valid),
                   (SELECT count(DISTINCT race) FROM units WHERE election = ?)
            FROM st
            """,
            [election, election],
        ).fetchone()
        assert row is not None
        stations, electronic, races = (int(row[i]) for i in (0, 1, 5))
        registered, ballots, valid = (None if row[i] is None else int(row[i]) for i in (2, 3, 4))
        # Headline choices come from the election-wide race (party list, president,
        # referendum) when there is one; otherwise from all races, by party.
        main = self.con.execute(
            "SELECT race FROM races WHERE election = ? AND kind IN ('list', 'president', 'referendum')",
            [election],
        ).fetchall()
        race_filter = "AND r.race = ?" if len(main) == 1 else ""
        params = [election] + ([main[0][0]] if len(main) == 1 else [])
        tops = self.con.execute(
            f"""
            SELECT coalesce(nullif(c.party, ''), r.candidate) AS choice, sum(r.votes) AS v
            FROM results r LEFT JOIN candidates c USING (election, race, candidate)
            WHERE r.election = ? {race_filter} GROUP BY 1 ORDER BY v DESC NULLS LAST
            """,
            params,
        ).fetchall()
        total_votes = sum(int(v or 0) for _, v in tops) or 1
        top_rows = tuple((str(c), int(v or 0), float(v or 0) / total_votes) for c, v in tops[:top])
        flags = dict(
            (str(r), int(n))
            for r, n in self.con.execute(
                "SELECT rule, count(*) FROM flags WHERE election = ? GROUP BY rule ORDER BY rule",
                [election],
            ).fetchall()
        )
        leader, lshare = (top_rows[0][0], top_rows[0][2]) if top_rows else ("", 0.0)
        return ElectionSummary(
            election=election,
            kind=str(kind[0]) if kind else "",
            races=races,
            stations=stations,
            electronic_units=electronic,
            registered=registered,
            ballots=ballots,
            valid=valid,
            turnout=ballots / registered if registered and ballots is not None else None,
            leader=leader,
            leader_share=lshare,
            top=top_rows,
            flags=flags,
        )


@contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold Ctrl-C while the block runs, then drop it (a commit is never half-reported).

    Python raises ``KeyboardInterrupt`` at the first bytecode after a C call returns: a
    Ctrl-C arriving while DuckDB commits would surface just after the commit, and the CLI
    would report a complete ingest as "interrupted, nothing was written". Outside the main
    thread (where signal handlers cannot be set) the block simply runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, lambda _sig, _frame: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


_ARROW = {"string": pa.string(), "Int64": pa.int64(), "boolean": pa.bool_()}


def _arrow(frame: pd.DataFrame, columns: dict[str, str]) -> pa.Table:
    """Frame to an Arrow table typed like its store table (dictionaries stay dictionaries)."""
    arrays = []
    for col, t in columns.items():
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            arrays.append(
                pa.DictionaryArray.from_arrays(
                    s.cat.codes.to_numpy(),
                    pa.array(s.cat.categories.to_numpy(dtype=object), type=pa.string()),
                )
            )
        else:
            values = s.array if t != "Int64" else s.astype("Int64").array
            arr = pa.array(values, from_pandas=True)
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            arrays.append(arr if arr.type == _ARROW[t] else arr.cast(_ARROW[t]))
    return pa.table(arrays, names=list(columns))


def _set_regime(b: Election, regime: str, file: str) -> None:
    from smartvote.names import norm_name, party_key

    key = norm_name(regime)
    pk = party_key(regime)
    hit = (b.candidates["name_key"] == key) | ((b.candidates["party_key"] == pk) & (pk != ""))
    if not hit.any():
        raise InputError(Problem("regime", f"no candidate or party named {regime!r}", file))
    b.candidates["regime"] = hit.astype("boolean")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (as stored: a zip is hashed as the zip)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _source_ids(b: Election, ids: list[str]) -> pa.Array:
    """Each unit's source key: the SHA-256 of the file it came from."""
    n = len(b.units)
    if len(ids) == 1:
        return pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n, dtype=np.int32)), pa.array(ids, type=pa.string())
        )
    by_name = dict(zip(b.sources, ids, strict=True))
    names = b.units["source"].astype(str)
    return pa.array(names.map(by_name).to_numpy(dtype=object), type=pa.string())


def _assumed_regime(b: Election) -> list[str]:
    """One line per race of a CIK batch naming the regime candidate the reader assumed."""
    c = b.candidates
    reg = c[c["regime"].astype("boolean").fillna(False).astype(bool)]
    return [
        f"{race}: {cand!r} (the national leader, assumed; name another with --regime)"
        for race, cand in zip(reg["race"], reg["candidate"], strict=True)
    ]


def summarise_batches(
    batches: list[Election], replaced: tuple[str, ...] = (), assumed: tuple[str, ...] = ()
) -> IngestSummary:
    units = pd.concat([b.units for b in batches], ignore_index=True)
    flags = pd.concat([b.flags for b in batches], ignore_index=True)
    return IngestSummary(
        election=", ".join(sorted({b.election for b in batches})),
        files=tuple(s for b in batches for s in b.sources),
        kind=", ".join(sorted({b.kind for b in batches})),
        races=int(sum(len(b.races) for b in batches)),
        stations=len(units),
        registered=int(units["registered"].sum()) if units["registered"].notna().any() else None,
        ballots=int(units["ballots"].sum()) if units["ballots"].notna().any() else None,
        flags={str(k): int(v) for k, v in flags["rule"].value_counts().sort_index().items()},
        replaced=replaced,
        regime_assumed=assumed,
    )
