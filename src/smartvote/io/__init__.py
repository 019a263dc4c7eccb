"""Reading election data: CIK protocol CSVs, the tidy format, and the DuckDB store, all into
one type, :class:`Election` (``Election`` is its former name).

Every name is loaded on first use (PEP 562): reading a file (``smartvote forensics FILE``)
does not need DuckDB, whose import costs 0.1–0.3 s, and the pandas-free modules of this
package (:mod:`smartvote.io.files`, :mod:`smartvote.io.cik_table`) load without pandas."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smartvote.io.detect import read_any
    from smartvote.io.election import Election
    from smartvote.io.store import Store, default_db_path

_WHERE = {
    "read_any": "detect",
    "Election": "election",
    "Store": "store",
    "default_db_path": "store",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"smartvote.io.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'smartvote.io' has no attribute {name!r}")


__all__ = ["Election", "Store", "default_db_path", "read_any"]
