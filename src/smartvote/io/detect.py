"""Pick the right reader for a file by looking at its content, not its name."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from smartvote.errors import InputError, Problem
from smartvote.io.batch import Batch
from smartvote.io.cik import looks_like_cik, read_cik
from smartvote.io.tidy import looks_like_tidy, read_tidy


def read_header(path: Path) -> list[str]:
    """First line of a CSV (plain or a single-file zip) or the columns of a Parquet file."""
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                names = [n for n in z.namelist() if not n.endswith("/")]
                if len(names) != 1:
                    raise InputError(
                        Problem(
                            "zip_single_file",
                            f"zip holds {len(names)} files, expected 1",
                            str(path),
                        )
                    )
                with z.open(names[0]) as fh:
                    line = io.TextIOWrapper(fh, encoding="utf-8").readline()
        else:
            with path.open(encoding="utf-8") as fh:
                line = fh.readline()
    except FileNotFoundError as e:
        raise InputError(Problem("exists", "file not found", str(path))) from e
    except UnicodeDecodeError as e:
        raise InputError(Problem("encoding", "not UTF-8 text", str(path), 1)) from e
    return next(csv.reader([line]), [])


def read_any(path: str | Path, election: str | None = None) -> Batch:
    """Read a CIK protocol table or a tidy results file, detected by its header."""
    p = Path(path)
    header = read_header(p)
    if looks_like_tidy(header):
        return read_tidy(p, election=election)
    if looks_like_cik(header):
        return read_cik(p, election=election)
    raise InputError(
        Problem(
            "format",
            "neither a tidy results file (race, unit, candidate, votes) nor a CIK protocol "
            "table (a registered-voters line and choice columns)",
            str(p),
            1,
        )
    )
