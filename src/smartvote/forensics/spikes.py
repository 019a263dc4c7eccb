"""Spikes at round fractions of the vote: Rozenas's resampled kernel density, and an exact
count of stations on coarse fractions.

Protocols invented by hand put the leader's share (or turnout) at round fractions (1/2,
3/4, 70 %, …). Small stations produce such fractions honestly (3 of 4 voters is exactly
75 %), so a raw histogram misleads. Two tests here:

:func:`rozenas` — the **resampled kernel density (RKD) method** of Rozenas, A. (2017),
*Detecting election fraud from irregularities in vote-share distributions*, Political
Analysis 25(1):41–56, as his R package ``spikes`` (CRAN, v1.1) computes it:

1. a mixture of beta-binomials is fitted to the counts (here :func:`fit_mixture`, K = 3,
   EM; Rozenas: EM with a numerical M-step, 1–5 components);
2. every station is resampled from its own posterior predictive, keeping its denominator:
   a component ``k`` drawn with the station's responsibility, ``π ~ Beta(x + a_k,
   n − x + b_k)``, ``x' ~ Binomial(n, π)`` (:func:`rkd_resample`). An honest small
   station keeps landing on its fraction; a large one written exactly on 70 % does not;
3. the kernel density of the shares (Gaussian kernel, bandwidth ``BANDWIDTH`` = 1e-4) is
   evaluated at the 1,001 grid points k/1000, for the data and every resample, and the
   **envelope** is its pointwise maximum over the ``S`` resamples;
4. the fraud estimate is ``F = Σ_j max(0, w_j − w̄_j)`` over the grid points ``j`` where
   the observed density rises above the envelope, ``w_j`` the observed share of stations
   in the bin of width 1/1000 centred on ``j`` and ``w̄_j`` its mean over the resamples.

The grid makes the method see fractions on multiples of 0.001 (1/2, 3/4, 7/10, 0.85, …);
thirds (0.3333…) sit 3.3 bandwidths off the grid and are nearly invisible to it.

What Rozenas's package does not give, and is added here. (a) A null distribution of
``F``: every resample in turn taken as the data, against the envelope and mean of the
others (:func:`rkd_null`; S replicates at no extra draw). (b) ``excess``, the estimate
reported: ``Σ max(0, w_j − w̄_j)/(1 − ρ_j)`` over the same points, minus the mean of the
null replicates (computed the same way). ``w̄_j`` contains the written stations' own
resamples that land back in their bin (the "leak"; ``ρ_j`` the mean share of resamples
that put the bin's observed stations back in it), so Rozenas's ``F`` counts only
``1 − ρ_j`` of them; at 0 and 1, where a count of 0 or n returns often and one rate for the
honest and the written stations does not hold, ``ρ = 0``. (c) A normal interval,
``excess ± 1.96 sd`` with sd² = var(null replicates) + Σ_{spike points} w̄_j / stations
(the Poisson noise of the honest stations in the bins counted). (d) A p-value, the upper
tail at ``F`` of a gamma fitted to the null replicates by their mean and variance
(``p_value``: it can reach small values), with its Monte Carlo range (2.5–97.5 % over 200
bootstrap resamples of the null replicates, ``p_value_mc``; pages print ``< 1e-k`` from
its upper end, :func:`format_p`), and the rank p-value (``p_value_resampling``, floor
``1/(S + 1)``). (e) ``endpoints``: the part of ``F`` at 0 and 1 (stations with none or all
of the votes, or 100 % turnout), where the mixture fits worst. Rozenas's own interval
(``confInt``) redraws the mixture's parameters from their posterior, which this one does
not. Differences from his package: the mixture fit (above); the leader's count is
resampled with the station's own ballots found as denominator (his package first
resamples turnout and uses it as the vote's denominator); large predictive counts are
drawn as rounded normals (:func:`rkd_resample`); ``S`` = ``RESAMPLES`` = 200 by default
(his 1,000), so more grid points exceed the envelope by chance, which the null mean
removes from ``excess`` (not from Rozenas's ``share``).

Assumptions: honest shares have a smooth distribution of latent shares (the mixture is the
prior of each station's posterior); stations are independent; fabricated results sit
exactly on grid points. It counts the stations whose *bin* is in excess, so it misses
spikes too small to rise above the envelope.

:func:`coarse_fractions` — stations **exactly** on a coarse fraction p/q (q ≤
``MAX_DENOM``, 0 and 1 excluded) against the number small denominators alone put there:
every station's count redrawn from ``Binomial(n, x/n)`` would land on such a fraction with
the exact probability :func:`coarse_probabilities`; the expected count is their sum and
its sd the Poisson-binomial sd, both exact (no resampling). The observed count above it,
over the stations, is the share of protocols written rather than counted, with a normal
interval and a normal-tail p-value, and the denominators where the excess sits. (Until
session 9 this test was called ``rozenas``; it is not his method.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import betaln, gammaincc, gammaln, ndtri

from smartvote.forensics._frame import FloatA, IntA, Stations

MAX_DENOM = 10  # coarse fractions p/q, q ≤ 10


def _coarse_denominator(x: IntA, n: IntA) -> IntA:
    """Smallest q ≤ MAX_DENOM with x/n exactly p/q (0 when there is none; 0 and 1 excluded)."""
    q = n // np.gcd(x, n)
    return np.where((x > 0) & (x < n) & (q <= MAX_DENOM), q, 0).astype(np.int64)


#: Coarse fractions p/q in lowest terms, q ≤ MAX_DENOM, 0 < p < q: (p, q) pairs.
_FRACTIONS = [(p, q) for q in range(2, MAX_DENOM + 1) for p in range(1, q) if math.gcd(p, q) == 1]


def coarse_probabilities(x: IntA, n: IntA) -> FloatA:
    """Exact probability that ``Bin(n, x/n)`` lands on a coarse fraction of each
    denominator: array (stations, MAX_DENOM + 1), column q for the fractions p/q in lowest
    terms (columns 0 and 1 are 0). A count b of n is the fraction p/q exactly when
    ``q | n`` and ``b = p·n/q``, so each station has at most 31 such counts."""
    n = np.asarray(n, dtype=np.int64)
    x = np.asarray(x, dtype=np.int64)
    out = np.zeros((n.size, MAX_DENOM + 1))
    pr = x / np.maximum(n, 1)
    inner = (x > 0) & (x < n)  # at 0 or n the binomial never leaves 0 or n
    with np.errstate(divide="ignore"):
        lp, l1p = np.log(pr), np.log1p(-pr)
    top = int(n.max(initial=0)) + 1
    # log k! read from a table over 0..max n when that is smaller than the stations.
    lfact = gammaln(np.arange(top, dtype=np.float64) + 1.0) if top <= 4 * n.size else None
    for q in range(2, MAX_DENOM + 1):
        sel = np.flatnonzero(inner & (n % q == 0))
        if sel.size == 0:
            continue
        ns, a, c = n[sel], lp[sel], l1p[sel]
        step = ns // q  # the count of the fraction 1/q
        lgn = lfact[ns] if lfact is not None else gammaln(ns + 1.0)
        acc = np.zeros(sel.size)
        for p in range(1, q):
            if math.gcd(p, q) != 1:
                continue
            b = p * step  # = p·n/q
            nb = ns - b
            # log C(n, b) + b log p + (n − b) log(1 − p), summed in this order.
            if lfact is not None:
                lf = lgn - lfact[b]
                lf -= lfact[nb]
            else:
                lf = lgn - gammaln(b + 1.0)
                lf -= gammaln(nb + 1.0)
            lf += b.astype(np.float64) * a
            lf += nb.astype(np.float64) * c
            acc += np.exp(lf, out=lf)
        out[sel, q] = acc
    return out


def _seq_sum(a: FloatA) -> FloatA:
    """Sums along the last axis of ``a`` (K, n), added one element after another: the
    same sums in the same order as numpy's ``sum(axis=0)`` over an (n, K) array (which
    adds row after row), so equal to it bit for bit, at the speed of a contiguous pass."""
    out: FloatA = np.cumsum(a, axis=-1)[..., -1]
    return out


def fit_mixture(x: IntA, n: IntA, K: int = 3, iters: int = 20) -> tuple[FloatA, FloatA, FloatA]:
    """EM for a K-component beta-binomial mixture; returns weights, means, precisions.

    Arrays are laid out component by component (K, stations), so each step is a
    contiguous pass; every sum adds the stations in their order (:func:`_seq_sum`)."""
    f = x / n
    m = np.quantile(f, (np.arange(K) + 0.5) / K)
    m = np.clip(m, 0.02, 0.98)
    phi = np.full(K, 30.0)
    w = np.full(K, 1 / K)
    nf = n.astype(float)
    y = n - x
    top = int(n.max(initial=0)) + 1
    table = top <= 4 * n.size  # per-count tables cheaper than per-station log-gammas
    if table:
        # log-gammas only at the counts that occur (x, n − x and n), read back by index.
        (kx, ix), (ky, iy), (kn, i_n) = (
            (u.astype(np.float64), i)
            for u, i in (np.unique(c, return_inverse=True) for c in (x, y, n))
        )
    ll = np.empty((K, x.size))
    for _ in range(iters):
        a, b = m * phi, (1 - m) * phi
        # log BetaBinomial(x; n, a, b) up to the binomial coefficient (the same for every
        # component, so it cancels in the responsibilities): B(x + a, n − x + b) / B(a, b)
        # = [Γ(x + a)/Γ(a)] [Γ(n − x + b)/Γ(b)] / [Γ(n + a + b)/Γ(a + b)], each factor read
        # from a table over the counts that occur when that is smaller than the stations.
        for k in range(K):
            if table:
                ga = gammaln(kx + a[k]) - gammaln(a[k])
                gb = gammaln(ky + b[k]) - gammaln(b[k])
                gab = gammaln(kn + a[k] + b[k]) - gammaln(a[k] + b[k])
                lk = ll[k]
                np.add(ga[ix], gb[iy], out=lk)
                lk -= gab[i_n]
            else:
                ll[k] = betaln(x + a[k], y + b[k]) - betaln(a[k], b[k])
        ll += np.log(w)[:, None]
        top_l = ll[0].copy()
        for k in range(1, K):
            np.maximum(top_l, ll[k], out=top_l)
        ll -= top_l
        r = np.exp(ll)
        tot = r[0].copy()
        for k in range(1, K):
            tot += r[k]
        r /= tot
        rs = _seq_sum(r) + 1e-12
        w = rs / rs.sum()
        # the weighted sums' terms in one work array (ll, no longer needed), the same
        # operations in the same order as r·f, r·(f − m)² and r·m(1 − m)/n
        m = np.clip(_seq_sum(np.multiply(r, f, out=ll)) / rs, 1e-3, 1 - 1e-3)
        np.subtract(f, m[:, None], out=ll)
        np.square(ll, out=ll)
        ll *= r
        var_f = _seq_sum(ll) / rs
        np.multiply(r, (m * (1 - m))[:, None], out=ll)
        ll /= nf
        noise = _seq_sum(ll) / rs
        var_p = np.maximum(var_f - noise, 1e-6)
        phi = np.clip(m * (1 - m) / var_p - 1, 0.5, 1e5)
    return w, m, phi


#: Rozenas's grid: the density at k/GRID_POINTS, k = 0..GRID_POINTS (his ``grid = 1001``),
#: and bins of width 1/GRID_POINTS centred on those points.
GRID_POINTS = 1000
#: Rozenas's kernel bandwidth (his ``bw = 1e-4``): a Gaussian kernel of sd 0.01 points, so
#: the density at a grid point counts the stations whose share is on it almost exactly (a
#: share 0.0003 away weighs exp(−4.5) ≈ 1 % of one on the point).
BANDWIDTH = 1e-4
#: Resamples of the RKD (his default 1,000; see the module doc).
RESAMPLES = 200
#: Predictive counts whose variance is at least this under every component are drawn as a
#: rounded normal, the others exactly: see :func:`rkd_resample`.
NORMAL_MIN_VAR = 25.0
#: Bootstrap resamples of the null replicates for the p-value's Monte Carlo range.
P_BOOT = 200


@dataclass(frozen=True, slots=True)
class RKD:
    """One run of Rozenas's RKD (module doc); shares are of stations."""

    variable: str
    share: float
    excess: float
    sd: float
    ci: tuple[float, float]
    p_value: float
    p_value_mc: tuple[float, float]
    p_value_resampling: float
    null_mean: float
    null_sd: float
    endpoints: float
    resamples: int
    stations: int
    spikes: list[dict[str, float]]
    components: list[dict[str, float]]
    density: FloatA = field(repr=False)
    envelope: FloatA = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "share": self.share,
            "excess": self.excess,
            "sd": self.sd,
            "ci": list(self.ci),
            "p_value": self.p_value,
            "p_value_mc": list(self.p_value_mc),
            "p_value_resampling": self.p_value_resampling,
            "null_mean": self.null_mean,
            "null_sd": self.null_sd,
            "endpoints": self.endpoints,
            "resamples": self.resamples,
            "stations": self.stations,
            "spikes": self.spikes,
            "components": self.components,
        }


