"""Reader and writer of the tidy results format of DESIGN.md.

One row per (race, unit, candidate) with ``votes``; optional unit totals repeated on each
candidate row, ``channel``, ``party``, ``regime`` and ``endorsed``. Every rule that a row
breaks is reported with the file, the row number (1 = header) and the offending value.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from smartvote.errors import InputError, Problem
from smartvote.io.cik_table import MAX_COUNT
from smartvote.io.columns import FOUND, PROTOCOL_LINES, TIDY_REQUIRED
from smartvote.io.columns import looks_like_tidy as looks_like_tidy
from smartvote.io.election import Election
from smartvote.io.files import (
    Limits,
    check_input_path,
    diagnose,
    open_text_bytes,
    read_header,
    too_large,
)
from smartvote.io.values import parse_bool
from smartvote.names import norm_name, party_key

REQUIRED = TIDY_REQUIRED
TOTALS = ("registered", "ballots", "valid", "invalid")
#: Further protocol lines a tidy file may carry (same names as the store's units table).
PROTOCOL = (FOUND, *PROTOCOL_LINES)


def read_table(path: str | Path, limits: Limits | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file as strings-or-numbers, with a clear error on failure.

    A CSV is read through the capped stream of :func:`~smartvote.io.files.open_text_bytes`;
    a row with fewer fields than the header (pandas would fill it with blanks) is an error
    naming the row, as is any row :func:`~smartvote.io.files.diagnose` rejects.
    """
    p = Path(path)
    lim = limits or Limits.from_env()
    check_input_path(p)
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            if p.stat().st_size > lim.max_bytes:
                raise too_large(str(p), lim.max_bytes)
            return pd.read_parquet(p)
        df = _read_csv_text(p, lim)
    except FileNotFoundError as e:
        raise InputError(Problem(rule="exists", detail="file not found", file=str(p))) from e
    except UnicodeDecodeError as e:
        diagnose(p, lim)  # names the row
        raise InputError(Problem(rule="encoding", detail="not UTF-8 text", file=str(p))) from e
    except pd.errors.ParserError as e:
        diagnose(p, lim)
        m = re.search(r"line (\d+)", str(e))
        raise InputError(
            Problem(rule="csv", detail=str(e), file=str(p), row=int(m.group(1)) if m else None)
        ) from e
    except pd.errors.EmptyDataError as e:
        raise InputError(
            Problem(rule="empty", detail="the file has no header", file=str(p), row=1)
        ) from e
    except (ValueError, OSError, pa.ArrowException) as e:
        raise InputError(Problem(rule="readable", detail=str(e), file=str(p))) from e
    if df.empty and len(df.columns) == 0:
        raise InputError(Problem(rule="empty", detail="the file has no header", file=str(p), row=1))
    return df


