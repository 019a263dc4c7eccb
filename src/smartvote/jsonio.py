"""Strict JSON out: every document smartvote prints or writes is valid JSON.

Python's ``json`` writes ``NaN`` and ``Infinity`` by default, which no JSON parser (and
no browser) accepts. Statistics legitimately produce them (an undefined spread, an empty
group); in output they become ``null``.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any


def _default(o: Any) -> Any:
    if hasattr(o, "to_dict"):
        return o.to_dict()
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)


def _missing(obj: Any) -> bool:
    """pandas' missing scalar ``pd.NA`` (pandas is not imported for it: an object from
    pandas exists only once pandas is loaded)."""
    pd = sys.modules.get("pandas")
    return pd is not None and obj is pd.NA


def _array(obj: Any) -> bool:
    np = sys.modules.get("numpy")
    return np is not None and isinstance(obj, np.ndarray)


def clean(obj: Any) -> Any:
    """A JSON-ready copy, recursively: non-finite floats and ``pd.NA`` become ``None``,
    numpy scalars and arrays Python numbers and lists, tuples lists, mapping keys strings;
    objects with ``to_dict`` are replaced by it; other values are unchanged.

    The one cleaner for every document smartvote prints, writes or serves.
    """
    if obj is None or isinstance(obj, str | bool | int):
        return obj
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k if isinstance(k, str) else str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    if _missing(obj):
        return None
    if _array(obj):
        return clean(obj.tolist())
    if hasattr(obj, "to_dict") and not isinstance(obj, type):
        return clean(obj.to_dict())
    if hasattr(obj, "item") and not isinstance(obj, bytes):
        try:
            return clean(obj.item())
        except (TypeError, ValueError):
            return obj
    return obj


def dumps(obj: Any, indent: int | None = 2) -> str:
    """JSON text (UTF-8 characters kept, NaN and infinities as null)."""
    return json.dumps(
        clean(obj), ensure_ascii=False, indent=indent, default=_default, allow_nan=False
    )