def responsibilities(x: IntA, n: IntA, w: FloatA, m: FloatA, phi: FloatA) -> FloatA:
    """Posterior probability (K, stations) that each station's count ``x`` of ``n`` comes
    from each component of the beta-binomial mixture (weights ``w``, means ``m``,
    precisions ``phi``); log-gammas read from tables over the counts that occur."""
    a, b = m * phi, (1.0 - m) * phi
    (kx, ix), (ky, iy), (kn, i_n) = (
        (u.astype(np.float64), i)
        for u, i in (np.unique(c, return_inverse=True) for c in (x, n - x, n))
    )
    ll = np.empty((w.size, x.size))
    for k in range(w.size):
        ga = gammaln(kx + a[k]) - gammaln(a[k])
        gb = gammaln(ky + b[k]) - gammaln(b[k])
        gab = gammaln(kn + a[k] + b[k]) - gammaln(a[k] + b[k])
        np.add(ga[ix], gb[iy], out=ll[k])
        ll[k] -= gab[i_n]
        ll[k] += math.log(max(float(w[k]), 1e-300))
    ll -= ll.max(axis=0)
    r = np.exp(ll, out=ll)
    r /= r.sum(axis=0)
    return r


def grid_hists(
    x: np.ndarray, n: np.ndarray, bw: float = BANDWIDTH, home: np.ndarray | None = None
) -> tuple[FloatA, FloatA, FloatA | None]:
    """Rozenas's two views of the shares ``x / n`` (each row of ``x`` a sample of the
    stations): the Gaussian kernel density at the grid points k/GRID_POINTS, and the
    stations in the bins of width 1/GRID_POINTS centred on them; arrays
    (rows, GRID_POINTS + 1). ``x`` is overwritten. With ``home`` (each station's grid
    point in the data), also how many rows put each station back on it.

    A station weighs only on its nearest grid point: the next one is at least half a cell
    (5 bandwidths) away, where the kernel is below 4e-6 of its peak."""
    rows = x.shape[0]
    G = GRID_POINTS
    t = x
    t *= G / n  # the share in grid cells
    j = np.rint(t)
    back = (j == home).sum(axis=0, dtype=np.float64) if home is not None else None
    t -= j
    np.square(t, out=t)
    t *= -0.5 / (G * bw) ** 2
    np.exp(t, out=t)
    idx = j.astype(np.intp)
    idx += (G + 1) * np.arange(rows, dtype=np.intp)[:, None]
    flat = idx.ravel()
    size = rows * (G + 1)
    dens: FloatA = np.asarray(
        np.bincount(flat, t.ravel(), minlength=size), dtype=np.float64
    ).reshape(rows, G + 1)
    dens /= n.size * bw * math.sqrt(2.0 * math.pi)
    cnt = np.bincount(flat, minlength=size).reshape(rows, G + 1).astype(np.float64)
    return dens, cnt, back


