"""Arrow values to and from numpy through their buffers, without loading pandas.

pyarrow imports pandas (about 0.35 s) the first time it converts a Python object (a
``str`` or ``int`` argument of a compute function, ``pa.array``, ``pa.scalar``) or
converts an array to numpy by copy (a boolean array, numbers with blanks). The CIK reader's
identifier code and the pandas-free station reader (:mod:`smartvote.forensics._cikread`)
build their arguments and read their results through these helpers instead, which give
the same values.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def text(value: str) -> pa.StringScalar:
    """``value`` as an Arrow string scalar (for compute functions' literal arguments)."""
    data = value.encode("utf-8")
    offsets = np.array([0, len(data)], dtype=np.int32)
    arr = pa.Array.from_buffers(pa.string(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return arr[0]


def texts(value: str, n: int) -> pa.StringArray:
    """``n`` copies of ``value`` as an Arrow string array."""
    data = value.encode("utf-8")
    offsets = np.arange(n + 1, dtype=np.int64) * len(data)
    buf = pa.py_buffer(data * n)
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), buf]).cast(
        pa.string()
    )


def bools(mask: np.ndarray) -> pa.BooleanArray:
    """A numpy boolean mask as an Arrow boolean array."""
    m = np.asarray(mask, dtype=bool)
    bits = np.packbits(m, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), m.size, [None, pa.py_buffer(bits)])


def ints(values: np.ndarray) -> pa.Int64Array:
    """A numpy integer array as an Arrow int64 array."""
    v = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), v.size, [None, pa.py_buffer(v)])


def to_bools(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow boolean array (null as False) as a numpy boolean array."""
    a = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if a.null_count:
        a = pc.and_kleene(a, pc.is_valid(a))  # null AND false is false
    n, off = len(a), a.offset
    bits = np.frombuffer(a.buffers()[1], dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little")[off : off + n].astype(bool)


def to_floats(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow numeric array as float64, NaN where blank."""
    a = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    f = pc.cast(a, pa.float64())
    v = np.frombuffer(f.buffers()[1], dtype=np.float64)[f.offset : f.offset + len(f)].copy()
    if f.null_count:
        v[~to_bools(pc.is_valid(f))] = np.nan
    return v


def to_ints(arr: pa.Array) -> np.ndarray:
    """An Arrow integer array without blanks as an int64 numpy array."""
    a = pc.cast(arr, pa.int64())
    return np.frombuffer(a.buffers()[1], dtype=np.int64)[a.offset : a.offset + len(a)].copy()
