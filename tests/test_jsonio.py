"""Strict JSON output: no NaN or Infinity ever reaches a document."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from smartvote.jsonio import clean, dumps


def test_non_finite_become_null() -> None:
    doc = {"a": math.nan, "b": [1.5, math.inf, -math.inf], "c": np.float64("nan"), "d": np.int64(3)}
    text = dumps(doc)
    assert json.loads(text) == {"a": None, "b": [1.5, None, None], "c": None, "d": 3}


def test_unicode_kept() -> None:
    assert '"Единая Россия"' in dumps({"party": "Единая Россия"})


@pytest.mark.parametrize("value", [0.0, -2.5, 1e300])
def test_finite_unchanged(value: float) -> None:
    assert clean(value) == value
