"""Read and check the JSON of ``smartvote recommend`` (DESIGN.md contract).

A list with one object per race: ``race``, ``endorsed``, ``party``, ``p_strongest``,
``p_win``, ``alternatives`` (ranked objects with at least ``candidate``, ``party``,
``p_strongest``, ``p_win``) and ``reasons`` (strings). Further fields are kept as they are.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from smartvote.errors import InputError, Problem

__all__ = ["check_recommendations", "load_recommendations"]

_PROB = ("p_strongest", "p_win")


def _prob_ok(v: Any) -> bool:
    return (
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 1
    )


def check_recommendations(data: Any, file: str = "<recommendations>") -> dict[str, dict[str, Any]]:
    """Recommendations keyed by race; :class:`InputError` lists every broken rule.

    ``row`` in a problem is the 1-based position of the race object in the list.
    """
    if not isinstance(data, list):
        raise InputError(
            Problem(rule="recommendations-list", detail="expected a JSON list of races", file=file)
        )
    problems: list[Problem] = []
    out: dict[str, dict[str, Any]] = {}

    def bad(rule: str, detail: str, row: int, column: str | None = None, value: Any = None) -> None:
        problems.append(
            Problem(
                rule=rule,
                detail=detail,
                file=file,
                row=row,
                column=column,
                value=None if value is None else str(value)[:80],
            )
        )

    for i, rec in enumerate(data, start=1):
        if not isinstance(rec, dict):
            bad("recommendation-object", "expected an object", i)
            continue
        race = rec.get("race")
        if not isinstance(race, str) or not race.strip():
            bad("recommendation-race", "race must be a non-empty string", i, "race", race)
            continue
        if race in out:
            bad("recommendation-duplicate", f"race {race} appears twice", i, "race", race)
        for col in ("endorsed", "party"):
            v = rec.get(col)
            if v is not None and not isinstance(v, str):
                bad("recommendation-type", f"{col} must be a string or null", i, col, v)
        if col_missing := [
            c for c in ("endorsed", "party", *_PROB, "alternatives", "reasons") if c not in rec
        ]:
            bad("recommendation-fields", f"missing {', '.join(col_missing)}", i)
            continue
        for col in _PROB:
            if rec[col] is not None and not _prob_ok(rec[col]):
                bad(
                    "recommendation-probability",
                    f"{col} must be a number in [0, 1]",
                    i,
                    col,
                    rec[col],
                )
        alts = rec["alternatives"]
        if not isinstance(alts, list):
            bad("recommendation-alternatives", "alternatives must be a list", i, "alternatives")
        else:
            for j, a in enumerate(alts, start=1):
                if not isinstance(a, dict) or not isinstance(a.get("candidate"), str):
                    bad(
                        "recommendation-alternative",
                        f"alternative {j} needs a candidate name",
                        i,
                        "alternatives",
                    )
                    continue
                for col in _PROB:
                    if col in a and a[col] is not None and not _prob_ok(a[col]):
                        bad(
                            "recommendation-probability",
                            f"alternative {j}: {col} not in [0, 1]",
                            i,
                            col,
                            a[col],
                        )
        reasons = rec["reasons"]
        if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
            bad("recommendation-reasons", "reasons must be a list of strings", i, "reasons")
        out[race] = rec
        if len(problems) >= 50:
            break
    if problems:
        raise InputError(problems)
    return out


def load_recommendations(path: Path) -> dict[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise InputError(Problem(rule="file-missing", detail="no such file", file=str(path))) from e
    except UnicodeDecodeError as e:
        raise InputError(Problem(rule="encoding", detail="not UTF-8", file=str(path))) from e
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise InputError(
            Problem(
                rule="json", detail=f"{e.msg} at line {e.lineno} column {e.colno}", file=str(path)
            )
        ) from e
    return check_recommendations(data, file=str(path))


def _reject_constant(name: str) -> Any:
    raise InputError(Problem(rule="json", detail=f"{name} is not valid JSON"))
