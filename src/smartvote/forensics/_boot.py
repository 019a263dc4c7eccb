"""Vectorised resampling helpers shared by the forensic methods."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from smartvote.forensics._frame import FloatA


def poisson_weights(
    n: int, reps: int, rng: np.random.Generator, chunk: int = 32
) -> Iterator[FloatA]:
    """Poisson(1) bootstrap weights, ``chunk`` replicates at a time: arrays (chunk, n).

    The Poisson bootstrap (each station counted ``Poisson(1)`` times) approximates the
    ordinary bootstrap for large n and lets every replicate be a weighted ``bincount``.
    Drawn by inversion of single-precision uniforms against the Poisson(1) distribution
    function (counts above 9, probability 1e-7, are cut at 9): about 3× faster than
    ``Generator.poisson``.
    """
    done = 0
    while done < reps:
        k = min(chunk, reps - done)
        u = rng.random((k, n), dtype=np.float32)
        c = np.zeros((k, n), dtype=np.uint8)
        above = np.empty((k, n), dtype=np.bool_)
        for th in _POISSON_CDF:
            # c += u > th, the comparison into one reused buffer, added as bytes (0 or 1)
            np.greater(u, th, out=above)
            c += above.view(np.uint8)
        yield c.astype(np.float64)
        done += k


_POISSON_CDF = np.cumsum([math.exp(-1.0) / math.factorial(j) for j in range(9)]).astype(np.float32)


def grouped_sums(idx: np.ndarray, size: int, weights: FloatA, values: FloatA) -> FloatA:
    """Sums of ``values`` by ``idx`` for each row of ``weights``: array (rows, size).

    One ``bincount`` per row: the same sums, in the same order, as a single ``bincount``
    over offset indices of all rows, without the (rows × stations) index and product
    arrays, which at a million stations cost ten times more in memory traffic."""
    reps = weights.shape[0]
    out: FloatA = np.empty((reps, size), dtype=np.float64)
    for r in range(reps):
        out[r] = np.bincount(idx, weights=weights[r] * values, minlength=size)
    return out


def row_sums(idx: np.ndarray, size: int, values: FloatA) -> FloatA:
    """Sums of each row of ``values`` (rows, len(idx)) by ``idx``: array (rows, size).

    The same sums in the same order as one ``bincount`` over offset indices, one row at a
    time (see :func:`grouped_sums`)."""
    out: FloatA = np.empty((values.shape[0], size), dtype=np.float64)
    for r in range(values.shape[0]):
        out[r] = np.bincount(idx, weights=values[r], minlength=size)
    return out


#: Largest count :func:`poisson_weights` draws (its distribution function has 9 steps).
MAX_WEIGHT = 9
_EXACT = 2.0**53  # integers below this are exact in double precision


def paired_sums(
    idx: np.ndarray, size: int, weights: FloatA, a: FloatA, b: FloatA
) -> tuple[FloatA, FloatA]:
    """``grouped_sums(idx, size, weights, a)`` and the same of ``b`` for whole numbers
    ``a, b ≥ 0`` and weights in 0 … :data:`MAX_WEIGHT` (Poisson counts), with one
    ``bincount`` per row instead of two.

    Both are packed into one value ``a + 2**s · b``, with ``2**s`` above every sum of
    ``a`` that a row can reach (``MAX_WEIGHT`` × the unweighted sum of its group). When
    ``MAX_WEIGHT`` × the largest packed group sum stays below 2**53, every partial sum
    is a whole number exact in double precision, so the packed sums split back
    (``b`` = floor(sum / 2**s), ``a`` = the rest) into exactly the sums of two separate
    ``bincount`` calls (whole numbers: exact in any order). Otherwise, or for values that
    are not whole non-negative numbers, it makes the two calls."""
    fits = a.size == 0 or (
        float(a.min()) >= 0
        and float(b.min()) >= 0
        and bool(np.all(a == np.floor(a)) and np.all(b == np.floor(b)))
        and float(weights.max(initial=0)) <= MAX_WEIGHT
        and float(weights.min(initial=0)) >= 0
    )
    if fits and a.size:
        top_a = MAX_WEIGHT * float(np.bincount(idx, weights=a, minlength=size).max())
        scale = math.ldexp(1.0, math.frexp(top_a)[1])  # the power of two above top_a, exactly
        packed = a + scale * b
        fits = MAX_WEIGHT * float(np.bincount(idx, weights=packed, minlength=size).max()) < _EXACT
    if not fits:
        return grouped_sums(idx, size, weights, a), grouped_sums(idx, size, weights, b)
    if a.size == 0:
        z = np.zeros((weights.shape[0], size))
        return z, z.copy()
    s = grouped_sums(idx, size, weights, packed)
    hi = np.floor(s / scale)
    s -= hi * scale
    return s, hi