_NORMAL_TABLE: list[np.ndarray] = []


def _normal_table() -> np.ndarray:
    """Quantiles of the standard normal at the midpoints of 65,536 equal cells of [0, 1]
    (float32): indexed by a uniform 16-bit integer, a standard normal draw to within the
    cell (the tails cut at ±4.3 sd)."""
    if not _NORMAL_TABLE:
        _NORMAL_TABLE.append(ndtri((np.arange(1 << 16) + 0.5) / (1 << 16)).astype(np.float32))
    return _NORMAL_TABLE[0]


def rkd_resample(
    x: IntA,
    n: IntA,
    r: FloatA,
    m: FloatA,
    phi: FloatA,
    S: int,
    rng: np.random.Generator,
    bw: float = BANDWIDTH,
    chunk: int = 8,
) -> tuple[FloatA, FloatA, FloatA]:
    """Rozenas's resampling: ``S`` draws of every station's count from its own posterior
    predictive, keeping its denominator — a component ``k`` drawn with the station's
    responsibility ``r[k]``, ``π ~ Beta(x + a_k, n − x + b_k)``, ``x' ~ Binomial(n, π)``
    — summarised per resample by :func:`grid_hists` (densities, bin counts: S × 1001),
    and the share of resamples that put each station back in its observed bin.

    Where the predictive count's variance is at least ``NORMAL_MIN_VAR`` under every
    component (large stations, shares away from 0 and 1) it is drawn as
    ``round(μ + σ·z)``, μ and σ² the mean and variance of the station's mixture of
    beta-binomial predictives and ``z`` a standard normal (:func:`_normal_table`); its
    skew differs from the beta-binomial's by ≲ 1/(6·5), and the predictive mass on each
    count, which decides the spikes, is the same within Monte Carlo noise
    (tests/forensics/test_spikes.py compares the two draws on the grid). Elsewhere
    (small stations, where the honest spikes come from) the draw is exact."""
    nf = n.astype(np.float64)
    a, b = m * phi, (1.0 - m) * phi
    al = x[None, :] + a[:, None]
    be = (n - x)[None, :] + b[:, None]
    s = al + be
    mu = nf * al / s
    var = nf * al * be * (s + nf) / (s * s * (s + 1.0))
    big = var.min(axis=0) >= NORMAL_MIN_VAR
    L, E = np.flatnonzero(big), np.flatnonzero(~big)
    rL = r[:, L]
    muL = (rL * mu[:, L]).sum(axis=0)
    sdL = np.sqrt(np.maximum((rL * (var[:, L] + mu[:, L] ** 2)).sum(axis=0) - muL**2, 0.0))
    muL32, sdL32 = muL.astype(np.float32), sdL.astype(np.float32)
    cumE = np.cumsum(r[:, E], axis=0)[:-1]
    alE, beE, nE, colE = al[:, E], be[:, E], n[E], np.arange(E.size)
    # stations in the order large, then exact: each part of a resample is a slice
    order = np.concatenate([L, E])
    n32 = nf[order].astype(np.float32)
    nL32 = n32[: L.size]
    home = np.rint(x[order] * (GRID_POINTS / nf[order])).astype(np.float32)
    back = np.zeros(n.size)
    table = _normal_table()
    G = GRID_POINTS
    dens = np.empty((S, G + 1))
    cnt = np.empty((S, G + 1))
    xs = np.empty((chunk, n.size), dtype=np.float32)
    for s0 in range(0, S, chunk):
        c = min(chunk, S - s0)
        out = xs[:c]
        if L.size:
            z = out[:, : L.size]
            np.take(table, rng.integers(0, 1 << 16, (c, L.size), dtype=np.uint16), out=z)
            z *= sdL32
            z += muL32
            np.rint(z, out=z)
            np.clip(z, 0.0, nL32, out=z)
        if E.size:
            u = rng.random((c, E.size))
            k = np.zeros((c, E.size), dtype=np.intp)
            for row in cumE:
                k += u > row
            p = rng.beta(alE[k, colE], beE[k, colE])
            out[:, L.size :] = rng.binomial(nE, p)
        dens[s0 : s0 + c], cnt[s0 : s0 + c], b_c = grid_hists(out, n32, bw, home)
        back += b_c if b_c is not None else 0.0
    ret = np.empty(n.size)
    ret[order] = back / S
    return dens, cnt, ret


