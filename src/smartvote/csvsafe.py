"""CSV for spreadsheets: a text cell must never be read as a formula.

Region, commission and candidate names come from untrusted files. A cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula by Excel,
LibreOffice and Google Sheets (CSV injection, OWASP). Such text cells get a leading ``'``,
which spreadsheets show as plain text; numbers are left alone.
"""

from __future__ import annotations

import pandas as pd

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells cannot start a formula (numbers unchanged)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        text = s.astype("string")
        hit = text.str.startswith(_TRIGGERS).fillna(False).to_numpy(dtype=bool)
        if hit.any():
            out[col] = s.astype(object).where(~hit, "'" + text.astype(object))
    return out
