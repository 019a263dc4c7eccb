"""Summaries the store reports: what an ingest stored and the headline of a stored election.

The election data itself is :class:`smartvote.io.election.Election` (columnar frames).
Race ids follow ``ELECTION/KIND[/DISTRICT]``, e.g. ``duma-2021/list`` or
``duma-2021/smd/211``; unit ids are ``REGION/STATION`` for CIK data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class IngestSummary:
    """What one ``ingest`` call stored (per file and in total)."""

    election: str
    files: tuple[str, ...]
    kind: str
    races: int
    stations: int
    #: None when no file carries the line (e.g. tidy results without ``ballots``).
    registered: int | None
    ballots: int | None
    flags: dict[str, int] = field(default_factory=dict)
    #: What the ingest replaced in the store (earlier ingests of the same source or path,
    #: stations replaced under ``--replace``), one line each.
    replaced: tuple[str, ...] = ()
    #: Regime candidates the ingest *assumed* (a bare CIK protocol does not say who the
    #: ruling power's candidate is: the national leader is taken), one line per race;
    #: empty when the files said it (tidy ``regime``) or ``--regime`` named it.
    regime_assumed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["files"] = list(self.files)
        d["replaced"] = list(self.replaced)
        d["regime_assumed"] = list(self.regime_assumed)
        return d


@dataclass(frozen=True, slots=True)
class ElectionSummary:
    """Headline figures of a stored election (``smartvote show``)."""

    election: str
    kind: str
    races: int
    stations: int
    electronic_units: int
    #: ``registered``, ``ballots``, ``valid`` and ``turnout`` are None when no unit carries
    #: the line (tidy results without ``ballots``/``valid``): unknown, never shown as 0.
    registered: int | None
    ballots: int | None
    valid: int | None
    turnout: float | None
    leader: str
    leader_share: float
    top: tuple[tuple[str, int, float], ...]
    flags: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["top"] = [{"candidate": c, "votes": v, "share": s} for c, v, s in self.top]
        return d
