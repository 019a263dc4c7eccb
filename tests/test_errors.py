"""Problem.first: the error every reader raises for its first offending row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartvote.errors import Problem


def test_first_offending_row_is_positional_and_names_the_value() -> None:
    values = pd.Series(["a", "b", "c"], index=[10, 20, 30])
    mask = pd.Series([False, pd.NA, True], index=[10, 20, 30], dtype="boolean")
    p = Problem.first(mask, "rule", "detail", "f.csv", "col", values)
    assert p == Problem("rule", "detail", "f.csv", 4, "col", "c")


def test_arrays_fixed_values_and_no_hit() -> None:
    mask = np.array([True, False])
    assert Problem.first(mask, "r", "d", "f", "c", "") == Problem("r", "d", "f", 2, "c", "")
    assert Problem.first(mask, "r", "d") == Problem("r", "d", None, 2, None, None)
    assert Problem.first(np.zeros(3, dtype=bool), "r", "d") is None
