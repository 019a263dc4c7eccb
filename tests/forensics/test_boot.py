"""The bootstrap helpers shared by the forensic methods."""

from __future__ import annotations

import numpy as np

from smartvote.forensics._boot import grouped_sums, poisson_weights


def test_grouped_sums_equal_a_plain_loop() -> None:
    rng = np.random.default_rng(4)
    n, size = 5000, 37
    idx = rng.integers(0, size, n)
    values = rng.random(n) * 100
    w = next(poisson_weights(n, 5, rng, chunk=5))
    got = grouped_sums(idx, size, w, values)
    assert got.shape == (5, size)
    for r in range(5):
        want = [float((w[r] * values)[idx == g].sum()) for g in range(size)]
        np.testing.assert_allclose(got[r], want, rtol=1e-12)
    # Weights are Poisson(1): mean 1 and variance 1 per station.
    assert abs(float(w.mean()) - 1.0) < 0.03 and abs(float(w.var()) - 1.0) < 0.05
