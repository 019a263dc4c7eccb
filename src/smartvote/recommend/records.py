"""The decision records: :class:`Recommendation` (one race) and :class:`Alternative` (one
candidate), immutable, serialised with ``to_dict()`` in the DESIGN.md ``recommend`` contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Alternative", "Recommendation"]


@dataclass(frozen=True, slots=True)
class Alternative:
    """One candidate of a race with its probabilities and evidence."""

    candidate: str
    party: str
    p_strongest: float
    p_win: float
    p_first: float
    expected_share: float
    share_low: float
    share_high: float
    excluded: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        # Field by field (what ``dataclasses.asdict`` gives, without its slow deep copy:
        # the evidence holds only numbers, strings, and flat dicts and lists of them).
        return {
            "candidate": self.candidate,
            "party": self.party,
            "p_strongest": self.p_strongest,
            "p_win": self.p_win,
            "p_first": self.p_first,
            "expected_share": self.expected_share,
            "share_low": self.share_low,
            "share_high": self.share_high,
            "excluded": self.excluded,
            "evidence": {k: _copy(v) for k, v in self.evidence.items()},
        }


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The decision for one race, with its evidence (serialises with :meth:`to_dict`).

    ``p_win`` is conditional: the chance that the endorsed candidate beats the regime's
    candidate *if* a share ``data_used.switch`` of the other challengers' voters switch to
    them (a what-if on the campaign's reach, not a forecast of the result); ``p_strongest``
    is the unconditional chance of being the strongest non-regime candidate. ``reasons``
    (English), ``reasons_ru`` (Russian) and ``reason_codes`` (``{code, ...values}``, for
    pages that word them themselves) say the same things in the same order.
    """

    race: str
    endorsed: str | None
    party: str | None
    p_strongest: float | None
    p_win: float | None
    margin: float | None
    close_call: bool
    alternatives: tuple[Alternative, ...]
    reasons: tuple[str, ...]
    kind: str = "smd"
    seats: int = 1
    endorsed_all: tuple[str, ...] = ()
    expected_share: float | None = None
    regime: dict[str, Any] | None = None
    excluded: tuple[dict[str, str], ...] = ()
    override: dict[str, str] | None = None
    model_pick: str | None = None
    spoilers: tuple[dict[str, str], ...] = ()
    data_used: dict[str, Any] = field(default_factory=dict)
    reasons_ru: tuple[str, ...] = ()
    reason_codes: tuple[dict[str, Any], ...] = ()
    race_name: str = ""
    uninformed: bool = False
    uninformed_reason: str = ""

    @classmethod
    def no_pick(
        cls,
        race: str,
        alternatives: tuple[Alternative, ...],
        reasons: tuple[str, ...],
        **rest: Any,
    ) -> Recommendation:
        """The decision for a race with no eligible (or no informed) challenger: nobody."""
        return cls(race, None, None, None, None, None, False, alternatives, reasons, **rest)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "race": self.race,
            "kind": self.kind,
            "seats": self.seats,
            "endorsed": self.endorsed,
            "endorsed_all": list(self.endorsed_all),
            "party": self.party,
            "p_strongest": _r(self.p_strongest),
            "p_win": _r(self.p_win),
            "expected_share": _r(self.expected_share),
            "margin": _r(self.margin),
            "close_call": self.close_call,
            "alternatives": [a.to_dict() for a in self.alternatives],
            "reasons": list(self.reasons),
            "reasons_ru": list(self.reasons_ru),
            "reason_codes": [dict(c) for c in self.reason_codes],
            "regime": self.regime,
            "excluded": [dict(e) for e in self.excluded],
            "override": self.override,
            "model_pick": self.model_pick,
            "spoilers": [dict(s) for s in self.spoilers],
            "data_used": self.data_used,
        }
        if self.race_name:
            d["race_name"] = self.race_name
        if self.uninformed:
            d["uninformed"] = True
            d["reason"] = self.uninformed_reason
        return d


def _copy(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return type(v)(_copy(x) for x in v)
    return v


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(float(x), nd)
