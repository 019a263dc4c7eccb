"""Reading election data: CIK protocol CSVs, the tidy format, and the DuckDB store."""

from smartvote.io.batch import Batch
from smartvote.io.detect import read_any
from smartvote.io.store import Store, default_db_path

__all__ = ["Batch", "Store", "default_db_path", "read_any"]
