"""Parsing of cell values shared by every reader of user tables (one rule, one place)."""

from __future__ import annotations

import pandas as pd

from smartvote.errors import Problem

#: Spellings of a true / false cell (case-insensitive, surrounding blanks ignored).
TRUE = frozenset({"true", "1", "yes", "y", "t"})
FALSE = frozenset({"false", "0", "no", "n", "f"})


def parse_bool(s: pd.Series, file: str, col: str) -> tuple[pd.Series, Problem | None]:
    """A true/false column as a nullable ``boolean`` series (NA where the cell is blank),
    and the first cell that is neither (file, row, column), or ``None``."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean"), None
    t = s.astype("string").fillna("").str.strip().str.lower()
    bad = ~t.isin(TRUE | FALSE | {""})
    problem = Problem.first(bad, "boolean", "must be true/false", file, col, s)
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[t.isin(TRUE)] = True
    out[t.isin(FALSE)] = False
    return out, problem
