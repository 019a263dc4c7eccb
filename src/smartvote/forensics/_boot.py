"""Vectorised resampling helpers shared by the forensic methods."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from smartvote.forensics._frame import FloatA


def poisson_weights(
    n: int, reps: int, rng: np.random.Generator, chunk: int = 32
) -> Iterator[FloatA]:
    """Poisson(1) bootstrap weights, ``chunk`` replicates at a time: arrays (chunk, n).

    The Poisson bootstrap (each station counted ``Poisson(1)`` times) approximates the
    ordinary bootstrap for large n and lets every replicate be a weighted ``bincount``.
    """
    done = 0
    while done < reps:
        k = min(chunk, reps - done)
        yield rng.poisson(1.0, (k, n)).astype(np.float64)
        done += k


def grouped_sums(idx: np.ndarray, size: int, weights: FloatA, values: FloatA) -> FloatA:
    """Sums of ``values`` by ``idx`` for each row of ``weights``: array (rows, size)."""
    reps = weights.shape[0]
    off = (np.arange(reps)[:, None] * size + idx[None, :]).ravel()
    out = np.bincount(off, weights=(weights * values[None, :]).ravel(), minlength=reps * size)
    res: FloatA = out.astype(np.float64).reshape(reps, size)
    return res
