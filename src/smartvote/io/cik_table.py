"""A CIK protocol table before pandas: what each header column holds, the Arrow parse,
and the units' protocol lines.

Split from :mod:`smartvote.io.cik` so that a reader which never needs pandas (the station
arrays of ``smartvote forensics FILE``, :mod:`smartvote.forensics._cikread`) can recognise
and parse a table without importing it (about 0.35 s). :mod:`smartvote.io.cik` re-exports
every name, and its reader uses the same functions, so both read a file alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from smartvote.errors import InputError, Problem
from smartvote.io.columns import PROTOCOL_LINES
from smartvote.io.files import Limits, open_text_bytes
from smartvote.names import norm_name, party_label, strip_ballot_number

#: Largest count accepted: every integer up to it is exact in float64 (the readers' working
#: type) and in the store's BIGINT. Larger values, ``inf`` and ``1e23`` are input errors.
MAX_COUNT = 2**53 - 1
RANGE_DETAIL = f"protocol lines and votes must be finite and at most {MAX_COUNT:,}"

ID_COLUMNS = ("level", "name", "region", "oik", "tik", "uik")


def _k(header: str) -> str:
    return norm_name(header)


# Ordered: the first matching rule classifies a column. Absentee certificates first.
_LINE_RULES: list[tuple[str, Callable[[str], bool]]] = [
    ("absentee", lambda h: "открепительн" in h),
    (
        "registered",
        lambda h: bool(
            re.search(r"(избирателей|участников голосования),? (внесенных|включенных)", h)
        ),
    ),
    ("not_counted", lambda h: "не учтенных" in h and "бюллетен" in h),
    ("received", lambda h: "бюллетен" in h and "получен" in h),
    ("early", lambda h: "бюллетен" in h and "выданных" in h and "досрочно" in h),
    ("outside", lambda h: "бюллетен" in h and "выданных" in h and "вне помещени" in h),
    (
        "at_station",
        lambda h: (
            "бюллетен" in h and "выданных" in h and ("в помещени" in h or "в день голосования" in h)
        ),
    ),
    ("issued_total", lambda h: "бюллетен" in h and "выданных" in h),
    ("cancelled", lambda h: "погашенных" in h and "бюллетен" in h),
    ("portable", lambda h: "бюллетен" in h and "переносных" in h),
    ("stationary", lambda h: "бюллетен" in h and "стационарных" in h),
    ("found_total", lambda h: "бюллетен" in h and "ящиках" in h),
    ("invalid", lambda h: "недействительных" in h),
    ("valid", lambda h: "действительных" in h),
    ("lost", lambda h: "утраченных" in h and "бюллетен" in h),
]


def classify_columns(header: list[str]) -> dict[str, str]:
    """Map each column to an id role, a protocol line, ``extra``, ``url`` or ``choice``."""
    roles: dict[str, str] = {}
    taken: set[str] = set()
    for col in header:
        h = _k(col)
        if h in ID_COLUMNS:
            roles[col] = h
            continue
        if h == "url":
            roles[col] = "url"
            continue
        role = "choice"
        if h.startswith("число"):
            role = "extra"
            for name, test in _LINE_RULES:
                if test(h):
                    role = name if name != "absentee" else "extra"
                    break
            if role in taken:
                role = "extra"
        if role not in ("choice", "extra"):
            taken.add(role)
        roles[col] = role
    return roles


def detect_kind(roles: dict[str, str], header: list[str]) -> str:
    """Election kind from the choice columns: ``duma``, ``president`` or ``referendum``."""
    choices = [c for c in header if roles[c] == "choice"]
    if {_k(c) for c in choices} >= {"да", "нет"}:
        return "referendum"
    numbered = sum(strip_ballot_number(c)[0] is not None for c in choices)
    if "oik" in roles.values() or (choices and numbered == len(choices)):
        return "duma"
    return "president"


def looks_like_cik(header: list[str]) -> bool:
    roles = classify_columns(header)
    return "registered" in roles.values() and any(r == "choice" for r in roles.values())


def require_registered(roles: dict[str, str], file: str) -> None:
    """Reject a header without a registered-voters line: it is not a CIK protocol table.

    Every later step (turnout, the pseudo-station rule) needs that line, so its absence is
    reported on the header row (row 1) before anything else is read.
    """
    if "registered" not in roles.values():
        raise InputError(
            Problem(
                rule="cik_header",
                detail="no registered-voters line (Число избирателей, внесенных/включенных в список…)",
                file=file,
                row=1,
            )
        )


def election_name(file: str, election: str | None, kind: str) -> str:
    """The election name: as given, else the file's stem, else ``KIND-YEAR`` from the name.

    A stem that starts with a year (``2021.csv.zip``) is not a name by itself, so the kind
    is prefixed (``duma-2021``); a file name with no year at all cannot be named and the
    caller must pass ``--election``.
    """
    stem = Path(file).name.split(".")[0]
    if election is None and not re.match(r"^(19|20)\d\d", stem):
        election = stem
    if election is None:
        m = re.search(r"(19|20)\d\d", Path(file).name)
        if not m:
            raise InputError(
                Problem(
                    rule="election_name",
                    detail="cannot derive an election name from the file name; pass --election",
                    file=file,
                )
            )
        election = f"{kind}-{m.group(0)}"
    return election


def first_column_by_role(roles: dict[str, str]) -> dict[str, str]:
    """Role → the first column holding it (ids, ``url`` and protocol lines; not choices/extras).

    :func:`classify_columns` already demotes a repeated protocol line to ``extra``; the
    first-wins rule here also settles a repeated id column.
    """
    by_role: dict[str, str] = {}
    for col, role in roles.items():
        if role not in ("choice", "extra"):
            by_role.setdefault(role, col)
    return by_role


def unit_lines(nums: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """The units' protocol-line columns (float64, NaN = blank), in the stored order.

    Ballots issued is the sum of its parts (early, at the station, outside) when the file
    splits it, else the total line; ballots found likewise from portable + stationary
    boxes; valid, when the file lacks the line, is found − invalid. A line the file does
    not have is blank.
    """
    blank = np.full(n, np.nan)

    def get(role: str) -> np.ndarray:
        return nums.get(role, blank)

    split = [nums[r] for r in ("early", "at_station", "outside") if r in nums]
    ballots = row_sums(np.column_stack(split)) if split else get("issued_total")
    boxes = [nums[r] for r in ("portable", "stationary") if r in nums]
    found = row_sums(np.column_stack(boxes)) if boxes else get("found_total")
    invalid = get("invalid")
    valid = get("valid") if "valid" in nums else found - invalid
    return {
        "registered": nums["registered"],
        "ballots": ballots,
        "found": found,
        "valid": valid,
        "invalid": invalid,
        **{r: get(r) for r in PROTOCOL_LINES},
    }


def row_sums(matrix: np.ndarray) -> np.ndarray:
    """Sum of each row, blanks (NaN) as 0; NaN where every value of the row is blank."""
    blank = np.isnan(matrix).all(axis=1)
    return np.where(blank, np.nan, np.nansum(matrix, axis=1))


def candidate_names(kind: str, choice_cols: list[str]) -> tuple[list[str], list[str], list[int]]:
    """Name, party and ballot position of each choice column.

    In a Duma list race each choice is a party (named by its label); otherwise a
    candidate (or ДА/НЕТ) without party. A column without a ``N.`` ballot number takes the
    next position."""
    names: list[str] = []
    parties: list[str] = []
    positions: list[int] = []
    for c in choice_cols:
        pos, label = strip_ballot_number(c)
        if kind == "duma":
            names.append(party_label(c))
            parties.append(party_label(c))
        else:
            names.append(label)
            parties.append("")
        positions.append(pos if pos is not None else len(positions) + 1)
    return names, parties, positions


def arrow_table(p: Path, header: list[str], limits: Limits) -> pa.Table | None:
    """The table through ``pyarrow.csv``, or None to let the slow path read it (and explain)."""
    if len(set(header)) != len(header):
        return None
    roles = classify_columns(header)
    text = [c for c in header if roles[c] in (*ID_COLUMNS, "url")]
    convert = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in text},
        null_values=[""],  # only an empty cell is blank, never the text `nan`, `NA`, `null`
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        timestamp_parsers=[],
    )
    try:
        with open_text_bytes(p, limits) as fh:
            table = pacsv.read_csv(
                fh,
                read_options=pacsv.ReadOptions(block_size=4 << 20),
                convert_options=convert,
            )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if table.column_names != header:
        return None
    for col in table.columns:  # Arrow parses the text `nan` as a number: the slow path names it
        if pa.types.is_floating(col.type) and pc.any(pc.is_nan(col)).as_py():
            return None
    return table
