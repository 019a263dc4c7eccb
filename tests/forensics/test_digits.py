"""Digit tests: digit extraction and interval behaviour."""

from __future__ import annotations

import numpy as np

from smartvote.forensics import digits as dg
from smartvote.forensics._frame import from_arrays


def test_second_digit() -> None:
    assert dg.second_digit(np.array([10, 19, 123, 4567, 90])).tolist() == [0, 9, 2, 5, 0]


def test_uniform_last_digits_pass() -> None:
    rng = np.random.default_rng(0)
    W = rng.integers(100, 1000, 20000)
    st = from_arrays(N=W * 4, B=W * 2, R=W * 2, W=W)
    d = dg.digit_tests(st)
    r = d["leader"]["last_digit_mean"]
    assert r["ci"][0] <= 4.5 <= r["ci"][1]
    assert d["leader"]["share_0_5"]["ci"][0] <= 0.2 <= d["leader"]["share_0_5"]["ci"][1]


def test_round_numbers_deviate() -> None:
    W = np.full(5000, 500)
    st = from_arrays(N=W * 4, B=W * 2, R=W * 2, W=W)
    d = dg.digit_tests(st)
    assert d["leader"]["share_0_5"]["value"] == 1.0
    assert d["leader"]["share_0_5"]["deviates"]
