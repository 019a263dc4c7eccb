"""Election fingerprint (Klimek, Yegorov, Hanel & Thurner 2012, PNAS 109:16469).

A 2-D histogram of polling stations by turnout ``t = B/N`` and the leader's result
``v = W/R``, each station weighted by its registered voters (so the picture shows where the
*voters* are, not the many tiny stations). In a clean election the mass forms one compact
blob; incremental ballot stuffing draws a "comet" tail towards (100 %, 100 %) and extreme
fraud leaves a separate blob in that corner.

Assumptions: turnout and result of clean stations are roughly independent and unimodal;
a genuine positive correlation of turnout and support (rural areas, some ethnic republics)
also draws a tail, so the figure is a sign, not a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smartvote.forensics._frame import FloatA, IntA, Stations


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """``hist[i, j]``: registered voters with turnout in bin i and result in bin j."""

    hist: FloatA
    edges: FloatA
    weight: str

    def share_in_corner(self, corner: float = 0.95) -> float:
        """Share of the weight with both turnout and result at or above ``corner``."""
        k = int(np.searchsorted(self.edges, corner, side="left"))
        tot = float(self.hist.sum())
        return float(self.hist[k:, k:].sum() / tot) if tot else 0.0


def hist2d(t: FloatA, v: FloatA, w: FloatA, bins: int) -> FloatA:
    """Weighted 2-D histogram on [0, 1]², values of exactly 1 (or above) in the last bin."""
    i = np.clip((t * bins).astype(np.int64), 0, bins - 1)
    j = np.clip((v * bins).astype(np.int64), 0, bins - 1)
    out: FloatA = np.bincount(i * bins + j, weights=w, minlength=bins * bins).astype(np.float64)
    return out.reshape(bins, bins)


def fingerprint(st: Stations, bins: int = 100, weight: str = "registered") -> Fingerprint:
    """The voter-weighted (or ``weight='stations'``) fingerprint of ``st``."""
    w = st.N.astype(np.float64) if weight == "registered" else np.ones(st.n)
    return Fingerprint(hist2d(st.t, st.v, w, bins), np.linspace(0, 1, bins + 1), weight)


def by_group(st: Stations, groups: IntA, n_groups: int, bins: int = 50) -> FloatA:
    """Fingerprints of every group at once: array (group, turnout bin, result bin)."""
    i = np.clip((st.t * bins).astype(np.int64), 0, bins - 1)
    j = np.clip((st.v * bins).astype(np.int64), 0, bins - 1)
    idx = (groups * bins + i) * bins + j
    h = np.bincount(idx, weights=st.N.astype(np.float64), minlength=n_groups * bins * bins)
    out: FloatA = h.astype(np.float64).reshape(n_groups, bins, bins)
    return out
