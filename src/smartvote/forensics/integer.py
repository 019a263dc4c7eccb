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
probabilities over the few counts inside the windows near the mean (:class:`Windows`:
tabulated once per station size, each distinct ``(n, b)`` computed once), so a station
is integer with probability ``p = 1 − (1 − q_t)(1 − q_v)`` and the count of integer
stations has mean ``Σp`` and variance ``Σp(1 − p)`` (a Poisson-binomial). No Monte Carlo
noise.

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
_BUCKETS = np.array((2, 3, 4, 6, 8, 11, 16, 22, 32, 45, 64, 100), dtype=np.int64)
_CHUNK = 1 << 16  # binomial terms per pass of :meth:`Windows.prob` (arrays stay in cache)
_STATIONS = 4096  # stations per block of :meth:`Windows.prob`


class _Work:
    """Work arrays of :meth:`Windows.prob`, made once per call and reused by every chunk."""

    __slots__ = ("ar", "first", "idx", "lf", "t", "win", "x")

    def __init__(self, cap: int) -> None:
        self.ar = np.arange(cap)
        self.idx, self.win = np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)
        self.lf, self.t, self.x = np.empty(cap), np.empty(cap), np.empty(cap)
        self.first = np.empty(cap, dtype=np.int8)


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


class Windows:
    """Exact probability that ``Bin(n, p)`` lands in an integer-percentage window, for the
    station sizes ``n`` given once (the observed rates and every calibration replicate share
    them: ``N`` and ``R`` stay, only the rates change).

    The windows are tabulated once per distinct ``n``: the counts ``b`` of windows
    ``k = 0 … 99`` in order (window ``k`` holds ``⌈n(20k − 1)/2000⌉ ≤ b ≤ ⌊n(20k + 1)/2000⌋``
    clipped to ``0 … n``; computed in float64, which is exact here: a whole number below
    2**53 divided by 2000 is either whole or at least 1/2000 away from one, far beyond the
    rounding error), each with its log binomial coefficient ``log n! − log b! − log (n−b)!``
    (log-factorial table). A station's span, the windows ``k`` within ``H`` of its centre
    ``round(100p)``, is then one contiguous slice of that table, so every term of every
    station is gathered in one flat pass (in chunks of :data:`_CHUNK` terms that stay in
    cache) and summed window by window, then over the windows, in that order.

    The span: the windows within ±5.5 sd of the mean, rounded up to a few widths ``H``
    (2, 3, 4, 6, 8, 11, …, 100 windows each side). The mass left out is below 4e-8 where the
    binomial is near normal; the tail of a count of a few (``Bin(n, 1/n)``, about Poisson
    with mean 1) is heavier. For the rates of observed counts the mass left out reaches
    8e-7 at ``n ≥ 100`` (a single count at ``n`` = 113; measured over ``n`` = 100–3,000
    and the 11 smallest and largest counts) and 7e-6 below (a single count at ``n`` = 80;
    every count of ``n`` = 1–99: valid votes ``R`` can be that small): at most 7e-6 per
    station in the expected count, against an sd of order √stations. Rates 0 and 1 put all
    the mass on one count: ``q`` is 1 when that count is in a window, else 0."""

    __slots__ = ("_b", "_cstart", "_first", "_lc", "_nb", "_row", "_wstart")

    def __init__(self, n_values: IntA) -> None:
        n_values = np.asarray(n_values, dtype=np.int64)
        if n_values.size and int(n_values.min()) < 0:
            raise ValueError("window_prob: a binomial with a negative number of trials")
        nmax = int(n_values.max(initial=0))
        #: the row of each n in the window tables (100 windows a row)
        self._row = np.zeros(nmax + 1, dtype=np.int64)
        self._row[n_values] = 1
        u = np.flatnonzero(self._row)  # the distinct sizes, in order
        self._row[u] = 100 * np.arange(u.size)
        nf = u.astype(np.float64)[:, None]
        k20 = 20.0 * np.arange(100, dtype=np.float64)[None, :]
        x = nf * (k20 - 1.0)
        x /= 2000.0
        lo = np.maximum(np.ceil(x, out=x), 0.0, out=x).astype(np.int64).ravel()
        np.multiply(nf, k20 + 1.0, out=x)
        x /= 2000.0
        cnt = np.minimum(np.floor(x, out=x), nf, out=x).astype(np.int64).ravel()  # hi
        cnt -= lo
        cnt += 1
        np.maximum(cnt, 0, out=cnt)
        #: first term of window (n, k) in the term table, and its number among the windows
        #: that hold a count; entry (n, 100) is the end of n's windows
        self._cstart = np.zeros(cnt.size + 1, dtype=np.int64)
        np.cumsum(cnt, out=self._cstart[1:])
        self._wstart = np.zeros(cnt.size + 1, dtype=np.int64)
        np.cumsum(cnt > 0, out=self._wstart[1:])
        terms = int(self._cstart[-1])
        lo -= self._cstart[:-1]
        b = np.repeat(lo, cnt)
        b += np.arange(terms)
        n = np.repeat(u, cnt.reshape(u.size, 100).sum(axis=1))
        logfact = gammaln(np.arange(nmax + 2, dtype=np.float64) + 1.0)
        lc = logfact[n]
        lc -= logfact[b]
        n -= b  # now n − b
        lc -= logfact[n]
        self._lc = lc
        self._b = b.astype(np.float64)
        self._nb = n.astype(np.float64)
        self._first = np.zeros(terms, dtype=np.int8)  # 1 on the first count of a window
        self._first[self._cstart[:-1][cnt > 0]] = 1

    def prob(self, n: IntA, p: FloatA) -> FloatA:
        """``q`` for each station (``n`` must be among the sizes given to the table)."""
        n = np.asarray(n, dtype=np.int64)
        p = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
        if n.size and (n.min() < 0 or n.max() >= self._row.size):
            raise ValueError("window_prob: a station size that is not in the window table")
        inner = (p > 0.0) & (p < 1.0)
        if inner.all():
            return self._inner(n, p)
        certain = np.where(p >= 1.0, n, 0)  # the one count of rates 0 and 1
        out = np.where(is_integer(certain, n) & ~np.isnan(p), 1.0, 0.0)
        if inner.any():
            out[inner] = self._inner(n[inner], p[inner])
        return out

    def _inner(self, n: IntA, p: FloatA) -> FloatA:
        """``q`` for rates strictly between 0 and 1 (see the class doc), by blocks of
        :data:`_STATIONS` stations whose arrays stay in cache."""
        q = np.empty(n.size)
        # work arrays made once and reused by every chunk (fresh ones would be handed back
        # to the system and faulted in again each time); a station has at most 100 windows
        # of at most n/1000 + 1 counts
        cap = max(_CHUNK, 100 * (int(n.max(initial=0)) // 1000 + 1))
        work = _Work(cap)
        for s in range(0, n.size, _STATIONS):
            e = min(s + _STATIONS, n.size)
            self._block(n[s:e], p[s:e], q[s:e], work)
        return np.minimum(q, 1.0, out=q)

    def _block(self, n: IntA, p: FloatA, q: FloatA, w: _Work) -> None:
        """Fill ``q`` for one block of stations."""
        m = n.size
        sd_pts = 1 - p
        sd_pts *= p
        sd_pts /= np.maximum(n, 1)
        np.sqrt(sd_pts, out=sd_pts)
        sd_pts *= 100.0
        sd_pts *= _SPAN_SD
        half = np.ceil(sd_pts, out=sd_pts).astype(np.int64)
        half += 1
        H = _BUCKETS[np.minimum(np.searchsorted(_BUCKETS, half), _BUCKETS.size - 1)]
        centre = np.round(100 * p).astype(np.int64)
        row = self._row[n]
        lo = np.maximum(centre - H, 0)
        lo += row
        hi = np.minimum(centre + H, 99)
        hi += row
        hi += 1
        first = self._cstart[lo]
        terms = self._cstart[hi] - first
        windows = self._wstart[hi] - self._wstart[lo]
        end = np.cumsum(terms)
        shift = first - (end - terms)  # table index of a station's terms minus their place
        lp, l1p = np.log(p), np.log1p(-p)
        s0 = 0
        while s0 < m:
            e0 = int(end[s0 - 1]) if s0 else 0
            s1 = max(int(np.searchsorted(end, e0 + _CHUNK, side="right")), s0 + 1)
            mc, size = s1 - s0, int(end[s1 - 1]) - e0
            sid = np.repeat(w.ar[:mc], terms[s0:s1])
            idx = np.take(shift[s0:s1] + e0, sid, out=w.idx[:size], mode="clip")
            idx += w.ar[:size]
            # log pmf = log C(n, b) + b log p + (n − b) log(1 − p), in this order
            lf = np.take(self._lc, idx, out=w.lf[:size], mode="clip")
            t = np.take(self._b, idx, out=w.t[:size], mode="clip")
            t *= np.take(lp[s0:s1], sid, out=w.x[:size], mode="clip")
            lf += t
            np.take(self._nb, idx, out=t, mode="clip")
            t *= np.take(l1p[s0:s1], sid, out=w.x[:size], mode="clip")
            lf += t
            np.exp(lf, out=lf)
            if int(n[s0:s1].max()) < 1000:
                # every window holds at most one count (it is n/1000 counts wide): the
                # window sums are the terms themselves
                q[s0:s1] = np.bincount(sid, weights=lf, minlength=mc)
            else:
                first8 = np.take(self._first, idx, out=w.first[:size], mode="clip")
                win = np.cumsum(first8, dtype=np.int64, out=w.win[:size])
                win -= 1
                nw = windows[s0:s1]
                per_window = np.bincount(win, weights=lf, minlength=int(nw.sum()))
                q[s0:s1] = np.bincount(np.repeat(w.ar[:mc], nw), weights=per_window, minlength=mc)
            s0 = s1

    def count_prob(self, n: IntA, b: IntA) -> FloatA:
        """``q`` at the rates ``b/n`` of observed counts: each distinct ``(n, b)`` computed
        once (stations and calibration replicates repeat them: on the 2021 file about half
        of the pairs are repeats)."""
        n = np.asarray(n, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        if n.size == 0:
            return np.zeros(0)
        n0, b0 = int(n.min()), int(b.min())
        span = int(b.max()) - b0 + 1
        key = n - n0
        key *= span
        key += b
        key -= b0
        u, inv = _distinct(key)
        nu, bu = np.divmod(u, span)
        nu += n0
        bu += b0
        with np.errstate(invalid="ignore", divide="ignore"):
            p = bu / nu
        return self.prob(nu, p)[inv]


def _distinct(key: IntA) -> tuple[IntA, IntA]:
    """``np.unique(key, return_inverse=True)`` for non-negative keys (``key`` is
    overwritten). Where key and position fit in one int64 together, one sort of both packed:
    the distinct keys in order and where each went, at a third of the cost of an argsort."""
    bits = int(key.size).bit_length()
    if key.size == 0 or int(key.max()) >= 1 << (62 - bits):
        u, inv = np.unique(key, return_inverse=True)
        return u, inv.reshape(-1)
    key <<= bits
    inv = np.arange(key.size)
    key |= inv
    key.sort()
    at = key & ((1 << bits) - 1)
    key >>= bits
    new = np.empty(key.size, dtype=bool)
    new[0] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    u = key[new]
    rank = np.cumsum(new, out=key)
    rank -= 1
    inv[at] = rank
    return u, inv


def window_prob(n: IntA, p: FloatA) -> FloatA:
    """Exact probability that ``Bin(n, p)`` lands in an integer-percentage window
    (:class:`Windows`)."""
    n = np.asarray(n, dtype=np.int64)
    return Windows(n).prob(n, np.asarray(p, dtype=np.float64))


def station_probs(
    N: IntA, B: IntA, R: IntA, W: IntA, windows: Windows | None = None
) -> tuple[FloatA, FloatA]:
    """Null probabilities ``q_t`` and ``q_v`` at the observed rates."""
    w = windows or Windows(np.concatenate([N, R]))
    q = w.count_prob(np.concatenate([N, R]), np.concatenate([B, W]))
    return q[: N.size], q[N.size :]


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
    # Without counting noise (no eligible station, or every rate 0 or 1) the count is
    # certain: P(X >= obs) is 1 when obs is at most its expectation, else 0.
    p = float(_sf((obs - 0.5 - exp) / sd)) if sd > 0 else float(obs <= exp)
    return IntegerCount(int(obs), float(exp), sd, float(obs - exp), float(z), p)


def _redraw(N: IntA, B: IntA, R: IntA, W: IntA, reps: int, rng: np.random.Generator) -> IntA:
    """The parametric bootstrap's counts: replicate by replicate, every station's ballots
    ``Bin(N, t)`` then its leader's votes ``Bin(R, v)``; returned as one array of shape
    ``(reps, 2, stations)``."""
    t, v = B / N, W / R
    out = np.empty((reps, 2, N.size), dtype=np.int64)
    for r in range(reps):
        out[r, 0] = rng.binomial(N, t)
        out[r, 1] = rng.binomial(R, v)
    return out


def _calibration(N: IntA, R: IntA, draws: IntA, q: FloatA) -> tuple[float, float]:
    """Mean and variance of ``observed − expected`` over the replicates: ``draws`` from
    :func:`_redraw` and ``q`` the window probabilities at their rates (same shape)."""
    obs = (is_integer(draws[:, 0], N) | is_integer(draws[:, 1], R)).sum(axis=1)
    p = 1 - (1 - q[:, 0]) * (1 - q[:, 1])
    d = np.array([int(obs[r]) - float(p[r].sum()) for r in range(draws.shape[0])])
    return float(d.mean()), float(d.var(ddof=1))


def _pairs(N: IntA, R: IntA, reps: int) -> IntA:
    """The trial counts of :func:`_redraw`'s draws, flattened in the same order."""
    return np.broadcast_to(np.stack([N, R])[None], (reps, 2, N.size)).ravel()


def calibrate(
    N: IntA,
    B: IntA,
    R: IntA,
    W: IntA,
    *,
    reps: int,
    rng: np.random.Generator,
    windows: Windows | None = None,
) -> tuple[float, float]:
    """Mean and variance of ``observed − expected`` under the parametric bootstrap (see module
    doc): returns (bias, variance) for these stations. The stations keep their sizes in every
    replicate, so one window table serves them all (``windows``, built here if not given)."""
    draws = _redraw(N, B, R, W, reps, rng)
    w = windows or Windows(np.concatenate([N, R]))
    q = w.count_prob(_pairs(N, R, reps), draws.ravel()).reshape(draws.shape)
    return _calibration(N, R, draws, q)


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
    rng = np.random.default_rng(rng_seed)
    n = int(mask.sum())
    windows = Windows(np.concatenate([N, R]))
    sub = np.zeros(0, dtype=np.int64)
    draws = np.zeros((0, 2, 0), dtype=np.int64)
    if calibration_reps > 1 and n > 0:
        sub = (
            rng.choice(n, size=min(n, calibration_stations), replace=False)
            if n > calibration_stations
            else np.arange(n)
        )
        draws = _redraw(N[sub], B[sub], R[sub], W[sub], calibration_reps, rng)
    # the observed rates and every replicate's in one pass: many (n, b) pairs recur
    q = windows.count_prob(
        np.concatenate([N, R, _pairs(N[sub], R[sub], draws.shape[0])]),
        np.concatenate([B, W, draws.ravel()]),
    )
    qt, qv = q[:n], q[n : 2 * n]
    p = 1 - (1 - qt) * (1 - qv)
    both = _count(int((hit_t | hit_v).sum()), float(p.sum()), float((p * (1 - p)).sum()))
    t_only = _count(int(hit_t.sum()), float(qt.sum()), float((qt * (1 - qt)).sum()))
    v_only = _count(int(hit_v.sum()), float(qv.sum()), float((qv * (1 - qv)).sum()))
    bias = 0.0
    var_cal = both.sd**2
    m = 0
    if draws.size:
        m = sub.size
        q_sub = q[2 * n :].reshape(draws.shape)
        b_sub, v_sub = _calibration(N[sub], R[sub], draws, q_sub)
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