def rkd_statistic(
    dens: FloatA, share: FloatA, envelope: FloatA, mean: FloatA, gain: FloatA | float = 1.0
) -> FloatA:
    """Rozenas's fraud estimate for each row: ``Σ max(0, share − mean)`` over the grid
    points where ``dens`` rises above ``envelope`` (arrays broadcast over rows); each
    point's term multiplied by ``gain`` (1 in Rozenas's estimate)."""
    out: FloatA = (np.maximum(share - mean, 0.0) * gain * above(dens, envelope)).sum(axis=-1)
    return out


#: Relative margin by which a density must exceed the envelope to count as above it. The
#: same stations on the same grid points give the same density up to rounding (float32
#: kernel values, sums in another order: ~1e-7); one more station in a bin of 100,000
#: moves it by 1e-5. Without the margin a point where a resample put the same station
#: back counted as a spike of the data (and never of the null replicates).
ABOVE_MARGIN = 1e-6


def above(dens: FloatA, envelope: FloatA) -> np.ndarray:
    """Where ``dens`` rises above ``envelope`` by more than rounding (:data:`ABOVE_MARGIN`)."""
    return np.asarray(dens > envelope * (1.0 + ABOVE_MARGIN))


def rkd_null(dens: FloatA, share: FloatA, gain: FloatA | float = 1.0) -> FloatA:
    """The RKD statistic of each resample taken in turn as the data, against the envelope
    and mean of the others (S null replicates): the envelope without row ``s`` is the
    largest value where ``s`` holds it, the largest otherwise."""
    S = dens.shape[0]
    part = np.partition(dens, S - 2, axis=0)
    top1, top2 = part[S - 1], part[S - 2]
    env = np.where(dens >= top1, top2, top1)
    mean = (share.sum(axis=0) - share) / (S - 1)
    return rkd_statistic(dens, share, env, mean, gain)


