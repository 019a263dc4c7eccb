"""Opening input files: plain or a single-file zip, and their header line."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from smartvote.errors import InputError, Problem


@contextmanager
def open_text_bytes(path: Path) -> Iterator[IO[bytes]]:
    """A binary stream of a plain file or of the single file inside a zip."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if not n.endswith("/")]
            if len(names) != 1:
                raise InputError(
                    Problem(
                        "zip_single_file", f"zip holds {len(names)} files, expected 1", str(path)
                    )
                )
            with z.open(names[0]) as fh:
                yield fh
    else:
        with path.open("rb") as fh:
            yield fh


def read_header(path: Path) -> list[str]:
    """First line of a CSV (plain or a single-file zip) or the columns of a Parquet file."""
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    try:
        with open_text_bytes(path) as fh:
            line = fh.readline().decode("utf-8").removeprefix("\ufeff")
    except FileNotFoundError as e:
        raise InputError(Problem("exists", "file not found", str(path))) from e
    except UnicodeDecodeError as e:
        raise InputError(Problem("encoding", "not UTF-8 text", str(path), 1)) from e
    return next(csv.reader([line]), [])
