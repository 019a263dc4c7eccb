"""Arrow ↔ numpy through buffers (``smartvote.io.arrowbuf``): the same values as pyarrow's
own conversions, blanks and sliced arrays included, and no pandas loaded."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from smartvote.io import arrowbuf as ab


def test_values_match_pyarrow() -> None:
    rng = np.random.default_rng(3)
    vals = rng.integers(0, 10_000, 1000)
    blank = rng.random(1000) < 0.1
    arr = pa.array(np.where(blank, None, vals).tolist(), type=pa.int64())
    for a in (arr, arr.slice(7, 500), pa.chunked_array([arr.slice(0, 300), arr.slice(300)])):
        want = np.asarray(a.to_numpy(zero_copy_only=False), dtype=float)
        np.testing.assert_array_equal(ab.to_floats(a), want)
        mask = pc.greater(a, 5000)  # null where blank: read as False
        want_b = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
        np.testing.assert_array_equal(ab.to_bools(mask), want_b)
    full = pa.array(vals.tolist(), type=pa.int32()).slice(3, 100)
    np.testing.assert_array_equal(ab.to_ints(full), vals[3:103])
    m = rng.random(1001) < 0.5
    assert ab.bools(m).to_pylist() == m.tolist()
    assert ab.ints(np.arange(5)).to_pylist() == [0, 1, 2, 3, 4]
    assert ab.texts("УИК", 3).to_pylist() == ["УИК"] * 3
    assert ab.texts("", 2).to_pylist() == ["", ""]
    assert ab.text("/ДЭГ").as_py() == "/ДЭГ"


def test_no_pandas() -> None:
    code = (
        "import sys, numpy as np, pyarrow as pa, pyarrow.compute as pc\n"
        "from smartvote.io import arrowbuf as ab\n"
        "a = ab.ints(np.arange(10))\n"
        "s = pc.binary_join_element_wise(ab.texts('x', 10), ab.texts('y', 10), ab.text('/'))\n"
        "f = ab.to_floats(a); b = ab.to_bools(pc.equal(s, ab.text('x/y')))\n"
        "assert b.all() and f.sum() == 45 and ab.to_ints(a).sum() == 45\n"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"
