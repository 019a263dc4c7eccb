"""The station arrays of a CIK protocol file straight from Arrow, without pandas.

``smartvote forensics FILE`` used to read the file into the election type (pandas data
frames: :func:`smartvote.io.cik.read_cik_frame`), turn it into the station frame
(:func:`smartvote.forensics._file.stations_from_batch`) and that into arrays
(:func:`smartvote.forensics._frame.prepare`): on the 2021 file about 0.35 s to import
pandas and 0.45–0.55 s of data-frame work before the methods could start. Every method
works on numpy arrays, so :func:`read_stations` builds :class:`Stations` from the Arrow
table with the same functions and rules (header roles, protocol lines, identifiers,
electronic pseudo-stations, unit ids, leader, exclusions), and the electronic
comparison's arrays from the same columns; the data frame that only the station list
needs is built on first use (``--stations``, ``--report``), with pandas.

It reads only the plain case and declines (returns ``None``) whatever it does not settle
itself, so that the full reader reads the file instead, with its errors: a header that is
not a CIK table, a file Arrow cannot parse, no data rows, a column that is not whole
numbers, a negative or too large count, stations numbered twice (the exact-copy rule),
two choices with one name, or a leader with no vote at all. ``tests/forensics/
test_cikread.py`` checks that both give the same stations and the same JSON.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from smartvote.errors import InputError
from smartvote.forensics._frame import FloatA, IntA, Stations, included, stations
from smartvote.forensics.electronic import ChannelVotes, Units, channel_votes_from_matrix
from smartvote.io.arrowbuf import bools, text, to_floats, to_ints
from smartvote.io.cik_ids import electronic_mask, read_ids, unit_ids
from smartvote.io.cik_table import (
    ID_COLUMNS,
    MAX_COUNT,
    arrow_table,
    candidate_names,
    classify_columns,
    detect_kind,
    election_name,
    first_column_by_role,
    looks_like_cik,
    unit_lines,
)
from smartvote.io.columns import looks_like_tidy
from smartvote.io.files import Limits, read_header

if TYPE_CHECKING:
    import pandas as pd

    from smartvote.io.election import Election


@dataclass(slots=True)
class FileStations:
    """What the suite needs of a file: its stations, and the electronic comparison's
    inputs (numpy arrays, built on first call; the station frame, with pandas, only for
    whoever asks for it)."""

    election: str
    race: str
    stations: Stations
    #: The station frame of every row (:func:`~smartvote.forensics._file.stations_from_batch`).
    frame: Callable[[], pd.DataFrame]
    #: Every row as the electronic comparison's units (no pandas).
    units: Callable[[], Units]
    #: Candidate votes by district and channel; None when the file has no electronic unit.
    channel_votes: Callable[[], ChannelVotes] | None
    #: Wall and CPU seconds (this thread) from the parsed table to the stations
    #: (``timings_s.prepare``).
    took: tuple[float, float] = (0.0, 0.0)

    def detached(self, path: str | Path, election: str | None) -> FileStations:
        """The same reading with nothing tied to the Arrow table, so that it can be
        pickled: a reading process sends it (:mod:`smartvote.cli.prefetch`). The
        electronic comparison's inputs are computed now (about 0.02 s on a national
        file); the station frame and the stations' identifiers, which only the station
        list and callers of :attr:`frame` ask for, are read again from the file by
        whoever asks."""
        st = self.stations
        if callable(st.ids):
            st = dataclasses.replace(st, ids=_Reread(str(path), election, "ids"))
        cv = self.channel_votes
        return FileStations(
            self.election,
            self.race,
            st,
            _Reread(str(path), election, "frame"),
            _Value(self.units()),
            _Value(cv()) if cv is not None else None,
            self.took,
        )


@dataclass(frozen=True, slots=True)
class _Value:
    """A function that returns a value computed beforehand (picklable, unlike a lambda)."""

    value: Any

    def __call__(self) -> Any:
        return self.value


@dataclass(frozen=True, slots=True)
class _Reread:
    """The station frame (``part="frame"``) or the stations' identifiers (``"ids"``) of a
    file, read again on call: what :meth:`FileStations.detached` leaves out."""

    path: str
    election: str | None
    part: str

    def __call__(self) -> pd.DataFrame:
        fs = read_stations(self.path, self.election)
        if fs is None:  # it was read before: the file changed in between
            from smartvote.errors import Problem

            raise InputError(Problem("changed", "the file changed while it was read", self.path))
        return fs.frame() if self.part == "frame" else fs.stations.frame


def read_stations(
    path: str | Path, election: str | None = None, limits: Limits | None = None
) -> FileStations | None:
    """The stations of a CIK protocol file, or ``None`` when the full reader must read it
    (module doc). Errors of the file itself are the full reader's: this one declines."""
    p = Path(path)
    lim = limits or Limits.from_env()
    try:
        return _read(p, election, lim)
    except InputError:  # the full reader raises it again, in its own order of checks
        return None


def read_file(path: str | Path, election: str | None = None) -> FileStations | Election:
    """A file for :func:`smartvote.forensics.suite.run_read`: its stations when
    :func:`read_stations` reads it, else the election type
    (:func:`smartvote.io.detect.read_any`, which also raises the file's input errors)."""
    fs = read_stations(path, election)
    if fs is not None:
        return fs
    from smartvote.io.detect import read_any

    return read_any(path, election=election)


