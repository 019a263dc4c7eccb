"""Reading election data: CIK protocol CSVs, the tidy format, and the DuckDB store, all into
one type, :class:`Election` (``Election`` is its former name)."""

from smartvote.io.detect import read_any
from smartvote.io.election import Election
from smartvote.io.store import Store, default_db_path

__all__ = ["Election", "Store", "default_db_path", "read_any"]
