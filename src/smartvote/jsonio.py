"""Strict JSON out: every document smartvote prints or writes is valid JSON.

Python's ``json`` writes ``NaN`` and ``Infinity`` by default, which no JSON parser (and
no browser) accepts. Statistics legitimately produce them (an undefined spread, an empty
group); in output they become ``null``.
"""

from __future__ import annotations

import json
import math
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


def clean(obj: Any) -> Any:
    """Replace non-finite floats by ``None``, recursively (other values unchanged)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    if hasattr(obj, "to_dict") and not isinstance(obj, type):
        return clean(obj.to_dict())
    if hasattr(obj, "item") and not isinstance(obj, str | bytes):
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
