"""One exception family for everything smartvote raises on bad input or bad state.

Every error carries structured fields (file, row, rule, value) so that a message names
what failed and where, and so that callers can react to the rule rather than parse text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One failed rule: where it failed and with what value."""

    rule: str
    detail: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None

    @classmethod
    def first(
        cls,
        mask: Any,
        rule: str,
        detail: str,
        file: str | None = None,
        column: str | None = None,
        values: Any = None,
    ) -> Problem | None:
        """The problem at the first row where ``mask`` holds, or None when it holds nowhere.

        ``mask`` is aligned with the data rows of a file whose header is row 1, so data
        position ``i`` is file row ``i + 2``. ``values`` gives the offending value: a
        sequence aligned with ``mask`` (read at that row), a fixed string, or None.
        """
        import numpy as np  # here, not at the top: the CLI imports this module at start

        flags = mask.to_numpy(dtype=bool, na_value=False) if hasattr(mask, "to_numpy") else mask
        hits = np.flatnonzero(np.asarray(flags, dtype=bool))
        if not len(hits):
            return None
        i = int(hits[0])
        if values is None or isinstance(values, str):
            value = values
        else:
            value = str(values.iloc[i] if hasattr(values, "iloc") else values[i])
        return cls(rule, detail, file, i + 2, column, value)

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        loc = ", ".join(where)
        val = f" (value {self.value!r})" if self.value is not None else ""
        return f"{loc + ': ' if loc else ''}[{self.rule}] {self.detail}{val}"


class SmartvoteError(Exception):
    """Base of every smartvote error; carries the list of failed rules."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(rule="error", detail=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = problems
        super().__init__("; ".join(str(p) for p in problems))

    @property
    def rule(self) -> str:
        return self.problems[0].rule


class InputError(SmartvoteError):
    """A file or value given by the user breaks a rule of its format."""


class StoreError(SmartvoteError):
    """The database does not hold what was asked for."""


class VerificationError(SmartvoteError):
    """A signature, hash or version check failed."""
