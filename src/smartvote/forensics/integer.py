"""Integer percentages: protocols written to hit round targets.

Kobak, Shpilkin & Pshenichnikov (2016), *Integer percentages as electoral falsification
fingerprints*, Annals of Applied Statistics 10:54–73. Officials told to deliver a turnout
or a result of "70 %" write protocols whose turnout ``t = B/N`` or leader's result
``v = W/R`` are whole percentages far more often than counting noise allows.

Rules (as in the paper): stations with ``R > 0``, ``N ≥ 100``, ``t ≤ 0.99`` and
``v ≤ 0.99``; a value is *integer* when it lies within ±0.05 points of a whole percentage
(0–99; exact integer arithmetic, ``|2000·b − 20·k·n| ≤ n``). The null redraws each
station's ballots and leader votes from binomials at the observed rates
(``B ~ Bin(N, t)``, ``W ~ Bin(R, v)``, independently). The published test uses 1,000 Monte
Carlo replicates; here the expectation and variance are computed *exactly*: the
probability ``q`` that a binomial lands in one of the integer windows is a sum of binomial
probabilities over the few counts inside the windows near the mean, so a station is
integer with probability ``p = 1 − (1 − q_t)(1 − q_v)`` and the count of integer stations
has mean ``Σp`` and variance ``Σp(1 − p)`` (a Poisson-binomial). No Monte Carlo noise.

Because the rates are estimated from the same counts that are tested, the spread of
``observed − expected`` under the null differs from the binomial sd. The *calibrated* sd
comes from a parametric bootstrap that redraws every station, re-estimates its rates and
recomputes both the count and its exact expectation (on a subsample when the election is
large; the variance is additive over stations, so it scales). The 1,000-replicate Monte
Carlo of the paper is available (:func:`monte_carlo`) to compare with the exact null.

Assumptions: stations are independent; the binomial is the right counting noise (it
ignores over-dispersion, which only matters through the calibration); whole percentages
have no legitimate reason to be over-represented.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.special import gammaln, ndtr

from smartvote.forensics._frame import BoolA, FloatA, IntA, Stations

MIN_N = 100
MAX_RATE = 0.99
WIDTH = 0.05  # points either side of a whole percentage
_SPAN_SD = 5.5
_BUCKETS = (2, 3, 4, 6, 8, 11, 16, 22, 32, 45, 64, 100)
_CHUNK = 8192  # stations per pass of window_prob


def _sf(z: Any) -> Any:
    """Normal upper tail, ``scipy.stats.norm.sf`` (which is ``ndtr(−z)``) without importing
    ``scipy.stats`` (about a second of the command line's start-up)."""
    return ndtr(-np.asarray(z, dtype=np.float64))


def is_integer(b: IntA, n: IntA) -> BoolA:
    """Whether ``100·b/n`` lies within ±0.05 of a whole percentage 0–99 (exact)."""
    n = np.maximum(n, 1)
    k = (200 * b + n) // (2 * n)
    return (np.abs(2000 * b - 20 * k * n) <= n) & (k <= 99)


def included(st: Stations) -> BoolA:
    """The stations the test uses (``R > 0``, ``N ≥ 100``, ``t ≤ 0.99``, ``v ≤ 0.99``)."""
    return (st.R > 0) & (st.N >= MIN_N) & (100 * st.B <= 99 * st.N) & (100 * st.W <= 99 * st.R)


def window_prob(n: IntA, p: FloatA) -> FloatA:
    """Exact probability that ``Bin(n, p)`` lands in an integer-percentage window, in chunks
    of stations small enough for the intermediate arrays to stay in cache
    (:func:`_window_prob`)."""
    n = np.asarray(n, dtype=np.int64)
    p = np.asarray(p, dtype=np.float64)
    if n.size <= _CHUNK:
        return _window_prob(n, p)
    return np.concatenate(
        [_window_prob(n[i : i + _CHUNK], p[i : i + _CHUNK]) for i in range(0, n.size, _CHUNK)]
    )


def _window_prob(n: IntA, p: FloatA) -> FloatA:
    """Exact probability that ``Bin(n, p)`` lands in an integer-percentage window.

    Vectorised over stations: the windows within ±5.5 sd of the mean are enumerated (in a few
    buckets of window counts), the empty ones dropped, and the binomial pmf of each count
    inside a window summed (log-factorial table; a window holds about ``n/1000 + 1`` counts,
    and only the windows that still have counts left take part in the next step). Tail mass
    beyond 5.5 sd is below 4e-8. Window bounds ``⌈n(20k − 1)/2000⌉`` and ``⌊n(20k + 1)/2000⌋``
    are computed in float64, which is exact here: a whole number below 2**53 divided by 2000
    is either whole or at least 1/2000 away from one, far beyond the rounding error."""
    n = np.asarray(n, dtype=np.int64)
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    out = np.zeros(n.size)
    sd_pts = 100.0 * np.sqrt(p * (1 - p) / np.maximum(n, 1))
    half = np.ceil(_SPAN_SD * sd_pts).astype(np.int64) + 1
    centre = np.round(100 * p)
    nf = n.astype(np.float64)
    logfact = gammaln(np.arange(int(n.max(initial=0)) + 2, dtype=np.float64) + 1.0)
    with np.errstate(divide="ignore"):
        lp, l1p = np.log(p), np.log1p(-p)
    prev = 0
    for H in _BUCKETS:
        sel = (
            np.flatnonzero((half > prev) & (half <= H)) if H < 100 else np.flatnonzero(half > prev)
        )
        prev = H
        if sel.size == 0:
            continue
        ns = nf[sel][:, None]
        k20 = 20.0 * (centre[sel][:, None] + np.arange(-H, H + 1, dtype=np.float64)[None, :])
        lo_f = np.maximum(np.ceil(ns * (k20 - 1.0) / 2000.0), 0.0).ravel()
        hi_f = np.minimum(np.floor(ns * (k20 + 1.0) / 2000.0), ns).ravel()
        k20 = k20.ravel()
        win = np.flatnonzero((k20 >= 0) & (k20 <= 1980) & (hi_f >= lo_f))
        row = win // (2 * H + 1)
        b, hi = lo_f[win].astype(np.int64), hi_f[win].astype(np.int64)
        s = sel[row]
        nw, a, c = n[s], lp[s], l1p[s]
        tot = np.zeros(row.size)
        idx: IntA | None = None
        while True:
            with np.errstate(invalid="ignore"):
                lf = (
                    logfact[nw]
                    - logfact[b]
                    - logfact[nw - b]
                    + np.where(b > 0, b * a, 0.0)
                    + np.where(nw > b, (nw - b) * c, 0.0)
                )
            if idx is None:
                tot += np.exp(lf)
            else:
                tot[idx] += np.exp(lf)
            live = np.flatnonzero(b < hi)
            if live.size == 0:
                break
            idx = live if idx is None else idx[live]
            nw, a, c, b, hi = nw[live], a[live], c[live], b[live] + 1, hi[live]
        out[sel] = np.minimum(np.bincount(row, weights=tot, minlength=sel.size), 1.0)
    return out


def station_probs(N: IntA, B: IntA, R: IntA, W: IntA) -> tuple[FloatA, FloatA]:
    """Null probabilities ``q_t`` and ``q_v`` at the observed rates."""
    return window_prob(N, B / N), window_prob(R, W / R)


@dataclass(frozen=True, slots=True)
class IntegerCount:
    """One of the three counts (turnout or result, turnout only, result only)."""

    observed: int
    expected: float
    sd: float
    excess: float
    z: float
    p_value: float


@dataclass(frozen=True, slots=True)
class IntegerTest:
    stations: int
    observed: int
    expected: float
    excess_stations: float
    sd: float
    z: float
    p_value: float
    sd_calibrated: float
    bias_calibrated: float
    z_calibrated: float
    p_value_calibrated: float
    calibration_reps: int
    calibration_stations: int
    turnout_only: IntegerCount
    result_only: IntegerCount
    monte_carlo: dict[str, float] | None
    hist_turnout: IntA
    hist_result: IntA
    prob: FloatA
    mask: BoolA
    hit_t: BoolA
    hit_v: BoolA

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("hist_turnout", "hist_result", "prob", "mask", "hit_t", "hit_v"):
            d.pop(k)
        d["method"] = (
            "Kobak-Shpilkin-Pshenichnikov integer test; exact binomial null; sd calibrated by a "
            "parametric bootstrap that re-estimates the rates"
        )
        return d


def _count(obs: int, exp: float, var: float) -> IntegerCount:
    sd = float(np.sqrt(var))
    z = (obs - exp) / sd if sd > 0 else 0.0
    p = float(_sf((obs - 0.5 - exp) / sd)) if sd > 0 else float(obs > exp)
    return IntegerCount(int(obs), float(exp), sd, float(obs - exp), float(z), p)


def calibrate(
    N: IntA, B: IntA, R: IntA, W: IntA, *, reps: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Mean and variance of ``observed − expected`` under the parametric bootstrap (see module
    doc): returns (bias, variance) for these stations."""
    t, v = B / N, W / R
    d = np.empty(reps)
    for r in range(reps):
        Bs = rng.binomial(N, t)
        Ws = rng.binomial(R, v)
        obs = int((is_integer(Bs, N) | is_integer(Ws, R)).sum())
        qt, qv = station_probs(N, Bs, R, Ws)
        d[r] = obs - float((1 - (1 - qt) * (1 - qv)).sum())
    return float(d.mean()), float(d.var(ddof=1))


def monte_carlo(
    N: IntA, B: IntA, R: IntA, W: IntA, *, reps: int = 1000, rng_seed: int = 0, chunk: int = 50
) -> dict[str, float]:
    """The published null: ``reps`` Monte Carlo redraws of every station, counting integer
    stations in each (vectorised over stations and replicates)."""
    rng = np.random.default_rng(rng_seed)
    t, v = B / N, W / R
    counts = []
    done = 0
    while done < reps:
        k = min(chunk, reps - done)
        Bs = rng.binomial(N[None, :], t[None, :], (k, N.size))
        Ws = rng.binomial(R[None, :], v[None, :], (k, N.size))
        Ns, Rs = np.broadcast_to(N, Bs.shape), np.broadcast_to(R, Ws.shape)
        counts.append((is_integer(Bs, Ns) | is_integer(Ws, Rs)).sum(axis=1))
        done += k
    c = np.concatenate(counts).astype(np.float64)
    return {
        "reps": float(reps),
        "expected": float(c.mean()),
        "sd": float(c.std(ddof=1)),
        "se_of_expected": float(c.std(ddof=1) / np.sqrt(reps)),
    }


def integer_test(
    st: Stations,
    *,
    calibration_reps: int = 40,
    calibration_stations: int = 20_000,
    monte_carlo_reps: int = 0,
    rng_seed: int = 0,
) -> IntegerTest:
    """Integer-percentage test of ``st`` (see module doc)."""
    mask = included(st)
    N, B, R, W = st.N[mask], st.B[mask], st.R[mask], st.W[mask]
    hit_t, hit_v = is_integer(B, N), is_integer(W, R)
    qt, qv = station_probs(N, B, R, W)
    p = 1 - (1 - qt) * (1 - qv)
    both = _count(int((hit_t | hit_v).sum()), float(p.sum()), float((p * (1 - p)).sum()))
    t_only = _count(int(hit_t.sum()), float(qt.sum()), float((qt * (1 - qt)).sum()))
    v_only = _count(int(hit_v.sum()), float(qv.sum()), float((qv * (1 - qv)).sum()))
    rng = np.random.default_rng(rng_seed)
    n = int(mask.sum())
    bias = 0.0
    var_cal = both.sd**2
    m = 0
    if calibration_reps > 1 and n > 0:
        sub = (
            rng.choice(n, size=min(n, calibration_stations), replace=False)
            if n > calibration_stations
            else np.arange(n)
        )
        m = sub.size
        b_sub, v_sub = calibrate(N[sub], B[sub], R[sub], W[sub], reps=calibration_reps, rng=rng)
        scale = float((p * (1 - p)).sum() / max((p[sub] * (1 - p[sub])).sum(), 1e-12))
        bias, var_cal = b_sub * scale, v_sub * scale
    sd_cal = float(np.sqrt(var_cal))
    z_cal = (both.observed - both.expected - bias) / sd_cal if sd_cal > 0 else 0.0
    p_cal = float(_sf((both.observed - 0.5 - both.expected - bias) / sd_cal)) if sd_cal > 0 else 1.0
    mc = (
        monte_carlo(N, B, R, W, reps=monte_carlo_reps, rng_seed=rng_seed + 1)
        if monte_carlo_reps > 0
        else None
    )
    t_pts = np.clip(np.floor(1000 * B / N).astype(np.int64), 0, 999)
    v_pts = np.clip(np.floor(1000 * W / R).astype(np.int64), 0, 999)
    return IntegerTest(
        stations=n,
        observed=both.observed,
        expected=both.expected,
        excess_stations=both.excess,
        sd=both.sd,
        z=both.z,
        p_value=both.p_value,
        sd_calibrated=sd_cal,
        bias_calibrated=float(bias),
        z_calibrated=float(z_cal),
        p_value_calibrated=p_cal,
        calibration_reps=calibration_reps,
        calibration_stations=m,
        turnout_only=t_only,
        result_only=v_only,
        monte_carlo=mc,
        hist_turnout=np.bincount(t_pts, minlength=1000),
        hist_result=np.bincount(v_pts, minlength=1000),
        prob=p,
        mask=mask,
        hit_t=hit_t,
        hit_v=hit_v,
    )


def by_group(test: IntegerTest, groups: IntA, G: int) -> dict[str, FloatA]:
    """Observed, expected, sd (binomial and calibrated by the national factor) per group."""
    g = groups[test.mask]
    hit = (test.hit_t | test.hit_v).astype(float)
    obs = np.bincount(g, weights=hit, minlength=G)
    exp = np.bincount(g, weights=test.prob, minlength=G)
    var = np.bincount(g, weights=test.prob * (1 - test.prob), minlength=G)
    factor = test.sd_calibrated**2 / test.sd**2 if test.sd > 0 else 1.0
    sd = np.sqrt(var)
    sd_cal = np.sqrt(var * factor)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = _sf((obs - 0.5 - exp) / sd)
        p_cal = _sf((obs - 0.5 - exp) / sd_cal)
    return {
        "stations": np.bincount(g, minlength=G).astype(float),
        "observed": obs,
        "expected": exp,
        "sd": sd,
        "sd_calibrated": sd_cal,
        "p_value": np.where(sd > 0, p, 1.0),
        "p_value_calibrated": np.where(sd_cal > 0, p_cal, 1.0),
    }
