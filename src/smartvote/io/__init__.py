"""Reading election data: CIK protocol CSVs, the tidy format, and the DuckDB store, all into
one type, :class:`Election` (``Batch`` is its former name)."""

from smartvote.io.detect import read_any
from smartvote.io.election import Election
from smartvote.io.store import Store, default_db_path

Batch = Election

__all__ = ["Batch", "Election", "Store", "default_db_path", "read_any"]
