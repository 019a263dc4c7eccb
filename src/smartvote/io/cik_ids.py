"""Who each row of a CIK protocol table is: region, commission, station, district, unit id.

Split from :mod:`smartvote.io.cik` (which recognises the header and reads the numbers):
this module turns the identifier columns into Arrow strings, extracts station and district
numbers from their labels, tells remote electronic voting pseudo-stations apart from polling
stations, and builds a stable, unique unit id per row. Everything runs in Arrow/numpy over
whole columns: no Python loop or per-row string over the ~100 000 stations of a federal file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from smartvote.io.arrowbuf import bools, ints, text, texts, to_bools, to_ints

if TYPE_CHECKING:
    import pandas as pd

#: No real polling station serves this many voters; rows above it are pseudo-stations.
PSEUDO_STATION_REGISTERED = 50_000


class Ids(NamedTuple):
    """The identifier columns of a CIK table as Arrow strings ("" where absent or blank)."""

    region: pa.Array
    tik: pa.Array
    station: pa.Array  # the station number (``УИК №123`` → ``123``)
    district: pa.Array  # the district digits (``ОИК №39`` → ``39``)
    url: pa.Array  # untrimmed: a link is kept as written
    has_station_cols: bool  # the table has a ``uik`` or ``tik`` column (not by-region)


def read_ids(df: pd.DataFrame | pa.Table, by_role: dict[str, str]) -> Ids:
    """The identifier columns as Arrow strings, with station and district numbers extracted.

    A missing id column reads as all-empty, so every later step sees the same shape
    whichever header variant the file uses. ``df`` may be the Arrow table itself.
    """
    n = len(df)

    def ident(role: str) -> pa.Array:
        col = by_role.get(role)
        if col is None:
            return texts("", n)
        return text_column(df[col], trim=role != "url")

    return Ids(
        region=ident("region"),
        tik=ident("tik"),
        station=station_number(ident("uik")),
        district=district_number(ident("oik")),
        url=ident("url"),
        has_station_cols="uik" in by_role or "tik" in by_role,
    )


def text_column(s: pd.Series | pa.ChunkedArray, trim: bool = True) -> pa.Array:
    """A column (pandas or Arrow) as an Arrow string array with nulls as empty strings
    (stripped if ``trim``)."""
    arr = s if isinstance(s, pa.ChunkedArray) else pa.array(s, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    arr = pc.fill_null(arr, text("")) if arr.null_count else arr
    return pc.utf8_trim_whitespace(arr) if trim else arr


def station_number(uik: pa.Array) -> pa.Array:
    """``УИК №123`` → ``123`` (the common spelling sliced off; any other through a regex)."""
    prefix = "УИК №"
    plain = pc.starts_with(uik, prefix)
    if pc.all(pc.or_(plain, pc.equal(uik, text("")))).as_py() is not False:
        cut = pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(uik, len(prefix)))
        return pc.if_else(plain, cut, uik)
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(uik, r"^\s*УИК\s*№?\s*", ""))


def district_number(oik: pa.Array) -> pa.Array:
    """The digits of a district label (``ОИК №39`` → ``39``)."""
    cut = pc.replace_substring(oik, "ОИК №", "")
    if pc.all(pc.or_(pc.utf8_is_digit(cut), pc.equal(cut, text("")))).as_py() is not False:
        return cut
    return pc.replace_substring_regex(oik, r"\D+", "")


def electronic_mask(ids: Ids, registered: np.ndarray) -> np.ndarray:
    """Rows that are remote electronic voting pseudo-stations, not polling stations.

    One is named as electronic voting by its territorial commission, serves more than
    :data:`PSEUDO_STATION_REGISTERED` voters, has an empty station number, or the whole
    table has no station columns (the by-region electronic-voting file).
    """
    has = ids.has_station_cols
    return (
        names_electronic(ids.tik)
        | (np.nan_to_num(registered) > PSEUDO_STATION_REGISTERED)
        | (not has)
        | (to_bools(pc.equal(ids.station, text(""))) & has)
    )


def names_electronic(tik: pa.Array) -> np.ndarray:
    """Rows whose territorial commission is named as electronic voting (matched per name)."""
    codes = tik.dictionary_encode()
    hit = pc.match_substring(pc.utf8_lower(codes.dictionary), "электронн")
    return to_bools(hit)[to_ints(codes.indices)]


def unit_ids(
    region: pa.Array,
    station: pa.Array,
    district: pa.Array,
    tik: pa.Array,
    electronic: np.ndarray,
    rows: np.ndarray | None = None,
) -> tuple[pa.Array, np.ndarray | None]:
    """Stable unit ids, built in Arrow (no per-row Python strings).

    A station is ``REGION/NUMBER``; an electronic pseudo-station ``REGION/ДЭГ[-DISTRICT][-NUMBER]``.
    A number used twice in a region (two commissions) is qualified by ``@TIK``, and a pair
    still equal by ``#ROW`` (its line in the file, from ``rows``). Also returns the mask of
    the rows that needed ``#ROW`` (None when none did).
    """
    join = pc.binary_join_element_wise
    unit = join(region, station, text("/"))
    if electronic.any():
        # the electronic rows' positions: not `rows` (the file lines used for #ROW below)
        at = ints(np.flatnonzero(electronic))
        r, d, s = region.take(at), district.take(at), station.take(at)
        empty, dash = text(""), text("-")
        dash_district = pc.if_else(pc.equal(d, empty), empty, join(dash, d, empty))
        dash_station = pc.if_else(pc.equal(s, empty), empty, join(dash, s, empty))
        e_id = join(r, text("/ДЭГ"), dash_district, dash_station, empty)
        unit = pc.replace_with_mask(unit, bools(electronic), e_id)
    if len(pc.unique(unit)) == len(unit):
        return unit, None
    import pandas as pd  # only a file with repeated station numbers gets here

    dup = np.asarray(pd.Series(unit, dtype="str").duplicated(keep=False))
    unit = pc.if_else(pa.array(dup), join(unit, tik, "@"), unit)
    dup = np.asarray(pd.Series(unit, dtype="str").duplicated(keep=False))
    if not dup.any():
        return unit, None
    line = rows if rows is not None else np.arange(len(unit)) + 2
    unit = pc.if_else(pa.array(dup), join(unit, pa.array(line.astype(str)), "#"), unit)
    return unit, dup


def only_value(values: pa.Array) -> str:
    """The single value of a column, or "" when it has several (or none)."""
    distinct = pc.unique(values)
    return str(distinct[0].as_py()) if len(distinct) == 1 else ""
