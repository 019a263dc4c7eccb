"""Reading election data: CIK protocol CSVs, the tidy format, and the DuckDB store, all into
one type, :class:`Election` (``Election`` is its former name).

``Store`` and ``default_db_path`` are loaded on first use (PEP 562): reading a file
(``smartvote forensics FILE``) does not need DuckDB, whose import costs 0.1–0.3 s."""

from typing import TYPE_CHECKING, Any

from smartvote.io.detect import read_any
from smartvote.io.election import Election

if TYPE_CHECKING:
    from smartvote.io.store import Store, default_db_path


def __getattr__(name: str) -> Any:
    if name in ("Store", "default_db_path"):
        from smartvote.io import store

        return getattr(store, name)
    raise AttributeError(f"module 'smartvote.io' has no attribute {name!r}")


__all__ = ["Election", "Store", "default_db_path", "read_any"]
