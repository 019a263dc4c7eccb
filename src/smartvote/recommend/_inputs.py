"""Readers for the small input tables of ``recommend`` and ``backtest`` (DESIGN.md formats).

Candidates: ``race, candidate, party, regime`` (+ optional ``incumbent``, ``excluded``
with a reason, ``seats``, ``district``, ``race_name``: how voters know the race). A tidy *results* file is accepted as a candidates
file too (its unit/vote columns are ignored). Stations: ``unit, race``. Polls: ``race``,
``candidate`` or ``party``, ``share`` (percent), ``sample_size``, ``date``. Overrides:
``race, candidate, reason``. Spoiler parties: ``party`` (+ optional ``reason``).
Endorsements: ``race, candidate``. Every broken rule is reported with file, row, column.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from smartvote.errors import InputError, Problem
from smartvote.io.tidy import read_table
from smartvote.io.values import FALSE, TRUE, parse_bool
from smartvote.names import norm_name, party_key
from smartvote.recommend.params import POLL_DEFAULT_N


def _need(df: pd.DataFrame, cols: tuple[str, ...], file: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(Problem("columns", f"missing required column(s) {missing}", file, 1))


def _lower_cols(df: pd.DataFrame) -> pd.DataFrame:
    return df.rename(columns={c: str(c).strip().lower() for c in df.columns})


def _text(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series("", index=df.index, dtype="string")
    return df[col].astype("string").fillna("").str.strip()


def _bool(df: pd.DataFrame, col: str, file: str, default: bool = False) -> pd.Series:
    if col not in df.columns:
        return pd.Series(default, index=df.index, dtype=bool)
    out, p = parse_bool(df[col], file, col)
    if p:
        raise InputError(p)
    return out.fillna(default).astype(bool)


def _keys(s: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    """``fn`` applied once per distinct value (names repeat across thousands of rows)."""
    uniq = pd.unique(s.astype(object))
    return s.astype(object).map({v: fn(str(v)) if v else "" for v in uniq}).astype(object)


def _nonempty(df: pd.DataFrame, cols: tuple[str, ...], file: str) -> None:
    for c in cols:
        empty = _text(df, c) == ""
        if p := Problem.first(empty, "required", "value missing", file, c, ""):
            raise InputError(p)


def read_candidates(path: str | Path) -> pd.DataFrame:
    """Candidates of the upcoming races: race, candidate, party, party_key, name_key, regime,
    incumbent (bool or NA when unknown), excluded (reason or ''), seats, district."""
    file = str(path)
    df = _lower_cols(read_table(path))
    _need(df, ("race", "candidate"), file)
    if df.empty:
        raise InputError(Problem("candidates-empty", "no candidate rows", file, 2))
    _nonempty(df, ("race", "candidate"), file)
    out = pd.DataFrame(
        {
            "race": _text(df, "race"),
            "candidate": _text(df, "candidate"),
            "party": _text(df, "party"),
            "excluded": _text(df, "excluded"),
            "district": _text(df, "district"),
            "race_name": _text(df, "race_name"),
        }
    )
    out["regime"] = _bool(df, "regime", file)
    out["incumbent_known"] = "incumbent" in df.columns
    out["incumbent"] = _bool(df, "incumbent", file)
    ex = out["excluded"].str.lower()
    out.loc[ex.isin(FALSE), "excluded"] = ""
    out.loc[ex.isin(TRUE), "excluded"] = "excluded (no reason given)"
    if "seats" in df.columns:
        seats = pd.to_numeric(_text(df, "seats").replace("", "1"), errors="coerce")
        bad = seats.isna() | (seats < 1) | (seats != seats.round())
        if p := Problem.first(
            bad, "seats", "must be a whole number ≥ 1", file, "seats", df["seats"]
        ):
            raise InputError(p)
        out["seats"] = seats.astype(int)
    else:
        out["seats"] = 1
    out = out.drop_duplicates(["race", "candidate"]).reset_index(drop=True)
    out["name_key"] = _keys(out["candidate"], norm_name)
    out["party_key"] = _keys(out["party"], party_key)
    out["seats"] = out.groupby("race")["seats"].transform("max")
    return out


def read_stations(path: str | Path) -> pd.DataFrame:
    file = str(path)
    df = _lower_cols(read_table(path))
    _need(df, ("unit", "race"), file)
    _nonempty(df, ("unit", "race"), file)
    return pd.DataFrame({"unit": _text(df, "unit"), "race": _text(df, "race")})


def read_polls(path: str | Path) -> pd.DataFrame:
    """Polls with share as a fraction (0–1); ``race`` empty means a national poll."""
    file = str(path)
    df = _lower_cols(read_table(path))
    _need(df, ("share",), file)
    if "candidate" not in df.columns and "party" not in df.columns:
        raise InputError(Problem("columns", "a poll names a candidate or a party", file, 1))
    share = pd.to_numeric(_text(df, "share"), errors="coerce")
    bad = share.isna() | (share < 0) | (share > 100)
    if p := Problem.first(bad, "share", "must be a percentage 0–100", file, "share", df["share"]):
        raise InputError(p)
    n = pd.to_numeric(_text(df, "sample_size").replace("", "nan"), errors="coerce")
    badn = n.notna() & (n <= 0)
    if p := Problem.first(
        badn, "sample_size", "must be positive", file, "sample_size", df["sample_size"]
    ):
        raise InputError(p)
    out = pd.DataFrame(
        {
            "race": _text(df, "race"),
            "candidate": _text(df, "candidate"),
            "party": _text(df, "party"),
            "share": share / 100.0,
            "sample_size": n.fillna(POLL_DEFAULT_N),
            "date": _text(df, "date"),
        }
    )
    out["name_key"] = _keys(out["candidate"], norm_name)
    out["party_key"] = _keys(out["party"], party_key)
    empty = (out["name_key"] == "") & (out["party_key"] == "")
    if p := Problem.first(
        empty, "required", "a poll row names a candidate or a party", file, "candidate", ""
    ):
        raise InputError(p)
    return out


def read_overrides(path: str | Path) -> pd.DataFrame:
    file = str(path)
    df = _lower_cols(read_table(path))
    _need(df, ("race", "candidate", "reason"), file)
    _nonempty(df, ("race", "candidate", "reason"), file)
    out = pd.DataFrame(
        {
            "race": _text(df, "race"),
            "candidate": _text(df, "candidate"),
            "reason": _text(df, "reason"),
        }
    )
    dup = out["race"].duplicated()
    if p := Problem.first(dup, "unique", "one override per race", file, "race", out["race"]):
        raise InputError(p)
    out["name_key"] = out["candidate"].map(norm_name)
    return out


def read_spoiler_parties(path: str | Path) -> pd.DataFrame:
    file = str(path)
    df = _lower_cols(read_table(path))
    _need(df, ("party",), file)
    _nonempty(df, ("party",), file)
    out = pd.DataFrame({"party": _text(df, "party"), "reason": _text(df, "reason")})
    out["party_key"] = out["party"].map(party_key)
    return out


def read_endorsements(path: str | Path) -> pd.DataFrame:
    file = str(path)
    df = _lower_cols(read_table(path))
    _need(df, ("race", "candidate"), file)
    if df.empty:
        raise InputError(Problem("candidates-empty", "no candidate rows", file, 2))
    _nonempty(df, ("race", "candidate"), file)
    out = pd.DataFrame({"race": _text(df, "race"), "candidate": _text(df, "candidate")})
    out["name_key"] = out["candidate"].map(norm_name)
    return out