def gamma_tail(stat: float, null: FloatA) -> float:
    """Upper tail at ``stat`` of a gamma with the mean and variance of ``null``."""
    mu, v = float(null.mean()), float(null.var(ddof=1))
    if stat <= 0:
        return 1.0
    if not (mu > 0 and v > 0):
        return float("nan")
    return float(gammaincc(mu * mu / v, stat * mu / v))


def rkd(
    x: IntA,
    n: IntA,
    *,
    variable: str = "result",
    resamples: int = RESAMPLES,
    bw: float = BANDWIDTH,
    rng: np.random.Generator,
    fit_max: int = 20_000,
) -> RKD:
    """Rozenas's RKD of the shares ``x / n`` (module doc)."""
    S = max(int(resamples), 3)
    tot = n.size
    sub = rng.choice(tot, fit_max, replace=False) if tot > fit_max else np.arange(tot)
    w, m, phi = fit_mixture(x[sub], n[sub])
    r = responsibilities(x, n, w, m, phi)
    # in the resamples' precision (float32), so that equal samples give equal densities
    dens_o, cnt_o, _ = grid_hists(x[None, :].astype(np.float32), n.astype(np.float32), bw)
    dens, cnt, ret = rkd_resample(x, n, r, m, phi, S, rng, bw)
    # each bin's return rate: the mean over its observed stations of the share of
    # resamples that put them back in it (0 where the bin is empty)
    home = np.rint(x * (GRID_POINTS / n.astype(np.float64))).astype(np.intp)
    back = np.asarray(np.bincount(home, ret, minlength=GRID_POINTS + 1), dtype=np.float64)
    back /= np.maximum(cnt_o[0], 1.0)
    gain = 1.0 / (1.0 - np.minimum(back, 0.5))
    # not at 0 and 1: a count of 0 or n returns there often (the binomial's boundary), and
    # one return rate for the honest and the written stations of the bin no longer holds
    gain[0] = gain[-1] = 1.0
    obs, shares = cnt_o[0] / tot, cnt / tot
    mean = shares.mean(axis=0)
    env = dens.max(axis=0)
    spike = above(dens_o[0], env)
    F = float(rkd_statistic(dens_o[0], obs, env, mean))
    F_adj = float(rkd_statistic(dens_o[0], obs, env, mean, gain))
    # the excess and its sd against the null of the corrected statistic; the p-value of
    # Rozenas's F against the null of F itself (the same statistic on both sides)
    null_adj = rkd_null(dens, shares, gain)
    null_mean, null_sd = float(null_adj.mean()), float(null_adj.std(ddof=1))
    sd = math.sqrt(null_sd**2 + float(mean[spike].sum()) / tot)
    excess = F_adj - null_mean
    null = rkd_null(dens, shares)
    p = gamma_tail(F, null)
    boot = rng.integers(0, S, (P_BOOT, S))
    nb = null[boot]  # the gamma fit of gamma_tail on every bootstrap row at once
    bm, bv = nb.mean(axis=1), nb.var(axis=1, ddof=1)
    fit = (bm > 0) & (bv > 0)
    pb = np.full(P_BOOT, 1.0 if F <= 0 else np.nan)
    if F > 0:
        pb[fit] = gammaincc(bm[fit] ** 2 / bv[fit], F * bm[fit] / bv[fit])
    pb = pb[np.isfinite(pb)]
    p_mc = (
        (float(np.quantile(pb, 0.025)), float(np.quantile(pb, 0.975)))
        if pb.size
        else (float("nan"), float("nan"))
    )
    J = np.flatnonzero(spike)
    ex = (obs - mean)[J]
    where = [
        {
            "point": float(j / GRID_POINTS),
            "observed_stations": float(obs[j] * tot),
            "expected_stations": float(mean[j] * tot),
            "excess_stations": float(e * tot),
        }
        for j, e in sorted(zip(J.tolist(), ex.tolist(), strict=True), key=lambda t: -t[1])
        if e > 0
    ]
    return RKD(
        variable=variable,
        share=F,
        excess=excess,
        sd=sd,
        ci=(excess - 1.96 * sd, excess + 1.96 * sd),
        p_value=p,
        p_value_mc=p_mc,
        p_value_resampling=float((1 + (null >= F).sum()) / (S + 1)),
        null_mean=null_mean,
        null_sd=null_sd,
        endpoints=float(sum(max(0.0, obs[j] - mean[j]) for j in (0, GRID_POINTS) if spike[j])),
        resamples=S,
        stations=int(tot),
        spikes=where[:20],
        components=[
            {"weight": float(a), "mean": float(b), "precision": float(c)}
            for a, b, c in zip(w, m, phi, strict=True)
        ],
        density=dens_o[0],
        envelope=env,
    )


