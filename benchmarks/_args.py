"""Command-line helpers shared by the benchmarks (not a benchmark: ``make bench`` skips
files whose names start with ``_``)."""

from __future__ import annotations


def seeds(text: str) -> list[int]:
    """``200-204`` (inclusive) or ``1,5,9`` -> the seeds."""
    out: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out