def _read_csv_text(p: Path, lim: Limits) -> pd.DataFrame:
    """Every column as text, blanks as "". Arrow first: unlike pandas, it refuses a row
    with fewer fields than the header, and :func:`diagnose` then names that row."""
    header = read_header(p, lim)
    if header and len(set(header)) == len(header):
        convert = pacsv.ConvertOptions(
            column_types={c: pa.string() for c in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        try:
            with open_text_bytes(p, lim) as fh:
                table = pacsv.read_csv(fh, convert_options=convert)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            diagnose(p, lim)  # raises, naming the row, for every rule it knows
        else:
            if table.column_names == header:
                return table.to_pandas().astype(str)
    with open_text_bytes(p, lim) as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False, encoding="utf-8")


def _row_of_byte(path: Path, offset: int) -> int | None:
    """1-based line (the header is row 1) of the first byte that is not UTF-8.

    ``offset`` from the reader may be relative to a decoding chunk, so the file is decoded
    again here to find the true position.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        offset = e.start
    return data[:offset].count(b"\n") + 1


def _bool(s: pd.Series, file: str, col: str, problems: list[Problem]) -> pd.Series:
    out, p = parse_bool(s, file, col)
    if p:
        problems.append(p)
    return out


def _int(s: pd.Series, file: str, col: str, problems: list[Problem], required: bool) -> pd.Series:
    if pd.api.types.is_integer_dtype(s):
        num = s.astype("Float64")
        txt_empty = s.isna()
    else:
        txt = s.astype("string").fillna("").str.strip()
        txt_empty = txt == ""
        num = pd.to_numeric(txt.where(~txt_empty), errors="coerce").astype("Float64")
        bad = num.isna() & ~txt_empty
        if p := Problem.first(bad, "integer", "must be a whole number", file, col, s):
            problems.append(p)
            return pd.Series(pd.NA, index=s.index, dtype="Int64")
    arr = num.to_numpy(dtype="float64", na_value=np.nan)
    for mask, rule in (
        (arr < 0, "non_negative"),
        (np.isfinite(arr) & (arr != np.round(arr)), "integer"),
    ):
        if p := Problem.first(mask, rule, "must be a non-negative whole number", file, col, s):
            problems.append(p)
    # inf too (a blank, NaN, never compares): such a value has no exact integer form
    detail = f"must be finite and at most {MAX_COUNT:,}"
    if p := Problem.first(arr > MAX_COUNT, "range", detail, file, col, s):
        problems.append(p)
        return pd.Series(pd.NA, index=s.index, dtype="Int64")
    if required and (p := Problem.first(txt_empty, "required", "value missing", file, col, "")):
        problems.append(p)
    return num.round().astype("Int64")


def race_kind(race: str) -> str:
    if "/smd/" in race:
        return "smd"
    if race.endswith("/list"):
        return "list"
    return "race"


def tidy_to_batch(df: pd.DataFrame, file: str, election: str | None = None) -> Election:
    """Validate a tidy results table and turn it into a :class:`Election`."""
    df = df.rename(columns={c: c.strip().lower() for c in df.columns})
    problems: list[Problem] = []
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(Problem("tidy_columns", f"missing required column(s) {missing}", file, 1))
    for col in ("race", "unit", "candidate"):
        s = df[col].astype("string").fillna("").str.strip()
        empty = s == ""
        if p := Problem.first(empty, "required", "value missing", file, col, ""):
            problems.append(p)
        df[col] = s
    votes = _int(df["votes"], file, "votes", problems, required=True)
    totals = {
        c: _int(df[c], file, c, problems, required=False)
        for c in TOTALS + PROTOCOL + ("seats",)
        if c in df.columns
    }
    flags = {
        c: _bool(df[c], file, c, problems)
        for c in ("regime", "endorsed", "incumbent")
        if c in df.columns
    }
    channel = (
        df["channel"].astype("string").fillna("").str.strip().str.lower().replace("", "paper")
        if "channel" in df.columns
        else pd.Series("paper", index=df.index, dtype="string")
    )
    badch = ~channel.isin(["paper", "electronic"])
    if p := Problem.first(
        badch, "channel", "must be paper or electronic", file, "channel", channel
    ):
        problems.append(p)
    dup = df.duplicated(subset=["race", "unit", "candidate"], keep="first")
    if p := Problem.first(
        dup, "unique", "duplicate (race, unit, candidate)", file, "candidate", df["candidate"]
    ):
        problems.append(p)
    if problems:
        raise InputError(problems)
    if election is None and "election" in df.columns:
        names = df["election"].astype("string").fillna("").str.strip().unique().tolist()
        if len(names) != 1 or not names[0]:
            raise InputError(
                Problem(
                    "one_election",
                    f"column election must hold one name, found {names[:5]}",
                    file,
                    2,
                    "election",
                )
            )
        election = str(names[0])
    if election is None:
        election = Path(file).name.split(".")[0]
    text = {
        c: (
            df[c].astype("string").fillna("").str.strip()
            if c in df.columns
            else pd.Series("", index=df.index, dtype="string")
        )
        for c in ("party", "region", "district", "tik")
    }
    race = df["race"]
    district = text["district"].where(
        text["district"] != "", race.str.extract(r"/smd/([^/]+)$", expand=False).fillna("")
    )
    # Unit totals are repeated on each candidate row: they must agree within a unit.
    unit_key = race + "\x1f" + df["unit"]
    first = ~unit_key.duplicated()
    for c, s in totals.items():
        if c == "seats":
            continue
        f = s.astype("Float64")
        first_val = f.groupby(unit_key.to_numpy()).transform("first")
        differs = (f != first_val).fillna(False) | (f.isna() != first_val.isna())
        if p := Problem.first(
            differs, "unit_totals_agree", f"{c} differs from the unit's first row", file, c, s
        ):
            raise InputError(p)

    def tot(c: str) -> pd.Series:
        return (
            totals[c][first]
            if c in totals
            else pd.Series(pd.NA, index=df.index[first], dtype="Int64")
        )

    units = pd.DataFrame(
        {
            "election": election,
            "race": race[first],
            "unit": df["unit"][first],
            "region": text["region"][first],
            "district": district[first],
            "tik": text["tik"][first],
            "channel": channel[first],
            "registered": tot("registered"),
            "ballots": tot("ballots"),
            "valid": tot("valid"),
            "invalid": tot("invalid"),
            "source": Path(file).name,
            "source_row": np.flatnonzero(first.to_numpy()) + 2,
        }
    )
    for c in PROTOCOL:
        if c in totals:
            units[c] = tot(c).to_numpy()
    if "found" not in totals:
        units["found"] = units["valid"] + units["invalid"]
    results = pd.DataFrame(
        {
            "election": election,
            "race": race,
            "unit": df["unit"],
            "candidate": df["candidate"],
            "votes": votes,
        }
    )
    cand_first = ~(race + "\x1f" + df["candidate"]).duplicated()
    cands = pd.DataFrame(
        {
            "election": election,
            "race": race[cand_first],
            "candidate": df["candidate"][cand_first],
            "party": text["party"][cand_first],
        }
    )
    cands["name_key"] = cands["candidate"].map(norm_name)
    cands["party_key"] = cands["party"].map(party_key)
    for c, s in flags.items():
        cands[c] = s[cand_first].astype("boolean")
    # A flag given on any row of the candidate counts.
    for c, s in flags.items():
        anytrue = s.fillna(False).groupby((race + "\x1f" + df["candidate"]).to_numpy()).any()
        cands[c] = (cands["race"] + "\x1f" + cands["candidate"]).map(anytrue).astype("boolean")
    seats = totals.get("seats")
    race_first = ~race.duplicated()
    races = pd.DataFrame(
        {
            "election": election,
            "race": race[race_first],
            "kind": race[race_first].map(race_kind),
            "district": district[race_first],
            "region": text["region"][race_first],
            "seats": (seats[race_first].fillna(1) if seats is not None else 1),
        }
    )
    return Election.make(election, "tidy", [Path(file).name], races, units, cands, results)


def read_tidy(
    path: str | Path, election: str | None = None, limits: Limits | None = None
) -> Election:
    df = read_table(path, limits)
    if not len(df):
        raise InputError(Problem("empty", "the file has a header but no data rows", str(path), 2))
    return tidy_to_batch(df, str(path), election=election)


def write_tidy(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a tidy frame as CSV or Parquet, chosen by the suffix."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.suffix.lower() in (".parquet", ".pq"):
        df.to_parquet(p, index=False)
    else:
        df.to_csv(p, index=False)
    return p