#: Below this the normal approximation of ``coarse_fractions``' p-value is not trusted:
#: it is printed as ``< 1e-6`` (``format_p(p, floor=COARSE_P_FLOOR)``).
COARSE_P_FLOOR = 1e-6


def format_p(p: float | None, mc: Any = None, floor: float = 0.0) -> str:
    """A p-value for people: two significant digits; below 1e-4 as ``< 1e-k``, ``1e-k``
    the power of ten above the upper end of its Monte Carlo range ``mc`` (or above ``p``,
    or above ``floor``, the smallest value its approximation supports), so a fitted tail
    never prints as 0 nor with more digits than its replicates support."""
    if p is None or p != p:
        return "–"
    hi = max(float(p), floor)
    if mc is not None and mc[1] == mc[1]:
        hi = max(hi, float(mc[1]))
    if hi >= 1e-4:
        return f"{float(p):.2g}"
    return f"< 1e-{math.floor(-math.log10(max(hi, 1e-300)))}"


def _usable(st: Stations) -> np.ndarray:
    return np.asarray((st.N > 0) & (st.R > 0) & (st.B <= st.N))


def rozenas(
    st: Stations,
    *,
    variable: str = "result",
    resamples: int = RESAMPLES,
    rng_seed: int = 0,
    bw: float = BANDWIDTH,
) -> RKD:
    """Rozenas's (2017) resampled kernel density method on the leader's share W of R
    (``variable="result"``, as in his package) or on turnout B of N (``"turnout"``)."""
    ok = _usable(st)
    x, n = (st.W[ok], st.R[ok]) if variable == "result" else (st.B[ok], st.N[ok])
    return rkd(
        x, n, variable=variable, resamples=resamples, bw=bw, rng=np.random.default_rng(rng_seed)
    )


