"""Digit tests (Mebane 2006, 2008; Beber & Scacco 2012): secondary evidence only.

* Second-digit mean of vote counts ≥ 10 (Mebane's 2BL test): Benford's second-digit law
  gives 4.187; counts produced by mixtures of honest processes usually land near it.
* Last-digit mean of counts ≥ 10 (uniform: 4.5) and the share of counts ending in 0 or 5
  (0.2): people inventing numbers favour round endings (Beber & Scacco 2012).

Computed for the leader's votes and for the other valid votes, each with a normal
interval (mean ± 1.96 sd/√n) over stations. First-digit Benford is *not* offered: precinct counts span less
than two orders of magnitude, so its null is wrong. Digit tests are weak on their own;
deviations from 4.187 occur in honest data (Deckert, Myagkov & Ordeshook 2011).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from smartvote.forensics._frame import FloatA, IntA, Stations

EXPECTED = {"second_digit_mean": 4.187, "last_digit_mean": 4.5, "share_0_5": 0.2}


def second_digit(x: IntA) -> IntA:
    """Second significant digit of counts ≥ 10."""
    x = np.asarray(x, dtype=np.int64)
    p = np.floor(np.log10(np.maximum(x, 1))).astype(np.int64)
    return (x // 10 ** np.maximum(p - 1, 0)) % 10


def _normal_ci(v: FloatA) -> tuple[float, float]:
    """Normal 95 % interval of the mean of small-integer values (digits, 0/1 flags):
    mean ± 1.96 × sd/√n, which is the bootstrap sd of a mean without its Monte Carlo error
    (the same kind of interval as every other method of the suite)."""
    if v.size < 2:
        return (float("nan"), float("nan"))
    m, se = float(v.mean()), float(v.std(ddof=1)) / float(np.sqrt(v.size))
    return m - 1.96 * se, m + 1.96 * se


def digit_tests(st: Stations) -> dict[str, Any]:
    """Second-digit mean, last-digit mean and 0/5 share for leader and other votes."""
    out: dict[str, Any] = {"secondary": True, "expected": EXPECTED}
    for name, x in (("leader", st.W), ("others", st.O)):
        x = x[x >= 10]
        sd = second_digit(x).astype(float)
        ld = (x % 10).astype(float)
        z5 = ((x % 5) == 0).astype(float)
        res: dict[str, Any] = {}
        for key, v in (("second_digit_mean", sd), ("last_digit_mean", ld), ("share_0_5", z5)):
            lo, hi = _normal_ci(v)
            mean = float(v.mean()) if v.size else float("nan")
            res[key] = {
                "value": mean,
                "ci": [lo, hi],
                "expected": EXPECTED[key],
                "deviates": bool(not (lo <= EXPECTED[key] <= hi)),
            }
        res["counts"] = int(x.size)
        out[name] = res
    out["method"] = (
        "Mebane second-digit and last-digit tests, normal 95% intervals (mean ± 1.96 sd/sqrt(n)); "
        "secondary evidence"
    )
    return out
