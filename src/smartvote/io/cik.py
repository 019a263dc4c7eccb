"""Reader for CIK polling-station protocol tables (one row per station).

Handles every header variant of the Russian federal files 2004–2024 (dkobak/elections
layout): registered voters as ``внесенных``/``включенных``/``участников голосования``;
optional ``oik`` (single-member district), ``level``, ``name`` and ``url`` columns;
absentee-certificate lines (not ballots, kept as extra protocol lines); then one column
per party (``N. Партия``), candidate, or ``ДА``/``НЕТ``. Remote electronic voting
pseudo-stations are recognised (territorial commission named as electronic voting, an
empty station number, or more than :data:`PSEUDO_STATION_REGISTERED` registered voters)
and stored with channel ``electronic``. A by-region file without station columns (the
2024 electronic-voting file) is read as one electronic unit per region.

Parsing is vectorised: pandas' C reader, then numpy over whole columns. The identifier
side (station numbers, pseudo-stations, unit ids) lives in :mod:`smartvote.io.cik_ids`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from smartvote.errors import InputError, Problem
from smartvote.io.cik_ids import PSEUDO_STATION_REGISTERED as PSEUDO_STATION_REGISTERED
from smartvote.io.cik_ids import Ids, electronic_mask, only_value, read_ids, unit_ids
from smartvote.io.cik_table import ID_COLUMNS as ID_COLUMNS
from smartvote.io.cik_table import (
    MAX_COUNT,
    RANGE_DETAIL,
    arrow_table,
    candidate_names,
    election_name,
    first_column_by_role,
    require_registered,
    unit_lines,
)
from smartvote.io.cik_table import classify_columns as classify_columns
from smartvote.io.cik_table import detect_kind as detect_kind
from smartvote.io.cik_table import looks_like_cik as looks_like_cik
from smartvote.io.election import Election
from smartvote.io.files import Limits, diagnose, open_text_bytes, read_header
from smartvote.names import norm_name, party_key


def _const(value: str, n: int) -> pd.Categorical:
    """A constant column as a one-category categorical (no per-row strings)."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [value])


def _numeric(df: pd.DataFrame, col: str, file: str) -> np.ndarray:
    """A protocol line or vote column as float64 (NaN = blank), checked whole and >= 0."""
    s = df[col]
    if not pd.api.types.is_numeric_dtype(s):
        txt = s.astype("string").str.strip()
        num = pd.to_numeric(txt.str.replace(r"\s", "", regex=True), errors="coerce")
        bad = num.isna() & txt.notna() & (txt != "")
        if p := Problem.first(
            bad, "integer", "protocol lines and votes must be whole numbers", file, col, s
        ):
            raise InputError(p)
        s = num
    whole = pd.api.types.is_integer_dtype(s)
    arr = s.to_numpy(dtype="float64", na_value=np.nan)
    neg = arr < 0
    frac = np.zeros(0, dtype=bool) if whole else np.isfinite(arr) & (arr != np.round(arr))
    for mask, rule in ((neg, "non_negative"), (frac, "integer")):
        if p := Problem.first(
            mask, rule, "protocol lines and votes must be non-negative whole numbers", file, col, s
        ):
            raise InputError(p)
    if p := Problem.first(arr > MAX_COUNT, "range", RANGE_DETAIL, file, col, s):
        raise InputError(p)  # also catches inf: NaN (a blank) compares False
    return arr