def _coarse_one(x: IntA, n: IntA) -> dict[str, Any]:
    obs_q = _coarse_denominator(x, n)
    obs = int((obs_q > 0).sum())
    pq = coarse_probabilities(x, n)
    hit = pq.sum(axis=1)
    mean = float(hit.sum())
    sd = math.sqrt(float((hit * (1.0 - hit)).sum()))
    tot = float(n.size)
    z = (obs - mean) / sd if sd > 0 else float("nan")
    pval = float(0.5 * math.erfc(z / math.sqrt(2.0))) if math.isfinite(z) else float("nan")
    exp_q = pq.sum(axis=0)
    obs_by_q = np.bincount(obs_q, minlength=MAX_DENOM + 1)
    where = [
        {
            "denominator": q,
            "observed": int(obs_by_q[q]),
            "expected": float(exp_q[q]),
            "excess_stations": float(obs_by_q[q] - exp_q[q]),
        }
        for q in range(2, MAX_DENOM + 1)
    ]
    where.sort(key=lambda d: -d["excess_stations"])
    return {
        "share": (obs - mean) / tot,
        "ci": ((obs - mean - 1.96 * sd) / tot, (obs - mean + 1.96 * sd) / tot),
        "observed_stations": obs,
        "expected_stations": mean,
        "sd_stations": sd,
        "z": z,
        "p_value": pval,
        "by_denominator": where,
    }


