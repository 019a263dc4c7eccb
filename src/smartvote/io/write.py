"""Writers: election tables as the files the readers of :mod:`smartvote.io` take back.

Whatever writes election data (the simulators, ``convert``) goes through here, so that a
written file is one the readers accept: UTF-8 CSV with a header row and no index; a CIK
protocol table must carry the registered-voters line :mod:`smartvote.io.cik` needs, a tidy
results file the columns :mod:`smartvote.io.tidy` requires. The check is on the header only
(no re-read), so writing stays as fast as ``DataFrame.to_csv``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartvote.errors import InputError, Problem
from smartvote.io.cik import classify_columns
from smartvote.io.tidy import looks_like_tidy

__all__ = ["write_cik", "write_table", "write_tidy"]


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Any table (candidates, stations, endorsements…) as UTF-8 CSV, no index column."""
    p = Path(path)
    frame.to_csv(p, index=False)
    return p


def write_cik(protocols: pd.DataFrame, path: str | Path) -> Path:
    """A CIK protocol table (one row per station, one column per protocol line and choice)."""
    header = [str(c) for c in protocols.columns]
    if "registered" not in classify_columns(header).values():
        raise InputError(
            Problem(
                "cik_header", "no registered-voters line: the CIK reader would refuse it", str(path)
            )
        )
    return write_table(protocols, path)


def write_tidy(results: pd.DataFrame, path: str | Path) -> Path:
    """A tidy results table (``race, unit, candidate, votes`` and optional columns)."""
    if not looks_like_tidy([str(c) for c in results.columns]):
        raise InputError(
            Problem("columns", "a tidy file needs race, unit, candidate, votes", str(path))
        )
    return write_table(results, path)