def _read(p: Path, election: str | None, lim: Limits) -> FileStations | None:
    header = read_header(p, lim)
    if looks_like_tidy(header) or not looks_like_cik(header):
        return None
    table = arrow_table(p, header, lim)
    if table is None or table.num_rows == 0:
        return None
    t0, c0 = time.perf_counter(), time.thread_time()
    n = table.num_rows
    roles = classify_columns(header)
    kind = detect_kind(roles, header)
    name = election_name(str(p), election, kind)
    by_role = first_column_by_role(roles)
    nums: dict[str, FloatA] = {}
    for role, col in by_role.items():
        if role not in ID_COLUMNS and role != "url":
            if (v := _counts(table.column(col))) is None:
                return None
            nums[role] = v
    ids = read_ids(table, by_role)
    electronic = electronic_mask(ids, nums["registered"])
    unit_a, numbered = unit_ids(ids.region, ids.station, ids.district, ids.tik, electronic)
    if numbered is not None:
        return None
    lines = unit_lines(nums, n)
    choices = [c for c in header if roles[c] == "choice"]
    counts: dict[str, FloatA] = {}
    for c in header:
        if roles[c] in ("choice", "extra"):  # extra lines too: the full reader checks them
            if (v := _counts(table.column(c))) is None:
                return None
            counts[c] = v
    votes = np.column_stack([counts[c] for c in choices])
    cands, _, _ = candidate_names(kind, choices)
    lead = int(np.argmax(np.nansum(votes, axis=0)))
    if len(set(cands)) < len(cands) or np.isnan(votes[:, lead]).all():
        return None
    race = f"{name}/list" if kind == "duma" else f"{name}/{kind}"
    leader_votes = votes[:, lead]
    found = lines["found"]
    found = np.where(np.isnan(found), lines["valid"] + lines["invalid"], found)
    N, B, R, W = (_ints(x) for x in (lines["registered"], lines["ballots"], found, leader_votes))
    kept = bools(included(N, B, R, W, electronic))
    region, district = ids.region.filter(kept), ids.district.filter(kept)
    district = pc.if_else(pc.equal(district, text("")), text(race), district)
    unit, tik = unit_a.filter(kept), ids.tik.filter(kept)
    k = len(region)

    def ids_frame() -> pd.DataFrame:
        import pandas as pd

        s = pd.arrays.ArrowStringArray
        return pd.DataFrame(
            {
                "race": np.full(k, race, dtype=object),
                "unit": s(unit),
                "region": s(region),
                "district": s(ids.district.filter(kept)),
                "tik": s(tik),
            }
        )

    st = stations(
        N,
        B,
        R,
        W,
        _ints(lines["valid"]),
        electronic,
        _codes(region),
        _codes(district),
        ids_frame,
        cands[lead],
    )

    def frame() -> pd.DataFrame:
        import pandas as pd

        s = pd.arrays.ArrowStringArray
        return pd.DataFrame(
            {
                "race": np.full(n, race, dtype=object),
                "unit": s(unit_a),
                "region": s(ids.region),
                "district": s(ids.district),
                "tik": s(ids.tik),
                "channel": np.where(electronic, "electronic", "paper").astype(object),
                "registered": lines["registered"],
                "ballots": lines["ballots"],
                "found": found,
                "valid": lines["valid"],
                "invalid": lines["invalid"],
                "leader": np.full(n, cands[lead], dtype=object),
                "leader_votes": leader_votes,
                "source_row": np.arange(n, dtype=np.float64) + 2,
            }
        )

    @cache
    def units() -> Units:
        key = pc.if_else(pc.equal(ids.district, text("")), text(race), ids.district)
        dc, dn = _codes(key)
        rc, rn = _codes(ids.region)
        reg, bal, val = lines["registered"], lines["ballots"], lines["valid"]
        return Units(electronic, dc, dn, rc, rn, reg, bal, val, leader_votes)

    def channel_votes() -> ChannelVotes:
        u = units()
        return channel_votes_from_matrix(u.district, u.district_names, electronic, votes, cands)

    took = (time.perf_counter() - t0, time.thread_time() - c0)
    cv = channel_votes if electronic.any() else None
    return FileStations(name, race, st, frame, units, cv, took)


def _counts(col: pa.ChunkedArray) -> FloatA | None:
    """A protocol line or vote column as float64 (NaN = blank) when Arrow read it as whole
    numbers within 0 … MAX_COUNT; None otherwise (the full reader checks it and says why)."""
    if not pa.types.is_integer(col.type):
        return None
    lo_hi = pc.min_max(col).as_py()
    if lo_hi["min"] is not None and (lo_hi["min"] < 0 or lo_hi["max"] > MAX_COUNT):
        return None
    return to_floats(col)


def _ints(x: FloatA) -> IntA:
    """Counts as int64 with −1 for blanks (:func:`smartvote.forensics._frame.prepare`)."""
    return np.where(np.isnan(x), -1, x).astype(np.int64)


def _codes(a: pa.Array) -> tuple[IntA, list[str]]:
    """Codes of a string column with its distinct values in sorted order (code points),
    as ``pandas.factorize(sort=True)`` gives them."""
    enc = a.dictionary_encode()
    names: list[str] = enc.dictionary.to_pylist()
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return rank[to_ints(enc.indices)], [names[i] for i in order]
