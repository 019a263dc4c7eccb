"""The election type: what every reader produces, the store ingests and gives back, and
recommend, assess and forensics consume.

An :class:`Election` is columnar: pandas frames with named, typed columns (the schemas and
column names of :mod:`smartvote.io.columns`, documented in ``docs/1-ingest.md``), never
per-station Python objects. It holds the races, the counting units (each with its channel:
paper station or remote electronic), the choices on each ballot (``candidates``), the votes
(``results``, or a dense ``matrix`` for a single race) and the protocol flags. The file
readers (:func:`smartvote.io.read_any`) build one with :meth:`Election.make`, which types
every column and runs the protocol checks (:func:`protocol_flags`) vectorised over all
units; :meth:`Election.from_store` reads a stored election back into the same type; the
store writes one in a single transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from smartvote.io.cik_table import row_sums as row_sums
from smartvote.io.columns import (
    CANDIDATE_COLUMNS,
    EXTRA_COLUMNS,
    FLAG_COLUMNS,
    RACE_COLUMNS,
    RESULT_COLUMNS,
    UNIT_COLUMNS,
)

if TYPE_CHECKING:
    from smartvote.io.store import Store

__all__ = [
    "CANDIDATE_COLUMNS",
    "EXTRA_COLUMNS",
    "FLAG_COLUMNS",
    "RACE_COLUMNS",
    "RESULT_COLUMNS",
    "UNIT_COLUMNS",
    "Election",
    "conform",
    "protocol_flags",
    "row_sums",
]


def conform(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Return ``df`` with exactly ``columns`` in order and type, missing ones as nulls."""
    data: dict[str, Any] = {}
    n = len(df)
    for col, dtype in columns.items():
        if col not in df.columns:
            data[col] = pd.array([pd.NA] * n, dtype=dtype)
            continue
        s = df[col]
        # Categoricals (dictionary-encoded ids) and plain strings are kept as they are:
        # the store hands frames to DuckDB through Arrow, which types them.
        if isinstance(s.dtype, pd.CategoricalDtype) or str(s.dtype) == dtype:
            data[col] = s.array
        elif dtype == "string" and (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            data[col] = s.array  # any string storage: Arrow takes it without a copy
        else:
            data[col] = s.astype(dtype).array
    return pd.DataFrame(data, copy=False)


@dataclass(slots=True)
class Election:
    """One election (or the part of it read from some files), validated and columnar.

    ``races`` (``RACE_COLUMNS``), ``units`` (``UNIT_COLUMNS``: one row per race and counting
    unit, with its ``channel``), ``candidates`` (``CANDIDATE_COLUMNS``: the choices of each
    race), ``results`` (``RESULT_COLUMNS``: the votes), ``extra`` (other protocol lines) and
    ``flags`` (``FLAG_COLUMNS``: protocol checks that failed).

    ``results`` (long: one row per unit and candidate) is built on first use when the
    reader supplied a dense ``matrix`` instead: the store writes from the matrix, so an
    ingest never pays for the ~1.4M-row frame of a national file.
    """

    election: str
    kind: str
    sources: list[str]
    races: pd.DataFrame
    units: pd.DataFrame
    candidates: pd.DataFrame
    long_results: pd.DataFrame | None
    extra: pd.DataFrame
    flags: pd.DataFrame
    #: Optional dense votes (units × candidates, NaN = no number) of a single-race batch,
    #: columns in ``candidates`` order: lets the store write without re-pivoting.
    matrix: np.ndarray | None = None
    #: Where each of ``sources`` was read from: (resolved path, SHA-256 of its bytes),
    #: filled by :meth:`smartvote.io.store.Store.ingest`; the store keys sources by them.
    origins: tuple[tuple[str, str], ...] = ()

    @property
    def results(self) -> pd.DataFrame:
        """Votes per unit and candidate (``RESULT_COLUMNS``); NA where a line is blank."""
        if self.long_results is None:
            self.long_results = conform(_long(self), RESULT_COLUMNS)
        return self.long_results

    @classmethod
    def make(
        cls,
        election: str,
        kind: str,
        sources: list[str],
        races: pd.DataFrame,
        units: pd.DataFrame,
        candidates: pd.DataFrame,
        results: pd.DataFrame | None = None,
        extra: pd.DataFrame | None = None,
        vote_sums: np.ndarray | None = None,
        matrix: np.ndarray | None = None,
    ) -> Election:
        """Conform every frame and run the protocol checks.

        Give either long ``results`` or a ``matrix`` (units × candidates of one race).
        ``vote_sums`` (votes summed per unit, aligned with ``units``) saves the checks a
        group-by when the reader already has the votes as a matrix.
        """
        if results is None and matrix is None:
            raise ValueError("Election.make needs results or a matrix")
        units = conform(units, UNIT_COLUMNS)
        long = conform(results, RESULT_COLUMNS) if results is not None else None
        if vote_sums is None and matrix is not None:
            vote_sums = row_sums(matrix)
        return cls(
            election=election,
            kind=kind,
            sources=sources,
            races=conform(races, RACE_COLUMNS),
            units=units,
            candidates=conform(candidates, CANDIDATE_COLUMNS),
            long_results=long,
            extra=conform(extra if extra is not None else pd.DataFrame(), EXTRA_COLUMNS),
            flags=conform(
                protocol_flags(units, long if long is not None else _NO_RESULTS, vote_sums),
                FLAG_COLUMNS,
            ),
            matrix=matrix,
        )

    @classmethod
    def from_store(cls, store: Store, election: str, *, dense: bool = False) -> Election:
        """A stored election read back into the same type the file readers produce (its
        flags are the ones computed at ingest). Raises :class:`StoreError` naming the
        stored elections when ``election`` is not one of them.

        ``results`` come in the store's order (race, unit, ballot position). With ``dense``
        an election of one race carries its votes as the units × choices ``matrix`` instead,
        as the CIK reader gives a single-race file: read straight from the store's compact
        vote lists, without the ~1.4M-row long frame of a national election.
        """
        races = store.races(election)
        kind = store.sql("SELECT kind FROM elections WHERE election = ?", [election])
        units = conform(store.units(election), UNIT_COLUMNS)
        candidates = conform(store.candidates(election), CANDIDATE_COLUMNS)
        matrix = _stored_matrix(store, election, races, units, candidates) if dense else None
        return cls(
            election=election,
            kind=str(kind["kind"].iloc[0]) if len(kind) else "",
            sources=[str(store.path)],
            races=conform(races, RACE_COLUMNS),
            units=units,
            candidates=candidates,
            long_results=None
            if matrix is not None
            else conform(store.results(election), RESULT_COLUMNS),
            extra=conform(pd.DataFrame(), EXTRA_COLUMNS),
            flags=conform(store.flags(election), FLAG_COLUMNS),
            matrix=matrix,
        )


def _stored_matrix(
    store: Store, election: str, races: pd.DataFrame, units: pd.DataFrame, candidates: pd.DataFrame
) -> np.ndarray | None:
    """Votes (units × candidates, NaN = blank) of a one-race stored election, rows in
    ``Store.units`` order and columns in ``candidates`` order; ``None`` when the election
    has several races or a unit has no vote list of the race's length."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(races) != 1:
        return None
    race = str(races["race"].iloc[0])
    choices = store.sql(
        "SELECT idx, candidate FROM choices WHERE election = ? AND race = ? ORDER BY idx",
        [election, race],
    )
    k = len(choices)
    pos = pd.Index(choices["candidate"].astype(str)).get_indexer(
        candidates["candidate"].astype(str)
    )
    if k == 0 or len(pos) != k or (pos < 0).any():
        return None
    tbl = store.con.sql(
        "SELECT unit, votes FROM units WHERE election = ?", params=[election]
    ).to_arrow_table()
    lists = tbl.column("votes").combine_chunks()
    if len(lists) != len(units) or lists.null_count:
        return None
    if pc.any(pc.not_equal(lists.value_lengths(), k)).as_py():
        return None
    rows = pd.Index(tbl.column("unit").to_pandas().astype(str)).get_indexer(
        units["unit"].astype(str)
    )
    if (rows < 0).any():
        return None
    flat = lists.flatten().cast(pa.float64()).to_numpy(zero_copy_only=False)
    m: np.ndarray = flat.reshape(len(lists), k)[rows][:, pos]
    return m


_NO_RESULTS = pd.DataFrame(columns=list(RESULT_COLUMNS))


def _long(b: Election) -> pd.DataFrame:
    """Long results from a batch's matrix, as dictionary-encoded columns (no per-row strings)."""
    assert b.matrix is not None
    n, k = b.matrix.shape
    units = b.units
    flat = b.matrix.reshape(-1)
    unit_codes, unit_names = pd.factorize(units["unit"].astype(str))
    race = pd.Categorical(units["race"].astype(str))
    return pd.DataFrame(
        {
            "election": pd.Categorical.from_codes(np.zeros(n * k, dtype=np.int8), [b.election]),
            "race": pd.Categorical.from_codes(np.repeat(race.codes, k), race.categories),
            "unit": pd.Categorical.from_codes(np.repeat(unit_codes, k), unit_names),
            "candidate": pd.Categorical.from_codes(
                np.tile(np.arange(k, dtype=np.int16), n), b.candidates["candidate"].astype(str)
            ),
            "votes": pd.arrays.IntegerArray(np.nan_to_num(flat).astype(np.int64), np.isnan(flat)),
        }
    )


def _arr(s: pd.Series) -> np.ndarray:
    return s.astype("float64").to_numpy(na_value=np.nan)


def _ne(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a != b`` where both are known; a missing line never fails a check."""
    return np.isfinite(a) & np.isfinite(b) & (a != b)


def protocol_flags(
    units: pd.DataFrame, results: pd.DataFrame, vote_sums: np.ndarray | None = None
) -> pd.DataFrame:
    """Vectorised protocol checks; one row per (unit, failed rule).

    Checks only what the unit's protocol carries: a missing line never raises a flag.
    """
    n = len(units)
    if n == 0:
        return pd.DataFrame(columns=list(FLAG_COLUMNS))
    reg = _arr(units["registered"])
    bal = _arr(units["ballots"])
    found = _arr(units["found"])
    valid = _arr(units["valid"])
    invalid = _arr(units["invalid"])
    received = _arr(units["received"])
    cancelled = _arr(units["cancelled"])
    lost = np.nan_to_num(_arr(units["lost"]))
    not_counted = np.nan_to_num(_arr(units["not_counted"]))
    if vote_sums is not None:
        votes = np.asarray(vote_sums, dtype="float64")
    elif len(results):
        key = units["race"].astype(str) + "\x1f" + units["unit"].astype(str)
        rkey = results["race"].astype(str) + "\x1f" + results["unit"].astype(str)
        vsum = results["votes"].astype("float64").groupby(rkey.to_numpy()).sum()
        votes = vsum.reindex(key.to_numpy()).to_numpy()
    else:
        votes = np.full(n, np.nan)
    rules: list[tuple[str, np.ndarray, np.ndarray]] = []
    with np.errstate(invalid="ignore"):
        rules.append(("turnout_over_100", bal > reg, bal))
        rules.append(("found_ne_valid_invalid", _ne(found, valid + invalid), found))
        rules.append(
            ("received_ne_accounted", _ne(received + not_counted, bal + cancelled + lost), received)
        )
        rules.append(("votes_gt_valid", votes > valid, votes))
        rules.append(("zero_registered", reg == 0, reg))
        rules.append(("zero_ballots", (bal == 0) & (reg > 0), bal))
        rules.append(
            ("no_results", np.isnan(reg) & np.isnan(bal) & np.isnan(valid) & np.isnan(votes), reg)
        )
        rules.append(("pseudo_station", (units["channel"] == "electronic").to_numpy(), reg))
    frames = []
    ids = units[["election", "race", "unit"]]
    for rule, mask, val in rules:
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        if len(rows):
            # Only the flagged rows are materialised as strings.
            hit = ids.take(rows)
            frames.append(
                pd.DataFrame(
                    {
                        "election": hit["election"].to_numpy(dtype=object),
                        "race": hit["race"].to_numpy(dtype=object),
                        "unit": hit["unit"].to_numpy(dtype=object),
                        "rule": rule,
                        "detail": [str(v) if not np.isnan(v) else "" for v in val[rows]],
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=list(FLAG_COLUMNS))
    return pd.concat(frames, ignore_index=True)
