"""Fingerprint histogram."""

from __future__ import annotations

import numpy as np

from smartvote.forensics import fingerprint as fp
from smartvote.forensics._frame import from_arrays


def test_weights_and_corner() -> None:
    st = from_arrays(
        N=[100, 300, 1000],
        B=[50, 297, 990],
        R=[50, 297, 990],
        W=[10, 290, 985],
        region=["a", "a", "b"],
    )
    f = fp.fingerprint(st, bins=100)
    assert f.hist.sum() == 1400
    assert f.hist[50, 20] == 100
    assert f.share_in_corner(0.95) == 1300 / 1400
    g = fp.by_group(st, st.region, 2, bins=10)
    assert np.allclose(g.sum(axis=(1, 2)), [400, 1000])
