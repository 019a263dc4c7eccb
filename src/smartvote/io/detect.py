"""Pick the right reader for a file by looking at its content, not its name."""

from __future__ import annotations

from pathlib import Path

from smartvote.errors import InputError, Problem
from smartvote.io.cik import looks_like_cik, read_cik
from smartvote.io.election import Election
from smartvote.io.files import Limits, read_header
from smartvote.io.tidy import looks_like_tidy, read_tidy


def read_any(
    path: str | Path, election: str | None = None, limits: Limits | None = None
) -> Election:
    """Read a CIK protocol table or a tidy results file, detected by its header."""
    p = Path(path)
    lim = limits or Limits.from_env()
    header = read_header(p, lim)
    if looks_like_tidy(header):
        return read_tidy(p, election=election, limits=lim)
    if looks_like_cik(header):
        return read_cik(p, election=election, header=header, limits=lim)
    raise InputError(
        Problem(
            "format",
            "neither a tidy results file (race, unit, candidate, votes) nor a CIK protocol "
            "table (a registered-voters line and choice columns)",
            str(p),
            1,
        )
    )