def _int64(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Float64 with NaN as blanks → a nullable Int64 array."""
    blank = np.isnan(values)
    filled = np.where(blank, 0, values) if blank.any() else values
    return pd.arrays.IntegerArray(filled.astype(np.int64), blank)


def read_cik_frame(
    df: pd.DataFrame,
    file: str,
    election: str | None = None,
    kind: str | None = None,
    rows: np.ndarray | None = None,
) -> Election:
    """Turn a raw CIK table into a :class:`Election` (see module docstring).

    An exact copy of an earlier row (a station listed twice) is stored once and flagged
    ``duplicate_row`` on the station kept. ``rows`` gives each row's line in the file
    (default: data row i is line i + 2). The steps, in order (the order fixes which error
    a bad file reports first): recognise the header, name the election, read the
    identifiers and the protocol lines, tell electronic pseudo-stations apart, build the
    unit ids (dropping exact copies), then the units, candidates/votes, extra lines and race.
    """
    header = [str(c) for c in df.columns]
    roles = classify_columns(header)
    require_registered(roles, file)
    kind = kind or detect_kind(roles, header)
    election = election_name(file, election, kind)
    by_role = first_column_by_role(roles)
    n = len(df)
    ids = read_ids(df, by_role)
    nums = _protocol_numbers(df, by_role, file)
    electronic = electronic_mask(ids, nums["registered"])
    line = rows if rows is not None else np.arange(n) + 2
    unit_a, numbered = unit_ids(ids.region, ids.station, ids.district, ids.tik, electronic, line)
    if numbered is not None:
        copies = _exact_copies(df, numbered)
        if copies.any():
            keep = ~copies
            b = read_cik_frame(
                df[keep].reset_index(drop=True), file, election, kind, rows=line[keep]
            )
            return _flag_copies(b, df, copies, line)
    race = f"{election}/list" if kind == "duma" else f"{election}/{kind}"
    units = _units_frame(election, race, file, ids, unit_a, electronic, unit_lines(nums, n), line)
    choice_cols = [c for c in header if roles[c] == "choice"]
    votes = _vote_matrix(df, choice_cols, file)
    candidates = _candidates_frame(election, race, kind, choice_cols, votes)
    extra_cols = [c for c in header if roles[c] == "extra"]
    extra = _extra_lines(df, extra_cols, file, election, race, unit_a)
    races = _races_frame(election, race, kind, only_value(ids.region))
    return Election.make(
        election,
        kind,
        [Path(file).name],
        races,
        units,
        candidates,
        extra=extra,
        matrix=votes,
    )


def _protocol_numbers(
    df: pd.DataFrame, by_role: dict[str, str], file: str
) -> dict[str, np.ndarray]:
    """Each recognised protocol line as float64 (NaN = blank), validated by :func:`_numeric`.

    Read in header order, so the first bad cell of the leftmost bad column is the one
    reported.
    """
    return {
        role: _numeric(df, col, file)
        for role, col in by_role.items()
        if role not in ID_COLUMNS and role != "url"
    }


def _units_frame(
    election: str,
    race: str,
    file: str,
    ids: Ids,
    unit_a: pa.Array,
    electronic: np.ndarray,
    lines: dict[str, np.ndarray],
    line: np.ndarray,
) -> pd.DataFrame:
    """The units table: ids, channel, protocol lines as nullable Int64, source file and row.

    Constant columns are one-category categoricals and text stays in Arrow, so a
    100 000-station file builds no per-row Python strings.
    """
    return pd.DataFrame(
        {
            "election": _const(election, len(line)),
            "race": _const(race, len(line)),
            "unit": pd.arrays.ArrowStringArray(unit_a),
            "region": pd.arrays.ArrowStringArray(ids.region),
            "district": pd.arrays.ArrowStringArray(ids.district),
            "tik": pd.arrays.ArrowStringArray(ids.tik),
            "channel": pd.Categorical.from_codes(
                electronic.astype(np.int8), ["paper", "electronic"]
            ),
            **{col: _int64(values) for col, values in lines.items()},
            "url": pd.arrays.ArrowStringArray(ids.url),
            "source": _const(Path(file).name, len(line)),
            "source_row": line,
        }
    )


def _vote_matrix(df: pd.DataFrame, choice_cols: list[str], file: str) -> np.ndarray:
    """Votes as a stations × choices float64 matrix (NaN = blank), validated per column."""
    if not choice_cols:
        return np.empty((len(df), 0))
    return np.column_stack([_numeric(df, c, file) for c in choice_cols])


def _candidates_frame(
    election: str, race: str, kind: str, choice_cols: list[str], votes: np.ndarray
) -> pd.DataFrame:
    """One row per choice column: name, party, ballot position and the assumed regime.

    In a Duma list race each choice is a party (named by its label); otherwise a
    candidate (or ДА/НЕТ) without party. A column without a ``N.`` ballot number takes the
    next position. The regime is unknown in a bare protocol: the national leader (most
    votes) is assumed, and can be changed with ``ingest --regime NAME``.
    """
    names, parties, positions = candidate_names(kind, choice_cols)
    k = len(choice_cols)
    totals = np.nansum(votes, axis=0)
    leader = int(np.argmax(totals)) if k else -1
    return pd.DataFrame(
        {
            "election": election,
            "race": race,
            "candidate": names,
            "name_key": [norm_name(x) for x in names],
            "party": parties,
            "party_key": [party_key(p) if p else "" for p in parties],
            "ballot_position": positions,
            "regime": [i == leader for i in range(k)],
        }
    )


def _extra_lines(
    df: pd.DataFrame,
    extra_cols: list[str],
    file: str,
    election: str,
    race: str,
    unit_a: pa.Array,
) -> pd.DataFrame:
    """Unrecognised protocol lines (absentee certificates, repeats) in long form.

    One row per non-blank (unit, line) cell, so nothing the commission reported is lost
    even when it has no column in the units table. Empty when the file has none.
    """
    if not extra_cols:
        return pd.DataFrame()
    n = len(df)
    ev = np.column_stack([_numeric(df, c, file) for c in extra_cols])
    n_extra = len(extra_cols)
    eflat = ev.reshape(-1)
    keep = ~np.isnan(eflat)
    return pd.DataFrame(
        {
            "election": pd.Categorical.from_codes(
                np.zeros(int(keep.sum()), dtype=np.int8), [election]
            ),
            "race": pd.Categorical.from_codes(np.zeros(int(keep.sum()), dtype=np.int8), [race]),
            "unit": pd.Categorical.from_codes(
                np.repeat(np.arange(n, dtype=np.int32), n_extra)[keep],
                unit_a.to_numpy(zero_copy_only=False),
            ),
            "line": pd.Categorical.from_codes(
                np.tile(np.arange(n_extra, dtype=np.int16), n)[keep], extra_cols
            ),
            "value": eflat[keep].astype(np.int64),
        }
    )


def _races_frame(election: str, race: str, kind: str, region: str) -> pd.DataFrame:
    """The file's single race: a Duma file is the party-list race (``kind`` ``list``).

    ``region`` is the one region of a single-region file, else "" (a national race).
    """
    return pd.DataFrame(
        {
            "election": [election],
            "race": [race],
            "kind": ["list" if kind == "duma" else kind],
            "district": [""],
            "region": [region],
            "seats": [1],
        }
    )


def _exact_copies(df: pd.DataFrame, among: np.ndarray) -> np.ndarray:
    """Rows (within ``among``) that repeat an earlier row field for field."""
    out = np.zeros(len(df), dtype=bool)
    idx = np.flatnonzero(among)
    out[idx] = df.iloc[idx].duplicated(keep="first").to_numpy()
    return out


def _flag_copies(b: Election, df: pd.DataFrame, copies: np.ndarray, line: np.ndarray) -> Election:
    """Add a ``duplicate_row`` flag to each kept station that had exact copies dropped."""
    idx = np.flatnonzero(copies)
    cols = list(df.columns)
    first = df.reset_index(drop=True).reset_index().groupby(cols, dropna=False, sort=False)["index"]
    first_of = first.transform("min").to_numpy()
    row_unit = dict(zip(b.units["source_row"].to_numpy().tolist(), b.units["unit"], strict=True))
    units = [row_unit[int(line[first_of[i]])] for i in idx]
    flags = pd.DataFrame(
        {
            "election": b.election,
            "race": str(b.units["race"].iloc[0]),
            "unit": units,
            "rule": "duplicate_row",
            "detail": [
                f"row {int(line[i])} repeats row {int(line[first_of[i]])} exactly; stored once"
                for i in idx
            ],
        }
    )
    b.flags = pd.concat([b.flags, flags], ignore_index=True).astype(b.flags.dtypes.to_dict())
    return b


def read_cik(
    path: str | Path,
    election: str | None = None,
    kind: str | None = None,
    header: list[str] | None = None,
    limits: Limits | None = None,
) -> Election:
    """Read a CIK protocol CSV (plain or zipped) into a :class:`Election`.

    Parsed by Arrow's multithreaded CSV reader, streaming out of the zip member (so
    decompression overlaps parsing); identifier columns are read as text. A file Arrow
    rejects (bad encoding, a short row, a line longer than a block) is streamed once more
    by :func:`~smartvote.io.files.diagnose`, whose error names the row; a file that passes
    it (duplicate header names) is read by pandas. ``header`` saves reading the first line
    again when the caller has it (as :func:`smartvote.io.read_any` does).
    """
    p = Path(path)
    lim = limits or Limits.from_env()
    df = _read_arrow(p, header if header is not None else read_header(p, lim), lim)
    if df is None:
        diagnose(p, lim)
        try:
            with open_text_bytes(p, lim) as fh:
                # only an empty cell is blank: `nan`, `NA`, `null` are text (errors below)
                df = pd.read_csv(
                    fh, encoding="utf-8", low_memory=False, keep_default_na=False, na_values=[""]
                )
        except UnicodeDecodeError as e:
            raise InputError(Problem(rule="encoding", detail=f"not UTF-8: {e}", file=str(p))) from e
        except pd.errors.ParserError as e:
            raise InputError(Problem(rule="csv", detail=str(e), file=str(p))) from e
    if not len(df):
        raise InputError(Problem("empty", "the file has a header but no data rows", str(p), 2))
    return read_cik_frame(df, str(p), election=election, kind=kind)


def _read_arrow(p: Path, header: list[str], limits: Limits) -> pd.DataFrame | None:
    """The table through ``pyarrow.csv`` (:func:`~smartvote.io.cik_table.arrow_table`), or
    None to let the slow path read it (and explain)."""
    table = arrow_table(p, header, limits)
    return None if table is None else table.to_pandas()