def coarse_fractions(st: Stations) -> dict[str, Any]:
    """Stations exactly on coarse fractions against the binomial reference of their own
    denominators, for turnout (B of N) and the leader's result (W of R); module doc."""
    ok = _usable(st)
    return {
        "method": (
            "stations exactly on p/q (q <= "
            f"{MAX_DENOM}, 0 < p < q) against the exact expectation of Binomial(own "
            "denominator, observed share)"
        ),
        "interval": "normal: excess ± 1.96 × the exact Poisson-binomial sd (no resampling)",
        "p_value_method": "normal upper tail of the same z",
        "turnout": _coarse_one(st.B[ok], st.N[ok]),
        "result": _coarse_one(st.W[ok], st.R[ok]),
    }


@dataclass(frozen=True, slots=True)
class Spikes:
    result: RKD
    turnout: RKD | None
    coarse: dict[str, Any]
    stations: int
    resamples: int

    def to_dict(self) -> dict[str, Any]:
        rz: dict[str, Any] = {
            "method": (
                "Rozenas 2017 resampled kernel density (RKD): posterior-predictive resamples "
                f"keeping each station's denominator, Gaussian kernel bw {BANDWIDTH:g} on "
                f"{GRID_POINTS + 1} grid points, envelope = max of {self.resamples} resamples"
            ),
            "share_method": "Rozenas's fraud estimate: sum over grid points above the "
            "envelope of max(0, observed − mean resampled bin share)",
            "interval": "normal: excess ± 1.96 × sqrt(var of null replicates + Poisson "
            "noise of the honest stations in the spike bins)",
            "p_value_method": f"upper tail of a gamma fitted to {self.resamples} null "
            "replicates (each resample against the others); p_value_mc its 95% Monte Carlo "
            "range; p_value_resampling the rank p-value, floor 1/(resamples + 1)",
            "result": self.result.to_dict(),
        }
        if self.turnout is not None:
            rz["turnout"] = self.turnout.to_dict()
        ex = [self.result.excess] + ([self.turnout.excess] if self.turnout else [])
        return {
            "share": max(0.0, *ex),
            "stations": self.stations,
            "resamples": self.resamples,
            "method": "Rozenas's RKD (rozenas) and the exact count of coarse fractions "
            "(coarse_fractions)",
            "rozenas": rz,
            "coarse_fractions": self.coarse,
        }


def spikes(
    st: Stations,
    *,
    resamples: int = RESAMPLES,
    rng_seed: int = 0,
    turnout: bool = False,
    max_stations: int = 200_000,
) -> Spikes:
    """Rozenas's RKD on the leader's share (and on turnout with ``turnout=True``) and the
    coarse-fraction count on both. Above ``max_stations`` both run on a uniform random
    subsample of that many stations (shares are per station, so a subsample estimates
    them without bias; ``stations`` reports how many were used)."""
    rng = np.random.default_rng(rng_seed)
    if st.n > max_stations:
        st = st.subset(np.isin(np.arange(st.n), rng.choice(st.n, max_stations, replace=False)))
    ok = _usable(st)
    res = rozenas(st, resamples=resamples, rng_seed=rng_seed + 1)
    tur = (
        rozenas(st, variable="turnout", resamples=resamples, rng_seed=rng_seed + 2)
        if turnout
        else None
    )
    return Spikes(res, tur, coarse_fractions(st), int(ok.sum()), res.resamples)
