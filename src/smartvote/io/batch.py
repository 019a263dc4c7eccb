"""Former home of the election type: :class:`smartvote.io.election.Election` (``Batch`` is
its old name, kept so that readers written against it keep working)."""

from smartvote.io.columns import (
    CANDIDATE_COLUMNS,
    EXTRA_COLUMNS,
    FLAG_COLUMNS,
    RACE_COLUMNS,
    RESULT_COLUMNS,
    UNIT_COLUMNS,
)
from smartvote.io.election import Election, conform, protocol_flags, row_sums

Batch = Election

__all__ = [
    "CANDIDATE_COLUMNS",
    "EXTRA_COLUMNS",
    "FLAG_COLUMNS",
    "RACE_COLUMNS",
    "RESULT_COLUMNS",
    "UNIT_COLUMNS",
    "Batch",
    "Election",
    "conform",
    "protocol_flags",
    "row_sums",
]
